// bgone's worker: decodes images, loads the model and the WebAssembly engine, computes masks,
// composites and encodes. One request runs at a time, in arrival order.
//
// Messages in:  {id, type: 'run'|'preload', options, input?}
// Messages out: {id, type: 'progress', progress} | {id, type: 'done', result}
//               | {id, type: 'error', message}

import { loadModelBytes, NotStoredError } from './store.js';

// Explicit URLs (not built from variables) so bundlers that understand
// `new URL('./x', import.meta.url)` copy these files along.
const WASM_FILES = {
  'bgone-st.js': new URL('./bgone-st.js', import.meta.url).href,
  'bgone-st.wasm': new URL('./bgone-st.wasm', import.meta.url).href,
  'bgone-mt.js': new URL('./bgone-mt.js', import.meta.url).href,
  'bgone-mt.wasm': new URL('./bgone-mt.wasm', import.meta.url).href,
  'bgone-mt.worker.js': new URL('./bgone-mt.worker.js', import.meta.url).href,
};

// capi/bgone_c.h: BGONE_REFINE_DEFAULT (every refinement stage); the trimap band the CLI uses.
const REFINE_DEFAULT = 7;
const TRIMAP_GROW = 3;

const STATUS_NAMES = ['OK', 'INVALID_ARGUMENT', 'MALFORMED', 'UNSUPPORTED', 'RESOURCE_EXHAUSTED',
  'IO_ERROR', 'INTERNAL'];

/** name -> Promise<Module> */
const modules = new Map();
/** The one live segmenter: {key, module, ptr}. */
let current = null;

function canThread() {
  return self.crossOriginIsolated === true && typeof SharedArrayBuffer === 'function';
}

function flavorFor(threads) {
  return threads > 1 && canThread() ? 'mt' : 'st';
}

function loadModule(flavor, wasmBaseUrl) {
  const key = `${flavor}|${wasmBaseUrl || ''}`;
  let promise = modules.get(key);
  if (promise) return promise;
  const fileUrl = (name) => (wasmBaseUrl ? new URL(name, wasmBaseUrl).href : WASM_FILES[name] ||
    new URL(name, import.meta.url).href);
  const scriptUrl = fileUrl(`bgone-${flavor}.js`);
  promise = (async () => {
    let factory;
    try {
      factory = (await import(/* @vite-ignore */ scriptUrl)).default;
    } catch (e) {
      throw new Error(`bgone: could not load the WebAssembly engine ${scriptUrl}: ${e && e.message}`);
    }
    try {
      return await factory({
        locateFile: (name) => fileUrl(name),
        mainScriptUrlOrBlob: scriptUrl,
        print: () => {},
        printErr: (text) => console.warn(`bgone: ${text}`),
      });
    } catch (e) {
      throw new Error(`bgone: could not start the WebAssembly engine (${flavor}): ${e && e.message ? e.message : e}`);
    }
  })();
  modules.set(key, promise);
  promise.catch(() => modules.delete(key));
  return promise;
}

/** A WebAssembly trap or abort leaves the module unusable: forget it and its segmenter. */
function forgetOnTrap(e, M) {
  const trap = (typeof WebAssembly !== 'undefined' && e instanceof WebAssembly.RuntimeError) ||
    /abort|unreachable|out of bounds/i.test(String(e && e.message));
  if (!trap) return;
  for (const [key, p] of modules) {
    p.then((m) => { if (m === M) modules.delete(key); }, () => {});
  }
  if (current && current.module === M) current = null;
}

function heapU8(M) {
  if (M.HEAPU8) return M.HEAPU8;
  const memory = M.wasmMemory || (M.asm && (M.asm.memory || M.asm.a));
  return new Uint8Array(memory.buffer);
}

function cString(M, ptr) {
  if (!ptr) return '';
  if (typeof M.UTF8ToString === 'function') return M.UTF8ToString(ptr);
  const heap = heapU8(M);
  let end = ptr;
  while (heap[end]) end++;
  return new TextDecoder().decode(heap.slice(ptr, end));
}

