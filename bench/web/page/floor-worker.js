// See floor.html. Reads <OPFS>/bgone/models/<sha256>.onnx the way web/lib's store does
// (File.arrayBuffer()) while compiling /engine/bgone-<flavor>.wasm (compileStreaming, as the
// Emscripten glue does), and posts the times as epoch milliseconds (the page converts them).
// With heapBytes > 0 it then also does the least any engine must do with those bytes: copy them
// into a WebAssembly memory and grow that memory to heapBytes (the engine's heap once its
// segmenter exists), touching every fresh 4 KiB page once, as prepared weights would.
self.onmessage = async (e) => {
  const { sha256, flavor, heapBytes } = e.data;
  const epochNow = () => performance.timeOrigin + performance.now();
  try {
    const started = epochNow();
    const read = (async () => {
      let dir = await navigator.storage.getDirectory();
      for (const part of ['bgone', 'models']) dir = await dir.getDirectoryHandle(part);
      const file = await (await dir.getFileHandle(`${sha256}.onnx`)).getFile();
      const bytes = await file.arrayBuffer();
      const at = epochNow();
      let heapAt = null;
      if (heapBytes > 0) {
        const page = 65536;
        const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes.byteLength / page) + 1, maximum: 65536 });
        new Uint8Array(memory.buffer).set(new Uint8Array(bytes));
        const used = memory.buffer.byteLength;
        if (heapBytes > used) memory.grow(Math.ceil((heapBytes - used) / page));
        const heap = new Uint8Array(memory.buffer);
        for (let i = used; i < heap.length; i += 4096) heap[i] = 1;
        heapAt = epochNow();
      }
      return { at, heapAt, size: bytes.byteLength };
    })();
    const compile = (async () => {
      await WebAssembly.compileStreaming(fetch(`/engine/bgone-${flavor}.wasm`));
      return { at: epochNow() };
    })();
    const [r, c] = await Promise.all([read, compile]);
    self.postMessage({
      worker_started_abs: started, bytes_abs: r.at, heap_abs: r.heapAt, compiled_abs: c.at,
      size: r.size, heap_bytes: heapBytes || 0,
    });
  } catch (err) {
    self.postMessage({ error: String(err && err.message ? err.message : err) });
  }
};
