// Register-blocked GEMM micro-kernels behind PackedConvF32/PackedConvInteger. Internal.
//
// f32: c[o][j] = sum_k w[k*mr + o] * b[koff[k] + j]                 for o < mr, j < nr
// i16: c[o][j] = sum_p sum_h w[(p*mr + o)*2 + h] * b[koff[p] + j*2 + h]   (int32, wrapping)
// u8: c[o][j] = sum_q sum_h w[(q*mr + o)*4 + h] * b[koff[q] + j*4 + h]   (uint8 b, int8 w; int32,
//     wrapping; x86 AVX512-VNNI only, see PackedConvInteger for the zero-point correction)
// c is mr x nr, row-major. `koff` gives each depth step's row of b: k * ldb for an im2col buffer,
// or the offset of the kernel tap in a zero-padded input (implicit GEMM, stride-1 convolutions). Each output is a fixed-order sum over k, independent of where the tile
// sits in the image, which keeps results independent of blocking and threading.
#pragma once

#include <cstdint>

#include "engine/kernels/conv.h"

namespace bgone::kernels::conv_internal {

using GemmF32Fn = void (*)(int64_t k, const float* w, const float* b, const int64_t* koff, float* c);
using GemmI16Fn = void (*)(int64_t kp, const int16_t* w, const int16_t* b, const int64_t* koff,
                           int32_t* c);
// The u8 kernel also adds row_a[o] * col_s[j] + row_k[o] (wrapping) to each sum before storing.
using GemmU8Fn = void (*)(int64_t kq, const int8_t* w, const uint8_t* b, const int64_t* koff,
                          const int32_t* row_a, const int32_t* row_k, const int32_t* col_s,
                          int32_t* c);

struct MicroKernels {
  int f32_mr = 0, f32_nr = 0;
  GemmF32Fn f32 = nullptr;
  int i16_mr = 0, i16_nr = 0;
  GemmI16Fn i16 = nullptr;
  int u8_mr = 0, u8_nr = 0;
  GemmU8Fn u8 = nullptr;  // null where the CPU lacks a u8 x s8 dot product
};

// kAuto resolves to the best available; an unavailable request falls back to kGeneric.
ConvIsa ResolveIsa(ConvIsa requested);
// `isa` must be resolved (available and not kAuto).
MicroKernels GetMicroKernels(ConvIsa isa);

}  // namespace bgone::kernels::conv_internal
