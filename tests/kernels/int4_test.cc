// UnpackInt4 (engine/kernels/int4.h) against its scalar reference on every Highway target this
// CPU runs: all 256 byte values, lengths around the vector widths, odd counts.
#include "engine/kernels/int4.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "hwy/targets.h"

namespace bgone::kernels {
namespace {

TEST(UnpackInt4Test, ScalarReferenceFollowsTheOnnxLayout) {
  // 0x8F: low nibble 0xF (-1 signed, 15 unsigned) first, then high nibble 0x8 (-8, 8).
  const uint8_t src[] = {0x8F, 0x70, 0x01};
  uint8_t out[5];
  UnpackInt4Scalar(src, 5, true, out);
  EXPECT_EQ(static_cast<int8_t>(out[0]), -1);
  EXPECT_EQ(static_cast<int8_t>(out[1]), -8);
  EXPECT_EQ(static_cast<int8_t>(out[2]), 0);
  EXPECT_EQ(static_cast<int8_t>(out[3]), 7);
  EXPECT_EQ(static_cast<int8_t>(out[4]), 1);
  UnpackInt4Scalar(src, 5, false, out);
  EXPECT_EQ(out[0], 15);
  EXPECT_EQ(out[1], 8);
  EXPECT_EQ(out[3], 7);
}

TEST(UnpackInt4Test, EveryTargetMatchesTheScalarReference) {
  std::mt19937 rng(4);
  std::vector<uint8_t> src(1000);
  for (size_t i = 0; i < 256; ++i) src[i] = static_cast<uint8_t>(i);
  for (size_t i = 256; i < src.size(); ++i) src[i] = static_cast<uint8_t>(rng());
  const std::vector<int64_t> targets = hwy::SupportedAndGeneratedTargets();
  ASSERT_FALSE(targets.empty());
  for (int64_t target : targets) {
    hwy::SetSupportedTargetsForTest(target);
    for (bool is_signed : {true, false}) {
      for (uint64_t n : {0, 1, 2, 31, 32, 33, 63, 64, 65, 127, 128, 129, 257, 511, 512, 1999, 2000}) {
        std::vector<uint8_t> want(n + 1, 0xEE), got(n + 1, 0xEE);
        UnpackInt4Scalar(src.data(), n, is_signed, want.data());
        UnpackInt4(src.data(), n, is_signed, got.data());
        ASSERT_EQ(got, want) << hwy::TargetName(target) << " n=" << n << " signed=" << is_signed;
      }
    }
  }
  hwy::SetSupportedTargetsForTest(0);
}

}  // namespace
}  // namespace bgone::kernels
