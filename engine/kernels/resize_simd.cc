// Highway kernels behind resize_simd.h. Compiled once per target through foreach_target.h; this
// file is built with -ffp-contract=off (engine/CMakeLists.txt) so no multiply-add is fused and all
// targets round alike.
#include "engine/kernels/resize_simd.h"

#ifndef HWY_DISABLED_TARGETS
#define HWY_DISABLED_TARGETS (HWY_SSSE3 | HWY_SSE4)
#endif
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "engine/kernels/resize_simd.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace bgone::kernels::resize_internal {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

inline float Blend(float w11, float w12, float w21, float w22, float p11, float p12, float p21,
                   float p22) {
  return w11 * p11 + w12 * p12 + w21 * p21 + w22 * p22;
}

void Bilinear2xRowInteriorImpl(const float* r1, const float* r2, float dy1, float dy2,
                               const float* dx1, const float* dx2, int64_t i0, int64_t i1,
                               float* dst) {
  const hn::ScalableTag<float> d;
  const int64_t n = static_cast<int64_t>(hn::Lanes(d));
  const auto vdy1 = hn::Set(d, dy1), vdy2 = hn::Set(d, dy2);
  int64_t i = i0;
  for (; i + n <= i1; i += n) {
    // Columns i-1.., i.., i+1.. of both rows: even outputs read (i-1, i), odd ones (i, i+1).
    const auto a1 = hn::LoadU(d, r1 + i - 1), b1 = hn::LoadU(d, r1 + i), c1 = hn::LoadU(d, r1 + i + 1);
    const auto a2 = hn::LoadU(d, r2 + i - 1), b2 = hn::LoadU(d, r2 + i), c2 = hn::LoadU(d, r2 + i + 1);
    hn::Vec<decltype(d)> x1e, x1o, x2e, x2o;
    hn::LoadInterleaved2(d, dx1 + 2 * i, x1e, x1o);
    hn::LoadInterleaved2(d, dx2 + 2 * i, x2e, x2o);
    auto term = [&](auto wx, auto wy, auto p) { return hn::Mul(hn::Mul(wx, wy), p); };
    const auto even = hn::Add(hn::Add(hn::Add(term(x2e, vdy2, a1), term(x1e, vdy2, b1)), term(x2e, vdy1, a2)),
                              term(x1e, vdy1, b2));
    const auto odd = hn::Add(hn::Add(hn::Add(term(x2o, vdy2, b1), term(x1o, vdy2, c1)), term(x2o, vdy1, b2)),
                             term(x1o, vdy1, c2));
    hn::StoreInterleaved2(even, odd, d, dst + 2 * i);
  }
  for (; i < i1; ++i) {
    const int64_t e = 2 * i, o = 2 * i + 1;
    dst[e] = Blend(dx2[e] * dy2, dx1[e] * dy2, dx2[e] * dy1, dx1[e] * dy1, r1[i - 1], r1[i], r2[i - 1], r2[i]);
    dst[o] = Blend(dx2[o] * dy2, dx1[o] * dy2, dx2[o] * dy1, dx1[o] * dy1, r1[i], r1[i + 1], r2[i], r2[i + 1]);
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace bgone::kernels::resize_internal
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace bgone::kernels {
namespace resize_internal {
// Inside the namespace that holds the per-target copies, so the static dispatch of builds with a
// single target (WebAssembly) names them correctly too.
HWY_EXPORT(Bilinear2xRowInteriorImpl);
void Dispatch2x(const float* r1, const float* r2, float dy1, float dy2, const float* dx1,
                const float* dx2, int64_t i0, int64_t i1, float* dst) {
  HWY_DYNAMIC_DISPATCH(Bilinear2xRowInteriorImpl)(r1, r2, dy1, dy2, dx1, dx2, i0, i1, dst);
}
}  // namespace resize_internal

void Bilinear2xRowInterior(const float* r1, const float* r2, float dy1, float dy2, const float* dx1,
                           const float* dx2, int64_t i0, int64_t i1, float* dst) {
  resize_internal::Dispatch2x(r1, r2, dy1, dy2, dx1, dx2, i0, i1, dst);
}
}  // namespace bgone::kernels
#endif  // HWY_ONCE