function check(M, status, what) {
  if (status === 0) return;
  const name = STATUS_NAMES[status] || `status ${status}`;
  const detail = cString(M, M._bgone_last_error());
  const err = new Error(`bgone: ${what} failed (${name})${detail ? `: ${detail}` : ''}`);
  err.status = name;
  throw err;
}

function malloc(M, size) {
  const ptr = M._malloc(size) >>> 0;  // unsigned: the heap may grow past 2 GB
  if (!ptr) throw new Error(`bgone: out of memory (could not allocate ${size} bytes in the WebAssembly heap)`);
  return ptr;
}

/**
 * Creates a segmenter from model bytes; returns its pointer or throws the engine's error.
 * afterCopy() runs once the bytes are in the engine's heap (they may be detached then).
 */
function createSegmenter(M, bytes, threads, afterCopy = () => {}) {
  const size = bytes.length;
  const outPtr = malloc(M, 4);
  let modelPtr = 0;
  try {
    modelPtr = malloc(M, size);
    heapU8(M).set(bytes, modelPtr);
    afterCopy();
    // The engine takes the buffer over (its weights are views of it, not copies) and frees it.
    const owned = modelPtr;
    modelPtr = 0;
    const status = M._bgone_segmenter_create_owned(owned, size, threads, outPtr);
    check(M, status, 'loading the model');
    const heap = heapU8(M);
    return new DataView(heap.buffer, heap.byteOffset).getUint32(outPtr, true);
  } catch (e) {
    forgetOnTrap(e, M);
    throw e;
  } finally {
    if (modelPtr) M._free(modelPtr);
    M._free(outPtr);
  }
}

/**
 * The segmenter for these options, created if needed. storedOnly: load the model only from the
 * local store (never download it); returns null when it is not there or fails its check.
 */
async function getSegmenter(options, progress, storedOnly = false) {
  const spec = options.model;
  const flavor = flavorFor(options.threads);
  const key = `${flavor}|${options.wasmBaseUrl || ''}|${spec.sha256}|${options.threads}`;
  if (current && current.key === key) return current;
  const t0 = performance.now();
  let moduleMs = 0;
  let modelMs = 0;
  const [M, model] = await Promise.all([
    loadModule(flavor, options.wasmBaseUrl).then((m) => { moduleMs = performance.now() - t0; return m; }),
    loadModelBytes(spec, options.storage, progress, console.warn, { storedOnly })
      .then((m) => { modelMs = performance.now() - t0; return m; }),
  ]);
  const t1 = performance.now();
  progress({ stage: 'load' });
  if (current) {
    current.module._bgone_segmenter_destroy(current.ptr);
    current = null;
  }
  const threads = flavor === 'mt' ? options.threads : 1;
  // A stored model's SHA-256 is still being checked while the engine parses it: nothing built
  // from it is kept (or used) unless the check passes.
  let ptr = 0;
  let createError = null;
  let verified = null;
  try {
    ptr = createSegmenter(M, model.bytes, threads, () => { verified = model.verify(); });
  } catch (e) {
    createError = e;
  }
  const t2 = performance.now();
  let source = model.source;
  if (!verified) verified = model.verify();  // the copy into the heap failed
  if (!(await verified)) {
    if (ptr) M._bgone_segmenter_destroy(ptr);
    if (storedOnly) return null;  // the bad entry is gone; a later call downloads the model
    const fresh = await loadModelBytes(spec, options.storage, progress, console.warn, { skipStore: true });
    source = fresh.source;
    progress({ stage: 'load' });
    ptr = createSegmenter(M, fresh.bytes, threads);
  } else if (createError) {
    throw createError;
  }
  const t3 = performance.now();
  current = {
    key, module: M, ptr, flavor, modelSource: source,
    // Milliseconds, for benchmarks: engine and model bytes (in parallel; each from the start),
    // create, waiting for the hash after it.
    timings: {
      load_ms: t1 - t0, module_ms: moduleMs, model_bytes_ms: modelMs,
      create_ms: t2 - t1, verify_wait_ms: t3 - t2,
      heap_bytes: heapU8(M).length,  // the WebAssembly heap once the segmenter exists
    },
  };
  return current;
}

