// Shared by web/tests/lib*.test.mjs: a static server for web/lib/dist and the models, and a
// headless Debian Chromium driven by playwright-core. Not a test file itself.
import { createServer } from 'node:http';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DIST = join(ROOT, 'web/lib/dist');
export const MODELS_DIR = join(ROOT, '.cache/models');
export const SAMPLE = join(ROOT, 'assets/sample/skimage_astronaut.png');
export const CHROMIUM = '/usr/bin/chromium';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.wasm': 'application/wasm', '.png': 'image/png', '.json': 'application/json',
  '.onnx': 'application/octet-stream', '.gz': 'application/gzip', '.ts': 'text/plain',
};

const PAGE = `<!doctype html><meta charset="utf-8"><title>bgone lib test</title>
<script type="module">
  import * as bgone from './lib/index.js';  // under /iso/ too: the worker needs COEP itself
  window.bgone = bgone;
  window.bgoneReady = true;
</script>`;

/** Why the library tests cannot run here, or null. */
export function missingPrerequisite() {
  for (const f of ['index.js', 'worker.js', 'bgone-st.js', 'bgone-st.wasm']) {
    if (!existsSync(join(DIST, f))) return `web/lib/dist/${f} missing: run node web/lib/scripts/build.mjs after the wasm build`;
  }
  for (const f of ['isnet-w4.onnx.gz', 'isnet-q8.onnx']) {
    if (!existsSync(join(MODELS_DIR, f))) return `.cache/models/${f} missing: run tools/fetch_models.sh`;
  }
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} missing`;
  return null;
}

/**
 * Serves, on 127.0.0.1 (ephemeral port):
 *   /            a test page exposing the library as window.bgone
 *   /lib/...     web/lib/dist
 *   /models/...  .cache/models
 *   /coded/models/...  the same, but .gz files with Content-Encoding: gzip (the browser inflates
 *                them before the page sees them, as some static hosts do)
 *   /files/...   extraFiles[name] (absolute paths)
 * and the same under /iso/..., with COOP/COEP headers (cross-origin isolated).
 * Every request is counted in server.log (method + path).
 */
export async function startServer(extraFiles = {}) {
  const log = [];
  const server = createServer((req, res) => {
    log.push(`${req.method} ${req.url}`);
    let path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const headers = { 'cache-control': 'no-store' };
    if (path.startsWith('/iso/') || path === '/iso') {
      path = path.slice(4) || '/';
      headers['cross-origin-opener-policy'] = 'same-origin';
      headers['cross-origin-embedder-policy'] = 'require-corp';
    }
    let file = null;
    if (path === '/' || path === '/index.html') {
      res.writeHead(200, { ...headers, 'content-type': TYPES['.html'] });
      res.end(PAGE);
      return;
    }
    const roots = [['/lib/', DIST], ['/models/', MODELS_DIR], ['/coded/models/', MODELS_DIR]];
    for (const [prefix, dir] of roots) {
      if (path.startsWith(prefix)) {
        const p = normalize(join(dir, path.slice(prefix.length)));
        if (p.startsWith(dir + '/')) file = p;
      }
    }
    if (path.startsWith('/files/')) file = extraFiles[path.slice(7)] || null;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, headers);
      res.end();
      return;
    }
    if (!file || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { ...headers, 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    if (path.startsWith('/coded/') && file.endsWith('.gz')) headers['content-encoding'] = 'gzip';
    res.writeHead(200, {
      ...headers,
      'content-type': TYPES[extname(file)] || 'application/octet-stream',
      'content-length': statSync(file).size,
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const origin = `http://127.0.0.1:${server.address().port}`;
  return { origin, log, close: () => new Promise((ok) => server.close(ok)) };
}

/**
 * playwright-core needs the fetch globals (Headers, Request, ...) that `node --no-experimental-fetch`
 * (wanted by the Emscripten tests under web/tests/) removes. A test file run that way calls this:
 * it re-runs `cases` (a file of node:test tests) in a child node with fetch enabled, echoes its
 * report, and passes when the child passes. Returns false when fetch is available, meaning the
 * caller should import `cases` directly.
 */
export async function rerunWithFetchIfNeeded(cases, timeoutMs) {
  if (typeof globalThis.fetch === 'function') return false;
  const { test } = await import('node:test');
  const { spawn } = await import('node:child_process');
  test(`${cases.split('/').pop()} (re-run in a child node with fetch, for playwright-core)`,
    { timeout: timeoutMs }, async () => {
      const env = { ...process.env };
      delete env.NODE_TEST_CONTEXT;  // else the child thinks it is a file of this run
      const child = spawn(process.execPath, ['--test', '--test-reporter=spec', cases],
        { stdio: ['ignore', 'pipe', 'pipe'], env });
      let output = '';
      child.stdout.on('data', (d) => { output += d; });
      child.stderr.on('data', (d) => { output += d; });
      const code = await new Promise((ok) => child.on('close', ok));
      for (const line of output.split("\n")) if (line.trim()) console.log(line);
      if (code !== 0) throw new Error(`${cases} failed (exit ${code}); its report is above`);
      const passed = Number((/\bpass (\d+)/.exec(output) || [])[1] || 0);
      const failed = Number((/\bfail (\d+)/.exec(output) || [])[1] || 0);
      if (failed || !passed) throw new Error(`${cases}: ${passed} passed, ${failed} failed`);
    });
  return true;
}

export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

/** Opens url in a fresh page of context, waits for window.bgone, records requests. */
export async function openPage(context, url) {
  const page = await context.newPage();
  const requests = [];
  const consoleLines = [];
  page.on('request', (r) => requests.push({ method: r.method(), url: r.url() }));
  page.on('console', (m) => consoleLines.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => consoleLines.push(`pageerror: ${e.message}`));
  await page.goto(url);
  await page.waitForFunction(() => window.bgoneReady === true);
  return { page, requests, consoleLines };
}
