// Vectorisable float32 elementwise primitives, shared by the op kernels and available to fused
// kernels elsewhere in the engine.
#pragma once

#include <cstdint>

namespace bgone::kernels {

// y[i] = 1 / (1 + exp(-x[i])), ~2 ulp; NaN propagates. x and y may alias.
void SigmoidF32(const float* x, float* y, int64_t n);
// y[i] = max(x[i], 0). x and y may alias.
void ReluF32(const float* x, float* y, int64_t n);

}  // namespace bgone::kernels
