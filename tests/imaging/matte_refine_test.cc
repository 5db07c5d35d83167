#include "imaging/matte_refine.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <random>

#include "imaging/resize.h"
#include "imaging/work_planes.h"

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

// A subject the colours alone get wrong, as in a white shirt before a pale sky: the photo is a
// dark head (mask 255) over a white body; the backdrop is white too. The body's mask is grey
// (0.8) and its outline 1; a white "maybe" strip (0.2) stands apart, far from the head.
struct Ambiguous {
  Image photo, mask;
};

Ambiguous MakeAmbiguous() {
  const int w = 170, h = 100;
  Ambiguous s{Image::Create(w, h, PixelFormat::kRgb8).value(),
              Image::Create(w, h, PixelFormat::kGray8).value()};
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> noise(-6, 6);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      const bool head = x >= 40 && x < 80 && y >= 10 && y < 40;
      const bool body = x >= 30 && x < 90 && y >= 40;
      const bool maybe = x >= 130 && x < 145 && y >= 40;
      const bool outline = body && (x < 32 || x >= 88);
      uint8_t* p = s.photo.row(y) + 3 * x;
      for (int c = 0; c < 3; ++c) {
        p[c] = static_cast<uint8_t>((head ? 60 : 235) + noise(rng) + (c == 0 && head ? 40 : 0));
      }
      uint8_t m = 0;
      if (head) m = 255;
      if (body) m = outline ? 255 : 204;
      if (maybe) m = 51;
      s.mask.row(y)[x] = m;
    }
  }
  return s;
}

TEST(MatteRefineTest, TrustedModelKeepsItsDecisions) {
  const Ambiguous s = MakeAmbiguous();
  MatteRefineOptions untrusted;
  untrusted.trust_model = false;
  const Image free = RefineMatte(s.photo, s.mask, untrusted).value();
  const Image kept = RefineMatte(s.photo, s.mask).value();
  int flipped_without_trust = 0, lowered_without_trust = 0, dropped_without_trust = 0,
      raised_without_trust = 0;
  for (size_t i = 0; i < s.mask.pixels.size(); ++i) {
    const int m = s.mask.pixels[i];
    const int k = kept.pixels[i];
    const int f = free.pixels[i];
    if (m >= 153) {
      ASSERT_GE(k, 128) << i;  // stays foreground
      flipped_without_trust += f < 128;
    }
    const int x = static_cast<int>(i % s.mask.width), y = static_cast<int>(i / s.mask.width);
    bool far = true;  // no confident foreground (> 0.95) within 24 pixels
    for (int v = std::max(y - 24, 0); v <= std::min(y + 24, s.mask.height - 1); ++v) {
      for (int u = std::max(x - 24, 0); u <= std::min(x + 24, s.mask.width - 1); ++u) {
        far = far && s.mask.row(v)[u] < 243;
      }
    }
    if (m >= 8 && m < 128 && far) {
      ASSERT_GE(k, m) << i;  // never below the model where it leans to background
      lowered_without_trust += f < m;
    }
    if (m >= 248) {
      ASSERT_GE(k, m) << i;  // nearly certain: never lowered
      dropped_without_trust += f < m;
    }
    if (m == 0) {
      ASSERT_EQ(k, 0) << i;  // certain background stays background
      raised_without_trust += f > 0;
    }
  }
  // The scene really does fool the colour statistics: without trust each rule would be broken.
  EXPECT_GT(flipped_without_trust, 500);
  EXPECT_GT(lowered_without_trust, 100);
  EXPECT_GT(dropped_without_trust, 10);
  EXPECT_GT(raised_without_trust, 10);
}

