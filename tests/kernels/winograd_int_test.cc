// ConvInteger through Winograd F(4x4, 3x3) in float (ConvIntScheme::kWinogradF32 and
// WinogradConvInteger) against the exact ConvIntegerReference, for every ConvIsa / Highway target
// the CPU runs: random geometries (odd sizes, channel counts off the vector width, dilations 1..8,
// pads 0..dilation, batches), uint8 and int8 inputs and weights, zero points (scalar and per
// output channel), int32 output and the dequantising epilogue (scalar and per-channel scale, bias,
// ReLU); plus bit-identical results for any thread count.
//
// Tolerance. The inputs (x - xz) and weights (w - wz) are small integers, exact in float, so the
// only errors are float roundings inside the transforms, the GEMM sums and the output transform.
// Each is a relative error of at most 2^-24 of the values it rounds, and every value is a signed
// sum of products x * w times transform constants, so the error of an output is bounded by
// (a constant) * 2^-24 * sum over its receptive field of |x - xz| * |w - wz| (the "magnitude",
// computed exactly by the reference on the absolute values). The constant is the growth of
// F(4x4, 3x3)'s transforms (entries up to 8 in A, 5 in B): the measured worst error is 1-2e-6 of
// the magnitude (print it with BGONE_WINOGRAD_PRINT_ERROR=1), and the bound used is 2e-5 of it,
// as for the float path (tests/kernels/winograd_test.cc). The result is then rounded to an
// integer, which adds at most 0.5: |y - ref| <= 2e-5 * magnitude + 0.5. Where that bound is
// below 1 (small sums), the result must be exact. Sums over more than 256 channels are rounded per
// chunk of channels and added in int32; a chunk whose float error is below 0.5 rounds to its exact
// sum, one above adds at most twice its error, so the same bound holds.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
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

constexpr double kRelativeBound = 2e-5;


struct Problem {
  ConvShape s;
  std::vector<uint8_t> x, w;  // bytes, read as int8 where signed
  std::vector<int32_t> wzp;
  ConvIntegerInputs in;
  std::vector<float> scale, bias;
  ConvIntegerDequant dq;

  size_t out_size() const { return static_cast<size_t>(s.batch * s.out_c * s.out_pixels()); }
};

// `spread` limits how far values stray from the zero points (255: anywhere in the type).
Problem MakeProblem(std::mt19937& rng, const ConvShape& s, bool x_signed, bool w_signed,
                    bool per_channel_zp, int spread = 255) {
  Problem p;
  p.s = s;
  p.in.x_signed = x_signed;
  p.in.x_zero_point = testutil::RandomZeroPoint(rng, x_signed);
  p.in.w_signed = w_signed;
  p.wzp.resize(static_cast<size_t>(s.out_c));
  const int32_t common = testutil::RandomZeroPoint(rng, w_signed);
  for (auto& z : p.wzp) z = per_channel_zp ? testutil::RandomZeroPoint(rng, w_signed) : common;
  auto value = [&](int32_t zp, bool is_signed) {
    const int lo = is_signed ? -128 : 0, hi = is_signed ? 127 : 255;
    int v = std::uniform_int_distribution<int>(std::max(lo, zp - spread), std::min(hi, zp + spread))(rng);
    return static_cast<uint8_t>(v & 0xff);
  };
  p.x.resize(static_cast<size_t>(s.batch * s.in_c * s.in_h * s.in_w));
  for (auto& v : p.x) v = value(p.in.x_zero_point, x_signed);
  p.w.resize(static_cast<size_t>(s.out_c * s.in_c * 9));
  for (size_t i = 0; i < p.w.size(); ++i) {
    p.w[i] = value(p.wzp[i / static_cast<size_t>(s.in_c * 9)], w_signed);
  }
  p.in.x = p.x.data();
  p.in.w = p.w.data();
  p.in.w_zero_points = p.wzp.data();
  return p;
}

