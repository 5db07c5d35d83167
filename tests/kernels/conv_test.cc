// Packed convolutions vs the references over random geometries, for every micro-kernel family the
// CPU supports, plus bit-exact results across thread counts.
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/kernels/conv.h"
#include "tests/kernels/conv_test_util.h"
#include "engine/runtime/thread_pool.h"
#include "tests/kernels/op_test_util.h"

namespace bgone::kernels {
namespace {

// A random but valid geometry; `big` allows larger channel counts.
ConvShape RandomShape(std::mt19937& rng, bool big) {
  auto r = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  ConvShape s;
  s.batch = r(1, 2);
  s.group = r(0, 3) == 0 ? r(2, 3) : 1;
  s.in_c = s.group * r(1, big ? 24 : 5);
  s.out_c = s.group * r(1, big ? 20 : 11);
  bool one_d = r(0, 7) == 0;
  s.k_h = one_d ? 1 : r(1, 4);
  s.k_w = r(1, 4);
  s.stride_h = one_d ? 1 : r(1, 3);
  s.stride_w = r(1, 3);
  s.dil_h = one_d ? 1 : r(1, 3);
  s.dil_w = r(1, 3);
  s.pad_t = one_d ? 0 : r(0, 3);
  s.pad_l = r(0, 3);
  int64_t pad_b = one_d ? 0 : r(0, 3), pad_r = r(0, 3);
  for (;;) {
    s.in_h = one_d ? 1 : r(1, big ? 40 : 19);
    s.in_w = r(1, big ? 70 : 37);
    int64_t span_h = s.dil_h * (s.k_h - 1) + 1, span_w = s.dil_w * (s.k_w - 1) + 1;
    if (s.in_h + s.pad_t + pad_b >= span_h && s.in_w + s.pad_l + pad_r >= span_w) {
      s.out_h = (s.in_h + s.pad_t + pad_b - span_h) / s.stride_h + 1;
      s.out_w = (s.in_w + s.pad_l + pad_r - span_w) / s.stride_w + 1;
      return s;
    }
  }
}

using testutil::RandomFloats;

int64_t InputSize(const ConvShape& s) { return s.batch * s.in_c * s.in_h * s.in_w; }
int64_t WeightSize(const ConvShape& s) { return s.out_c * s.k_size() * 1; }
int64_t OutputSize(const ConvShape& s) { return s.batch * s.out_c * s.out_pixels(); }

void ExpectCloseToReference(const ConvShape& s, const std::vector<float>& x,
                            const std::vector<float>& w, const std::vector<float>& bias,
                            bool relu, const std::vector<float>& y, const std::string& what) {
  ConvEpilogue ep;
  ep.bias = bias.empty() ? nullptr : bias.data();
  ep.relu = relu;
  std::vector<float> ref(y.size());
  ConvReferenceF32(s, x.data(), w.data(), ep, ref.data());
  // Error bound from the magnitude of the terms: sum |x||w| + |b|.
  std::vector<float> ax(x.size()), aw(w.size()), ab(bias.size()), mag(y.size());
  for (size_t i = 0; i < x.size(); ++i) ax[i] = std::fabs(x[i]);
  for (size_t i = 0; i < w.size(); ++i) aw[i] = std::fabs(w[i]);
  for (size_t i = 0; i < bias.size(); ++i) ab[i] = std::fabs(bias[i]);
  ConvEpilogue ep_abs;
  ep_abs.bias = ab.empty() ? nullptr : ab.data();
  ConvReferenceF32(s, ax.data(), aw.data(), ep_abs, mag.data());
  int bad = 0;
  for (size_t i = 0; i < y.size() && bad < 5; ++i) {
    float tol = 1e-5f * mag[i] + 1e-6f;
    if (!(std::fabs(y[i] - ref[i]) <= tol)) {
      ADD_FAILURE() << what << " " << s.ToString() << " at " << i << ": got " << y[i]
                    << " want " << ref[i];
      ++bad;
    }
  }
}

TEST(PackedConvF32, MatchesReferenceOnRandomShapes) {
  std::mt19937 rng(1234);
  for (int iter = 0; iter < 120; ++iter) {
    ConvShape s = RandomShape(rng, iter % 4 == 0);
    std::vector<float> x = RandomFloats(rng, InputSize(s));
    std::vector<float> w = RandomFloats(rng, WeightSize(s));
    std::vector<float> bias = iter % 3 == 0 ? std::vector<float>() : RandomFloats(rng, s.out_c);
    bool relu = iter % 5 == 1;
    for (ConvIsa isa : AvailableConvIsas()) {
      auto packed = PackedConvF32::Pack(s, w.data(), isa);
      ASSERT_TRUE(packed.ok()) << packed.status().ToString();
      EXPECT_EQ((*packed)->isa(), isa);
      std::vector<float> y(static_cast<size_t>(OutputSize(s)), 1234.5f);
      ConvEpilogue ep;
      ep.bias = bias.empty() ? nullptr : bias.data();
      ep.relu = relu;
      ThreadPool pool(2);
      ASSERT_TRUE((*packed)->Run(s, x.data(), ep, y.data(), &pool).ok());
      ExpectCloseToReference(s, x, w, bias, relu, y, ConvIsaName(isa));
    }
  }
}

TEST(PackedConvF32, IsNetLikeShapes) {
  std::mt19937 rng(7);
  struct G {
    int64_t c_in, c_out, hw, dil, stride;
  };
  for (G g : {G{3, 64, 40, 1, 2}, G{64, 32, 33, 1, 1}, G{32, 32, 17, 2, 1}, G{16, 16, 24, 4, 1},
              G{16, 16, 20, 8, 1}, G{128, 64, 9, 1, 1}, G{64, 1, 31, 1, 1}}) {
    ConvShape s;
    s.in_c = g.c_in;
    s.out_c = g.c_out;
    s.in_h = s.in_w = g.hw;
    s.k_h = s.k_w = 3;
    s.dil_h = s.dil_w = g.dil;
    s.pad_t = s.pad_l = g.dil;
    s.stride_h = s.stride_w = g.stride;
    s.out_h = s.out_w = (g.hw - 1) / g.stride + 1;
    std::vector<float> x = RandomFloats(rng, InputSize(s));
    std::vector<float> w = RandomFloats(rng, WeightSize(s));
    std::vector<float> bias = RandomFloats(rng, s.out_c);
    for (ConvIsa isa : AvailableConvIsas()) {
      // kAuto may pick Winograd (winograd_test.cc checks it with its own bound); kDirect keeps
      // the direct path covered on the same shapes.
      for (ConvAlgo algo : {ConvAlgo::kDirect, ConvAlgo::kAuto}) {
        auto packed = PackedConvF32::Pack(s, w.data(), isa, algo);
        ASSERT_TRUE(packed.ok());
        std::vector<float> y(static_cast<size_t>(OutputSize(s)));
        ConvEpilogue ep;
        ep.bias = bias.data();
        ASSERT_TRUE((*packed)->Run(s, x.data(), ep, y.data(), nullptr).ok());
        ExpectCloseToReference(s, x, w, bias, false, y,
                               std::string(ConvIsaName(isa)) +
                                   ((*packed)->UsesWinograd(s) ? " winograd" : " direct"));
      }
    }
  }
}

TEST(PackedConvF32, BitIdenticalAcrossThreadCounts) {
  std::mt19937 rng(99);
  for (int iter = 0; iter < 12; ++iter) {
    ConvShape s = RandomShape(rng, true);
    if (iter == 0) {  // one bigger case with many pixel blocks
      s = ConvShape();
      s.in_c = 16;
      s.out_c = 24;
      s.in_h = s.in_w = s.out_h = s.out_w = 96;
      s.k_h = s.k_w = 3;
      s.pad_t = s.pad_l = 1;
    }
    std::vector<float> x = RandomFloats(rng, InputSize(s));
    std::vector<float> w = RandomFloats(rng, WeightSize(s));
    std::vector<float> bias = RandomFloats(rng, s.out_c);
    ConvEpilogue ep;
    ep.bias = bias.data();
    auto packed = PackedConvF32::Pack(s, w.data());
    ASSERT_TRUE(packed.ok());
    std::vector<float> y1(static_cast<size_t>(OutputSize(s)));
    ASSERT_TRUE((*packed)->Run(s, x.data(), ep, y1.data(), nullptr).ok());
    for (int threads : {1, 2, 3}) {
      ThreadPool pool(threads);
      std::vector<float> y(y1.size());
      ASSERT_TRUE((*packed)->Run(s, x.data(), ep, y.data(), &pool).ok());
      EXPECT_EQ(0, std::memcmp(y.data(), y1.data(), y.size() * sizeof(float)))
          << s.ToString() << " threads=" << threads;
    }
  }
}

struct IntCase {
  bool x_signed, w_signed, per_channel;
};

TEST(PackedConvInteger, ExactlyMatchesReference) {
  std::mt19937 rng(4321);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int iter = 0; iter < 100; ++iter) {
    ConvShape s = RandomShape(rng, iter % 4 == 0);
    IntCase c{iter % 2 == 1, iter % 3 == 1, iter % 4 >= 2};
    std::vector<uint8_t> x(static_cast<size_t>(InputSize(s))), w(static_cast<size_t>(WeightSize(s)));
    for (auto& v : x) v = static_cast<uint8_t>(byte(rng));
    for (auto& v : w) v = static_cast<uint8_t>(byte(rng));
    std::vector<int32_t> wzp(static_cast<size_t>(s.out_c));
    int32_t common = c.w_signed ? byte(rng) - 128 : byte(rng);
    for (auto& z : wzp) z = c.per_channel ? (c.w_signed ? byte(rng) - 128 : byte(rng)) : common;
    ConvIntegerInputs in;
    in.x = x.data();
    in.x_signed = c.x_signed;
    in.x_zero_point = c.x_signed ? byte(rng) - 128 : byte(rng);
    in.w = w.data();
    in.w_signed = c.w_signed;
    in.w_zero_points = wzp.data();
    std::vector<int32_t> ref(static_cast<size_t>(OutputSize(s)));
    ConvIntegerReference(s, in, ref.data());
    for (ConvIsa isa : AvailableConvIsas()) {
      auto packed = PackedConvInteger::Pack(s, in, isa);
      ASSERT_TRUE(packed.ok());
      for (int threads : {1, 2, 3}) {
        ThreadPool pool(threads);
        std::vector<int32_t> y(ref.size(), 77);
        ASSERT_TRUE((*packed)->Run(s, in, y.data(), &pool).ok());
        ASSERT_EQ(y, ref) << ConvIsaName(isa) << " " << s.ToString() << " threads=" << threads;
      }
    }
  }
}

TEST(PackedConvInteger, DeepIsNetLikeShape) {
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> byte(0, 255);
  ConvShape s;
  s.in_c = 96;
  s.out_c = 40;
  s.in_h = s.in_w = s.out_h = s.out_w = 21;
  s.k_h = s.k_w = 3;
  s.dil_h = s.dil_w = s.pad_t = s.pad_l = 2;
  std::vector<uint8_t> x(static_cast<size_t>(InputSize(s))), w(static_cast<size_t>(WeightSize(s)));
  for (auto& v : x) v = static_cast<uint8_t>(byte(rng));
  for (auto& v : w) v = static_cast<uint8_t>(byte(rng));
  std::vector<int32_t> wzp(static_cast<size_t>(s.out_c), 255);
  ConvIntegerInputs in;
  in.x = x.data();
  in.x_zero_point = 0;
  in.w = w.data();
  in.w_zero_points = wzp.data();
  std::vector<int32_t> ref(static_cast<size_t>(OutputSize(s)));
  ConvIntegerReference(s, in, ref.data());
  for (ConvIsa isa : AvailableConvIsas()) {
    auto packed = PackedConvInteger::Pack(s, in, isa);
    ASSERT_TRUE(packed.ok());
    std::vector<int32_t> y(ref.size());
    ASSERT_TRUE((*packed)->Run(s, in, y.data(), nullptr).ok());
    EXPECT_EQ(y, ref) << ConvIsaName(isa);
  }
}

// The Conv op through its schema: bias, auto_pad, weights constant or not.
TEST(ConvOp, SchemaRunsWithConstantAndRuntimeWeights) {
  using testing::AttrIs;
  using testing::AttrS;
  std::mt19937 rng(3);
  ConvShape s;
  s.in_c = 4;
  s.out_c = 6;
  s.in_h = 9;
  s.in_w = 11;
  s.k_h = s.k_w = 3;
  s.stride_h = s.stride_w = 2;
  // SAME_UPPER: out = ceil(in / 2); pads total = (out-1)*2 + 3 - in.
  s.out_h = 5;
  s.out_w = 6;
  s.pad_t = 1;  // total 2 -> 1 before, 1 after
  s.pad_l = 1;  // total 2 -> 1, 1
  std::vector<float> x = RandomFloats(rng, InputSize(s));
  std::vector<float> w = RandomFloats(rng, WeightSize(s));
  std::vector<float> b = RandomFloats(rng, s.out_c);
  for (bool constant : {true, false}) {
    testing::OpSpec spec;
    spec.op_type = "Conv";
    spec.attrs["auto_pad"] = AttrS("SAME_UPPER");
    spec.attrs["strides"] = AttrIs({2, 2});
    spec.inputs.push_back({testing::MakeTensor(DType::kFloat32, {1, 4, 9, 11}, x)});
    spec.inputs.push_back({testing::MakeTensor(DType::kFloat32, {6, 4, 3, 3}, w), constant});
    spec.inputs.push_back({testing::MakeTensor(DType::kFloat32, {6}, b), constant});
    ThreadPool pool(2);
    auto out = testing::RunOp(spec, &pool);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    ASSERT_EQ((*out)[0].shape(), (Shape{1, 6, 5, 6}));
    std::vector<float> y((*out)[0].data<float>(), (*out)[0].data<float>() + (*out)[0].size());
    ExpectCloseToReference(s, x, w, b, false, y, "op");
  }
}

// bgone.FusedConvInteger must equal ConvInteger -> Cast -> Mul -> Add -> Relu bit for bit, and
// bgone.FusedConv must equal Conv -> Relu: the fusion pass may swap one for the other.
TEST(FusedOps, MatchUnfusedChainsExactly) {
  using testing::AttrI;
  using testing::AttrIs;
  using testing::AttrS;
  using testing::MakeTensor;
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> byte(0, 255);
  for (int64_t stride : {1, 2}) {
    std::vector<uint8_t> x(2 * 6 * 11 * 9), w(5 * 6 * 9);
    for (auto& v : x) v = static_cast<uint8_t>(byte(rng));
    for (auto& v : w) v = static_cast<uint8_t>(byte(rng));
    std::vector<float> bias = RandomFloats(rng, 5);
    auto attrs = [&](testing::OpSpec& spec) {
      spec.attrs["pads"] = AttrIs({1, 1, 1, 1});
      spec.attrs["strides"] = AttrIs({stride, stride});
    };
    Tensor tx = MakeTensor(DType::kUInt8, {2, 6, 11, 9}, x);
    Tensor tw = MakeTensor(DType::kUInt8, {5, 6, 3, 3}, w);
    Tensor txzp = MakeTensor<uint8_t>(DType::kUInt8, {}, {117});
    Tensor twzp = MakeTensor<uint8_t>(DType::kUInt8, {}, {131});
    Tensor tscale = MakeTensor<float>(DType::kFloat32, {}, {0.0123f});
    Tensor tbias = MakeTensor(DType::kFloat32, {5}, bias);

    testing::OpSpec ci;
    ci.op_type = "ConvInteger";
    attrs(ci);
    ci.inputs = {{tx}, {tw, true}, {txzp}, {twzp, true}};
    auto acc = testing::RunOp(ci);
    ASSERT_TRUE(acc.ok()) << acc.status().ToString();
    testing::OpSpec cast;
    cast.op_type = "Cast";
    cast.attrs["to"] = AttrI(1);
    cast.inputs = {{(*acc)[0]}};
    auto f = testing::RunOp(cast);
    ASSERT_TRUE(f.ok());
    testing::OpSpec mul;
    mul.op_type = "Mul";
    mul.inputs = {{(*f)[0]}, {tscale}};
    auto m = testing::RunOp(mul);
    ASSERT_TRUE(m.ok());
    testing::OpSpec add;
    add.op_type = "Add";
    add.inputs = {{(*m)[0]}, {tbias.Reshaped({5, 1, 1})}};
    auto a = testing::RunOp(add);
    ASSERT_TRUE(a.ok());
    testing::OpSpec relu;
    relu.op_type = "Relu";
    relu.inputs = {{(*a)[0]}};
    auto r = testing::RunOp(relu);
    ASSERT_TRUE(r.ok());

    testing::OpSpec fused;
    fused.op_type = "FusedConvInteger";
    fused.domain = "bgone";
    attrs(fused);
    fused.attrs["activation"] = AttrS("Relu");
    fused.inputs = {{tx}, {tw, true}, {txzp}, {twzp, true}, {tscale}, {tbias, true}};
    ThreadPool pool(2);
    auto fz = testing::RunOp(fused, &pool);
    ASSERT_TRUE(fz.ok()) << fz.status().ToString();
    ASSERT_EQ((*fz)[0].shape(), (*r)[0].shape());
    EXPECT_EQ(0, std::memcmp((*fz)[0].raw(), (*r)[0].raw(), (*r)[0].bytes())) << "stride " << stride;

    // Float conv + relu.
    std::vector<float> xf = RandomFloats(rng, 2 * 6 * 11 * 9), wf = RandomFloats(rng, 5 * 6 * 9);
    testing::OpSpec conv;
    conv.op_type = "Conv";
    attrs(conv);
    conv.inputs = {{MakeTensor(DType::kFloat32, {2, 6, 11, 9}, xf)},
                   {MakeTensor(DType::kFloat32, {5, 6, 3, 3}, wf), true},
                   {tbias, true}};
    auto c = testing::RunOp(conv);
    ASSERT_TRUE(c.ok());
    relu.inputs = {{(*c)[0]}};
    auto cr = testing::RunOp(relu);
    ASSERT_TRUE(cr.ok());
    conv.op_type = "FusedConv";
    conv.domain = "bgone";
    conv.attrs["activation"] = AttrS("Relu");
    auto fc = testing::RunOp(conv, &pool);
    ASSERT_TRUE(fc.ok()) << fc.status().ToString();
    EXPECT_EQ(0, std::memcmp((*fc)[0].raw(), (*cr)[0].raw(), (*cr)[0].bytes())) << "stride " << stride;
  }
}

}  // namespace
}  // namespace bgone::kernels
