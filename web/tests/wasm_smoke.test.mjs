// Smoke test of the single-thread WebAssembly build (build/wasm/wasm/bgone-st.{js,wasm}) under
// node: IS-Net "small" and "medium" on the sample photo must give the native CLI's mask (mean
// absolute difference <= 1/255), a corrupt model must give a status and a message (no abort), each
// variant must stay within the download budget (wasm + glue JS <= 0.4 MB gzipped), and the
// Winograd kernels' WebAssembly target must match the scalar references (tests/wasm/kernel_check.cc).
//
//   node --no-experimental-fetch --test web/tests/
//
// Needs `cmake --build --preset wasm` (and build/release for the native reference). Missing
// builds or models skip the affected tests with a message, unless BGONE_REQUIRE_WASM=1
// (scripts/test.sh sets it), which turns them into failures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import zlib from 'node:zlib';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const WASM_DIR = process.env.BGONE_WASM_DIR || path.join(ROOT, 'build/wasm/wasm');
const CLI = process.env.BGONE_CLI || path.join(ROOT, 'build/release/cli/bgone');
const MODEL_DIR = process.env.BGONE_MODEL_DIR || path.join(ROOT, '.cache/models');
const SMALL_MODEL = path.join(MODEL_DIR, 'isnet-q8.onnx');
const MEDIUM_MODEL = path.join(MODEL_DIR, 'isnet-fp16.onnx');
const SAMPLE = path.join(ROOT, 'assets/sample/skimage_astronaut.png');
const REQUIRED = process.env.BGONE_REQUIRE_WASM === '1';
const BUDGET_GZIP_BYTES = 400 * 1000;

// Returns a skip reason (or fails when the build is required) if a file is missing.
function missing(file, what) {
  if (fs.existsSync(file)) return false;
  const msg = `${what} not found: ${file}`;
  if (REQUIRED) assert.fail(msg);
  return msg;
}

// Minimal PNG decoder: 8-bit, non-interlaced, grey / grey+alpha / RGB / RGBA. Returns RGBA.
function decodePng(bytes) {
  const sig = [137, 80, 78, 71, 13, 10, 26, 10];
  assert.deepEqual([...bytes.subarray(0, 8)], sig, 'not a PNG');
  let pos = 8, width = 0, height = 0, colorType = 0;
  const idat = [];
  while (pos < bytes.length) {
    const len = bytes.readUInt32BE(pos);
    const type = bytes.toString('latin1', pos + 4, pos + 8);
    const data = bytes.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      assert.equal(data[8], 8, 'only 8-bit PNGs');
      colorType = data[9];
      assert.equal(data[12], 0, 'only non-interlaced PNGs');
    } else if (type === 'IDAT') {
      idat.push(data);
    } else if (type === 'IEND') {
      break;
    }
    pos += 12 + len;
  }
  const channels = { 0: 1, 2: 3, 4: 2, 6: 4 }[colorType];
  assert.ok(channels, `unsupported PNG colour type ${colorType}`);
  const raw = zlib.inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const px = new Uint8Array(stride * height);
  for (let y = 0; y < height; ++y) {
    const filter = raw[y * (stride + 1)];
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = px.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? px.subarray((y - 1) * stride, y * stride) : new Uint8Array(stride);
    for (let i = 0; i < stride; ++i) {
      const a = i >= channels ? row[i - channels] : 0;
      const b = prev[i];
      const c = i >= channels ? prev[i - channels] : 0;
      let pred = 0;
      if (filter === 1) pred = a;
      else if (filter === 2) pred = b;
      else if (filter === 3) pred = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        pred = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else assert.equal(filter, 0, `bad PNG filter ${filter}`);
      row[i] = (src[i] + pred) & 255;
    }
  }
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; ++i) {
    const s = px.subarray(i * channels, (i + 1) * channels);
    const [r, g, b, a] =
      channels === 1 ? [s[0], s[0], s[0], 255] : channels === 2 ? [s[0], s[0], s[0], s[1]]
        : channels === 3 ? [s[0], s[1], s[2], 255] : [s[0], s[1], s[2], s[3]];
    rgba.set([r, g, b, a], i * 4);
  }
  return { width, height, rgba };
}

// Emscripten 3.1.6's ES-module output reads `require` and `__dirname` as globals under node.
async function loadModule(variant) {
  globalThis.require ??= createRequire(import.meta.url);
  globalThis.__dirname ??= WASM_DIR;
  const { default: createBgoneModule } = await import(
    pathToFileURL(path.join(WASM_DIR, `bgone-${variant}.js`)).href);
  return createBgoneModule({
    wasmBinary: fs.readFileSync(path.join(WASM_DIR, `bgone-${variant}.wasm`)),
  });
}

// Copies `bytes` into the wasm heap; the caller frees the pointer.
function toHeap(m, bytes) {
  const ptr = m._malloc(bytes.length);
  assert.notEqual(ptr, 0, 'malloc failed');
  m.HEAPU8.set(bytes, ptr);
  return ptr;
}

