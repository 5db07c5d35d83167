// Extra exports of the WebAssembly builds (the C API itself lives in capi/).
#include <emscripten/emscripten.h>

extern "C" {

// 1 when this build can run a thread pool (bgone-mt, -pthread), 0 for bgone-st, where
// bgone_segmenter_create runs everything on the calling thread whatever `threads` says.
EMSCRIPTEN_KEEPALIVE int bgone_wasm_threaded(void) {
#ifdef __EMSCRIPTEN_PTHREADS__
  return 1;
#else
  return 0;
#endif
}

}  // extern "C"
