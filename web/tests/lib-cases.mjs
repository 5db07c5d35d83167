// The cases of web/tests/lib.test.mjs (the npm library web/lib in headless Debian Chromium):
// results against the native CLI, the model store in OPFS (reuse, corruption), errors.
// Needs web/lib/dist (node web/lib/scripts/build.mjs), .cache/models and build/release/cli/bgone.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, SAMPLE, MODELS_DIR, missingPrerequisite, startServer, launchChromium, openPage } from './lib-harness.mjs';

const CLI = join(ROOT, 'build/release/cli/bgone');
// The default model (w4), as web/lib/src/models.js pins it: served gzipped, stored inflated.
const W4_SHA = '7352a40be82c58550b8e7c18ddd5670a7d44a1c4972ac30605e727a2901a0b00';
const W4_SIZE = 25007736;
const W4_FILE = 'isnet-w4.onnx.gz';
const INFERENCE_TIMEOUT = 240_000;

const skip = missingPrerequisite() || (existsSync(CLI) ? false : `${CLI} missing: build the release preset`) || false;
if (skip && process.env.BGONE_REQUIRE_WEB === '1') {
  throw new Error(`library tests required (BGONE_REQUIRE_WEB=1) but cannot run: ${skip}`);
}
if (skip) console.log(`# skipping the library tests: ${skip}`);

let server;
let browser;
let context;
let tmp;

before(async () => {
  if (skip) return;
  tmp = mkdtempSync(join(tmpdir(), 'bgone-lib-test-'));
  const refMask = join(tmp, 'astronaut-mask-w4.png');
  execFileSync(CLI, ['--mask', '--model', 'w4', '-q', '-o', refMask, SAMPLE]);
  // Broken copies of the gzipped model: bytes overwritten in the middle, and cut short.
  const gz = readFileSync(join(MODELS_DIR, W4_FILE));
  const corrupt = Buffer.from(gz);
  corrupt.fill(0x5a, 1_000_000, 1_004_096);
  writeFileSync(join(tmp, 'corrupt.onnx.gz'), corrupt);
  writeFileSync(join(tmp, 'short.onnx.gz'), gz.subarray(0, 5_000_000));
  server = await startServer({
    'astronaut.png': SAMPLE, 'astronaut-mask-w4.png': refMask,
    'corrupt.onnx.gz': join(tmp, 'corrupt.onnx.gz'), 'short.onnx.gz': join(tmp, 'short.onnx.gz'),
  });
  browser = await launchChromium();
  // One context for the whole file: OPFS persists across its pages, like later visits.
  context = await browser.newContext();
});