void AddDequant(std::mt19937& rng, Problem* p, bool per_channel_scale, bool bias, bool relu) {
  std::uniform_real_distribution<float> f(-1, 1);
  p->scale.resize(per_channel_scale ? static_cast<size_t>(p->s.out_c) : 1);
  for (auto& v : p->scale) v = f(rng) * 1e-3f;
  p->bias.clear();
  if (bias) {
    p->bias.resize(static_cast<size_t>(p->s.out_c));
    for (auto& v : p->bias) v = f(rng);
  }
  p->dq.scale = p->scale.data();
  p->dq.scale_per_channel = per_channel_scale;
  p->dq.bias = bias ? p->bias.data() : nullptr;
  p->dq.relu = relu;
}

// The exact sums and their magnitudes sum |x - xz| * |w - wz| (both exact in int32 here).
void Reference(const Problem& p, std::vector<int32_t>* ref, std::vector<int32_t>* mag) {
  ref->assign(p.out_size(), 0);
  ConvIntegerReference(p.s, p.in, ref->data());
  auto read = [](const std::vector<uint8_t>& v, size_t i, bool is_signed) {
    return is_signed ? static_cast<int32_t>(static_cast<int8_t>(v[i])) : static_cast<int32_t>(v[i]);
  };
  std::vector<uint8_t> ax(p.x.size()), aw(p.w.size());
  for (size_t i = 0; i < ax.size(); ++i) {
    ax[i] = static_cast<uint8_t>(std::abs(read(p.x, i, p.in.x_signed) - p.in.x_zero_point));
  }
  for (size_t i = 0; i < aw.size(); ++i) {
    aw[i] = static_cast<uint8_t>(
        std::abs(read(p.w, i, p.in.w_signed) - p.wzp[i / static_cast<size_t>(p.s.in_c * 9)]));
  }
  std::vector<int32_t> zeros(static_cast<size_t>(p.s.out_c), 0);
  ConvIntegerInputs abs_in;
  abs_in.x = ax.data();
  abs_in.w = aw.data();
  abs_in.w_zero_points = zeros.data();
  mag->assign(p.out_size(), 0);
  ConvIntegerReference(p.s, abs_in, mag->data());
}

// What PackedConvInteger's exact kernels write for sum `acc` (its StoreInt, scalar float ops).
float DequantOf(const ConvIntegerDequant& dq, int64_t oc, int32_t acc) {
  const float scale = dq.scale[dq.scale_per_channel ? oc : 0];
  if (dq.bias) {
    float v = static_cast<float>(acc) * scale + dq.bias[oc];
    return dq.relu ? (v > 0.0f ? v : 0.0f) : v;
  }
  float v = static_cast<float>(acc) * scale;
  return dq.relu && !(v > 0.0f) ? 0.0f : v;
}

double g_worst = 0;  // worst |error| / magnitude seen

void ExpectIntClose(const Problem& p, const std::vector<int32_t>& y, const std::vector<int32_t>& ref,
                    const std::vector<int32_t>& mag, const std::string& what) {
  int bad = 0;
  for (size_t i = 0; i < y.size() && bad < 5; ++i) {
    const double err = std::fabs(static_cast<double>(y[i]) - ref[i]);
    if (mag[i] > 0) g_worst = std::max(g_worst, (err - 0.5 > 0 ? err - 0.5 : 0) / mag[i]);
    if (!(err <= kRelativeBound * mag[i] + 0.5)) {
      ADD_FAILURE() << what << " " << p.s.ToString() << " x_signed=" << p.in.x_signed
                    << " w_signed=" << p.in.w_signed << " xzp=" << p.in.x_zero_point << " at " << i
                    << ": got " << y[i] << " want " << ref[i] << " (magnitude " << mag[i] << ")";
      ++bad;
    }
  }
}

std::vector<int32_t> RunPackedInt(const Problem& p, ConvIsa isa, ThreadPool* pool) {
  std::vector<int32_t> y(p.out_size(), 12345);
  auto packed = PackedConvInteger::Pack(p.s, p.in, isa, ConvIntScheme::kWinogradF32);
  EXPECT_TRUE(packed.ok());
  if (!packed.ok()) return y;
  EXPECT_EQ((*packed)->scheme(), ConvIntScheme::kWinogradF32);
  Status st = (*packed)->Run(p.s, p.in, y.data(), pool);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return y;
}

