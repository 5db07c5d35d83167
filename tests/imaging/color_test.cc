#include "imaging/color.h"

#include <gtest/gtest.h>

namespace bgone::imaging {
namespace {

TEST(ColorTest, ParsesHexForms) {
  EXPECT_EQ(*ParseColor("#ffffff"), (Rgb8{255, 255, 255}));
  EXPECT_EQ(*ParseColor("#FF8000"), (Rgb8{255, 128, 0}));
  EXPECT_EQ(*ParseColor("#0a0B0c"), (Rgb8{10, 11, 12}));
  EXPECT_EQ(*ParseColor("#f80"), (Rgb8{255, 136, 0}));
  EXPECT_EQ(*ParseColor("#000"), (Rgb8{0, 0, 0}));
}

TEST(ColorTest, ParsesNamesCaseInsensitively) {
  EXPECT_EQ(*ParseColor("white"), (Rgb8{255, 255, 255}));
  EXPECT_EQ(*ParseColor("Black"), (Rgb8{0, 0, 0}));
  EXPECT_EQ(*ParseColor("RED"), (Rgb8{255, 0, 0}));
  EXPECT_EQ(*ParseColor("green"), (Rgb8{0, 128, 0}));
  EXPECT_EQ(*ParseColor("blue"), (Rgb8{0, 0, 255}));
  EXPECT_EQ(*ParseColor("gray"), (Rgb8{128, 128, 128}));
  EXPECT_EQ(*ParseColor("grey"), (Rgb8{128, 128, 128}));
  EXPECT_EQ(*ParseColor("magenta"), (Rgb8{255, 0, 255}));
}

TEST(ColorTest, RejectsGarbage) {
  for (const char* bad : {"", "#", "#ff", "#ffff", "#fffffff", "#ggg", "ffffff", " white", "whitey",
                          "#12345z", "rgb(1,2,3)"}) {
    auto c = ParseColor(bad);
    EXPECT_FALSE(c.ok()) << bad;
    if (!c.ok()) {
      EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
    }
  }
}

TEST(ColorTest, FormatsRoundTrip) {
  EXPECT_EQ(FormatColor(Rgb8{255, 0, 16}), "#ff0010");
  EXPECT_EQ(*ParseColor(FormatColor(Rgb8{1, 2, 3})), (Rgb8{1, 2, 3}));
}

}  // namespace
}  // namespace bgone::imaging
