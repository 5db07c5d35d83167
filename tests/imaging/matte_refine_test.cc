#include "imaging/matte_refine.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <random>

#include "imaging/resize.h"

namespace bgone::imaging {
namespace {

// A photo with a known alpha: an orange, slightly textured disc with thin radial "hairs" over a
// blue-green textured background; I = a F + (1 - a) B exactly (before 8-bit rounding).
struct Scene {
  Image photo;
  Image alpha;  // ground truth
};

Scene MakeScene(int w, int h, uint32_t seed) {
  Scene s{Image::Create(w, h, PixelFormat::kRgb8).value(),
          Image::Create(w, h, PixelFormat::kGray8).value()};
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> noise(-12, 12);
  const double cx = w * 0.5, cy = h * 0.5, r = std::min(w, h) * 0.28;
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      const double dx = x - cx, dy = y - cy, d = std::hypot(dx, dy);
      double a = std::clamp(r - d + 0.5, 0.0, 1.0);
      // Hairs: 24 thin rays from the disc edge out to 1.5 r, about one pixel wide.
      const double angle = std::atan2(dy, dx) * 24.0 / (2 * M_PI);
      const double along = std::abs(angle - std::round(angle)) * (2 * M_PI / 24.0) * d;
      if (d > r && d < 1.5 * r) a = std::max(a, std::clamp(1.2 - along, 0.0, 1.0));
      const int tex = ((x / 3 + y / 4) % 5) * 6;
      const double f[3] = {230.0 + noise(rng) / 3.0, 140.0 + noise(rng) / 3.0, 40.0};
      const double b[3] = {30.0 + tex + noise(rng), 110.0 + noise(rng), 150.0 + tex};
      uint8_t* p = s.photo.row(y) + 3 * x;
      for (int c = 0; c < 3; ++c) {
        p[c] = static_cast<uint8_t>(std::clamp(std::lround(a * f[c] + (1 - a) * b[c]), 0L, 255L));
      }
      s.alpha.row(y)[x] = static_cast<uint8_t>(std::lround(a * 255));
    }
  }
  return s;
}

// What IS-Net's pipeline does to fine detail: the matte seen at low resolution, upscaled.
Image LowResMask(const Image& alpha, int factor) {
  Image small = ResizeBilinear(alpha, alpha.width / factor, alpha.height / factor).value();
  return ResizeBilinear(small, alpha.width, alpha.height).value();
}

double Sad(const Image& a, const Image& b) {
  double sum = 0;
  for (size_t i = 0; i < a.pixels.size(); ++i) sum += std::abs(a.pixels[i] - b.pixels[i]);
  return sum / 255.0;
}

TEST(MatteRefineTest, RefinementRecoversDetailLostByUpscaling) {
  const Scene scene = MakeScene(240, 200, 1);
  const Image mask = LowResMask(scene.alpha, 4);
  auto refined = RefineMatte(scene.photo, mask);
  ASSERT_TRUE(refined.ok()) << refined.status().ToString();
  const double before = Sad(mask, scene.alpha);
  const double after = Sad(*refined, scene.alpha);
  EXPECT_LT(after, 0.6 * before) << "before " << before << " after " << after;
  // Each stage alone helps too, and all together beat the guided filter alone.
  MatteRefineOptions guided_only;
  guided_only.color_likelihood = guided_only.local_color = false;
  const double guided = Sad(RefineMatte(scene.photo, mask, guided_only).value(), scene.alpha);
  EXPECT_LT(guided, before);
  EXPECT_LT(after, guided);
}

TEST(MatteRefineTest, WorkResolutionPathAlsoRefines) {
  // Forces the reduced work resolution (factor 2) and the fast-guided-filter upsampling.
  const Scene scene = MakeScene(320, 256, 2);
  const Image mask = LowResMask(scene.alpha, 4);
  MatteRefineOptions o;
  o.work_max_side = 160;
  auto refined = RefineMatte(scene.photo, mask, o);
  ASSERT_TRUE(refined.ok()) << refined.status().ToString();
  EXPECT_LT(Sad(*refined, scene.alpha), 0.85 * Sad(mask, scene.alpha));
}

