#include "imaging/composite.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "imaging/resize.h"

namespace bgone::imaging {
namespace {

Status CheckMask(const Image& image, const Image& mask) {
  BG_RETURN_IF_ERROR(ValidateImage(image));
  BG_RETURN_IF_ERROR(ValidateImage(mask));
  if (mask.format != PixelFormat::kGray8) {
    return InvalidArgumentError(std::string("mask must be gray8, got ") +
                                PixelFormatName(mask.format));
  }
  if (mask.width != image.width || mask.height != image.height) {
    return InvalidArgumentError("mask is " + std::to_string(mask.width) + "x" +
                                std::to_string(mask.height) + " but the image is " +
                                std::to_string(image.width) + "x" + std::to_string(image.height));
  }
  return OkStatus();
}

// Colour channel `c` (0..2) of pixel `i`, treating gray as r = g = b.
inline uint8_t ColorAt(const Image& image, size_t i, int c) {
  const int channels = image.channels();
  return channels == 1 ? image.pixels[i] : image.pixels[i * channels + c];
}

inline uint8_t AlphaAt(const Image& image, const Image& mask, size_t i) {
  return image.has_alpha() ? MultiplyAlpha(image.pixels[i * 4 + 3], mask.pixels[i])
                           : mask.pixels[i];
}

}  // namespace

StatusOr<Image> CombinedAlpha(const Image& image, const Image& mask) {
  BG_RETURN_IF_ERROR(CheckMask(image, mask));
  BG_ASSIGN_OR_RETURN(Image out, Image::Create(image.width, image.height, PixelFormat::kGray8));
  const size_t n = out.pixels.size();
  for (size_t i = 0; i < n; ++i) out.pixels[i] = AlphaAt(image, mask, i);
  return out;
}

StatusOr<Image> ApplyMaskAsAlpha(const Image& image, const Image& mask) {
  BG_RETURN_IF_ERROR(CheckMask(image, mask));
  BG_ASSIGN_OR_RETURN(Image out, Image::Create(image.width, image.height, PixelFormat::kRgba8));
  const size_t n = static_cast<size_t>(image.width) * image.height;
  for (size_t i = 0; i < n; ++i) {
    uint8_t* o = &out.pixels[i * 4];
    o[0] = ColorAt(image, i, 0);
    o[1] = ColorAt(image, i, 1);
    o[2] = ColorAt(image, i, 2);
    o[3] = AlphaAt(image, mask, i);
  }
  return out;
}

StatusOr<Image> FlattenOnto(const Image& image, const Image& mask, Rgb8 background) {
  BG_RETURN_IF_ERROR(CheckMask(image, mask));
  BG_ASSIGN_OR_RETURN(Image out, Image::Create(image.width, image.height, PixelFormat::kRgb8));
  const size_t n = static_cast<size_t>(image.width) * image.height;
  for (size_t i = 0; i < n; ++i) {
    const uint8_t a = AlphaAt(image, mask, i);
    uint8_t* o = &out.pixels[i * 3];
    o[0] = BlendOver(ColorAt(image, i, 0), a, background.r);
    o[1] = BlendOver(ColorAt(image, i, 1), a, background.g);
    o[2] = BlendOver(ColorAt(image, i, 2), a, background.b);
  }
  return out;
}

StatusOr<Image> CompositeOverImage(const Image& image, const Image& mask, const Image& background) {
  BG_RETURN_IF_ERROR(CheckMask(image, mask));
  BG_RETURN_IF_ERROR(ValidateImage(background));
  if (background.width != image.width || background.height != image.height) {
    return InvalidArgumentError("background is " + std::to_string(background.width) + "x" +
                                std::to_string(background.height) + " but the image is " +
                                std::to_string(image.width) + "x" + std::to_string(image.height));
  }
  BG_ASSIGN_OR_RETURN(Image out, Image::Create(image.width, image.height, PixelFormat::kRgb8));
  const size_t n = static_cast<size_t>(image.width) * image.height;
  for (size_t i = 0; i < n; ++i) {
    const uint8_t a = AlphaAt(image, mask, i);
    uint8_t* o = &out.pixels[i * 3];
    for (int c = 0; c < 3; ++c) o[c] = BlendOver(ColorAt(image, i, c), a, ColorAt(background, i, c));
  }
  return out;
}

StatusOr<Image> CoverFit(const Image& background, int width, int height, ThreadPool* pool) {
  BG_RETURN_IF_ERROR(ValidateImage(background));
  BG_RETURN_IF_ERROR(ValidateDimensions(width, height));
  // Scale so both sides cover the target; the rounding keeps the scaled size >= the target.
  const double scale = std::max(static_cast<double>(width) / background.width,
                                static_cast<double>(height) / background.height);
  const int sw = std::max(width, static_cast<int>(std::lround(background.width * scale)));
  const int sh = std::max(height, static_cast<int>(std::lround(background.height * scale)));
  BG_RETURN_IF_ERROR(ValidateDimensions(sw, sh));
  BG_ASSIGN_OR_RETURN(Image scaled, ResizeBilinear(background, sw, sh, pool));
  BG_ASSIGN_OR_RETURN(Image out, Image::Create(width, height, PixelFormat::kRgb8));
  const int x0 = (sw - width) / 2;
  const int y0 = (sh - height) / 2;
  const int channels = scaled.channels();
  for (int y = 0; y < height; ++y) {
    const uint8_t* src = scaled.row(y + y0);
    uint8_t* dst = out.row(y);
    for (int x = 0; x < width; ++x) {
      const uint8_t* p = src + static_cast<size_t>(x + x0) * channels;
      for (int c = 0; c < 3; ++c) dst[3 * x + c] = channels == 1 ? p[0] : p[c];
    }
  }
  return out;
}

}  // namespace bgone::imaging
