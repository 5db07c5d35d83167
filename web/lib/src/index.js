// bgone: background removal that runs entirely on the user's device.
// The main-thread side: validates options, hands work to a dedicated module worker, and turns its
// replies into promises. See index.d.ts for the documented API.

import { MODELS, DEFAULT_MODEL, FACE_MODELS } from './models.js';

export { MODELS, DEFAULT_MODEL, FACE_MODELS };

const OUTPUTS = ['foreground', 'mask', 'rgba', 'mask-array', 'trimap'];
const FORMATS = ['image/png', 'image/webp'];
const STORAGES = ['auto', 'opfs', 'cache', 'none'];
const DEFAULT_MAX_PIXELS = 100e6;

let worker = null;
let nextId = 1;
/** id -> {resolve, reject, onProgress} */
const pending = new Map();

function failAll(error) {
  const calls = [...pending.values()];
  pending.clear();
  for (const call of calls) call.reject(error);
}

function dropWorker() {
  if (worker) worker.terminate();
  worker = null;
}

function getWorker() {
  if (worker) return worker;
  const w = new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'bgone' });
  w.onmessage = (event) => {
    const msg = event.data;
    const call = pending.get(msg.id);
    if (!call) return;
    if (msg.type === 'progress') {
      if (call.onProgress) {
        try { call.onProgress(msg.progress); } catch (e) { setTimeout(() => { throw e; }); }
      }
      return;
    }
    pending.delete(msg.id);
    if (msg.type === 'done') {
      call.resolve(msg.result);
    } else {
      const err = new Error(msg.message);
      if (msg.status) err.status = msg.status;
      call.reject(err);
    }
  };
  w.onerror = (event) => {
    // An uncaught error in the worker, or the worker script failed to load: the worker's state is
    // unknown, so start afresh next time and fail whatever was waiting.
    if (event && event.preventDefault) event.preventDefault();
    const detail = event && event.message ? event.message : 'the worker script failed to load or crashed';
    if (worker === w) dropWorker();
    failAll(new Error(`bgone: worker error: ${detail}`));
  };
  w.onmessageerror = () => {
    if (worker === w) dropWorker();
    failAll(new Error('bgone: worker error: a message could not be deserialized'));
  };
  worker = w;
  return w;
}

function call(type, payload, onProgress, transfer = []) {
  return new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject, onProgress });
    try {
      getWorker().postMessage({ id, type, ...payload }, transfer);
    } catch (e) {
      pending.delete(id);
      reject(e instanceof Error ? e : new Error(`bgone: ${e}`));
    }
  });
}

function baseHref() {
  if (typeof document !== 'undefined' && document.baseURI) return document.baseURI;
  return self.location.href;
}

function withSlash(url) {
  return url.endsWith('/') ? url : `${url}/`;
}

const MODEL_NAMES = Object.keys(MODELS).map((n) => `"${n}"`).join(', ');
const ENCODINGS = ['identity', 'gzip'];

/** The {url, sha256, size, encoding, download} of a pinned file (MODELS or FACE_MODELS) under
 *  modelBaseUrl (default: models/ beside this file). */
function resolvePinned(pinned, modelBaseUrl) {
  const base = modelBaseUrl !== undefined
    ? withSlash(new URL(String(modelBaseUrl), baseHref()).href)
    : new URL('./models/', import.meta.url).href;
  return {
    url: new URL(pinned.file, base).href, sha256: pinned.sha256, size: pinned.size,
    encoding: pinned.encoding, download: pinned.download,
  };
}

/** The {url, sha256, size, encoding, download} of the chosen model. */
function resolveModel(model = DEFAULT_MODEL, modelBaseUrl) {
  if (typeof model === 'string') {
    const pinned = Object.hasOwn(MODELS, model) ? MODELS[model] : null;
    if (!pinned) throw new Error(`bgone: unknown model "${model}" (expected one of ${MODEL_NAMES} or {url, sha256, size})`);
    return resolvePinned(pinned, modelBaseUrl);
  }
  if (!model || typeof model !== 'object') throw new Error(`bgone: option model must be one of ${MODEL_NAMES} or {url, sha256, size}`);
  const sha256 = String(model.sha256 || '').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error('bgone: model.sha256 must be 64 hex digits');
  if (!Number.isSafeInteger(model.size) || model.size <= 0) throw new Error('bgone: model.size must be a positive integer (bytes)');
  if (!model.url) throw new Error('bgone: model.url is required');
  const encoding = model.encoding ?? 'identity';
  if (!ENCODINGS.includes(encoding)) throw new Error(`bgone: model.encoding must be ${ENCODINGS.map((e) => `"${e}"`).join(' or ')}`);
  return { url: new URL(String(model.url), baseHref()).href, sha256, size: model.size, encoding };
}

