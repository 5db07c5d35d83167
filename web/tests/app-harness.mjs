// Shared set-up for the web app tests (web/tests/app*.test.mjs): the built dist/, a server from
// tools/serve.mjs on a free port, and Debian's headless Chromium through playwright-core.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '../../tools/serve.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const DIST = process.env.BGONE_DIST || path.join(ROOT, 'dist');
export const SAMPLE = path.join(ROOT, 'assets/sample/skimage_astronaut.png');
export const CHROMIUM = process.env.BGONE_CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];
// The app's default model (web/lib/src/models.js), served gzipped.
export const DEFAULT_MODEL = 'w4';
export const DEFAULT_MODEL_FILE = 'models/isnet-w4.onnx.gz';

/** A reason to skip, or null when dist/ (with the library and the default model) and Chromium are there. */
export function skipReason() {
  for (const f of ['index.html', 'sw.js', 'lib/index.js', 'lib/bgone-st.wasm']) {
    if (!existsSync(path.join(DIST, f))) return `${path.join(DIST, f)} missing: run bash scripts/serve.sh --build-only`;
  }
  if (!existsSync(path.join(DIST, DEFAULT_MODEL_FILE))) return `${DEFAULT_MODEL_FILE} missing in dist: run scripts/setup.sh, then rebuild`;
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} missing (apt-get install chromium)`;
  try {
    import.meta.resolve('playwright-core');
  } catch {
    return 'playwright-core not installed (npm ci)';
  }
  return null;
}

export async function startServer(options = {}) {
  return serve({ port: 0, host: '127.0.0.1', dir: DIST, quiet: true, ...options });
}

// The test command runs node with --no-experimental-fetch (Emscripten 3.1.6 glue needs it under
// node 20), which also removes globalThis.Headers; playwright-core 1.65 subclasses it at load
// time (for server code the tests never use). A small stand-in lets it load.
function ensureHeaders() {
  if (typeof globalThis.Headers === 'function') return;
  globalThis.Headers = class Headers {
    #map = new Map();
    constructor(init) {
      if (init) for (const [k, v] of Array.isArray(init) ? init : Object.entries(init)) this.append(k, v);
    }
    append(k, v) {
      const key = String(k).toLowerCase();
      this.#map.set(key, this.#map.has(key) ? `${this.#map.get(key)}, ${v}` : String(v));
    }
    set(k, v) { this.#map.set(String(k).toLowerCase(), String(v)); }
    get(k) { return this.#map.get(String(k).toLowerCase()) ?? null; }
    has(k) { return this.#map.has(String(k).toLowerCase()); }
    delete(k) { this.#map.delete(String(k).toLowerCase()); }
    forEach(fn, self) { for (const [k, v] of this.#map) fn.call(self, v, k, this); }
    entries() { return this.#map.entries(); }
    keys() { return this.#map.keys(); }
    values() { return this.#map.values(); }
    [Symbol.iterator]() { return this.#map.entries(); }
  };
}

export async function launch(extraArgs = []) {
  ensureHeaders();
  for (const name of ['Request', 'Response', 'FormData']) {
    if (typeof globalThis[name] !== 'function') globalThis[name] = class {};
  }
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...extraArgs], headless: true });
}

/** A browser context with an on-disk profile in `dir` (not off-the-record, unlike launch()'s
 *  contexts: Chromium's installability check refuses incognito profiles). */
export async function launchPersistent(dir) {
  ensureHeaders();
  for (const name of ['Request', 'Response', 'FormData']) {
    if (typeof globalThis[name] !== 'function') globalThis[name] = class {};
  }
  const { chromium } = await import('playwright-core');
  return chromium.launchPersistentContext(dir, { executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}

/** Records every request the context makes (pages, workers, service worker). */
export function recordRequests(context) {
  const log = [];
  context.on('request', (r) => log.push({ url: r.url(), method: r.method(), sw: !!r.serviceWorker() }));
  return log;
}

export async function selectModel(page, model = DEFAULT_MODEL) {
  await page.check(`#model-${model}`);
}

/** Adds files through the file picker and waits until every photo is done (or one failed). */
export async function processFiles(page, files, { timeout = 300_000 } = {}) {
  const before = await page.locator('.item[data-state="done"]').count();
  await page.setInputFiles('#file-input', files);
  const want = before + files.length;
  await page.waitForFunction(
    (n) => document.querySelectorAll('.item[data-state="done"]').length >= n ||
      document.querySelector('.item[data-state="failed"]') !== null,
    want, { timeout, polling: 250 });
  const failed = await page.locator('.item[data-state="failed"] .state').allTextContents();
  if (failed.length) throw new Error(`processing failed: ${failed.join('; ')}`);
}

/** Downloads the result of queue item `index` and returns its bytes. */
export async function downloadItem(page, index) {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.locator('.item .download').nth(index).click(),
  ]);
  return readFileSync(await download.path());
}

/** One channel ('alpha' or 'red') or all four ('rgba') of an image decoded in the page:
 *  {width, height, values}. */
export async function decodeInPage(page, bytes, channel = 'alpha') {
  return page.evaluate(async ([b64, offset]) => {
    const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const bitmap = await createImageBitmap(new Blob([data]), { premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext('2d');
    ctx.drawImage(bitmap, 0, 0);
    const px = ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
    if (offset < 0) return { width: bitmap.width, height: bitmap.height, values: Array.from(px) };
    const values = new Array(bitmap.width * bitmap.height);
    for (let i = 0; i < values.length; i++) values[i] = px[i * 4 + offset];
    return { width: bitmap.width, height: bitmap.height, values };
  }, [Buffer.from(bytes).toString('base64'), { alpha: 3, red: 0, rgba: -1 }[channel]]);
}
