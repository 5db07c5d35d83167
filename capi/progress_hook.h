// Internal to the C API and the WebAssembly build: a process-wide function that receives the
// inference progress of bgone_segmenter_run (fraction of the estimated work, increasing, about
// every 1%, ending at 1). The WebAssembly build installs one that calls the JavaScript function
// Module.bgoneProgress(fraction) when the library's worker has set it; natively none is set.
#pragma once

namespace bgone::capi {

using ProgressHook = void (*)(double fraction);

void SetProgressHook(ProgressHook hook);
ProgressHook GetProgressHook();

}  // namespace bgone::capi
