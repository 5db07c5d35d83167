// The web app in real headless Chromium (Debian's, driven by playwright-core) against
// tools/serve.mjs on 127.0.0.1. Needs dist/ built by `bash scripts/serve.sh --build-only` (with the
// models) and build/release/cli/bgone for the reference mask; skips with a message otherwise.
// Uses the app's default model (w4). The tests share one browser profile and run in order: the
// first visit downloads the model, later ones must find it in the local store.
//
//   node --no-experimental-fetch --test web/tests/
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { unzipSync } from 'fflate';
import * as h from './app-harness.mjs';

const CLI = path.join(h.ROOT, 'build/release/cli/bgone');
// The library stores models in OPFS under bgone/models/<sha256>.onnx (web/lib/src/store.js).
const W4_SHA256 = '7352a40be82c58550b8e7c18ddd5670a7d44a1c4972ac30605e727a2901a0b00';
const W4_SIZE = 25007736;
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const skip = h.skipReason() ?? (existsSync(CLI) ? null : `${CLI} missing: run scripts/setup.sh release`);
if (skip && process.env.BGONE_REQUIRE_WEB === '1') {
  throw new Error(`web app tests required (BGONE_REQUIRE_WEB=1) but cannot run: ${skip}`);
}
if (skip) console.log(`# skipping the web app tests: ${skip}`);