after(async () => {
  if (browser) await browser.close();
  if (server) await server.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const modelRequests = (requests) => requests.filter((r) => r.url.includes('/models/'));

/** In the page: alpha (or red, for gray masks) of an image blob, as a plain array. */
const PAGE_HELPERS = `
  window.channelOf = async (blob, channel) => {
    const bmp = await createImageBitmap(blob, { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
    const c = new OffscreenCanvas(bmp.width, bmp.height);
    const ctx = c.getContext('2d', { willReadFrequently: true });
    ctx.drawImage(bmp, 0, 0);
    const d = ctx.getImageData(0, 0, bmp.width, bmp.height).data;
    const out = new Uint8Array(bmp.width * bmp.height);
    for (let i = 0; i < out.length; i++) out[i] = d[4 * i + channel];
    return { width: bmp.width, height: bmp.height, data: out };
  };
  window.meanAbsDiff = (a, b) => {
    let s = 0;
    for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
    return s / a.length;
  };
  window.referenceMask = async () =>
    channelOf(await (await fetch('/files/astronaut-mask-w4.png')).blob(), 0);
  window.opfsModelDir = async () => {
    const root = await navigator.storage.getDirectory();
    return (await root.getDirectoryHandle('bgone')).getDirectoryHandle('models');
  };
`;

async function open(path = '/') {
  const opened = await openPage(context, server.origin + path);
  await opened.page.evaluate(PAGE_HELPERS);
  return opened;
}

test('preload({ifStored: true}) on a first visit downloads nothing and loads nothing',
  { skip, timeout: INFERENCE_TIMEOUT }, async () => {
    const { page, requests } = await open('/');
    const r = await page.evaluate(async () => {
      const stages = [];
      const pre = await bgone.preload({ modelBaseUrl: '/models/', ifStored: true, onProgress: (p) => stages.push(p.stage) });
      bgone.dispose();
      return { pre, stages };
    });
    assert.equal(r.pre.loaded, false);
    assert.deepEqual(r.stages, []);
    assert.deepEqual(modelRequests(requests), [], 'no model download');
  });

test('removeBackground: the sample with the default model (w4, gzipped) gives a PNG whose alpha matches the native CLI mask',
  { skip, timeout: INFERENCE_TIMEOUT }, async () => {
    const { page, requests } = await open('/');
    const t0 = Date.now();
    const r = await page.evaluate(async () => {
      const stages = [];
      const input = await (await fetch('/files/astronaut.png')).blob();
      const out = await bgone.removeBackground(input, {
        modelBaseUrl: '/models/', onProgress: (p) => stages.push(p),
      });
      const head = new Uint8Array(await out.slice(0, 8).arrayBuffer());
      const alpha = await channelOf(out, 3);
      const ref = await referenceMask();
      const download = stages.filter((s) => s.stage === 'download');
      return {
        type: out.type,
        pngSignature: [...head].join(',') === '137,80,78,71,13,10,26,10',
        size: [alpha.width, alpha.height],
        refSize: [ref.width, ref.height],
        diff: meanAbsDiff(alpha.data, ref.data),
        mean: alpha.data.reduce((a, b) => a + b, 0) / alpha.data.length,
        stages: [...new Set(stages.map((s) => s.stage))],
        lastDownload: download[download.length - 1],
        downloads: download.map((d) => [d.loaded, d.total, d.fraction]),
        inference: stages.filter((s) => s.stage === 'inference').map((s) => s.fraction),
      };
    });
    console.log(`# first run (download + inference): ${Date.now() - t0} ms, alpha mean |diff| vs CLI ${r.diff.toFixed(4)}`);
    assert.equal(r.type, 'image/png');
    assert.ok(r.pngSignature, 'PNG signature');
    assert.deepEqual(r.size, [512, 512]);
    assert.deepEqual(r.refSize, r.size);
    assert.ok(r.diff <= 1, `alpha differs from the CLI mask by ${r.diff} on average (limit 1)`);
    assert.ok(r.mean > 20 && r.mean < 235, `alpha mean ${r.mean} is implausible`);
    assert.deepEqual(r.stages, ['download', 'load', 'inference', 'refine', 'encode']);
    // Inference progress comes from the engine while it runs: many increasing fractions.
    const inner = r.inference.filter((f) => f > 0 && f < 1);
    assert.ok(inner.length >= 10, `only ${inner.length} inference progress events inside (0, 1)`);
    for (let i = 1; i < r.inference.length; i++) assert.ok(r.inference[i] >= r.inference[i - 1], 'inference progress decreases');
    // Download progress counts the bytes over the network: the gzip file's.
    const gzSize = statSync(join(MODELS_DIR, W4_FILE)).size;
    assert.equal(r.lastDownload.loaded, gzSize);
    assert.equal(r.lastDownload.total, gzSize);
    assert.equal(r.lastDownload.fraction, 1);
    for (const [loaded, total, fraction] of r.downloads) {
      assert.ok(loaded <= total && fraction >= 0 && fraction <= 1, JSON.stringify([loaded, total, fraction]));
    }
    const models = modelRequests(requests);
    assert.equal(models.length, 1, JSON.stringify(models));
    assert.ok(models[0].url.endsWith(`/models/${W4_FILE}`));
    for (const req of requests) {
      assert.equal(req.method, 'GET', `${req.method} ${req.url}`);
      assert.ok(req.url.startsWith(server.origin), `request to another origin: ${req.url}`);
    }
  });

test('model store: the model is in OPFS and a later visit loads it without a model request',
  { skip, timeout: INFERENCE_TIMEOUT }, async () => {
    const { page, requests } = await open('/');
    const r = await page.evaluate(async (sha) => {
      const file = await (await (await opfsModelDir()).getFileHandle(`${sha}.onnx`)).getFile();
      const stages = [];
      const t0 = performance.now();
      const pre = await bgone.preload({ modelBaseUrl: '/models/', onProgress: (p) => stages.push(p.stage) });
      return { stored: file.size, pre, stages: [...new Set(stages)], readyMs: performance.now() - t0 };
    }, W4_SHA);
    console.log(`# ready from the store (worker start + verify + engine load): ${r.readyMs.toFixed(0)} ms`);
    assert.equal(r.stored, W4_SIZE, 'the store keeps the inflated model');
    assert.deepEqual({ flavor: r.pre.flavor, threads: r.pre.threads }, { flavor: 'st', threads: 1 });
    assert.ok(r.pre.timings && r.pre.timings.create_ms > 0, 'preload reports its timings');
    assert.deepEqual(r.stages, ['load']);
    assert.equal(r.pre.loaded, true);
    assert.deepEqual(modelRequests(requests), []);
  });

test('model store: preload({ifStored: true}) on a later visit loads the stored model, and the next call reuses it',
  { skip, timeout: INFERENCE_TIMEOUT }, async () => {
    const { page, requests } = await open('/');
    const r = await page.evaluate(async () => {
      const pre = await bgone.preload({ modelBaseUrl: '/models/', ifStored: true });
      const stages = [];
      const again = await bgone.preload({ modelBaseUrl: '/models/', onProgress: (p) => stages.push(p.stage) });
      return { pre, again, stages };
    });
    assert.equal(r.pre.loaded, true);
    assert.ok(r.pre.timings && r.pre.timings.create_ms > 0);
    assert.equal(r.again.loaded, true);
    assert.deepEqual(r.stages, [], 'the engine already held the model');
    assert.deepEqual(modelRequests(requests), []);
  });

test('model store: a corrupted stored model is detected, downloaded again, and the result is right',
  { skip, timeout: INFERENCE_TIMEOUT }, async () => {
    const { page, requests } = await open('/');
    // Same size, different bytes: only the hash check can notice.
    await page.evaluate(async (sha) => {
      const handle = await (await opfsModelDir()).getFileHandle(`${sha}.onnx`);
      const w = await handle.createWritable({ keepExistingData: true });
      await w.write({ type: 'write', position: 1_000_000, data: new Uint8Array(4096).fill(0xab) });
      await w.close();
    }, W4_SHA);
    const r = await page.evaluate(async (sha) => {
      const input = await (await fetch('/files/astronaut.png')).blob();
      const mask = await bgone.removeBackground(input, { modelBaseUrl: '/models/', output: 'mask-array' });
      const ref = await referenceMask();
      const file = await (await (await opfsModelDir()).getFileHandle(`${sha}.onnx`)).getFile();
      const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await file.arrayBuffer()));
      return {
        size: [mask.width, mask.height],
        isUint8Array: mask.data instanceof Uint8Array,
        diff: meanAbsDiff(mask.data, ref.data),
        storedSha: [...digest].map((b) => b.toString(16).padStart(2, '0')).join(''),
      };
    }, W4_SHA);
    assert.equal(modelRequests(requests).length, 1, 'the model is downloaded again');
    assert.deepEqual(r.size, [512, 512]);
    assert.ok(r.isUint8Array);
    assert.ok(r.diff <= 1, `mask differs from the CLI mask by ${r.diff} on average`);
    assert.equal(r.storedSha, W4_SHA, 'the store holds a good copy again');
  });