/** [r, g, b] from a CSS colour or an [r, g, b] array; opaque colours only. */
function parseColour(colour) {
  if (Array.isArray(colour)) {
    if (colour.length !== 3 || !colour.every((c) => Number.isInteger(c) && c >= 0 && c <= 255)) {
      throw new Error('bgone: background as an array must be [r, g, b] with integers 0-255');
    }
    return colour.slice();
  }
  if (typeof colour !== 'string') throw new Error('bgone: background must be a CSS colour string or [r, g, b]');
  const canvas = new OffscreenCanvas(1, 1);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  // An invalid colour leaves fillStyle unchanged: try two different starting values.
  const parsed = [];
  for (const start of ['#000000', '#ffffff']) {
    ctx.fillStyle = start;
    ctx.fillStyle = colour;
    parsed.push(ctx.fillStyle);
  }
  if (parsed[0] !== parsed[1]) throw new Error(`bgone: background "${colour}" is not a CSS colour`);
  ctx.clearRect(0, 0, 1, 1);
  ctx.fillRect(0, 0, 1, 1);
  const [r, g, b, a] = ctx.getImageData(0, 0, 1, 1).data;
  if (a !== 255) throw new Error(`bgone: background "${colour}" is not opaque; leave background out for transparency`);
  return [r, g, b];
}

function flag(value, name) {
  if (value === undefined) return true;
  if (typeof value !== 'boolean') throw new Error(`bgone: option ${name} must be true or false`);
  return value;
}

/** null (transparent), {kind: 'color', rgb}, {kind: 'blur'} or {kind: 'image', input} (packed later). */
function parseBackground(background) {
  if (background == null) return null;
  if (background === 'blur') return { kind: 'blur' };
  if (typeof background === 'object' && !Array.isArray(background) && 'image' in background) {
    if (background.image == null) throw new Error('bgone: background.image is empty');
    return { kind: 'image', input: background.image };
  }
  return { kind: 'color', rgb: parseColour(background) };
}

function defaultThreads() {
  const isolated = typeof crossOriginIsolated !== 'undefined' && crossOriginIsolated === true;
  if (!isolated) return 1;
  return Math.max(1, Math.min(4, (typeof navigator !== 'undefined' && navigator.hardwareConcurrency) || 1));
}

function maxThreads() {
  // bgone-mt's pool holds min(hardwareConcurrency, 8) - 1 workers plus the calling thread.
  return Math.max(1, Math.min(8, (typeof navigator !== 'undefined' && navigator.hardwareConcurrency) || 4));
}

function normalize(options = {}) {
  if (options === null || typeof options !== 'object') throw new Error('bgone: options must be an object');
  const output = options.output ?? 'foreground';
  if (!OUTPUTS.includes(output)) throw new Error(`bgone: option output must be one of ${OUTPUTS.join(', ')}`);
  const format = options.format ?? 'image/png';
  if (!FORMATS.includes(format)) throw new Error(`bgone: option format must be one of ${FORMATS.join(', ')}`);
  const quality = options.quality;
  if (quality !== undefined && !(typeof quality === 'number' && quality >= 0 && quality <= 1)) {
    throw new Error('bgone: option quality must be a number from 0 to 1');
  }
  let threads = options.threads ?? defaultThreads();
  if (!Number.isInteger(threads) || threads < 1) throw new Error('bgone: option threads must be a positive integer');
  threads = Math.min(threads, maxThreads());
  const storage = options.storage ?? 'auto';
  if (!STORAGES.includes(storage)) throw new Error(`bgone: option storage must be one of ${STORAGES.join(', ')}`);
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  if (!(typeof maxPixels === 'number' && maxPixels > 0)) throw new Error('bgone: option maxPixels must be a positive number');
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') {
    throw new Error('bgone: option onProgress must be a function');
  }
  return {
    model: resolveModel(options.model, options.modelBaseUrl),
    output,
    format,
    quality,
    background: parseBackground(options.background),
    refine: flag(options.refine, 'refine'),
    decontaminate: flag(options.decontaminate, 'decontaminate'),
    threads,
    storage,
    maxPixels,
    wasmBaseUrl: options.wasmBaseUrl === undefined
      ? undefined : withSlash(new URL(String(options.wasmBaseUrl), baseHref()).href),
  };
}

const BITMAP_SOURCES = ['HTMLImageElement', 'HTMLCanvasElement', 'OffscreenCanvas', 'SVGImageElement',
  'HTMLVideoElement', 'VideoFrame'];

