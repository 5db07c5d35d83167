// The C API's segmenter on the real quantized model (skipped when the models are absent).
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "capi/bgone_c.h"
#include "engine/import/onnx_import.h"
#include "engine/runtime/session.h"
#include "imaging/isnet.h"

namespace {

TEST(CApiTest, SegmentsWithTheRealModel) {
  std::string path = std::string(BGONE_CACHE_DIR) + "/models/isnet-q8.onnx";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " missing: run scripts/setup.sh";
  auto bytes = bgone::ReadFileBytes(path);
  ASSERT_TRUE(bytes.ok());
  BgoneSegmenter* seg = nullptr;
  ASSERT_EQ(bgone_segmenter_create(bytes->data(), bytes->size(), 2, &seg), BGONE_OK) << bgone_last_error();
  int w = 0, h = 0;
  ASSERT_EQ(bgone_segmenter_input_size(seg, &w, &h), BGONE_OK);
  EXPECT_EQ(w, 1024);
  EXPECT_EQ(h, 1024);
  // A bright square on a dark background: the mask must be an image of the right size.
  const int W = 96, H = 64;
  std::vector<uint8_t> rgba(W * H * 4, 20), mask(W * H, 7);
  for (int y = 16; y < 48; ++y)
    for (int x = 32; x < 64; ++x)
      for (int c = 0; c < 3; ++c) rgba[(y * W + x) * 4 + c] = 230;
  EXPECT_EQ(bgone_segmenter_run(seg, rgba.data(), 0, H, mask.data()), BGONE_INVALID_ARGUMENT);
  ASSERT_EQ(bgone_segmenter_run(seg, rgba.data(), W, H, mask.data()), BGONE_OK) << bgone_last_error();
  bgone_segmenter_destroy(seg);
}

// Refinement trusts the fp16 model's confident decisions, not the dynamically quantized model's
// grey masks (docs/QUALITY.md); the CLI, the C API and the browser get this from the segmenter.
TEST(CApiTest, RefinementTrustFollowsTheModel) {
  for (auto [name, quantized] : {std::pair{"isnet-q8.onnx", true}, std::pair{"isnet-fp16.onnx", false}}) {
    std::string path = std::string(BGONE_CACHE_DIR) + "/models/" + name;
    if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " missing: run scripts/setup.sh";
    auto model = bgone::Model::FromFile(path);
    ASSERT_TRUE(model.ok()) << model.status().ToString();
    auto seg = bgone::imaging::IsNetSegmenter::Create(std::move(model).value());
    ASSERT_TRUE(seg.ok()) << seg.status().ToString();
    EXPECT_EQ((*seg)->dynamically_quantized(), quantized) << name;
    EXPECT_EQ(bgone::imaging::RefineOptionsFor(seg->get()).trust_model, !quantized) << name;
  }
  EXPECT_TRUE(bgone::imaging::RefineOptionsFor(nullptr).trust_model);
}

// The owning variant (used by the browser build): weights are views of the buffer, results are
// the same as with the copying one.
TEST(CApiTest, OwnedCreateGivesTheSameMask) {
  for (const char* name : {"isnet-q8.onnx", "isnet-fp16.onnx"}) {
    std::string path = std::string(BGONE_CACHE_DIR) + "/models/" + name;
    if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " missing: run scripts/setup.sh";
    auto bytes = bgone::ReadFileBytes(path);
    ASSERT_TRUE(bytes.ok());
    const int W = 80, H = 72;
    std::vector<uint8_t> rgba(W * H * 4);
    for (size_t i = 0; i < rgba.size(); ++i) rgba[i] = static_cast<uint8_t>((i * 37) ^ (i >> 7));
    std::vector<uint8_t> mask_copy(W * H), mask_owned(W * H);
    BgoneSegmenter* seg = nullptr;
    ASSERT_EQ(bgone_segmenter_create(bytes->data(), bytes->size(), 1, &seg), BGONE_OK) << bgone_last_error();
    ASSERT_EQ(bgone_segmenter_run(seg, rgba.data(), W, H, mask_copy.data()), BGONE_OK);
    bgone_segmenter_destroy(seg);
    const size_t size = bytes->size();
    auto* owned = static_cast<uint8_t*>(std::malloc(size));
    ASSERT_NE(owned, nullptr);
    std::memcpy(owned, bytes->data(), size);
    bytes->clear();
    bytes->shrink_to_fit();
    ASSERT_EQ(bgone_segmenter_create_owned(owned, size, 1, &seg), BGONE_OK) << bgone_last_error();
    ASSERT_EQ(bgone_segmenter_run(seg, rgba.data(), W, H, mask_owned.data()), BGONE_OK);
    bgone_segmenter_destroy(seg);
    EXPECT_EQ(mask_copy, mask_owned) << name;
  }
}

}  // namespace
