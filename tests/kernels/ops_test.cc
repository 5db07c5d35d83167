// Direct tests of the non-convolution ops through their schemas: semantics at the edges and
// graceful errors on bad input.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "engine/kernels/elementwise.h"
#include "engine/kernels/op_registry.h"
#include "engine/kernels/pool.h"
#include "engine/kernels/quant.h"
#include "tests/kernels/op_test_util.h"

namespace bgone::testing {
namespace {

template <typename T>
std::vector<T> Values(const Tensor& t) {
  return std::vector<T>(t.data<T>(), t.data<T>() + t.size());
}

Tensor F32(const Shape& s, const std::vector<float>& v) { return MakeTensor(DType::kFloat32, s, v); }
Tensor I64(const Shape& s, const std::vector<int64_t>& v) { return MakeTensor(DType::kInt64, s, v); }

std::vector<float> Iota(int n, float start = 0) {
  std::vector<float> v(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) v[static_cast<size_t>(i)] = start + static_cast<float>(i);
  return v;
}

TEST(Registry, ListsTheOpsAndFindsThem) {
  for (const char* op : {"Conv", "ConvInteger", "DynamicQuantizeLinear", "MatMulInteger", "MatMul",
                         "Relu", "Sigmoid", "MaxPool", "Resize", "Concat", "Add", "Sub", "Mul",
                         "Div", "Cast", "Reshape", "Shape", "Slice", "Constant", "Identity",
                         "Unsqueeze", "Squeeze", "Flatten", "Gather", "Clip", "Pad", "Transpose"}) {
    EXPECT_NE(FindOpSchema("", op), nullptr) << op;
  }
  EXPECT_EQ(FindOpSchema("", "Softmax"), nullptr);
  EXPECT_EQ(FindOpSchema("com.microsoft", "Conv"), nullptr);
  EXPECT_NE(FindOpSchema("bgone", "FusedConv"), nullptr);
}

TEST(Registry, UnknownAttributeIsAnError) {
  OpSpec spec;
  spec.op_type = "Relu";
  spec.attrs["alpha"] = AttrF(1);
  spec.inputs.push_back({F32({2}, {1, -1})});
  auto out = RunOp(spec);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(out.status().message().find("alpha"), std::string::npos);
}

TEST(Binary, BroadcastsLikeNumpy) {
  OpSpec spec;
  spec.op_type = "Sub";
  spec.inputs.push_back({F32({2, 1, 3}, Iota(6))});
  spec.inputs.push_back({F32({4, 1}, {0, 10, 20, 30})});
  auto out = RunOp(spec);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)[0].shape(), (Shape{2, 4, 3}));
  std::vector<float> y = Values<float>((*out)[0]);
  for (int a = 0; a < 2; ++a)
    for (int b = 0; b < 4; ++b)
      for (int c = 0; c < 3; ++c) EXPECT_EQ(y[(a * 4 + b) * 3 + c], a * 3 + c - 10.0f * b);
}

TEST(Binary, IntegerDivisionByZeroIsAnErrorNotACrash) {
  OpSpec spec;
  spec.op_type = "Div";
  spec.inputs.push_back({MakeTensor<int32_t>(DType::kInt32, {2}, {7, INT32_MIN})});
  spec.inputs.push_back({MakeTensor<int32_t>(DType::kInt32, {2}, {-2, -1})});
  auto out = RunOp(spec);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(Values<int32_t>((*out)[0]), (std::vector<int32_t>{-3, INT32_MIN}));
  spec.inputs[1] = {MakeTensor<int32_t>(DType::kInt32, {2}, {1, 0})};
  EXPECT_FALSE(RunOp(spec).ok());
}

