#include "imaging/matte_refine.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "imaging/work_planes.h"

namespace bgone::imaging {
namespace {

using internal::AxisTaps;
using internal::BoxMean;
using internal::Plane;

// Parameters (work-resolution pixels; colours and alpha in [0, 1]). Chosen on the alphamatting
// set and checked on the people set (docs/QUALITY.md).
constexpr float kConfidentFg = 0.95f;
constexpr float kConfidentBg = 0.05f;
constexpr int kHistogramBits = 5;  // 32 levels per channel
constexpr float kLikelihoodClamp = 4.0f;
// Both guided filters (stage 1's smoothing and stage 3) use this radius, so they share the
// photo's window statistics.
constexpr int kGuidedRadius = 12;
constexpr double kLikelihoodSmoothEps = 1e-3;
constexpr int kLocalColorRadius = 12;
// |F - B|^2 at which the local colour model gets full weight.
constexpr float kLocalColorSeparation = 0.1f;
constexpr double kGuidedEps = 1e-4;
constexpr int kSolidRadius = 8;
constexpr float kSolid = 0.97f;

// Model trust (MatteRefineOptions::trust_model), on 8-bit values (matte_refine.h says why):
// - mask 0: the result is 0; mask >= kTrustSure: the result is never below the mask;
// - mask < 128: the guided filter raises alpha by at most kTrustFilterRaise above the larger
//   of the mask and the alpha before the filter; and where kTrustLow <= mask and no confident
//   foreground lies within kTrustFarRadius work pixels, the result is never below the mask;
// - mask >= kTrustFg: the result stays foreground (>= 128, i.e. alpha > 0.5).
constexpr int kTrustLow = 8;     // 0.03
constexpr int kTrustFg = 153;    // 0.6
constexpr int kTrustSure = 248;  // 0.97
constexpr int kTrustFarRadius = 24;
constexpr float kTrustFilterRaise = 0.1f;

inline bool AllEqual(const uint8_t* p, int n, uint8_t value) {
  for (int i = 0; i < n; ++i) {
    if (p[i] != value) return false;
  }
  return true;
}

// `before_filter`: the alpha before stage 3 (after stages 1-2), in [0, 1]; 1 without stage 3.
inline int Trusted(int v, int model, bool far_from_fg, float before_filter) {
  if (model == 0) return 0;
  if (model >= kTrustSure) return std::max(v, model);
  if (model < 128) {
    const float limit = std::max(before_filter, model * (1.0f / 255.0f)) + kTrustFilterRaise;
    v = std::min<int>(v, internal::ToByte(limit));
    return model >= kTrustLow && far_from_fg ? std::max(v, model) : v;
  }
  return model >= kTrustFg ? std::max(v, 128) : v;
}

using Rgb = std::array<const Plane*, 3>;

// fn(i) for every pixel index of a work plane, spread over the pool (per-pixel work only, so
// the result does not depend on the split).
template <typename Fn>
void ForEachPixel(size_t n, ThreadPool* pool, Fn fn) {
  ParallelFor(pool, static_cast<int64_t>(n), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) fn(static_cast<size_t>(i));
  });
}

// Window means of the guide (the photo) and of its channel products, for He et al.'s colour
// guided filter: everything the filter needs from the guide alone, shared by both filters.
struct GuideStats {
  int radius = 0;
  Plane mean[3];     // E[I_c]
  Plane product[6];  // E[I_c I_d] for (c, d) = 00, 01, 02, 11, 12, 22
};

GuideStats ComputeGuideStats(const Rgb& guide, int r, ThreadPool* pool) {
  GuideStats stats;
  stats.radius = r;
  const size_t n = guide[0]->v.size();
  for (int c = 0; c < 3; ++c) BoxMean(*guide[c], r, &stats.mean[c], pool);
  Plane product(guide[0]->width, guide[0]->height, Plane::Uninitialized{});
  const int pairs[6][2] = {{0, 0}, {0, 1}, {0, 2}, {1, 1}, {1, 2}, {2, 2}};
  for (int k = 0; k < 6; ++k) {
    const Plane& u = *guide[pairs[k][0]];
    const Plane& v = *guide[pairs[k][1]];
    ForEachPixel(n, pool, [&](size_t i) { product.v[i] = u.v[i] * v.v[i]; });
    BoxMean(product, r, &stats.product[k], pool);
  }
  return stats;
}

