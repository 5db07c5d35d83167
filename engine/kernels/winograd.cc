// Winograd F(4x4, 3x3) convolution (scheme in winograd.h). This file is compiled once per Highway
// target through foreach_target.h: the code between HWY_BEFORE_NAMESPACE and HWY_AFTER_NAMESPACE
// exists once per target, the rest once (HWY_ONCE or the include guard).
//
// Transforms (Lavin & Gray), tile of 6x6 inputs d, 3x3 weights g, 4x4 outputs:
//   V = B^T d B,  U = G g G^T,  Y = A^T (U . V summed over channels) A
//   B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1]
//   G   = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1]
//   A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1]
#include "engine/kernels/winograd.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <memory>
#include <type_traits>
#include <vector>

#include "engine/kernels/conv_microkernels.h"
#include "engine/kernels/kernel_util.h"

// Natively: AVX-512 (HWY_AVX3), AVX2 and the baseline (HWY_SCALAR in Highway 1.0.3 for plain
// x86-64); SSSE3/SSE4 would only add code size. HWY_AVX3_DL is left out (Highway 1.0.3 builds it
// only with HWY_WANT_AVX3_DL, and it adds nothing to float FMAs).
#ifndef HWY_DISABLED_TARGETS
#define HWY_DISABLED_TARGETS (HWY_SSSE3 | HWY_SSE4)
#endif
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "engine/kernels/winograd.cc"
#include "hwy/cache_control.h"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"

#ifndef BGONE_ENGINE_KERNELS_WINOGRAD_SHARED_
#define BGONE_ENGINE_KERNELS_WINOGRAD_SHARED_
namespace bgone::kernels::winograd_internal {

constexpr int kTile = 4;     // outputs per tile side
constexpr int kIn = 6;       // inputs per tile side
constexpr int kPoints = 36;  // transformed values per tile
// Working-set targets: V (36 x C x tiles) and M (36 x out-channel chunk x tiles) of a block.
constexpr int64_t kVBytes = 384 * 1024;
constexpr int64_t kMBytes = 192 * 1024;
constexpr int64_t kMaxTilesPerBlock = 128;
// Deep layers (512+ input channels, IS-Net's 32x32 and 16x16 stages) would get 8 tiles per block
// from kVBytes, and every block streams the whole pass of transformed weights again (24 MB for
// 1024 -> 512 channels): memory-bound, and it scaled badly with two threads in the browser. They
// take at least kDeepTilesPerBlock tiles (V of 1024 channels: 4.7 MB).
constexpr int64_t kDeepChannels = 512;
constexpr int64_t kDeepTilesPerBlock = 32;
// Below this many blocks, the output channels are split into more work units.
constexpr int64_t kMinUnits = 8;
// Integer (ConvInteger) sums round to an integer per chunk of this many input channels and add
// the chunks in int32: float Winograd's error grows with the sum of |products| (about 1e-6 of it
// at worst), which over 512-1024 IS-Net channels reaches the 0.5 that flips a rounded sum, while
// up to 256 channels its sums come out exact (the quantized model's output then matches the exact
// kernels' bit for bit on the test photos).
constexpr int64_t kExactChannels = 256;
// Pad between the 36 slices of V and M, so that slices whose size is a multiple of 4 KiB do not
// all map to the same cache sets.
constexpr int64_t kSlicePad = 16;
// How many channels ahead TransformInputs prefetches input rows.
constexpr int64_t kPrefetchChannels = 4;
// Row stride of the staging rows of one group of tiles (4 inputs per lane + overhang, aligned).
constexpr int64_t StageRow(int lanes) { return 4 * lanes + 16; }

// What the input, weights and output of one call are (float convolution or ConvInteger).
enum class InKind { kF32, kU8, kS8 };
enum class OutKind { kF32, kI32, kDequant };

struct Job {
  ConvShape s;
  InKind in_kind = InKind::kF32;
  const void* x = nullptr;  // float, or 8-bit read as (x - x_zp)
  float x_zp = 0;
  Winograd3x3Weights w;     // float weights, or...
  const void* w8 = nullptr;  // ...8-bit [out_c][in_c][3][3] read as (w - w_zp[oc])
  bool w8_signed = false;
  const int32_t* w_zp = nullptr;
  OutKind out_kind = OutKind::kF32;
  ConvEpilogue ep;           // kF32
  ConvIntegerDequant dq;     // kDequant
  float* y = nullptr;        // kF32, kDequant
  int32_t* y_int = nullptr;  // kI32
  ThreadPool* pool = nullptr;
};

// All tiles of all sub-grids in one numbering: sub-grid (ry, rx) (row-major), then tile row,
// then tile column. Empty sub-grids (dilation above the output size) are left out.
struct TileGrid {
  int64_t dh = 1, dw = 1, sub_rows = 0, sub_cols = 0;  // non-empty sub-grids per axis
  std::vector<int64_t> prefix;                         // tiles before each sub-grid
  int64_t count = 0;
  const ConvShape* s = nullptr;

  int64_t TileRows(int64_t ry) const { return ((s->out_h - ry + dh - 1) / dh + kTile - 1) / kTile; }
  int64_t TileCols(int64_t rx) const { return ((s->out_w - rx + dw - 1) / dw + kTile - 1) / kTile; }
};

inline TileGrid MakeTileGrid(const ConvShape& s) {
  TileGrid g;
  g.s = &s;
  g.dh = s.dil_h;
  g.dw = s.dil_w;
  g.sub_rows = std::min(g.dh, s.out_h);
  g.sub_cols = std::min(g.dw, s.out_w);
  g.prefix.resize(static_cast<size_t>(g.sub_rows * g.sub_cols + 1));
  int64_t n = 0;
  for (int64_t ry = 0; ry < g.sub_rows; ++ry) {
    for (int64_t rx = 0; rx < g.sub_cols; ++rx) {
      g.prefix[static_cast<size_t>(ry * g.sub_cols + rx)] = n;
      n += g.TileRows(ry) * g.TileCols(rx);
    }
  }
  g.prefix.back() = n;
  g.count = n;
  return g;
}

// Top-left output (oy, ox) of tiles [first, first + n) (oy = -1 past the last tile).
inline void TileOrigins(const TileGrid& g, int64_t first, int64_t n, int64_t* oy, int64_t* ox) {
  int64_t sg = std::upper_bound(g.prefix.begin(), g.prefix.end(), first) - g.prefix.begin() - 1;
  int64_t t = first;
  for (int64_t i = 0; i < n; ++i, ++t) {
    if (t >= g.count) {
      oy[i] = -1;
      ox[i] = 0;
      continue;
    }
    while (t >= g.prefix[static_cast<size_t>(sg + 1)]) ++sg;
    int64_t ry = sg / g.sub_cols, rx = sg % g.sub_cols;
    int64_t local = t - g.prefix[static_cast<size_t>(sg)], cols = g.TileCols(rx);
    oy[i] = ry + g.dh * kTile * (local / cols);
    ox[i] = rx + g.dw * kTile * (local % cols);
  }
}

// Float scratch aligned to 64 bytes.
struct AlignedFloats {
  std::unique_ptr<float[]> mem;
  float* p = nullptr;
  int64_t size = 0;
  bool Allocate(int64_t n) {
    mem.reset();
    p = nullptr;
    size = 0;
    mem = NewArray<float>(static_cast<size_t>(n + 16));
    if (!mem) return false;
    uintptr_t a = reinterpret_cast<uintptr_t>(mem.get());
    p = mem.get() + ((64 - a % 64) % 64) / sizeof(float);
    size = n;
    return true;
  }
  // Keeps the buffer when it is large enough.
  bool Reserve(int64_t n) { return n <= size || Allocate(n); }
};

inline AlignedFloats& ThreadWeightScratch() {
  thread_local AlignedFloats scratch;
  return scratch;
}

// Sizes of one call, fixed by the shape and the micro-kernel (never by the thread count).
struct Plan {
  int64_t tiles_per_block = 0, blocks = 0;
  int64_t oc_chunk = 0;  // output channels per GEMM + output transform step (multiple of mr)
  int64_t oc_pass = 0;   // output channels per weight-transform pass (multiple of oc_chunk)
  int64_t chunks_per_unit = 0, units_per_block = 0;
};

inline Plan MakePlan(const ConvShape& s, int64_t tiles, int mr, int nr) {
  Plan p;
  const int64_t C = s.in_c, OC = s.out_c;
  int64_t tb = kVBytes / (kPoints * C * 4) / nr * nr;
  tb = std::clamp<int64_t>(tb, nr, kMaxTilesPerBlock / nr * nr);
  if (C >= kDeepChannels) tb = std::max(tb, kDeepTilesPerBlock / nr * nr);
  tb = std::min(tb, (tiles + nr - 1) / nr * nr);
  p.tiles_per_block = tb;
  p.blocks = (tiles + tb - 1) / tb;
  const int64_t oc_padded = (OC + mr - 1) / mr * mr;
  int64_t chunk = kMBytes / (kPoints * tb * 4) / mr * mr;
  p.oc_chunk = std::clamp<int64_t>(chunk, mr, oc_padded);
  int64_t pass = kWinogradWeightChunkBytes / (kPoints * C * 4) / p.oc_chunk * p.oc_chunk;
  p.oc_pass =
      std::clamp<int64_t>(pass, p.oc_chunk, (oc_padded + p.oc_chunk - 1) / p.oc_chunk * p.oc_chunk);
  return p;
}

}  // namespace bgone::kernels::winograd_internal
#endif  // BGONE_ENGINE_KERNELS_WINOGRAD_SHARED_