TEST(Binary, LargeTensorsSplitAcrossThreadsGiveTheSameResult) {
  std::vector<float> a = Iota(300000), b = Iota(300000, 0.5f);
  OpSpec spec;
  spec.op_type = "Mul";
  spec.inputs.push_back({F32({300000}, a)});
  spec.inputs.push_back({F32({300000}, b)});
  ThreadPool pool(3);
  auto one = RunOp(spec);
  auto three = RunOp(spec, &pool);
  ASSERT_TRUE(one.ok() && three.ok());
  EXPECT_EQ(Values<float>((*one)[0]), Values<float>((*three)[0]));
}

TEST(Unary, SigmoidIsAccurate) {
  std::vector<float> x;
  for (float v = -100; v <= 100; v += 0.37f) x.push_back(v);
  x.push_back(std::numeric_limits<float>::quiet_NaN());
  std::vector<float> y(x.size());
  kernels::SigmoidF32(x.data(), y.data(), static_cast<int64_t>(x.size()));
  for (size_t i = 0; i + 1 < x.size(); ++i) {
    double want = 1.0 / (1.0 + std::exp(-static_cast<double>(x[i])));
    EXPECT_NEAR(y[i], want, 2e-7 * want + 1e-30) << x[i];
  }
  EXPECT_TRUE(std::isnan(y.back()));
}

TEST(Cast, FloatToHalfRoundsToNearestEvenAndBack) {
  OpSpec spec;
  spec.op_type = "Cast";
  spec.attrs["to"] = AttrI(static_cast<int64_t>(DType::kFloat16));
  // 1 + 2^-11 is halfway between two halves: rounds to even (1.0); 1 + 3*2^-11 rounds up.
  spec.inputs.push_back({F32({4}, {1.0f + 1.0f / 2048, 1.0f + 3.0f / 2048, 65520.0f, -0.0f})});
  auto out = RunOp(spec);
  ASSERT_TRUE(out.ok());
  std::vector<uint16_t> h = Values<uint16_t>((*out)[0]);
  EXPECT_EQ(h[0], 0x3C00);
  EXPECT_EQ(h[1], 0x3C02);
  EXPECT_EQ(h[2], 0x7C00);  // overflows to inf
  EXPECT_EQ(h[3], 0x8000);
}

TEST(Cast, FloatToIntTruncatesTowardZero) {
  OpSpec spec;
  spec.op_type = "Cast";
  spec.attrs["to"] = AttrI(static_cast<int64_t>(DType::kInt32));
  spec.inputs.push_back({F32({4}, {2.7f, -2.7f, 1e20f, std::nanf("")})});
  auto out = RunOp(spec);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(Values<int32_t>((*out)[0]), (std::vector<int32_t>{2, -2, INT32_MIN, INT32_MIN}));
  spec.attrs["to"] = AttrI(static_cast<int64_t>(DType::kBool));
  out = RunOp(spec);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(Values<uint8_t>((*out)[0]), (std::vector<uint8_t>{1, 1, 1, 1}));
  spec.attrs["to"] = AttrI(static_cast<int64_t>(DType::kString));
  EXPECT_FALSE(RunOp(spec).ok());
}

TEST(Slice, NegativeStepsAndClamping) {
  OpSpec spec;
  spec.op_type = "Slice";
  spec.opset = 13;
  spec.inputs.push_back({F32({2, 5}, Iota(10))});
  spec.inputs.push_back({I64({2}, {10, -1}), true});                          // starts
  spec.inputs.push_back({I64({2}, {INT64_MIN, std::numeric_limits<int64_t>::min()}), true});  // ends
  spec.inputs.push_back({I64({2}, {0, 1}), true});                            // axes
  spec.inputs.push_back({I64({2}, {-1, -2}), true});                          // steps
  auto out = RunOp(spec);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ((*out)[0].shape(), (Shape{2, 3}));
  EXPECT_EQ(Values<float>((*out)[0]), (std::vector<float>{9, 7, 5, 4, 2, 0}));
}

