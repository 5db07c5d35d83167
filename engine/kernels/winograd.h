// Winograd F(4x4, 3x3) convolution for float32: 3x3 kernels, stride 1, one group, any dilation and
// any pads, with the bias + ReLU epilogue fused.
//
// Scheme (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2015):
//  - A dilation-(dh, dw) convolution is an ordinary 3x3 convolution on each of the dh*dw
//    interleaved sub-grids of the output (rows oy = ry + dh*k, columns ox = rx + dw*k), so a tile
//    is 4x4 outputs of one sub-grid and reads the 6x6 input points at stride (dh, dw). Tiles of all
//    sub-grids share one numbering; blocks of tiles are SIMD lanes whatever the sub-grid.
//  - Per block of tiles (sized for L2): input tiles -> V[36][C][tiles] (B^T d B), 36 GEMMs
//    M[e] = U[e] V[e] with register-blocked Highway micro-kernels, then A^T M A + bias, ReLU.
//  - Weights are transformed (U = G g G^T, 4x the raw size) at each run into scratch, in chunks of
//    output channels of at most kWinogradWeightChunkBytes, so layers hold only their raw weights;
//    the scratch is one buffer per calling thread, kept between calls (at most 32 MB), and each
//    pool thread allocates its block buffers (V, M: ~0.5 MB, up to ~5 MB for 1024 channels) per
//    call.
//  - Highway: dynamic dispatch natively (AVX2, AVX-512 and a portable fallback), static HWY_WASM in
//    WebAssembly. Every output is computed by the same operations whatever the thread count and
//    blocking, so results are bit-identical for any pool.
// Thread-safety: no shared state (the weight scratch is thread_local); concurrent calls are fine.
#pragma once

#include <cstdint>

#include "engine/common/status.h"
#include "engine/kernels/conv.h"
#include "engine/runtime/thread_pool.h"

namespace bgone::kernels {

// Upper bound of the transformed-weight scratch (larger layers run in several passes over the
// input, one per chunk of output channels). 16 MB cost IS-Net's 1024-channel layers 12-15%.
inline constexpr int64_t kWinogradWeightChunkBytes = int64_t{32} << 20;

// 3x3, stride 1, one group (any dilation, pads and channel counts).
bool WinogradSupports(const ConvShape& s);

// Whether Winograd is expected to beat PackedConvF32's direct path on this shape (a heuristic
// measured on IS-Net's layers; see docs/BENCHMARKS.md).
bool WinogradPreferred(const ConvShape& s);

// Raw 3x3 weights as the Winograd path reads them: element (oc, c, tap = ky * 3 + kx) is at
// data[(oc / mr) * in_c * 9 * mr + (c * 9 + tap) * mr + oc % mr], with the last block zero-padded
// to mr output channels. mr = 1 is ONNX's [out_c][in_c][3][3]; larger mr are PackedConvF32's panels
// (the transform is fastest when mr equals the micro-kernel's, which is the case for panels packed
// for the same ConvIsa).
// Instead of `data`, `f16` may hold IEEE half weights in ONNX's layout (mr must be 1): the per-call
// weight transform widens them exactly (F16C on AVX2/AVX-512, integer bit operations elsewhere),
// so the results are bit-identical to widening them first (NaNs aside: their payload may differ).
// Or `i8` may hold int8 weights in ONNX's layout (mr must be 1) with float scales in `i8_scale`:
// one per output channel (i8_block == 0) or, blocked along the input channels (i8_block = B > 0),
// one per (oc, c / B, tap) laid out [out_c][ceil(in_c / B)][9]. Each weight is float(q) * scale,
// the value DequantizeLinear gives, so the results are bit-identical to dequantizing first.
struct Winograd3x3Weights {
  const float* data = nullptr;
  int64_t mr = 1;
  const uint16_t* f16 = nullptr;
  const int8_t* i8 = nullptr;
  const float* i8_scale = nullptr;
  int64_t i8_block = 0;
};

// y = conv(x, w) + bias, then ReLU if asked; shapes as ConvReferenceF32. `isa` picks the Highway
// target: kAvx512 -> AVX3, kAvx2 -> AVX2, kGeneric -> the static baseline (HWY_WASM under
// Emscripten); unavailable ones fall back like ConvIsa does. pool may be null.
Status WinogradConvF32(const ConvShape& s, const float* x, const Winograd3x3Weights& w,
                       const ConvEpilogue& ep, float* y, ThreadPool* pool,
                       ConvIsa isa = ConvIsa::kAuto);

// ConvInteger through the same float Winograd path (PackedConvInteger's kWinogradF32 scheme):
// in.x and in.w are 8-bit with zero points; x is read as (x - x_zp) floats in the input-tile
// gather (no float copy of the input), w ([out_c][in_c][3][3], ONNX layout) as (w - w_zp[oc])
// floats by the per-call weight transform. Sums are accumulated in float over chunks of at most
// 256 input channels, each rounded to the nearest integer (half to even) and the chunks added in
// int32: with dq null they go to y_int, else y_float = relu?(float(sum) * scale[oc or 0] +
// bias[oc]), computed in that order as PackedConvInteger::RunDequant does. A chunk is exact
// unless its float error (at most ~3e-6 of its sum of |products|, see
// tests/kernels/winograd_int_test.cc) reaches 0.5; int32 overflow saturates instead of wrapping.
// pool may be null.
Status WinogradConvInteger(const ConvShape& s, const ConvIntegerInputs& in,
                           const ConvIntegerDequant* dq, int32_t* y_int, float* y_float,
                           ThreadPool* pool, ConvIsa isa = ConvIsa::kAuto);

// dst[i] = HalfToFloat(src[i]) through the widening the weight transform of `isa`'s target uses
// for Winograd3x3Weights::f16 (NaN payloads aside). Also PackedConvF32::PackConstant's widening
// of fp16 weights for the direct path (vectorised in WebAssembly too, unlike HalfToFloatN).
void WinogradWidenHalfs(ConvIsa isa, const uint16_t* src, float* dst, int64_t n);

// dst[k] = float(src[k]) * (scale ? scale[k] : sc), k < n: DequantizeLinear's product, as the
// weight transform of `isa`'s target computes it for Winograd3x3Weights::i8. Also the direct
// path's dequantization of int8 weights a row at a time (PackedConvF32::PackConstantInt8).
void WinogradDequantizeInt8(ConvIsa isa, const int8_t* src, const float* scale, float sc, int64_t n,
                            float* dst);

// Name of the Highway target WinogradConvF32 uses for `isa`: "AVX3", "AVX2", or the static
// baseline ("SCALAR" for plain x86-64 in Highway 1.0.3, "WASM" under Emscripten).
const char* WinogradTargetName(ConvIsa isa);

}  // namespace bgone::kernels
