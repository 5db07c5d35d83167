// One benchmark job in a dedicated module worker: {engine: 'bgone'|'ort', model, modelUrl,
// threads, repeat, warmup, inputUrl}. Replies {type: 'log'|'done'|'error'}.
//
// Input: /input/astronaut.bin, IS-Net's float32 NCHW tensor [1,3,1024,1024] made by
// bench/make_input.py ((x - 128) / 256 of the OpenCV-resized sample). Each value times 256 plus 128
// is an integer 0..255, so the tensor turns back into the exact 1024x1024 RGBA bytes it came from:
// bgone gets those bytes (its own preprocessing rebuilds the same tensor; 1024x1024 means no
// resize), ORT-web gets the tensor itself.

const log = (text) => self.postMessage({ type: 'log', text });
const now = () => performance.now();
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};

async function fetchBytes(url) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

async function loadInput(url) {
  const bytes = await fetchBytes(url);
  const plane = 1024 * 1024;
  if (bytes.length !== 3 * plane * 4) throw new Error(`${url}: ${bytes.length} bytes, expected ${3 * plane * 4}`);
  const tensor = new Float32Array(bytes.buffer, bytes.byteOffset, 3 * plane);
  const rgba = new Uint8Array(plane * 4);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) {
      const v = tensor[c * plane + i] * 256 + 128;
      if (!Number.isInteger(v) || v < 0 || v > 255) throw new Error(`${url}: value ${tensor[c * plane + i]} is not (x - 128) / 256 of a byte`);
      rgba[4 * i + c] = v;
    }
    rgba[4 * i + 3] = 255;
  }
  return { tensor, rgba };
}

async function runBgone(job) {
  const flavor = job.threads > 1 ? 'mt' : 'st';
  if (flavor === 'mt' && !self.crossOriginIsolated) throw new Error('bgone-mt needs a cross-origin isolated page');
  const base = new URL('/engine/', self.location.origin);
  const scriptUrl = new URL(`bgone-${flavor}.js`, base).href;
  const { tensor, rgba } = await loadInput(job.inputUrl);
  void tensor;
  let t = now();
  const factory = (await import(scriptUrl)).default;
  const M = await factory({
    locateFile: (name) => new URL(name, base).href,
    mainScriptUrlOrBlob: scriptUrl,
    print: () => {},
    printErr: (text) => log(text),
  });
  const moduleMs = now() - t;
  const heapStart = M.HEAPU8.buffer.byteLength;
  const model = await fetchBytes(job.modelUrl);
  const check = (status, what) => {
    if (status !== 0) throw new Error(`${what}: status ${status}: ${M.UTF8ToString(M._bgone_last_error())}`);
  };
  const malloc = (n) => {
    const p = M._malloc(n) >>> 0;
    if (!p) throw new Error(`malloc(${n}) failed`);
    return p;
  };
  const modelPtr = malloc(model.length);
  const outPtr = malloc(4);
  M.HEAPU8.set(model, modelPtr);
  t = now();
  // The engine takes the model buffer over (weights are views of it) and frees it itself.
  check(M._bgone_segmenter_create_owned(modelPtr, model.length, job.threads, outPtr), 'create');
  const createMs = now() - t;
  const handle = M.HEAPU32[outPtr >>> 2];
  M._free(outPtr);
  const heapAfterCreate = M.HEAPU8.buffer.byteLength;
  log(`bgone-${flavor} ${M.UTF8ToString(M._bgone_version())}: module ${moduleMs.toFixed(0)} ms, create ${createMs.toFixed(0)} ms`);

  const pixels = 1024 * 1024;
  const rgbaPtr = malloc(pixels * 4);
  const maskPtr = malloc(pixels);
  M.HEAPU8.set(rgba, rgbaPtr);
  const runs = [];
  const warmups = [];
  for (let i = 0; i < job.warmup + job.repeat; i++) {
    t = now();
    check(M._bgone_segmenter_run(handle, rgbaPtr, 1024, 1024, maskPtr), 'run');
    const ms = now() - t;
    (i < job.warmup ? warmups : runs).push(ms);
    log(`bgone-${flavor} run ${i + 1}: ${ms.toFixed(0)} ms${i < job.warmup ? ' (warm-up)' : ''}`);
  }
  const mask = M.HEAPU8.slice(maskPtr, maskPtr + pixels);
  const heapAfterRun = M.HEAPU8.buffer.byteLength;
  self.__keep = M;  // stays alive (heap and all) until the page terminates this worker
  return {
    engine: 'bgone', flavor: `bgone-${flavor}`, version: M.UTF8ToString(M._bgone_version()),
    threaded_build: M._bgone_wasm_threaded() === 1, threads: job.threads,
    module_ms: moduleMs, create_ms: createMs, warmup_ms: warmups, runs_ms: runs, median_ms: median(runs),
    heap_start_bytes: heapStart, heap_after_create_bytes: heapAfterCreate, heap_after_run_bytes: heapAfterRun,
    timed: '_bgone_segmenter_run on 1024x1024 RGBA: preprocessing ((x-128)/256 to NCHW float32), inference of "output", mask to bytes',
    mask,
  };
}