TEST(Slice, RuntimeStartsAreRejectedAtPrepare) {
  OpSpec spec;
  spec.op_type = "Slice";
  spec.inputs.push_back({F32({4}, Iota(4))});
  spec.inputs.push_back({I64({1}, {1})});
  spec.inputs.push_back({I64({1}, {3}), true});
  auto out = RunOp(spec);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kUnsupported);
}

TEST(Reshape, ZeroCopiesUnlessAllowzero) {
  OpSpec spec;
  spec.op_type = "Reshape";
  spec.opset = 14;
  spec.inputs.push_back({F32({2, 3, 4}, Iota(24))});
  spec.inputs.push_back({I64({3}, {0, -1, 2}), true});
  auto out = RunOp(spec);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ((*out)[0].shape(), (Shape{2, 6, 2}));
  spec.attrs["allowzero"] = AttrI(1);
  EXPECT_FALSE(RunOp(spec).ok());  // 0 * -1 cannot hold 24 elements
  spec.inputs[1] = {I64({2}, {-1, 5}), true};
  spec.attrs.clear();
  EXPECT_FALSE(RunOp(spec).ok());
}

TEST(Gather, NegativeAndOutOfRangeIndices) {
  OpSpec spec;
  spec.op_type = "Gather";
  spec.attrs["axis"] = AttrI(1);
  spec.inputs.push_back({F32({2, 3}, Iota(6))});
  spec.inputs.push_back({I64({2}, {-1, 0})});
  auto out = RunOp(spec);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(Values<float>((*out)[0]), (std::vector<float>{2, 0, 5, 3}));
  spec.inputs[1] = {I64({1}, {3})};
  out = RunOp(spec);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
}

TEST(Shape, StartEndAndConstantOutput) {
  OpSpec spec;
  spec.op_type = "Shape";
  spec.opset = 15;
  spec.attrs["start"] = AttrI(-3);
  spec.attrs["end"] = AttrI(-1);
  spec.inputs.push_back({F32({2, 3, 4, 5}, std::vector<float>(120))});
  auto out = RunOp(spec);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(Values<int64_t>((*out)[0]), (std::vector<int64_t>{3, 4}));
}

TEST(Concat, NegativeAxis) {
  OpSpec spec;
  spec.op_type = "Concat";
  spec.attrs["axis"] = AttrI(-1);
  spec.inputs.push_back({F32({2, 1}, {1, 2})});
  spec.inputs.push_back({F32({2, 2}, {3, 4, 5, 6})});
  auto out = RunOp(spec);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(Values<float>((*out)[0]), (std::vector<float>{1, 3, 4, 2, 5, 6}));
}

TEST(MaxPool, CeilModeOutputSizes) {
  // in 5, k 2, s 2: floor 2, ceil 3.
  EXPECT_EQ(kernels::PoolOutputSize(5, 2, 2, 1, 0, 0, false).value(), 2);
  EXPECT_EQ(kernels::PoolOutputSize(5, 2, 2, 1, 0, 0, true).value(), 3);
  EXPECT_EQ(kernels::PoolOutputSize(4, 2, 2, 1, 1, 1, true).value(), 3);
  // A last window that would start inside the trailing padding is dropped.
  EXPECT_EQ(kernels::PoolOutputSize(6, 3, 3, 1, 0, 2, true).value(), 2);
  EXPECT_EQ(kernels::PoolOutputSize(3, 1, 3, 1, 0, 2, true).value(), 2);
  EXPECT_FALSE(kernels::PoolOutputSize(1, 3, 1, 1, 0, 0, false).ok());
}

TEST(MaxPool, IsNetCeilPool) {
  OpSpec spec;
  spec.op_type = "MaxPool";
  spec.attrs["kernel_shape"] = AttrIs({2, 2});
  spec.attrs["strides"] = AttrIs({2, 2});
  spec.attrs["ceil_mode"] = AttrI(1);
  spec.inputs.push_back({F32({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9})});
  auto out = RunOp(spec);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ((*out)[0].shape(), (Shape{1, 1, 2, 2}));
  EXPECT_EQ(Values<float>((*out)[0]), (std::vector<float>{5, 6, 8, 9}));
  spec.num_outputs = 2;  // Indices are not implemented
  EXPECT_FALSE(RunOp(spec).ok());
}

