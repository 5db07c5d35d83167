// The C API: status codes and messages on bad input, compositing arithmetic, and the segmenter on
// the real quantized model (skipped when models are absent).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "capi/bgone_c.h"
#include "engine/import/onnx_import.h"

namespace {

TEST(CApiTest, RejectsBadArguments) {
  BgoneSegmenter* seg = reinterpret_cast<BgoneSegmenter*>(1);
  EXPECT_EQ(bgone_segmenter_create(nullptr, 0, 1, &seg), BGONE_INVALID_ARGUMENT);
  EXPECT_EQ(seg, nullptr);
  EXPECT_NE(std::string(bgone_last_error()), "");
  const uint8_t garbage[] = {0x08, 0xff, 0xff, 0x12, 0x34};
  EXPECT_EQ(bgone_segmenter_create(garbage, sizeof(garbage), 1, &seg), BGONE_MALFORMED);
  EXPECT_NE(std::string(bgone_last_error()).find("malformed"), std::string::npos) << bgone_last_error();
  uint8_t px[4] = {1, 2, 3, 4};
  EXPECT_EQ(bgone_segmenter_run(nullptr, px, 1, 1, px), BGONE_INVALID_ARGUMENT);
  EXPECT_EQ(bgone_apply_mask(px, px, 0, 1), BGONE_INVALID_ARGUMENT);
  EXPECT_EQ(bgone_flatten(px, px, 1, 1, 256, 0, 0), BGONE_INVALID_ARGUMENT);
  bgone_segmenter_destroy(nullptr);  // allowed
}

TEST(CApiTest, ApplyMaskAndFlatten) {
  std::vector<uint8_t> rgba = {200, 100, 50, 255, 10, 20, 30, 128};
  std::vector<uint8_t> mask = {128, 255};
  std::vector<uint8_t> a = rgba;
  ASSERT_EQ(bgone_apply_mask(a.data(), mask.data(), 2, 1), BGONE_OK);
  EXPECT_EQ(std::string(bgone_last_error()), "");
  EXPECT_EQ(a[3], 128);  // 255 * 128 / 255
  EXPECT_EQ(a[7], 128);  // 128 * 255 / 255
  EXPECT_EQ(a[0], 200);  // colours untouched: straight alpha
  std::vector<uint8_t> f = rgba;
  ASSERT_EQ(bgone_flatten(f.data(), mask.data(), 2, 1, 255, 255, 255), BGONE_OK);
  EXPECT_EQ(f[0], (200 * 128 + 255 * 127 + 127) / 255);
  EXPECT_EQ(f[3], 255);
  EXPECT_EQ(f[4], (10 * 128 + 255 * 127 + 127) / 255);
}

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

}  // namespace
