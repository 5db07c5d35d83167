// SHA-256 off the library worker's thread: Chromium computes crypto.subtle.digest synchronously
// on the calling thread (about 50 ms for 44 MB here), so the library worker hands a stored
// model's bytes (transferred, not copied) to this worker and parses them meanwhile.
//
// Message in: {id, bytes: ArrayBuffer}; message out: {id, hex} or {id, error}.
self.onmessage = async (event) => {
  const { id, bytes } = event.data;
  try {
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
    let hex = '';
    for (const b of digest) hex += b.toString(16).padStart(2, '0');
    self.postMessage({ id, hex });
  } catch (e) {
    self.postMessage({ id, error: String(e && e.message ? e.message : e) });
  }
};