TEST(Resize, LinearHalfPixelUpsample) {
  OpSpec spec;
  spec.op_type = "Resize";
  spec.opset = 13;
  spec.attrs["mode"] = AttrS("linear");
  spec.inputs.push_back({F32({1, 1, 1, 2}, {0, 4})});
  spec.inputs.push_back({Tensor(), false, true});
  spec.inputs.push_back({Tensor(), false, true});
  spec.inputs.push_back({I64({4}, {1, 1, 1, 4}), true});
  auto out = RunOp(spec);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  // x_orig = (o + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25 -> clamped to [0, 1].
  EXPECT_EQ(Values<float>((*out)[0]), (std::vector<float>{0, 1, 3, 4}));
}

// Bilinear upsampling by two (the decoder's upsampling in IS-Net) takes a vectorised path for the
// interior columns under half_pixel; asymmetric does not match its pattern. Both must give exactly
// the scalar formula's bits, for widths around every vector length and odd heights.
TEST(Resize, LinearTimesTwoMatchesScalarFormulaExactly) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> u(-3.0f, 3.0f);
  for (const char* transform : {"half_pixel", "asymmetric"}) {
    for (int64_t w : {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 18, 31, 33, 40}) {
      for (int64_t h : {1, 3, 6}) {
        const int64_t planes = 2;
        std::vector<float> x(static_cast<size_t>(planes * h * w));
        for (float& v : x) v = u(rng);
        OpSpec spec;
        spec.op_type = "Resize";
        spec.opset = 13;
        spec.attrs["mode"] = AttrS("linear");
        spec.attrs["coordinate_transformation_mode"] = AttrS(transform);
        spec.inputs.push_back({F32({1, planes, h, w}, x)});
        spec.inputs.push_back({Tensor(), false, true});
        spec.inputs.push_back({Tensor(), false, true});
        spec.inputs.push_back({I64({4}, {1, planes, 2 * h, 2 * w}), true});
        auto out = RunOp(spec);
        ASSERT_TRUE(out.ok()) << out.status().ToString();
        std::vector<float> got = Values<float>((*out)[0]);
        // The formula, per axis: source coordinate clamped to the input, its two neighbours, and
        // their distances as weights (0.5 each when both neighbours are the same pixel).
        struct Tap { int64_t a1, a2; float w1, w2; };
        auto taps = [&](int64_t in, int64_t o) {
          float c = std::string(transform) == "half_pixel" ? (static_cast<float>(o) + 0.5f) / 2.0f - 0.5f
                                                           : static_cast<float>(o) / 2.0f;
          c = std::max(0.0f, std::min(c, static_cast<float>(in - 1)));
          Tap t;
          t.a1 = std::min(static_cast<int64_t>(c), in - 1);
          t.a2 = std::min(t.a1 + 1, in - 1);
          t.w1 = std::fabs(c - static_cast<float>(t.a1));
          t.w2 = std::fabs(c - static_cast<float>(t.a2));
          if (t.a1 == t.a2) t.w1 = t.w2 = 0.5f;
          return t;
        };
        size_t k = 0;
        for (int64_t p = 0; p < planes; ++p) {
          for (int64_t oy = 0; oy < 2 * h; ++oy) {
            Tap ty = taps(h, oy);
            const float* r1 = &x[static_cast<size_t>((p * h + ty.a1) * w)];
            const float* r2 = &x[static_cast<size_t>((p * h + ty.a2) * w)];
            for (int64_t ox = 0; ox < 2 * w; ++ox, ++k) {
              Tap tx = taps(w, ox);
              float want = tx.w2 * ty.w2 * r1[tx.a1] + tx.w1 * ty.w2 * r1[tx.a2] +
                           tx.w2 * ty.w1 * r2[tx.a1] + tx.w1 * ty.w1 * r2[tx.a2];
              ASSERT_EQ(std::memcmp(&got[k], &want, 4), 0)
                  << transform << " w " << w << " h " << h << " at " << p << "," << oy << "," << ox
                  << ": " << got[k] << " vs " << want;
            }
          }
        }
      }
    }
  }
}

