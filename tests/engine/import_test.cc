// The ONNX importer on hand-built models: valid ones load, every kind of damage is an error that
// names the field or node, never a crash.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <vector>

#include "engine/import/onnx_import.h"
#include "engine/runtime/session.h"
#include "tests/engine/pb_writer.h"

namespace bgone {
namespace {

using testing::FloatTensor;
using testing::Node;
using testing::PbWriter;
using testing::TensorTypeValueInfo;

// x[1,4] -> Relu -> y
PbWriter ReluGraph() {
  PbWriter g;
  g.Message(1, Node("Relu", {"x"}, {"y"}, "relu0"))
      .Bytes(2, "g")
      .Message(11, TensorTypeValueInfo("x", 1, {1, 4}))
      .Message(12, TensorTypeValueInfo("y", 1, {1, 4}));
  return g;
}

StatusOr<ir::Graph> Import(const std::string& bytes) {
  return ImportOnnxModel(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
}

void ExpectError(const std::string& bytes, StatusCode code, const std::string& fragment) {
  auto g = Import(bytes);
  ASSERT_FALSE(g.ok()) << "expected an error containing '" << fragment << "'";
  EXPECT_EQ(g.status().code(), code) << g.status().ToString();
  EXPECT_NE(g.status().message().find(fragment), std::string::npos) << g.status().ToString();
}

TEST(ImportTest, LoadsValidModel) {
  auto g = Import(testing::Model(ReluGraph()));
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->opset(), 15);
  ASSERT_EQ(g->nodes().size(), 1u);
  EXPECT_EQ(g->nodes()[0].op_type, "Relu");
  ASSERT_EQ(g->inputs().size(), 1u);
  EXPECT_EQ(*g->value(g->inputs()[0]).shape, (Shape{1, 4}));
}

TEST(ImportTest, ReadsInitializersInRawAndTypedFields) {
  PbWriter typed;  // int64 tensor in int64_data, unpacked encoding
  typed.PackedVarints(1, {3}).Varint(2, 7).Bytes(8, "shape").Varint(7, 1).Varint(7, 2).Varint(7, static_cast<uint64_t>(-4));
  PbWriter floats;  // float tensor in float_data, unpacked fixed32
  floats.PackedVarints(1, {2}).Varint(2, 1).Bytes(8, "w").Fixed32(4, 1.5f).Fixed32(4, -2.0f);
  PbWriter g = ReluGraph();
  g.Message(5, typed).Message(5, floats).Message(5, FloatTensor("raw", {2, 2}, {1, 2, 3, 4}));
  auto graph = Import(testing::Model(g));
  ASSERT_TRUE(graph.ok()) << graph.status().ToString();
  const Tensor& s = *graph->value(graph->FindValue("shape")).constant;
  EXPECT_EQ(s.dtype(), DType::kInt64);
  EXPECT_EQ(s.data<int64_t>()[2], -4);
  const Tensor& w = *graph->value(graph->FindValue("w")).constant;
  EXPECT_EQ(w.data<float>()[0], 1.5f);
  EXPECT_EQ(w.data<float>()[1], -2.0f);
  const Tensor& r = *graph->value(graph->FindValue("raw")).constant;
  EXPECT_EQ(r.shape(), (Shape{2, 2}));
  EXPECT_EQ(r.data<float>()[3], 4.0f);
}

TEST(ImportTest, Float16AndInt8TypedFields) {
  PbWriter h;  // fp16 values travel as uint16 bit patterns in int32_data
  h.PackedVarints(1, {2}).Varint(2, 10).Bytes(8, "h").PackedVarints(5, {0x3C00, 0xC000});
  PbWriter i8;
  i8.PackedVarints(1, {2}).Varint(2, 3).Bytes(8, "i8").PackedVarints(5, {-5, 7});
  PbWriter g = ReluGraph();
  g.Message(5, h).Message(5, i8);
  auto graph = Import(testing::Model(g));
  ASSERT_TRUE(graph.ok()) << graph.status().ToString();
  const Tensor& ht = *graph->value(graph->FindValue("h")).constant;
  EXPECT_EQ(HalfToFloat(ht.data<uint16_t>()[0]), 1.0f);
  EXPECT_EQ(HalfToFloat(ht.data<uint16_t>()[1]), -2.0f);
  EXPECT_EQ(graph->value(graph->FindValue("i8")).constant->data<int8_t>()[0], -5);
}

TEST(ImportTest, EmptyAndGarbage) {
  ExpectError("", StatusCode::kMalformed, "empty");
  ExpectError("hello world, not a model", StatusCode::kMalformed, "");
}

TEST(ImportTest, TruncatedVarint) {
  std::string m = testing::Model(ReluGraph());
  PbWriter w;
  w.Append(m).Append("\x08\xff\xff");  // field 1 varint never terminates
  ExpectError(w.str(), StatusCode::kMalformed, "truncated varint");
}

TEST(ImportTest, OverlongVarint) {
  ExpectError(std::string("\x08") + std::string(11, '\xff') + "\x01", StatusCode::kMalformed, "varint");
}

TEST(ImportTest, WrongWireType) {
  PbWriter g = ReluGraph();
  g.Varint(1, 5);  // graph.node must be a message, not a varint
  ExpectError(testing::Model(g), StatusCode::kMalformed, "graph.node[1]: node: wrong wire type");
}

TEST(ImportTest, LengthPastEnd) {
  std::string m = testing::Model(ReluGraph());
  ExpectError(m.substr(0, m.size() - 3), StatusCode::kMalformed, "remain");
}

TEST(ImportTest, TensorSizeMismatch) {
  PbWriter g = ReluGraph();
  g.Message(5, FloatTensor("w", {3, 3}, {1, 2, 3}));
  ExpectError(testing::Model(g), StatusCode::kMalformed, "graph.initializer[0] ('w'): raw_data has 12 bytes");
}

// ONNX's 4-bit types (IR 10): two values per byte, low nibble first; unpacked to 8 bits at load.
TEST(ImportTest, Int4AndUInt4Initializers) {
  // dims, data_type, name, raw_data
  auto tensor4 = [](int64_t type, const std::string& name, std::vector<int64_t> dims, const std::string& raw) {
    PbWriter t;
    t.PackedVarints(1, dims).Varint(2, static_cast<uint64_t>(type)).Bytes(8, name).Bytes(9, raw);
    return t;
  };
  PbWriter g = ReluGraph();
  g.Message(5, tensor4(22, "s4", {3}, std::string("\x8F\x07", 2)));   // -1, -8, 7
  g.Message(5, tensor4(21, "u4", {2, 2}, std::string("\x21\xF0", 2)));  // 1, 2, 0, 15
  auto graph = Import(testing::Model(g));
  ASSERT_TRUE(graph.ok()) << graph.status().ToString();
  std::map<std::string, std::vector<int>> got;
  for (int id = 0; id < graph->num_values(); ++id) {
    const ir::Value& v = graph->value(id);
    if (!v.constant.has_value()) continue;
    const Tensor& t = *v.constant;
    std::vector<int> vals;
    for (int64_t i = 0; i < t.size(); ++i) {
      vals.push_back(t.dtype() == DType::kInt8 ? t.data<int8_t>()[i] : t.data<uint8_t>()[i]);
    }
    got[v.name] = vals;
    EXPECT_EQ(t.dtype(), v.name == "s4" ? DType::kInt8 : DType::kUInt8) << v.name;
  }
  EXPECT_EQ(got["s4"], (std::vector<int>{-1, -8, 7}));
  EXPECT_EQ(got["u4"], (std::vector<int>{1, 2, 0, 15}));
  // 3 values need 2 bytes.
  PbWriter bad = ReluGraph();
  bad.Message(5, tensor4(22, "s4", {3}, std::string("\x8F", 1)));
  ExpectError(testing::Model(bad), StatusCode::kMalformed, "4-bit values need 2");
}

TEST(ImportTest, TypedFieldCountMismatch) {
  PbWriter t;
  t.PackedVarints(1, {4}).Varint(2, 7).Bytes(8, "s").PackedVarints(7, {1, 2});
  PbWriter g = ReluGraph();
  g.Message(5, t);
  ExpectError(testing::Model(g), StatusCode::kMalformed, "int64_data has 2 values");
}

TEST(ImportTest, HugeDims) {
  PbWriter g = ReluGraph();
  g.Message(5, FloatTensor("w", {1 << 30, 1 << 30, 1 << 30}, {1}));
  ExpectError(testing::Model(g), StatusCode::kResourceExhausted, "too large");
  PbWriter g2 = ReluGraph();
  g2.Message(5, FloatTensor("w", {-3}, {}));
  ExpectError(testing::Model(g2), StatusCode::kMalformed, "negative dimension");
}

TEST(ImportTest, UnknownDataType) {
  PbWriter t;
  t.PackedVarints(1, {1}).Varint(2, 99).Bytes(8, "t").Bytes(9, "abcd");
  PbWriter g = ReluGraph();
  g.Message(5, t);
  ExpectError(testing::Model(g), StatusCode::kMalformed, "unknown data_type 99");
}

TEST(ImportTest, MissingNodeInput) {
  PbWriter g;
  g.Message(1, Node("Relu", {"x"}, {"h"}, "a"))
      .Message(1, Node("Add", {"h", "nowhere"}, {"y"}, "b"))
      .Message(11, TensorTypeValueInfo("x", 1, {1, 4}))
      .Message(12, TensorTypeValueInfo("y", 1, {1, 4}));
  ExpectError(testing::Model(g), StatusCode::kMalformed, "node 1 (Add 'b'): input 'nowhere' is not produced");
}

TEST(ImportTest, Cycle) {
  PbWriter g;
  g.Message(1, Node("Add", {"x", "c"}, {"b"}, "first"))
      .Message(1, Node("Relu", {"b"}, {"c"}, "second"))
      .Message(1, Node("Relu", {"c"}, {"y"}, "third"))
      .Message(11, TensorTypeValueInfo("x", 1, {1, 4}))
      .Message(12, TensorTypeValueInfo("y", 1, {1, 4}));
  ExpectError(testing::Model(g), StatusCode::kMalformed, "cycle");
}

TEST(ImportTest, DuplicateOutput) {
  PbWriter g;
  g.Message(1, Node("Relu", {"x"}, {"y"}, "a"))
      .Message(1, Node("Relu", {"x"}, {"y"}, "b"))
      .Message(11, TensorTypeValueInfo("x", 1, {1, 4}))
      .Message(12, TensorTypeValueInfo("y", 1, {1, 4}));
  ExpectError(testing::Model(g), StatusCode::kMalformed, "node 1 (Relu): output 'y' is already defined");
}

TEST(ImportTest, GraphOutputNotProduced) {
  PbWriter g = ReluGraph();
  g.Message(12, TensorTypeValueInfo("ghost", 1, {1}));
  ExpectError(testing::Model(g), StatusCode::kMalformed, "graph output 'ghost'");
}

TEST(ImportTest, NoGraphOrOpset) {
  PbWriter m;
  m.Varint(1, 8);
  ExpectError(m.str(), StatusCode::kMalformed, "no graph");
  PbWriter m2;
  m2.Varint(1, 8).Message(7, ReluGraph());
  ExpectError(m2.str(), StatusCode::kMalformed, "opset");
}

TEST(ImportTest, ExternalDataIsUnsupported) {
  PbWriter t;
  t.PackedVarints(1, {1}).Varint(2, 1).Bytes(8, "w").Varint(14, 1);
  PbWriter g = ReluGraph();
  g.Message(5, t);
  ExpectError(testing::Model(g), StatusCode::kUnsupported, "external");
}

TEST(ImportTest, UnsupportedOpFailsAtLoad) {
  PbWriter g;
  g.Message(1, Node("FancyOp", {"x"}, {"y"}, "f"))
      .Message(11, TensorTypeValueInfo("x", 1, {1, 4}))
      .Message(12, TensorTypeValueInfo("y", 1, {1, 4}));
  std::string bytes = testing::Model(g);
  auto model = Model::FromBytes(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(model.status().message().find("node 0 (FancyOp 'f'): operator 'FancyOp' is not supported"),
            std::string::npos)
      << model.status().ToString();
}

TEST(ImportTest, ParsesConformanceTensor) {
  PbWriter t = FloatTensor("x", {2, 3}, {1, 2, 3, 4, 5, 6});
  std::string s = t.str();
  std::string name;
  auto tensor = ParseOnnxTensor(reinterpret_cast<const uint8_t*>(s.data()), s.size(), &name);
  ASSERT_TRUE(tensor.ok()) << tensor.status().ToString();
  EXPECT_EQ(name, "x");
  EXPECT_EQ(tensor->shape(), (Shape{2, 3}));
  EXPECT_EQ(tensor->data<float>()[5], 6.0f);
}

// GCC 12 reports a false -Wrestrict on std::string::insert inlined here (GCC bug 105329).
#pragma GCC diagnostic ignored "-Wrestrict"

// Random byte mutations of a small model with initializers, attributes and several nodes: each
// must import or fail with a message, never crash (the debug preset runs this under ASan/UBSan).
// With an owner, aligned raw initializers are views of the model bytes (no copy), misaligned ones
// are copied, values are the same as an ordinary import, and the bytes live until the last view
// is gone.
TEST(ImportTest, SharedBytesBecomeViews) {
  PbWriter g = ReluGraph();
  g.Message(5, FloatTensor("a", {2, 3}, {1, 2, 3, 4, 5, 6}))
      .Message(5, FloatTensor("b", {3}, {-1, 0.5f, 7}))
      .Message(5, FloatTensor("c", {5}, {9, 8, 7, 6, 5}));
  const std::string model = testing::Model(g);
  auto plain = Import(model);
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  // Shifting the model inside its buffer makes each float initializer's raw bytes 4-aligned in
  // exactly one of four placements: a view there, a copy in the other three.
  std::map<std::string, int> views;
  for (size_t shift = 0; shift < 4; ++shift) {
    bool freed = false;
    auto* raw = new uint8_t[model.size() + shift];
    std::memcpy(raw + shift, model.data(), model.size());
    std::shared_ptr<const void> owner(raw, [&freed](const void* p) {
      delete[] static_cast<const uint8_t*>(p);
      freed = true;
    });
    const uint8_t* begin = raw + shift;
    {
      auto graph = ImportOnnxModel(begin, model.size(), owner);
      ASSERT_TRUE(graph.ok()) << graph.status().ToString();
      owner.reset();
      int here = 0;
      for (const char* name : {"a", "b", "c"}) {
        const Tensor& t = *graph->value(graph->FindValue(name)).constant;
        const Tensor& want = *plain->value(plain->FindValue(name)).constant;
        ASSERT_EQ(t.shape(), want.shape());
        EXPECT_EQ(std::memcmp(t.raw(), want.raw(), t.bytes()), 0) << name;
        auto p = static_cast<const uint8_t*>(t.raw());
        if (p >= begin && p + t.bytes() <= begin + model.size()) {
          EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 4, 0u) << name;
          ++views[name];
          ++here;
        }
      }
      // The bytes stay while a view needs them, and not longer.
      EXPECT_EQ(freed, here == 0) << "shift " << shift;
      auto moved = std::make_unique<ir::Graph>(std::move(graph).value());
      moved.reset();
    }
    EXPECT_TRUE(freed) << "shift " << shift;
  }
  for (const char* name : {"a", "b", "c"}) EXPECT_EQ(views[name], 1) << name;
}

TEST(ImportTest, ReadFileSharedReadsWholeFilesAndReportsErrors) {
  std::string dir = ::testing::TempDir();
  std::string path = dir + "/bgone_read_shared.bin";
  std::string content(200000, '\0');
  for (size_t i = 0; i < content.size(); ++i) content[i] = static_cast<char>(i * 31 + 7);
  FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(std::fwrite(content.data(), 1, content.size(), f), content.size());
  std::fclose(f);
  auto got = ReadFileShared(path);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size, content.size());
  EXPECT_EQ(std::memcmp(got->data.get(), content.data(), content.size()), 0);
  std::remove(path.c_str());
  auto missing = ReadFileShared(path);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kIoError);
  auto directory = ReadFileShared(dir);
  ASSERT_FALSE(directory.ok());
  EXPECT_NE(directory.status().message().find("not a regular file"), std::string::npos);
}

