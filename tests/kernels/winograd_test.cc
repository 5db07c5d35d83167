// Winograd F(4x4, 3x3) against the scalar reference over random geometries (odd sizes, channel
// counts that are not multiples of the vector width, dilations 1..8, pads 0..dilation), for every
// Highway target the CPU runs, plus bit-identical results across thread counts and runs.
#include "engine/kernels/winograd.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "engine/kernels/conv.h"
#include "tests/kernels/conv_test_util.h"
#include "engine/runtime/thread_pool.h"

namespace bgone::kernels {
namespace {

using testutil::RandomFloats;


struct Case {
  ConvShape s;
  std::vector<float> x, w, bias;
  bool relu = false;
  ConvEpilogue ep() const {
    ConvEpilogue e;
    e.bias = bias.empty() ? nullptr : bias.data();
    e.relu = relu;
    return e;
  }
  size_t out_size() const { return static_cast<size_t>(s.batch * s.out_c * s.out_pixels()); }
};

Case MakeCase(std::mt19937& rng, const ConvShape& s, bool bias, bool relu) {
  Case c;
  c.s = s;
  c.x = RandomFloats(rng, s.batch * s.in_c * s.in_h * s.in_w);
  c.w = RandomFloats(rng, s.out_c * s.in_c * 9);
  if (bias) c.bias = RandomFloats(rng, s.out_c);
  c.relu = relu;
  return c;
}

// Winograd's rounding error grows with the transform constants; the bound scales with the
// magnitude of the products, sum |x||w| + |b|, as for the direct path but looser (measured worst
// cases are ~2e-6 of the magnitude).
void ExpectCloseToReference(const Case& c, const std::vector<float>& y, const std::string& what) {
  std::vector<float> ref(c.out_size()), mag(c.out_size());
  ConvReferenceF32(c.s, c.x.data(), c.w.data(), c.ep(), ref.data());
  std::vector<float> ax(c.x.size()), aw(c.w.size()), ab(c.bias.size());
  for (size_t i = 0; i < c.x.size(); ++i) ax[i] = std::fabs(c.x[i]);
  for (size_t i = 0; i < c.w.size(); ++i) aw[i] = std::fabs(c.w[i]);
  for (size_t i = 0; i < c.bias.size(); ++i) ab[i] = std::fabs(c.bias[i]);
  ConvEpilogue ep_abs;
  ep_abs.bias = ab.empty() ? nullptr : ab.data();
  ConvReferenceF32(c.s, ax.data(), aw.data(), ep_abs, mag.data());
  int bad = 0;
  static double worst = 0;
  for (size_t i = 0; i < y.size(); ++i) {
    if (mag[i] > 0) worst = std::max(worst, std::fabs(y[i] - ref[i]) / static_cast<double>(mag[i]));
  }
  if (std::getenv("BGONE_WINOGRAD_PRINT_ERROR"))
    std::printf("worst error / magnitude %.3g\n", worst);
  for (size_t i = 0; i < y.size() && bad < 5; ++i) {
    const float tol = 2e-5f * mag[i] + 1e-6f;
    if (!(std::fabs(y[i] - ref[i]) <= tol)) {
      ADD_FAILURE() << what << " " << c.s.ToString() << " relu=" << c.relu << " at " << i
                    << ": got " << y[i] << " want " << ref[i] << " (magnitude " << mag[i] << ")";
      ++bad;
    }
  }
}

std::vector<float> RunWinograd(const Case& c, ConvIsa isa, ThreadPool* pool) {
  std::vector<float> y(c.out_size(), 1234.5f);
  Winograd3x3Weights w;
  w.data = c.w.data();
  w.mr = 1;
  Status st = WinogradConvF32(c.s, c.x.data(), w, c.ep(), y.data(), pool, isa);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return y;
}

std::vector<float> RunPacked(const Case& c, ConvIsa isa, ThreadPool* pool) {
  std::vector<float> y(c.out_size(), 1234.5f);
  auto packed = PackedConvF32::Pack(c.s, c.w.data(), isa, ConvAlgo::kWinograd);
  EXPECT_TRUE(packed.ok());
  if (!packed.ok()) return y;
  EXPECT_TRUE((*packed)->UsesWinograd(c.s));
  Status st = (*packed)->Run(c.s, c.x.data(), c.ep(), y.data(), pool);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return y;
}

TEST(Winograd, Supports) {
  ConvShape s;
  s.k_h = s.k_w = 3;
  EXPECT_TRUE(WinogradSupports(s));
  s.stride_w = 2;
  EXPECT_FALSE(WinogradSupports(s));
  s.stride_w = 1;
  s.group = 2;
  s.in_c = s.out_c = 2;
  EXPECT_FALSE(WinogradSupports(s));
  s.group = 1;
  s.k_w = 1;
  EXPECT_FALSE(WinogradSupports(s));
}

TEST(Winograd, MatchesReferenceOnRandomShapes) {
  std::mt19937 rng(2024);
  const int64_t dils[] = {1, 2, 3, 4, 8};
  for (int iter = 0; iter < 40; ++iter) {
    const int64_t dh = dils[iter % 5], dw = iter % 7 == 3 ? dils[(iter + 2) % 5] : dh;
    Case c = MakeCase(rng, testutil::RandomDilated3x3Shape(rng, 23, 40, 40, dh, dw), iter % 3 != 0, iter % 2 == 1);
    ThreadPool pool(2);
    for (ConvIsa isa : AvailableConvIsas()) {
      const std::string name = std::string(ConvIsaName(isa)) + "/" + WinogradTargetName(isa);
      ExpectCloseToReference(c, RunWinograd(c, isa, iter % 4 == 0 ? nullptr : &pool), name);
      // Through PackedConvF32: the transform reads its panels (mr of the ISA).
      ExpectCloseToReference(c, RunPacked(c, isa, &pool), name + " packed");
    }
  }
}

// Wide rows reach the vectorised loads and stores of whole rows of tiles.
TEST(Winograd, MatchesReferenceOnWideRows) {
  std::mt19937 rng(77);
  for (int iter = 0; iter < 8; ++iter) {
    const int64_t dil = iter % 4 == 3 ? 2 : 1;
    Case c = MakeCase(rng, testutil::RandomDilated3x3Shape(rng, 9, 14, 150, dil, dil), true, iter % 2 == 0);
    c.s.in_w = std::max<int64_t>(c.s.in_w, 70 + iter * 9);
    c.s.out_w = c.s.in_w + 2 * c.s.pad_l - 2 * dil;  // pad_r = pad_l
    c.x = RandomFloats(rng, c.s.batch * c.s.in_c * c.s.in_h * c.s.in_w);
    ThreadPool pool(2);
    for (ConvIsa isa : AvailableConvIsas()) {
      ExpectCloseToReference(c, RunPacked(c, isa, &pool), WinogradTargetName(isa));
    }
  }
}

// Enough channels that the transformed weights exceed one scratch pass.
TEST(Winograd, ManyChannelsInSeveralWeightPasses) {
  std::mt19937 rng(5);
  ConvShape s;
  s.in_c = 600;
  s.out_c = 400;  // 36 * 600 * 400 * 4 B = 35 MB > kWinogradWeightChunkBytes
  s.in_h = s.in_w = s.out_h = s.out_w = 6;
  s.k_h = s.k_w = 3;
  s.pad_t = s.pad_l = 1;
  ASSERT_GT(36 * s.in_c * s.out_c * 4, kWinogradWeightChunkBytes);
  Case c = MakeCase(rng, s, true, true);
  ThreadPool pool(2);
  ConvIsa best = AvailableConvIsas().back();
  ExpectCloseToReference(c, RunPacked(c, best, &pool), WinogradTargetName(best));
}

// Every target against the portable one (the generic target is itself checked above).
TEST(Winograd, TargetsAgreeWithGeneric) {
  std::mt19937 rng(31);
  Case c = MakeCase(rng, testutil::RandomDilated3x3Shape(rng, 40, 30, 90, 1, 1), true, false);
  ThreadPool pool(2);
  std::vector<float> generic = RunWinograd(c, ConvIsa::kGeneric, &pool);
  for (ConvIsa isa : AvailableConvIsas()) {
    std::vector<float> y = RunWinograd(c, isa, &pool);
    double worst = 0, scale = 0;
    for (size_t i = 0; i < y.size(); ++i) {
      worst = std::max(worst, static_cast<double>(std::fabs(y[i] - generic[i])));
      scale = std::max(scale, static_cast<double>(std::fabs(generic[i])));
    }
    EXPECT_LE(worst, 1e-5 * (scale + 1)) << WinogradTargetName(isa);
  }
}

TEST(Winograd, BitIdenticalAcrossThreadCountsAndRuns) {
  std::mt19937 rng(99);
  for (int iter = 0; iter < 4; ++iter) {
    ConvShape s = testutil::RandomDilated3x3Shape(rng, 40, 40, 40, iter == 3 ? 4 : iter + 1, iter == 3 ? 4 : iter + 1);
    if (iter == 0) {  // many blocks of tiles and output-channel chunks
      s.in_c = 24;
      s.out_c = 70;
      s.in_h = s.in_w = 90;
      s.pad_t = s.pad_l = 1;
      s.out_h = s.out_w = 90;
    }
    Case c = MakeCase(rng, s, true, iter % 2 == 0);
    for (ConvIsa isa : AvailableConvIsas()) {
      std::vector<float> y1 = RunPacked(c, isa, nullptr);
      for (int threads : {1, 2, 4, 2}) {
        ThreadPool pool(threads);
        std::vector<float> y = RunPacked(c, isa, &pool);
        EXPECT_EQ(0, std::memcmp(y.data(), y1.data(), y.size() * sizeof(float)))
            << s.ToString() << " " << WinogradTargetName(isa) << " threads=" << threads;
      }
    }
  }
}

}  // namespace
}  // namespace bgone::kernels
