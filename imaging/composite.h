// Turning a segmentation mask into output pixels. All blending happens on 8-bit sRGB values with
// exact integer rounding (round half up; with a divisor of 255 ties cannot occur), matching
// what browsers do when drawing a straight-alpha image onto an opaque colour.
#pragma once

#include "engine/common/status.h"
#include "engine/runtime/thread_pool.h"
#include "imaging/color.h"
#include "imaging/image.h"

namespace bgone::imaging {

// The effective alpha as a Gray8 image: the mask itself, or, when `image` has an alpha channel,
// round(image_alpha * mask / 255) so pixels that were already transparent stay transparent.
// `mask` must be Gray8 with the same size as `image`.
StatusOr<Image> CombinedAlpha(const Image& image, const Image& mask);

// RGBA with the colour channels untouched (straight alpha) and alpha = CombinedAlpha.
// A Gray8 `image` is expanded to gray RGB.
StatusOr<Image> ApplyMaskAsAlpha(const Image& image, const Image& mask);

// Opaque RGB: out = round((c * a + bg * (255 - a)) / 255) per channel, a = CombinedAlpha.
StatusOr<Image> FlattenOnto(const Image& image, const Image& mask, Rgb8 background);

// Opaque RGB over a background image of the same size (Rgb8, Rgba8 or Gray8; its alpha is
// ignored): out = round((c * a + bg * (255 - a)) / 255) per channel, a = CombinedAlpha.
StatusOr<Image> CompositeOverImage(const Image& image, const Image& mask, const Image& background);

// `background` scaled (bilinear, aspect kept) to cover width x height and cropped to it,
// centred ("cover" fit, as CSS object-fit: cover). Rgb8.
StatusOr<Image> CoverFit(const Image& background, int width, int height,
                         ThreadPool* pool = nullptr);

// round(a * b / 255) for 8-bit values, exact.
inline uint8_t MultiplyAlpha(uint8_t a, uint8_t b) {
  return static_cast<uint8_t>((a * b + 127) / 255);
}
// round((c * a + bg * (255 - a)) / 255), exact.
inline uint8_t BlendOver(uint8_t c, uint8_t a, uint8_t bg) {
  return static_cast<uint8_t>((c * a + bg * (255 - a) + 127) / 255);
}

}  // namespace bgone::imaging