TEST(TensorTest, ViewChecksSizeAndAlignment) {
  auto bytes = std::make_shared<std::vector<float>>(8, 1.0f);
  auto ok = Tensor::View(bytes, bytes->data(), 32, DType::kFloat32, {2, 4});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->data<float>(), bytes->data());
  EXPECT_FALSE(Tensor::View(bytes, bytes->data(), 28, DType::kFloat32, {2, 4}).ok());
  EXPECT_FALSE(Tensor::View(bytes, reinterpret_cast<const uint8_t*>(bytes->data()) + 2, 16,
                            DType::kFloat32, {4}).ok());
  EXPECT_FALSE(Tensor::View(nullptr, bytes->data(), 32, DType::kFloat32, {2, 4}).ok());
}

TEST(ImportTest, RandomMutationsNeverCrash) {
  PbWriter conv;
  conv.Bytes(1, "x").Bytes(1, "w").Bytes(2, "c").Bytes(3, "conv").Bytes(4, "Conv");
  conv.Message(5, PbWriter().Bytes(1, "pads").Varint(20, 7).PackedVarints(8, {1, 1, 1, 1}));
  conv.Message(5, PbWriter().Bytes(1, "alpha").Varint(20, 1).Fixed32(2, 0.5f));
  PbWriter g;
  g.Message(1, conv)
      .Message(1, Node("Relu", {"c"}, {"y"}, "relu"))
      .Message(5, FloatTensor("w", {2, 1, 3, 3}, std::vector<float>(18, 0.25f)))
      .Message(11, TensorTypeValueInfo("x", 1, {1, 1, 5, 5}))
      .Message(12, TensorTypeValueInfo("y", 1, {1, 2, 5, 5}));
  const std::string base = testing::Model(g);
  ASSERT_TRUE(Import(base).ok());
  std::mt19937 rng(7);
  int failures = 0;
  for (int trial = 0; trial < 3000; ++trial) {
    std::string m = base;
    int edits = 1 + trial % 3;
    for (int e = 0; e < edits; ++e) {
      size_t pos = rng() % m.size();
      switch (rng() % 4) {
        case 0: m[pos] = static_cast<char>(m[pos] ^ (1 << (rng() % 8))); break;
        case 1: m[pos] = static_cast<char>(rng()); break;
        case 2: m.erase(pos, 1 + rng() % 4); break;
        default: m.insert(m.begin() + static_cast<std::ptrdiff_t>(pos), static_cast<char>(rng())); break;
      }
      if (m.empty()) m = "x";
    }
    auto r = Import(m);
    if (!r.ok()) {
      ++failures;
      EXPECT_FALSE(r.status().message().empty());
    }
  }
  EXPECT_GT(failures, 100);
}

TEST(HalfFloatTest, RoundTripsAndRounds) {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    if ((h & 0x7C00) == 0x7C00 && (h & 0x3FF)) continue;  // NaN payloads
    EXPECT_EQ(FloatToHalf(HalfToFloat(static_cast<uint16_t>(h))), h) << h;
  }
  EXPECT_EQ(FloatToHalf(1.0f + 1.0f / 2048), 0x3C00);  // tie to even
  EXPECT_EQ(FloatToHalf(1.0f + 3.0f / 2048), 0x3C02);  // tie to even (up)
  EXPECT_EQ(FloatToHalf(70000.0f), 0x7C00);            // overflow to inf
  EXPECT_EQ(HalfToFloat(0x0001), 5.9604644775390625e-8f);
}

}  // namespace
}  // namespace bgone
