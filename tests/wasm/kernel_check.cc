// The Winograd kernels of the WebAssembly build (Highway's HWY_WASM target, which the native
// GoogleTest suites never run) against the scalar references, in node: built as
// build/wasm/wasm/bgone-kernel-check.js by the wasm preset and run by
// web/tests/wasm_smoke.test.mjs. Prints one line per failure and a summary; exit status 1 on any
// failure.
//
// - ConvInteger (WinogradConvInteger, uint8 and int8 inputs and weights, random zero points):
//   values stay within a few steps of their zero points, so every sum is small enough that the
//   float path must round it to the exact ConvIntegerReference result (see
//   tests/kernels/winograd_int_test.cc for the bound: 2e-5 * sum |x - xz| |w - wz| + 0.5 < 1).
// - Float (WinogradConvF32): |y - ref| <= 2e-5 * (|x| * |w| summed over the receptive field) +
//   1e-6, the bound of tests/kernels/winograd_test.cc.
// Shapes: random dilated 3x3 geometries (odd sizes, pads, batches), plus rows wide enough that
// groups of four tiles are read straight from the image (the 8-bit direct tile loads) next to
// groups at the borders that are staged.
#include <cmath>
#include <cstring>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

#include "engine/kernels/conv.h"
#include "engine/kernels/int4.h"
#include "engine/kernels/winograd.h"
#include "tests/kernels/conv_test_util.h"