// Plain O(r^2) reference for BoxMean.
internal::Plane NaiveBoxMean(const internal::Plane& in, int r) {
  internal::Plane out(in.width, in.height);
  for (int y = 0; y < in.height; ++y) {
    for (int x = 0; x < in.width; ++x) {
      double sum = 0;
      int n = 0;
      for (int v = std::max(y - r, 0); v <= std::min(y + r, in.height - 1); ++v) {
        for (int u = std::max(x - r, 0); u <= std::min(x + r, in.width - 1); ++u) {
          sum += in.at(u, v);
          ++n;
        }
      }
      out.at(x, y) = static_cast<float>(sum / n);
    }
  }
  return out;
}

TEST(WorkPlanesTest, BoxMeanMatchesTheDirectSumForAnyThreadCount) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> value(0.0f, 1.0f);
  const int shapes[][3] = {{1, 1, 0},   {7, 1, 2},      {1, 9, 3},    {37, 23, 0},   {37, 23, 1},
                           {64, 70, 4}, {130, 300, 12}, {50, 40, 90}, {301, 129, 20}};
  for (const auto& shape : shapes) {
    const int w = shape[0], h = shape[1], r = shape[2];
    internal::Plane in(w, h), binary(w, h);
    for (float& v : in.v) v = value(rng);
    for (float& v : binary.v) v = value(rng) < 0.02f ? 1.0f : 0.0f;
    const internal::Plane expected = NaiveBoxMean(in, r);
    internal::Plane single;
    internal::BoxMean(in, r, &single, nullptr);
    ASSERT_EQ(single.width, w);
    ASSERT_EQ(single.height, h);
    for (size_t i = 0; i < in.v.size(); ++i) {
      ASSERT_NEAR(single.v[i], expected.v[i], 2e-6) << w << "x" << h << " r " << r << " at " << i;
    }
    for (int threads : {2, 3}) {
      ThreadPool pool(threads);
      internal::Plane threaded;
      internal::BoxMean(in, r, &threaded, &pool);
      ASSERT_EQ(threaded.v, single.v) << w << "x" << h << " r " << r << " threads " << threads;
    }
    // Integer-valued planes sum exactly: a window without a 1 has mean exactly 0. In place.
    const internal::Plane naive_binary = NaiveBoxMean(binary, r);
    internal::BoxMean(binary, r, &binary, nullptr);
    for (size_t i = 0; i < binary.v.size(); ++i) {
      ASSERT_EQ(binary.v[i] == 0.0f, naive_binary.v[i] == 0.0f) << i;
    }
  }
}

TEST(WorkPlanesTest, RowInterpolationIsBilinear) {
  internal::Plane p(5, 4);
  for (int y = 0; y < 4; ++y) {
    for (int x = 0; x < 5; ++x) p.at(x, y) = static_cast<float>(x * x + 3 * y);
  }
  const int factor = 3;
  const internal::AxisTaps xs = internal::MakeAxisTaps(14, 5, factor);
  const internal::AxisTaps ys = internal::MakeAxisTaps(11, 4, factor);
  std::vector<float> row(5);
  for (int y = 0; y < 11; ++y) {
    internal::VerticalLerp(p, ys, y, row.data());
    for (int x = 0; x < 14; ++x) {
      // Work coordinate of a full pixel centre, clamped; then bilinear by hand.
      const double sx = std::clamp((x + 0.5) / factor - 0.5, 0.0, 4.0);
      const double sy = std::clamp((y + 0.5) / factor - 0.5, 0.0, 3.0);
      const int x0 = static_cast<int>(sx), y0 = static_cast<int>(sy);
      const int x1 = std::min(x0 + 1, 4), y1 = std::min(y0 + 1, 3);
      const double tx = sx - x0, ty = sy - y0;
      const double top = p.at(x0, y0) + tx * (p.at(x1, y0) - p.at(x0, y0));
      const double bottom = p.at(x0, y1) + tx * (p.at(x1, y1) - p.at(x0, y1));
      ASSERT_NEAR(internal::HorizontalLerp(row.data(), xs, x), top + ty * (bottom - top), 1e-4)
          << x << "," << y;
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