// Runs bgone_segmenter_create; returns { status, handle, error }.
function createSegmenter(m, modelBytes, threads = 1) {
  const modelPtr = toHeap(m, modelBytes);
  const outPtr = m._malloc(4);
  try {
    const status = m._bgone_segmenter_create(modelPtr, modelBytes.length, threads, outPtr);
    const handle = new Uint32Array(m.HEAPU8.buffer, outPtr, 1)[0];
    return { status, handle, error: m.UTF8ToString(m._bgone_last_error()) };
  } finally {
    m._free(outPtr);
    m._free(modelPtr);
  }
}

test('each wasm variant fits the download budget (wasm + JS <= 0.4 MB gzipped)', (t) => {
  for (const variant of ['st', 'mt']) {
    const skip = missing(path.join(WASM_DIR, `bgone-${variant}.wasm`), `bgone-${variant}`);
    if (skip) { t.skip(skip); return; }
    const files = fs.readdirSync(WASM_DIR)
      .filter((f) => f.startsWith(`bgone-${variant}.`) && /\.(js|wasm)$/.test(f));
    let raw = 0, gz = 0;
    for (const f of files) {
      const bytes = fs.readFileSync(path.join(WASM_DIR, f));
      raw += bytes.length;
      gz += zlib.gzipSync(bytes, { level: 9 }).length;
    }
    t.diagnostic(`bgone-${variant} (${files.join(' ')}): ${raw} B raw, ${gz} B gzipped`);
    assert.ok(gz <= BUDGET_GZIP_BYTES, `bgone-${variant} is ${gz} B gzipped (budget ${BUDGET_GZIP_BYTES})`);
  }
});

test('the WebAssembly Winograd kernels match the scalar references (bgone-kernel-check)', (t) => {
  const check = path.join(WASM_DIR, 'bgone-kernel-check.cjs');
  const skip = missing(check, 'bgone-kernel-check (cmake --build --preset wasm)');
  if (skip) { t.skip(skip); return; }
  // execFileSync throws (and so fails the test) on a non-zero exit; the output names the failures.
  const out = execFileSync(process.execPath, ['--no-experimental-fetch', check], { encoding: 'utf8' });
  t.diagnostic(out.trim().split('\n').pop());
  assert.match(out, /^ok: \d+ shapes, target WASM, 0 failure/m);
});

test('bgone-st reports a corrupt model as an error, without aborting', async (t) => {
  const skip = missing(path.join(WASM_DIR, 'bgone-st.js'), 'bgone-st');
  if (skip) { t.skip(skip); return; }
  const m = await loadModule('st');
  assert.match(m.UTF8ToString(m._bgone_version()), /^\d+\.\d+\.\d+/);
  assert.equal(m._bgone_wasm_threaded(), 0);

  const garbage = new Uint8Array(4096);
  for (let i = 0; i < garbage.length; ++i) garbage[i] = (i * 2654435761) >>> 24;
  let r = createSegmenter(m, garbage);
  assert.notEqual(r.status, 0, 'garbage model accepted');
  assert.equal(r.handle, 0);
  assert.ok(r.error.length > 0, 'no error message');
  t.diagnostic(`garbage model: status ${r.status}: ${r.error}`);

  r = createSegmenter(m, new Uint8Array(0));
  assert.notEqual(r.status, 0, 'empty model accepted');
  assert.ok(r.error.length > 0);

  if (fs.existsSync(SMALL_MODEL)) {
    // A real model cut short: the protobuf reader must notice.
    const fd = fs.openSync(SMALL_MODEL, 'r');
    const head = Buffer.alloc(1 << 20);
    fs.readSync(fd, head, 0, head.length, 0);
    fs.closeSync(fd);
    r = createSegmenter(m, head);
    assert.notEqual(r.status, 0, 'truncated model accepted');
    assert.ok(r.error.length > 0);
    t.diagnostic(`truncated model: status ${r.status}: ${r.error}`);
  }

  // Bad arguments to the pixel functions are errors too, and the module still works after.
  assert.notEqual(m._bgone_apply_mask(0, 0, 4, 4), 0);
  assert.ok(m.UTF8ToString(m._bgone_last_error()).length > 0);
  assert.match(m.UTF8ToString(m._bgone_version()), /^\d+\.\d+\.\d+/);
});

