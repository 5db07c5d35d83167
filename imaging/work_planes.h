// Float planes at a bounded "work" resolution, shared by matte refinement and foreground
// estimation. Expensive neighbourhood filters run on these planes (at most
// kDefaultWorkMaxSide pixels on the longest side, so memory and time do not grow with the photo);
// per-pixel formulas then run at full resolution, reading the planes through bilinear
// interpolation. Internal to imaging/.
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "engine/common/status.h"
#include "engine/runtime/thread_pool.h"
#include "imaging/image.h"

namespace bgone::imaging::internal {

inline constexpr int kDefaultWorkMaxSide = 1280;

struct Plane {
  int width = 0;
  int height = 0;
  std::vector<float> v;
  Plane() = default;
  Plane(int w, int h, float fill = 0.0f)
      : width(w), height(h), v(static_cast<size_t>(w) * static_cast<size_t>(h), fill) {}
  float& at(int x, int y) { return v[static_cast<size_t>(y) * width + x]; }
  float at(int x, int y) const { return v[static_cast<size_t>(y) * width + x]; }
};

// Checks a photo and its matte (mask or alpha; `what` names it in the message) for the
// refinement and foreground functions: both valid, the matte Gray8 of the photo's size, and
// work_max_side >= 64.
Status CheckPhotoAndMatte(const Image& image, const Image& matte, const char* what,
                          int work_max_side);

// The integer block size f >= 1 such that ceil(max(w, h) / f) <= max_side.
int WorkFactor(int width, int height, int max_side);

// Area average over f x f blocks (partial blocks at the right and bottom average what they
// cover) of the colour channels (r, g, b in [0, 1]; gray counts as r = g = b) and, when `gray`
// is non-null, of a Gray8 image of the same size (in [0, 1]). Streams over the rows once.
struct WorkImage {
  int factor = 1;
  Plane rgb[3];
  Plane gray;
};
StatusOr<WorkImage> MakeWorkImage(const Image& image, const Image* gray, int factor,
                                  ThreadPool* pool);

// out = mean over the (2r+1)^2 window clipped to the plane (each mean divides by the number of
// pixels the clipped window holds). Sums run in double over prefix sums, in a fixed order.
void BoxMean(const Plane& in, int r, Plane* out, ThreadPool* pool);

// Bilinear lookup of work planes at full-resolution pixel positions (half-pixel centres: full
// pixel x sits at work coordinate (x + 0.5) / f - 0.5, clamped to the plane).
struct AxisTaps {
  std::vector<int> i0, i1;
  std::vector<float> t;  // weight of i1
};
AxisTaps MakeAxisTaps(int full_size, int work_size, int factor);

inline float Bilerp(const Plane& p, const AxisTaps& xs, const AxisTaps& ys, int x, int y) {
  const float* r0 = &p.v[static_cast<size_t>(ys.i0[y]) * p.width];
  const float* r1 = &p.v[static_cast<size_t>(ys.i1[y]) * p.width];
  const int x0 = xs.i0[x], x1 = xs.i1[x];
  const float tx = xs.t[x], ty = ys.t[y];
  const float top = r0[x0] + tx * (r0[x1] - r0[x0]);
  const float bottom = r1[x0] + tx * (r1[x1] - r1[x0]);
  return top + ty * (bottom - top);
}

// Runs fn(y_begin, y_end) over row bands of `band_rows` rows (0 = one band for all rows), the
// bands spread over `pool`. Per-pixel work done this way gives the same bytes for every band
// height and thread count.
void ForEachRowBand(int height, int band_rows, ThreadPool* pool,
                    const std::function<void(int, int)>& fn);

inline uint8_t ToByte(float v) {
  if (!(v > 0.0f)) return 0;
  if (v >= 1.0f) return 255;
  return static_cast<uint8_t>(static_cast<int>(v * 255.0f + 0.5f));
}

}  // namespace bgone::imaging::internal
