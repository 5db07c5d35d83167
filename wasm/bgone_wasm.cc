// Extra exports of the WebAssembly builds (the C API itself lives in capi/).
#include <emscripten/emscripten.h>

#include "capi/progress_hook.h"

// Inference progress to JavaScript: the library's worker sets Module.bgoneProgress around
// bgone_segmenter_run (web/lib/src/worker.js). Runs on the calling thread, never on pool threads.
EM_JS(void, bgone_js_progress, (double fraction), {
  if (Module["bgoneProgress"]) Module["bgoneProgress"](fraction);
});

namespace {
struct InstallProgressHook {
  InstallProgressHook() { bgone::capi::SetProgressHook(&bgone_js_progress); }
} install_progress_hook;
}  // namespace

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
