// See floor.html (a separate file: the pages' Content-Security-Policy allows no inline script).
window.floorStart = performance.now();
const params = new URLSearchParams(location.search);
const w = new Worker('./floor-worker.js');
w.onmessage = (e) => {
  const d = e.data;
  const rel = (abs) => abs - performance.timeOrigin;  // epoch ms -> ms after navigation start
  window.floorResult = d.error ? d : {
    script_start_ms: window.floorStart, worker_started_ms: rel(d.worker_started_abs),
    bytes_ms: rel(d.bytes_abs), heap_ms: d.heap_abs == null ? null : rel(d.heap_abs),
    compiled_ms: rel(d.compiled_abs), size: d.size, heap_bytes: d.heap_bytes,
    done_ms: performance.now(),
  };
};
w.onerror = (e) => { window.floorResult = { error: String(e.message || e) }; };
w.postMessage({
  sha256: params.get('sha256'), flavor: params.get('flavor') || 'st',
  heapBytes: Number(params.get('heap_bytes') || 0),
});
