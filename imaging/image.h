// 8-bit image buffers passed between decoding, the model and encoding.
// Thread-safety: an Image is a plain value; concurrent reads are fine, writers need exclusivity.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "engine/common/status.h"

namespace bgone::imaging {

// The value is the number of interleaved channels.
enum class PixelFormat : int { kGray8 = 1, kRgb8 = 3, kRgba8 = 4 };

inline int ChannelCount(PixelFormat format) { return static_cast<int>(format); }
const char* PixelFormatName(PixelFormat format);

// Limits chosen so that all index and fixed-point arithmetic in this library fits in int64
// (see resize.h) and so a hostile header cannot ask for absurd allocations.
inline constexpr int kMaxImageDimension = 1 << 20;
inline constexpr int64_t kMaxImagePixels = int64_t{1} << 31;

// Row-major, tightly packed (stride = width * channels), channels interleaved, sRGB values.
// Alpha, when present, is straight (not premultiplied).
struct Image {
  int width = 0;
  int height = 0;
  PixelFormat format = PixelFormat::kRgb8;
  std::vector<uint8_t> pixels;

  // Zero-filled image. Fails for non-positive or oversized dimensions, or when out of memory.
  static StatusOr<Image> Create(int width, int height, PixelFormat format);
  // Copies `size` bytes, which must equal width * height * channels.
  static StatusOr<Image> FromPixels(int width, int height, PixelFormat format, const uint8_t* data,
                                    size_t size);

  int channels() const { return ChannelCount(format); }
  bool has_alpha() const { return format == PixelFormat::kRgba8; }
  size_t stride() const { return static_cast<size_t>(width) * static_cast<size_t>(channels()); }
  uint8_t* row(int y) { return pixels.data() + static_cast<size_t>(y) * stride(); }
  const uint8_t* row(int y) const { return pixels.data() + static_cast<size_t>(y) * stride(); }
};

// Checks dimensions against the limits above and that `pixels` has the right size.
Status ValidateImage(const Image& image);
// Checks dimensions only (for callers about to allocate).
Status ValidateDimensions(int width, int height);

}  // namespace bgone::imaging
