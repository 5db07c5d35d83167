// Model download and the local model store. Runs inside bgone's worker.
//
// Store layout (documented in README.md, relied on by tests):
//   OPFS:          <root>/bgone/models/<sha256>.onnx
//   Cache Storage: cache "bgone-models-v1", key <origin>/__bgone__/models/<sha256>.onnx
// An entry is trusted only after its size and SHA-256 match the pinned values again on every
// load; a mismatching entry is deleted and the model is downloaded again. The hash of a stored
// entry is computed in a second worker (hash-worker.js) while the engine already parses the
// bytes, and the caller throws away what it built if the hash then disagrees, so the check costs
// no time on the way to "ready". Writes go through createWritable(), which commits
// atomically on close(), so an interrupted write leaves no partial entry behind.

const OPFS_PATH = ['bgone', 'models'];
const CACHE_NAME = 'bgone-models-v1';

/** Lowercase hex SHA-256 of bytes (a non-shared Uint8Array). */
export async function sha256Hex(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  let hex = '';
  for (const b of digest) hex += b.toString(16).padStart(2, '0');
  return hex;
}

function entryName(spec) {
  return `${spec.sha256}.onnx`;
}

async function opfsDirectory() {
  if (typeof navigator === 'undefined' || !navigator.storage || !navigator.storage.getDirectory) {
    return null;
  }
  try {
    let dir = await navigator.storage.getDirectory();
    for (const part of OPFS_PATH) dir = await dir.getDirectoryHandle(part, { create: true });
    return dir;
  } catch {
    return null;  // e.g. private browsing modes that refuse OPFS
  }
}

/** A store over OPFS. */
function opfsStore(dir) {
  return {
    kind: 'opfs',
    async read(name) {
      let file;
      try {
        file = await (await dir.getFileHandle(name)).getFile();
      } catch {
        return null;
      }
      // File.arrayBuffer() reads off-thread; a sync access handle was slower here (76-98 ms
      // against 52-79 ms for 44 MB) and blocks the worker's thread.
      return { size: file.size, bytes: async () => new Uint8Array(await file.arrayBuffer()) };
    },
    async write(name, bytes) {
      const handle = await dir.getFileHandle(name, { create: true });
      const writable = await handle.createWritable();
      try {
        await writable.write(bytes);
        await writable.close();
      } catch (e) {
        try { await writable.abort(); } catch { /* already closed */ }
        throw e;
      }
    },
    async remove(name) {
      try { await dir.removeEntry(name); } catch { /* absent */ }
    },
  };
}

/** A store over Cache Storage, for browsers without OPFS. */
async function cacheStore() {
  if (typeof caches === 'undefined') return null;
  let cache;
  try {
    cache = await caches.open(CACHE_NAME);
  } catch {
    return null;
  }
  const key = (name) => new URL(`/__bgone__/models/${name}`, self.location.origin).href;
  return {
    kind: 'cache',
    async read(name) {
      const res = await cache.match(key(name));
      if (!res) return null;
      const size = Number(res.headers.get('content-length') ?? -1);
      return { size, bytes: async () => new Uint8Array(await res.arrayBuffer()) };
    },
    async write(name, bytes) {
      await cache.put(key(name), new Response(bytes, {
        headers: { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length) },
      }));
    },
    async remove(name) {
      await cache.delete(key(name));
    },
  };
}

/** Thrown by loadModelBytes(..., {storedOnly: true}) when the store has no usable entry. */
export class NotStoredError extends Error {
  constructor() {
    super('bgone: the model is not in the local store');
    this.name = 'NotStoredError';
  }
}

/** storage: 'auto' (OPFS, else Cache Storage), 'opfs', 'cache' or 'none'. */
export async function openStore(storage = 'auto') {
  if (storage === 'none') return null;
  if (storage === 'auto' || storage === 'opfs') {
    const dir = await opfsDirectory();
    if (dir) return opfsStore(dir);
    if (storage === 'opfs') return null;
  }
  return cacheStore();
}

/**
 * Reads spec's entry from the store and checks its size; a bad entry is deleted. Returns null or
 * {bytes, verify}: verify(bytes) resolves to true when the SHA-256 matches, or deletes the entry,
 * logs and resolves to false (it never rejects). Call it when the bytes are no longer needed:
 * it may transfer (detach) their buffer to the hashing worker.
 */
