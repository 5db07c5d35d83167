// Page side of the browser benchmark: runs each engine job in a fresh dedicated module worker
// (engine-worker.js), asks the browser for its memory estimate while that worker is still alive,
// then terminates it, so one job's heap never overlaps the next.

const masks = new Map();  // `${engine}|${model}` -> Uint8Array (first mask of that engine and model)

function meanMaxDiff(a, b) {
  if (!a || !b || a.length !== b.length) return null;
  let sum = 0;
  let max = 0;
  let over1 = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    sum += d;
    if (d > max) max = d;
    if (d > 1) over1++;
  }
  return { mean: sum / a.length, max, pixels_over_1: over1 };
}

async function uaMemory() {
  if (!self.crossOriginIsolated || typeof performance.measureUserAgentSpecificMemory !== 'function') {
    return { available: false };
  }
  const t0 = performance.now();
  try {
    const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('timed out after 30 s')), 30000));
    const m = await Promise.race([performance.measureUserAgentSpecificMemory(), timeout]);
    let workers = 0;
    for (const b of m.breakdown) {
      if (b.attribution.some((a) => a.scope === 'DedicatedWorkerGlobalScope')) workers += b.bytes;
    }
    return { available: true, bytes: m.bytes, worker_bytes: workers, took_ms: performance.now() - t0 };
  } catch (e) {
    return { available: true, error: String(e && e.message ? e.message : e) };
  }
}

window.benchRun = (job) => new Promise((resolve) => {
  const w = new Worker(new URL('./engine-worker.js', import.meta.url), { type: 'module', name: `${job.engine}-${job.model}-t${job.threads}` });
  const finish = (result) => { w.terminate(); resolve(result); };
  w.onmessage = async (event) => {
    const msg = event.data;
    if (msg.type === 'log') { console.log(`[${job.engine} ${job.model} t${job.threads}] ${msg.text}`); return; }
    if (msg.type === 'error') { finish({ error: msg.message }); return; }
    const result = msg.result;
    result.ua_memory = job.measureMemory ? await uaMemory() : { skipped: true };
    const mask = result.mask;
    delete result.mask;
    if (mask) {
      const key = `${job.engine}|${job.model}`;
      if (!masks.has(key)) masks.set(key, mask);
      result.mask_foreground_fraction = mask.reduce((s, v) => s + (v >= 128 ? 1 : 0), 0) / mask.length;
      const other = masks.get(`${job.engine === 'bgone' ? 'ort' : 'bgone'}|${job.model}`);
      if (other) result.mask_diff_vs_other = meanMaxDiff(mask, other);
    }
    finish(result);
  };
  w.onerror = (e) => { e.preventDefault(); finish({ error: `worker error: ${e.message || 'failed to load'}` }); };
  w.postMessage(job);
});

window.benchInfo = () => ({
  userAgent: navigator.userAgent,
  hardwareConcurrency: navigator.hardwareConcurrency,
  crossOriginIsolated: self.crossOriginIsolated === true,
  sharedArrayBuffer: typeof SharedArrayBuffer === 'function',
  measureUserAgentSpecificMemory: typeof performance.measureUserAgentSpecificMemory === 'function',
});
window.benchPageReady = true;