async function decode(input, maxPixels) {
  if (input.kind === 'imagedata') return input.value;
  let source = input.value;
  if (input.kind === 'url') {
    let res;
    try {
      res = await fetch(source, { method: 'GET', credentials: 'same-origin' });
    } catch (e) {
      throw new Error(`bgone: could not fetch the input image ${source}: ${e && e.message}`);
    }
    if (!res.ok) throw new Error(`bgone: could not fetch the input image ${source}: HTTP ${res.status}`);
    source = await res.blob();
  }
  let bitmap = source;
  if (input.kind !== 'bitmap') {
    try {
      bitmap = await createImageBitmap(source, { imageOrientation: 'from-image', premultiplyAlpha: 'none' });
    } catch (e) {
      const type = source && source.type ? ` (type "${source.type}", ${source.size} bytes)` : '';
      throw new Error(`bgone: the input is not an image the browser can decode${type}: ${e && e.message}`);
    }
  }
  try {
    const { width, height } = bitmap;
    if (!width || !height) throw new Error('bgone: the input image is empty (0 pixels)');
    if (width * height > maxPixels) {
      throw new Error(`bgone: the input image is ${width}x${height}, above the limit of ${maxPixels} pixels (option maxPixels)`);
    }
    const canvas = new OffscreenCanvas(width, height);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    ctx.drawImage(bitmap, 0, 0);
    return ctx.getImageData(0, 0, width, height);
  } finally {
    bitmap.close();  // ours: decoded here or cloned by postMessage
  }
}

async function encode(pixels, width, height, format, quality) {
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d');
  ctx.putImageData(new ImageData(pixels, width, height), 0, 0);
  const blob = await canvas.convertToBlob(quality === undefined ? { type: format } : { type: format, quality });
  if (blob.type !== format) {
    throw new Error(`bgone: this browser cannot encode ${format} (it produced ${blob.type})`);
  }
  return blob;
}

