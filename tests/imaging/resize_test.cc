#include "imaging/resize.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <tuple>

namespace bgone::imaging {
namespace {

Image RandomImage(int w, int h, PixelFormat f, uint32_t seed) {
  auto image = Image::Create(w, h, f);
  EXPECT_TRUE(image.ok());
  std::mt19937 rng(seed);
  for (auto& p : image->pixels) p = static_cast<uint8_t>(rng() & 255);
  return std::move(image).value();
}

// The textbook definition from resize.h, written independently in double precision.
double Reference(const Image& src, int dw, int dh, int x, int y, int c) {
  auto coord = [](int d, int src_size, int dst_size, int* i0, int* i1, double* f) {
    double s = (d + 0.5) * src_size / dst_size - 0.5;
    s = std::clamp(s, 0.0, static_cast<double>(src_size - 1));
    *i0 = static_cast<int>(std::floor(s));
    *i1 = std::min(*i0 + 1, src_size - 1);
    *f = s - *i0;
  };
  int x0, x1, y0, y1;
  double fx, fy;
  coord(x, src.width, dw, &x0, &x1, &fx);
  coord(y, src.height, dh, &y0, &y1, &fy);
  const int ch = src.channels();
  auto at = [&](int xx, int yy) { return static_cast<double>(src.row(yy)[xx * ch + c]); };
  const double top = (1 - fx) * at(x0, y0) + fx * at(x1, y0);
  const double bottom = (1 - fx) * at(x0, y1) + fx * at(x1, y1);
  return (1 - fy) * top + fy * bottom;
}

class ResizeRandomTest
    : public ::testing::TestWithParam<std::tuple<int, int, int, int, PixelFormat>> {};

TEST_P(ResizeRandomTest, MatchesReferenceToNearestInteger) {
  const auto [sw, sh, dw, dh, format] = GetParam();
  const Image src = RandomImage(sw, sh, format, static_cast<uint32_t>(sw * 131 + dh));
  auto dst = ResizeBilinear(src, dw, dh);
  ASSERT_TRUE(dst.ok()) << dst.status().ToString();
  ASSERT_EQ(dst->width, dw);
  ASSERT_EQ(dst->height, dh);
  ASSERT_EQ(dst->format, format);
  for (int y = 0; y < dh; ++y) {
    for (int x = 0; x < dw; ++x) {
      for (int c = 0; c < src.channels(); ++c) {
        const double ref = Reference(src, dw, dh, x, y, c);
        const int got = dst->row(y)[x * src.channels() + c];
        // The implementation is exact, so it is the nearest integer (ties may go either way
        // in the double reference because of its own rounding).
        ASSERT_LE(std::abs(got - ref), 0.5 + 1e-9)
            << "at " << x << "," << y << " c" << c << " ref " << ref;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, ResizeRandomTest,
    ::testing::Values(std::make_tuple(7, 5, 13, 11, PixelFormat::kRgb8),            // upscale
                      std::make_tuple(64, 48, 17, 9, PixelFormat::kRgba8),          // downscale
                      std::make_tuple(33, 20, 20, 33, PixelFormat::kGray8),         // mixed
                      std::make_tuple(1, 1, 5, 3, PixelFormat::kRgb8),              // single pixel
                      std::make_tuple(10, 1, 3, 4, PixelFormat::kGray8),            // single row
                      std::make_tuple(100, 75, 1024, 1024, PixelFormat::kRgb8),     // model size
                      std::make_tuple(1024, 1024, 77, 131, PixelFormat::kGray8)));  // mask back

TEST(ResizeTest, SameSizeIsIdentity) {
  const Image src = RandomImage(37, 23, PixelFormat::kRgba8, 1);
  auto dst = ResizeBilinear(src, 37, 23);
  ASSERT_TRUE(dst.ok());
  EXPECT_EQ(dst->pixels, src.pixels);
}

TEST(ResizeTest, ConstantStaysConstant) {
  auto src = Image::Create(19, 7, PixelFormat::kRgb8);
  ASSERT_TRUE(src.ok());
  for (size_t i = 0; i < src->pixels.size(); ++i) src->pixels[i] = (i % 3 == 0) ? 200 : 13;
  for (auto [w, h] : {std::pair{1, 1}, {40, 3}, {5, 50}, {1024, 1024}}) {
    auto dst = ResizeBilinear(*src, w, h);
    ASSERT_TRUE(dst.ok());
    for (size_t i = 0; i < dst->pixels.size(); ++i) {
      ASSERT_EQ(dst->pixels[i], (i % 3 == 0) ? 200 : 13) << w << "x" << h << " at " << i;
    }
  }
}

TEST(ResizeTest, DoublingRepeatsTheQuarterWeights) {
  // 2x upscale of [0, 255]: centres at -0.25, 0.25, 0.75, 1.25 -> 0, 63.75, 191.25, 255.
  auto src = Image::FromPixels(2, 1, PixelFormat::kGray8, std::vector<uint8_t>{0, 255}.data(), 2);
  ASSERT_TRUE(src.ok());
  auto dst = ResizeBilinear(*src, 4, 1);
  ASSERT_TRUE(dst.ok());
  EXPECT_EQ(dst->pixels, (std::vector<uint8_t>{0, 64, 191, 255}));
}

TEST(ResizeTest, TiesRoundUp) {
  // Halving [0, 1] samples at 0.5 exactly -> 0.5, rounded up to 1.
  auto src = Image::FromPixels(2, 1, PixelFormat::kGray8, std::vector<uint8_t>{0, 1}.data(), 2);
  ASSERT_TRUE(src.ok());
  auto dst = ResizeBilinear(*src, 1, 1);
  ASSERT_TRUE(dst.ok());
  EXPECT_EQ(dst->pixels[0], 1);
}

TEST(ResizeTest, ThreadCountDoesNotChangeResult) {
  const Image src = RandomImage(301, 203, PixelFormat::kRgb8, 7);
  auto serial = ResizeBilinear(src, 512, 389);
  ThreadPool pool(3);
  auto parallel = ResizeBilinear(src, 512, 389, &pool);
  ASSERT_TRUE(serial.ok() && parallel.ok());
  EXPECT_EQ(serial->pixels, parallel->pixels);
}

TEST(ResizeTest, RejectsBadSizes) {
  const Image src = RandomImage(4, 4, PixelFormat::kRgb8, 3);
  EXPECT_FALSE(ResizeBilinear(src, 0, 4).ok());
  EXPECT_FALSE(ResizeBilinear(src, 4, -1).ok());
  EXPECT_FALSE(ResizeBilinear(src, kMaxImageDimension + 1, 1).ok());
  Image broken = src;
  broken.pixels.pop_back();
  EXPECT_FALSE(ResizeBilinear(broken, 2, 2).ok());
}

}  // namespace
}  // namespace bgone::imaging
