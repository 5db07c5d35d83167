// Dynamic 8-bit quantisation primitives (DynamicQuantizeLinear), following ONNX Runtime:
// scale = (max(0, max) - min(0, min)) / 255 (1 when that range is empty),
// zero_point = round_half_even(clamp(0 - min(0, min) / scale, 0, 255)),
// y = clamp(round_half_even(x / scale) + zero_point, 0, 255).
#pragma once

#include <cstdint>

namespace bgone::kernels {

// Minimum and maximum of x[0..n); n == 0 gives 0, 0.
void MinMaxF32(const float* x, int64_t n, float* min_out, float* max_out);
void DynamicQuantParams(float min_value, float max_value, float* scale, uint8_t* zero_point);
void QuantizeLinearU8(const float* x, int64_t n, float scale, uint8_t zero_point, uint8_t* y);

}  // namespace bgone::kernels
