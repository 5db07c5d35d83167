// Winograd layers that keep their constant weights (PackedConvF32::PackConstant): fp16 weights
// read by the per-call weight transform must give bit-identical results to widening them first
// and packing (the path every direct layer still takes), for every Highway target, dilation and
// thread count; the widening itself is exact for every half value.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "engine/common/tensor.h"
#include "engine/kernels/conv.h"
#include "tests/kernels/conv_test_util.h"
#include "engine/kernels/winograd.h"
#include "engine/runtime/thread_pool.h"

namespace bgone::kernels {
namespace {

int64_t Rand(std::mt19937& rng, int64_t lo, int64_t hi) {
  return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
}

// 3x3 stride-1 geometry, pads 0..dilation, outputs of at least one pixel.
ConvShape RandomShape(std::mt19937& rng, int64_t max_c, int64_t max_hw, int64_t dil_h,
                      int64_t dil_w) {
  ConvShape s;
  s.batch = Rand(rng, 0, 4) == 0 ? 2 : 1;
  s.in_c = Rand(rng, 1, max_c);
  s.out_c = Rand(rng, 1, max_c);
  s.k_h = s.k_w = 3;
  s.dil_h = dil_h;
  s.dil_w = dil_w;
  s.pad_t = Rand(rng, 0, dil_h);
  s.pad_l = Rand(rng, 0, dil_w);
  const int64_t pad_b = Rand(rng, 0, dil_h), pad_r = Rand(rng, 0, dil_w);
  s.in_h = std::max<int64_t>(Rand(rng, 1, max_hw), 2 * dil_h + 1);
  s.in_w = std::max<int64_t>(Rand(rng, 1, max_hw), 2 * dil_w + 1);
  s.out_h = s.in_h + s.pad_t + pad_b - 2 * dil_h;
  s.out_w = s.in_w + s.pad_l + pad_r - 2 * dil_w;
  return s;
}

// Random halves: mostly the range of trained weights, some subnormals, large values and zeros.
std::vector<uint16_t> RandomHalfs(std::mt19937& rng, int64_t n) {
  std::vector<uint16_t> v(static_cast<size_t>(n));
  std::uniform_real_distribution<float> d(-1, 1);
  for (auto& h : v) {
    switch (Rand(rng, 0, 19)) {
      case 0: h = static_cast<uint16_t>(Rand(rng, 0, 0x3FF) | (Rand(rng, 0, 1) << 15)); break;
      case 1: h = FloatToHalf(d(rng) * 3000.0f); break;
      case 2: h = Rand(rng, 0, 1) ? 0x8000 : 0; break;
      default: h = FloatToHalf(d(rng) * 0.2f); break;
    }
  }
  return v;
}

using testutil::RandomFloats;

Tensor HalfTensor(const ConvShape& s, const std::vector<uint16_t>& h) {
  auto t = Tensor::FromBytes(DType::kFloat16, {s.out_c, s.in_c, 3, 3}, h.data(),
                             h.size() * sizeof(uint16_t));
  EXPECT_TRUE(t.ok());
  return t.ok() ? *std::move(t) : Tensor();
}

std::vector<float> RunLayer(const PackedConvF32& p, const ConvShape& s, const std::vector<float>& x,
                            const ConvEpilogue& ep, ThreadPool* pool) {
  std::vector<float> y(static_cast<size_t>(s.batch * s.out_c * s.out_pixels()), 1234.5f);
  Status st = p.Run(s, x.data(), ep, y.data(), pool);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return y;
}

bool SameBits(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

TEST(WinogradWeights, WideningIsExactForEveryHalf) {
  std::vector<uint16_t> all(65536 + 5);
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<uint16_t>(i);
  for (ConvIsa isa : AvailableConvIsas()) {
    std::vector<float> f(all.size(), -1.0f);
    // Offset by one element: unaligned loads and a scalar tail.
    WinogradWidenHalfs(isa, all.data() + 1, f.data() + 1, static_cast<int64_t>(all.size()) - 1);
    for (size_t i = 1; i < all.size(); ++i) {
      const float want = HalfToFloat(all[i]);
      if (std::isnan(want)) {
        EXPECT_TRUE(std::isnan(f[i])) << WinogradTargetName(isa) << " half " << all[i];
        continue;
      }
      uint32_t a, b;
      std::memcpy(&a, &f[i], 4);
      std::memcpy(&b, &want, 4);
      ASSERT_EQ(a, b) << WinogradTargetName(isa) << " half 0x" << std::hex << all[i];
    }
  }
}

// fp16 constants kept by PackConstant vs the same weights widened and packed, bit for bit.
TEST(WinogradWeights, HalfWeightsBitIdenticalToWidened) {
  std::mt19937 rng(1616);
  const int64_t dils[] = {1, 2, 3, 4, 8};
  for (int iter = 0; iter < 60; ++iter) {
    const int64_t dh = dils[iter % 5], dw = iter % 6 == 4 ? dils[(iter + 1) % 5] : dh;
    ConvShape s = RandomShape(rng, iter % 5 == 0 ? 70 : 37, 45, dh, dw);
    const std::vector<uint16_t> h = RandomHalfs(rng, s.out_c * s.in_c * 9);
    std::vector<float> widened(h.size());
    HalfToFloatN(h.data(), widened.data(), static_cast<int64_t>(h.size()));
    const Tensor wt = HalfTensor(s, h);
    const std::vector<float> x = RandomFloats(rng, s.batch * s.in_c * s.in_h * s.in_w);
    const std::vector<float> bias = RandomFloats(rng, s.out_c);
    ConvEpilogue ep;
    ep.bias = iter % 3 == 0 ? nullptr : bias.data();
    ep.relu = iter % 2 == 1;
    for (ConvIsa isa : AvailableConvIsas()) {
      const std::string what = s.ToString() + " " + WinogradTargetName(isa);
      auto raw = PackedConvF32::PackConstant(s, wt, isa, ConvAlgo::kWinograd);
      auto packed = PackedConvF32::Pack(s, widened.data(), isa, ConvAlgo::kWinograd);
      ASSERT_TRUE(raw.ok() && packed.ok()) << what;
      EXPECT_TRUE((*raw)->keeps_raw_weights());
      EXPECT_FALSE((*packed)->keeps_raw_weights());
      EXPECT_TRUE((*raw)->UsesWinograd(s));
      const std::vector<float> want = RunLayer(**packed, s, x, ep, nullptr);
      // The float path with ONNX-layout weights (mr = 1), as tests/kernels/winograd_test.cc uses.
      std::vector<float> y_mr1(want.size());
      Winograd3x3Weights w1;
      w1.data = widened.data();
      ASSERT_TRUE(WinogradConvF32(s, x.data(), w1, ep, y_mr1.data(), nullptr, isa).ok());
      EXPECT_TRUE(SameBits(y_mr1, want)) << what << " mr=1 floats";
      for (int threads : {1, 2, 4}) {
        ThreadPool pool(threads);
        EXPECT_TRUE(SameBits(RunLayer(**raw, s, x, ep, &pool), want))
            << what << " threads=" << threads;
      }
    }
  }
}

// Weight-only int8 constants (PackConstantInt8, bgone.FusedConv's fourth input; scales per output
// channel or per block of input channels at each tap, as 4-bit files have them) vs the same
// weights dequantized as DequantizeLinear does (float(q) * scale) and packed, bit for bit:
// Winograd layers read q in the weight transform, the others are dequantized while packing.
TEST(WinogradWeights, Int8WeightsBitIdenticalToDequantized) {
  std::mt19937 rng(808);
  const int64_t dils[] = {1, 2, 3};
  for (int iter = 0; iter < 40; ++iter) {
    const int64_t d = dils[iter % 3];
    ConvShape s = RandomShape(rng, iter % 4 == 0 ? 300 : 37, 30, d, d);
    std::vector<int8_t> q(static_cast<size_t>(s.out_c * s.in_c * 9));
    for (auto& v : q) v = static_cast<int8_t>(Rand(rng, -127, 127));
    // Scales per output channel (block 0) or per block of input channels at each tap.
    const int64_t block = (iter / 3) % 3 == 0 ? 0 : (iter / 3) % 3 == 1 ? 4 : 7;
    const int64_t nb = block ? (s.in_c + block - 1) / block : 0;
    std::vector<float> scale(static_cast<size_t>(block ? s.out_c * nb * 9 : s.out_c));
    for (auto& v : scale) v = std::ldexp(static_cast<float>(Rand(rng, 1, 1 << 20)), -30);
    const std::vector<float> deq = testutil::DequantizeInt8(q, scale, s.out_c, s.in_c, block);
    auto qt = Tensor::FromBytes(DType::kInt8, {s.out_c, s.in_c, 3, 3}, q.data(), q.size());
    const Shape sshape = block ? Shape{s.out_c, nb, 3, 3} : Shape{s.out_c};
    auto st = Tensor::FromBytes(DType::kFloat32, sshape, scale.data(), scale.size() * sizeof(float));
    ASSERT_TRUE(qt.ok() && st.ok());
    const std::vector<float> x = RandomFloats(rng, s.batch * s.in_c * s.in_h * s.in_w);
    const std::vector<float> bias = RandomFloats(rng, s.out_c);
    ConvEpilogue ep;
    ep.bias = iter % 3 == 0 ? nullptr : bias.data();
    ep.relu = iter % 2 == 1;
    for (ConvIsa isa : AvailableConvIsas()) {
      for (ConvAlgo algo : {ConvAlgo::kWinograd, ConvAlgo::kDirect, ConvAlgo::kAuto}) {
        const std::string what = s.ToString() + " " + WinogradTargetName(isa) + " algo " +
                                 std::to_string(static_cast<int>(algo)) + " block " + std::to_string(block);
        auto raw = PackedConvF32::PackConstantInt8(s, *qt, *st, isa, algo, block);
        auto packed = PackedConvF32::Pack(s, deq.data(), isa, algo);
        ASSERT_TRUE(raw.ok() && packed.ok()) << what;
        EXPECT_EQ((*raw)->keeps_raw_weights(), algo == ConvAlgo::kWinograd ||
                                                   (algo == ConvAlgo::kAuto && WinogradPreferred(s)))
            << what;
        const std::vector<float> want = RunLayer(**packed, s, x, ep, nullptr);
        for (int threads : {1, 3}) {
          ThreadPool pool(threads);
          EXPECT_TRUE(SameBits(RunLayer(**raw, s, x, ep, &pool), want)) << what << " threads=" << threads;
        }
      }
    }
  }
  // Mismatched scales are an error, not a crash.
  ConvShape s;
  s.in_c = 2;
  s.out_c = 3;
  s.in_h = s.in_w = s.out_h = s.out_w = 4;
  s.k_h = s.k_w = 3;
  s.pad_t = s.pad_l = 1;
  std::vector<int8_t> q(54, 1);
  std::vector<float> two(2, 1.0f);
  auto qt = Tensor::FromBytes(DType::kInt8, {3, 2, 3, 3}, q.data(), q.size());
  auto st = Tensor::FromBytes(DType::kFloat32, {2}, two.data(), two.size() * sizeof(float));
  ASSERT_TRUE(qt.ok() && st.ok());
  EXPECT_FALSE(PackedConvF32::PackConstantInt8(s, *qt, *st).ok());
  EXPECT_FALSE(PackedConvF32::PackConstantInt8(s, *qt, *st, ConvIsa::kAuto, ConvAlgo::kAuto, 1).ok());
}

// Channel counts past one row step and one weight pass (kWinogradWeightChunkBytes).
TEST(WinogradWeights, HalfWeightsManyChannels) {
  std::mt19937 rng(3);
  ConvShape s;
  s.in_c = 600;
  s.out_c = 400;
  s.in_h = s.in_w = s.out_h = s.out_w = 9;
  s.k_h = s.k_w = 3;
  s.pad_t = s.pad_l = 1;
  const std::vector<uint16_t> h = RandomHalfs(rng, s.out_c * s.in_c * 9);
  std::vector<float> widened(h.size());
  HalfToFloatN(h.data(), widened.data(), static_cast<int64_t>(h.size()));
  const Tensor wt = HalfTensor(s, h);
  const std::vector<float> x = RandomFloats(rng, s.in_c * s.in_h * s.in_w);
  ConvEpilogue ep;
  ThreadPool pool(2);
  for (ConvIsa isa : AvailableConvIsas()) {
    auto raw = PackedConvF32::PackConstant(s, wt, isa, ConvAlgo::kWinograd);
    auto packed = PackedConvF32::Pack(s, widened.data(), isa, ConvAlgo::kWinograd);
    ASSERT_TRUE(raw.ok() && packed.ok());
    EXPECT_TRUE(SameBits(RunLayer(**raw, s, x, ep, &pool), RunLayer(**packed, s, x, ep, &pool)))
        << WinogradTargetName(isa);
  }
}

// kAuto decides with the full shape: Winograd layers share the tensor (float32 or float16), the
// others are packed; either way the results equal Pack's with the same decision.
TEST(WinogradWeights, PackConstantDecidesAtPackTime) {
  std::mt19937 rng(8);
  ThreadPool pool(2);
  struct Geometry {
    int64_t in_c, out_c, hw, k, stride;
    bool winograd;
  } cases[] = {
      {32, 48, 64, 3, 1, true},    // WinogradPreferred
      {32, 48, 16, 3, 1, false},   // too few tiles
      {8, 8, 64, 3, 1, false},     // too few channels
      {32, 48, 64, 3, 2, false},   // stride 2
      {32, 48, 64, 1, 1, false},   // 1x1
  };
  for (const Geometry& g : cases) {
    ConvShape s;
    s.in_c = g.in_c;
    s.out_c = g.out_c;
    s.k_h = s.k_w = g.k;
    s.stride_h = s.stride_w = g.stride;
    s.pad_t = s.pad_l = g.k / 2;
    s.in_h = s.in_w = g.hw;
    s.out_h = s.out_w = (g.hw + 2 * s.pad_t - g.k) / g.stride + 1;
    EXPECT_EQ(WinogradPreferred(s), g.winograd) << s.ToString();
    const std::vector<uint16_t> h = RandomHalfs(rng, s.out_c * s.k_size());
    std::vector<float> widened(h.size());
    HalfToFloatN(h.data(), widened.data(), static_cast<int64_t>(h.size()));
    auto t16 = Tensor::FromBytes(DType::kFloat16, {s.out_c, s.in_c, g.k, g.k}, h.data(),
                                 h.size() * 2);
    auto t32 = Tensor::FromBytes(DType::kFloat32, {s.out_c, s.in_c, g.k, g.k}, widened.data(),
                                 widened.size() * 4);
    ASSERT_TRUE(t16.ok() && t32.ok());
    const std::vector<float> x = RandomFloats(rng, s.in_c * s.in_h * s.in_w);
    ConvEpilogue ep;
    ep.relu = true;
    auto packed = PackedConvF32::Pack(s, widened.data());
    ASSERT_TRUE(packed.ok());
    const std::vector<float> want = RunLayer(**packed, s, x, ep, &pool);
    for (const Tensor* t : {&*t16, &*t32}) {
      auto p = PackedConvF32::PackConstant(s, *t);
      ASSERT_TRUE(p.ok()) << p.status().ToString();
      EXPECT_EQ((*p)->keeps_raw_weights(), g.winograd) << s.ToString();
      EXPECT_EQ(t->OwnsStorageAlone(), !g.winograd) << "shares the constant's storage";
      EXPECT_EQ((*p)->UsesWinograd(s), g.winograd);
      EXPECT_TRUE(SameBits(RunLayer(**p, s, x, ep, &pool), want))
          << s.ToString() << " " << DTypeName(t->dtype());
    }
  }
}

// A run shape the layer was not packed for (no Winograd there) still computes the convolution.
TEST(WinogradWeights, RawLayerRunsOtherShapes) {
  std::mt19937 rng(4);
  ConvShape s;
  s.in_c = 32;
  s.out_c = 40;
  s.k_h = s.k_w = 3;
  s.pad_t = s.pad_l = 1;
  s.in_h = s.in_w = s.out_h = s.out_w = 40;
  std::vector<uint16_t> h;  // weights in (-1, 1), so a fixed tolerance fits
  for (float v : RandomFloats(rng, s.out_c * s.in_c * 9)) h.push_back(FloatToHalf(v));
  std::vector<float> widened(h.size());
  HalfToFloatN(h.data(), widened.data(), static_cast<int64_t>(h.size()));
  auto p = PackedConvF32::PackConstant(s, HalfTensor(s, h));
  ASSERT_TRUE(p.ok());
  ASSERT_TRUE((*p)->keeps_raw_weights());
  for (int64_t stride : {1, 2}) {  // smaller (still Winograd), then strided (packed on the fly)
  ConvShape small = s;
  small.stride_h = small.stride_w = stride;
  small.in_h = small.in_w = 11;
  small.out_h = small.out_w = (11 + 2 - 3) / stride + 1;
  EXPECT_EQ((*p)->UsesWinograd(small), stride == 1);
  const std::vector<float> x = RandomFloats(rng, s.in_c * 121);
  ConvEpilogue ep;
  std::vector<float> ref(static_cast<size_t>(s.out_c * small.out_pixels()));
  ConvReferenceF32(small, x.data(), widened.data(), ep, ref.data());
  const std::vector<float> y = RunLayer(**p, small, x, ep, nullptr);
  for (size_t i = 0; i < y.size(); ++i) EXPECT_NEAR(y[i], ref[i], 1e-3 * (1 + std::fabs(ref[i])));
  }
}

}  // namespace
}  // namespace bgone::kernels
