#include "imaging/foreground.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "imaging/composite.h"

namespace bgone::imaging {
namespace {

// Soft vertical edge: a smoothly varying warm foreground over a green/blue striped background.
struct Mix {
  Image photo, alpha, fg;
};

Mix MakeMix(int w, int h) {
  Mix m{Image::Create(w, h, PixelFormat::kRgb8).value(),
        Image::Create(w, h, PixelFormat::kGray8).value(),
        Image::Create(w, h, PixelFormat::kRgb8).value()};
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      // Alpha ramps from 1 to 0 over 40 pixels around the middle, with a wavy boundary.
      const double edge = w * 0.5 + 6 * std::sin(y * 0.15);
      const double a = std::clamp((edge - x) / 40.0 + 0.5, 0.0, 1.0);
      const double f[3] = {200.0 + 30 * std::sin(y * 0.05), 120.0 + 0.2 * x, 60.0};
      const double b[3] = {20.0, (y / 6) % 2 ? 200.0 : 90.0, 230.0};
      for (int c = 0; c < 3; ++c) {
        m.photo.row(y)[3 * x + c] = static_cast<uint8_t>(std::lround(a * f[c] + (1 - a) * b[c]));
        m.fg.row(y)[3 * x + c] = static_cast<uint8_t>(std::lround(f[c]));
      }
      m.alpha.row(y)[x] = static_cast<uint8_t>(std::lround(a * 255));
    }
  }
  return m;
}

TEST(ForegroundTest, RecoversForegroundColourInSemiTransparentPixels) {
  const Mix m = MakeMix(200, 120);
  auto fg = EstimateForeground(m.photo, m.alpha);
  ASSERT_TRUE(fg.ok()) << fg.status().ToString();
  double err_photo = 0, err_est = 0;
  int count = 0;
  for (size_t i = 0; i < m.alpha.pixels.size(); ++i) {
    const int a = m.alpha.pixels[i];
    if (a < 51 || a > 230) continue;  // 0.2 .. 0.9: where colour bleeding shows
    for (int c = 0; c < 3; ++c) {
      err_photo += std::abs(m.photo.pixels[3 * i + c] - m.fg.pixels[3 * i + c]);
      err_est += std::abs(fg->pixels[3 * i + c] - m.fg.pixels[3 * i + c]);
    }
    ++count;
  }
  ASSERT_GT(count, 1000);
  EXPECT_LT(err_est, 0.35 * err_photo) << "photo " << err_photo / count << " estimate "
                                       << err_est / count;
  // Opaque pixels keep the photo's colour exactly.
  for (size_t i = 0; i < m.alpha.pixels.size(); ++i) {
    if (m.alpha.pixels[i] != 255) continue;
    for (int c = 0; c < 3; ++c) ASSERT_EQ(fg->pixels[3 * i + c], m.photo.pixels[3 * i + c]);
  }
}

TEST(ForegroundTest, LessBackgroundOnANewBackdrop) {
  // Composited on magenta, the decontaminated edge is closer to the true composite.
  const Mix m = MakeMix(160, 100);
  const Image fg = EstimateForeground(m.photo, m.alpha).value();
  const Rgb8 magenta{255, 0, 255};
  const Image truth = FlattenOnto(m.fg, m.alpha, magenta).value();
  const Image naive = FlattenOnto(m.photo, m.alpha, magenta).value();
  const Image ours = FlattenOnto(fg, m.alpha, magenta).value();
  double e_naive = 0, e_ours = 0;
  for (size_t i = 0; i < truth.pixels.size(); ++i) {
    e_naive += std::abs(naive.pixels[i] - truth.pixels[i]);
    e_ours += std::abs(ours.pixels[i] - truth.pixels[i]);
  }
  EXPECT_LT(e_ours, 0.5 * e_naive);
}

TEST(ForegroundTest, BandsThreadsAndWorkSizeAreDeterministic) {
  const Mix m = MakeMix(230, 150);
  for (int max_side : {1280, 100}) {
    ForegroundOptions whole;
    whole.work_max_side = max_side;
    whole.band_rows = 0;
    const Image reference = EstimateForeground(m.photo, m.alpha, whole).value();
    ThreadPool pool(3);
    for (int band : {1, 5, 64}) {
      ForegroundOptions o = whole;
      o.band_rows = band;
      EXPECT_EQ(EstimateForeground(m.photo, m.alpha, o, &pool).value().pixels, reference.pixels);
      EXPECT_EQ(BlurredBackground(m.photo, m.alpha, o, &pool).value().pixels,
                BlurredBackground(m.photo, m.alpha, whole).value().pixels);
    }
  }
}

TEST(ForegroundTest, BlurredBackgroundLeavesTheSubjectOut) {
  // A red opaque square on uniform blue: the backdrop next to the square stays blue, where a
  // plain blur would turn purple.
  const int w = 120, h = 120;
  Image photo = Image::Create(w, h, PixelFormat::kRgb8).value();
  Image alpha = Image::Create(w, h, PixelFormat::kGray8).value();
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      const bool in = x >= 40 && x < 80 && y >= 40 && y < 80;
      uint8_t* p = photo.row(y) + 3 * x;
      p[0] = in ? 255 : 0;
      p[1] = 0;
      p[2] = in ? 0 : 255;
      alpha.row(y)[x] = in ? 255 : 0;
    }
  }
  auto backdrop = BlurredBackground(photo, alpha);
  ASSERT_TRUE(backdrop.ok());
  const uint8_t* next_to = backdrop->row(60) + 3 * 82;
  EXPECT_LT(next_to[0], 20);
  EXPECT_GT(next_to[2], 235);
  EXPECT_FALSE(BlurredBackground(photo, Image::Create(3, 3, PixelFormat::kGray8).value()).ok());
}

}  // namespace
}  // namespace bgone::imaging
