// The fusion pass: fused graphs give bit-identical outputs to the unfused ones and fewer nodes.
#include <gtest/gtest.h>

#include <cstring>
#include <random>

#include "engine/passes/passes.h"
#include "engine/runtime/session.h"

namespace bgone {
namespace {

ir::ValueId AddValue(ir::Graph& g, const std::string& name, DType dtype = DType::kUndefined,
                     std::optional<Shape> shape = std::nullopt) {
  ir::Value v;
  v.name = name;
  v.dtype = dtype;
  v.shape = std::move(shape);
  return g.AddValue(std::move(v));
}

ir::ValueId AddConstant(ir::Graph& g, const std::string& name, Tensor t) {
  ir::Value v;
  v.name = name;
  v.dtype = t.dtype();
  v.shape = t.shape();
  v.constant = std::move(t);
  return g.AddValue(std::move(v));
}

ir::Node MakeNode(const std::string& op, std::vector<ir::ValueId> in, std::vector<ir::ValueId> out) {
  ir::Node n;
  n.op_type = op;
  n.name = op;
  n.inputs = std::move(in);
  n.outputs = std::move(out);
  return n;
}

ir::Attribute Ints(std::vector<int64_t> v) {
  ir::Attribute a;
  a.kind = ir::Attribute::Kind::kInts;
  a.ints = std::move(v);
  return a;
}

template <typename T>
Tensor Random(DType dtype, const Shape& shape, std::mt19937& rng, float lo, float hi) {
  Tensor t = Tensor::Allocate(dtype, shape).value();
  std::uniform_real_distribution<float> d(lo, hi);
  for (int64_t i = 0; i < t.size(); ++i) t.data<T>()[i] = static_cast<T>(d(rng));
  return t;
}

// x -> DynamicQuantizeLinear -> ConvInteger -> Cast -> Mul(x_scale * w_scale) -> Add(bias) -> Relu
//   -> Conv -> Relu -> y: the shape of IS-Net's quantized and float blocks.
ir::Graph QuantizedBlock(std::mt19937& rng) {
  ir::Graph g;
  g.set_opset(15);
  ir::ValueId x = AddValue(g, "x", DType::kFloat32, Shape{1, 3, 9, 11});
  g.inputs().push_back(x);
  ir::ValueId xq = AddValue(g, "xq"), xs = AddValue(g, "xs"), xz = AddValue(g, "xz");
  g.nodes().push_back(MakeNode("DynamicQuantizeLinear", {x}, {xq, xs, xz}));
  ir::ValueId w = AddConstant(g, "w", Random<uint8_t>(DType::kUInt8, {4, 3, 3, 3}, rng, 0, 255));
  ir::ValueId wz = AddConstant(g, "wz", Tensor::FromVector<uint8_t>(DType::kUInt8, {}, {131}).value());
  ir::ValueId acc = AddValue(g, "acc");
  ir::Node ci = MakeNode("ConvInteger", {xq, w, xz, wz}, {acc});
  ci.attrs["pads"] = Ints({1, 1, 1, 1});
  ci.attrs["kernel_shape"] = Ints({3, 3});
  g.nodes().push_back(ci);
  ir::ValueId accf = AddValue(g, "accf");
  ir::Node cast = MakeNode("Cast", {acc}, {accf});
  ir::Attribute to;
  to.kind = ir::Attribute::Kind::kInt;
  to.i = 1;
  cast.attrs["to"] = to;
  g.nodes().push_back(cast);
  ir::ValueId ws = AddConstant(g, "ws", Tensor::FromVector<float>(DType::kFloat32, {}, {0.0123f}).value());
  ir::ValueId scale = AddValue(g, "scale"), scaled = AddValue(g, "scaled");
  g.nodes().push_back(MakeNode("Mul", {xs, ws}, {scale}));
  g.nodes().push_back(MakeNode("Mul", {accf, scale}, {scaled}));
  ir::ValueId bias = AddConstant(g, "bias", Random<float>(DType::kFloat32, {1, 4, 1, 1}, rng, -1, 1));
  ir::ValueId biased = AddValue(g, "biased"), relu = AddValue(g, "relu");
  g.nodes().push_back(MakeNode("Add", {bias, scaled}, {biased}));
  g.nodes().push_back(MakeNode("Relu", {biased}, {relu}));
  ir::ValueId w2 = AddConstant(g, "w2", Random<float>(DType::kFloat32, {2, 4, 3, 3}, rng, -1, 1));
  ir::ValueId c2 = AddValue(g, "c2"), y = AddValue(g, "y");
  ir::Node conv = MakeNode("Conv", {relu, w2}, {c2});
  conv.attrs["dilations"] = Ints({2, 2});
  conv.attrs["pads"] = Ints({2, 2, 2, 2});
  g.nodes().push_back(conv);
  g.nodes().push_back(MakeNode("Relu", {c2}, {y}));
  g.outputs().push_back(y);
  return g;
}

TEST(FusionTest, FusedGraphIsBitIdentical) {
  std::mt19937 rng(5);
  auto model = Model::FromGraph(QuantizedBlock(rng));
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  SessionOptions fused_options, plain_options;
  plain_options.fuse = false;
  auto fused = Session::Create(*model, {}, fused_options);
  auto plain = Session::Create(*model, {}, plain_options);
  ASSERT_TRUE(fused.ok()) << fused.status().ToString();
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ((*fused)->stats().fused_groups, 2);
  EXPECT_EQ((*plain)->stats().fused_groups, 0);
  EXPECT_EQ((*plain)->stats().nodes_after_passes - (*fused)->stats().nodes_after_passes, 5);
  for (int trial = 0; trial < 5; ++trial) {
    Tensor x = Random<float>(DType::kFloat32, {1, 3, 9, 11}, rng, -2, 3);
    std::vector<Tensor> a, b;
    ASSERT_TRUE((*fused)->Run({x}, &a).ok());
    ASSERT_TRUE((*plain)->Run({x}, &b).ok());
    ASSERT_EQ(a[0].shape(), b[0].shape());
    EXPECT_EQ(std::memcmp(a[0].raw(), b[0].raw(), a[0].bytes()), 0) << "trial " << trial;
  }
}

// Buffers of dead values are recycled within and across runs; results must not change.
TEST(FusionTest, RepeatedRunsAreIdentical) {
  std::mt19937 rng(8);
  auto model = Model::FromGraph(QuantizedBlock(rng));
  ASSERT_TRUE(model.ok());
  auto session = Session::Create(*model);
  ASSERT_TRUE(session.ok());
  Tensor x = Random<float>(DType::kFloat32, {1, 3, 9, 11}, rng, -2, 3);
  Tensor other = Random<float>(DType::kFloat32, {1, 3, 9, 11}, rng, -5, 5);
  std::vector<Tensor> first, again;
  ASSERT_TRUE((*session)->Run({x}, &first).ok());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE((*session)->Run({other}, &again).ok());  // dirties recycled buffers
    ASSERT_TRUE((*session)->Run({x}, &again).ok());
    EXPECT_EQ(std::memcmp(first[0].raw(), again[0].raw(), first[0].bytes()), 0);
    EXPECT_FALSE(first[0].SharesStorageWith(again[0]));  // returned outputs are never recycled
  }
}

// x -> Conv(DequantizeLinear(q int8, scale), b) -> Relu -> Conv(DequantizeLinear(q2, s2, zp2)) -> y:
// weight-only quantized convolutions as tools/quantize_weights.py writes them. `variant` picks the
// second DequantizeLinear: 0 per-tensor scale, 1 a non-zero zero point, 2 per input channel
// (axis 1), 3 blocked along the input channels (opset 21, 4-bit files' form), 4 blocked along
// the output channels. Only the first (and the second in variants 0 and 3) can keep int8 weights.
ir::Graph WeightQuantizedBlock(std::mt19937& rng, int variant) {
  ir::Graph g;
  g.set_opset(variant >= 3 ? 21 : 15);
  ir::ValueId x = AddValue(g, "x", DType::kFloat32, Shape{1, 5, 12, 13});
  g.inputs().push_back(x);
  auto dq = [&](const std::string& name, const Shape& ws, Tensor scale, std::optional<Tensor> zp,
                int64_t axis, int64_t block = 0) {
    ir::ValueId q = AddConstant(g, name + "_q", Random<int8_t>(DType::kInt8, ws, rng, -127, 127));
    ir::ValueId sc = AddConstant(g, name + "_s", std::move(scale));
    std::vector<ir::ValueId> in = {q, sc};
    if (zp) in.push_back(AddConstant(g, name + "_zp", std::move(*zp)));
    ir::ValueId w = AddValue(g, name);
    ir::Node n = MakeNode("DequantizeLinear", in, {w});
    ir::Attribute a;
    a.kind = ir::Attribute::Kind::kInt;
    a.i = axis;
    n.attrs["axis"] = a;
    if (block > 0) {
      a.i = block;
      n.attrs["block_size"] = a;
    }
    g.nodes().push_back(n);
    return w;
  };
  ir::ValueId w1 = dq("w1", {6, 5, 3, 3}, Random<float>(DType::kFloat32, {6}, rng, 1e-3f, 2e-2f),
                      Tensor::FromVector<int8_t>(DType::kInt8, {6}, {0, 0, 0, 0, 0, 0}).value(), 0);
  ir::ValueId b1 = AddConstant(g, "b1", Random<float>(DType::kFloat32, {6}, rng, -1, 1));
  ir::ValueId c1 = AddValue(g, "c1"), r1 = AddValue(g, "r1"), y = AddValue(g, "y");
  ir::Node conv1 = MakeNode("Conv", {x, w1, b1}, {c1});
  conv1.attrs["pads"] = Ints({1, 1, 1, 1});
  g.nodes().push_back(conv1);
  g.nodes().push_back(MakeNode("Relu", {c1}, {r1}));
  ir::ValueId w2;
  if (variant == 0) {
    w2 = dq("w2", {3, 6, 1, 1}, Tensor::FromVector<float>(DType::kFloat32, {}, {0.0078f}).value(),
            std::nullopt, 1);
  } else if (variant == 1) {
    w2 = dq("w2", {3, 6, 1, 1}, Random<float>(DType::kFloat32, {3}, rng, 1e-3f, 2e-2f),
            Tensor::FromVector<int8_t>(DType::kInt8, {3}, {0, 2, 0}).value(), 0);
  } else if (variant == 2) {
    w2 = dq("w2", {3, 6, 1, 1}, Random<float>(DType::kFloat32, {6}, rng, 1e-3f, 2e-2f), std::nullopt, 1);
  } else if (variant == 3) {
    w2 = dq("w2", {3, 6, 1, 1}, Random<float>(DType::kFloat32, {3, 2, 1, 1}, rng, 1e-3f, 2e-2f),
            std::nullopt, 1, 4);
  } else {
    w2 = dq("w2", {3, 6, 1, 1}, Random<float>(DType::kFloat32, {2, 6, 1, 1}, rng, 1e-3f, 2e-2f),
            std::nullopt, 0, 2);
  }
  g.nodes().push_back(MakeNode("Conv", {r1, w2}, {y}));
  g.outputs().push_back(y);
  return g;
}

TEST(AbsorbWeightDequantizeTest, Int8WeightsBitIdenticalToFolding) {
  for (int variant = 0; variant < 5; ++variant) {
    std::mt19937 rng(40 + variant);
    ir::Graph graph = WeightQuantizedBlock(rng, variant);
    int absorbed = -1;
    ir::Graph copy = graph;
    ASSERT_TRUE(passes::AbsorbWeightDequantize(copy, &absorbed).ok());
    EXPECT_EQ(absorbed, variant == 0 || variant == 3 ? 2 : 1) << "variant " << variant;
    auto model = Model::FromGraph(std::move(graph));
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    SessionOptions plain_options;
    plain_options.fuse = false;  // folds every DequantizeLinear into float32 weights
    auto fused = Session::Create(*model);
    auto plain = Session::Create(*model, {}, plain_options);
    ASSERT_TRUE(fused.ok()) << fused.status().ToString();
    ASSERT_TRUE(plain.ok()) << plain.status().ToString();
    EXPECT_EQ((*fused)->stats().fused_groups, 1);  // the Relu joined the int8 FusedConv
    for (int trial = 0; trial < 3; ++trial) {
      Tensor x = Random<float>(DType::kFloat32, {1, 5, 12, 13}, rng, -2, 3);
      std::vector<Tensor> a, b;
      ASSERT_TRUE((*fused)->Run({x}, &a).ok());
      ASSERT_TRUE((*plain)->Run({x}, &b).ok());
      ASSERT_EQ(a[0].shape(), b[0].shape());
      EXPECT_EQ(std::memcmp(a[0].raw(), b[0].raw(), a[0].bytes()), 0) << "variant " << variant;
    }
  }
}

// Kernels created on a thread pool (SessionOptions::prepare_pool) are those of a serial load:
// same outputs to the bit, for float, int8 per-channel and blocked int8 convolutions.
TEST(PreparePoolTest, ParallelKernelCreationGivesTheSameSession) {
  ThreadPool pool(3);
  for (int variant = 0; variant < 6; ++variant) {
    std::mt19937 rng(70 + variant);
    ir::Graph graph = variant < 5 ? WeightQuantizedBlock(rng, variant) : QuantizedBlock(rng);
    auto model = Model::FromGraph(std::move(graph));
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    SessionOptions on_pool;
    on_pool.prepare_pool = &pool;
    auto serial = Session::Create(*model);
    auto parallel = Session::Create(*model, {}, on_pool);
    ASSERT_TRUE(serial.ok()) << serial.status().ToString();
    ASSERT_TRUE(parallel.ok()) << parallel.status().ToString();
    EXPECT_EQ((*serial)->stats().packed_constant_bytes_freed,
              (*parallel)->stats().packed_constant_bytes_freed);
    const TensorInfo& info = (*serial)->inputs()[0];
    Tensor x = Random<float>(DType::kFloat32, info.shape, rng, -2, 3);
    std::vector<Tensor> a, b;
    ASSERT_TRUE((*serial)->Run({x}, &a).ok());
    ASSERT_TRUE((*parallel)->Run({x}, &b, &pool).ok());
    ASSERT_EQ(a.size(), b.size());
    for (size_t i = 0; i < a.size(); ++i) {
      ASSERT_EQ(a[i].shape(), b[i].shape());
      EXPECT_EQ(std::memcmp(a[i].raw(), b[i].raw(), a[i].bytes()), 0) << "variant " << variant;
    }
  }
}

TEST(FusionTest, IntermediateGraphOutputBlocksFusion) {
  std::mt19937 rng(6);
  ir::Graph g = QuantizedBlock(rng);
  g.outputs().push_back(g.FindValue("scaled"));  // the Mul result is needed outside
  auto model = Model::FromGraph(std::move(g));
  ASSERT_TRUE(model.ok());
  auto session = Session::Create(*model);
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  EXPECT_EQ((*session)->stats().fused_groups, 1);  // only Conv+Relu
  ASSERT_EQ((*session)->outputs().size(), 2u);
}

}  // namespace
}  // namespace bgone

