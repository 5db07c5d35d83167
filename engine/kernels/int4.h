// Unpacking 4-bit tensors (ONNX INT4 / UINT4: two values per byte, low nibble first) to one byte
// per value. Highway: dynamic dispatch natively, HWY_WASM in the browser.
#pragma once

#include <cstdint>

namespace bgone::kernels {

// dst[i] = the i-th nibble of src (i < n), sign-extended to int8 when is_signed (two's
// complement: 0x8..0xF are -8..-1), else zero-extended to uint8. src holds (n + 1) / 2 bytes.
void UnpackInt4(const uint8_t* src, uint64_t n, bool is_signed, uint8_t* dst);

// The same, one value at a time: the reference the tests compare with.
void UnpackInt4Scalar(const uint8_t* src, uint64_t n, bool is_signed, uint8_t* dst);

}  // namespace bgone::kernels
