// "Ready" time: from navigation start (performance.timeOrigin, i.e. performance.now() = 0) to a
// created segmenter, through the npm library's preload() with the model read from OPFS. The same
// page with a model that is not stored yet downloads and stores it (the priming visit).
const scriptStart = performance.now();
const params = new URLSearchParams(location.search);
const model = params.get('model');
const threads = Number(params.get('threads'));
const events = [];
try {
  const bgone = await import('/lib/index.js');
  const imported = performance.now();
  const res = await bgone.preload({
    model,
    threads,
    storage: 'opfs',
    modelBaseUrl: new URL('/models/', location.origin).href,
    wasmBaseUrl: new URL('/engine/', location.origin).href,
    onProgress: (p) => events.push({ stage: p.stage, fraction: p.fraction ?? null, t: performance.now() }),
  });
  const ready = performance.now();
  const load = events.find((e) => e.stage === 'load');
  // Afterwards, for the breakdown only: what reading the stored entry and hashing it cost here
  // (web/lib/src/store.js does both on every load, in its worker).
  let opfsReadMs = null;
  let sha256Ms = null;
  try {
    let dir = await navigator.storage.getDirectory();
    for (const part of ['bgone', 'models']) dir = await dir.getDirectoryHandle(part);
    const t0 = performance.now();
    const file = await (await dir.getFileHandle(`${bgone.MODELS[model].sha256}.onnx`)).getFile();
    const bytes = await file.arrayBuffer();
    const t1 = performance.now();
    await crypto.subtle.digest('SHA-256', bytes);
    opfsReadMs = t1 - t0;
    sha256Ms = performance.now() - t1;
  } catch (e) {
    console.warn(`ready: OPFS breakdown failed: ${e && e.message}`);
  }
  window.readyResult = {
    model, threads, flavor: res.flavor, engine_threads: res.threads,
    crossOriginIsolated: self.crossOriginIsolated === true,
    script_start_ms: scriptStart, lib_imported_ms: imported,
    load_event_ms: load ? load.t : null, ready_ms: ready,
    after_ready_opfs_read_ms: opfsReadMs, after_ready_sha256_ms: sha256Ms,
    downloaded: events.some((e) => e.stage === 'download'),
    worker_timings: res.timings || null,
  };
} catch (e) {
  window.readyResult = { error: String(e && e.message ? e.message : e) };
}
