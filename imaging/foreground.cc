#include "imaging/foreground.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "imaging/work_planes.h"

namespace bgone::imaging {
namespace {

using internal::BoxMean;
using internal::Plane;

constexpr int kFirstRadius = 90;
constexpr int kSecondRadius = 6;
constexpr float kMinWeight = 1e-6f;

// The checks, then the photo and alpha reduced to the work resolution.
StatusOr<internal::WorkImage> WorkPlanes(const Image& image, const Image& alpha,
                                         const ForegroundOptions& options, ThreadPool* pool) {
  BG_RETURN_IF_ERROR(internal::CheckPhotoAndMatte(image, alpha, "alpha", options.work_max_side));
  const int factor = internal::WorkFactor(image.width, image.height, options.work_max_side);
  return internal::MakeWorkImage(image, &alpha, factor, pool);
}

// One blur-fusion step: smoothed F_s, B_s (out_f, out_b) from the current estimates f, b.
void BlurStep(const Plane (&f)[3], const Plane (&b)[3], const Plane& alpha, int r,
              Plane (&out_f)[3], Plane (&out_b)[3], ThreadPool* pool) {
  const int w = alpha.width, h = alpha.height;
  const size_t n = alpha.v.size();
  Plane inv(w, h), sa, sb, tmp(w, h), num;
  for (size_t i = 0; i < n; ++i) inv.v[i] = 1.0f - alpha.v[i];
  BoxMean(alpha, r, &sa, pool);
  BoxMean(inv, r, &sb, pool);
  for (int c = 0; c < 3; ++c) {
    for (size_t i = 0; i < n; ++i) tmp.v[i] = f[c].v[i] * alpha.v[i];
    BoxMean(tmp, r, &num, pool);
    out_f[c] = Plane(w, h, Plane::Uninitialized{});
    for (size_t i = 0; i < n; ++i) {
      out_f[c].v[i] = sa.v[i] > kMinWeight ? num.v[i] / sa.v[i] : f[c].v[i];
    }
    for (size_t i = 0; i < n; ++i) tmp.v[i] = b[c].v[i] * inv.v[i];
    BoxMean(tmp, r, &num, pool);
    out_b[c] = Plane(w, h, Plane::Uninitialized{});
    for (size_t i = 0; i < n; ++i) {
      out_b[c].v[i] = sb.v[i] > kMinWeight ? num.v[i] / sb.v[i] : b[c].v[i];
    }
  }
}

}  // namespace

StatusOr<Image> EstimateForeground(const Image& image, const Image& alpha,
                                   const ForegroundOptions& options, ThreadPool* pool) {
  BG_ASSIGN_OR_RETURN(internal::WorkImage work, WorkPlanes(image, alpha, options, pool));
  const int factor = work.factor;
  const Plane& a = work.gray;
  const size_t n = a.v.size();
  // First pass from F = B = I, then the full-resolution-style update on the work planes.
  Plane fs[3], bs[3];
  BlurStep(work.rgb, work.rgb, a, kFirstRadius, fs, bs, pool);
  Plane f1[3], b1[3];
  for (int c = 0; c < 3; ++c) {
    f1[c] = Plane(a.width, a.height, Plane::Uninitialized{});
    b1[c] = Plane(a.width, a.height, Plane::Uninitialized{});
    for (size_t i = 0; i < n; ++i) {
      const float al = a.v[i];
      const float residual = work.rgb[c].v[i] - al * fs[c].v[i] - (1.0f - al) * bs[c].v[i];
      f1[c].v[i] = std::clamp(fs[c].v[i] + al * residual, 0.0f, 1.0f);
      b1[c].v[i] = std::clamp(bs[c].v[i] + (1.0f - al) * residual, 0.0f, 1.0f);
    }
  }
  BlurStep(f1, b1, a, kSecondRadius, fs, bs, pool);

  BG_ASSIGN_OR_RETURN(Image out, Image::Create(image.width, image.height, PixelFormat::kRgb8));
  const int ww = a.width;
  const internal::AxisTaps xs = internal::MakeAxisTaps(image.width, ww, factor);
  const internal::AxisTaps ys = internal::MakeAxisTaps(image.height, a.height, factor);
  const int channels = image.channels();
  internal::ForEachRowBand(image.height, options.band_rows, pool, [&](int y0, int y1) {
    // F_s and B_s interpolated to the current row (work width), three channels each.
    std::vector<float> rows(static_cast<size_t>(ww) * 6);
    for (int y = y0; y < y1; ++y) {
      const uint8_t* px = image.row(y);
      const uint8_t* ar = alpha.row(y);
      uint8_t* o = out.row(y);
      bool interpolated = false;
      for (int x = 0; x < image.width; ++x) {
        const uint8_t* p = px + static_cast<size_t>(x) * channels;
        const uint8_t al8 = ar[x];
        if (al8 == 255) {  // opaque: the photo's colour is the subject's
          for (int c = 0; c < 3; ++c) o[3 * x + c] = channels == 1 ? p[0] : p[c];
          continue;
        }
        if (!interpolated) {
          for (int c = 0; c < 3; ++c) {
            internal::VerticalLerp(fs[c], ys, y, &rows[static_cast<size_t>(c) * ww]);
            internal::VerticalLerp(bs[c], ys, y, &rows[static_cast<size_t>(3 + c) * ww]);
          }
          interpolated = true;
        }
        const float al = al8 * (1.0f / 255.0f);
        for (int c = 0; c < 3; ++c) {
          const float f = internal::HorizontalLerp(&rows[static_cast<size_t>(c) * ww], xs, x);
          if (al8 == 0) {  // F' = F_s: the residual's weight is 0
            o[3 * x + c] = internal::ToByte(f);
            continue;
          }
          const float b = internal::HorizontalLerp(&rows[static_cast<size_t>(3 + c) * ww], xs, x);
          const uint8_t colour = channels == 1 ? p[0] : p[c];
          const float residual = colour * (1.0f / 255.0f) - al * f - (1.0f - al) * b;
          o[3 * x + c] = internal::ToByte(f + al * residual);
        }
      }
    }
  });
  return out;
}

StatusOr<Image> BlurredBackground(const Image& image, const Image& alpha,
                                  const ForegroundOptions& options, ThreadPool* pool) {
  BG_ASSIGN_OR_RETURN(internal::WorkImage work, WorkPlanes(image, alpha, options, pool));
  const int factor = work.factor;
  const int w = work.gray.width, h = work.gray.height;
  const size_t n = work.gray.v.size();
  const int radius = std::max(1, static_cast<int>(std::lround(0.015 * std::max(w, h))));
  // Normalised convolution: blur(I (1 - a)) / blur(1 - a), with a little of the plain blur mixed
  // in where the subject covers the whole window.
  constexpr float kPlainWeight = 0.02f;
  auto blur3 = [&](Plane p) {
    Plane t;
    for (int k = 0; k < 3; ++k) {
      BoxMean(p, radius, &t, pool);
      std::swap(p, t);
    }
    return p;
  };
  Plane weight(w, h);
  for (size_t i = 0; i < n; ++i) weight.v[i] = 1.0f - work.gray.v[i];
  const Plane den = blur3(weight);
  Plane colour[3];
  for (int c = 0; c < 3; ++c) {
    Plane num(w, h);
    for (size_t i = 0; i < n; ++i) num.v[i] = work.rgb[c].v[i] * weight.v[i];
    num = blur3(std::move(num));
    const Plane plain = blur3(work.rgb[c]);
    colour[c] = Plane(w, h, Plane::Uninitialized{});
    for (size_t i = 0; i < n; ++i) {
      colour[c].v[i] = (num.v[i] + kPlainWeight * plain.v[i]) / (den.v[i] + kPlainWeight);
    }
  }
  BG_ASSIGN_OR_RETURN(Image out, Image::Create(image.width, image.height, PixelFormat::kRgb8));
  const internal::AxisTaps xs = internal::MakeAxisTaps(image.width, w, factor);
  const internal::AxisTaps ys = internal::MakeAxisTaps(image.height, h, factor);
  internal::ForEachRowBand(image.height, options.band_rows, pool, [&](int y0, int y1) {
    std::vector<float> rows(static_cast<size_t>(w) * 3);
    for (int y = y0; y < y1; ++y) {
      for (int c = 0; c < 3; ++c) {
        internal::VerticalLerp(colour[c], ys, y, &rows[static_cast<size_t>(c) * w]);
      }
      uint8_t* o = out.row(y);
      for (int x = 0; x < image.width; ++x) {
        for (int c = 0; c < 3; ++c) {
          o[3 * x + c] =
              internal::ToByte(internal::HorizontalLerp(&rows[static_cast<size_t>(c) * w], xs, x));
        }
      }
    }
  });
  return out;
}

}  // namespace bgone::imaging