// Coefficients of the colour guided filter, already averaged over the window: the filtered
// value at a pixel is A . I + b.
struct LinearModel {
  Plane a[3];
  Plane b;
};

LinearModel ColorGuidedFilter(const GuideStats& stats, const Rgb& guide, const Plane& p, double eps,
                              ThreadPool* pool) {
  const int r = stats.radius;
  const int w = p.width;
  const int h = p.height;
  const size_t n = p.v.size();
  Plane mean_ip[3], mean_p;
  Plane product(w, h, Plane::Uninitialized{});
  BoxMean(p, r, &mean_p, pool);
  for (int c = 0; c < 3; ++c) {
    ForEachPixel(n, pool, [&](size_t i) { product.v[i] = guide[c]->v[i] * p.v[i]; });
    BoxMean(product, r, &mean_ip[c], pool);
  }
  const Plane(&mean_i)[3] = stats.mean;
  const Plane(&mean_ii)[6] = stats.product;
  const Plane::Uninitialized uninit;
  Plane a[3] = {Plane(w, h, uninit), Plane(w, h, uninit), Plane(w, h, uninit)};
  Plane b(w, h, uninit);
  ParallelFor(pool, static_cast<int64_t>(n), [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const double mr = mean_i[0].v[i], mg = mean_i[1].v[i], mb = mean_i[2].v[i];
      const double mp = mean_p.v[i];
      // Covariance of the guide plus eps on the diagonal, and guide-input covariance.
      const double s00 = mean_ii[0].v[i] - mr * mr + eps, s01 = mean_ii[1].v[i] - mr * mg,
                   s02 = mean_ii[2].v[i] - mr * mb, s11 = mean_ii[3].v[i] - mg * mg + eps,
                   s12 = mean_ii[4].v[i] - mg * mb, s22 = mean_ii[5].v[i] - mb * mb + eps;
      const double c0 = mean_ip[0].v[i] - mr * mp, c1 = mean_ip[1].v[i] - mg * mp,
                   c2 = mean_ip[2].v[i] - mb * mp;
      // Symmetric 3x3 inverse by cofactors (positive definite thanks to eps).
      const double i00 = s11 * s22 - s12 * s12, i01 = s02 * s12 - s01 * s22,
                   i02 = s01 * s12 - s02 * s11, i11 = s00 * s22 - s02 * s02,
                   i12 = s01 * s02 - s00 * s12, i22 = s00 * s11 - s01 * s01;
      const double det = s00 * i00 + s01 * i01 + s02 * i02;
      const double inv = det > 0 ? 1.0 / det : 0.0;
      const double a0 = (i00 * c0 + i01 * c1 + i02 * c2) * inv;
      const double a1 = (i01 * c0 + i11 * c1 + i12 * c2) * inv;
      const double a2 = (i02 * c0 + i12 * c1 + i22 * c2) * inv;
      a[0].v[i] = static_cast<float>(a0);
      a[1].v[i] = static_cast<float>(a1);
      a[2].v[i] = static_cast<float>(a2);
      b.v[i] = static_cast<float>(mp - a0 * mr - a1 * mg - a2 * mb);
    }
  });
  LinearModel model;
  for (int c = 0; c < 3; ++c) BoxMean(a[c], r, &model.a[c], pool);
  BoxMean(b, r, &model.b, pool);
  return model;
}

Plane ApplyModel(const LinearModel& m, const Rgb& guide, ThreadPool* pool) {
  Plane out(m.b.width, m.b.height);
  ForEachPixel(out.v.size(), pool, [&](size_t i) {
    const float q = m.a[0].v[i] * guide[0]->v[i] + m.a[1].v[i] * guide[1]->v[i] +
                    m.a[2].v[i] * guide[2]->v[i] + m.b.v[i];
    out.v[i] = std::clamp(q, 0.0f, 1.0f);
  });
  return out;
}

inline int ColorBin(float r, float g, float b) {
  constexpr int levels = 1 << kHistogramBits;
  auto q = [](float v) { return std::clamp(static_cast<int>(v * levels), 0, levels - 1); };
  return (q(r) * levels + q(g)) * levels + q(b);
}