/** The input as a message part: {kind, value}. */
async function packInput(input) {
  if (typeof input === 'string' || input instanceof URL) {
    return { kind: 'url', value: new URL(String(input), baseHref()).href };
  }
  if (typeof Blob !== 'undefined' && input instanceof Blob) return { kind: 'blob', value: input };
  if (typeof ImageData !== 'undefined' && input instanceof ImageData) return { kind: 'imagedata', value: input };
  if (typeof ImageBitmap !== 'undefined' && input instanceof ImageBitmap) {
    if (!input.width || !input.height) throw new Error('bgone: the input ImageBitmap is empty or closed');
    return { kind: 'bitmap', value: input };
  }
  if (input instanceof ArrayBuffer || ArrayBuffer.isView(input)) {
    return { kind: 'blob', value: new Blob([input]) };
  }
  const ctor = input && input.constructor && input.constructor.name;
  if (BITMAP_SOURCES.includes(ctor)) {
    let bitmap;
    try {
      bitmap = await createImageBitmap(input);
    } catch (e) {
      throw new Error(`bgone: could not read the input ${ctor}: ${e && e.message}`);
    }
    return { kind: 'bitmap', value: bitmap, transfer: [bitmap] };
  }
  throw new Error('bgone: unsupported input: pass a Blob/File, ImageBitmap, ImageData, image element, or URL string');
}

/** The input as a message part, and the objects to transfer with the message. */
async function packForMessage(input) {
  const packed = await packInput(input);
  const transfer = packed.transfer || [];
  delete packed.transfer;
  return { packed, transfer };
}

/**
 * Removes the background of one image. See index.d.ts.
 */
export async function removeBackground(input, options = {}) {
  const opts = normalize(options);
  const { packed, transfer } = await packForMessage(input);
  if (opts.background && opts.background.kind === 'image') {
    let image;
    try {
      image = await packForMessage(opts.background.input);
    } catch (e) {
      throw new Error(`bgone: background image: ${e && e.message ? e.message.replace(/^bgone: /, '') : e}`);
    }
    transfer.push(...image.transfer);
    opts.background = { kind: 'image', image: image.packed };
  }
  return call('run', { input: packed, options: opts }, options.onProgress, transfer);
}

/**
 * Downloads (or loads from the local store) the model and starts the engine, so the first
 * removeBackground() call with the same model and threads starts at once. With ifStored: true,
 * only a model already in the local store is loaded; nothing is downloaded. See index.d.ts.
 */
export async function preload(options = {}) {
  const opts = normalize(options);
  return call('preload', { options: opts, ifStored: options.ifStored === true }, options.onProgress);
}

// --- passport and ID photos ----------------------------------------------------------------------

const PASSPORT_DPIS = [300, 254, 600];
const PASSPORT_FORMATS = ['image/jpeg', 'image/png'];
const PAPERS = ['4x6', '5x7', '10x15', 'a4'];
let specsPromise = null;

/**
 * The document rules the library knows (imaging/passport_specs.json, shipped beside index.js
 * as passport-specs.json): an array of specs, in the file's order.
 */
export function passportSpecs() {
  specsPromise ??= (async () => {
    const url = new URL('./passport-specs.json', import.meta.url).href;
    let res;
    try {
      res = await fetch(url, { credentials: 'same-origin' });
    } catch (e) {
      throw new Error(`bgone: could not load the document rules ${url}: ${e && e.message}`);
    }
    if (!res.ok) throw new Error(`bgone: could not load the document rules ${url}: HTTP ${res.status}`);
    const file = await res.json();
    if (!file || !Array.isArray(file.specs)) throw new Error(`bgone: ${url} holds no "specs" array`);
    return Object.freeze(file.specs.map((spec) => Object.freeze(spec)));
  })();
  specsPromise.catch(() => { specsPromise = null; });
  return specsPromise;
}

function range(value, name, { nullable = false } = {}) {
  if (value == null && nullable) return null;
  if (!Array.isArray(value) || value.length !== 2 || !value.every((v) => typeof v === 'number' && Number.isFinite(v) && v > 0) ||
      value[0] > value[1]) {
    throw new Error(`bgone: spec ${name} must be [min, max] in mm with 0 < min <= max${nullable ? ', or null' : ''}`);
  }
  return value;
}

/**
 * The layout numbers bgone_passport_compose takes (capi/bgone_c.h, BGONE_LAYOUT_VALUES), from a
 * spec in the form of passport_specs.json: the same arithmetic as the C++ LayoutForSpec.
 */
