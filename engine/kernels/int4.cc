// Highway kernel behind int4.h. Compiled once per target through foreach_target.h.
#include "engine/kernels/int4.h"

#ifndef HWY_DISABLED_TARGETS
#define HWY_DISABLED_TARGETS (HWY_SSSE3 | HWY_SSE4)
#endif
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "engine/kernels/int4.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
#include "hwy/highway.h"

HWY_BEFORE_NAMESPACE();
namespace bgone::kernels::int4_internal {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

void UnpackInt4Impl(const uint8_t* HWY_RESTRICT src, uint64_t n, bool is_signed,
                    uint8_t* HWY_RESTRICT dst) {
  const hn::ScalableTag<uint8_t> d;
  const uint64_t lanes = hn::Lanes(d);
  const auto low = hn::Set(d, 0x0F);
  // (v ^ 8) - 8 modulo 256 sign-extends a nibble; with 0 it leaves it as it is.
  const auto flip = hn::Set(d, static_cast<uint8_t>(is_signed ? 0x08 : 0x00));
  const uint64_t bytes = n / 2;
  uint64_t b = 0;
  for (; b + lanes <= bytes; b += lanes) {
    const auto v = hn::LoadU(d, src + b);
    const auto lo = hn::Sub(hn::Xor(hn::And(v, low), flip), flip);
    const auto hi = hn::Sub(hn::Xor(hn::ShiftRight<4>(v), flip), flip);
    hn::StoreInterleaved2(lo, hi, d, dst + 2 * b);
  }
  UnpackInt4Scalar(src + b, n - 2 * b, is_signed, dst + 2 * b);
}

}  // namespace HWY_NAMESPACE
}  // namespace bgone::kernels::int4_internal
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace bgone::kernels {
namespace int4_internal {
HWY_EXPORT(UnpackInt4Impl);
void Dispatch(const uint8_t* src, uint64_t n, bool is_signed, uint8_t* dst) {
  HWY_DYNAMIC_DISPATCH(UnpackInt4Impl)(src, n, is_signed, dst);
}
}  // namespace int4_internal

void UnpackInt4(const uint8_t* src, uint64_t n, bool is_signed, uint8_t* dst) {
  int4_internal::Dispatch(src, n, is_signed, dst);
}

void UnpackInt4Scalar(const uint8_t* src, uint64_t n, bool is_signed, uint8_t* dst) {
  const uint8_t flip = is_signed ? 0x08 : 0x00;
  for (uint64_t i = 0; i < n; ++i) {
    const uint8_t nibble = (i % 2 == 0) ? (src[i / 2] & 0x0F) : (src[i / 2] >> 4);
    dst[i] = static_cast<uint8_t>((nibble ^ flip) - flip);
  }
}
}  // namespace bgone::kernels
#endif  // HWY_ONCE
