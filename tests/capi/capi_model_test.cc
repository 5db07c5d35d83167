// The C API's segmenter on the real quantized model (skipped when the models are absent).
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "capi/bgone_c.h"
#include "engine/import/onnx_import.h"

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

}  // namespace
