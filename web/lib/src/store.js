// Model download and the local model store. Runs inside bgone's worker.
//
// Store layout (documented in README.md, relied on by tests):
//   OPFS:          <root>/bgone/models/<sha256>.onnx
//   Cache Storage: cache "bgone-models-v1", key <origin>/__bgone__/models/<sha256>.onnx
// An entry is trusted only after its size and SHA-256 match the pinned values again on every
// load; a mismatching entry is deleted and the model is downloaded again. The hash of a stored
// entry is computed while the engine already parses the bytes (SubtleCrypto hashes off the
// worker's thread), and the caller throws away what it built if the hash then disagrees, so the
// check costs no time on the way to "ready". Writes go through createWritable(), which commits
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

/**
 * The bytes of an OPFS file. In a dedicated worker a synchronous access handle reads straight
 * into one buffer (several times faster than File.arrayBuffer() for tens of megabytes); another
 * tab holding the file open, or a context without sync handles, falls back to the File.
 */
async function readOpfsFile(dir, name, file) {
  let handle = null;
  try {
    const fileHandle = await dir.getFileHandle(name);
    if (typeof fileHandle.createSyncAccessHandle === 'function') {
      handle = await fileHandle.createSyncAccessHandle();
    }
  } catch {
    handle = null;
  }
  if (handle) {
    try {
      const size = handle.getSize();
      const bytes = new Uint8Array(size);
      let done = 0;
      while (done < size) {
        const n = handle.read(bytes.subarray(done), { at: done });
        if (n <= 0) break;
        done += n;
      }
      if (done === size) return bytes;
    } catch {
      // fall through to the File
    } finally {
      try { handle.close(); } catch { /* already closed */ }
    }
  }
  return new Uint8Array(await file.arrayBuffer());
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
      return { size: file.size, bytes: () => readOpfsFile(dir, name, file) };
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
 * {bytes, verified}: `verified` resolves to true when the SHA-256 matches, or deletes the entry,
 * logs and resolves to false (it never rejects).
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
  const verified = sha256Hex(bytes).then(
    (digest) => digest === spec.sha256,
    () => false,
  ).then(async (ok) => {
    if (!ok) {
      log(`bgone: stored model ${name} is corrupt (SHA-256 mismatch); downloading it again`);
      try { await store.remove(name); } catch { /* ignore */ }
    }
    return ok;
  });
  return { bytes, verified };
}

/** GETs spec.url into memory, reporting progress; checks size and SHA-256. */
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
  const total = spec.size;
  const bytes = new Uint8Array(total);
  let loaded = 0;
  let lastReport = 0;
  onProgress({ stage: 'download', loaded: 0, total, fraction: 0 });
  if (!res.body) throw new Error(`bgone: model download failed: ${spec.url}: empty response`);
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (loaded + value.length > total) {
      try { await reader.cancel(); } catch { /* ignore */ }
      throw new Error(`bgone: model hash mismatch: ${spec.url} is larger than the expected ${total} bytes`);
    }
    bytes.set(value, loaded);
    loaded += value.length;
    const now = Date.now();
    if (now - lastReport >= 100) {
      lastReport = now;
      onProgress({ stage: 'download', loaded, total, fraction: loaded / total });
    }
  }
  onProgress({ stage: 'download', loaded, total, fraction: loaded / total });
  if (loaded !== total) {
    throw new Error(`bgone: model download truncated: ${spec.url}: got ${loaded} of ${total} bytes`);
  }
  const digest = await sha256Hex(bytes);
  if (digest !== spec.sha256) {
    throw new Error(`bgone: model hash mismatch: ${spec.url}: SHA-256 ${digest}, expected ${spec.sha256}`);
  }
  return bytes;
}

/**
 * The bytes of the model spec = {url, sha256, size}: from the store when an entry of the right
 * size is there, else downloaded (size and SHA-256 checked) and then stored. Returns
 * {bytes, source: 'opfs'|'cache'|'network', verified: Promise<boolean>}: for a stored entry the
 * SHA-256 check is still running when this returns (use the bytes, then await `verified` before
 * trusting anything built from them; on false the entry is already deleted, so call again);
 * downloads are checked before they are returned. `options.skipStore` ignores a stored entry.
 */
export async function loadModelBytes(spec, storage, onProgress, log = console.warn, options = {}) {
  const store = await openStore(storage);
  if (store && !options.skipStore) {
    const entry = await readStored(store, spec, log);
    if (entry) return { bytes: entry.bytes, source: store.kind, verified: entry.verified };
  }
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
  return { bytes, source: 'network', verified: Promise.resolve(true) };
}