TEST(Resize, NearestModes) {
  struct C {
    const char* mode;
    const char* transform;
    std::vector<float> want;
  };
  // 3 -> 5 along one axis; asymmetric x_orig = o * 0.6 = 0, .6, 1.2, 1.8, 2.4
  for (const C& c : {C{"floor", "asymmetric", {0, 0, 1, 1, 2}}, C{"ceil", "asymmetric", {0, 1, 2, 2, 2}},
                     C{"round_prefer_floor", "asymmetric", {0, 1, 1, 2, 2}},
                     C{"round_prefer_ceil", "align_corners", {0, 1, 1, 2, 2}}}) {
    OpSpec spec;
    spec.op_type = "Resize";
    spec.opset = 13;
    spec.attrs["mode"] = AttrS("nearest");
    spec.attrs["nearest_mode"] = AttrS(c.mode);
    spec.attrs["coordinate_transformation_mode"] = AttrS(c.transform);
    spec.inputs.push_back({F32({3}, {0, 1, 2})});
    spec.inputs.push_back({Tensor(), false, true});
    spec.inputs.push_back({Tensor(), false, true});
    spec.inputs.push_back({I64({1}, {5}), true});
    auto out = RunOp(spec);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    EXPECT_EQ(Values<float>((*out)[0]), c.want) << c.mode << " " << c.transform;
  }
}

TEST(DynamicQuantizeLinear, RoundsHalfToEven) {
  float scale;
  uint8_t zp;
  kernels::DynamicQuantParams(-1.0f, 254.0f, &scale, &zp);
  EXPECT_EQ(scale, 1.0f);
  EXPECT_EQ(zp, 1);
  std::vector<float> x = {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, 300.0f, -9.0f};
  std::vector<uint8_t> y(x.size());
  kernels::QuantizeLinearU8(x.data(), static_cast<int64_t>(x.size()), scale, zp, y.data());
  EXPECT_EQ(y, (std::vector<uint8_t>{1, 3, 3, 1, 0, 255, 0}));
  kernels::DynamicQuantParams(0.0f, 0.0f, &scale, &zp);
  EXPECT_EQ(scale, 1.0f);
  EXPECT_EQ(zp, 0);
}

TEST(DynamicQuantizeLinear, OpOutputs) {
  OpSpec spec;
  spec.op_type = "DynamicQuantizeLinear";
  spec.num_outputs = 3;
  spec.inputs.push_back({F32({4}, {0, 3, -4, 8})});
  auto out = RunOp(spec);
  ASSERT_TRUE(out.ok());
  float scale = (*out)[1].data<float>()[0];
  EXPECT_FLOAT_EQ(scale, 12.0f / 255);
  EXPECT_EQ((*out)[2].data<uint8_t>()[0], 85);  // round(4 / (12/255)) = 85
  EXPECT_EQ(Values<uint8_t>((*out)[0]), (std::vector<uint8_t>{85, 149, 0, 255}));
}