// Stage 1.
Plane ColorLikelihood(const GuideStats& stats, const Rgb& rgb, const Plane& alpha,
                      ThreadPool* pool) {
  constexpr int bins = 1 << (3 * kHistogramBits);
  const size_t n = alpha.v.size();
  // The bin of every pixel, then integer counts (exact in any order).
  std::vector<uint16_t> bin(n);
  ForEachPixel(n, pool, [&](size_t i) {
    bin[i] = static_cast<uint16_t>(ColorBin(rgb[0]->v[i], rgb[1]->v[i], rgb[2]->v[i]));
  });
  std::vector<uint32_t> fg(bins, 0), bg(bins, 0);
  uint64_t nf = 0, nb = 0;
  for (size_t i = 0; i < n; ++i) {
    const float a = alpha.v[i];
    if (a > kConfidentFg) {
      ++fg[bin[i]];
      ++nf;
    } else if (a < kConfidentBg) {
      ++bg[bin[i]];
      ++nb;
    }
  }
  // Log likelihood ratio with add-one smoothing, mapped to [0, 1] for the guided filter.
  std::vector<float> table(bins);
  for (int k = 0; k < bins; ++k) {
    const double pf = (fg[k] + 1.0) / (static_cast<double>(nf) + bins);
    const double pb = (bg[k] + 1.0) / (static_cast<double>(nb) + bins);
    const double l =
        std::clamp(std::log(pf / pb), -double{kLikelihoodClamp}, double{kLikelihoodClamp});
    table[k] = static_cast<float>((l + kLikelihoodClamp) / (2 * kLikelihoodClamp));
  }
  Plane llr(alpha.width, alpha.height);
  ForEachPixel(n, pool, [&](size_t i) { llr.v[i] = table[bin[i]]; });
  const Plane smooth =
      ApplyModel(ColorGuidedFilter(stats, rgb, llr, kLikelihoodSmoothEps, pool), rgb, pool);
  Plane out = alpha;
  ForEachPixel(n, pool, [&](size_t i) {
    const float a = alpha.v[i];
    if (!(a > 0.0f && a < 1.0f)) return;
    const double l = smooth.v[i] * (2.0 * kLikelihoodClamp) - kLikelihoodClamp;
    const double c = std::clamp(static_cast<double>(a), 1e-3, 1.0 - 1e-3);
    const double z = std::log(c / (1.0 - c)) + l;
    out.v[i] = static_cast<float>(1.0 / (1.0 + std::exp(-z)));
  });
  return out;
}

// Stage 2.
Plane LocalColorModel(const Rgb& rgb, const Plane& alpha, ThreadPool* pool) {
  const int w = alpha.width;
  const int h = alpha.height;
  const size_t n = alpha.v.size();
  Plane wf(w, h), wb(w, h);
  ForEachPixel(n, pool, [&](size_t i) {
    wf.v[i] = alpha.v[i] > kConfidentFg ? 1.0f : 0.0f;
    wb.v[i] = alpha.v[i] < kConfidentBg ? 1.0f : 0.0f;
  });
  Plane sf, sb, f[3], b[3];
  BoxMean(wf, kLocalColorRadius, &sf, pool);
  BoxMean(wb, kLocalColorRadius, &sb, pool);
  Plane product(w, h);
  for (int c = 0; c < 3; ++c) {
    ForEachPixel(n, pool, [&](size_t i) { product.v[i] = rgb[c]->v[i] * wf.v[i]; });
    BoxMean(product, kLocalColorRadius, &f[c], pool);
    ForEachPixel(n, pool, [&](size_t i) { product.v[i] = rgb[c]->v[i] * wb.v[i]; });
    BoxMean(product, kLocalColorRadius, &b[c], pool);
  }
  Plane out = alpha;
  ForEachPixel(n, pool, [&](size_t i) {
    const float a = alpha.v[i];
    if (!(a > 0.0f && a < 1.0f) || sf.v[i] <= 1e-3f || sb.v[i] <= 1e-3f) return;
    float d[3], e[3];
    float norm = 0, dot = 0;
    for (int c = 0; c < 3; ++c) {
      const float fc = f[c].v[i] / sf.v[i];
      const float bc = b[c].v[i] / sb.v[i];
      d[c] = fc - bc;
      e[c] = rgb[c]->v[i] - bc;
      norm += d[c] * d[c];
      dot += e[c] * d[c];
    }
    const float projected = std::clamp(dot / std::max(norm, 1e-9f), 0.0f, 1.0f);
    const float weight =
        std::min(norm / kLocalColorSeparation, 1.0f) * std::sqrt(4.0f * a * (1.0f - a));
    out.v[i] = weight * projected + (1.0f - weight) * a;
  });
  return out;
}

