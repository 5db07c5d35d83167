// tools/serve.mjs (headers, MIME types, no directory traversal) and the app's PWA plumbing in
// headless Chromium: the manifest, the service worker's precache, Chromium's own installability
// check, and the service worker's cross-origin isolation fallback on a host that sends no COOP/COEP. Needs dist/ (bash scripts/serve.sh --build-only).
//
//   node --no-experimental-fetch --test web/tests/
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as h from './app-harness.mjs';
import { CSP, serve } from '../../tools/serve.mjs';

/** A raw GET (the path is sent as is, no normalisation). */
function get(base, rawPath, method = 'GET', headers = {}) {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, path: rawPath, method, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('tools/serve.mjs', () => {
  let root;
  let server;
  let url;
  before(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'bgone-serve-'));
    mkdirSync(path.join(root, 'site/sub'), { recursive: true });
    writeFileSync(path.join(root, 'secret.txt'), 'secret');
    writeFileSync(path.join(root, 'site/index.html'), '<!doctype html><title>x</title>');
    writeFileSync(path.join(root, 'site/sub/a.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d]));
    writeFileSync(path.join(root, 'site/app.js'), 'export {}');
    writeFileSync(path.join(root, 'site/manifest.webmanifest'), '{}');
    ({ server, url } = await serve({ port: 0, dir: path.join(root, 'site') }));
  });
  after(() => {
    server?.close();
    rmSync(root, { recursive: true, force: true });
  });

  test('serves files with MIME types and the isolation and CSP headers', async () => {
    const index = await get(url, '/');
    assert.equal(index.status, 200);
    assert.match(index.headers['content-type'], /^text\/html/);
    assert.equal(index.headers['cross-origin-opener-policy'], 'same-origin');
    assert.equal(index.headers['cross-origin-embedder-policy'], 'require-corp');
    assert.equal(index.headers['content-security-policy'], CSP);
    assert.match(CSP, /connect-src 'self';/);
    assert.doesNotMatch(CSP, /https?:|\*/, 'no third-party origins');
    assert.equal((await get(url, '/sub/a.wasm')).headers['content-type'], 'application/wasm');
    assert.match((await get(url, '/app.js')).headers['content-type'], /^text\/javascript/);
    assert.match((await get(url, '/manifest.webmanifest')).headers['content-type'], /^application\/manifest\+json/);
  });

  test('answers an unchanged file with 304 and a changed one with 200', async () => {
    const first = await get(url, '/sub/a.wasm');
    assert.equal(first.status, 200);
    const etag = first.headers.etag;
    assert.match(etag, /^W\/"/);
    assert.equal(first.headers['cache-control'], 'no-cache');
    const again = await get(url, '/sub/a.wasm', 'GET', { 'If-None-Match': etag });
    assert.equal(again.status, 304);
    assert.equal(again.body.length, 0);
    assert.equal(again.headers['cross-origin-embedder-policy'], 'require-corp');
    const since = await get(url, '/sub/a.wasm', 'GET', { 'If-Modified-Since': first.headers['last-modified'] });
    assert.equal(since.status, 304);
    assert.equal((await get(url, '/sub/a.wasm', 'GET', { 'If-None-Match': 'W/"other"' })).status, 200);
    // A rewritten file (new size and time) is sent again.
    writeFileSync(path.join(root, 'site/sub/a.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
    utimesSync(path.join(root, 'site/sub/a.wasm'), new Date(), new Date(Date.now() + 5000));
    const changed = await get(url, '/sub/a.wasm', 'GET', { 'If-None-Match': etag });
    assert.equal(changed.status, 200);
    assert.equal(changed.body.length, 8);
  });

  test('refuses directory traversal and methods other than GET/HEAD', async () => {
    for (const p of ['/../secret.txt', '/%2e%2e/secret.txt', '/sub/..%2f..%2fsecret.txt', '/..\\secret.txt',
      `/${encodeURIComponent(path.join(root, 'secret.txt'))}`, '/%00']) {
      const res = await get(url, p);
      assert.notEqual(res.status, 200, p);
      assert.doesNotMatch(res.body.toString(), /secret/, p);
    }
    assert.equal((await get(url, '/', 'POST')).status, 405);
    assert.equal((await get(url, '/missing.js')).status, 404);
  });

  test('--no-isolation and --plain leave out COOP/COEP', async () => {
    for (const options of [{ isolation: false }, { plain: true }]) {
      const s = await serve({ port: 0, dir: path.join(root, 'site'), ...options });
      try {
        const res = await get(s.url, '/');
        assert.equal(res.headers['cross-origin-opener-policy'], undefined);
        assert.equal(res.headers['cross-origin-embedder-policy'], undefined);
        assert.equal(res.headers['x-bgone-no-isolation'], options.plain ? undefined : '1');
        assert.equal(res.headers['content-security-policy'], CSP);
      } finally {
        s.server.close();
      }
    }
  });
});

const skip = h.skipReason();
if (skip && process.env.BGONE_REQUIRE_WEB === '1') {
  throw new Error(`PWA tests required (BGONE_REQUIRE_WEB=1) but cannot run: ${skip}`);
}
describe('PWA', { skip: skip ?? false }, () => {
  test('the manifest is valid and the service worker precaches the shell and wasm, not the models', async () => {
    const { server, url } = await h.startServer();
    try {
      const manifest = JSON.parse((await get(url, '/manifest.webmanifest')).body);
      assert.equal(manifest.display, 'standalone');
      for (const icon of manifest.icons) assert.equal((await get(url, `/${icon.src}`)).status, 200, icon.src);
      assert.ok(manifest.icons.some((i) => i.sizes === '512x512' && i.type === 'image/png'));
      const sw = (await get(url, '/sw.js')).body.toString();
      const precache = JSON.parse(sw.match(/__BGONE_PRECACHE__ = (\[.*?\]);/)[1]);
      for (const f of ['./index.html', './lib/index.js', './lib/worker.js', './lib/bgone-st.wasm', './manifest.webmanifest']) {
        assert.ok(precache.includes(f), f);
      }
      assert.ok(!precache.some((f) => f.includes('models/')), 'models are left to the library');
      for (const f of precache) assert.equal((await get(url, f.slice(1) || '/')).status, 200, f);
    } finally {
      server.close();
    }
  });

  test('Chromium finds the app installable (DevTools Page.getInstallabilityErrors is empty)', async () => {
    const { server, url } = await h.startServer();
    const profile = mkdtempSync(path.join(tmpdir(), 'bgone-profile-'));
    const context = await h.launchPersistent(profile);
    try {
      const page = await context.newPage();
      await page.goto(url);
      await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 30_000 });
      const cdp = await context.newCDPSession(page);
      const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
      assert.deepEqual(installabilityErrors, []);
      const manifest = await cdp.send('Page.getAppManifest');
      assert.deepEqual(manifest.errors, []);
      assert.ok(manifest.url.endsWith('.webmanifest') || manifest.url.endsWith('.json'), manifest.url);
    } finally {
      await context.close();
      server.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });

  test('on a host without COOP/COEP the service worker makes the page cross-origin isolated', async () => {
    const { server, url } = await h.startServer({ plain: true });
    const browser = await h.launch();
    try {
      const context = await browser.newContext();
      const log = h.recordRequests(context);
      const page = await context.newPage();
      await page.goto(url);
      // The app reloads once when its service worker takes control.
      await page.waitForFunction(() => crossOriginIsolated, null, { timeout: 20_000 });
      assert.equal(await page.evaluate(() => !!navigator.serviceWorker.controller), true);
      assert.match(await page.textContent('#engine-info'), /\d+ threads/);
      assert.deepEqual(log.filter((r) => new URL(r.url).origin !== new URL(url).origin || r.method !== 'GET'), []);
      await page.screenshot({ path: path.join(tmpdir(), 'bgone-app-empty.png') });
    } finally {
      await browser.close();
      server.close();
    }
  });
});