TEST(DequantizeLinear, BadScalesAndZeroPointsAreErrors) {
  auto u8 = [](const Shape& sh, int n) { return MakeTensor(DType::kUInt8, sh, std::vector<uint8_t>(static_cast<size_t>(n), 3)); };
  OpSpec spec;
  spec.op_type = "DequantizeLinear";
  spec.inputs.push_back({u8({2, 6}, 12)});
  spec.inputs.push_back({F32({6}, std::vector<float>(6, 0.5f))});
  spec.inputs.push_back({u8({6}, 6)});
  ASSERT_TRUE(RunOp(spec).ok());  // per axis 1 (the default)
  spec.attrs["axis"] = AttrI(0);  // axis 0 has 2 entries, not 6
  auto out = RunOp(spec);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kMalformed);
  spec.attrs["axis"] = AttrI(2);
  EXPECT_FALSE(RunOp(spec).ok());
  spec.attrs.clear();
  spec.inputs[2] = {MakeTensor(DType::kInt8, {6}, std::vector<int8_t>(6, 1))};  // zero point type
  EXPECT_FALSE(RunOp(spec).ok());
  spec.inputs[2] = {u8({5}, 5)};  // zero point shape
  EXPECT_FALSE(RunOp(spec).ok());
  spec.inputs[2] = {u8({6}, 6)};
  spec.inputs[1] = {MakeTensor(DType::kFloat16, {6}, std::vector<uint16_t>(6, 0x3800))};
  out = RunOp(spec);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kUnsupported);
  // block_size: only from opset 21, and the scale must then have x's rank.
  spec.inputs[1] = {F32({2, 2}, std::vector<float>(4, 0.5f))};
  spec.inputs[2] = {u8({2, 2}, 4)};
  spec.attrs["block_size"] = AttrI(4);
  EXPECT_FALSE(RunOp(spec).ok());  // opset 17
  spec.opset = 21;
  ASSERT_TRUE(RunOp(spec).ok());  // 6 = 4 + 2: two blocks, the last partial
  spec.attrs["block_size"] = AttrI(2);  // three blocks needed
  EXPECT_FALSE(RunOp(spec).ok());
  spec.attrs["block_size"] = AttrI(-1);
  EXPECT_FALSE(RunOp(spec).ok());
}

TEST(DequantizeLinear, BlockedValuesAndThreads) {
  // x [3, 10] in blocks of 4 along axis 1: scale and zero point [3, 3].
  std::vector<int8_t> x(30);
  for (int i = 0; i < 30; ++i) x[static_cast<size_t>(i)] = static_cast<int8_t>(i * 7 - 100);
  std::vector<float> sc(9);
  std::vector<int8_t> zp(9);
  for (int i = 0; i < 9; ++i) {
    sc[static_cast<size_t>(i)] = 0.25f * static_cast<float>(i + 1);
    zp[static_cast<size_t>(i)] = static_cast<int8_t>(i - 4);
  }
  OpSpec spec;
  spec.op_type = "DequantizeLinear";
  spec.opset = 21;
  spec.attrs["block_size"] = AttrI(4);
  spec.inputs.push_back({MakeTensor(DType::kInt8, {3, 10}, x)});
  spec.inputs.push_back({F32({3, 3}, sc)});
  spec.inputs.push_back({MakeTensor(DType::kInt8, {3, 3}, zp)});
  auto out = RunOp(spec);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  std::vector<float> got = Values<float>((*out)[0]);
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c < 10; ++c) {
      const int b = r * 3 + c / 4, i = r * 10 + c;
      EXPECT_EQ(got[static_cast<size_t>(i)],
                static_cast<float>(x[static_cast<size_t>(i)] - zp[static_cast<size_t>(b)]) * sc[static_cast<size_t>(b)])
          << r << "," << c;
    }
  }
  // A large per-tensor input split over threads gives the same values.
  std::vector<uint8_t> big(200003);
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<uint8_t>(i * 31);
  OpSpec pt;
  pt.op_type = "DequantizeLinear";
  pt.inputs.push_back({MakeTensor(DType::kUInt8, {200003}, big)});
  pt.inputs.push_back({F32({}, {0.0371f})});
  pt.inputs.push_back({MakeTensor(DType::kUInt8, {}, std::vector<uint8_t>{131})});
  ThreadPool pool(3);
  auto one = RunOp(pt);
  auto three = RunOp(pt, &pool);
  ASSERT_TRUE(one.ok() && three.ok());
  EXPECT_EQ(Values<float>((*one)[0]), Values<float>((*three)[0]));
  EXPECT_EQ((*one)[0].data<float>()[200002], static_cast<float>(static_cast<int>(big[200002]) - 131) * 0.0371f);
}