async function runOrt(job) {
  // Record ORT-web's wasm memory: its threaded Emscripten build creates the memory in JS.
  const memories = [];
  const OrigMemory = WebAssembly.Memory;
  const HookedMemory = function Memory(desc) {
    const m = new OrigMemory(desc);
    memories.push(m);
    return m;
  };
  HookedMemory.prototype = OrigMemory.prototype;
  WebAssembly.Memory = HookedMemory;
  for (const name of ['instantiate', 'instantiateStreaming']) {
    const orig = WebAssembly[name];
    WebAssembly[name] = async (...args) => {
      const r = await orig.apply(WebAssembly, args);
      const inst = r.instance || r;
      for (const v of Object.values(inst.exports || {})) if (v instanceof OrigMemory) memories.push(v);
      return r;
    };
  }
  const heapBytes = () => Math.max(0, ...memories.map((m) => m.buffer.byteLength));

  const { tensor } = await loadInput(job.inputUrl);
  let t = now();
  const ort = await import(new URL('/ort/ort.wasm.min.mjs', self.location.origin).href);
  ort.env.wasm.wasmPaths = new URL('/ort/', self.location.origin).href;
  ort.env.wasm.numThreads = job.threads;
  ort.env.wasm.proxy = false;
  ort.env.logLevel = 'error';
  const model = await fetchBytes(job.modelUrl);
  const importMs = now() - t;
  t = now();
  const session = await ort.InferenceSession.create(model, {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
  });
  const createMs = now() - t;
  const heapAfterCreate = heapBytes();
  log(`onnxruntime-web ${ort.env.versions?.web ?? '?'}: create ${createMs.toFixed(0)} ms, inputs ${session.inputNames}, outputs ${session.outputNames.length}`);
  const input = new ort.Tensor('float32', tensor, [1, 3, 1024, 1024]);
  const feeds = { [session.inputNames[0]]: input };
  const fetches = session.outputNames.includes('output') ? ['output'] : [session.outputNames[0]];
  const runs = [];
  const warmups = [];
  let mask = null;
  for (let i = 0; i < job.warmup + job.repeat; i++) {
    t = now();
    const out = await session.run(feeds, fetches);
    const ms = now() - t;
    (i < job.warmup ? warmups : runs).push(ms);
    log(`onnxruntime-web run ${i + 1}: ${ms.toFixed(0)} ms${i < job.warmup ? ' (warm-up)' : ''}`);
    const y = out[fetches[0]];
    if (!mask) {
      // Same conversion as bgone (imaging/isnet.cc MaskValue): y * 255, ties to even, clamped.
      const scaled = new Float64Array(y.data.length);
      for (let k = 0; k < scaled.length; k++) scaled[k] = y.data[k] * 255;
      mask = new Uint8Array(new Uint8ClampedArray(scaled).buffer);
    }
    y.dispose?.();
  }
  const heapAfterRun = heapBytes();
  self.__keep = session;
  return {
    engine: 'ort', flavor: 'onnxruntime-web wasm', version: ort.env.versions?.web ?? null,
    threads: job.threads, ort_num_threads: ort.env.wasm.numThreads,
    module_ms: importMs, create_ms: createMs, warmup_ms: warmups, runs_ms: runs, median_ms: median(runs),
    heap_after_create_bytes: heapAfterCreate, heap_after_run_bytes: heapAfterRun,
    wasm_memories: memories.length,
    timed: `InferenceSession.run fetching ["${fetches[0]}"] from the float32 tensor`,
    mask,
  };
}

self.onmessage = async (event) => {
  const job = event.data;
  try {
    const result = job.engine === 'bgone' ? await runBgone(job) : await runOrt(job);
    self.postMessage({ type: 'done', result }, result.mask ? [result.mask.buffer] : []);
  } catch (e) {
    self.postMessage({ type: 'error', message: e && e.stack ? String(e.stack) : String(e) });
  }
};