namespace bgone {
namespace {

ir::Attribute Int(int64_t v) {
  ir::Attribute a;
  a.kind = ir::Attribute::Kind::kInt;
  a.i = v;
  return a;
}

// x -> Cast(to float) -> Cast(to float16) -> Relu -> y, and the Cast(to float16) output also a
// graph output: after WidenFloat16 every Cast is float32 -> float32; the two on the way to Relu
// are bypassed (no copies), the one producing a graph output stays, and the results are those of
// the graph without them.
TEST(BypassIdentityCastsTest, CastsToTheSameTypeDisappear) {
  ir::Graph g;
  g.set_opset(15);
  ir::ValueId x = AddValue(g, "x", DType::kFloat32, Shape{2, 3, 5});
  ir::ValueId a = AddValue(g, "a"), b = AddValue(g, "b"), y = AddValue(g, "y"), z = AddValue(g, "z");
  ir::Node c1 = MakeNode("Cast", {x}, {a});
  c1.attrs["to"] = Int(static_cast<int64_t>(DType::kFloat32));
  ir::Node c2 = MakeNode("Cast", {a}, {b});
  c2.attrs["to"] = Int(static_cast<int64_t>(DType::kFloat16));
  ir::Node c3 = MakeNode("Cast", {a}, {z});
  c3.attrs["to"] = Int(static_cast<int64_t>(DType::kFloat32));
  g.nodes().push_back(c1);
  g.nodes().push_back(c2);
  g.nodes().push_back(MakeNode("Relu", {b}, {y}));
  g.nodes().push_back(c3);
  g.inputs() = {x};
  g.outputs() = {y, z};
  auto model = Model::FromGraph(std::move(g));
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  auto session = Session::Create(*model);
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  EXPECT_EQ((*session)->stats().nodes_after_passes, 2);  // Relu and the Cast to output z
  std::mt19937 rng(3);
  Tensor in = Random<float>(DType::kFloat32, {2, 3, 5}, rng, -2, 2);
  std::vector<Tensor> out;
  ASSERT_TRUE((*session)->Run({in}, &out).ok());
  ASSERT_EQ(out.size(), 2u);
  for (int64_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ(out[0].data<float>()[i], std::max(in.data<float>()[i], 0.0f));
    EXPECT_EQ(out[1].data<float>()[i], in.data<float>()[i]);
  }
}

}  // namespace
}  // namespace bgone