// 1 where no pixel of `plane` within the (2r+1)^2 window (clipped) fails `keep`, else 0: the
// window mean of the failing pixels' indicator is exactly 0 (work_planes.h: BoxMean).
template <typename Keep>
std::vector<uint8_t> WindowAll(const Plane& plane, int r, Keep keep, ThreadPool* pool) {
  Plane failing(plane.width, plane.height);
  for (size_t i = 0; i < plane.v.size(); ++i) failing.v[i] = keep(plane.v[i]) ? 0.0f : 1.0f;
  BoxMean(failing, r, &failing, pool);
  std::vector<uint8_t> all(plane.v.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = failing.v[i] == 0.0f;
  return all;
}

}  // namespace

StatusOr<Image> RefineMatte(const Image& image, const Image& mask,
                            const MatteRefineOptions& options, ThreadPool* pool) {
  BG_RETURN_IF_ERROR(internal::CheckPhotoAndMatte(image, mask, "mask", options.work_max_side));
  const int factor = internal::WorkFactor(image.width, image.height, options.work_max_side);
  BG_ASSIGN_OR_RETURN(internal::WorkImage work,
                      internal::MakeWorkImage(image, &mask, factor, pool));
  const Rgb rgb = {&work.rgb[0], &work.rgb[1], &work.rgb[2]};
  const Plane& model_alpha = work.gray;

  GuideStats stats;
  if (options.color_likelihood || options.guided_filter) {
    stats = ComputeGuideStats(rgb, kGuidedRadius, pool);
  }
  Plane alpha = model_alpha;
  if (options.color_likelihood) alpha = ColorLikelihood(stats, rgb, alpha, pool);
  if (options.local_color) alpha = LocalColorModel(rgb, alpha, pool);
  LinearModel model;
  Plane before_filter;  // stages 1-2, for model trust
  if (options.guided_filter) {
    model = ColorGuidedFilter(stats, rgb, alpha, kGuidedEps, pool);
    if (options.trust_model) before_filter = std::move(alpha);
    stats = GuideStats();  // free the window statistics before the full-resolution pass
  } else {
    for (Plane& p : model.a) p = Plane(alpha.width, alpha.height);
    model.b = std::move(alpha);
  }
  const std::vector<uint8_t> solid_fg = WindowAll(
      model_alpha, kSolidRadius, [](float v) { return v >= kSolid; }, pool);
  const std::vector<uint8_t> solid_bg = WindowAll(
      model_alpha, kSolidRadius, [](float v) { return v <= 1.0f - kSolid; }, pool);

  std::vector<uint8_t> far_from_fg;
  if (options.trust_model) {
    far_from_fg = WindowAll(
        model_alpha, kTrustFarRadius, [](float v) { return !(v > kConfidentFg); }, pool);
  }
  BG_ASSIGN_OR_RETURN(Image out, Image::Create(image.width, image.height, PixelFormat::kGray8));
  const int ww = model.b.width;
  const AxisTaps xs = internal::MakeAxisTaps(image.width, ww, factor);
  const AxisTaps ys = internal::MakeAxisTaps(image.height, model.b.height, factor);
  const int channels = image.channels();
  const int green = channels == 1 ? 0 : 1;
  const int blue = channels == 1 ? 0 : 2;
  const bool trust = options.trust_model;
  internal::ForEachRowBand(image.height, options.band_rows, pool, [&](int y0, int y1) {
    // The linear model's four coefficient planes and the alpha before the filter, interpolated
    // to the current row.
    std::vector<float> rows(static_cast<size_t>(ww) * 5);
    float* row_a[3] = {rows.data(), rows.data() + ww, rows.data() + 2 * ww};
    float* row_b = rows.data() + 3 * ww;
    float* row_before = rows.data() + 4 * ww;
    const bool has_before = !before_filter.v.empty();
    for (int y = y0; y < y1; ++y) {
      const uint8_t* px = image.row(y);
      const uint8_t* m = mask.row(y);
      uint8_t* o = out.row(y);
      const uint8_t* fg = &solid_fg[static_cast<size_t>(y / factor) * ww];
      const uint8_t* bg = &solid_bg[static_cast<size_t>(y / factor) * ww];
      const uint8_t* far = trust ? &far_from_fg[static_cast<size_t>(y / factor) * ww] : nullptr;
      bool interpolated = false;
      for (int wx = 0; wx < ww; ++wx) {
        const int x0 = wx * factor;
        const int x1 = std::min(x0 + factor, image.width);
        // Inside solid regions (and, trusting the model, wherever it is certain) the model's
        // value wins whatever the filter says.
        if ((trust || fg[wx]) && AllEqual(m + x0, x1 - x0, 255)) {
          std::fill(o + x0, o + x1, uint8_t{255});
          continue;
        }
        if ((trust || bg[wx]) && AllEqual(m + x0, x1 - x0, 0)) {
          std::fill(o + x0, o + x1, uint8_t{0});
          continue;
        }
        if (!interpolated) {
          for (int c = 0; c < 3; ++c) internal::VerticalLerp(model.a[c], ys, y, row_a[c]);
          internal::VerticalLerp(model.b, ys, y, row_b);
          if (has_before) internal::VerticalLerp(before_filter, ys, y, row_before);
          interpolated = true;
        }
        for (int x = x0; x < x1; ++x) {
          const uint8_t* p = px + static_cast<size_t>(x) * channels;
          constexpr float kInv255 = 1.0f / 255.0f;
          const float q = internal::HorizontalLerp(row_a[0], xs, x) * (p[0] * kInv255) +
                          internal::HorizontalLerp(row_a[1], xs, x) * (p[green] * kInv255) +
                          internal::HorizontalLerp(row_a[2], xs, x) * (p[blue] * kInv255) +
                          internal::HorizontalLerp(row_b, xs, x);
          int v = internal::ToByte(q);
          if (trust) {
            // Without stage 3 there is no filter to hold back.
            const float before = has_before ? internal::HorizontalLerp(row_before, xs, x) : 1.0f;
            v = Trusted(v, m[x], far[wx] != 0, before);
          }
          if (fg[wx]) v = std::max<int>(v, m[x]);
          if (bg[wx]) v = std::min<int>(v, m[x]);
          o[x] = static_cast<uint8_t>(v);
        }
      }
    }
  });
  return out;
}

