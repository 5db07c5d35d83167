// Vectorised inner loops of Resize (Highway: dynamic dispatch natively, HWY_WASM in the browser).
#pragma once

#include <cstdint>

namespace bgone::kernels {

// The interior of one output row of a bilinear upsampling by exactly two along x: for every input
// column i in [i0, i1) (requires 1 <= i0, i1 <= input width - 1) writes
//   dst[o] = dx2[o] * dy2 * r1[a1] + dx1[o] * dy2 * r1[a2] + dx2[o] * dy1 * r2[a1] + dx1[o] * dy1 * r2[a2]
// for o = 2i with (a1, a2) = (i - 1, i) and o = 2i + 1 with (a1, a2) = (i, i + 1), multiplying
// and adding in exactly that order with no fused multiply-add, so every target gives the
// same bits as that scalar expression.
void Bilinear2xRowInterior(const float* r1, const float* r2, float dy1, float dy2, const float* dx1,
                           const float* dx2, int64_t i0, int64_t i1, float* dst);

}  // namespace bgone::kernels