async function run(input, options, progress) {
  // Decode first: a bad input fails fast, before any model download.
  const image = await decode(input, options.maxPixels);
  const bg = options.background;
  let bgImage = null;
  if (bg && bg.kind === 'image') {
    try {
      bgImage = await decode(bg.image, options.maxPixels);
    } catch (e) {
      throw new Error(`bgone: background image: ${String(e && e.message ? e.message : e).replace(/^bgone: /, '')}`);
    }
  }
  const seg = await getSegmenter(options, progress);
  const M = seg.module;
  progress({ stage: 'inference', fraction: 0 });
  const { width, height } = image;
  const pixels = width * height;
  let rgbaPtr = 0;
  let maskPtr = 0;
  let extraPtr = 0;
  let rgba;
  let mask;
  try {
    rgbaPtr = malloc(M, pixels * 4);
    maskPtr = malloc(M, pixels);
    heapU8(M).set(image.data, rgbaPtr);
    M.bgoneProgress = (f) => progress({ stage: 'inference', fraction: f });
    try {
      check(M, M._bgone_segmenter_run(seg.ptr, rgbaPtr, width, height, maskPtr), 'computing the mask');
    } finally {
      M.bgoneProgress = null;
    }
    progress({ stage: 'inference', fraction: 1 });
    progress({ stage: 'refine', fraction: 0 });
    if (options.refine) {
      check(M, M._bgone_refine_mask(seg.ptr, rgbaPtr, maskPtr, width, height, REFINE_DEFAULT),
        'refining the mask');
    }
    const dc = options.decontaminate ? 1 : 0;
    if (options.output === 'mask' || options.output === 'mask-array') {
      mask = heapU8(M).slice(maskPtr, maskPtr + pixels);
    } else if (options.output === 'trimap') {
      extraPtr = malloc(M, pixels);
      check(M, M._bgone_trimap(maskPtr, width, height, TRIMAP_GROW, extraPtr), 'making the trimap');
      mask = heapU8(M).slice(extraPtr, extraPtr + pixels);
    } else {
      if (!bg) {
        check(M, M._bgone_cutout(rgbaPtr, maskPtr, width, height, dc), 'cutting out');
      } else if (bg.kind === 'color') {
        const [r, g, b] = bg.rgb;
        check(M, M._bgone_composite_color(rgbaPtr, maskPtr, width, height, r, g, b, dc),
          'composing onto the background colour');
      } else if (bg.kind === 'blur') {
        check(M, M._bgone_composite_blur(rgbaPtr, maskPtr, width, height, dc),
          'composing onto the blurred background');
      } else {
        extraPtr = malloc(M, bgImage.width * bgImage.height * 4);
        heapU8(M).set(bgImage.data, extraPtr);
        check(M, M._bgone_composite_image(rgbaPtr, maskPtr, width, height, extraPtr, bgImage.width,
          bgImage.height, dc), 'composing onto the background image');
      }
      rgba = new Uint8ClampedArray(heapU8(M).slice(rgbaPtr, rgbaPtr + pixels * 4).buffer);
    }
    progress({ stage: 'refine', fraction: 1 });
  } catch (e) {
    forgetOnTrap(e, M);
    throw e;
  } finally {
    if (rgbaPtr) M._free(rgbaPtr);
    if (maskPtr) M._free(maskPtr);
    if (extraPtr) M._free(extraPtr);
  }

  if (options.output === 'mask-array') return { data: mask, width, height };
  if (options.output === 'rgba') return new ImageData(rgba, width, height);
  progress({ stage: 'encode', fraction: 0 });
  let out = rgba;
  if (options.output === 'mask' || options.output === 'trimap') {
    out = new Uint8ClampedArray(pixels * 4);
    for (let i = 0, j = 0; i < pixels; i++, j += 4) {
      const m = mask[i];
      out[j] = m; out[j + 1] = m; out[j + 2] = m; out[j + 3] = 255;
    }
  }
  const blob = await encode(out, width, height, options.format, options.quality);
  progress({ stage: 'encode', fraction: 1 });
  return blob;
}

function transferables(result) {
  if (result instanceof ImageData) return [result.data.buffer];
  if (result && result.data instanceof Uint8Array) return [result.data.buffer];
  return [];
}

async function handle(msg) {
  const progress = (p) => self.postMessage({ id: msg.id, type: 'progress', progress: p });
  if (msg.type === 'preload') {
    let seg;
    try {
      seg = await getSegmenter(msg.options, progress, msg.ifStored === true);
    } catch (e) {
      if (!(e instanceof NotStoredError)) throw e;
      seg = null;
    }
    const flavor = flavorFor(msg.options.threads);  // a segmenter's own flavor is this one too
    const threads = flavor === 'mt' ? msg.options.threads : 1;
    return seg ? { loaded: true, flavor, threads, timings: seg.timings } : { loaded: false, flavor, threads };
  }
  if (msg.type === 'run') return run(msg.input, msg.options, progress);
  throw new Error(`bgone: unknown request ${msg.type}`);
}

let queue = Promise.resolve();
self.onmessage = (event) => {
  const msg = event.data;
  const job = queue.then(() => handle(msg));
  queue = job.catch(() => {});
  job.then(
    (result) => self.postMessage({ id: msg.id, type: 'done', result }, transferables(result)),
    (e) => self.postMessage({
      id: msg.id,
      type: 'error',
      message: e && e.message ? e.message : `bgone: ${String(e)}`,
      status: e && e.status,
    }),
  );
};