StatusOr<Image> TrimapFromMatte(const Image& alpha, int low, int high, int grow) {
  BG_RETURN_IF_ERROR(ValidateImage(alpha));
  if (alpha.format != PixelFormat::kGray8) return InvalidArgumentError("alpha must be gray8");
  if (low < 0 || high > 255 || low >= high || grow < 0 || grow > 4096) {
    return InvalidArgumentError("trimap needs 0 <= low < high <= 255 and 0 <= grow <= 4096");
  }
  const int w = alpha.width;
  const int h = alpha.height;
  BG_ASSIGN_OR_RETURN(Image out, Image::Create(w, h, PixelFormat::kGray8));
  for (size_t i = 0; i < out.pixels.size(); ++i) {
    const uint8_t a = alpha.pixels[i];
    out.pixels[i] = a <= low ? 0 : (a >= high ? 255 : 128);
  }
  if (grow == 0) return out;
  // unknown_near[x] for the current row: is there an unknown pixel within grow columns? Then a
  // sliding count over rows per column. Integer counts, so exact.
  std::vector<uint8_t> near_row(static_cast<size_t>(w) * h);
  std::vector<int> prefix(static_cast<size_t>(w) + 1);
  for (int y = 0; y < h; ++y) {
    const uint8_t* row = out.row(y);
    for (int x = 0; x < w; ++x) prefix[x + 1] = prefix[x] + (row[x] == 128);
    for (int x = 0; x < w; ++x) {
      const int lo = std::max(x - grow, 0), hi = std::min(x + grow, w - 1);
      near_row[static_cast<size_t>(y) * w + x] = prefix[hi + 1] - prefix[lo] > 0;
    }
  }
  std::vector<int> count(w, 0);
  for (int y = 0; y < std::min(grow, h); ++y) {
    for (int x = 0; x < w; ++x) count[x] += near_row[static_cast<size_t>(y) * w + x];
  }
  for (int y = 0; y < h; ++y) {
    if (y + grow < h) {
      for (int x = 0; x < w; ++x) count[x] += near_row[static_cast<size_t>(y + grow) * w + x];
    }
    if (y - grow - 1 >= 0) {
      for (int x = 0; x < w; ++x) count[x] -= near_row[static_cast<size_t>(y - grow - 1) * w + x];
    }
    uint8_t* row = out.row(y);
    for (int x = 0; x < w; ++x) {
      if (count[x] > 0) row[x] = 128;
    }
  }
  return out;
}

}  // namespace bgone::imaging