std::vector<float> RunPackedDequant(const Problem& p, ConvIsa isa, ThreadPool* pool) {
  std::vector<float> y(p.out_size(), 1234.5f);
  auto packed = PackedConvInteger::Pack(p.s, p.in, isa, ConvIntScheme::kWinogradF32);
  EXPECT_TRUE(packed.ok());
  if (!packed.ok()) return y;
  Status st = (*packed)->RunDequant(p.s, p.in, p.dq, y.data(), pool);
  EXPECT_TRUE(st.ok()) << st.ToString();
  return y;
}

std::string IsaName(ConvIsa isa) {
  return std::string(ConvIsaName(isa)) + "/" + WinogradTargetName(isa);
}

// int32 output within the bound; the dequantised output equals the exact kernels' epilogue
// applied to those same rounded sums, bit for bit.
void CheckProblem(const Problem& p, ThreadPool* pool) {
  std::vector<int32_t> ref, mag;
  Reference(p, &ref, &mag);
  const int64_t P = p.s.out_pixels();
  for (ConvIsa isa : AvailableConvIsas()) {
    std::vector<int32_t> y = RunPackedInt(p, isa, pool);
    ExpectIntClose(p, y, ref, mag, IsaName(isa));
    std::vector<float> yf = RunPackedDequant(p, isa, pool);
    int bad = 0;
    for (size_t i = 0; i < yf.size() && bad < 5; ++i) {
      const int64_t oc = static_cast<int64_t>(i) / P % p.s.out_c;
      const float want = DequantOf(p.dq, oc, y[i]);
      if (std::memcmp(&want, &yf[i], sizeof(float)) != 0) {
        ADD_FAILURE() << IsaName(isa) << " dequant " << p.s.ToString() << " at " << i << ": got "
                      << yf[i] << " want " << want << " (sum " << y[i] << ")";
        ++bad;
      }
    }
  }
}

TEST(WinogradInteger, MatchesReferenceOnRandomShapes) {
  std::mt19937 rng(4242);
  ThreadPool pool(2);
  for (int iter = 0; iter < 48; ++iter) {
    const int64_t dh = 1 + iter % 8;
    const int64_t dw = iter % 5 == 2 ? 1 + (iter * 3) % 8 : dh;
    ConvShape s = testutil::RandomDilated3x3Shape(rng, 23, 40, 45, dh, dw);
    Problem p = MakeProblem(rng, s, iter % 2 == 1, iter % 3 == 1, iter % 4 < 2);
    AddDequant(rng, &p, iter % 5 < 3, iter % 3 != 2, iter % 2 == 0);
    CheckProblem(p, iter % 4 == 3 ? nullptr : &pool);
  }
  if (std::getenv("BGONE_WINOGRAD_PRINT_ERROR")) {
    std::printf("worst (|error| - 0.5) / magnitude: %.3g\n", g_worst);
  }
}

// Wide rows (full vectors of consecutive tiles) and deep sums (magnitudes ~1e8, where float
// rounding does show: the relative bound must hold there too).
TEST(WinogradInteger, MatchesReferenceOnWideRowsAndDeepSums) {
  std::mt19937 rng(7);
  ThreadPool pool(2);
  for (int iter = 0; iter < 6; ++iter) {
    const int64_t dil = iter % 3 == 2 ? 2 : 1;
    ConvShape s = testutil::RandomDilated3x3Shape(rng, 6, 12, 20, dil, dil);
    s.in_w = 70 + 13 * iter;
    s.pad_l = dil;
    s.out_w = s.in_w;  // pad_r = pad_l
    if (iter >= 3) {
      s.in_c = 300 + 50 * iter;
      s.out_c = 5 + iter;
      s.in_w = 40;
      s.out_w = 40;
    }
    Problem p = MakeProblem(rng, s, iter % 2 == 0, iter % 2 == 1, true);
    AddDequant(rng, &p, true, true, iter % 2 == 0);
    CheckProblem(p, &pool);
  }
  if (std::getenv("BGONE_WINOGRAD_PRINT_ERROR")) {
    std::printf("worst (|error| - 0.5) / magnitude: %.3g\n", g_worst);
  }
}

