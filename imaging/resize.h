// Deterministic bilinear resampling.
//
// Exact definition (per channel, no antialiasing, half-pixel centres, edge clamping):
//   sx = clamp((x + 0.5) * src_w / dst_w - 0.5, 0, src_w - 1)     (same for sy with heights)
//   x0 = floor(sx), x1 = min(x0 + 1, src_w - 1), fx = sx - x0      (same for y0, y1, fy)
//   v  = (1-fy) * ((1-fx) * P[y0][x0] + fx * P[y0][x1]) + fy * ((1-fx) * P[y1][x0] + fx *
//   P[y1][x1]) out = floor(v + 0.5)
// The evaluation is exact: sx is the rational ((2x+1) * src_w - dst_w) / (2 * dst_w), so all
// weights are integers over 2 * dst_w (resp. 2 * dst_h) and v is computed as an int64 fraction.
// Results are therefore identical on every platform and compiler (native, WebAssembly), with
// ties rounded up. Resizing to the same size is the identity.
#pragma once

#include "engine/common/status.h"
#include "engine/runtime/thread_pool.h"
#include "imaging/image.h"

namespace bgone::imaging {

// Resizes any pixel format (all channels, alpha included, are interpolated independently).
// `pool` may be null (single-threaded); rows are split statically so the result never depends
// on the thread count.
StatusOr<Image> ResizeBilinear(const Image& src, int width, int height, ThreadPool* pool = nullptr);

}  // namespace bgone::imaging