async function readStored(store, spec, log) {
  const name = entryName(spec);
  let entry;
  try {
    entry = await store.read(name);
  } catch (e) {
    log(`bgone: reading the stored model failed (${e && e.message}); downloading it again`);
    entry = null;
  }
  if (!entry) return null;
  if (entry.size !== -1 && entry.size !== spec.size) {
    log(`bgone: stored model ${name} has ${entry.size} bytes, expected ${spec.size}; downloading it again`);
    await store.remove(name);
    return null;
  }
  startHashWorker();  // starts while the entry is read, so it is ready when the bytes are
  let bytes;
  try {
    bytes = await entry.bytes();
  } catch {
    await store.remove(name);
    return null;
  }
  if (bytes.length !== spec.size) {
    log(`bgone: stored model ${name} has ${bytes.length} bytes, expected ${spec.size}; downloading it again`);
    await store.remove(name);
    return null;
  }
  const verify = async (b) => {
    let ok = false;
    try {
      let hex;
      try {
        hex = await sha256HexAside(b);
      } catch {
        // The hashing worker could not run (the bytes went to it): read the entry again, hash here.
        const again = await store.read(name);
        hex = again ? await sha256Hex(await again.bytes()) : '';
      }
      ok = hex === spec.sha256;
    } catch {
      ok = false;
    }
    if (!ok) {
      log(`bgone: stored model ${name} is corrupt (SHA-256 mismatch); downloading it again`);
      try { await store.remove(name); } catch { /* ignore */ }
    }
    return ok;
  };
  return { bytes, verify };
}

let hashWorker = null;
let hashSeq = 0;
const hashPending = new Map();

/**
 * SHA-256 of bytes in the hashing worker, transferring their buffer (the caller must not use
 * them afterwards); inline where workers cannot start workers.
 */
function startHashWorker() {
  if (hashWorker || typeof Worker !== 'function') return hashWorker;
  try {
    hashWorker = new Worker(new URL('./hash-worker.js', import.meta.url), { type: 'module' });
  } catch {
    return null;
  }
  hashWorker.onmessage = (event) => {
    const { id, hex, error } = event.data;
    const p = hashPending.get(id);
    hashPending.delete(id);
    if (!p) return;
    if (error) p.reject(new Error(error));
    else p.resolve(hex);
  };
  hashWorker.onerror = (event) => {
    event.preventDefault();
    const failed = [...hashPending.values()];
    hashPending.clear();
    hashWorker = null;
    for (const p of failed) p.reject(new Error('bgone: the hashing worker failed'));
  };
  return hashWorker;
}

function sha256HexAside(bytes) {
  if (!startHashWorker()) return sha256Hex(bytes);
  const id = ++hashSeq;
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  const buffer = whole ? bytes.buffer : bytes.slice().buffer;
  return new Promise((resolve, reject) => {
    hashPending.set(id, { resolve, reject });
    hashWorker.postMessage({ id, bytes: buffer }, [buffer]);
  });
}

const GZIP_MAGIC = [0x1f, 0x8b];

/**
 * A reader of `res`'s body, reporting the bytes that arrive as {stage: 'download', loaded, total,
 * fraction} at most every 100 ms, with its first bytes peeked: `head` holds at least two bytes
 * (unless the body is shorter) and is handed out again by read().
 */
async function countingBody(res, total, onProgress) {
  const reader = res.body.getReader();
  let loaded = 0;
  let lastReport = 0;
  const report = (final) => {
    const now = Date.now();
    if (!final && now - lastReport < 100) return;
    lastReport = now;
    const t = Math.max(total, loaded);
    onProgress({ stage: 'download', loaded, total: final ? loaded : t, fraction: final ? 1 : loaded / t });
  };
  const pull = async () => {
    const r = await reader.read();
    if (!r.done) {
      loaded += r.value.length;
      report(false);
    }
    return r;
  };
  const queued = [];
  let head = new Uint8Array(0);
  while (head.length < 2) {
    const r = await pull();
    if (r.done) break;
    queued.push(r.value);
    const h = new Uint8Array(head.length + r.value.length);
    h.set(head);
    h.set(r.value, head.length);
    head = h.subarray(0, Math.min(h.length, 16));
  }
  return {
    head,
    read: () => (queued.length ? Promise.resolve({ done: false, value: queued.shift() }) : pull()),
    cancel: () => reader.cancel().catch(() => {}),
    finish: () => report(true),
    setTotal: (t) => { total = t; },
  };
}

/**
 * GETs spec.url into memory, reporting progress in bytes over the network; inflates a gzipped
 * model (spec.encoding 'gzip') with DecompressionStream; checks size and SHA-256 of the result.
 * A server that already removed the gzip layer (Content-Encoding: gzip on a .gz file) is
 * recognised by the missing gzip header and its bytes are used as they are.
 */