// Small sums (values near their zero points, few channels) are exact, so the Winograd scheme
// gives the same int32 and the same floats as the exact schemes.
TEST(WinogradInteger, SmallSumsAreExact) {
  std::mt19937 rng(11);
  ThreadPool pool(2);
  for (int iter = 0; iter < 16; ++iter) {
    ConvShape s = testutil::RandomDilated3x3Shape(rng, 8, 30, 40, 1 + iter % 4, 1 + iter % 4);
    Problem p = MakeProblem(rng, s, iter % 2 == 0, iter % 3 == 0, true, 12);
    AddDequant(rng, &p, iter % 2 == 0, iter % 3 != 0, iter % 2 == 1);
    std::vector<int32_t> ref, mag;
    Reference(p, &ref, &mag);
    for (int32_t m : mag) ASSERT_LT(kRelativeBound * m, 0.5);
    auto exact = PackedConvInteger::Pack(p.s, p.in, ConvIsa::kAuto, ConvIntScheme::kInt16Pairs);
    ASSERT_TRUE(exact.ok());
    std::vector<float> want(p.out_size());
    ASSERT_TRUE((*exact)->RunDequant(p.s, p.in, p.dq, want.data(), &pool).ok());
    for (ConvIsa isa : AvailableConvIsas()) {
      EXPECT_EQ(RunPackedInt(p, isa, &pool), ref) << IsaName(isa) << " " << s.ToString();
      std::vector<float> y = RunPackedDequant(p, isa, &pool);
      for (size_t i = 0; i < y.size(); ++i) {
        ASSERT_EQ(0, std::memcmp(&y[i], &want[i], sizeof(float)))
            << IsaName(isa) << " " << s.ToString() << " at " << i << ": " << y[i] << " vs "
            << want[i];
      }
    }
  }
}

TEST(WinogradInteger, BitIdenticalAcrossThreadCounts) {
  std::mt19937 rng(99);
  for (int iter = 0; iter < 4; ++iter) {
    const int64_t dil = iter == 3 ? 4 : iter + 1;
    ConvShape s = testutil::RandomDilated3x3Shape(rng, 40, 40, 40, dil, dil);
    if (iter == 0) {  // many blocks of tiles and output-channel chunks
      s.in_c = 24;
      s.out_c = 70;
      s.in_h = s.in_w = s.out_h = s.out_w = 90;
      s.pad_t = s.pad_l = 1;
    }
    Problem p = MakeProblem(rng, s, iter % 2 == 0, iter % 2 == 1, true);
    AddDequant(rng, &p, true, true, iter % 2 == 0);
    for (ConvIsa isa : AvailableConvIsas()) {
      const std::vector<int32_t> y1 = RunPackedInt(p, isa, nullptr);
      const std::vector<float> f1 = RunPackedDequant(p, isa, nullptr);
      for (int threads : {1, 2, 4}) {
        ThreadPool pool(threads);
        EXPECT_EQ(RunPackedInt(p, isa, &pool), y1) << s.ToString() << " " << IsaName(isa)
                                                   << " threads=" << threads;
        const std::vector<float> f = RunPackedDequant(p, isa, &pool);
        EXPECT_EQ(0, std::memcmp(f.data(), f1.data(), f.size() * sizeof(float)))
            << s.ToString() << " " << IsaName(isa) << " threads=" << threads;
      }
    }
  }
}

