#include "imaging/composite.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace bgone::imaging {
namespace {

TEST(CompositeTest, BlendOverIsExactRounding) {
  for (int c = 0; c < 256; ++c) {
    for (int a = 0; a < 256; ++a) {
      for (int bg : {0, 1, 127, 128, 254, 255}) {
        const double exact = (c * a + bg * (255.0 - a)) / 255.0;
        const int expected = static_cast<int>(std::floor(exact + 0.5));
        ASSERT_EQ(
            BlendOver(static_cast<uint8_t>(c), static_cast<uint8_t>(a), static_cast<uint8_t>(bg)),
            expected)
            << c << " " << a << " " << bg;
      }
    }
  }
  EXPECT_EQ(BlendOver(10, 255, 200), 10);
  EXPECT_EQ(BlendOver(10, 0, 200), 200);
}

TEST(CompositeTest, MultiplyAlphaIsExactRounding) {
  for (int a = 0; a < 256; ++a) {
    for (int b = 0; b < 256; ++b) {
      ASSERT_EQ(MultiplyAlpha(static_cast<uint8_t>(a), static_cast<uint8_t>(b)),
                static_cast<int>(std::floor(a * b / 255.0 + 0.5)));
    }
  }
}

Image Filled(int w, int h, PixelFormat f, std::vector<uint8_t> px) {
  auto image = Image::Create(w, h, f);
  EXPECT_TRUE(image.ok());
  for (size_t i = 0; i < image->pixels.size(); ++i) image->pixels[i] = px[i % px.size()];
  return std::move(image).value();
}

TEST(CompositeTest, ApplyMaskKeepsColoursStraight) {
  const Image rgb = Filled(3, 2, PixelFormat::kRgb8, {10, 20, 30});
  const Image mask = Filled(3, 2, PixelFormat::kGray8, {0, 77, 255});
  auto out = ApplyMaskAsAlpha(rgb, mask);
  ASSERT_TRUE(out.ok());
  ASSERT_EQ(out->format, PixelFormat::kRgba8);
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(out->pixels[i * 4 + 0], 10);
    EXPECT_EQ(out->pixels[i * 4 + 1], 20);
    EXPECT_EQ(out->pixels[i * 4 + 2], 30);
    EXPECT_EQ(out->pixels[i * 4 + 3], mask.pixels[i]);
  }
}

TEST(CompositeTest, SourceAlphaMultipliesMask) {
  const Image rgba = Filled(2, 1, PixelFormat::kRgba8, {1, 2, 3, 128, 4, 5, 6, 0});
  const Image mask = Filled(2, 1, PixelFormat::kGray8, {255, 255});
  auto out = ApplyMaskAsAlpha(rgba, mask);
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->pixels, (std::vector<uint8_t>{1, 2, 3, 128, 4, 5, 6, 0}));
  auto alpha = CombinedAlpha(rgba, Filled(2, 1, PixelFormat::kGray8, {128, 200}));
  ASSERT_TRUE(alpha.ok());
  EXPECT_EQ(alpha->pixels, (std::vector<uint8_t>{64, 0}));
}

TEST(CompositeTest, GrayExpandsToRgb) {
  const Image gray = Filled(1, 1, PixelFormat::kGray8, {99});
  auto out = FlattenOnto(gray, Filled(1, 1, PixelFormat::kGray8, {255}), Rgb8{0, 0, 0});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(out->pixels, (std::vector<uint8_t>{99, 99, 99}));
}

TEST(CompositeTest, FlattenBlendsEachChannel) {
  const Image rgb = Filled(1, 1, PixelFormat::kRgb8, {255, 0, 100});
  auto out = FlattenOnto(rgb, Filled(1, 1, PixelFormat::kGray8, {128}), Rgb8{0, 255, 100});
  ASSERT_TRUE(out.ok());
  // 255*128/255 = 128; 255*127/255 = 127; 100.
  EXPECT_EQ(out->pixels, (std::vector<uint8_t>{128, 127, 100}));
}

TEST(CompositeTest, RejectsMismatchedMask) {
  const Image rgb = Filled(4, 4, PixelFormat::kRgb8, {0});
  EXPECT_FALSE(ApplyMaskAsAlpha(rgb, Filled(4, 3, PixelFormat::kGray8, {0})).ok());
  EXPECT_FALSE(ApplyMaskAsAlpha(rgb, Filled(4, 4, PixelFormat::kRgb8, {0})).ok());
  EXPECT_FALSE(FlattenOnto(rgb, Image{}, Rgb8{}).ok());
}

}  // namespace
}  // namespace bgone::imaging

namespace bgone::imaging {
namespace {

TEST(CompositeImageTest, CompositeOverImageIsExactPerPixel) {
  Image fg = Image::Create(4, 1, PixelFormat::kRgb8).value();
  Image bg = Image::Create(4, 1, PixelFormat::kRgb8).value();
  Image mask = Image::Create(4, 1, PixelFormat::kGray8).value();
  fg.pixels = {10, 20, 30, 200, 100, 0, 255, 255, 255, 1, 2, 3};
  bg.pixels = {250, 240, 230, 0, 50, 100, 9, 9, 9, 128, 128, 128};
  mask.pixels = {0, 255, 128, 77};
  auto out = CompositeOverImage(fg, mask, bg);
  ASSERT_TRUE(out.ok());
  for (int i = 0; i < 4; ++i) {
    for (int c = 0; c < 3; ++c) {
      EXPECT_EQ(out->pixels[3 * i + c],
                BlendOver(fg.pixels[3 * i + c], mask.pixels[i], bg.pixels[3 * i + c]));
    }
  }
  EXPECT_EQ(out->pixels[0], 250);
  EXPECT_EQ(out->pixels[3], 200);
  EXPECT_FALSE(CompositeOverImage(fg, mask, Image::Create(3, 1, PixelFormat::kRgb8).value()).ok());
}

TEST(CompositeImageTest, CoverFitKeepsAspectAndCentres) {
  // 40x10: left quarter red, the middle green, right quarter blue. Covering 10x10 keeps the
  // middle 10 columns: all green.
  Image wide = Image::Create(40, 10, PixelFormat::kRgb8).value();
  for (int y = 0; y < 10; ++y) {
    for (int x = 0; x < 40; ++x) {
      uint8_t* p = wide.row(y) + 3 * x;
      p[0] = x < 10 ? 255 : 0;
      p[1] = x >= 10 && x < 30 ? 255 : 0;
      p[2] = x >= 30 ? 255 : 0;
    }
  }
  auto square = CoverFit(wide, 10, 10);
  ASSERT_TRUE(square.ok());
  EXPECT_EQ(square->width, 10);
  EXPECT_EQ(square->height, 10);
  for (size_t i = 0; i < 100; ++i) EXPECT_EQ(square->pixels[3 * i + 1], 255) << i;
  // Upscaling to cover: 40x10 onto 80x80 is scaled by 8 (320x80), the middle 80 columns kept.
  auto big = CoverFit(wide, 80, 80);
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(big->row(40)[3 * 40 + 1], 255);
  // Same size is the identity.
  EXPECT_EQ(CoverFit(wide, 40, 10)->pixels, wide.pixels);
}

}  // namespace
}  // namespace bgone::imaging
