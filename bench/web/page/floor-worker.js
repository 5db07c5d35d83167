// See floor.html. Reads <OPFS>/bgone/models/<sha256>.onnx the way web/lib's store does
// (File.arrayBuffer()) while compiling /engine/bgone-<flavor>.wasm (compileStreaming, as the
// Emscripten glue does), and posts the times as epoch milliseconds (the page converts them).
self.onmessage = async (e) => {
  const { sha256, flavor } = e.data;
  const epochNow = () => performance.timeOrigin + performance.now();
  try {
    const started = epochNow();
    const read = (async () => {
      let dir = await navigator.storage.getDirectory();
      for (const part of ['bgone', 'models']) dir = await dir.getDirectoryHandle(part);
      const file = await (await dir.getFileHandle(`${sha256}.onnx`)).getFile();
      const bytes = await file.arrayBuffer();
      return { at: epochNow(), size: bytes.byteLength };
    })();
    const compile = (async () => {
      await WebAssembly.compileStreaming(fetch(`/engine/bgone-${flavor}.wasm`));
      return { at: epochNow() };
    })();
    const [r, c] = await Promise.all([read, compile]);
    self.postMessage({ worker_started_abs: started, bytes_abs: r.at, compiled_abs: c.at, size: r.size });
  } catch (err) {
    self.postMessage({ error: String(err && err.message ? err.message : err) });
  }
};