HWY_BEFORE_NAMESPACE();
namespace bgone::kernels::winograd_internal {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

using DF = hn::ScalableTag<float>;
using VF = hn::Vec<DF>;
constexpr int kL = static_cast<int>(hn::MaxLanes(DF()));
// Micro-kernel: kMr output channels x kNv vectors of tiles. kMr equals the direct kernels' mr of
// the matching ConvIsa so PackedConvF32's panels are read contiguously.
#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
constexpr int kMr = 8;
#elif HWY_TARGET == HWY_AVX2
constexpr int kMr = 6;
#else
constexpr int kMr = 4;
#endif
constexpr int kNv = 2;
constexpr int kNr = kNv * kL;

// m[o][j] = sum_c u[c][o] * v[c][j] for o < kMr, j < kNr; v rows ldv apart, m rows ldm apart.
// The sum runs over c in order whatever the tile, so results do not depend on blocking.
HWY_NOINLINE void Gemm(int64_t C, const float* HWY_RESTRICT u, const float* HWY_RESTRICT v,
                       int64_t ldv, float* HWY_RESTRICT m, int64_t ldm) {
  const DF d;
  VF acc[kMr][kNv];
  for (int o = 0; o < kMr; ++o) {
    for (int j = 0; j < kNv; ++j) acc[o][j] = hn::Zero(d);
  }
  for (int64_t c = 0; c < C; ++c) {
    const float* vr = v + c * ldv;
    VF b[kNv];
    for (int j = 0; j < kNv; ++j) b[j] = hn::Load(d, vr + j * kL);
    const float* ur = u + c * kMr;
    for (int o = 0; o < kMr; ++o) {
      const VF w = hn::Set(d, ur[o]);
      for (int j = 0; j < kNv; ++j) acc[o][j] = hn::MulAdd(w, b[j], acc[o][j]);
    }
  }
  for (int o = 0; o < kMr; ++o) {
    for (int j = 0; j < kNv; ++j) hn::Store(acc[o][j], d, m + o * ldm + j * kL);
  }
}

// Small copies and fills inline (libc's calls cost more than the work for a few vectors).
HWY_INLINE void CopyFloats(float* HWY_RESTRICT dst, const float* HWY_RESTRICT src, int64_t n) {
  const DF d;
  int64_t i = 0;
  for (; i + kL <= n; i += kL) hn::StoreU(hn::LoadU(d, src + i), d, dst + i);
  for (; i < n; ++i) dst[i] = src[i];
}
HWY_INLINE void ZeroFloats(float* HWY_RESTRICT dst, int64_t n) {
  const DF d;
  int64_t i = 0;
  for (; i + kL <= n; i += kL) hn::StoreU(hn::Zero(d), d, dst + i);
  for (; i < n; ++i) dst[i] = 0.0f;
}

// out = B^T z for 6 vectors.
HWY_INLINE void InputTransform1D(const VF* z, VF* out) {
  const DF d;
  const VF k4 = hn::Set(d, 4.0f), k5 = hn::Set(d, 5.0f);
  out[0] = hn::MulAdd(k4, z[0], hn::NegMulAdd(k5, z[2], z[4]));
  const VF a = hn::NegMulAdd(k4, z[2], z[4]);  // z4 - 4 z2
  const VF b = hn::NegMulAdd(k4, z[1], z[3]);  // z3 - 4 z1
  out[1] = hn::Add(a, b);
  out[2] = hn::Sub(a, b);
  const VF c = hn::Sub(z[4], z[2]);
  const VF e0 = hn::Sub(z[3], z[1]);
  const VF e = hn::Add(e0, e0);
  out[3] = hn::Add(c, e);
  out[4] = hn::Sub(c, e);
  out[5] = hn::MulAdd(k4, z[1], hn::NegMulAdd(k5, z[3], z[5]));
}

// out = A^T m for 6 vectors (4 outputs).
HWY_INLINE void OutputTransform1D(const VF* m, VF* out) {
  const DF d;
  const VF p = hn::Add(m[1], m[2]), q = hn::Sub(m[1], m[2]);
  const VF r = hn::Add(m[3], m[4]), u = hn::Sub(m[3], m[4]);
  out[0] = hn::Add(hn::Add(m[0], p), r);
  out[1] = hn::MulAdd(hn::Set(d, 2.0f), u, q);
  out[2] = hn::MulAdd(hn::Set(d, 4.0f), r, p);
  out[3] = hn::Add(hn::MulAdd(hn::Set(d, 8.0f), u, q), m[5]);
}

// 3 -> 6 rows of G g, lane-wise over kMr output channels.
HWY_INLINE void WeightTransform1D(const float* g0, const float* g1, const float* g2, float* out,
                                  int64_t stride) {
  for (int o = 0; o < kMr; ++o) {
    float a = g0[o], b = g1[o], c = g2[o];
    float ac = a + c;
    out[0 * stride + o] = a * 0.25f;
    out[1 * stride + o] = -(ac + b) * (1.0f / 6.0f);
    out[2 * stride + o] = -(ac - b) * (1.0f / 6.0f);
    float p = a * (1.0f / 24.0f) + c * (1.0f / 6.0f), q = b * (1.0f / 12.0f);
    out[3 * stride + o] = p + q;
    out[4 * stride + o] = p - q;
    out[5 * stride + o] = c;
  }
}

// dst[i] = the IEEE half src[i] as a float, exactly (as HalfToFloat; NaN payloads aside).
HWY_INLINE void WidenHalfs(const uint16_t* HWY_RESTRICT src, float* HWY_RESTRICT dst, int64_t n) {
  const DF d;
  int64_t i = 0;
#if HWY_TARGET == HWY_AVX2 || HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
  // F16C (vcvtph2ps).
  const hn::Rebind<hwy::float16_t, DF> dh;
  for (; i + kL <= n; i += kL) {
    hn::StoreU(hn::PromoteTo(d, hn::LoadU(dh, reinterpret_cast<const hwy::float16_t*>(src + i))),
               d, dst + i);
  }
#else
  // The magnitude's bits shifted into a float's exponent and mantissa fields, times 2^112 (exact,
  // also for half subnormals, which land on float subnormals); Inf/NaN get the all-ones exponent.
  const hn::RebindToUnsigned<DF> du;
  const hn::Rebind<uint16_t, DF> du16;
  const auto magnitude_mask = hn::Set(du, 0x7FFFu), sign_mask = hn::Set(du, 0x8000u);
  const auto finite_max = hn::Set(du, 0x7BFFu), exp_ones = hn::Set(du, 0x7F800000u);
  const VF scale = hn::Set(d, 5.192296858534828e33f);  // 2^112
  for (; i + kL <= n; i += kL) {
    const auto h = hn::PromoteTo(du, hn::LoadU(du16, src + i));
    const auto mag = hn::And(h, magnitude_mask);
    const auto shifted = hn::ShiftLeft<13>(mag);
    const auto scaled = hn::BitCast(du, hn::Mul(hn::BitCast(d, shifted), scale));
    const auto bits = hn::IfThenElse(hn::Gt(mag, finite_max), hn::Or(shifted, exp_ones), scaled);
    hn::StoreU(hn::BitCast(d, hn::Or(bits, hn::ShiftLeft<16>(hn::And(h, sign_mask)))), d, dst + i);
  }
#endif
  for (; i < n; ++i) dst[i] = HalfToFloat(src[i]);
}

// Channels per step of TransformWeights' row reads (ONNX-layout weights).
constexpr int64_t kWeightRowChannels = 16;

// WeightTransform1D on vectors of kMr == kL output channels (WASM): the same operations, so the
// same bits.
HWY_INLINE void WeightTransform1DVec(VF a, VF b, VF c, VF* out) {
  const DF d;
  const VF ac = hn::Add(a, c);
  out[0] = hn::Mul(a, hn::Set(d, 0.25f));
  out[1] = hn::Mul(hn::Neg(hn::Add(ac, b)), hn::Set(d, 1.0f / 6.0f));
  out[2] = hn::Mul(hn::Neg(hn::Sub(ac, b)), hn::Set(d, 1.0f / 6.0f));
  const VF p = hn::Add(hn::Mul(a, hn::Set(d, 1.0f / 24.0f)), hn::Mul(c, hn::Set(d, 1.0f / 6.0f)));
  const VF q = hn::Mul(b, hn::Set(d, 1.0f / 12.0f));
  out[3] = hn::Add(p, q);
  out[4] = hn::Sub(p, q);
  out[5] = c;
}

// dst[k] = float(src[k]) * scale[k] (scale != nullptr) or float(src[k]) * sc, k < n: one
// product per weight, exactly as DequantizeLinear computes it, kL weights at a time.
HWY_INLINE void DequantizeInt8Row(const int8_t* HWY_RESTRICT src, const float* HWY_RESTRICT scale,
                                  float sc, int64_t n, float* HWY_RESTRICT dst) {
  const DF d;
  const hn::Rebind<int32_t, DF> di32;
  const hn::Rebind<int8_t, DF> di8;
  const VF vsc = hn::Set(d, sc);
  int64_t k = 0;
  for (; k + kL <= n; k += kL) {
    const VF q = hn::ConvertTo(d, hn::PromoteTo(di32, hn::LoadU(di8, src + k)));
    hn::StoreU(hn::Mul(q, scale != nullptr ? hn::LoadU(d, scale + k) : vsc), d, dst + k);
  }
  for (; k < n; ++k) {
    dst[k] = static_cast<float>(static_cast<int32_t>(src[k])) * (scale != nullptr ? scale[k] : sc);
  }
}

// U[e][b][c][o] for output-channel blocks [b0, b1) of the pass starting at oc_base:
// u has `blocks` blocks of C x kMr per point e.
void TransformWeights(const Job& job, int64_t oc_base, int64_t blocks, int64_t b0, int64_t b1,
                      float* HWY_RESTRICT u) {
  const ConvShape& s = job.s;
  const int64_t C = s.in_c, smr = job.w.mr;
  const float* w = job.w.data;
  const uint16_t* w16 = job.w.f16;
  const int8_t* wi8 = job.w.i8;
  alignas(64) float g[9][kMr];
  alignas(64) float t[6][3][kMr];
  alignas(64) float r[6][6][kMr];
  // ONNX-layout weights (float or half, mr = 1): each output channel's taps of kWeightRowChannels
  // channels are read as one row (widened from half), then transposed into g per channel.
  const bool rows = job.w8 == nullptr && smr == 1;
  alignas(64) float row[kMr][kWeightRowChannels * 9];
  // Blocked int8 scales, laid out like a row (scale of channel c + j, tap t at j * 9 + t) for
  // output channel pattern_oc[o] and the channels from pattern_c0[o]: rebuilt only when a row
  // reaches channels of another block, so with blocks of 64 channels one in four rows builds it.
  alignas(64) float pattern[kMr][kWeightRowChannels * 9];
  int64_t pattern_oc[kMr], pattern_c0[kMr], pattern_n[kMr];
  for (int o = 0; o < kMr; ++o) pattern_oc[o] = pattern_c0[o] = pattern_n[o] = -1;
  for (int64_t b = b0; b < b1; ++b) {
    const int64_t oc0 = oc_base + b * kMr;
    const bool contiguous = smr == kMr && oc0 % smr == 0;
    for (int64_t c = 0; c < C; ++c) {
      if (job.w8 != nullptr) {
        // ConvInteger weights: (w - w_zp[oc]) is an exact small integer in float.
        for (int o = 0; o < kMr; ++o) {
          const int64_t oc = oc0 + o;
          if (oc >= s.out_c) {
            for (int tap = 0; tap < 9; ++tap) g[tap][o] = 0.0f;
            continue;
          }
          const float zp = static_cast<float>(job.w_zp[oc]);
          const int64_t off = (oc * C + c) * 9;
          if (job.w8_signed) {
            const int8_t* src = static_cast<const int8_t*>(job.w8) + off;
            for (int tap = 0; tap < 9; ++tap) g[tap][o] = static_cast<float>(src[tap]) - zp;
          } else {
            const uint8_t* src = static_cast<const uint8_t*>(job.w8) + off;
            for (int tap = 0; tap < 9; ++tap) g[tap][o] = static_cast<float>(src[tap]) - zp;
          }
        }
      } else if (rows) {
        const int64_t j = c % kWeightRowChannels;
        if (j == 0) {
          const int64_t n = std::min(kWeightRowChannels, C - c) * 9;
          for (int o = 0; o < kMr; ++o) {
            const int64_t oc = oc0 + o;
            if (oc >= s.out_c) {
              ZeroFloats(row[o], n);
            } else if (w16 != nullptr) {
              WidenHalfs(w16 + (oc * C + c) * 9, row[o], n);
            } else if (wi8 != nullptr) {
              // As DequantizeLinear: float(q - 0) * scale, one rounding.
              const int8_t* src = wi8 + (oc * C + c) * 9;
              const int64_t block = job.w.i8_block;
              if (block == 0) {
                DequantizeInt8Row(src, nullptr, job.w.i8_scale[oc], n, row[o]);
              } else {
                // The pattern of channels c.. equals the one of channels pattern_c0.. when both
                // start at the same offset in one block and this row is no longer.
                const bool same = pattern_oc[o] == oc && pattern_n[o] >= n &&
                                  c / block == pattern_c0[o] / block &&
                                  (c + n / 9 - 1) / block == c / block &&
                                  (pattern_c0[o] + pattern_n[o] / 9 - 1) / block == c / block;
                if (!same) {
                  const int64_t nb = (C + block - 1) / block;
                  for (int64_t j = 0; j < n / 9; ++j) {  // channel c + j: its block's 9 tap scales
                    const float* sc = job.w.i8_scale + (oc * nb + (c + j) / block) * 9;
                    for (int tap = 0; tap < 9; ++tap) pattern[o][j * 9 + tap] = sc[tap];
                  }
                  pattern_oc[o] = oc;
                  pattern_c0[o] = c;
                  pattern_n[o] = n;
                }
                DequantizeInt8Row(src, pattern[o], 0.0f, n, row[o]);
              }
            } else {
              CopyFloats(row[o], w + (oc * C + c) * 9, n);
            }
          }
        }
        for (int tap = 0; tap < 9; ++tap) {
          for (int o = 0; o < kMr; ++o) g[tap][o] = row[o][j * 9 + tap];
        }
      } else if (contiguous) {
        std::memcpy(g, w + (oc0 / smr) * C * 9 * smr + c * 9 * smr, sizeof(g));
      } else {
        for (int o = 0; o < kMr; ++o) {
          int64_t oc = oc0 + o;
          for (int tap = 0; tap < 9; ++tap) {
            g[tap][o] =
                oc < s.out_c ? w[(oc / smr) * C * 9 * smr + (c * 9 + tap) * smr + oc % smr] : 0.0f;
          }
        }
      }
      // Columns kx: t[i][kx] = (G g)[i][kx]; rows i: r[i][j] = (t G^T)[i][j].
      if constexpr (kMr == kL) {
        // One vector per tap (WASM: the scalar loops below are not vectorised there). Natively
        // kMr != kL, and the scalar code stays as it is (GCC may contract it into FMAs).
        const DF d;
        VF tv[6][3];
        for (int kx = 0; kx < 3; ++kx) {
          VF col[6];
          WeightTransform1DVec(hn::Load(d, g[kx]), hn::Load(d, g[3 + kx]), hn::Load(d, g[6 + kx]),
                               col);
          for (int i = 0; i < 6; ++i) tv[i][kx] = col[i];
        }
        for (int i = 0; i < 6; ++i) {
          VF res[6];
          WeightTransform1DVec(tv[i][0], tv[i][1], tv[i][2], res);
          for (int j = 0; j < 6; ++j) {
            hn::Store(res[j], d, u + (((i * 6 + j) * blocks + b) * C + c) * kMr);
          }
        }
        continue;
      }
      for (int kx = 0; kx < 3; ++kx)
        WeightTransform1D(g[kx], g[3 + kx], g[6 + kx], &t[0][kx][0], 3 * kMr);
      for (int i = 0; i < 6; ++i) WeightTransform1D(t[i][0], t[i][1], t[i][2], &r[i][0][0], kMr);
      for (int e = 0; e < kPoints; ++e) {
        std::memcpy(u + ((e * blocks + b) * C + c) * kMr, &r[e / 6][e % 6][0], sizeof(float) * kMr);
      }
    }
  }
}

// v[(a * 6 + b) * vse] = (B^T in B)[a][b] for one channel of kL tiles.
HWY_INLINE void TransformAndStoreInputTile(const VF (&in)[kIn][kIn], float* HWY_RESTRICT v,
                                           int64_t vse) {
  const DF d;
  // Columns: tmp[a][q] = (B^T in)[a][q]; rows: V[a][b] = (tmp B)[a][b].
  VF tmp[kIn][kIn];
  for (int q = 0; q < kIn; ++q) {
    VF col[kIn], res[kIn];
    for (int r = 0; r < kIn; ++r) col[r] = in[r][q];
    InputTransform1D(col, res);
    for (int a = 0; a < kIn; ++a) tmp[a][q] = res[a];
  }
  for (int a = 0; a < kIn; ++a) {
    VF res[kIn];
    InputTransform1D(tmp[a], res);
    for (int b = 0; b < kIn; ++b) hn::Store(res[b], d, v + (a * kIn + b) * vse);
  }
}

// Per-thread scratch of the block loop.
struct Scratch {
  AlignedFloats v, m, gather, out, stage;
  std::unique_ptr<int64_t[]> oy, ox;
  std::unique_ptr<int32_t[]> acc;  // rounded sums of earlier channel chunks (integer outputs)
};

// V[e][c][t] for the block's tiles (tiles_per_block lanes; lanes past the last tile are zeros).
void TransformInputs(const Job& job, const Plan& plan, const int64_t* oy0, const int64_t* ox0,
                     const float* HWY_RESTRICT x, Scratch& sc) {
  const ConvShape& s = job.s;
  const DF d;
  const int64_t C = s.in_c, tb = plan.tiles_per_block, plane = s.in_h * s.in_w;
  const int64_t dh = s.dil_h, dw = s.dil_w;
  float* HWY_RESTRICT V = sc.v.p;
  const int64_t vse = C * tb + kSlicePad;
  const hn::RebindToSigned<DF> di;
  using VI = hn::Vec<decltype(di)>;
  int32_t* HWY_RESTRICT idx = reinterpret_cast<int32_t*>(sc.gather.p);  // [36][kL]
  float* HWY_RESTRICT stage = sc.stage.p;                  // [6][StageRow]: inputs by lane
  float* HWY_RESTRICT tails = stage + kIn * StageRow(kL);  // [6][2][kL]: q = 4, 5 of row ends
  float* HWY_RESTRICT ends = tails + 2 * kIn * kL;         // [kL]: 1 where a row of tiles ends
  struct Segment {
    int64_t l0, n, iy0, ix0;  // lanes [l0, l0 + n) are consecutive tiles of one row
  };
  Segment segs[kL] = {};
  for (int64_t t0 = 0; t0 < tb; t0 += kL) {
    // Three ways to load the 6x6 inputs of kL tiles:
    //  - direct: kL consecutive tiles of one row whose 6 x (4 kL + 4) window lies in the image
    //    (dw == 1): LoadInterleaved4 splits the contiguous columns by phase;
    //  - staged (dw == 1): each row of tiles in the group is copied (zeros for padding) to lane
    //    position 4 * l of a staging row and split the same way; columns 4 and 5 of the last tile
    //    of a row come from `tails`;
    //  - gathered (dilated columns): GatherIndex through a table of offsets in the channel
    //    plane (-1 reads padding).
    // The tables are built once per group for all channels.
    const int64_t iy0 = oy0[t0] - s.pad_t, ix0 = ox0[t0] - s.pad_l;
    const bool direct = dw == 1 && oy0[t0] >= 0 && oy0[t0 + kL - 1] == oy0[t0] &&
                        ox0[t0 + kL - 1] == ox0[t0] + kTile * (kL - 1) && iy0 >= 0 &&
                        iy0 + 5 * dh < s.in_h && ix0 >= 0 && ix0 + kTile * kL + 4 <= s.in_w;
    const bool staged = !direct && dw == 1;
    bool all_valid = true;
    int64_t nseg = 0;
    if (staged) {
      ZeroFloats(stage, kIn * StageRow(kL) + (2 * kIn + 1) * kL);  // with tails and ends
      for (int64_t l = 0; l < kL;) {
        if (oy0[t0 + l] < 0) break;
        int64_t n = 1;
        while (l + n < kL && oy0[t0 + l + n] == oy0[t0 + l] &&
               ox0[t0 + l + n] == ox0[t0 + l] + kTile * n) {
          ++n;
        }
        segs[nseg++] = {l, n, oy0[t0 + l] - s.pad_t, ox0[t0 + l] - s.pad_l};
        ends[l + n - 1] = 1.0f;
        l += n;
      }
    } else if (!direct) {
      for (int64_t l = 0; l < kL; ++l) {
        const bool tile = oy0[t0 + l] >= 0;
        const int64_t ty = oy0[t0 + l] - s.pad_t, tx = ox0[t0 + l] - s.pad_l;
        for (int r = 0; r < kIn; ++r) {
          const int64_t iy = ty + r * dh;
          const bool row_ok = tile && iy >= 0 && iy < s.in_h;
          for (int q = 0; q < kIn; ++q) {
            const int64_t ix = tx + q * dw;
            const bool ok = row_ok && ix >= 0 && ix < s.in_w;
            idx[(r * kIn + q) * kL + l] = ok ? static_cast<int32_t>(iy * s.in_w + ix) : -1;
            all_valid = all_valid && ok;
          }
        }
      }
    }
    const auto end_mask = hn::Gt(hn::LoadU(d, ends), hn::Zero(d));
    // Input planes are far larger than the caches and each channel's rows are short runs the
    // hardware prefetcher does not pick up: prefetch the first tile row's window a few channels
    // ahead (dw == 1 groups).
    int64_t pf_rows[kIn], pf_count = 0, pf_col = 0, pf_len = 0;
    if (dw == 1 && oy0[t0] >= 0) {
      pf_col = std::max<int64_t>(0, ix0);
      pf_len = std::min<int64_t>(s.in_w, ix0 + kTile * kL + 4) - pf_col;
      for (int r = 0; r < kIn; ++r) {
        const int64_t iy = iy0 + r * dh;
        if (iy >= 0 && iy < s.in_h) pf_rows[pf_count++] = iy * s.in_w + pf_col;
      }
    }
    for (int64_t c = 0; c < C; ++c) {
      const float* xc = x + c * plane;
      if (c + kPrefetchChannels < C) {
        const float* xp = xc + kPrefetchChannels * plane;
        for (int64_t i = 0; i < pf_count; ++i) {
          for (int64_t j = 0; j < pf_len; j += 16) hwy::Prefetch(xp + pf_rows[i] + j);
          hwy::Prefetch(xp + pf_rows[i] + pf_len - 1);
        }
      }
      VF in[kIn][kIn];
      if (direct) {
        for (int r = 0; r < kIn; ++r) {
          const float* row = xc + (iy0 + r * dh) * s.in_w + ix0;
          hn::LoadInterleaved4(d, row, in[r][0], in[r][1], in[r][2], in[r][3]);
#if HWY_TARGET == HWY_WASM
          // Columns 4 and 5 are columns 0 and 1 one tile on: lanes 1-3 of those and the next
          // value (a splat load and a shuffle each instead of a second LoadInterleaved4).
          in[r][4] = VF{wasm_i32x4_shuffle(in[r][0].raw, wasm_v128_load32_splat(row + 16), 1, 2,
                                           3, 4)};
          in[r][5] = VF{wasm_i32x4_shuffle(in[r][1].raw, wasm_v128_load32_splat(row + 17), 1, 2,
                                           3, 4)};
#else
          VF junk0, junk1;
          hn::LoadInterleaved4(d, row + 4, in[r][4], in[r][5], junk0, junk1);
#endif
        }
      } else if (staged) {
        for (int r = 0; r < kIn; ++r) {
          float* srow = stage + r * StageRow(kL);
          float* t4 = tails + 2 * r * kL;
          float* t5 = t4 + kL;
          for (int64_t si = 0; si < nseg; ++si) {
            const Segment& sg = segs[si];
            const int64_t iy = sg.iy0 + r * dh, cnt = kTile * sg.n, last = sg.l0 + sg.n - 1;
            float* dst = srow + kTile * sg.l0;
            if (iy < 0 || iy >= s.in_h) {
              ZeroFloats(dst, cnt);
              t4[last] = t5[last] = 0.0f;
              continue;
            }
            const float* row = xc + iy * s.in_w;
            const int64_t lo = std::clamp<int64_t>(-sg.ix0, 0, cnt);
            const int64_t hi = std::clamp<int64_t>(s.in_w - sg.ix0, lo, cnt);
            ZeroFloats(dst, lo);
            CopyFloats(dst + lo, row + sg.ix0 + lo, hi - lo);
            ZeroFloats(dst + hi, cnt - hi);
            const int64_t c4 = sg.ix0 + cnt;
            t4[last] = c4 >= 0 && c4 < s.in_w ? row[c4] : 0.0f;
            t5[last] = c4 + 1 >= 0 && c4 + 1 < s.in_w ? row[c4 + 1] : 0.0f;
          }
          VF v4, v5, junk0, junk1;
          hn::LoadInterleaved4(d, srow, in[r][0], in[r][1], in[r][2], in[r][3]);
          hn::LoadInterleaved4(d, srow + 4, v4, v5, junk0, junk1);
          in[r][4] = hn::IfThenElse(end_mask, hn::LoadU(d, t4), v4);
          in[r][5] = hn::IfThenElse(end_mask, hn::LoadU(d, t5), v5);
        }
      } else if (all_valid) {
        for (int e = 0; e < kPoints; ++e) {
          in[e / kIn][e % kIn] = hn::GatherIndex(d, xc, hn::Load(di, idx + e * kL));
        }
      } else {
        const VI none = hn::Set(di, -1);
        for (int e = 0; e < kPoints; ++e) {
          const VI vi = hn::Load(di, idx + e * kL);
          const VF v = hn::GatherIndex(d, xc, hn::Max(vi, hn::Zero(di)));
          in[e / kIn][e % kIn] = hn::IfThenElseZero(hn::RebindMask(d, hn::Gt(vi, none)), v);
        }
      }
      TransformAndStoreInputTile(in, V + c * tb + t0, vse);
    }
  }
}

// 8-bit inputs read as (x - zp) floats, kL at a time (PromoteTo + ConvertTo).
template <typename T>
HWY_INLINE void ConvertRow(float* HWY_RESTRICT dst, const T* HWY_RESTRICT src, int64_t n, VF zp) {
  const DF d;
  const hn::RebindToSigned<DF> di;
  const hn::Rebind<T, DF> d8;
  int64_t i = 0;
  for (; i + kL <= n; i += kL) {
    hn::StoreU(hn::Sub(hn::ConvertTo(d, hn::PromoteTo(di, hn::LoadU(d8, src + i))), zp), d, dst + i);
  }
  const float z = hn::GetLane(zp);
  for (; i < n; ++i) dst[i] = static_cast<float>(src[i]) - z;
}

#if HWY_TARGET == HWY_WASM
// Bytes q, 4 + q, 8 + q, 12 + q of v as (x - zp) floats (lane l = byte 4 l + q), for the direct
// 8-bit tile loads: one byte shuffle with zeros puts each byte in its own 32-bit lane (at the top
// for signed bytes, then an arithmetic shift extends the sign).
template <typename T, int q>
HWY_INLINE VF BytePhase(v128_t v, VF zp) {
  const v128_t z = wasm_i32x4_splat(0);
  v128_t w;
  if constexpr (std::is_signed_v<T>) {
    w = wasm_i32x4_shr(wasm_i8x16_shuffle(v, z, 16, 16, 16, q, 16, 16, 16, 4 + q, 16, 16, 16,
                                          8 + q, 16, 16, 16, 12 + q),
                       24);
  } else {
    w = wasm_i8x16_shuffle(v, z, q, 16, 16, 16, 4 + q, 16, 16, 16, 8 + q, 16, 16, 16, 12 + q, 16,
                           16, 16);
  }
  return hn::Sub(VF{wasm_f32x4_convert_i32x4(w)}, zp);
}
#endif

// TransformInputs for ConvInteger's 8-bit inputs, read as (x - x_zp) floats (padding reads the
// zero point, i.e. 0). In WebAssembly, groups of four tiles inside the image are read directly
// (BytePhase, above); every other group of kL tiles is staged: per channel and tile row r, each
// run of consecutive tiles of one sub-grid row (columns ix0 + dw * j) is converted to floats at
// lane position 4 * l of a staging row (kL bytes at a time for dw == 1, one by one for dilated
// columns), columns 4 and 5 of a run's last tile go to `tails`, and LoadInterleaved4 splits the
// row by phase as in the float path.
template <typename T>
void TransformInputsInt(const Job& job, const Plan& plan, const int64_t* oy0, const int64_t* ox0,
                        const T* HWY_RESTRICT x, Scratch& sc) {
  const ConvShape& s = job.s;
  const DF d;
  const int64_t C = s.in_c, tb = plan.tiles_per_block, plane = s.in_h * s.in_w;
  const int64_t dh = s.dil_h, dw = s.dil_w;
  const VF zp = hn::Set(d, job.x_zp);
  float* HWY_RESTRICT V = sc.v.p;
  const int64_t vse = C * tb + kSlicePad;
  float* HWY_RESTRICT stage = sc.stage.p;                  // [6][StageRow]: inputs by lane
  float* HWY_RESTRICT tails = stage + kIn * StageRow(kL);  // [6][2][kL]: q = 4, 5 of run ends
  float* HWY_RESTRICT ends = tails + 2 * kIn * kL;         // [kL]: 1 where a run ends
  struct Segment {
    int64_t l0, n, iy0, ix0;  // lanes [l0, l0 + n): consecutive tiles of one sub-grid row
    int64_t lo, hi;           // j in [lo, hi) of the run's 4n columns lie inside the image
    int64_t c4, c5;           // image columns of the last tile's q = 4, 5 (-1 outside)
  };
  Segment segs[kL] = {};
  for (int64_t t0 = 0; t0 < tb; t0 += kL) {
#if HWY_TARGET == HWY_WASM
    // Direct: four consecutive tiles of one row whose 6 x 18 window lies inside the image (the
    // common case) need no staging: per row, bytes [ix0, ix0 + 16) hold columns q = 0..3 of every
    // tile and bytes [ix0 + 2, ix0 + 18) columns q = 4, 5; byte shuffles split them by phase.
    // Same values as the staged path below, so the same results.
    if (dw == 1 && oy0[t0] >= 0 && oy0[t0 + kL - 1] == oy0[t0] &&
        ox0[t0 + kL - 1] == ox0[t0] + kTile * (kL - 1)) {
      const int64_t iy0 = oy0[t0] - s.pad_t, ix0 = ox0[t0] - s.pad_l;
      if (iy0 >= 0 && iy0 + 5 * dh < s.in_h && ix0 >= 0 && ix0 + kTile * kL + 2 <= s.in_w) {
        for (int64_t c = 0; c < C; ++c) {
          const T* xc = x + c * plane + iy0 * s.in_w + ix0;
          if (c + kPrefetchChannels < C) {
            const T* xp = xc + kPrefetchChannels * plane;
            for (int r = 0; r < kIn; ++r) hwy::Prefetch(xp + r * dh * s.in_w);
          }
          VF in[kIn][kIn];
          for (int r = 0; r < kIn; ++r) {
            const T* row = xc + r * dh * s.in_w;
            const v128_t a = wasm_v128_load(row), b = wasm_v128_load(row + 2);
            in[r][0] = BytePhase<T, 0>(a, zp);
            in[r][1] = BytePhase<T, 1>(a, zp);
            in[r][2] = BytePhase<T, 2>(a, zp);
            in[r][3] = BytePhase<T, 3>(a, zp);
            in[r][4] = BytePhase<T, 2>(b, zp);
            in[r][5] = BytePhase<T, 3>(b, zp);
          }
          TransformAndStoreInputTile(in, V + c * tb + t0, vse);
        }
        continue;
      }
    }
#endif
    ZeroFloats(stage, kIn * StageRow(kL) + (2 * kIn + 1) * kL);  // with tails and ends
    int64_t nseg = 0;
    for (int64_t l = 0; l < kL;) {
      if (oy0[t0 + l] < 0) break;
      int64_t n = 1;
      while (l + n < kL && oy0[t0 + l + n] == oy0[t0 + l] &&
             ox0[t0 + l + n] == ox0[t0 + l] + kTile * dw * n) {
        ++n;
      }
      Segment sg;
      sg.l0 = l;
      sg.n = n;
      sg.iy0 = oy0[t0 + l] - s.pad_t;
      sg.ix0 = ox0[t0 + l] - s.pad_l;
      const int64_t cnt = kTile * n;
      // Columns ix0 + dw * j inside [0, in_w).
      sg.lo = sg.ix0 >= 0 ? 0 : (-sg.ix0 + dw - 1) / dw;
      sg.hi = sg.ix0 < s.in_w ? (s.in_w - 1 - sg.ix0) / dw + 1 : 0;
      sg.lo = std::min(sg.lo, cnt);
      sg.hi = std::clamp(sg.hi, sg.lo, cnt);
      const int64_t c4 = sg.ix0 + dw * cnt, c5 = c4 + dw;
      sg.c4 = c4 >= 0 && c4 < s.in_w ? c4 : -1;
      sg.c5 = c5 >= 0 && c5 < s.in_w ? c5 : -1;
      segs[nseg++] = sg;
      ends[l + n - 1] = 1.0f;
      l += n;
    }
    const auto end_mask = hn::Gt(hn::LoadU(d, ends), hn::Zero(d));
    // Prefetch the first run's rows a few channels ahead (input planes are far larger than the
    // caches and the rows are short runs).
    int64_t pf_rows[kIn], pf_count = 0, pf_len = 0;
    if (nseg > 0 && segs[0].hi > segs[0].lo) {
      const Segment& sg = segs[0];
      const int64_t first = sg.ix0 + dw * sg.lo;
      pf_len = dw * (sg.hi - sg.lo - 1) + 1;
      for (int r = 0; r < kIn; ++r) {
        const int64_t iy = sg.iy0 + r * dh;
        if (iy >= 0 && iy < s.in_h) pf_rows[pf_count++] = iy * s.in_w + first;
      }
    }
    for (int64_t c = 0; c < C; ++c) {
      const T* xc = x + c * plane;
      if (c + kPrefetchChannels < C) {
        const T* xp = xc + kPrefetchChannels * plane;
        for (int64_t i = 0; i < pf_count; ++i) {
          for (int64_t j = 0; j < pf_len; j += 64) hwy::Prefetch(xp + pf_rows[i] + j);
          hwy::Prefetch(xp + pf_rows[i] + pf_len - 1);
        }
      }
      VF in[kIn][kIn];
      for (int r = 0; r < kIn; ++r) {
        float* srow = stage + r * StageRow(kL);
        float* t4 = tails + 2 * r * kL;
        float* t5 = t4 + kL;
        for (int64_t si = 0; si < nseg; ++si) {
          const Segment& sg = segs[si];
          const int64_t iy = sg.iy0 + r * dh, cnt = kTile * sg.n, last = sg.l0 + sg.n - 1;
          float* dst = srow + kTile * sg.l0;
          if (iy < 0 || iy >= s.in_h) {
            ZeroFloats(dst, cnt);
            t4[last] = t5[last] = 0.0f;
            continue;
          }
          const T* row = xc + iy * s.in_w;
          ZeroFloats(dst, sg.lo);
          if (dw == 1) {
            ConvertRow(dst + sg.lo, row + sg.ix0 + sg.lo, sg.hi - sg.lo, zp);
          } else {
            const T* src = row + sg.ix0;
            for (int64_t j = sg.lo; j < sg.hi; ++j) {
              dst[j] = static_cast<float>(src[j * dw]) - job.x_zp;
            }
          }
          ZeroFloats(dst + sg.hi, cnt - sg.hi);
          t4[last] = sg.c4 >= 0 ? static_cast<float>(row[sg.c4]) - job.x_zp : 0.0f;
          t5[last] = sg.c5 >= 0 ? static_cast<float>(row[sg.c5]) - job.x_zp : 0.0f;
        }
        VF v4, v5, junk0, junk1;
        hn::LoadInterleaved4(d, srow, in[r][0], in[r][1], in[r][2], in[r][3]);
        hn::LoadInterleaved4(d, srow + 4, v4, v5, junk0, junk1);
        in[r][4] = hn::IfThenElse(end_mask, hn::LoadU(d, t4), v4);
        in[r][5] = hn::IfThenElse(end_mask, hn::LoadU(d, t5), v5);
      }
      TransformAndStoreInputTile(in, V + c * tb + t0, vse);
    }
  }
}

// Keeps the compiler from fusing a multiply with the following add (GCC contracts intrinsics
// into FMAs where the target has them): the dequantising epilogue must round the product and the
// sum separately, as PackedConvInteger's exact kernels do.
HWY_INLINE VF Unfused(VF v) {
#if (HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL) && (HWY_COMPILER_GCC || HWY_COMPILER_CLANG)
  asm("" : "+v"(v.raw));
#elif HWY_TARGET == HWY_AVX2 && (HWY_COMPILER_GCC || HWY_COMPILER_CLANG)
  asm("" : "+x"(v.raw));
#endif
  return v;
}

// Output transform + epilogue of output channels [oc_lo, oc_hi) whose M rows start at oc_lo:
//  - kF32: + bias, ReLU;
//  - kI32: the sum rounded to the nearest int32 (half to even);
//  - kDequant: relu?(float(that int32) * scale + bias), rounded in that order like
//    PackedConvInteger's StoreInt, so sums that float holds exactly give identical outputs.
// Integer sums over many channels run in chunks of channels (see kExactChannels): acc_in, when
// given, holds the rounded sums of the chunks before, added here; with acc_out the rounded sums
// (plus acc_in) go there instead of to the output. Both are [oc - oc_lo][16][tb] int32.
template <OutKind K>
void TransformOutputs(const Job& job, const Plan& plan, const int64_t* oy0, const int64_t* ox0,
                      int64_t oc_lo, int64_t oc_hi, int64_t m_rows, Scratch& sc,
                      const int32_t* acc_in = nullptr, int32_t* acc_out = nullptr) {
  const ConvShape& s = job.s;
  const DF d;
  const hn::RebindToSigned<DF> di;
  using VI = hn::Vec<decltype(di)>;
  const int64_t tb = plan.tiles_per_block, P = s.out_h * s.out_w;
  const int64_t dh = s.dil_h, dw = s.dil_w;
  const float* HWY_RESTRICT M = sc.m.p;
  float* HWY_RESTRICT obuf = sc.out.p;  // [16][kL]
  int32_t* HWY_RESTRICT obuf_int = reinterpret_cast<int32_t*>(sc.out.p);
  const bool relu = K == OutKind::kF32 ? job.ep.relu : job.dq.relu;
  const float* bias_data = K == OutKind::kF32 ? job.ep.bias : job.dq.bias;
  for (int64_t oc = oc_lo; oc < oc_hi; ++oc) {
    const VF bias = hn::Set(d, bias_data ? bias_data[oc] : 0.0f);
    VF scale = hn::Zero(d);
    if constexpr (K == OutKind::kDequant) {
      scale = hn::Set(d, job.dq.scale[job.dq.scale_per_channel ? oc : 0]);
    }
    float* yc = K == OutKind::kI32 ? nullptr : job.y + oc * P;
    int32_t* yci = K == OutKind::kI32 ? job.y_int + oc * P : nullptr;
    const int64_t acc_off = (oc - oc_lo) * 16 * tb;
    for (int64_t t0 = 0; t0 < tb; t0 += kL) {
      if (oy0[t0] < 0) break;
      VF tmp[kTile][kIn];
      for (int b = 0; b < kIn; ++b) {
        VF col[kIn], res[kTile];
        for (int a = 0; a < kIn; ++a) {
          col[a] =
              hn::Load(d, M + (a * kIn + b) * (m_rows * tb + kSlicePad) + (oc - oc_lo) * tb + t0);
        }
        OutputTransform1D(col, res);
        for (int i = 0; i < kTile; ++i) tmp[i][b] = res[i];
      }
      VF out[kTile][kTile];
      VI out_int[kTile][kTile];
      for (int i = 0; i < kTile; ++i) {
        VF res[kTile];
        OutputTransform1D(tmp[i], res);
        for (int j = 0; j < kTile; ++j) {
          if constexpr (K == OutKind::kF32) {
            VF v = hn::Add(res[j], bias);
            if (relu) v = hn::Max(v, hn::Zero(d));
            out[i][j] = v;
          } else {
            VI vi = hn::NearestInt(res[j]);
            const int64_t at = acc_off + (i * kTile + j) * tb + t0;
            if (acc_in) vi = hn::Add(vi, hn::LoadU(di, acc_in + at));
            if (acc_out) {
              hn::StoreU(vi, di, acc_out + at);
              continue;
            }
            out_int[i][j] = vi;
            if constexpr (K == OutKind::kDequant) {
              // float(int32), then * scale and + bias rounded separately; ReLU as v > 0 ? v : +0.
              VF v = Unfused(hn::Mul(hn::ConvertTo(d, vi), scale));
              if (bias_data) v = hn::Add(v, bias);
              if (relu) v = hn::IfThenElseZero(hn::Gt(v, hn::Zero(d)), v);
              out[i][j] = v;
            }
          }
        }
      }
      if (acc_out) continue;
      const bool fast = dw == 1 && oy0[t0 + kL - 1] == oy0[t0] &&
                        ox0[t0 + kL - 1] == ox0[t0] + kTile * (kL - 1) &&
                        oy0[t0] + 3 * dh < s.out_h && ox0[t0] + kTile * kL <= s.out_w;
      if (fast) {
        for (int i = 0; i < kTile; ++i) {
          const int64_t off = (oy0[t0] + i * dh) * s.out_w + ox0[t0];
          if constexpr (K == OutKind::kI32) {
            hn::StoreInterleaved4(out_int[i][0], out_int[i][1], out_int[i][2], out_int[i][3], di,
                                  yci + off);
          } else {
            hn::StoreInterleaved4(out[i][0], out[i][1], out[i][2], out[i][3], d, yc + off);
          }
        }
        continue;
      }
      for (int i = 0; i < kTile; ++i) {
        for (int j = 0; j < kTile; ++j) {
          if constexpr (K == OutKind::kI32) {
            hn::Store(out_int[i][j], di, obuf_int + (i * kTile + j) * kL);
          } else {
            hn::Store(out[i][j], d, obuf + (i * kTile + j) * kL);
          }
        }
      }
      for (int64_t l = 0; l < kL; ++l) {
        if (oy0[t0 + l] < 0) break;
        for (int i = 0; i < kTile; ++i) {
          const int64_t oy = oy0[t0 + l] + i * dh;
          if (oy >= s.out_h) break;
          for (int j = 0; j < kTile; ++j) {
            const int64_t ox = ox0[t0 + l] + j * dw;
            if (ox >= s.out_w) break;
            if constexpr (K == OutKind::kI32) {
              yci[oy * s.out_w + ox] = obuf_int[(i * kTile + j) * kL + l];
            } else {
              yc[oy * s.out_w + ox] = obuf[(i * kTile + j) * kL + l];
            }
          }
        }
      }
    }
  }
}

void WidenHalfsN(const uint16_t* src, float* dst, int64_t n) { WidenHalfs(src, dst, n); }
void DequantizeInt8N(const int8_t* src, const float* scale, float sc, int64_t n, float* dst) {
  DequantizeInt8Row(src, scale, sc, n, dst);
}

// Returns false when out of memory.
bool Run(const Job& job) {
  const ConvShape& s = job.s;
  const int64_t C = s.in_c, OC = s.out_c;
  const TileGrid grid = MakeTileGrid(s);
  const Plan plan = MakePlan(s, grid.count, kMr, kNr);
  const int64_t tb = plan.tiles_per_block;
  const int64_t pass_blocks = plan.oc_pass / kMr;
  // Integer outputs sum their channels in chunks of at most kExactChannels, each rounded to an
  // integer and added exactly in int32, so the float error stays that of a chunk.
  const int64_t c_chunks =
      job.out_kind == OutKind::kF32 ? 1 : (C + kExactChannels - 1) / kExactChannels;
  const int64_t c_step = (C + c_chunks - 1) / c_chunks;
  // The transformed weights live in a per-thread buffer kept between calls (at most
  // kWinogradWeightChunkBytes): a fresh one per call cost page faults on every layer.
  AlignedFloats& u = ThreadWeightScratch();
  if (!u.Reserve(kPoints * C * plan.oc_pass)) return false;
  std::atomic<bool> oom{false};
  for (int64_t n = 0; n < s.batch; ++n) {
    Job img = job;  // this image's input and output
    const int64_t x_off = n * C * s.in_h * s.in_w, y_off = n * OC * s.out_h * s.out_w;
    const size_t x_bytes = job.in_kind == InKind::kF32 ? sizeof(float) : 1;
    img.x = static_cast<const char*>(job.x) + x_off * static_cast<int64_t>(x_bytes);
    if (job.y) img.y = job.y + y_off;
    if (job.y_int) img.y_int = job.y_int + y_off;
    for (int64_t oc_base = 0; oc_base < OC; oc_base += plan.oc_pass) {
      const int64_t oc_end = std::min(OC, oc_base + plan.oc_pass);
      const int64_t blocks_here = (oc_end - oc_base + kMr - 1) / kMr;
      ParallelFor(job.pool, blocks_here, [&](int64_t b0, int64_t b1) {
        TransformWeights(job, oc_base, pass_blocks, b0, b1, u.p);
      });
      const int64_t chunks = (oc_end - oc_base + plan.oc_chunk - 1) / plan.oc_chunk;
      int64_t splits = 1;
      if (plan.blocks < kMinUnits)
        splits = std::min(chunks, (kMinUnits + plan.blocks - 1) / plan.blocks);
      const int64_t chunks_per_split = (chunks + splits - 1) / splits;
      splits = (chunks + chunks_per_split - 1) / chunks_per_split;
      ParallelFor(job.pool, plan.blocks * splits, [&](int64_t u0, int64_t u1) {
        Scratch sc;
        // V has one spare row of tb floats: GCC 12 vectorises the HWY_SCALAR Gemm with a junk
        // load of the next row of v (discarded, but it faults past the end of a mapping).
        if (!sc.v.Allocate(kPoints * (C * tb + kSlicePad) + tb) ||
            !sc.m.Allocate(kPoints * (plan.oc_chunk * tb + kSlicePad)) ||
            !sc.gather.Allocate(kPoints * kL) || !sc.out.Allocate(16 * kL) ||
            !sc.stage.Allocate(kIn * StageRow(kL) + (2 * kIn + 1) * kL)) {
          oom = true;
          return;
        }
        if (c_chunks > 1) {
          sc.acc.reset(new (std::nothrow) int32_t[static_cast<size_t>(plan.oc_chunk * 16 * tb)]);
          if (!sc.acc) {
            oom = true;
            return;
          }
        }
        sc.oy.reset(new (std::nothrow) int64_t[static_cast<size_t>(tb)]);
        sc.ox.reset(new (std::nothrow) int64_t[static_cast<size_t>(tb)]);
        if (!sc.oy || !sc.ox) {
          oom = true;
          return;
        }
        int64_t have_block = -1;
        for (int64_t unit = u0; unit < u1; ++unit) {
          const int64_t block = unit / splits, split = unit % splits;
          if (block != have_block) {
            TileOrigins(grid, block * tb, tb, sc.oy.get(), sc.ox.get());
            switch (job.in_kind) {
              case InKind::kF32:
                TransformInputs(img, plan, sc.oy.get(), sc.ox.get(),
                                static_cast<const float*>(img.x), sc);
                break;
              case InKind::kU8:
                TransformInputsInt(img, plan, sc.oy.get(), sc.ox.get(),
                                   static_cast<const uint8_t*>(img.x), sc);
                break;
              case InKind::kS8:
                TransformInputsInt(img, plan, sc.oy.get(), sc.ox.get(),
                                   static_cast<const int8_t*>(img.x), sc);
                break;
            }
            have_block = block;
          }
          const int64_t ch0 = split * chunks_per_split,
                        ch1 = std::min(chunks, ch0 + chunks_per_split);
          for (int64_t ch = ch0; ch < ch1; ++ch) {
            const int64_t lo = oc_base + ch * plan.oc_chunk;
            const int64_t hi = std::min(oc_end, lo + plan.oc_chunk);
            const int64_t rows = (hi - lo + kMr - 1) / kMr * kMr;
            const int64_t b_first = (lo - oc_base) / kMr;
            for (int64_t k = 0; k < c_chunks; ++k) {
              const int64_t c0 = k * c_step, cn = std::min(C, c0 + c_step) - c0;
              for (int e = 0; e < kPoints; ++e) {
                const float* Ve = sc.v.p + e * (C * tb + kSlicePad) + c0 * tb;
                float* Me = sc.m.p + e * (rows * tb + kSlicePad);
                for (int64_t j = 0; j < tb; j += kNr) {
                  for (int64_t r = 0; r < rows; r += kMr) {
                    const float* Ub =
                        u.p + ((e * pass_blocks + b_first + r / kMr) * C + c0) * kMr;
                    Gemm(cn, Ub, Ve + j, tb, Me + r * tb + j, tb);
                  }
                }
              }
              int32_t* acc = c_chunks > 1 ? sc.acc.get() : nullptr;
              const int32_t* acc_in = k > 0 ? acc : nullptr;
              int32_t* acc_out = k + 1 < c_chunks ? acc : nullptr;
              switch (job.out_kind) {
                case OutKind::kF32:
                  TransformOutputs<OutKind::kF32>(img, plan, sc.oy.get(), sc.ox.get(), lo, hi,
                                                  rows, sc);
                  break;
                case OutKind::kI32:
                  TransformOutputs<OutKind::kI32>(img, plan, sc.oy.get(), sc.ox.get(), lo, hi,
                                                  rows, sc, acc_in, acc_out);
                  break;
                case OutKind::kDequant:
                  TransformOutputs<OutKind::kDequant>(img, plan, sc.oy.get(), sc.ox.get(), lo,
                                                      hi, rows, sc, acc_in, acc_out);
                  break;
              }
            }
          }
        }
      });
      if (oom) return false;
    }
  }
  return true;
}

// NOLINTNEXTLINE(google-readability-namespace-comments)
}  // namespace HWY_NAMESPACE
}  // namespace bgone::kernels::winograd_internal
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace bgone::kernels {
namespace winograd_internal {
namespace {

using RunFn = bool (*)(const Job&);
using WidenFn = void (*)(const uint16_t*, float*, int64_t);
using DequantizeFn = void (*)(const int8_t*, const float*, float, int64_t, float*);

// The compiled target for `isa`, or the static (baseline) one.
struct Target {
  RunFn run;
  WidenFn widen;
  DequantizeFn dequantize;
  const char* name;
};

Target PickTarget(ConvIsa isa) {
  isa = conv_internal::ResolveIsa(isa);
#if HWY_ARCH_X86
  // Once: SupportedTargets() runs CPUID, which a virtual machine traps (microseconds a call), and
  // the direct path's int8 packing asks for the target once per block of a row.
  static const int64_t supported = hwy::SupportedTargets();
#if HWY_TARGETS & HWY_AVX3
  if (isa == ConvIsa::kAvx512 && (supported & HWY_AVX3)) {
    return {&N_AVX3::Run, &N_AVX3::WidenHalfsN, &N_AVX3::DequantizeInt8N, "AVX3"};
  }
#endif
#if HWY_TARGETS & HWY_AVX2
  if ((isa == ConvIsa::kAvx512 || isa == ConvIsa::kAvx2) && (supported & HWY_AVX2)) {
    return {&N_AVX2::Run, &N_AVX2::WidenHalfsN, &N_AVX2::DequantizeInt8N, "AVX2"};
  }
#endif
#endif
  return {&HWY_STATIC_DISPATCH(Run), &HWY_STATIC_DISPATCH(WidenHalfsN),
          &HWY_STATIC_DISPATCH(DequantizeInt8N), hwy::TargetName(HWY_STATIC_TARGET)};
}

}  // namespace
}  // namespace winograd_internal

bool WinogradSupports(const ConvShape& s) {
  // Gathers address a channel plane with int32 offsets.
  return s.k_h == 3 && s.k_w == 3 && s.stride_h == 1 && s.stride_w == 1 && s.group == 1 &&
         s.dil_h >= 1 && s.dil_w >= 1 && s.in_h * s.in_w <= int64_t{1} << 30;
}

bool WinogradPreferred(const ConvShape& s) {
  if (!WinogradSupports(s)) return false;
  // Measured with tests/kernels/conv_bench.cc --all (AVX-512, 1 and 2 threads): Winograd wins
  // 1.4-3.3x from 32x32 outputs up when both channel counts are >= 16 and their product >= 1024;
  // below (16x16 outputs, 16 -> 16 or 32 -> 16 channels) the transforms cost about what they
  // save. Few output channels (IS-Net's 64 -> 1 side outputs) waste most of the direct kernel's
  // rows, so Winograd wins there too (4x for 64 -> 1 at 512x512).
  const int64_t tiles_per_image = ((s.out_h + 3) / 4) * ((s.out_w + 3) / 4);
  if (tiles_per_image < 64 || s.in_c < 16) return false;
  return s.out_c < 16 ? s.in_c >= 32 : s.in_c * s.out_c >= 1024;
}

const char* WinogradTargetName(ConvIsa isa) { return winograd_internal::PickTarget(isa).name; }

void WinogradWidenHalfs(ConvIsa isa, const uint16_t* src, float* dst, int64_t n) {
  winograd_internal::PickTarget(isa).widen(src, dst, n);
}

void WinogradDequantizeInt8(ConvIsa isa, const int8_t* src, const float* scale, float sc, int64_t n,
                            float* dst) {
  winograd_internal::PickTarget(isa).dequantize(src, scale, sc, n, dst);
}

Status WinogradConvInteger(const ConvShape& s, const ConvIntegerInputs& in,
                           const ConvIntegerDequant* dq, int32_t* y_int, float* y_float,
                           ThreadPool* pool, ConvIsa isa) {
  if (!WinogradSupports(s)) {
    return InternalError("Winograd convolution does not support " + s.ToString());
  }
  if (in.x == nullptr || in.w == nullptr || in.w_zero_points == nullptr ||
      (dq ? (y_float == nullptr || dq->scale == nullptr) : y_int == nullptr)) {
    return InternalError("Winograd integer convolution: missing inputs or output");
  }
  if (s.batch == 0 || s.out_c == 0 || s.out_pixels() == 0) return OkStatus();
  if (s.in_c == 0) {  // empty sums
    for (int64_t i = 0; i < s.batch * s.out_c; ++i) {
      const int64_t oc = i % s.out_c, P = s.out_pixels();
      if (dq == nullptr) {
        std::fill(y_int + i * P, y_int + (i + 1) * P, 0);
        continue;
      }
      float v = 0.0f * dq->scale[dq->scale_per_channel ? oc : 0];
      if (dq->bias) v += dq->bias[oc];
      if (dq->relu && !(v > 0)) v = 0;
      std::fill(y_float + i * P, y_float + (i + 1) * P, v);
    }
    return OkStatus();
  }
  winograd_internal::Job job;
  job.s = s;
  job.in_kind = in.x_signed ? winograd_internal::InKind::kS8 : winograd_internal::InKind::kU8;
  job.x = in.x;
  job.x_zp = static_cast<float>(in.x_zero_point);
  job.w8 = in.w;
  job.w8_signed = in.w_signed;
  job.w_zp = in.w_zero_points;
  if (dq) {
    job.out_kind = winograd_internal::OutKind::kDequant;
    job.dq = *dq;
    job.y = y_float;
  } else {
    job.out_kind = winograd_internal::OutKind::kI32;
    job.y_int = y_int;
  }
  job.pool = pool;
  if (!winograd_internal::PickTarget(isa).run(job)) {
    return ResourceExhaustedError("out of memory for the Winograd convolution scratch");
  }
  return OkStatus();
}

Status WinogradConvF32(const ConvShape& s, const float* x, const Winograd3x3Weights& w,
                       const ConvEpilogue& ep, float* y, ThreadPool* pool, ConvIsa isa) {
  if (!WinogradSupports(s)) {
    return InternalError("Winograd convolution does not support " + s.ToString());
  }
  const int sources = (w.data != nullptr) + (w.f16 != nullptr) + (w.i8 != nullptr);
  if (w.mr < 1 || sources != 1 || (w.data == nullptr && w.mr != 1) ||
      (w.i8 != nullptr && (w.i8_scale == nullptr || w.i8_block < 0))) {
    return InternalError("Winograd weights missing or in an unsupported layout");
  }
  if (s.batch == 0 || s.out_c == 0 || s.out_pixels() == 0) return OkStatus();
  if (s.in_c == 0) {
    for (int64_t i = 0; i < s.batch * s.out_c; ++i) {
      float b = ep.bias ? ep.bias[i % s.out_c] : 0.0f;
      if (ep.relu && !(b > 0)) b = 0;
      std::fill(y + i * s.out_pixels(), y + (i + 1) * s.out_pixels(), b);
    }
    return OkStatus();
  }
  winograd_internal::Job job;
  job.s = s;
  job.x = x;
  job.w = w;
  job.ep = ep;
  job.y = y;
  job.pool = pool;
  if (!winograd_internal::PickTarget(isa).run(job)) {
    return ResourceExhaustedError("out of memory for the Winograd convolution scratch");
  }
  return OkStatus();
}

}  // namespace bgone::kernels
#endif  // HWY_ONCE