function meanAbsDiff(a, b) {
  assert.equal(a.length, b.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

/** The requests made while fn ran (pages, workers and the service worker). */
async function during(log, fn) {
  const start = log.length;
  await fn();
  return log.slice(start);
}

function assertOnlyOwnOriginGets(requests, origin) {
  const bad = requests.filter((r) => new URL(r.url).origin !== origin || r.method !== 'GET');
  assert.deepEqual(bad, [], `requests other than GET to ${origin}`);
}

const modelRequests = (requests) => requests.filter((r) => r.url.includes('/models/'));

describe('web app', { skip: skip ?? false }, () => {
  let tmp;
  let server;
  let origin;
  let browser;
  let context;
  let page;
  let log;
  let cliAlpha;

  before(async () => {
    tmp = mkdtempSync(path.join(tmpdir(), 'bgone-app-'));
    const mask = path.join(tmp, 'cli-mask.png');
    execFileSync(CLI, ['--mask', '--model', h.DEFAULT_MODEL, '-q', '-o', mask, h.SAMPLE]);
    ({ server, url: origin } = await h.startServer());
    origin = origin.replace(/\/$/, '');
    browser = await h.launch();
    context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
    log = h.recordRequests(context);
    page = await context.newPage();
    page.on('pageerror', (e) => console.log(`# page error: ${e.message}`));
    await page.goto(`${origin}/`);
    const decoded = await h.decodeInPage(page, readFileSync(mask), 'red');
    cliAlpha = decoded;
  });

  after(async () => {
    await browser?.close();
    server?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  test('removes the background of the sample photo; alpha matches the native CLI within 1/255', async () => {
    assert.equal(await page.evaluate(() => crossOriginIsolated), true, 'page is cross-origin isolated');
    assert.equal(await page.isChecked(`#model-${h.DEFAULT_MODEL}`), true, 'the compact model is the default');
    const requests = await during(log, () => h.processFiles(page, [h.SAMPLE]));
    assertOnlyOwnOriginGets(requests, origin);
    // (The service worker passes model requests through, so each also shows up as its own fetch.)
    assert.deepEqual(modelRequests(requests).filter((r) => !r.sw).map((r) => new URL(r.url).pathname),
      [`/${h.DEFAULT_MODEL_FILE}`], 'the first visit downloads the gzipped default model once');
    const png = await h.downloadItem(page, 0);
    assert.deepEqual([...png.subarray(0, 8)], PNG_SIGNATURE);
    const result = await h.decodeInPage(page, png, 'alpha');
    assert.equal(result.width, cliAlpha.width);
    assert.equal(result.height, cliAlpha.height);
    const diff = meanAbsDiff(result.values, cliAlpha.values);
    console.log(`# mean |alpha(app) - mask(cli)| = ${diff.toFixed(4)} / 255`);
    assert.ok(diff <= 1, `mean alpha difference ${diff} > 1/255`);
    // The cut-out really is cut out: corners transparent, centre opaque.
    assert.equal(result.values[0], 0);
    assert.equal(result.values[Math.floor(result.height / 2) * result.width + Math.floor(result.width / 2)], 255);
    await page.screenshot({ path: path.join(tmpdir(), 'bgone-app-done.png') });
  });

  test('a batch of several photos downloads as a ZIP whose entries are all valid PNGs', async () => {
    const files = ['beach.png', 'garden.png'].map((name) => {
      const f = path.join(tmp, name);
      copyFileSync(h.SAMPLE, f);
      return f;
    });
    const requests = await during(log, () => h.processFiles(page, files));
    assertOnlyOwnOriginGets(requests, origin);
    assert.equal(await page.evaluate(() => document.body.dataset.store), 'opfs', 'results are kept in OPFS');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#zip-button')]);
    assert.equal(download.suggestedFilename(), 'bgone-cutouts.zip');
    const entries = unzipSync(readFileSync(await download.path()));
    const names = Object.keys(entries).sort();
    assert.deepEqual(names, ['beach.nobg.png', 'garden.nobg.png', 'skimage_astronaut.nobg.png']);
    for (const name of names) {
      assert.deepEqual([...entries[name].subarray(0, 8)], PNG_SIGNATURE, `${name} is a PNG`);
    }
    for (const name of names.slice(0, 2)) {
      const decoded = await h.decodeInPage(page, entries[name], 'alpha');
      assert.equal(decoded.width, cliAlpha.width, `${name} decodes at full size`);
      assert.ok(meanAbsDiff(decoded.values, cliAlpha.values) <= 1, `${name} has the expected alpha`);
    }
  });

  test('photos dropped on the drop zone or pasted from the clipboard are queued and processed', async () => {
    const before = await page.locator('.item[data-state="done"]').count();
    const b64 = readFileSync(h.SAMPLE).toString('base64');
    const accepted = await page.evaluate(async (data) => {
      const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
      const zone = document.getElementById('dropzone');
      const dropped = new DataTransfer();
      dropped.items.add(new File([bytes], 'dropped.png', { type: 'image/png' }));
      const over = new DragEvent('dragover', { dataTransfer: dropped, bubbles: true, cancelable: true });
      zone.dispatchEvent(over);
      const drop = new DragEvent('drop', { dataTransfer: dropped, bubbles: true, cancelable: true });
      zone.dispatchEvent(drop);
      // A pasted screenshot arrives as "image.png": the app names it pasted-<time>-0.png.
      const pasted = new DataTransfer();
      pasted.items.add(new File([bytes], 'image.png', { type: 'image/png' }));
      const paste = new ClipboardEvent('paste', { clipboardData: pasted, bubbles: true, cancelable: true });
      document.dispatchEvent(paste);
      return { dragoverHandled: over.defaultPrevented, dropHandled: drop.defaultPrevented, pasteHandled: paste.defaultPrevented };
    }, b64);
    assert.deepEqual(accepted, { dragoverHandled: true, dropHandled: true, pasteHandled: true });
    await page.waitForFunction(
      (n) => document.querySelectorAll('.item[data-state="done"]').length >= n ||
        document.querySelector('.item[data-state="failed"]') !== null,
      before + 2, { timeout: 300_000, polling: 250 });
    const failed = await page.locator('.item[data-state="failed"] .state').allTextContents();
    assert.deepEqual(failed, []);
    const names = await page.locator('.item .name').allTextContents();
    assert.ok(names.includes('dropped.png'), `queue: ${names.join(', ')}`);
    assert.ok(names.some((n) => /^pasted-\d+-0\.png$/.test(n)), `queue: ${names.join(', ')}`);
  });

  test('colour and image backgrounds and WebP output are composed in the page', async () => {
    await page.check('#bg-color');
    await page.fill('#bg-color-value', '#00ff00');
    await page.check('#format-webp');
    try {
      const webp = await h.downloadItem(page, 0);
      assert.equal(webp.subarray(0, 4).toString('latin1'), 'RIFF');
      assert.equal(webp.subarray(8, 12).toString('latin1'), 'WEBP');
      await page.check('#format-png');
      const green = await h.decodeInPage(page, await h.downloadItem(page, 0), 'rgba');
      assert.deepEqual(green.values.slice(0, 4), [0, 255, 0, 255], 'background pixels are the colour');
      // An image background: a solid blue picture, drawn cover-fit under the cut-out.
      const blue = path.join(tmp, 'blue.png');
      writeFileSync(blue, await page.evaluate(async () => {
        const c = new OffscreenCanvas(64, 48);
        const ctx = c.getContext('2d');
        ctx.fillStyle = '#0000ff';
        ctx.fillRect(0, 0, 64, 48);
        return [...new Uint8Array(await (await c.convertToBlob({ type: 'image/png' })).arrayBuffer())];
      }).then((a) => Buffer.from(a)));
      await page.setInputFiles('#bg-image-input', blue);
      await page.waitForFunction(() => document.body.dataset.bg === 'image');
      const onBlue = await h.decodeInPage(page, await h.downloadItem(page, 0), 'rgba');
      assert.deepEqual(onBlue.values.slice(0, 4), [0, 0, 255, 255], 'background pixels come from the image');
      const n = onBlue.width * onBlue.height;
      const centre = (Math.floor(onBlue.height / 2) * onBlue.width + Math.floor(onBlue.width / 2)) * 4;
      assert.notDeepEqual(onBlue.values.slice(centre, centre + 4), [0, 0, 255, 255], 'the subject stays on top');
      assert.equal(onBlue.values.length, n * 4);
    } finally {
      await page.check('#bg-transparent');
      await page.check('#format-png');
    }
  });

  test("the model picker shows each model's download size and quality, and remembers the choice", async () => {
    const shown = await page.evaluate(() => Object.fromEntries([...document.querySelectorAll('input[name="model"]')].map(
      (input) => [input.value, input.closest('label').textContent.replace(/\s+/g, ' ').trim()])));
    const lib = await page.evaluate(async () => {
      const { MODELS } = await import(new URL('./lib/index.js', document.baseURI).href);
      return JSON.parse(JSON.stringify(MODELS));
    });
    assert.deepEqual(Object.keys(shown), ['w4', 'w8', 'medium', 'small']);
    for (const [name, text] of Object.entries(shown)) {
      const spec = lib[name];
      assert.ok(text.includes(`${(spec.download / 1e6).toFixed(1)} MB`), `${name}: ${text}`);
      assert.ok(text.includes(`matte error ${spec.quality.sad}`), `${name}: ${text}`);
      // The download really is that size: the gzip file in dist/.
      const served = readFileSync(path.join(h.DIST, 'models', spec.file)).length;
      assert.ok(Math.abs(served - spec.download) < 0.01 * served, `${name}: ${served} B served, ${spec.download} B shown`);
    }
    // The pinned default is the smallest download.
    const smallest = Object.entries(lib).sort((a, b) => a[1].download - b[1].download)[0][0];
    assert.equal(smallest, h.DEFAULT_MODEL);
    await h.selectModel(page, 'w8');
    await page.reload();
    assert.equal(await page.isChecked('#model-w8'), true, 'the model choice is remembered');
    await h.selectModel(page, h.DEFAULT_MODEL);
    await page.reload();
    assert.equal(await page.isChecked(`#model-${h.DEFAULT_MODEL}`), true);
  });

  test('a second visit loads the model from the local store as the page opens; processing makes only same-origin GETs', async () => {
    const requests = await during(log, async () => {
      await page.reload();
      // The stored model is loaded before any photo arrives (the app's warm-up).
      await page.waitForFunction((m) => document.body.dataset.warm === m, h.DEFAULT_MODEL, { timeout: 60000 });
      await h.processFiles(page, [h.SAMPLE]);
    });
    assertOnlyOwnOriginGets(requests, origin);
    assert.deepEqual(modelRequests(requests), [], 'no model download on the second visit');
  });

  test('after one online visit the app reloads and processes a photo offline', async () => {
    await context.setOffline(true);
    try {
      await page.reload();
      assert.equal(await page.evaluate(() => navigator.onLine), false);
      assert.equal(await page.evaluate(() => crossOriginIsolated), true, 'still isolated from the SW cache');
      await h.processFiles(page, [h.SAMPLE]);
      const png = await h.downloadItem(page, 0);
      const result = await h.decodeInPage(page, png, 'alpha');
      assert.ok(meanAbsDiff(result.values, cliAlpha.values) <= 1);
    } finally {
      await context.setOffline(false);
    }
  });

  test('a corrupted cached model is detected and fetched again', async () => {
    // Overwrite the stored model with same-size garbage, as a disk fault would.
    const size = await page.evaluate(async (file) => {
      let dir = await navigator.storage.getDirectory();
      for (const part of ['bgone', 'models']) dir = await dir.getDirectoryHandle(part);
      const handle = await dir.getFileHandle(file);
      const { size } = await handle.getFile();
      const writable = await handle.createWritable({ keepExistingData: true });
      await writable.write({ type: 'write', position: 1 << 20, data: new Uint8Array(4096).fill(0xa5) });
      await writable.close();
      return size;
    }, `${W4_SHA256}.onnx`);
    assert.equal(size, W4_SIZE);
    await page.reload();
    const requests = await during(log, () => h.processFiles(page, [h.SAMPLE]));
    assertOnlyOwnOriginGets(requests, origin);
    assert.ok(modelRequests(requests).length > 0, 'the corrupt model is downloaded again');
    const digest = await page.evaluate(async (file) => {
      let dir = await navigator.storage.getDirectory();
      for (const part of ['bgone', 'models']) dir = await dir.getDirectoryHandle(part);
      const bytes = await (await (await dir.getFileHandle(file)).getFile()).arrayBuffer();
      const hash = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
      return Array.from(hash, (b) => b.toString(16).padStart(2, '0')).join('');
    }, `${W4_SHA256}.onnx`);
    assert.equal(digest, W4_SHA256, 'the store holds a good copy');
    const png = await h.downloadItem(page, 0);
    const result = await h.decodeInPage(page, png, 'alpha');
    assert.ok(meanAbsDiff(result.values, cliAlpha.values) <= 1);
  });

  test('passport mode: document photo with guide lines, the report, photo, sheet and report downloads', async () => {
    // The native CLI on the same photo and document, for the verdicts.
    const cliOut = path.join(tmp, 'cli-passport.jpg');
    let cliJson;
    try {
      cliJson = execFileSync(CLI, ['passport', h.SAMPLE, '--spec', 'schengen', '--model', h.DEFAULT_MODEL, '--json',
        '-o', cliOut], { encoding: 'utf8' });
    } catch (e) {
      cliJson = e.stdout;  // exit 1: the sample is a small photo and fails the resolution checks
    }
    const cli = JSON.parse(cliJson);
    const downloadOf = async (selector) => {
      const [download] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
      return { name: download.suggestedFilename(), bytes: readFileSync(await download.path()) };
    };
    const waitDone = () => page.waitForFunction(() => ['done', 'failed'].includes(document.body.dataset.passport),
      null, { timeout: 300_000, polling: 250 });
    const requests = await during(log, async () => {
      await page.click('#mode-passport');
      assert.equal(await page.evaluate(() => location.hash), '#passport');
      assert.equal(await page.isVisible('#queue-heading'), false, 'the cut-out queue is hidden in passport mode');
      await page.waitForFunction(() => Number(document.body.dataset.specs) >= 15);
      await page.selectOption('#passport-spec', 'schengen');
      await page.selectOption('#passport-sheet', '4x6');
      await page.setInputFiles('#file-input', h.SAMPLE);
      await waitDone();
    });
    assertOnlyOwnOriginGets(requests, origin);
    assert.equal(await page.evaluate(() => document.body.dataset.passport), 'done', await page.textContent('#passport-status'));
    assert.deepEqual(await page.evaluate(() => [document.getElementById('passport-canvas').width,
      document.getElementById('passport-canvas').height]), [413, 531], '35 x 45 mm at 300 dpi');
    // Guide lines are drawn (non-transparent pixels on the overlay), and can be hidden.
    const drawn = await page.evaluate(() => {
      const c = document.getElementById('passport-guides');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 3; i < d.length; i += 4) n += d[i] > 0;
      return n;
    });
    assert.ok(drawn > 413 * 20, `guide pixels: ${drawn}`);
    await page.uncheck('#passport-show-guides');
    assert.equal(await page.isVisible('#passport-guides'), false);
    await page.check('#passport-show-guides');
    // The report panel: one row per check, with the same verdicts as the native CLI.
    const rows = await page.$$eval('#passport-checks tbody tr', (trs) => trs.map((tr) => [
      tr.querySelector('th').textContent, tr.dataset.result]));
    assert.deepEqual(rows, cli.checks.map((c) => [c.rule, c.result]));
    assert.match(await page.textContent('#passport-verdict'), cli.compliant ? /^Meets/ : /check(s)? failed/);
    // Downloads: the photo (JPEG, 300 dpi in its JFIF header), the sheet as JPEG and PDF, the report.
    const photo = await downloadOf('#passport-download');
    assert.equal(photo.name, 'skimage_astronaut.passport-schengen.jpg');
    assert.deepEqual([...photo.bytes.subarray(0, 4)], [0xff, 0xd8, 0xff, 0xe0]);
    assert.deepEqual([photo.bytes[13], photo.bytes.readUInt16BE(14), photo.bytes.readUInt16BE(16)], [1, 300, 300]);
    const decoded = await h.decodeInPage(page, photo.bytes, 'red');
    assert.deepEqual([decoded.width, decoded.height], [413, 531]);
    const sheetJpeg = await downloadOf('#passport-sheet-jpeg');
    assert.equal(sheetJpeg.name, 'skimage_astronaut.passport-schengen.sheet-4x6.jpg');
    const sheet = await h.decodeInPage(page, sheetJpeg.bytes, 'red');
    assert.deepEqual([sheet.width, sheet.height].sort(), [1200, 1800]);
    const pdf = await downloadOf('#passport-sheet-pdf');
    assert.equal(pdf.bytes.subarray(0, 8).toString('latin1'), '%PDF-1.4');
    const report = JSON.parse((await downloadOf('#passport-report-json')).bytes.toString('utf8'));
    assert.equal(report.spec, 'schengen');
    assert.equal(report.compliant, cli.compliant);
    assert.ok(Math.abs(report.head_height_mm - cli.head_height_mm) <= 0.5, `${report.head_height_mm} vs ${cli.head_height_mm}`);
    // Another resolution re-makes the photo at once.
    await page.evaluate(() => { document.body.dataset.passport = 'waiting'; });
    await page.selectOption('#passport-dpi', '600');
    await waitDone();
    assert.deepEqual(await page.evaluate(() => [document.getElementById('passport-canvas').width,
      document.getElementById('passport-canvas').height]), [827, 1063]);
    // A photo of two people is refused with a clear message.
    const two = path.join(tmp, 'two-people.png');
    const sampleB64 = readFileSync(h.SAMPLE).toString('base64');
    writeFileSync(two, Buffer.from(await page.evaluate(async (b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const face = await createImageBitmap(new Blob([bytes]));
      const c = new OffscreenCanvas(face.width * 2, face.height);
      const ctx = c.getContext('2d');
      ctx.drawImage(face, 0, 0);
      ctx.drawImage(face, face.width, 0);
      return [...new Uint8Array(await (await c.convertToBlob({ type: 'image/png' })).arrayBuffer())];
    }, sampleB64)));
    await page.evaluate(() => { document.body.dataset.passport = 'waiting'; });
    await page.setInputFiles('#file-input', two);
    await waitDone();
    assert.equal(await page.evaluate(() => document.body.dataset.passport), 'failed');
    assert.match(await page.textContent('#passport-status'), /2 faces found/);
    assert.equal(await page.isVisible('#passport-result'), false);
    // The mode survives a reload (#passport), and the cut-out mode comes back with its queue.
    await page.reload();
    assert.equal(await page.evaluate(() => document.body.dataset.mode), 'passport');
    await page.click('#mode-cutout');
    assert.equal(await page.isVisible('#queue-heading'), true);
    assert.equal(await page.evaluate(() => location.hash), '');
  });

  test('every request of the session went to the page origin with GET', () => {
    assertOnlyOwnOriginGets(log, origin);
  });
});

describe('web app passport camera', { skip: skip ?? false }, () => {
  test('the camera shows framing guides, says when the face is placed well, and its photo becomes a passport photo', async () => {
    // Chromium's fake camera plays a Y4M file: the sample's face scaled and placed where the guide
    // oval wants it (head half the frame's height, eyes at 42%), made with OpenCV.
    const tmp = mkdtempSync(path.join(tmpdir(), 'bgone-camera-'));
    const y4m = path.join(tmp, 'camera.y4m');
    execFileSync('/usr/bin/python3', ['-c', `
import cv2, numpy as np, sys
img = cv2.imread(sys.argv[1]); s = 2.2
m = np.float32([[s, 0, 640 - 225 * s], [0, s, 302 - 102 * s]])
frame = cv2.warpAffine(img, m, (1280, 720), flags=cv2.INTER_CUBIC, borderValue=(180, 180, 180))
yuv = cv2.cvtColor(frame, cv2.COLOR_BGR2YUV_I420)
with open(sys.argv[2], 'wb') as f:
    f.write(b'YUV4MPEG2 W1280 H720 F30:1 Ip A1:1 C420jpeg\\n')
    for _ in range(2):
        f.write(b'FRAME\\n'); f.write(yuv.tobytes())
`, h.SAMPLE, y4m]);
    const { server, url } = await h.startServer();
    const browser = await h.launch(['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
      `--use-file-for-fake-video-capture=${y4m}`]);
    try {
      const context = await browser.newContext({ permissions: ['camera'] });
      const page = await context.newPage();
      await page.goto(`${url}#passport`);
      await page.waitForFunction(() => Number(document.body.dataset.specs) >= 15);
      await page.selectOption('#passport-spec', 'us');
      await page.click('#camera-open');
      await page.waitForFunction(() => document.getElementById('camera').dataset.framing === 'good', null,
        { timeout: 120_000, polling: 250 });
      assert.match(await page.textContent('#camera-hint'), /^Good/);
      // The guides are drawn over the video: the oval, the eye line, the face box.
      const drawn = await page.evaluate(() => {
        const c = document.getElementById('camera-guides');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < d.length; i += 4) n += d[i] > 0;
        return { n, size: [c.width, c.height] };
      });
      assert.deepEqual(drawn.size, [1280, 720]);
      assert.ok(drawn.n > 2000, `guide pixels: ${drawn.n}`);
      await page.click('#camera-capture');
      await page.waitForSelector('#camera', { state: 'hidden', timeout: 10_000 });  // closed once the photo is taken
      await page.waitForFunction(() => ['done', 'failed'].includes(document.body.dataset.passport), null,
        { timeout: 300_000, polling: 250 });
      assert.equal(await page.evaluate(() => document.body.dataset.passport), 'done', await page.textContent('#passport-status'));
      assert.deepEqual(await page.evaluate(() => [document.getElementById('passport-canvas').width,
        document.getElementById('passport-canvas').height]), [600, 600]);
      const rows = await page.$$eval('#passport-checks tbody tr', (trs) => Object.fromEntries(trs.map((tr) => [
        tr.querySelector('th').textContent, tr.dataset.result])));
      assert.equal(rows['head height (chin to crown)'], 'pass');
      assert.equal(rows['eye line above the bottom edge'], 'pass');
      // The camera is stopped: no live video track is left.
      assert.equal(await page.evaluate(() => document.getElementById('camera-video').srcObject), null);
    } finally {
      await browser.close();
      server.close();
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('web app without cross-origin isolation', { skip: skip ?? false }, () => {
  test('falls back to the single-thread engine on a non-isolated page', async () => {
    const { server, url } = await h.startServer({ isolation: false });
    const browser = await h.launch();
    try {
      // serviceWorkers: 'block' disables the SW fallback that would otherwise add the headers.
      const context = await browser.newContext({ acceptDownloads: true, serviceWorkers: 'block' });
      const log = h.recordRequests(context);
      const page = await context.newPage();
      await page.goto(url);
      assert.equal(await page.evaluate(() => crossOriginIsolated), false);
      assert.match(await page.textContent('#engine-info'), /single thread/);
      await h.processFiles(page, [h.SAMPLE]);
      assert.ok(log.some((r) => r.url.endsWith('/lib/bgone-st.wasm')), 'the single-thread build ran');
      assert.ok(!log.some((r) => r.url.endsWith('/lib/bgone-mt.wasm')), 'the threaded build was not loaded');
      const png = await h.downloadItem(page, 0);
      const result = await h.decodeInPage(page, png, 'alpha');
      const tmp = mkdtempSync(path.join(tmpdir(), 'bgone-app-st-'));
      try {
        const mask = path.join(tmp, 'mask.png');
        execFileSync(CLI, ['--mask', '--model', h.DEFAULT_MODEL, '-q', '-o', mask, h.SAMPLE]);
        const cli = await h.decodeInPage(page, readFileSync(mask), 'red');
        const diff = meanAbsDiff(result.values, cli.values);
        console.log(`# single-thread: mean |alpha(app) - mask(cli)| = ${diff.toFixed(4)} / 255`);
        assert.ok(diff <= 1);
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    } finally {
      await browser.close();
      server.close();
    }
  });
});
