#include "cli/image_io.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "tests/cli/cli_test_util.h"

namespace bgone::cli {
namespace {

using testing::InitVipsOnce;
using testing::LoadVips;
using testing::ScratchDir;
using testing::VipsPtr;
using testing::WriteFile;
namespace fs = std::filesystem;

imaging::Image RandomImage(int w, int h, imaging::PixelFormat f, uint32_t seed) {
  auto image = imaging::Image::Create(w, h, f);
  EXPECT_TRUE(image.ok());
  std::mt19937 rng(seed);
  for (auto& p : image->pixels) p = static_cast<uint8_t>(rng() & 255);
  return std::move(image).value();
}

StatusOr<imaging::Image> RoundTrip(const imaging::Image& image, OutputFormat format,
                                   const fs::path& path, int quality = 0) {
  EncodeOptions options;
  options.format = format;
  options.quality = quality;
  auto bytes = EncodeImage(image, options);
  if (!bytes.ok()) return bytes.status();
  WriteFile(path, std::string(bytes->begin(), bytes->end()));
  return DecodeImageFile(path.string(), DecodeOptions());
}

TEST(ImageIoTest, LosslessRoundTrips) {
  InitVipsOnce();
  ScratchDir dir;
  const imaging::Image rgba = RandomImage(31, 17, imaging::PixelFormat::kRgba8, 1);
  for (OutputFormat f : {OutputFormat::kPng, OutputFormat::kWebp}) {
    auto back = RoundTrip(rgba, f, dir / "x.img");
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(back->format, imaging::PixelFormat::kRgba8);
    // Lossless WebP may change the colour of fully transparent pixels; compare visible ones.
    for (size_t i = 0; i < rgba.pixels.size(); i += 4) {
      ASSERT_EQ(back->pixels[i + 3], rgba.pixels[i + 3]);
      if (rgba.pixels[i + 3] == 0) continue;
      for (int c = 0; c < 3; ++c) ASSERT_EQ(back->pixels[i + c], rgba.pixels[i + c]);
    }
  }
  const imaging::Image rgb = RandomImage(8, 9, imaging::PixelFormat::kRgb8, 2);
  auto back = RoundTrip(rgb, OutputFormat::kPng, dir / "y.png");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->pixels, rgb.pixels);
}

TEST(ImageIoTest, GrayMaskPngHasOneBand) {
  InitVipsOnce();
  ScratchDir dir;
  const imaging::Image gray = RandomImage(12, 5, imaging::PixelFormat::kGray8, 3);
  EncodeOptions options;
  auto bytes = EncodeImage(gray, options);
  ASSERT_TRUE(bytes.ok());
  WriteFile(dir / "m.png", std::string(bytes->begin(), bytes->end()));
  VipsPtr loaded = LoadVips(dir / "m.png");
  ASSERT_NE(loaded, nullptr);
  EXPECT_EQ(vips_image_get_bands(loaded.get()), 1);
  // Decoding expands gray to RGB for the model.
  auto decoded = DecodeImageFile((dir / "m.png").string(), DecodeOptions());
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(decoded->format, imaging::PixelFormat::kRgb8);
  for (size_t i = 0; i < gray.pixels.size(); ++i) {
    ASSERT_EQ(decoded->pixels[i * 3], gray.pixels[i]);
    ASSERT_EQ(decoded->pixels[i * 3 + 2], gray.pixels[i]);
  }
}

// Reads the resolution straight from the bytes: JPEG's JFIF APP0 segment (units, x/y density)
// and PNG's pHYs chunk (pixels per unit, unit 1 = metre).
struct Resolution {
  int units = -1;
  uint32_t x = 0, y = 0;
};
uint32_t BigEndian(const std::vector<uint8_t>& b, size_t at, int n) {
  uint32_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | b.at(at + static_cast<size_t>(i));
  return v;
}
Resolution JfifDensity(const std::vector<uint8_t>& b) {
  // SOI, then APP0: FF E0, length, "JFIF\0", version (2), units, Xdensity, Ydensity.
  if (b.size() < 20 || b[2] != 0xFF || b[3] != 0xE0 || std::string(b.begin() + 6, b.begin() + 10) != "JFIF") return {};
  return {b[13], BigEndian(b, 14, 2), BigEndian(b, 16, 2)};
}
Resolution PngPhys(const std::vector<uint8_t>& b) {
  for (size_t at = 8; at + 12 <= b.size();) {
    const uint32_t len = BigEndian(b, at, 4);
    if (std::string(b.begin() + static_cast<long>(at) + 4, b.begin() + static_cast<long>(at) + 8) == "pHYs" && len == 9)
      return {b[at + 16], BigEndian(b, at + 8, 4), BigEndian(b, at + 12, 4)};
    at += 12 + static_cast<size_t>(len);
  }
  return {};
}

TEST(ImageIoTest, WritesPrintResolution) {
  InitVipsOnce();
  const imaging::Image rgb = RandomImage(20, 10, imaging::PixelFormat::kRgb8, 3);
  for (double dpi : {254.0, 300.0, 600.0}) {
    SCOPED_TRACE(dpi);
    EncodeOptions o;
    o.dpi = dpi;
    o.format = OutputFormat::kJpeg;
    auto jpeg = EncodeImage(rgb, o);
    ASSERT_TRUE(jpeg.ok());
    const Resolution j = JfifDensity(*jpeg);
    EXPECT_EQ(j.units, 1);  // dots per inch
    EXPECT_EQ(j.x, static_cast<uint32_t>(dpi));
    EXPECT_EQ(j.y, static_cast<uint32_t>(dpi));
    o.format = OutputFormat::kPng;
    auto png = EncodeImage(rgb, o);
    ASSERT_TRUE(png.ok());
    const Resolution p = PngPhys(*png);
    EXPECT_EQ(p.units, 1);  // metre
    EXPECT_EQ(p.x, static_cast<uint32_t>(std::lround(dpi / 0.0254)));
    EXPECT_EQ(p.y, p.x);
  }
}

TEST(ImageIoTest, JpegRefusesAlpha) {
  InitVipsOnce();
  EncodeOptions options;
  options.format = OutputFormat::kJpeg;
  EXPECT_FALSE(EncodeImage(RandomImage(4, 4, imaging::PixelFormat::kRgba8, 4), options).ok());
  auto jpg = EncodeImage(RandomImage(4, 4, imaging::PixelFormat::kRgb8, 4), options);
  ASSERT_TRUE(jpg.ok());
  EXPECT_EQ((*jpg)[0], 0xFF);
  EXPECT_EQ((*jpg)[1], 0xD8);
}

TEST(ImageIoTest, AppliesExifOrientation) {
  ScratchDir dir;
  testing::MakeOrientationPair(dir / "up.png", dir / "rot.jpg");
  auto up = DecodeImageFile((dir / "up.png").string(), DecodeOptions());
  auto rot = DecodeImageFile((dir / "rot.jpg").string(), DecodeOptions());
  ASSERT_TRUE(up.ok() && rot.ok());
  EXPECT_EQ(rot->width, 512);
  EXPECT_EQ(rot->height, 384);
  double diff = 0;
  for (size_t i = 0; i < up->pixels.size(); ++i) diff += std::abs(up->pixels[i] - rot->pixels[i]);
  EXPECT_LT(diff / up->pixels.size(), 3.0);  // JPEG noise only
}

// Builds an image in libvips and saves it as `path` with the given saver options.
void SaveVips(VipsImage* image, const fs::path& path) {
  ASSERT_EQ(vips_image_write_to_file(image, path.c_str(), nullptr), 0) << vips_error_buffer();
}

TEST(ImageIoTest, ConvertsSixteenBitGrayAlphaAndCmyk) {
  InitVipsOnce();
  ScratchDir dir;
  // 16-bit RGBA PNG: values v * 257 must come back as v, alpha included.
  VipsImage* black = nullptr;
  ASSERT_EQ(vips_black(&black, 3, 2, "bands", 4, nullptr), 0);
  VipsPtr b(black);
  VipsImage* filled = nullptr;
  double add[4] = {100 * 257, 200 * 257, 50 * 257, 128 * 257};
  double mul[4] = {1, 1, 1, 1};
  ASSERT_EQ(vips_linear(b.get(), &filled, mul, add, 4, nullptr), 0);
  VipsPtr f(filled);
  VipsImage* u16 = nullptr;
  ASSERT_EQ(vips_cast(f.get(), &u16, VIPS_FORMAT_USHORT, nullptr), 0);
  VipsPtr u(u16);
  VipsImage* tagged = nullptr;
  ASSERT_EQ(vips_copy(u.get(), &tagged, "interpretation", VIPS_INTERPRETATION_RGB16, nullptr), 0);
  VipsPtr t(tagged);
  SaveVips(t.get(), dir / "deep.png");
  auto deep = DecodeImageFile((dir / "deep.png").string(), DecodeOptions());
  ASSERT_TRUE(deep.ok()) << deep.status().ToString();
  EXPECT_EQ(deep->format, imaging::PixelFormat::kRgba8);
  EXPECT_EQ(deep->pixels[0], 100);
  EXPECT_EQ(deep->pixels[1], 200);
  EXPECT_EQ(deep->pixels[2], 50);
  EXPECT_EQ(deep->pixels[3], 128);

  // Gray + alpha (2 bands, 8-bit) becomes RGBA.
  VipsImage* ga = nullptr;
  ASSERT_EQ(vips_black(&ga, 2, 2, "bands", 2, nullptr), 0);
  VipsPtr g(ga);
  VipsImage* ga8 = nullptr;
  double add2[2] = {60, 255};
  double mul2[2] = {1, 1};
  ASSERT_EQ(vips_linear(g.get(), &ga8, mul2, add2, 2, "uchar", TRUE, nullptr), 0);
  VipsPtr g8(ga8);
  VipsImage* gat = nullptr;
  ASSERT_EQ(vips_copy(g8.get(), &gat, "interpretation", VIPS_INTERPRETATION_B_W, nullptr), 0);
  VipsPtr gt(gat);
  SaveVips(gt.get(), dir / "ga.png");
  auto gray_alpha = DecodeImageFile((dir / "ga.png").string(), DecodeOptions());
  ASSERT_TRUE(gray_alpha.ok()) << gray_alpha.status().ToString();
  EXPECT_EQ(gray_alpha->format, imaging::PixelFormat::kRgba8);
  EXPECT_EQ(gray_alpha->pixels, std::vector<uint8_t>({60, 60, 60, 255, 60, 60, 60, 255, 60, 60, 60,
                                                      255, 60, 60, 60, 255}));

  // CMYK JPEG (no profile: libvips falls back to its built-in one): white paper stays white-ish.
  VipsImage* cmyk = nullptr;
  ASSERT_EQ(vips_black(&cmyk, 8, 8, "bands", 4, nullptr), 0);
  VipsPtr c(cmyk);
  VipsImage* c8 = nullptr;
  ASSERT_EQ(vips_cast(c.get(), &c8, VIPS_FORMAT_UCHAR, nullptr), 0);
  VipsPtr cc(c8);
  VipsImage* ct = nullptr;
  ASSERT_EQ(vips_copy(cc.get(), &ct, "interpretation", VIPS_INTERPRETATION_CMYK, nullptr), 0);
  VipsPtr ctag(ct);
  SaveVips(ctag.get(), dir / "cmyk.jpg");
  auto rgb = DecodeImageFile((dir / "cmyk.jpg").string(), DecodeOptions());
  ASSERT_TRUE(rgb.ok()) << rgb.status().ToString();
  EXPECT_EQ(rgb->format, imaging::PixelFormat::kRgb8);
  EXPECT_EQ(rgb->width, 8);
  EXPECT_GT(rgb->pixels[0], 200);
}

TEST(ImageIoTest, BadInputsAreErrors) {
  InitVipsOnce();
  ScratchDir dir;
  WriteFile(dir / "noise.png", std::string(1000, '\x42'));
  EXPECT_FALSE(DecodeImageFile((dir / "noise.png").string(), DecodeOptions()).ok());
  EXPECT_FALSE(DecodeImageFile((dir / "absent.png").string(), DecodeOptions()).ok());
  EXPECT_FALSE(DecodeImageFile(dir.path().string(), DecodeOptions()).ok());
  // Brackets are part of the name, not libvips load options.
  fs::copy_file(testing::SamplePath(), dir / "odd[name].png");
  auto odd = DecodeImageFile((dir / "odd[name].png").string(), DecodeOptions());
  ASSERT_TRUE(odd.ok()) << odd.status().ToString();
  EXPECT_EQ(odd->width, 512);
  DecodeOptions tiny;
  tiny.max_pixels = 1000;
  auto refused = DecodeImageFile(testing::SamplePath().string(), tiny);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace bgone::cli