TEST(MatteRefineTest, SolidRegionsStaySolid) {
  // A strongly textured subject: colours inside vary as much as across the edge.
  const int w = 160, h = 120;
  Image photo = Image::Create(w, h, PixelFormat::kRgb8).value();
  Image mask = Image::Create(w, h, PixelFormat::kGray8).value();
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> any(0, 255);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      for (int c = 0; c < 3; ++c) photo.row(y)[3 * x + c] = static_cast<uint8_t>(any(rng));
      // Solid square in the middle with a 6-pixel ramp around it.
      const int d = std::max(std::abs(x - w / 2), std::abs(y - h / 2));
      mask.row(y)[x] = static_cast<uint8_t>(std::clamp((40 - d) * 255 / 6, 0, 255));
    }
  }
  auto refined = RefineMatte(photo, mask);
  ASSERT_TRUE(refined.ok());
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      const int d = std::max(std::abs(x - w / 2), std::abs(y - h / 2));
      if (d <= 40 - 6 - 9) {
        ASSERT_EQ(refined->row(y)[x], 255) << x << "," << y;
      }
      if (d >= 40 + 9) {
        ASSERT_EQ(refined->row(y)[x], 0) << x << "," << y;
      }
    }
  }
}

TEST(MatteRefineTest, BandsAndThreadsGiveIdenticalBytes) {
  const Scene scene = MakeScene(300, 190, 4);
  const Image mask = LowResMask(scene.alpha, 4);
  for (int max_side : {1280, 100}) {
    MatteRefineOptions whole;
    whole.work_max_side = max_side;
    whole.band_rows = 0;
    const Image reference = RefineMatte(scene.photo, mask, whole).value();
    for (int threads : {1, 3}) {
      ThreadPool pool(threads);
      for (int band : {1, 7, 64}) {
        MatteRefineOptions o = whole;
        o.band_rows = band;
        auto tiled = RefineMatte(scene.photo, mask, o, &pool);
        ASSERT_TRUE(tiled.ok());
        EXPECT_EQ(tiled->pixels, reference.pixels)
            << "max_side " << max_side << " threads " << threads << " band " << band;
      }
    }
  }
}

TEST(MatteRefineTest, AcceptsGrayAndRgbaPhotos) {
  const Scene scene = MakeScene(96, 80, 5);
  const Image mask = LowResMask(scene.alpha, 4);
  Image rgba = Image::Create(96, 80, PixelFormat::kRgba8).value();
  for (size_t i = 0; i < 96 * 80; ++i) {
    for (int c = 0; c < 3; ++c) rgba.pixels[4 * i + c] = scene.photo.pixels[3 * i + c];
    rgba.pixels[4 * i + 3] = static_cast<uint8_t>(i);  // ignored
  }
  EXPECT_EQ(RefineMatte(rgba, mask).value().pixels, RefineMatte(scene.photo, mask).value().pixels);
  Image gray = Image::Create(96, 80, PixelFormat::kGray8).value();
  EXPECT_TRUE(RefineMatte(gray, mask).ok());
}

TEST(MatteRefineTest, RejectsBadArguments) {
  const Image photo = Image::Create(10, 10, PixelFormat::kRgb8).value();
  EXPECT_FALSE(RefineMatte(photo, Image::Create(10, 9, PixelFormat::kGray8).value()).ok());
  EXPECT_FALSE(RefineMatte(photo, Image::Create(10, 10, PixelFormat::kRgb8).value()).ok());
  MatteRefineOptions o;
  o.work_max_side = 10;
  auto r = RefineMatte(photo, Image::Create(10, 10, PixelFormat::kGray8).value(), o);
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
}

TEST(MatteRefineTest, TrimapThresholdsAndGrowth) {
  Image alpha = Image::Create(9, 1, PixelFormat::kGray8).value();
  const uint8_t values[9] = {0, 5, 6, 0, 0, 0, 249, 250, 255};
  std::copy(values, values + 9, alpha.pixels.begin());
  auto t = TrimapFromMatte(alpha);
  ASSERT_TRUE(t.ok());
  const std::vector<uint8_t> expected = {0, 0, 128, 0, 0, 0, 128, 255, 255};
  EXPECT_EQ(t->pixels, expected);
  auto grown = TrimapFromMatte(alpha, 5, 250, 1);
  const std::vector<uint8_t> expected_grown = {0, 128, 128, 128, 0, 128, 128, 128, 255};
  EXPECT_EQ(grown->pixels, expected_grown);
  // Growth is a square neighbourhood: vertical too.
  Image column = Image::Create(1, 5, PixelFormat::kGray8).value();
  column.pixels = {255, 255, 100, 255, 255};
  EXPECT_EQ(TrimapFromMatte(column, 5, 250, 1)->pixels,
            (std::vector<uint8_t>{255, 128, 128, 128, 255}));
  EXPECT_FALSE(TrimapFromMatte(alpha, 200, 100).ok());
}

}  // namespace
}  // namespace bgone::imaging
