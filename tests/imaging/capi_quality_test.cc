// The C API's cut-out quality entry points (capi/bgone_c.h) against the imaging functions they
// wrap. Lives with the imaging tests because it checks imaging behaviour through the C surface.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "capi/bgone_c.h"
#include "imaging/composite.h"
#include "imaging/foreground.h"
#include "imaging/matte_refine.h"

namespace bgone::imaging {
namespace {

struct Photo {
  int w = 90, h = 70;
  std::vector<uint8_t> rgba, mask;
};

Photo MakePhoto() {
  Photo p;
  p.rgba.resize(p.w * p.h * 4);
  p.mask.resize(p.w * p.h);
  for (int y = 0; y < p.h; ++y) {
    for (int x = 0; x < p.w; ++x) {
      const double a = std::clamp((45.0 - std::hypot(x - 45.0, y - 35.0)) / 8.0 + 0.5, 0.0, 1.0);
      uint8_t* px = &p.rgba[4 * (y * p.w + x)];
      px[0] = static_cast<uint8_t>(std::lround(a * 240 + (1 - a) * 20));
      px[1] = static_cast<uint8_t>(std::lround(a * 150 + (1 - a) * ((x / 4) % 2 ? 200 : 80)));
      px[2] = static_cast<uint8_t>(std::lround(a * 30 + (1 - a) * 220));
      px[3] = 255;
      p.mask[y * p.w + x] = static_cast<uint8_t>(std::lround(a * 255));
    }
  }
  return p;
}

Image AsRgba(const Photo& p) {
  return Image::FromPixels(p.w, p.h, PixelFormat::kRgba8, p.rgba.data(), p.rgba.size()).value();
}
Image AsGray(const std::vector<uint8_t>& v, int w, int h) {
  return Image::FromPixels(w, h, PixelFormat::kGray8, v.data(), v.size()).value();
}

TEST(CapiQualityTest, RefineMaskMatchesLibraryAndFlags) {
  const Photo p = MakePhoto();
  std::vector<uint8_t> mask = p.mask;
  ASSERT_EQ(bgone_refine_mask(nullptr, p.rgba.data(), mask.data(), p.w, p.h, 0), BGONE_OK);
  EXPECT_EQ(mask, p.mask);
  ASSERT_EQ(bgone_refine_mask(nullptr, p.rgba.data(), mask.data(), p.w, p.h,
                              BGONE_REFINE_DEFAULT),
            BGONE_OK);
  EXPECT_EQ(mask, RefineMatte(AsRgba(p), AsGray(p.mask, p.w, p.h)).value().pixels);
  std::vector<uint8_t> guided = p.mask;
  ASSERT_EQ(bgone_refine_mask(nullptr, p.rgba.data(), guided.data(), p.w, p.h,
                              BGONE_REFINE_GUIDED_FILTER),
            BGONE_OK);
  MatteRefineOptions o;
  o.color_likelihood = o.local_color = false;
  EXPECT_EQ(guided, RefineMatte(AsRgba(p), AsGray(p.mask, p.w, p.h), o).value().pixels);
  EXPECT_EQ(bgone_refine_mask(nullptr, p.rgba.data(), mask.data(), p.w, p.h, 8),
            BGONE_INVALID_ARGUMENT);
  EXPECT_NE(std::strlen(bgone_last_error()), 0u);
  EXPECT_EQ(bgone_refine_mask(nullptr, nullptr, mask.data(), p.w, p.h, 7), BGONE_INVALID_ARGUMENT);
}

TEST(CapiQualityTest, CompositesMatchTheLibrary) {
  const Photo p = MakePhoto();
  const Image image = AsRgba(p);
  const Image alpha = AsGray(p.mask, p.w, p.h);
  const Image fg = EstimateForeground(image, alpha).value();

  std::vector<uint8_t> cut = p.rgba;
  ASSERT_EQ(bgone_cutout(cut.data(), p.mask.data(), p.w, p.h, 1), BGONE_OK);
  EXPECT_EQ(cut, ApplyMaskAsAlpha(fg, alpha).value().pixels);

  // Without decontamination, colour compositing is exactly the old bgone_flatten.
  std::vector<uint8_t> a = p.rgba, b = p.rgba;
  ASSERT_EQ(bgone_composite_color(a.data(), p.mask.data(), p.w, p.h, 255, 0, 255, 0), BGONE_OK);
  ASSERT_EQ(bgone_flatten(b.data(), p.mask.data(), p.w, p.h, 255, 0, 255), BGONE_OK);
  EXPECT_EQ(a, b);
  std::vector<uint8_t> c = p.rgba;
  ASSERT_EQ(bgone_composite_color(c.data(), p.mask.data(), p.w, p.h, 255, 0, 255, 1), BGONE_OK);
  const Image flat = FlattenOnto(fg, alpha, Rgb8{255, 0, 255}).value();
  for (size_t i = 0; i < alpha.pixels.size(); ++i) {
    for (int k = 0; k < 3; ++k) ASSERT_EQ(c[4 * i + k], flat.pixels[3 * i + k]);
    ASSERT_EQ(c[4 * i + 3], 255);
  }
  EXPECT_EQ(bgone_composite_color(c.data(), p.mask.data(), p.w, p.h, 256, 0, 0, 1),
            BGONE_INVALID_ARGUMENT);

  // A 3x2 uniform teal picture as backdrop: fully transparent pixels become teal.
  std::vector<uint8_t> teal(3 * 2 * 4);
  for (size_t i = 0; i < 6; ++i) {
    teal[4 * i] = 0;
    teal[4 * i + 1] = 128;
    teal[4 * i + 2] = 128;
    teal[4 * i + 3] = 7;
  }
  std::vector<uint8_t> d = p.rgba;
  ASSERT_EQ(bgone_composite_image(d.data(), p.mask.data(), p.w, p.h, teal.data(), 3, 2, 1),
            BGONE_OK);
  for (size_t i = 0; i < alpha.pixels.size(); ++i) {
    if (p.mask[i] != 0) continue;
    ASSERT_EQ(d[4 * i], 0);
    ASSERT_EQ(d[4 * i + 1], 128);
    ASSERT_EQ(d[4 * i + 3], 255);
  }
  EXPECT_EQ(bgone_composite_image(d.data(), p.mask.data(), p.w, p.h, nullptr, 3, 2, 1),
            BGONE_INVALID_ARGUMENT);

  std::vector<uint8_t> e = p.rgba;
  ASSERT_EQ(bgone_composite_blur(e.data(), p.mask.data(), p.w, p.h, 1), BGONE_OK);
  const Image backdrop = BlurredBackground(image, alpha).value();
  const Image portrait = CompositeOverImage(fg, alpha, backdrop).value();
  for (size_t i = 0; i < alpha.pixels.size(); ++i) {
    for (int k = 0; k < 3; ++k) ASSERT_EQ(e[4 * i + k], portrait.pixels[3 * i + k]);
  }
}

TEST(CapiQualityTest, Trimap) {
  const Photo p = MakePhoto();
  std::vector<uint8_t> t(p.mask.size());
  ASSERT_EQ(bgone_trimap(p.mask.data(), p.w, p.h, 2, t.data()), BGONE_OK);
  EXPECT_EQ(t, TrimapFromMatte(AsGray(p.mask, p.w, p.h), 5, 250, 2).value().pixels);
  EXPECT_EQ(bgone_trimap(p.mask.data(), p.w, p.h, -1, t.data()), BGONE_INVALID_ARGUMENT);
  EXPECT_EQ(bgone_trimap(p.mask.data(), 0, p.h, 1, t.data()), BGONE_INVALID_ARGUMENT);
}

}  // namespace
}  // namespace bgone::imaging
