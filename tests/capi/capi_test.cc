// The C API: status codes and messages on bad input, and the compositing arithmetic.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>

#include <string>
#include <vector>

#include "capi/bgone_c.h"

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

// The owning variant frees the buffer itself on failure (ASan's leak check sees a leak if not).
TEST(CApiTest, OwnedCreateFreesTheBufferOnFailure) {
  BgoneSegmenter* seg = reinterpret_cast<BgoneSegmenter*>(1);
  const uint8_t garbage[] = {0x08, 0xff, 0xff, 0x12, 0x34};
  auto* owned = static_cast<uint8_t*>(std::malloc(sizeof(garbage)));
  ASSERT_NE(owned, nullptr);
  std::memcpy(owned, garbage, sizeof(garbage));
  EXPECT_EQ(bgone_segmenter_create_owned(owned, sizeof(garbage), 1, &seg), BGONE_MALFORMED);
  EXPECT_EQ(seg, nullptr);
  EXPECT_EQ(bgone_segmenter_create_owned(nullptr, 0, 1, &seg), BGONE_INVALID_ARGUMENT);
  owned = static_cast<uint8_t*>(std::malloc(8));
  ASSERT_NE(owned, nullptr);
  EXPECT_EQ(bgone_segmenter_create_owned(owned, 8, 1, nullptr), BGONE_INVALID_ARGUMENT);
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

}  // namespace
