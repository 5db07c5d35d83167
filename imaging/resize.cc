#include "imaging/resize.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <new>
#include <vector>

namespace bgone::imaging {
namespace {

// Source taps of one output coordinate. w0 + w1 == 2 * dst_size (the common denominator).
struct Tap {
  int32_t i0;
  int32_t i1;
  int64_t w0;
  int64_t w1;
};

std::vector<Tap> ComputeTaps(int src_size, int dst_size) {
  std::vector<Tap> taps(static_cast<size_t>(dst_size));
  const int64_t denom = 2 * static_cast<int64_t>(dst_size);
  for (int x = 0; x < dst_size; ++x) {
    // numerator of sx over denom; negative values clamp to the first pixel.
    int64_t num = (2 * static_cast<int64_t>(x) + 1) * src_size - dst_size;
    if (num < 0) num = 0;
    int64_t i0 = num / denom;
    int64_t frac = num % denom;
    if (i0 >= src_size - 1) {
      i0 = src_size - 1;
      frac = 0;
    }
    Tap& t = taps[static_cast<size_t>(x)];
    t.i0 = static_cast<int32_t>(i0);
    t.i1 = static_cast<int32_t>(std::min<int64_t>(i0 + 1, src_size - 1));
    t.w0 = denom - frac;
    t.w1 = frac;
  }
  return taps;
}

// Horizontal pass of one source row into numerators over denom_x. With dimensions capped at
// kMaxImageDimension the values stay below 255 * 2^21 < 2^31.
void InterpolateRow(const uint8_t* src_row, int channels, const std::vector<Tap>& taps,
                    int32_t* out) {
  for (size_t x = 0; x < taps.size(); ++x) {
    const Tap& t = taps[x];
    const uint8_t* p0 = src_row + static_cast<size_t>(t.i0) * channels;
    const uint8_t* p1 = src_row + static_cast<size_t>(t.i1) * channels;
    for (int c = 0; c < channels; ++c) {
      out[x * channels + c] = static_cast<int32_t>(p0[c] * t.w0 + p1[c] * t.w1);
    }
  }
}

}  // namespace

StatusOr<Image> ResizeBilinear(const Image& src, int width, int height, ThreadPool* pool) {
  BG_RETURN_IF_ERROR(ValidateImage(src));
  BG_ASSIGN_OR_RETURN(Image dst, Image::Create(width, height, src.format));
  if (width == src.width && height == src.height) {
    dst.pixels = src.pixels;
    return dst;
  }
  const int channels = src.channels();
  std::vector<Tap> xtaps, ytaps;
  try {
    xtaps = ComputeTaps(src.width, width);
    ytaps = ComputeTaps(src.height, height);
  } catch (const std::bad_alloc&) {
    return ResourceExhaustedError("out of memory resizing an image");
  }
  // Total denominator (2 * width) * (2 * height) <= 2^42; numerators stay below 2^50.
  const int64_t denom = 4 * static_cast<int64_t>(width) * height;
  const int64_t half = denom / 2;
  const size_t row_values = static_cast<size_t>(width) * channels;

  std::atomic<bool> out_of_memory{false};
  ParallelFor(pool, height, [&](int64_t y_begin, int64_t y_end) {
    std::vector<int32_t> row0, row1;
    try {
      row0.resize(row_values);
      row1.resize(row_values);
    } catch (const std::bad_alloc&) {
      out_of_memory = true;
      return;
    }
    int cached0 = -1, cached1 = -1;
    for (int64_t y = y_begin; y < y_end; ++y) {
      const Tap& ty = ytaps[static_cast<size_t>(y)];
      // Consecutive output rows often share source rows; reuse the horizontal pass.
      if (ty.i0 == cached1) {
        std::swap(row0, row1);
        std::swap(cached0, cached1);
      }
      if (ty.i0 != cached0) {
        InterpolateRow(src.row(ty.i0), channels, xtaps, row0.data());
        cached0 = ty.i0;
      }
      if (ty.i1 != cached1) {
        InterpolateRow(src.row(ty.i1), channels, xtaps, row1.data());
        cached1 = ty.i1;
      }
      uint8_t* out = dst.row(static_cast<int>(y));
      for (size_t i = 0; i < row_values; ++i) {
        const int64_t v = row0[i] * ty.w0 + row1[i] * ty.w1;
        out[i] = static_cast<uint8_t>((v + half) / denom);
      }
    }
  });
  if (out_of_memory) return ResourceExhaustedError("out of memory resizing an image");
  return dst;
}

}  // namespace bgone::imaging
