#include "imaging/work_planes.h"

#include <algorithm>
#include <string>

namespace bgone::imaging::internal {

Status CheckPhotoAndMatte(const Image& image, const Image& matte, const char* what,
                          int work_max_side) {
  BG_RETURN_IF_ERROR(ValidateImage(image));
  BG_RETURN_IF_ERROR(ValidateImage(matte));
  if (matte.format != PixelFormat::kGray8 || matte.width != image.width ||
      matte.height != image.height) {
    return InvalidArgumentError(std::string(what) + " must be gray8 with the size of the image (" +
                                std::to_string(image.width) + "x" + std::to_string(image.height) +
                                ")");
  }
  if (work_max_side < 64) {
    return InvalidArgumentError("work_max_side must be at least 64, got " +
                                std::to_string(work_max_side));
  }
  return OkStatus();
}

int WorkFactor(int width, int height, int max_side) {
  const int side = std::max(width, height);
  if (max_side <= 0 || side <= max_side) return 1;
  return (side + max_side - 1) / max_side;
}

StatusOr<WorkImage> MakeWorkImage(const Image& image, const Image* gray, int factor,
                                  ThreadPool* pool) {
  BG_RETURN_IF_ERROR(ValidateImage(image));
  if (factor < 1) return InvalidArgumentError("work factor must be >= 1");
  if (gray != nullptr) {
    BG_RETURN_IF_ERROR(ValidateImage(*gray));
    if (gray->format != PixelFormat::kGray8 || gray->width != image.width ||
        gray->height != image.height) {
      return InvalidArgumentError("mask must be gray8 with the size of the image");
    }
  }
  const int ww = (image.width + factor - 1) / factor;
  const int wh = (image.height + factor - 1) / factor;
  WorkImage work;
  work.factor = factor;
  for (Plane& p : work.rgb) p = Plane(ww, wh);
  if (gray != nullptr) work.gray = Plane(ww, wh);
  const int channels = image.channels();
  ParallelFor(pool, wh, [&](int64_t begin, int64_t end) {
    std::vector<uint32_t> sums(static_cast<size_t>(ww) * 4);
    for (int wy = static_cast<int>(begin); wy < end; ++wy) {
      std::fill(sums.begin(), sums.end(), 0u);
      const int y0 = wy * factor;
      const int y1 = std::min(y0 + factor, image.height);
      for (int y = y0; y < y1; ++y) {
        const uint8_t* row = image.row(y);
        const uint8_t* grow = gray != nullptr ? gray->row(y) : nullptr;
        for (int x = 0; x < image.width; ++x) {
          uint32_t* s = &sums[static_cast<size_t>(x / factor) * 4];
          const uint8_t* px = row + static_cast<size_t>(x) * channels;
          if (channels == 1) {
            s[0] += px[0];
            s[1] += px[0];
            s[2] += px[0];
          } else {
            s[0] += px[0];
            s[1] += px[1];
            s[2] += px[2];
          }
          if (grow != nullptr) s[3] += grow[x];
        }
      }
      for (int wx = 0; wx < ww; ++wx) {
        const int x0 = wx * factor;
        const int count = (std::min(x0 + factor, image.width) - x0) * (y1 - y0);
        const float scale = 1.0f / (255.0f * static_cast<float>(count));
        const uint32_t* s = &sums[static_cast<size_t>(wx) * 4];
        for (int c = 0; c < 3; ++c) work.rgb[c].at(wx, wy) = static_cast<float>(s[c]) * scale;
        if (gray != nullptr) work.gray.at(wx, wy) = static_cast<float>(s[3]) * scale;
      }
    }
  });
  return work;
}

void BoxMean(const Plane& in, int r, Plane* out, ThreadPool* pool) {
  const int w = in.width;
  const int h = in.height;
  Plane horizontal(w, h);
  ParallelFor(pool, h, [&](int64_t begin, int64_t end) {
    std::vector<double> prefix(static_cast<size_t>(w) + 1);
    for (int64_t y = begin; y < end; ++y) {
      const float* src = &in.v[static_cast<size_t>(y) * w];
      prefix[0] = 0.0;
      for (int x = 0; x < w; ++x) prefix[x + 1] = prefix[x] + src[x];
      float* dst = &horizontal.v[static_cast<size_t>(y) * w];
      for (int x = 0; x < w; ++x) {
        const int lo = std::max(x - r, 0);
        const int hi = std::min(x + r, w - 1);
        dst[x] = static_cast<float>((prefix[hi + 1] - prefix[lo]) / (hi - lo + 1));
      }
    }
  });
  *out = Plane(w, h);
  // Column prefix sums, one column range per task; each column is summed top to bottom.
  std::vector<double> prefix(static_cast<size_t>(w) * (h + 1));
  ParallelFor(pool, w, [&](int64_t begin, int64_t end) {
    for (int64_t x = begin; x < end; ++x) prefix[x] = 0.0;
    for (int y = 0; y < h; ++y) {
      const double* above = &prefix[static_cast<size_t>(y) * w];
      double* here = &prefix[static_cast<size_t>(y + 1) * w];
      const float* src = &horizontal.v[static_cast<size_t>(y) * w];
      for (int64_t x = begin; x < end; ++x) here[x] = above[x] + src[x];
    }
  });
  ParallelFor(pool, h, [&](int64_t begin, int64_t end) {
    for (int64_t y = begin; y < end; ++y) {
      const int lo = std::max(static_cast<int>(y) - r, 0);
      const int hi = std::min(static_cast<int>(y) + r, h - 1);
      const double* top = &prefix[static_cast<size_t>(lo) * w];
      const double* bottom = &prefix[static_cast<size_t>(hi + 1) * w];
      const double n = hi - lo + 1;
      float* dst = &out->v[static_cast<size_t>(y) * w];
      for (int x = 0; x < w; ++x) dst[x] = static_cast<float>((bottom[x] - top[x]) / n);
    }
  });
}

AxisTaps MakeAxisTaps(int full_size, int work_size, int factor) {
  AxisTaps taps;
  taps.i0.resize(full_size);
  taps.i1.resize(full_size);
  taps.t.resize(full_size);
  for (int x = 0; x < full_size; ++x) {
    if (factor == 1) {
      taps.i0[x] = taps.i1[x] = std::min(x, work_size - 1);
      taps.t[x] = 0.0f;
      continue;
    }
    // Work pixel j is centred on full coordinate (j + 0.5) * f - 0.5.
    double s = (x + 0.5) / factor - 0.5;
    s = std::clamp(s, 0.0, static_cast<double>(work_size - 1));
    const int i0 = static_cast<int>(s);
    taps.i0[x] = i0;
    taps.i1[x] = std::min(i0 + 1, work_size - 1);
    taps.t[x] = static_cast<float>(s - i0);
  }
  return taps;
}

void ForEachRowBand(int height, int band_rows, ThreadPool* pool,
                    const std::function<void(int, int)>& fn) {
  const int rows = band_rows <= 0 ? height : band_rows;
  const int64_t bands = (height + rows - 1) / rows;
  ParallelFor(pool, bands, [&](int64_t begin, int64_t end) {
    for (int64_t b = begin; b < end; ++b) {
      const int y0 = static_cast<int>(b) * rows;
      fn(y0, std::min(y0 + rows, height));
    }
  });
}

}  // namespace bgone::imaging::internal
