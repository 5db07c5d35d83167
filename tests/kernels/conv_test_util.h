// Random problems shared by the convolution kernel tests.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

#include "engine/kernels/conv.h"

namespace bgone::kernels::testutil {

// A 3x3 stride-1 geometry (the Winograd case) with dilations (dil_h, dil_w): channels in
// [1, max_c], sizes in [1, max_h] x [1, max_w] large enough for the kernel's span, pads
// 0..dilation on each side, sometimes a batch of two.
inline ConvShape RandomDilated3x3Shape(std::mt19937& rng, int64_t max_c, int64_t max_h,
                                       int64_t max_w, int64_t dil_h, int64_t dil_w) {
  auto r = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  ConvShape s;
  s.batch = r(0, 5) == 0 ? 2 : 1;
  s.in_c = r(1, max_c);
  s.out_c = r(1, max_c);
  s.k_h = s.k_w = 3;
  s.dil_h = dil_h;
  s.dil_w = dil_w;
  s.pad_t = r(0, dil_h);
  s.pad_l = r(0, dil_w);
  const int64_t pad_b = r(0, dil_h), pad_r = r(0, dil_w);
  for (;;) {
    s.in_h = r(1, max_h);
    s.in_w = r(1, max_w);
    const int64_t span_h = 2 * dil_h + 1, span_w = 2 * dil_w + 1;
    if (s.in_h + s.pad_t + pad_b >= span_h && s.in_w + s.pad_l + pad_r >= span_w) {
      s.out_h = s.in_h + s.pad_t + pad_b - span_h + 1;
      s.out_w = s.in_w + s.pad_l + pad_r - span_w + 1;
      return s;
    }
  }
}

// n floats uniform in [-1, 1).
inline std::vector<float> RandomFloats(std::mt19937& rng, int64_t n) {
  std::uniform_real_distribution<float> d(-1, 1);
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = d(rng);
  return v;
}

// 3x3 int8 weights q [out_c][in_c][9] as DequantizeLinear gives them, float(q) * scale: one scale
// per output channel (block 0) or per (oc, c / block, tap), laid out [out_c][ceil(in_c / block)][9]
// (PackedConvF32::PackConstantInt8's and Winograd3x3Weights::i8's layouts).
inline std::vector<float> DequantizeInt8(const std::vector<int8_t>& q, const std::vector<float>& scale,
                                         int64_t out_c, int64_t in_c, int64_t block) {
  const int64_t nb = block > 0 ? (in_c + block - 1) / block : 0;
  std::vector<float> w(q.size());
  for (int64_t oc = 0; oc < out_c; ++oc) {
    for (int64_t j = 0; j < in_c * 9; ++j) {
      const size_t i = static_cast<size_t>(oc * in_c * 9 + j);
      const float sc = block > 0 ? scale[static_cast<size_t>((oc * nb + (j / 9) / block) * 9 + j % 9)]
                                 : scale[static_cast<size_t>(oc)];
      w[i] = static_cast<float>(static_cast<int32_t>(q[i])) * sc;
    }
  }
  return w;
}

// An 8-bit zero point: often an extreme of the type, else random.
inline int32_t RandomZeroPoint(std::mt19937& rng, bool is_signed) {
  int pick = std::uniform_int_distribution<int>(0, 5)(rng);
  if (pick == 0) return is_signed ? -128 : 0;
  if (pick == 1) return is_signed ? 127 : 255;
  int v = std::uniform_int_distribution<int>(0, 255)(rng);
  return is_signed ? v - 128 : v;
}

}  // namespace bgone::kernels::testutil
