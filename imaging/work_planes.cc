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

namespace {

// Sums of f consecutive pixels of one row into `sums` (4 per work pixel: r, g, b, gray), added
// to what is there. Specialised per channel count so the inner loops stay simple.
template <int kChannels>
void AddRowSums(const uint8_t* row, const uint8_t* gray_row, int width, int factor,
                uint32_t* sums) {
  const int ww = (width + factor - 1) / factor;
  for (int wx = 0; wx < ww; ++wx) {
    const int x0 = wx * factor;
    const int x1 = std::min(x0 + factor, width);
    uint32_t r = 0, g = 0, b = 0;
    const uint8_t* px = row + static_cast<size_t>(x0) * kChannels;
    for (int x = x0; x < x1; ++x, px += kChannels) {
      r += px[0];
      if constexpr (kChannels == 1) {
        g += px[0];
        b += px[0];
      } else {
        g += px[1];
        b += px[2];
      }
    }
    uint32_t* s = sums + static_cast<size_t>(wx) * 4;
    s[0] += r;
    s[1] += g;
    s[2] += b;
    if (gray_row != nullptr) {
      uint32_t m = 0;
      for (int x = x0; x < x1; ++x) m += gray_row[x];
      s[3] += m;
    }
  }
}

}  // namespace

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
  for (Plane& p : work.rgb) p = Plane(ww, wh, Plane::Uninitialized{});
  if (gray != nullptr) work.gray = Plane(ww, wh, Plane::Uninitialized{});
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
        switch (channels) {
          case 1:
            AddRowSums<1>(row, grow, image.width, factor, sums.data());
            break;
          case 3:
            AddRowSums<3>(row, grow, image.width, factor, sums.data());
            break;
          default:
            AddRowSums<4>(row, grow, image.width, factor, sums.data());
            break;
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
  Plane result(w, h, Plane::Uninitialized{});
  // Rows are processed in fixed blocks (their size depends on r only). Within a block, column
  // sums over the window's rows slide down in double, and each row's horizontal window sums are
  // differences of a running prefix sum of those column sums. Every value thus follows the same
  // sequence of operations whatever the thread count, and sums of integer-valued planes are
  // exact. Four rows at a time keep four independent prefix chains in flight.
  const int block = std::max(64, 4 * (2 * r + 1));
  const int64_t blocks = (h + block - 1) / block;
  constexpr int kRows = 4;
  ParallelFor(pool, blocks, [&](int64_t begin, int64_t end) {
    std::vector<double> col(static_cast<size_t>(kRows) * w);
    std::vector<double> prefix(static_cast<size_t>(kRows) * (w + 1));
    auto slide = [&](const double* from, int y, double* to) {  // column sums of row y + 1
      const float* add = y + r + 1 < h ? &in.v[static_cast<size_t>(y + r + 1) * w] : nullptr;
      const float* sub = y - r >= 0 ? &in.v[static_cast<size_t>(y - r) * w] : nullptr;
      for (int x = 0; x < w; ++x) {
        double v = from[x];
        if (add != nullptr) v += add[x];
        if (sub != nullptr) v -= sub[x];
        to[x] = v;
      }
    };
    for (int64_t b = begin; b < end; ++b) {
      const int y0 = static_cast<int>(b) * block;
      const int y1 = std::min(y0 + block, h);
      double* col0 = col.data();
      std::fill(col0, col0 + w, 0.0);
      for (int y = std::max(y0 - r, 0); y <= std::min(y0 + r, h - 1); ++y) {
        const float* src = &in.v[static_cast<size_t>(y) * w];
        for (int x = 0; x < w; ++x) col0[x] += src[x];
      }
      for (int y = y0; y < y1; y += kRows) {
        const int rows = std::min(kRows, y1 - y);
        for (int k = 1; k < rows; ++k) {
          slide(&col[static_cast<size_t>(k - 1) * w], y + k - 1, &col[static_cast<size_t>(k) * w]);
        }
        // Prefix sums of the rows' column sums, interleaved.
        double run[kRows] = {};
        for (int k = 0; k < kRows; ++k) prefix[static_cast<size_t>(k) * (w + 1)] = 0.0;
        for (int x = 0; x < w; ++x) {
          for (int k = 0; k < rows; ++k) {
            run[k] += col[static_cast<size_t>(k) * w + x];
            prefix[static_cast<size_t>(k) * (w + 1) + x + 1] = run[k];
          }
        }
        for (int k = 0; k < rows; ++k) {
          const int yy = y + k;
          const int rows_in = std::min(yy + r, h - 1) - std::max(yy - r, 0) + 1;
          const double* pre = &prefix[static_cast<size_t>(k) * (w + 1)];
          float* dst = &result.v[static_cast<size_t>(yy) * w];
          const int inner_lo = std::min(r, w);             // first x whose window starts at x - r
          const int inner_hi = std::max(w - r, inner_lo);  // first x whose window is clipped right
          auto edge = [&](int x) {
            const int lo = std::max(x - r, 0);
            const int hi = std::min(x + r, w - 1);
            dst[x] = static_cast<float>((pre[hi + 1] - pre[lo]) /
                                        (static_cast<double>(hi - lo + 1) * rows_in));
          };
          for (int x = 0; x < inner_lo; ++x) edge(x);
          const double inv = 1.0 / (static_cast<double>(2 * r + 1) * rows_in);
          for (int x = inner_lo; x < inner_hi; ++x) {
            dst[x] = static_cast<float>((pre[x + r + 1] - pre[x - r]) * inv);
          }
          for (int x = inner_hi; x < w; ++x) edge(x);
        }
        if (y + rows < y1) slide(&col[static_cast<size_t>(rows - 1) * w], y + rows - 1, col0);
      }
    }
  });
  *out = std::move(result);
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
