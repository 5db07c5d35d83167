// PackedConvInteger vs ConvIntegerReference for every micro-kernel family and multiplication
// scheme this CPU supports (int16 pairs; uint8 x int8 quads with zero-point corrections on
// AVX512-VNNI): exact equality over random geometries, signedness and zero points, including
// int32 wrap-around, and identical float output through the dequantising epilogue.
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/kernels/conv.h"
#include "tests/kernels/conv_test_util.h"
#include "engine/runtime/thread_pool.h"

namespace bgone::kernels {
namespace {

struct Variant {
  ConvIsa isa;
  ConvIntScheme scheme;
  std::string Name() const {
    return std::string(ConvIsaName(isa)) +
           (scheme == ConvIntScheme::kU8S8Quads ? "/u8s8" : "/i16");
  }
};

std::vector<Variant> AvailableVariants() {
  std::vector<Variant> v;
  for (ConvIsa isa : AvailableConvIsas()) {
    for (ConvIntScheme scheme : {ConvIntScheme::kInt16Pairs, ConvIntScheme::kU8S8Quads}) {
      v.push_back({isa, scheme});
    }
  }
  return v;
}

// Mostly stride 1 (the quads scheme's case), odd sizes, dilations, pads, groups.
ConvShape RandomShape(std::mt19937& rng) {
  auto r = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  ConvShape s;
  s.batch = r(1, 2);
  s.group = r(0, 4) == 0 ? r(2, 3) : 1;
  s.in_c = s.group * r(1, 13);
  s.out_c = s.group * r(1, 19);
  bool one_d = r(0, 7) == 0;
  s.k_h = one_d ? 1 : r(1, 3);
  s.k_w = r(1, 4);
  s.stride_h = one_d ? 1 : (r(0, 3) == 0 ? 2 : 1);
  s.stride_w = s.stride_h == 2 || r(0, 5) == 0 ? r(1, 2) : 1;
  s.dil_h = one_d ? 1 : r(1, 3);
  s.dil_w = r(1, 3);
  s.pad_t = one_d ? 0 : r(0, 3);
  s.pad_l = r(0, 3);
  int64_t pad_b = one_d ? 0 : r(0, 3), pad_r = r(0, 3);
  for (;;) {
    s.in_h = one_d ? 1 : r(1, 23);
    s.in_w = r(1, 61);
    int64_t span_h = s.dil_h * (s.k_h - 1) + 1, span_w = s.dil_w * (s.k_w - 1) + 1;
    if (s.in_h + s.pad_t + pad_b >= span_h && s.in_w + s.pad_l + pad_r >= span_w) {
      s.out_h = (s.in_h + s.pad_t + pad_b - span_h) / s.stride_h + 1;
      s.out_w = (s.in_w + s.pad_l + pad_r - span_w) / s.stride_w + 1;
      return s;
    }
  }
}

int64_t InputSize(const ConvShape& s) { return s.batch * s.in_c * s.in_h * s.in_w; }
int64_t WeightSize(const ConvShape& s) { return s.out_c * s.k_size(); }
int64_t OutputSize(const ConvShape& s) { return s.batch * s.out_c * s.out_pixels(); }


struct IntProblem {
  ConvShape s;
  std::vector<uint8_t> x, w;
  std::vector<int32_t> wzp;
  ConvIntegerInputs in;
};

IntProblem RandomProblem(std::mt19937& rng, const ConvShape& s, bool x_signed, bool w_signed,
                         bool per_channel) {
  std::uniform_int_distribution<int> byte(0, 255);
  IntProblem p;
  p.s = s;
  p.x.resize(static_cast<size_t>(InputSize(s)));
  p.w.resize(static_cast<size_t>(WeightSize(s)));
  for (auto& v : p.x) v = static_cast<uint8_t>(byte(rng));
  for (auto& v : p.w) v = static_cast<uint8_t>(byte(rng));
  p.wzp.resize(static_cast<size_t>(s.out_c));
  int32_t common = testutil::RandomZeroPoint(rng, w_signed);
  for (auto& z : p.wzp) z = per_channel ? testutil::RandomZeroPoint(rng, w_signed) : common;
  p.in.x = p.x.data();
  p.in.x_signed = x_signed;
  p.in.x_zero_point = testutil::RandomZeroPoint(rng, x_signed);
  p.in.w = p.w.data();
  p.in.w_signed = w_signed;
  p.in.w_zero_points = p.wzp.data();
  return p;
}

TEST(PackedConvIntegerKernels, EveryVariantExactlyMatchesReference) {
  std::mt19937 rng(20261122);
  int quads_runs = 0;
  for (int iter = 0; iter < 160; ++iter) {
    IntProblem p = RandomProblem(rng, RandomShape(rng), iter % 2 == 1, iter % 3 == 1, iter % 4 >= 2);
    std::vector<int32_t> ref(static_cast<size_t>(OutputSize(p.s)));
    ConvIntegerReference(p.s, p.in, ref.data());
    for (const Variant& v : AvailableVariants()) {
      auto packed = PackedConvInteger::Pack(p.s, p.in, v.isa, v.scheme);
      ASSERT_TRUE(packed.ok()) << packed.status().message();
      if ((*packed)->scheme() == ConvIntScheme::kU8S8Quads) ++quads_runs;
      for (int threads : {1, 2}) {
        ThreadPool pool(threads);
        std::vector<int32_t> y(ref.size(), 77);
        ASSERT_TRUE((*packed)->Run(p.s, p.in, y.data(), &pool).ok());
        ASSERT_EQ(y, ref) << v.Name() << " " << p.s.ToString() << " threads=" << threads
                          << " x_signed=" << p.in.x_signed << " w_signed=" << p.in.w_signed
                          << " xzp=" << p.in.x_zero_point;
      }
    }
  }
  // The quads scheme runs wherever the CPU has AVX512-VNNI (stride-1 shapes only).
  if (ConvIsaAvailable(ConvIsa::kAvx512) && __builtin_cpu_supports("avx512vnni")) {
    EXPECT_GT(quads_runs, 50);
  }
}

// Sums beyond int32 wrap the same way in every variant as in the reference.
TEST(PackedConvIntegerKernels, WrapsLikeReferenceOnOverflow) {
  ConvShape s;
  s.in_c = 6000;  // |sum| ~ 2.5e9 at the centre
  s.out_c = 9;
  s.in_h = s.in_w = s.out_h = s.out_w = 5;
  s.k_h = s.k_w = 3;
  s.pad_t = s.pad_l = 1;
  std::mt19937 rng(9);
  for (bool x_signed : {false, true}) {
    IntProblem p = RandomProblem(rng, s, x_signed, false, true);
    // Mostly extreme values so |sum| passes 2^31.
    for (size_t i = 0; i < p.x.size(); ++i) p.x[i] = i % 7 == 0 ? 3 : (x_signed ? 0x7f : 0xff);
    for (size_t i = 0; i < p.w.size(); ++i) p.w[i] = i % 5 == 0 ? 200 : 0;
    p.in.x_zero_point = x_signed ? -128 : 0;
    for (auto& z : p.wzp) z = 255;
    std::vector<int32_t> ref(static_cast<size_t>(OutputSize(s)));
    ConvIntegerReference(s, p.in, ref.data());
    for (const Variant& v : AvailableVariants()) {
      auto packed = PackedConvInteger::Pack(s, p.in, v.isa, v.scheme);
      ASSERT_TRUE(packed.ok());
      std::vector<int32_t> y(ref.size());
      ThreadPool pool(2);
      ASSERT_TRUE((*packed)->Run(s, p.in, y.data(), &pool).ok());
      EXPECT_EQ(y, ref) << v.Name();
    }
  }
}

// The dequantising epilogue gives the same floats whatever the variant (it sees the same int32).
TEST(PackedConvIntegerKernels, DequantOutputIdenticalAcrossVariants) {
  std::mt19937 rng(77);
  for (int iter = 0; iter < 12; ++iter) {
    ConvShape s = RandomShape(rng);
    IntProblem p = RandomProblem(rng, s, false, false, iter % 2 == 0);
    std::vector<float> scale(static_cast<size_t>(s.out_c)), bias(static_cast<size_t>(s.out_c));
    std::uniform_real_distribution<float> f(-0.01f, 0.01f);
    for (auto& v : scale) v = f(rng);
    for (auto& v : bias) v = f(rng) * 100;
    ConvIntegerDequant dq;
    dq.scale = scale.data();
    dq.scale_per_channel = true;
    dq.bias = bias.data();
    dq.relu = iter % 3 == 0;
    std::vector<float> first;
    for (const Variant& v : AvailableVariants()) {
      auto packed = PackedConvInteger::Pack(s, p.in, v.isa, v.scheme);
      ASSERT_TRUE(packed.ok());
      std::vector<float> y(static_cast<size_t>(OutputSize(s)));
      ThreadPool pool(2);
      ASSERT_TRUE((*packed)->RunDequant(s, p.in, dq, y.data(), &pool).ok());
      if (first.empty()) {
        first = y;
      } else {
        ASSERT_EQ(0, std::memcmp(first.data(), y.data(), y.size() * sizeof(float)))
            << v.Name() << " " << s.ToString();
      }
    }
  }
}

}  // namespace
}  // namespace bgone::kernels