async function download(spec, onProgress) {
  let res;
  try {
    res = await fetch(spec.url, { method: 'GET', credentials: 'same-origin', cache: 'no-store' });
  } catch (e) {
    throw new Error(`bgone: model download failed: ${spec.url}: ${e && e.message ? e.message : e}`);
  }
  if (!res.ok) {
    throw new Error(`bgone: model download failed: ${spec.url}: HTTP ${res.status} ${res.statusText}`.trim());
  }
  if (!res.body) throw new Error(`bgone: model download failed: ${spec.url}: empty response`);
  const size = spec.size;
  const gzipped = spec.encoding === 'gzip';
  // Bytes expected over the network: the response's length when it is the file itself (no
  // content coding on top), else the pinned gzip size, else the model's size.
  const length = Number(res.headers.get('content-length'));
  const coded = (res.headers.get('content-encoding') || 'identity') !== 'identity';
  const total = !coded && Number.isSafeInteger(length) && length > 0 ? length : (gzipped ? spec.download || size : size);
  onProgress({ stage: 'download', loaded: 0, total, fraction: 0 });
  const body = await countingBody(res, total, onProgress);
  const inflate = gzipped && body.head.length >= 2 && body.head[0] === GZIP_MAGIC[0] && body.head[1] === GZIP_MAGIC[1];
  let source = body;
  if (gzipped && !inflate) body.setTotal(size);  // the server inflated it already
  if (inflate) {
    if (typeof DecompressionStream !== 'function') {
      await body.cancel();
      throw new Error(`bgone: model download failed: ${spec.url} is gzipped and this browser has no DecompressionStream`);
    }
    const compressed = new ReadableStream({
      async pull(controller) {
        try {
          const { done, value } = await body.read();
          if (done) controller.close();
          else controller.enqueue(value);
        } catch (e) {
          controller.error(e);
        }
      },
      cancel: () => body.cancel(),
    });
    source = compressed.pipeThrough(new DecompressionStream('gzip')).getReader();
  }
  const bytes = new Uint8Array(size);
  let filled = 0;
  try {
    for (;;) {
      const { done, value } = await source.read();
      if (done) break;
      if (filled + value.length > size) {
        try { await source.cancel(); } catch { /* ignore */ }
        throw new Error(`bgone: model hash mismatch: ${spec.url} is larger than the expected ${size} bytes${inflate ? ' once inflated' : ''}`);
      }
      bytes.set(value, filled);
      filled += value.length;
    }
  } catch (e) {
    if (e && /^bgone: /.test(e.message)) throw e;
    const why = inflate ? `its gzip data is corrupt or cut short (${e && e.message ? e.message : e})`
      : (e && e.message ? e.message : String(e));
    throw new Error(`bgone: model download failed: ${spec.url}: ${why}`);
  }
  body.finish();
  if (filled !== size) {
    throw new Error(`bgone: model download truncated: ${spec.url}: got ${filled} of ${size} bytes${inflate ? ' once inflated' : ''}`);
  }
  const digest = await sha256Hex(bytes);
  if (digest !== spec.sha256) {
    throw new Error(`bgone: model hash mismatch: ${spec.url}: SHA-256 ${digest}, expected ${spec.sha256}`);
  }
  return bytes;
}

/**
 * The bytes of the model spec = {url, sha256, size, encoding?, download?}: from the store when an entry of the right
 * size is there, else downloaded (size and SHA-256 checked) and then stored. Returns
 * {bytes, source: 'opfs'|'cache'|'network', verify}: `verify()` resolves to true or false and
 * must be called once the bytes have been used (it may detach them); for a stored entry it runs
 * the SHA-256 check (in a second worker) and deletes the entry on a mismatch, so build from the
 * bytes, call verify(), and trust what was built only on true (else call again: the entry is
 * gone). Downloads are checked before they are returned. `options.skipStore` ignores the store.
 */
export async function loadModelBytes(spec, storage, onProgress, log = console.warn, options = {}) {
  const store = await openStore(storage);
  if (store && !options.skipStore) {
    const entry = await readStored(store, spec, log);
    if (entry) return { bytes: entry.bytes, source: store.kind, verify: () => entry.verify(entry.bytes) };
  }
  if (options.storedOnly) throw new NotStoredError();
  const bytes = await download(spec, onProgress);
  if (store) {
    try {
      await store.write(entryName(spec), bytes);
    } catch (e) {
      // Out of quota, for example: the model still works for this session.
      log(`bgone: could not store the model (${e && e.message}); it will be downloaded again next time`);
      try { await store.remove(entryName(spec)); } catch { /* ignore */ }
    }
  }
  return { bytes, source: 'network', verify: async () => true };
}