namespace bgone::kernels {
namespace {

int failures = 0;

void Fail(const ConvShape& s, const char* what, size_t i, double got, double want) {
  if (++failures <= 20) {
    std::printf("FAIL %s %s: element %zu is %.9g, expected %.9g\n", what, s.ToString().c_str(), i,
                got, want);
  }
}

ConvShape Shape(std::mt19937& rng, bool wide) {
  auto r = [&](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  const int64_t dil = r(0, 3) == 0 ? r(2, 4) : 1;
  if (!wide) return testutil::RandomDilated3x3Shape(rng, 40, 24, 24, dil, dil);
  return testutil::RandomDilated3x3Shape(rng, 40, 40, 90, 1, 1);
}

void CheckInteger(std::mt19937& rng, const ConvShape& s) {
  const bool x_signed = rng() & 1, w_signed = rng() & 1;
  const int spread = 3;
  ConvIntegerInputs in;
  in.x_signed = x_signed;
  in.w_signed = w_signed;
  in.x_zero_point = testutil::RandomZeroPoint(rng, x_signed);
  std::vector<int32_t> wzp(static_cast<size_t>(s.out_c));
  for (auto& z : wzp) z = testutil::RandomZeroPoint(rng, w_signed);
  auto value = [&](int32_t zp, bool is_signed) {
    const int lo = is_signed ? -128 : 0, hi = is_signed ? 127 : 255;
    const int v = std::uniform_int_distribution<int>(std::max(lo, zp - spread),
                                                     std::min(hi, zp + spread))(rng);
    return static_cast<uint8_t>(v & 0xff);
  };
  std::vector<uint8_t> x(static_cast<size_t>(s.batch * s.in_c * s.in_h * s.in_w));
  for (auto& v : x) v = value(in.x_zero_point, x_signed);
  std::vector<uint8_t> w(static_cast<size_t>(s.out_c * s.in_c * 9));
  for (size_t i = 0; i < w.size(); ++i) w[i] = value(wzp[i / static_cast<size_t>(s.in_c * 9)], w_signed);
  in.x = x.data();
  in.w = w.data();
  in.w_zero_points = wzp.data();
  const size_t n = static_cast<size_t>(s.batch * s.out_c * s.out_pixels());
  std::vector<int32_t> ref(n), got(n, -7);
  ConvIntegerReference(s, in, ref.data());
  const Status st = WinogradConvInteger(s, in, nullptr, got.data(), nullptr, nullptr, ConvIsa::kGeneric);
  if (!st.ok()) {
    Fail(s, "integer (status)", 0, 0, 0);
    return;
  }
  for (size_t i = 0; i < n; ++i) {
    if (got[i] != ref[i]) {
      Fail(s, x_signed ? "integer (int8 x)" : "integer (uint8 x)", i, got[i], ref[i]);
      return;
    }
  }
}

void CheckFloat(std::mt19937& rng, const ConvShape& s) {
  const std::vector<float> x = testutil::RandomFloats(rng, s.batch * s.in_c * s.in_h * s.in_w);
  const std::vector<float> w = testutil::RandomFloats(rng, s.out_c * s.in_c * 9);
  const std::vector<float> bias = testutil::RandomFloats(rng, s.out_c);
  std::vector<float> ax(x.size()), aw(w.size());
  for (size_t i = 0; i < x.size(); ++i) ax[i] = std::fabs(x[i]);
  for (size_t i = 0; i < w.size(); ++i) aw[i] = std::fabs(w[i]);
  const size_t n = static_cast<size_t>(s.batch * s.out_c * s.out_pixels());
  std::vector<float> ref(n), mag(n), got(n, -7.0f);
  ConvEpilogue ep;
  ep.bias = bias.data();
  ConvReferenceF32(s, x.data(), w.data(), ep, ref.data());
  ConvReferenceF32(s, ax.data(), aw.data(), ConvEpilogue{}, mag.data());
  Winograd3x3Weights ww;
  ww.data = w.data();
  const Status st = WinogradConvF32(s, x.data(), ww, ep, got.data(), nullptr, ConvIsa::kGeneric);
  if (!st.ok()) {
    Fail(s, "float (status)", 0, 0, 0);
    return;
  }
  for (size_t i = 0; i < n; ++i) {
    if (!(std::fabs(got[i] - ref[i]) <= 2e-5 * mag[i] + 1e-6)) {
      Fail(s, "float", i, got[i], ref[i]);
      return;
    }
  }
}

// int8 weights with per-output-channel scales (weight-only quantized models) read by the weight
// transform: bit-identical to the same weights dequantized first (float(q) * scale).
void CheckInt8Weights(std::mt19937& rng, const ConvShape& s, int64_t block) {
  const std::vector<float> x = testutil::RandomFloats(rng, s.batch * s.in_c * s.in_h * s.in_w);
  std::vector<int8_t> q(static_cast<size_t>(s.out_c * s.in_c * 9));
  for (auto& v : q) v = static_cast<int8_t>(std::uniform_int_distribution<int>(-127, 127)(rng));
  const int64_t nb = block ? (s.in_c + block - 1) / block : 0;
  std::vector<float> scale(static_cast<size_t>(block ? s.out_c * nb * 9 : s.out_c));
  for (auto& v : scale) v = std::uniform_real_distribution<float>(1e-3f, 2e-2f)(rng);
  const std::vector<float> deq = testutil::DequantizeInt8(q, scale, s.out_c, s.in_c, block);
  const size_t n = static_cast<size_t>(s.batch * s.out_c * s.out_pixels());
  std::vector<float> want(n), got(n, -7.0f);
  ConvEpilogue ep;
  Winograd3x3Weights wf, wq;
  wf.data = deq.data();
  wq.i8 = q.data();
  wq.i8_scale = scale.data();
  wq.i8_block = block;
  if (!WinogradConvF32(s, x.data(), wf, ep, want.data(), nullptr, ConvIsa::kGeneric).ok() ||
      !WinogradConvF32(s, x.data(), wq, ep, got.data(), nullptr, ConvIsa::kGeneric).ok()) {
    Fail(s, "int8 weights (status)", 0, 0, 0);
    return;
  }
  if (std::memcmp(want.data(), got.data(), n * sizeof(float)) != 0) {
    for (size_t i = 0; i < n; ++i) {
      if (std::memcmp(&want[i], &got[i], sizeof(float)) != 0) {
        Fail(s, "int8 weights", i, got[i], want[i]);
        return;
      }
    }
  }
}

// UnpackInt4's WASM SIMD path against its scalar reference, signed and unsigned, odd lengths.
void CheckUnpackInt4(std::mt19937& rng) {
  std::vector<uint8_t> src(777);
  for (size_t i = 0; i < src.size(); ++i) src[i] = i < 256 ? static_cast<uint8_t>(i) : static_cast<uint8_t>(rng());
  for (bool is_signed : {true, false}) {
    for (uint64_t n : {1, 31, 32, 33, 64, 65, 511, 1553, 1554}) {
      std::vector<uint8_t> want(n), got(n);
      UnpackInt4Scalar(src.data(), n, is_signed, want.data());
      UnpackInt4(src.data(), n, is_signed, got.data());
      if (got != want) {
        std::printf("UnpackInt4 n=%llu signed=%d differs from the scalar reference\n",
                    static_cast<unsigned long long>(n), is_signed ? 1 : 0);
        ++failures;
      }
    }
  }
}

}  // namespace
}  // namespace bgone::kernels

int main() {
  using namespace bgone::kernels;
  std::mt19937 rng(20261122);
  CheckUnpackInt4(rng);
  const int kCases = 60;
  for (int i = 0; i < kCases; ++i) {
    const ConvShape s = Shape(rng, i % 2 == 0);
    CheckInteger(rng, s);
    CheckFloat(rng, s);
    CheckInt8Weights(rng, s, i % 3 == 0 ? 0 : i % 3 == 1 ? 4 : 64);
  }
  std::printf("%s: %d shapes, target %s, %d failure(s)\n", failures ? "FAILED" : "ok", kCases,
              WinogradTargetName(ConvIsa::kGeneric), failures);
  return failures ? 1 : 0;
}