TEST(MatMul, BatchedBroadcastAndVectors) {
  OpSpec spec;
  spec.op_type = "MatMul";
  spec.inputs.push_back({F32({2, 1, 2, 3}, Iota(12))});
  spec.inputs.push_back({F32({3, 3, 1}, Iota(9))});
  auto out = RunOp(spec);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ((*out)[0].shape(), (Shape{2, 3, 2, 1}));
  std::vector<float> y = Values<float>((*out)[0]);
  // batch (1, 2): A[1] rows (6,7,8),(9,10,11) times B[2] = (6,7,8)
  EXPECT_EQ(y[(1 * 3 + 2) * 2 + 0], 6 * 6 + 7 * 7 + 8 * 8);
  spec.inputs[0] = {F32({3}, {1, 2, 3})};
  spec.inputs[1] = {F32({3}, {4, 5, 6})};
  out = RunOp(spec);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ((*out)[0].shape(), Shape{});
  EXPECT_EQ((*out)[0].data<float>()[0], 32);
}

TEST(Views, UnsqueezeSqueezeFlatten) {
  OpSpec spec;
  spec.op_type = "Unsqueeze";
  spec.opset = 13;
  spec.inputs.push_back({F32({2, 3}, Iota(6))});
  spec.inputs.push_back({I64({2}, {-1, 0}), true});
  auto out = RunOp(spec);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ((*out)[0].shape(), (Shape{1, 2, 3, 1}));
  spec.op_type = "Squeeze";
  spec.inputs[0] = {F32({1, 2, 1, 3}, Iota(6))};
  spec.inputs.resize(1);
  out = RunOp(spec);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ((*out)[0].shape(), (Shape{2, 3}));
  spec.op_type = "Flatten";
  spec.attrs["axis"] = AttrI(-1);
  out = RunOp(spec);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ((*out)[0].shape(), (Shape{2, 3}));
}

TEST(Constant, AllValueKinds) {
  OpSpec spec;
  spec.op_type = "Constant";
  spec.attrs["value_ints"] = AttrIs({1, 2});
  auto out = RunOp(spec);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(Values<int64_t>((*out)[0]), (std::vector<int64_t>{1, 2}));
  spec.attrs.clear();
  spec.attrs["value_float"] = AttrF(2.5f);
  out = RunOp(spec);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ((*out)[0].shape(), Shape{});
  EXPECT_EQ((*out)[0].data<float>()[0], 2.5f);
  spec.attrs["value_int"] = AttrI(1);
  EXPECT_FALSE(RunOp(spec).ok());  // two values
}

TEST(Robustness, BadShapesAreErrors) {
  OpSpec spec;
  spec.op_type = "Conv";
  spec.inputs.push_back({F32({1, 3, 4, 4}, std::vector<float>(48))});
  spec.inputs.push_back({F32({2, 2, 3, 3}, std::vector<float>(36)), true});  // 2 != 3 channels
  EXPECT_FALSE(RunOp(spec).ok());
  spec.inputs[1] = {F32({2, 3, 5, 5}, std::vector<float>(150)), true};  // kernel > input
  EXPECT_FALSE(RunOp(spec).ok());
  spec.inputs[1] = {F32({2, 3, 3, 3}, std::vector<float>(54)), true};
  spec.attrs["group"] = AttrI(0);
  EXPECT_FALSE(RunOp(spec).ok());
  spec.attrs["group"] = AttrI(1);
  spec.attrs["pads"] = AttrIs({-1, 0, 0, 0});
  EXPECT_FALSE(RunOp(spec).ok());
}

}  // namespace
}  // namespace bgone::testing
