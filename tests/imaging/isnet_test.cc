#include "imaging/isnet.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "imaging/resize.h"

namespace bgone::imaging {
namespace {

TEST(PreprocessTest, ShapeAndValueRange) {
  auto image = Image::Create(50, 30, PixelFormat::kRgba8);
  ASSERT_TRUE(image.ok());
  std::mt19937 rng(5);
  for (auto& p : image->pixels) p = static_cast<uint8_t>(rng() & 255);
  image->pixels[0] = 0;  // make sure both extremes are present
  image->pixels[1] = 255;
  auto t = PreprocessIsNet(*image, 64, 48);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->dtype(), DType::kFloat32);
  EXPECT_EQ(t->shape(), (Shape{1, 3, 48, 64}));
  auto resized = ResizeBilinear(*image, 64, 48);
  ASSERT_TRUE(resized.ok());
  const float* d = t->data<float>();
  const size_t plane = 64 * 48;
  for (size_t i = 0; i < plane; ++i) {
    for (int c = 0; c < 3; ++c) {
      const float v = d[c * plane + i];
      ASSERT_GE(v, -0.5f);
      ASSERT_LE(v, 127.0f / 256.0f);
      // Planar layout, channel order RGB, alpha ignored.
      ASSERT_EQ(v, (resized->pixels[i * 4 + c] - 128.0f) / 256.0f);
    }
  }
}

TEST(PreprocessTest, DefaultIs1024Square) {
  auto image = Image::Create(3, 2, PixelFormat::kGray8);
  ASSERT_TRUE(image.ok());
  image->pixels.assign(6, 128);
  auto t = PreprocessIsNet(*image);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->shape(), (Shape{1, 3, 1024, 1024}));
  for (int64_t i = 0; i < t->size(); ++i) ASSERT_EQ(t->data<float>()[i], 0.0f);
}

TEST(PostprocessTest, ScalesRoundsAndClamps) {
  const std::vector<float> y = {
      0.0f, 1.0f, 0.5f, -3.0f, 7.0f, std::numeric_limits<float>::quiet_NaN(), 0.1f, 2.4f / 255.0f};
  auto t = Tensor::FromVector(DType::kFloat32, {1, 1, 2, 4}, y);
  ASSERT_TRUE(t.ok());
  auto mask = MaskFromIsNetOutput(*t, 4, 2);
  ASSERT_TRUE(mask.ok()) << mask.status().ToString();
  EXPECT_EQ(mask->format, PixelFormat::kGray8);
  // 0.5 is the only float whose product with 255 is a tie (127.5 -> 128); 25.5 (0.1f is just
  // above 0.1) -> 26; 2.4 -> 2.
  EXPECT_EQ(mask->pixels, (std::vector<uint8_t>{0, 255, 128, 0, 255, 0, 26, 2}));
}

TEST(PostprocessTest, ResizesToSourceSize) {
  std::vector<float> y(16 * 16, 1.0f);
  auto t = Tensor::FromVector(DType::kFloat32, {1, 1, 16, 16}, y);
  ASSERT_TRUE(t.ok());
  auto mask = MaskFromIsNetOutput(*t, 33, 7);
  ASSERT_TRUE(mask.ok());
  EXPECT_EQ(mask->width, 33);
  EXPECT_EQ(mask->height, 7);
  for (uint8_t v : mask->pixels) ASSERT_EQ(v, 255);
}

TEST(PostprocessTest, RejectsWrongTensors) {
  auto wrong_rank = Tensor::Allocate(DType::kFloat32, {1, 2, 4, 4});
  ASSERT_TRUE(wrong_rank.ok());
  EXPECT_FALSE(MaskFromIsNetOutput(*wrong_rank, 4, 4).ok());
  auto wrong_type = Tensor::Allocate(DType::kFloat16, {1, 1, 4, 4});
  ASSERT_TRUE(wrong_type.ok());
  EXPECT_FALSE(MaskFromIsNetOutput(*wrong_type, 4, 4).ok());
  EXPECT_FALSE(MaskFromIsNetOutput(Tensor(), 4, 4).ok());
  auto fine = Tensor::Allocate(DType::kFloat32, {1, 1, 4, 4});
  ASSERT_TRUE(fine.ok());
  EXPECT_FALSE(MaskFromIsNetOutput(*fine, 0, 4).ok());
}

}  // namespace
}  // namespace bgone::imaging
