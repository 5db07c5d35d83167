// bgone's worker: decodes images, loads the model and the WebAssembly engine, computes masks,
// composites and encodes. One request runs at a time, in arrival order.
//
// Messages in:  {id, type: 'run'|'preload'|'passport'|'faces', options, input?, passport?, faces?}
// Messages out: {id, type: 'progress', progress} | {id, type: 'done', result}
//               | {id, type: 'error', message}

import { loadModelBytes, NotStoredError } from './store.js';
import { withJpegDensity, withPngDensity } from './density.js';

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

/**
 * The mask of the photo at rgbaPtr into maskPtr (inference progress reported as it runs), refined
 * at full resolution when `refine`; ends having reported refine at fraction 0.
 */
function computeMask(M, seg, rgbaPtr, maskPtr, width, height, refine, progress) {
  M.bgoneProgress = (f) => progress({ stage: 'inference', fraction: f });
  try {
    check(M, M._bgone_segmenter_run(seg.ptr, rgbaPtr, width, height, maskPtr), 'computing the mask');
  } finally {
    M.bgoneProgress = null;
  }
  progress({ stage: 'inference', fraction: 1 });
  progress({ stage: 'refine', fraction: 0 });
  if (refine) {
    check(M, M._bgone_refine_mask(seg.ptr, rgbaPtr, maskPtr, width, height, REFINE_DEFAULT), 'refining the mask');
  }
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
    computeMask(M, seg, rgbaPtr, maskPtr, width, height, options.refine, progress);
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

// --- passport photos (docs/PASSPORT.md) ----------------------------------------------------------

// capi/bgone_c.h: floats per face, numbers per layout, numbers of print sheet information.
const FACE_VALUES = 17;
const LAYOUT_VALUES = 13;
const SHEET_VALUES = 6;
const MAX_FACES = 8;

function namedError(message, status) {
  const err = new Error(message);
  err.status = status;
  return err;
}

/**
 * The face detector for spec = {url, sha256, size, encoding}, created once per engine module.
 * Detectors run single-threaded: BlazeFace is small, and the threaded build's workers belong to
 * the segmenter.
 */
async function getFaceDetector(M, spec, storage, progress) {
  M.bgoneFaceDetectors ??= new Map();
  const known = M.bgoneFaceDetectors.get(spec.sha256);
  if (known) return known;
  const create = (bytes, afterCopy) => {
    const size = bytes.length;  // afterCopy() may detach bytes (the stored copy's hash check)
    const outPtr = malloc(M, 4);
    let modelPtr = 0;
    try {
      modelPtr = malloc(M, size);
      heapU8(M).set(bytes, modelPtr);
      const checked = afterCopy();
      return checked.then((ok) => {
        if (!ok) return 0;
        check(M, M._bgone_face_detector_create(modelPtr, size, 1, outPtr), 'loading the face detector');
        const heap = heapU8(M);
        return new DataView(heap.buffer, heap.byteOffset).getUint32(outPtr, true);
      }).finally(() => { M._free(modelPtr); M._free(outPtr); });
    } catch (e) {
      if (modelPtr) M._free(modelPtr);
      M._free(outPtr);
      throw e;
    }
  };
  const model = await loadModelBytes(spec, storage, progress, console.warn);
  let ptr = await create(model.bytes, () => model.verify());
  if (!ptr) {  // a stored copy failed its SHA-256 check (and is gone): download it again
    const fresh = await loadModelBytes(spec, storage, progress, console.warn, { skipStore: true });
    ptr = await create(fresh.bytes, () => Promise.resolve(true));
  }
  M.bgoneFaceDetectors.set(spec.sha256, ptr);
  return ptr;
}

/** Faces found in the photo at rgbaPtr: arrays of FACE_VALUES numbers, best first. */
function detectFaces(M, detector, rgbaPtr, width, height) {
  const facesPtr = malloc(M, MAX_FACES * FACE_VALUES * 4);
  const countPtr = malloc(M, 4);
  try {
    check(M, M._bgone_face_detect(detector, rgbaPtr, width, height, facesPtr, MAX_FACES, countPtr), 'finding faces');
    const heap = heapU8(M);
    const count = new DataView(heap.buffer, heap.byteOffset).getInt32(countPtr, true);
    const values = new Float32Array(heap.buffer, heap.byteOffset + facesPtr, MAX_FACES * FACE_VALUES);
    const faces = [];
    for (let i = 0; i < Math.min(count, MAX_FACES); i++) {
      faces.push(Array.from(values.subarray(i * FACE_VALUES, (i + 1) * FACE_VALUES)));
    }
    return { count, faces };
  } finally {
    M._free(facesPtr);
    M._free(countPtr);
  }
}

/** {score, box, keypoints} from FACE_VALUES numbers (the form of the report's output_face). */
function faceObject(v) {
  const r2 = (x) => Math.round(x * 100) / 100;
  const keypoints = [];
  for (let k = 0; k < 6; k++) keypoints.push([r2(v[5 + 2 * k]), r2(v[6 + 2 * k])]);
  return {
    score: Math.round(v[0] * 1e4) / 1e4,
    box: { x: r2(v[1]), y: r2(v[2]), width: r2(v[3]), height: r2(v[4]) },
    keypoints,
  };
}

/** Reads the NUL-terminated text the engine malloc'ed at ptr, then frees it. */
function takeText(M, ptr) {
  try {
    return cString(M, ptr);
  } finally {
    M._bgone_free(ptr);
  }
}

/** Reads (ptr, size) bytes the engine malloc'ed, then frees them. */
function takeBytes(M, ptr, size) {
  try {
    return heapU8(M).slice(ptr, ptr + size);
  } finally {
    M._bgone_free(ptr);
  }
}

async function encodeWithDensity(rgba, width, height, format, quality, dpi) {
  const blob = await encode(rgba, width, height, format, quality);
  const bytes = new Uint8Array(await blob.arrayBuffer());
  return format === 'image/jpeg' ? withJpegDensity(bytes, dpi) : withPngDensity(bytes, dpi);
}

/** Faces in an image: {width, height, faces: [{score, box, keypoints}], count}. */
async function faces(input, options, job, progress) {
  const image = await decode(input, options.maxPixels);
  const { width, height } = image;
  const M = await loadModule(flavorFor(options.threads), options.wasmBaseUrl);
  progress({ stage: 'faces', fraction: 0 });
  const detector = await getFaceDetector(M, job.faceModel, options.storage, progress);
  const rgbaPtr = malloc(M, width * height * 4);
  try {
    heapU8(M).set(image.data, rgbaPtr);
    const found = detectFaces(M, detector, rgbaPtr, width, height);
    progress({ stage: 'faces', fraction: 1 });
    return { width, height, count: found.count, faces: found.faces.map(faceObject) };
  } catch (e) {
    forgetOnTrap(e, M);
    throw e;
  } finally {
    M._free(rgbaPtr);
  }
}

/**
 * The document photo: faces first (a photo with none or several fails before the model is even
 * loaded), then the refined mask, then the engine's composer and checks (the same C++ as
 * `bgone passport`), then encoding with the DPI and, when asked, the print sheet.
 */
async function passport(input, options, job, progress) {
  const image = await decode(input, options.maxPixels);
  const { width, height } = image;
  const pixels = width * height;
  const flavor = flavorFor(options.threads);
  const M = await loadModule(flavor, options.wasmBaseUrl);
  progress({ stage: 'faces', fraction: 0 });
  const shortDetector = await getFaceDetector(M, job.faceModels.short, options.storage, progress);
  const rgbaPtr = malloc(M, pixels * 4);
  let maskPtr = 0;
  let outRgba = 0;
  const scratch = [];
  let found;
  let photo;
  let report;
  let sheet = null;
  try {
    heapU8(M).set(image.data, rgbaPtr);
    found = detectFaces(M, shortDetector, rgbaPtr, width, height);
    if (found.count === 0) {
      const fullDetector = await getFaceDetector(M, job.faceModels.full, options.storage, progress);
      found = detectFaces(M, fullDetector, rgbaPtr, width, height);
    }
    if (found.count === 0) {
      throw namedError('bgone: no face found: use a photo where one face is clearly visible', 'NO_FACE');
    }
    if (found.count > 1) {
      throw namedError(`bgone: ${found.count} faces found: a passport photo needs exactly one person`, 'SEVERAL_FACES');
    }
    progress({ stage: 'faces', fraction: 1 });
    const seg = await getSegmenter(options, progress);
    if (seg.module !== M) {  // cannot happen: both come from loadModule(flavor, wasmBaseUrl)
      throw new Error('bgone: internal error: the segmenter lives in another engine instance');
    }
    maskPtr = malloc(M, pixels);
    progress({ stage: 'inference', fraction: 0 });
    computeMask(M, seg, rgbaPtr, maskPtr, width, height, true, progress);
    progress({ stage: 'refine', fraction: 1 });
    progress({ stage: 'compose', fraction: 0 });
    const facePtr = malloc(M, FACE_VALUES * 4);
    const layoutPtr = malloc(M, LAYOUT_VALUES * 8);
    const outPtrs = malloc(M, 16);  // rgba_out, width_out, height_out, report_out
    scratch.push(facePtr, layoutPtr, outPtrs);
    let heap = heapU8(M);
    new Float32Array(heap.buffer, heap.byteOffset + facePtr, FACE_VALUES).set(found.faces[0]);
    new Float64Array(heap.buffer, heap.byteOffset + layoutPtr, LAYOUT_VALUES).set(job.layout);
    new Uint32Array(heap.buffer, heap.byteOffset + outPtrs, 4).fill(0);
    check(M, M._bgone_passport_compose(shortDetector, rgbaPtr, maskPtr, width, height, facePtr, layoutPtr,
      outPtrs, outPtrs + 4, outPtrs + 8, outPtrs + 12), 'composing the passport photo');
    heap = heapU8(M);
    const [rgbaOut, outW, outH, reportPtr] = new Uint32Array(heap.buffer, heap.byteOffset + outPtrs, 4);
    outRgba = rgbaOut;
    report = JSON.parse(takeText(M, reportPtr));
    progress({ stage: 'compose', fraction: 1 });
    if (job.sheet) {
      // The sheet from the composed photo where it lies in the engine's heap.
      const infoPtr = malloc(M, SHEET_VALUES * 8);
      const paper = new TextEncoder().encode(`${job.sheet}\0`);
      const paperPtr = malloc(M, paper.length);
      scratch.push(infoPtr, paperPtr);
      heap = heapU8(M);
      heap.set(paper, paperPtr);
      new Uint32Array(heap.buffer, heap.byteOffset + outPtrs, 4).fill(0);
      check(M, M._bgone_print_sheet(outRgba, outW, outH, paperPtr, job.dpi, outPtrs, outPtrs + 4, outPtrs + 8, infoPtr),
        'making the print sheet');
      heap = heapU8(M);
      const [sRgba, sW, sH] = new Uint32Array(heap.buffer, heap.byteOffset + outPtrs, 3);
      const info = Array.from(new Float64Array(heap.buffer, heap.byteOffset + infoPtr, SHEET_VALUES));
      sheet = {
        rgba: new Uint8ClampedArray(takeBytes(M, sRgba, sW * sH * 4).buffer), width: sW, height: sH,
        copies: info[0], columns: info[1], rows: info[2], widthMm: info[3], heightMm: info[4], landscape: info[5] === 1,
      };
    }
    photo = { rgba: new Uint8ClampedArray(takeBytes(M, outRgba, outW * outH * 4).buffer), width: outW, height: outH };
    outRgba = 0;
  } catch (e) {
    forgetOnTrap(e, M);
    throw e;
  } finally {
    M._free(rgbaPtr);
    if (maskPtr) M._free(maskPtr);
    if (outRgba) M._bgone_free(outRgba);
    for (const p of scratch) M._free(p);
  }

  // Encoding: JPEG from quality 0.95 down in steps of 0.05 (to 0.40 at the least) until the file
  // fits maxBytes, as `bgone passport --max-kb` does; PNG as is.
  progress({ stage: 'encode', fraction: 0 });
  let quality = job.format === 'image/jpeg' ? (job.quality ?? 0.95) : undefined;
  let bytes;
  for (;;) {
    bytes = await encodeWithDensity(photo.rgba, photo.width, photo.height, job.format, quality, job.dpi);
    if (!job.maxBytes || bytes.length <= job.maxBytes) break;
    const kb = Math.round(job.maxBytes / 1024);
    if (job.format !== 'image/jpeg') {
      throw namedError(`bgone: the photo is ${Math.round(bytes.length / 1024)} kB; a size limit needs JPEG output`, 'TOO_LARGE');
    }
    if (quality <= 0.4 + 1e-9) {
      throw namedError(`bgone: the photo does not fit in ${kb} kB even at JPEG quality 0.40`, 'TOO_LARGE');
    }
    quality = Math.max(0.4, Math.round((quality - 0.05) * 100) / 100);
  }
  const result = {
    photo: new Blob([bytes], { type: job.format }),
    width: photo.width,
    height: photo.height,
    dpi: job.dpi,
    quality,
    compliant: report.compliant === true,
    report,
    sourceFace: faceObject(found.faces[0]),
    outputFace: report.output_face,
    sheet: null,
  };
  if (sheet) {
    const jpeg = await encodeWithDensity(sheet.rgba, sheet.width, sheet.height, 'image/jpeg', 0.95, job.dpi);
    const jpegPtr = malloc(M, jpeg.length);
    const outPtrs = malloc(M, 8);
    try {
      heapU8(M).set(jpeg, jpegPtr);
      check(M, M._bgone_jpeg_pdf(jpegPtr, jpeg.length, sheet.width, sheet.height, sheet.widthMm, sheet.heightMm,
        outPtrs, outPtrs + 4), 'writing the PDF');
      const heap = heapU8(M);
      const [pdfPtr, pdfSize] = new Uint32Array(heap.buffer, heap.byteOffset + outPtrs, 2);
      const pdf = takeBytes(M, pdfPtr, pdfSize);
      result.sheet = {
        paper: job.sheet,
        jpeg: new Blob([jpeg], { type: 'image/jpeg' }),
        pdf: new Blob([pdf], { type: 'application/pdf' }),
        width: sheet.width, height: sheet.height,
        widthMm: sheet.widthMm, heightMm: sheet.heightMm,
        copies: sheet.copies, columns: sheet.columns, rows: sheet.rows,
      };
    } finally {
      M._free(jpegPtr);
      M._free(outPtrs);
    }
  }
  progress({ stage: 'encode', fraction: 1 });
  return result;
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
  if (msg.type === 'passport') return passport(msg.input, msg.options, msg.passport, progress);
  if (msg.type === 'faces') return faces(msg.input, msg.options, msg.faces, progress);
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
