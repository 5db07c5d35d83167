// Float planes at a bounded "work" resolution, shared by matte refinement and foreground
// estimation. Expensive neighbourhood filters run on these planes (at most
// kDefaultWorkMaxSide pixels on the longest side, so memory and time do not grow with the photo);
// per-pixel formulas then run at full resolution, reading the planes through bilinear
// interpolation. Internal to imaging/.
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "engine/common/status.h"
#include "engine/runtime/thread_pool.h"
#include "imaging/image.h"

namespace bgone::imaging::internal {

inline constexpr int kDefaultWorkMaxSide = 1280;

// Like std::allocator, but value-initialisation (`vector(n)`) leaves floats uninitialised: the
// planes below are mostly written in full right after allocation, and zero-filling megabytes
// first costs a pass over memory.
template <typename T>
struct NoInitAllocator : std::allocator<T> {
  template <typename U>
  struct rebind {
    using other = NoInitAllocator<U>;
  };
  NoInitAllocator() = default;
  template <typename U>
  NoInitAllocator(const NoInitAllocator<U>&) noexcept {}
  template <typename U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <typename U, typename... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

struct Plane {
  struct Uninitialized {};
  int width = 0;
  int height = 0;
  std::vector<float, NoInitAllocator<float>> v;
  Plane() = default;
  Plane(int w, int h, float fill = 0.0f)
      : width(w), height(h), v(static_cast<size_t>(w) * static_cast<size_t>(h), fill) {}
  // For planes the caller writes in full.
  Plane(int w, int h, Uninitialized)
      : width(w), height(h), v(static_cast<size_t>(w) * static_cast<size_t>(h)) {}
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
// pixels the clipped window holds). Window sums slide in double along each row, then down each
// column, in a fixed order (independent of the thread count); sums of 0/1 planes stay exact, so
// a mean of exactly 0 means "no nonzero pixel in the window". `out` may be `&in`.
void BoxMean(const Plane& in, int r, Plane* out, ThreadPool* pool);

// Bilinear lookup of work planes at full-resolution pixel positions (half-pixel centres: full
// pixel x sits at work coordinate (x + 0.5) / f - 0.5, clamped to the plane): per axis, the two
// neighbouring work indices and the weight of the second.
struct AxisTaps {
  std::vector<int> i0, i1;
  std::vector<float> t;  // weight of i1
};
AxisTaps MakeAxisTaps(int full_size, int work_size, int factor);

// One full-resolution row y of a work plane, interpolated vertically (still at work width):
// out[j] = p(j, ys.i0[y]) + ys.t[y] * (p(j, ys.i1[y]) - p(j, ys.i0[y])). Then HorizontalLerp
// finishes the bilinear lookup per pixel.
inline void VerticalLerp(const Plane& p, const AxisTaps& ys, int y, float* out) {
  const float* r0 = &p.v[static_cast<size_t>(ys.i0[y]) * p.width];
  const float* r1 = &p.v[static_cast<size_t>(ys.i1[y]) * p.width];
  const float t = ys.t[y];
  for (int j = 0; j < p.width; ++j) out[j] = r0[j] + t * (r1[j] - r0[j]);
}
inline float HorizontalLerp(const float* row, const AxisTaps& xs, int x) {
  const float a = row[xs.i0[x]];
  return a + xs.t[x] * (row[xs.i1[x]] - a);
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