test('model store: Cache Storage (the fallback without OPFS) stores, reuses and repairs the model',
  { skip, timeout: 120_000 }, async () => {
    const { page, requests } = await open('/');
    const r = await page.evaluate(async (sha) => {
      const opts = { modelBaseUrl: '/models/', storage: 'cache' };
      const key = `${location.origin}/__bgone__/models/${sha}.onnx`;
      await (await caches.open('bgone-models-v1')).delete(key);
      await bgone.preload(opts);
      bgone.dispose();
      const stages = [];
      await bgone.preload({ ...opts, onProgress: (p) => stages.push(p.stage) });
      const reused = !stages.includes('download');
      // Truncate the entry: the next load must notice and download again.
      const cache = await caches.open('bgone-models-v1');
      await cache.put(key, new Response(new Uint8Array(1000)));
      bgone.dispose();
      const stages2 = [];
      await bgone.preload({ ...opts, onProgress: (p) => stages2.push(p.stage) });
      const repaired = (await (await cache.match(key)).arrayBuffer()).byteLength;
      return { reused, redownloaded: stages2.includes('download'), repaired };
    }, W4_SHA);
    assert.ok(r.reused, 'second load came from Cache Storage');
    assert.ok(r.redownloaded, 'a truncated entry is downloaded again');
    assert.equal(r.repaired, W4_SIZE);
    assert.equal(modelRequests(requests).length, 2, JSON.stringify(modelRequests(requests)));
  });

