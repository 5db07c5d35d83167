// Image decoding and encoding with libvips. Only the CLI depends on libvips; the imaging library
// gets plain 8-bit sRGB buffers.
// Thread-safety: InitImageIo once from the main thread; the other functions may then be called
// from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/common/status.h"
#include "imaging/image.h"

namespace bgone::cli {

enum class OutputFormat { kPng, kWebp, kJpeg };

// Starts libvips and blocks the loaders libvips marks as unsafe for untrusted input. `threads`
// bounds libvips's own worker threads.
Status InitImageIo(const char* argv0, int threads);
void ShutdownImageIo();

struct DecodeOptions {
  // Images with more pixels are refused before any pixel is decoded.
  int64_t max_pixels = 100'000'000;
};

// Decodes the first page/frame of `path`, applies the EXIF orientation and converts to 8-bit
// sRGB: Rgb8, or Rgba8 when the file has an alpha channel. Grayscale, 16-bit, CMYK and images
// with an embedded ICC profile are converted. Truncated or corrupt files are errors.
StatusOr<imaging::Image> DecodeImageFile(const std::string& path, const DecodeOptions& options);

struct EncodeOptions {
  OutputFormat format = OutputFormat::kPng;
  int quality = 0;  // 0 = default: lossless WebP, JPEG 90
  // > 0: the print resolution written into the file (JPEG JFIF density in dots per inch, PNG
  // pHYs in pixels per metre, WebP none); 0 keeps libvips's default of 1 pixel per millimetre.
  double dpi = 0;
};

// Encodes Gray8, Rgb8 or Rgba8 (Rgba8 is refused for JPEG, which has no alpha). No metadata is
// written but the resolution when options.dpi is set; pixels are sRGB.
StatusOr<std::vector<uint8_t>> EncodeImage(const imaging::Image& image,
                                           const EncodeOptions& options);

}  // namespace bgone::cli
