// The document rules file: the built-in copy parses and is sane; malformed files give errors with
// an offset or the spec and field at fault.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "imaging/passport_spec.h"

namespace bgone::imaging {
namespace {

TEST(PassportSpecTest, BuiltinFileIsSane) {
  auto specs = BuiltinPassportSpecs();
  ASSERT_TRUE(specs.ok()) << specs.status().ToString();
  EXPECT_GE(specs->size(), 15u);
  for (const char* id : {"us", "us-visa", "uk", "schengen", "de", "fr", "ca", "au", "in", "cn", "jp", "kr", "br", "mx", "ru"})
    EXPECT_TRUE(FindPassportSpec(*specs, id).ok()) << id;
  for (const PassportSpec& s : *specs) {
    SCOPED_TRACE(s.id);
    EXPECT_LT(s.head_mm.max, s.height_mm);
    EXPECT_GT(s.head_mm.min, 0.4 * s.height_mm);  // a head, not a figure
    if (s.eye_from_bottom_mm) {
      EXPECT_LT(s.eye_from_bottom_mm->max, s.height_mm);
    }
    if (s.crown_from_top_mm) {
      EXPECT_LT(s.crown_from_top_mm->max + s.head_mm.max, s.height_mm);
    }
    EXPECT_EQ(s.source.rfind("https://", 0), 0u);
    auto layout = LayoutForSpec(s, 300);
    ASSERT_TRUE(layout.ok());
    EXPECT_EQ(layout->width_px, static_cast<int>(std::lround(s.width_mm / 25.4 * 300)));
  }
  const PassportSpec us = FindPassportSpec(*specs, "us").value();
  EXPECT_DOUBLE_EQ(us.width_mm, 50.8);
  EXPECT_DOUBLE_EQ(us.head_mm.min, 25.4);
  EXPECT_EQ(LayoutForSpec(us, 300)->width_px, 600);
  EXPECT_EQ(LayoutForSpec(us, 600)->width_px, 1200);
  const PassportSpec ca = FindPassportSpec(*specs, "ca").value();
  EXPECT_DOUBLE_EQ(ca.width_mm, 50);
  EXPECT_DOUBLE_EQ(ca.height_mm, 70);
  const PassportSpec cn = FindPassportSpec(*specs, "cn").value();
  EXPECT_DOUBLE_EQ(cn.width_mm, 33);
  EXPECT_DOUBLE_EQ(cn.height_mm, 48);
  ASSERT_TRUE(cn.crown_from_top_mm.has_value());
  auto missing = FindPassportSpec(*specs, "xx");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("us-visa"), std::string::npos);  // lists the known ids
}

std::string OneSpec(const std::string& fields) {
  return R"({"specs": [{"id": "t", "name": "T", "size_mm": [35, 45], "head_mm": [32, 36],
    "background": {"hex": "#ffffff", "name": "white"}, "dpi": 300, "source": "https://example.org")" + fields + "}]}";
}

TEST(PassportSpecTest, MalformedFilesAreErrors) {
  EXPECT_TRUE(ParsePassportSpecs(OneSpec("")).ok());
  struct Bad { std::string text; std::string expect; };
  const std::string deep = std::string(1000, '[') + std::string(1000, ']');
  for (const Bad& b : {Bad{"", "unexpected end"}, Bad{"{\"specs\": [", "unexpected end"},
                       Bad{"{\"a\": \"\\q\"}", "bad escape"}, Bad{"{\"a\": \"\\ud800\"}", "surrogate"},
                       Bad{deep, "nesting"}, Bad{"{\"a\": 1, \"a\": 2}", "duplicate key"}, Bad{"{} x", "after the document"},
                       Bad{"{\"a\": 1e999}", "bad number"},
                       Bad{OneSpec(", \"eye_from_bottom_mm\": [30, 20]"), "min > max"},
                       Bad{OneSpec(", \"crown_from_top_mm\": [3, 50]"), "beyond"},
                       Bad{R"({"specs": [{"id": "t"}]})", "'name' is missing"},
                       Bad{OneSpec("").replace(OneSpec("").find("#ffffff"), 7, "#ffffzz"), "#rrggbb"},
                       Bad{OneSpec("").replace(OneSpec("").find("[35, 45]"), 8, "[35, -45]"), "positive"},
                       Bad{"{\"specs\": [" + OneSpec("").substr(11, OneSpec("").size() - 13) + ", " +
                               OneSpec("").substr(11, OneSpec("").size() - 13) + "]}",
                           "duplicate id"}}) {
    auto r = ParsePassportSpecs(b.text);
    ASSERT_FALSE(r.ok()) << b.text.substr(0, 80);
    EXPECT_NE(r.status().message().find(b.expect), std::string::npos) << r.status().message();
  }
  // Offsets: the error names where the text went wrong.
  auto r = ParsePassportSpecs("{\"specs\": [1,, 2]}");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("at byte 13"), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace bgone::imaging