test('errors: a non-image input, a wrong model hash, a missing model and bad options reject with clear messages',
  { skip, timeout: 120_000 }, async () => {
    const { page } = await open('/');
    const r = await page.evaluate(async () => {
      const message = (p) => p.then(() => 'resolved', (e) => (e instanceof Error ? e.message : `not an Error: ${e}`));
      return {
        notImage: await message(bgone.removeBackground(new Blob(['hello, not an image'], { type: 'text/plain' }),
          { modelBaseUrl: '/models/' })),
        notImageUrl: await message(bgone.removeBackground('/lib/models.js', { modelBaseUrl: '/models/' })),
        badHash: await message(bgone.preload({
          model: { url: '/models/isnet-q8.onnx', sha256: '0'.repeat(64), size: 44342436 }, storage: 'none',
        })),
        badSize: await message(bgone.preload({
          model: { url: '/models/isnet-q8.onnx', sha256: '1'.repeat(64), size: 1000 }, storage: 'none',
        })),
        missing: await message(bgone.preload({ modelBaseUrl: '/nowhere/', storage: 'none' })),
        badEncoding: await message(bgone.preload({
          model: { url: '/models/isnet-q8.onnx', sha256: '0'.repeat(64), size: 1, encoding: 'br' },
        })),
        unknownModel: await message(bgone.removeBackground(new Blob([]), { model: 'large' })),
        badColour: await message(bgone.removeBackground(new Blob([]), { background: 'not-a-colour' })),
        unsupported: await message(bgone.removeBackground(42)),
        afterErrorsStillWorks: await message(bgone.preload({ modelBaseUrl: '/models/' })),
      };
    });
    assert.match(r.notImage, /not an image the browser can decode/);
    assert.match(r.notImageUrl, /not an image the browser can decode/);
    assert.match(r.badHash, /model hash mismatch: .*isnet-q8\.onnx: SHA-256 7001d607/);
    assert.match(r.badSize, /model hash mismatch: .*larger than the expected 1000 bytes/);
    assert.match(r.missing, /model download failed: .*\/nowhere\/isnet-w4\.onnx\.gz: HTTP 404/);
    assert.match(r.badEncoding, /model\.encoding must be "identity" or "gzip"/);
    assert.match(r.unknownModel, /unknown model "large" \(expected one of "w4", "w8", "medium", "small"/);
    assert.match(r.badColour, /"not-a-colour" is not a CSS colour/);
    assert.match(r.unsupported, /unsupported input/);
    assert.equal(r.afterErrorsStillWorks, 'resolved');
  });

test('gzip: a host that inflates the model itself, a custom gzipped model, and broken gzip data',
  { skip, timeout: 180_000 }, async () => {
    const { page, requests } = await open('/');
    const r = await page.evaluate(async ([sha, size]) => {
      const message = (p) => p.then(() => 'resolved', (e) => (e instanceof Error ? e.message : `not an Error: ${e}`));
      // dispose() first: the worker keeps the engine of the last model (same SHA-256) loaded.
      const fresh = (p) => { bgone.dispose(); return message(bgone.preload(p)); };
      const custom = (url, encoding) => ({ model: { url, sha256: sha, size, encoding }, storage: 'none' });
      const codedStages = [];
      const coded = await message(bgone.preload({
        modelBaseUrl: '/coded/models/', storage: 'none', onProgress: (p) => codedStages.push(p),
      }));
      const codedLast = codedStages.filter((p) => p.stage === 'download').pop();
      return {
        coded,
        codedLast: codedLast && [codedLast.loaded, codedLast.total, codedLast.fraction],
        customGzip: await fresh(custom('/models/isnet-w4.onnx.gz', 'gzip')),
        gzipAsIdentity: await fresh(custom('/models/isnet-w4.onnx.gz', undefined)),
        corrupt: await fresh(custom('/files/corrupt.onnx.gz', 'gzip')),
        short: await fresh(custom('/files/short.onnx.gz', 'gzip')),
        stillWorks: await message(bgone.preload({ modelBaseUrl: '/models/' })),
      };
    }, [W4_SHA, W4_SIZE]);
    // The browser inflated the body (Content-Encoding): the library takes those bytes as they are.
    assert.equal(r.coded, 'resolved');
    assert.deepEqual(r.codedLast, [W4_SIZE, W4_SIZE, 1]);
    assert.ok(requests.some((q) => q.url.endsWith('/coded/models/isnet-w4.onnx.gz')));
    assert.equal(r.customGzip, 'resolved');
    assert.match(r.gzipAsIdentity, /model download truncated: .*isnet-w4\.onnx\.gz: got \d+ of 25007736 bytes/);
    assert.match(r.corrupt, /^bgone: model (download failed|download truncated|hash mismatch): .*corrupt\.onnx\.gz: /);
    assert.match(r.short, /^bgone: model download failed: .*short\.onnx\.gz: its gzip data is corrupt or cut short/);
    assert.equal(r.stillWorks, 'resolved');
  });

test('dispose and worker failure: pending calls reject instead of hanging',
  { skip, timeout: 60_000 }, async () => {
    const { page } = await open('/');
    const r = await page.evaluate(async () => {
      const message = (p) => p.then(() => 'resolved', (e) => (e instanceof Error ? e.message : `not an Error: ${e}`));
      const pending = message(bgone.preload({ modelBaseUrl: '/models/' }));
      bgone.dispose();
      const disposed = await pending;
      const badEngine = await message(bgone.preload({ modelBaseUrl: '/models/', wasmBaseUrl: '/nowhere/' }));
      const again = await message(bgone.preload({ modelBaseUrl: '/models/' }));
      return { disposed, badEngine, again };
    });
    assert.equal(r.disposed, 'bgone: disposed');
    assert.match(r.badEngine, /could not load the WebAssembly engine .*\/nowhere\/bgone-st\.js/);
    assert.equal(r.again, 'resolved');
  });

test('threads: on a cross-origin isolated page, threads 2 uses bgone-mt; rgba output matches the CLI',
  { skip, timeout: INFERENCE_TIMEOUT }, async () => {
    const { page, requests } = await open('/iso/');
    const t0 = Date.now();
    const r = await page.evaluate(async () => {
      const input = await (await fetch('/files/astronaut.png')).blob();
      const pre = await bgone.preload({ modelBaseUrl: '/models/', threads: 2 });
      const t1 = performance.now();
      const rgba = await bgone.removeBackground(input, { modelBaseUrl: '/models/', threads: 2, output: 'rgba' });
      const runMs = performance.now() - t1;
      const ref = await referenceMask();
      const alpha = new Uint8Array(rgba.width * rgba.height);
      for (let i = 0; i < alpha.length; i++) alpha[i] = rgba.data[4 * i + 3];
      return {
        isolated: crossOriginIsolated, pre, isImageData: rgba instanceof ImageData,
        size: [rgba.width, rgba.height], diff: meanAbsDiff(alpha, ref.data), runMs,
      };
    });
    console.log(`# threaded run (2 threads, model from the store): ${r.runMs.toFixed(0)} ms inference; ${Date.now() - t0} ms in all`);
    assert.ok(r.isolated, 'the /iso/ page is cross-origin isolated');
    assert.deepEqual({ flavor: r.pre.flavor, threads: r.pre.threads }, { flavor: 'mt', threads: 2 });
    assert.ok(r.pre.timings && r.pre.timings.create_ms > 0, 'preload reports its timings');
    assert.ok(r.isImageData);
    assert.deepEqual(r.size, [512, 512]);
    assert.ok(r.diff <= 1, `alpha differs from the CLI mask by ${r.diff} on average`);
    assert.ok(requests.some((q) => q.url.endsWith('/iso/lib/bgone-mt.wasm')));
    assert.deepEqual(modelRequests(requests), []);
  });

test('options: background flattens onto an opaque colour, encoded as WebP',
  { skip, timeout: INFERENCE_TIMEOUT }, async () => {
    const { page } = await open('/iso/');
    const r = await page.evaluate(async () => {
      const input = await (await fetch('/files/astronaut.png')).blob();
      const webp = await bgone.removeBackground(input, {
        modelBaseUrl: '/models/', threads: 2, background: 'rgb(0 255 0)',
        format: 'image/webp', quality: 0.95,
      });
      const bmp = await createImageBitmap(webp);
      const c = new OffscreenCanvas(bmp.width, bmp.height);
      const ctx = c.getContext('2d');
      ctx.drawImage(bmp, 0, 0);
      const d = ctx.getImageData(0, 0, bmp.width, bmp.height).data;
      let opaque = true;
      let green = 0;
      for (let i = 0; i < d.length; i += 4) {
        if (d[i + 3] !== 255) opaque = false;
        if (d[i] < 40 && d[i + 1] > 215 && d[i + 2] < 40) green++;
      }
      return { type: webp.type, w: bmp.width, opaque, greenShare: green / (bmp.width * bmp.height) };
    });
    assert.equal(r.type, 'image/webp');
    assert.equal(r.w, 512);
    assert.ok(r.opaque, 'flattened output is opaque');
    assert.ok(r.greenShare > 0.05 && r.greenShare < 0.95, `share of background-coloured pixels ${r.greenShare}`);
  });

test('options: trimap output, portrait-mode and image backgrounds, refinement off',
  { skip, timeout: INFERENCE_TIMEOUT }, async () => {
    const { page } = await open('/iso/');
    const r = await page.evaluate(async () => {
      const input = await (await fetch('/files/astronaut.png')).blob();
      const opts = { modelBaseUrl: '/models/', threads: 2 };
      const pixels = async (blob) => {
        const bmp = await createImageBitmap(blob);
        const c = new OffscreenCanvas(bmp.width, bmp.height);
        const ctx = c.getContext('2d');
        ctx.drawImage(bmp, 0, 0);
        return ctx.getImageData(0, 0, bmp.width, bmp.height).data;
      };
      const trimap = await pixels(await bgone.removeBackground(input, { ...opts, output: 'trimap' }));
      const levels = new Set();
      for (let i = 0; i < trimap.length; i += 4) levels.add(trimap[i]);
      const blur = await pixels(await bgone.removeBackground(input, { ...opts, background: 'blur' }));
      let blurOpaque = true;
      for (let i = 3; i < blur.length; i += 4) if (blur[i] !== 255) blurOpaque = false;
      // A plain blue picture as the background: where the mask is 0 the output is that blue.
      const bgCanvas = new OffscreenCanvas(64, 32);
      const bctx = bgCanvas.getContext('2d');
      bctx.fillStyle = 'rgb(0 0 255)';
      bctx.fillRect(0, 0, 64, 32);
      const bgBlob = await bgCanvas.convertToBlob({ type: 'image/png' });
      const onImage = await pixels(await bgone.removeBackground(input, { ...opts, background: { image: bgBlob } }));
      const raw = await bgone.removeBackground(input, { ...opts, output: 'mask-array', refine: false });
      const refined = await bgone.removeBackground(input, { ...opts, output: 'mask-array' });
      let blueWhereBackground = 0, background = 0, changed = 0;
      for (let i = 0; i < refined.data.length; i++) {
        if (refined.data[i] !== raw.data[i]) changed++;
        if (refined.data[i] === 0) {
          background++;
          const j = i * 4;
          if (onImage[j] < 10 && onImage[j + 1] < 10 && onImage[j + 2] > 245) blueWhereBackground++;
        }
      }
      return {
        levels: [...levels].sort((a, b) => a - b), blurOpaque, blurLen: blur.length,
        blueShare: blueWhereBackground / Math.max(1, background), background, changed,
      };
    });
    assert.deepEqual(r.levels, [0, 128, 255]);
    assert.ok(r.blurOpaque, 'portrait-mode output is opaque');
    assert.equal(r.blurLen, 512 * 512 * 4);
    assert.ok(r.background > 1000, 'the sample has background');
    assert.ok(r.blueShare > 0.99, `image background shows where the mask is 0 (${r.blueShare})`);
    assert.ok(r.changed > 0, 'refinement changes the mask somewhere');
  });

test('worker crash: a worker that fails rejects the pending call, and the next call recovers',
  { skip, timeout: 60_000 }, async () => {
    const { page } = await open('/');
    // Serve a worker that throws as soon as it gets a message (a crash as the page sees it).
    await page.route('**/lib/worker.js', (route) => route.fulfill({
      contentType: 'text/javascript',
      body: 'self.onmessage = () => { throw new Error("simulated crash"); };',
    }));
    const crashed = await page.evaluate(() => bgone.preload({ modelBaseUrl: '/models/' })
      .then(() => 'resolved', (e) => e.message));
    await page.unroute('**/lib/worker.js');
    const recovered = await page.evaluate(() => bgone.preload({ modelBaseUrl: '/models/' })
      .then(() => 'resolved', (e) => e.message));
    assert.match(crashed, /^bgone: worker error: .*simulated crash/);
    assert.equal(recovered, 'resolved');
  });

test('inputs: ImageBitmap and ImageData give the same mask as the Blob (CLI reference)',
  { skip, timeout: INFERENCE_TIMEOUT }, async () => {
    const { page } = await open('/');
    const r = await page.evaluate(async () => {
      const blob = await (await fetch('/files/astronaut.png')).blob();
      const bitmap = await createImageBitmap(blob);
      const c = new OffscreenCanvas(bitmap.width, bitmap.height);
      const ctx = c.getContext('2d');
      ctx.drawImage(bitmap, 0, 0);
      const imageData = ctx.getImageData(0, 0, bitmap.width, bitmap.height);
      const o = { modelBaseUrl: '/models/', output: 'mask-array' };
      const ref = await referenceMask();
      const fromBitmap = await bgone.removeBackground(bitmap, o);
      const fromImageData = await bgone.removeBackground(imageData, o);
      return {
        bitmapStillUsable: bitmap.width === 512,
        imageDataIntact: imageData.data.length === 512 * 512 * 4,
        diffBitmap: meanAbsDiff(fromBitmap.data, ref.data),
        diffImageData: meanAbsDiff(fromImageData.data, ref.data),
      };
    });
    assert.ok(r.bitmapStillUsable, "the caller's ImageBitmap is cloned, not taken");
    assert.ok(r.imageDataIntact, "the caller's ImageData is cloned, not taken");
    assert.ok(r.diffBitmap <= 1, `ImageBitmap input: mask differs by ${r.diffBitmap}`);
    assert.ok(r.diffImageData <= 1, `ImageData input: mask differs by ${r.diffImageData}`);
  });