// WinogradConvInteger itself (no packing), and the empty-sum case.
TEST(WinogradInteger, DirectCallAndNoInputChannels) {
  std::mt19937 rng(3);
  ConvShape s = testutil::RandomDilated3x3Shape(rng, 9, 20, 20, 2, 1);
  Problem p = MakeProblem(rng, s, false, true, true);
  AddDequant(rng, &p, true, true, false);
  std::vector<int32_t> ref, mag;
  Reference(p, &ref, &mag);
  ThreadPool pool(2);
  for (ConvIsa isa : AvailableConvIsas()) {
    std::vector<int32_t> y(p.out_size());
    ASSERT_TRUE(WinogradConvInteger(s, p.in, nullptr, y.data(), nullptr, &pool, isa).ok());
    ExpectIntClose(p, y, ref, mag, IsaName(isa) + " direct");
  }
  ConvShape empty = s;
  empty.in_c = 0;
  std::vector<float> yf(static_cast<size_t>(s.batch * s.out_c * s.out_pixels()), 9.0f);
  ASSERT_TRUE(WinogradConvInteger(empty, p.in, &p.dq, nullptr, yf.data(), &pool).ok());
  for (size_t i = 0; i < yf.size(); ++i) {
    const int64_t oc = static_cast<int64_t>(i) / s.out_pixels() % s.out_c;
    ASSERT_EQ(yf[i], DequantOf(p.dq, oc, 0));
  }
}

// Scheme selection: kWinogradF32 only where Winograd applies (else the exact int16 pairs); the
// layer shares the weight tensor's bytes when given it.
TEST(WinogradInteger, SchemeSelectionAndWeightSharing) {
  std::mt19937 rng(5);
  ConvShape s = testutil::RandomDilated3x3Shape(rng, 8, 12, 12, 1, 1);
  Problem p = MakeProblem(rng, s, false, false, true);
  ConvShape strided = s;
  strided.stride_h = 2;
  strided.out_h = (s.in_h + 2 * s.pad_t - 3) / 2 + 1;
  auto fallback = PackedConvInteger::Pack(strided, p.in, ConvIsa::kAuto, ConvIntScheme::kWinogradF32);
  ASSERT_TRUE(fallback.ok());
  EXPECT_EQ((*fallback)->scheme(), ConvIntScheme::kInt16Pairs);

  auto tensor = Tensor::FromBytes(DType::kUInt8, {s.out_c, s.in_c, 3, 3}, p.w.data(), p.w.size());
  ASSERT_TRUE(tensor.ok());
  ConvIntegerInputs in = p.in;
  in.w = tensor->raw();
  {
    auto packed = PackedConvInteger::Pack(s, in, ConvIsa::kAuto, ConvIntScheme::kWinogradF32, &*tensor);
    ASSERT_TRUE(packed.ok());
    EXPECT_FALSE(tensor->OwnsStorageAlone());  // shared, not copied
    std::vector<int32_t> ref, mag, y(p.out_size());
    Reference(p, &ref, &mag);
    ThreadPool pool(2);
    ASSERT_TRUE((*packed)->Run(s, p.in, y.data(), &pool).ok());
    ExpectIntClose(p, y, ref, mag, "shared weights");
  }
  EXPECT_TRUE(tensor->OwnsStorageAlone());

  // kAuto follows WinogradIntegerPreferred: an IS-Net-sized layer takes Winograd exactly where the
  // rule says so (never with AVX512-VNNI's u8 x s8 kernel or on Highway's scalar target).
  ConvShape big;
  big.in_c = big.out_c = 32;
  big.in_h = big.in_w = big.out_h = big.out_w = 64;
  big.k_h = big.k_w = 3;
  big.pad_t = big.pad_l = 1;
  Problem q = MakeProblem(rng, big, false, true, true);
  for (ConvIsa isa : AvailableConvIsas()) {
    auto packed = PackedConvInteger::Pack(big, q.in, isa);
    ASSERT_TRUE(packed.ok());
    const bool wino = (*packed)->scheme() == ConvIntScheme::kWinogradF32;
    EXPECT_EQ(wino, WinogradIntegerPreferred(big, isa)) << IsaName(isa);
    if (std::string(WinogradTargetName(isa)) == "SCALAR") {
      EXPECT_FALSE(wino);
    }
  }
}

}  // namespace
}  // namespace bgone::kernels