// The small model exercises the int16 (ConvInteger) kernels, the medium one the float32 ones.
for (const [name, modelPath] of [['small', SMALL_MODEL], ['medium', MEDIUM_MODEL]]) {
  test(`bgone-st (${name} model) matches the native CLI mask on the sample photo`, async (t) => {
    const skip = missing(path.join(WASM_DIR, 'bgone-st.js'), 'bgone-st')
      || missing(modelPath, `${name} model (bash scripts/setup.sh fetches it)`)
      || missing(CLI, 'native CLI (cmake --build --preset release)');
    if (skip) { t.skip(skip); return; }

    // Native references: the CLI's raw mask (--no-refine) and its default, refined mask for the
    // same photo and model.
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'bgone-wasm-'));
    const refPath = path.join(tmp, 'mask.png');
    const refinedPath = path.join(tmp, 'refined.png');
    try {
      execFileSync(CLI, ['--mask', '--no-refine', '--model', modelPath, '-q', '--threads', '2', '-o', refPath, SAMPLE],
        { stdio: 'inherit' });
      execFileSync(CLI, ['--mask', '--model', modelPath, '-q', '--threads', '2', '-o', refinedPath, SAMPLE],
        { stdio: 'inherit' });
      const ref = decodePng(fs.readFileSync(refPath));
      const refinedRef = decodePng(fs.readFileSync(refinedPath));
      const img = decodePng(fs.readFileSync(SAMPLE));
      assert.equal(ref.width, img.width);
      assert.equal(ref.height, img.height);

      const m = await loadModule('st');
      let t0 = performance.now();
      const seg = createSegmenter(m, fs.readFileSync(modelPath));
      const createMs = performance.now() - t0;
      assert.equal(seg.status, 0, `create failed: ${seg.error}`);
      assert.notEqual(seg.handle, 0);

      const sizePtr = m._malloc(8);
      assert.equal(m._bgone_segmenter_input_size(seg.handle, sizePtr, sizePtr + 4), 0);
      const [inW, inH] = new Int32Array(m.HEAPU8.buffer, sizePtr, 2);
      m._free(sizePtr);
      assert.deepEqual([inW, inH], [1024, 1024]);

      const n = img.width * img.height;
      const rgbaPtr = toHeap(m, img.rgba);
      const maskPtr = m._malloc(n);
      t0 = performance.now();
      const status = m._bgone_segmenter_run(seg.handle, rgbaPtr, img.width, img.height, maskPtr);
      const runMs = performance.now() - t0;
      assert.equal(status, 0, `run failed: ${m.UTF8ToString(m._bgone_last_error())}`);
      // Re-read HEAPU8 after every call: the heap may have grown (and been replaced).
      const mask = m.HEAPU8.slice(maskPtr, maskPtr + n);
      // Full-resolution refinement (capi: BGONE_REFINE_DEFAULT = 7), as the library does.
      const refinedPtr = toHeap(m, mask);
      assert.equal(m._bgone_refine_mask(seg.handle, rgbaPtr, refinedPtr, img.width, img.height, 7), 0,
        `refine failed: ${m.UTF8ToString(m._bgone_last_error())}`);
      const refined = m.HEAPU8.slice(refinedPtr, refinedPtr + n);
      m._free(refinedPtr);

      // The pixel helpers on the result.
      assert.equal(m._bgone_apply_mask(rgbaPtr, maskPtr, img.width, img.height), 0);
      const cut = m.HEAPU8.slice(rgbaPtr, rgbaPtr + n * 4);
      for (let i = 0; i < n; i += 997) {
        assert.equal(cut[i * 4 + 3], mask[i], 'apply_mask alpha');
        assert.equal(cut[i * 4], img.rgba[i * 4], 'apply_mask keeps colour');
      }
      m.HEAPU8.set(img.rgba, rgbaPtr);
      assert.equal(m._bgone_flatten(rgbaPtr, maskPtr, img.width, img.height, 255, 255, 255), 0);
      const flat = m.HEAPU8.slice(rgbaPtr, rgbaPtr + n * 4);
      for (let i = 0; i < n; i += 997) {
        assert.equal(flat[i * 4 + 3], 255, 'flatten alpha');
        if (mask[i] === 0) assert.equal(flat[i * 4], 255, 'flatten background');
      }
      m._free(maskPtr);
      m._free(rgbaPtr);
      m._bgone_segmenter_destroy(seg.handle);

      let sum = 0, max = 0;
      for (let i = 0; i < n; ++i) {
        const d = Math.abs(mask[i] - ref.rgba[i * 4]);
        sum += d;
        if (d > max) max = d;
      }
      const mad = sum / n;
      let rsum = 0, rmax = 0;
      for (let i = 0; i < n; ++i) {
        const d = Math.abs(refined[i] - refinedRef.rgba[i * 4]);
        rsum += d;
        if (d > rmax) rmax = d;
      }
      const rmad = rsum / n;
      t.diagnostic(`wasm st, ${name} model: create ${createMs.toFixed(0)} ms, one 1024x1024 inference ` +
        `${runMs.toFixed(0)} ms, heap ${(m.HEAPU8.length / 2 ** 20).toFixed(0)} MiB; ` +
        `vs native mask: mean abs diff ${mad.toFixed(4)}, max ${max}; refined: mean ${rmad.toFixed(4)}, max ${rmax}`);
      assert.ok(mad <= 1, `mean abs diff ${mad} > 1/255`);
      assert.ok(rmad <= 1, `refined mask: mean abs diff ${rmad} > 1/255`);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
}