export function passportLayout(spec, dpi) {
  if (!spec || typeof spec !== 'object') throw new Error('bgone: spec must be a document id or a spec object');
  const size = range(spec.size_mm, 'size_mm');
  const head = range(spec.head_mm, 'head_mm');
  const eye = range(spec.eye_from_bottom_mm, 'eye_from_bottom_mm', { nullable: true });
  const crown = range(spec.crown_from_top_mm, 'crown_from_top_mm', { nullable: true });
  if (head[1] > size[1]) throw new Error('bgone: spec head_mm is taller than the photo');
  const hex = spec.background && spec.background.hex;
  if (typeof hex !== 'string' || !/^#[0-9a-fA-F]{6}$/.test(hex)) throw new Error('bgone: spec background.hex must be "#rrggbb"');
  const px = (mm) => Math.round(mm * dpi / 25.4);
  const width = px(size[0]);
  const height = px(size[1]);
  if (width < 16 || height < 16 || width > 20000 || height > 20000) {
    throw new Error(`bgone: the photo would be ${width}x${height} pixels at ${dpi} dpi (16-20000 allowed)`);
  }
  return [
    size[0], size[1], width, height, head[0], head[1],
    eye ? eye[0] : 0, eye ? eye[1] : 0, crown ? crown[0] : 0, crown ? crown[1] : 0,
    parseInt(hex.slice(1, 3), 16), parseInt(hex.slice(3, 5), 16), parseInt(hex.slice(5, 7), 16),
  ];
}

/**
 * A passport or ID photo of one person: face found, eyes levelled, head and eye line placed in
 * the document's ranges, its background colour behind, encoded with the print DPI; with the
 * compliance report and optionally a print sheet. See index.d.ts.
 */
export async function passportPhoto(input, options = {}) {
  if (options === null || typeof options !== 'object') throw new Error('bgone: options must be an object');
  const { spec: specOption, dpi: dpiOption, format: formatOption, quality, maxKB, sheet, ...common } = options;
  let spec = specOption;
  if (typeof spec === 'string') {
    const specs = await passportSpecs();
    spec = specs.find((s) => s.id === specOption.toLowerCase());
    if (!spec) throw new Error(`bgone: unknown document "${specOption}" (known: ${specs.map((s) => s.id).join(', ')})`);
  } else if (!spec || typeof spec !== 'object') {
    throw new Error('bgone: option spec is required: a document id such as "us" (see passportSpecs()) or a spec object');
  }
  const dpi = dpiOption ?? 300;
  if (!PASSPORT_DPIS.includes(dpi)) throw new Error(`bgone: option dpi must be one of ${PASSPORT_DPIS.join(', ')}`);
  const format = formatOption ?? 'image/jpeg';
  if (!PASSPORT_FORMATS.includes(format)) throw new Error(`bgone: option format must be one of ${PASSPORT_FORMATS.join(', ')}`);
  if (quality !== undefined && !(typeof quality === 'number' && quality >= 0.4 && quality <= 1)) {
    throw new Error('bgone: option quality must be a number from 0.4 to 1');
  }
  // The document's own upload limit applies unless maxKB says otherwise (0: none).
  const specKB = spec.digital && typeof spec.digital.max_kb === 'number' ? spec.digital.max_kb : 0;
  const kb = maxKB ?? specKB;
  if (!(Number.isInteger(kb) && (kb === 0 || (kb >= 10 && kb <= 100000)))) {
    throw new Error('bgone: option maxKB must be 0 (no limit) or a whole number from 10 to 100000');
  }
  if (sheet != null && !PAPERS.includes(String(sheet).toLowerCase())) {
    throw new Error(`bgone: option sheet must be one of ${PAPERS.join(', ')}`);
  }
  const layout = passportLayout(spec, dpi);
  const opts = normalize(common);
  const { packed, transfer } = await packForMessage(input);
  const job = {
    layout, dpi, format, quality, maxBytes: kb * 1024, sheet: sheet == null ? null : String(sheet).toLowerCase(),
    faceModels: {
      short: resolvePinned(FACE_MODELS.short, common.modelBaseUrl),
      full: resolvePinned(FACE_MODELS.full, common.modelBaseUrl),
    },
  };
  const result = await call('passport', { input: packed, options: opts, passport: job }, options.onProgress, transfer);
  return { ...result, spec };
}

/**
 * The faces in an image (BlazeFace, each refined on an upright crop around it), best first: for
 * framing guides, e.g. on camera frames. See index.d.ts.
 */
export async function detectFaces(input, options = {}) {
  if (options === null || typeof options !== 'object') throw new Error('bgone: options must be an object');
  const { faceModel = 'short', ...common } = options;
  if (!Object.hasOwn(FACE_MODELS, faceModel)) throw new Error('bgone: option faceModel must be "short" or "full"');
  const opts = normalize(common);
  const { packed, transfer } = await packForMessage(input);
  return call('faces', { input: packed, options: opts, faces: { faceModel: resolvePinned(FACE_MODELS[faceModel], common.modelBaseUrl) } },
    options.onProgress, transfer);
}

/** Stops the worker and frees the engine; pending calls reject. The next call starts afresh. */
export function dispose() {
  dropWorker();
  failAll(new Error('bgone: disposed'));
}
