// The TFLite importer on MediaPipe's real files (structure of the imported graph) and on damaged
// copies of them: truncations, flipped bytes and hostile offsets must give errors, never crashes.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "engine/import/onnx_import.h"
#include "engine/import/tflite_import.h"
#include "engine/runtime/session.h"

namespace bgone {
namespace {

std::string ModelPath(const char* name) { return std::string(BGONE_CACHE_DIR) + "/models/" + name; }

std::vector<uint8_t> ReadModel(const char* name) {
  auto bytes = ReadFileBytes(ModelPath(name));
  return bytes.ok() ? std::move(bytes).value() : std::vector<uint8_t>{};
}

std::map<std::string, int> OpCounts(const ir::Graph& g) {
  std::map<std::string, int> ops;
  for (const auto& n : g.nodes()) ++ops[n.op_type];
  return ops;
}

TEST(TfliteImportTest, BlazeFaceShortRange) {
  const auto bytes = ReadModel("face_detection_short_range.tflite");
  if (bytes.empty()) GTEST_SKIP() << "model not fetched (scripts/setup.sh)";
  ASSERT_TRUE(LooksLikeTflite(bytes.data(), bytes.size()));
  auto g = ImportTfliteModel(bytes.data(), bytes.size());
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  ASSERT_EQ(g->inputs().size(), 1u);
  EXPECT_EQ(*g->value(g->inputs()[0]).shape, (Shape{1, 3, 128, 128}));  // NHWC [1,128,128,3] as NCHW
  ASSERT_EQ(g->outputs().size(), 2u);
  const auto ops = OpCounts(*g);
  EXPECT_GT(ops.at("Conv"), 30);
  EXPECT_GT(ops.at("Add"), 10);
  EXPECT_GE(ops.at("Pad"), 1);
  EXPECT_GE(ops.at("MaxPool"), 1);
  EXPECT_EQ(ops.at("Concat"), 2);
  // Every weight went through DEQUANTIZE (fp16 in the file) and was folded at import.
  for (const auto& n : g->nodes()) EXPECT_NE(n.op_type, "DequantizeLinear");
  auto model = Model::FromGraph(std::move(g).value());
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  auto session = Session::Create(*model);
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  EXPECT_EQ((*session)->outputs()[0].shape, (Shape{1, 896, 16}));
  EXPECT_EQ((*session)->outputs()[1].shape, (Shape{1, 896, 1}));
}

TEST(TfliteImportTest, BlazeFaceFullRange) {
  const auto bytes = ReadModel("face_detection_full_range.tflite");
  if (bytes.empty()) GTEST_SKIP() << "model not fetched (scripts/setup.sh)";
  auto model = Model::FromBytes(bytes.data(), bytes.size());
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  auto session = Session::Create(*model);
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  EXPECT_EQ((*session)->inputs()[0].shape, (Shape{1, 3, 192, 192}));
  EXPECT_EQ((*session)->outputs()[0].shape, (Shape{1, 2304, 16}));
}

// The sparse variant: block-sparse fp16 weights (expanded at import), DENSIFY, DEPTH_TO_SPACE.
TEST(TfliteImportTest, BlazeFaceFullRangeSparse) {
  const auto sparse = ReadModel("face_detection_full_range_sparse.tflite");
  if (sparse.empty()) GTEST_SKIP() << "model not fetched (scripts/setup.sh)";
  auto model = Model::FromBytes(sparse.data(), sparse.size());
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  auto session = Session::Create(*model);
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  EXPECT_EQ((*session)->inputs()[0].shape, (Shape{1, 3, 192, 192}));
  EXPECT_EQ((*session)->outputs()[0].shape, (Shape{1, 2304, 16}));
  // Damaged sparsity data is an error, not a crash.
  std::mt19937 rng(11);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<uint8_t> copy = sparse;
    for (int k = 0; k < 3; ++k) copy[rng() % copy.size()] = static_cast<uint8_t>(rng());
    auto m = Model::FromBytes(copy.data(), copy.size());
    if (m.ok()) (void)Session::Create(*m);
  }
}

TEST(TfliteImportTest, UnsupportedOpsAreNamed) {
  const auto bytes = ReadModel("selfie_segmentation.tflite");
  if (bytes.empty()) GTEST_SKIP() << "model not fetched (scripts/setup.sh)";
  auto g = ImportTfliteModel(bytes.data(), bytes.size());
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(g.status().message().find("HARD_SWISH"), std::string::npos) << g.status().message();
}

TEST(TfliteImportTest, NotTflite) {
  const uint8_t junk[16] = {1, 2, 3, 4, 'T', 'F', 'L', '2'};
  EXPECT_FALSE(LooksLikeTflite(junk, sizeof junk));
  EXPECT_EQ(ImportTfliteModel(junk, sizeof junk).status().code(), StatusCode::kMalformed);
  const uint8_t tiny[8] = {0xFF, 0xFF, 0xFF, 0x7F, 'T', 'F', 'L', '3'};  // root offset past the end
  auto g = ImportTfliteModel(tiny, sizeof tiny);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.status().code(), StatusCode::kMalformed);
}

// Damaged copies: every outcome is a Status; the ones that still import must prepare or fail
// cleanly too.
TEST(TfliteImportTest, DamagedFilesNeverCrash) {
  const auto bytes = ReadModel("face_detection_short_range.tflite");
  if (bytes.empty()) GTEST_SKIP() << "model not fetched (scripts/setup.sh)";
  for (size_t cut : {size_t{8}, size_t{12}, size_t{100}, bytes.size() / 3, bytes.size() / 2}) {
    auto g = ImportTfliteModel(bytes.data(), cut);
    EXPECT_FALSE(g.ok()) << "cut at " << cut;
  }
  for (size_t cut = bytes.size() - 64; cut < bytes.size(); ++cut) {
    (void)ImportTfliteModel(bytes.data(), cut);  // trailing padding may or may not matter
  }
  std::mt19937 rng(7);
  // The FlatBuffer structure (tables, vtables, offsets) lies mostly outside the weight buffers:
  // flip bytes anywhere, but bias half of the flips into the first and last 16 KiB.
  int imported = 0;
  for (int trial = 0; trial < 300; ++trial) {
    std::vector<uint8_t> copy = bytes;
    for (int k = 0; k < 4; ++k) {
      size_t at = rng() % copy.size();
      if (trial % 2 == 0) at = (rng() % 2) ? rng() % 16384 : copy.size() - 1 - rng() % 16384;
      copy[at] = static_cast<uint8_t>(rng());
    }
    auto model = Model::FromBytes(copy.data(), copy.size());
    if (!model.ok()) continue;
    ++imported;
    auto session = Session::Create(*model);
    (void)session;  // either outcome is fine; reaching here without a crash is the test
  }
  EXPECT_GT(imported, 0);  // some flips hit weights only
}

}  // namespace
}  // namespace bgone
