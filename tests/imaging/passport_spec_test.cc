// imaging/passport_specs.json as built in, and the reader behind it: the documents' numbers stay
// inside their photos, the known official sizes are there, and damaged or hostile JSON gives an
// error naming the byte offset (or the spec and field) instead of crashing.
// (tests/faces/passport_spec_test.cc covers the composer layouts made from the specs.)
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "imaging/passport_spec.h"

namespace bgone::imaging {
namespace {

std::vector<PassportSpec> Builtin() {
  auto specs = ParsePassportSpecs(BuiltinPassportSpecsJson());
  EXPECT_TRUE(specs.ok()) << specs.status().ToString();
  return specs.ok() ? *specs : std::vector<PassportSpec>();
}

const PassportSpec& Get(const std::vector<PassportSpec>& specs, std::string_view id) {
  for (const PassportSpec& s : specs)
    if (s.id == id) return s;
  ADD_FAILURE() << "no spec " << id;
  static const PassportSpec kNone;
  return kNone;
}

TEST(PassportSpecJsonTest, BuiltinFileParsesWithTheRequiredDocuments) {
  ASSERT_FALSE(BuiltinPassportSpecsJson().empty());
  const std::vector<PassportSpec> specs = Builtin();
  EXPECT_GE(specs.size(), 15u);
  for (const char* id : {"us", "us-visa", "uk", "schengen", "de", "fr", "ca", "au", "in", "cn", "jp", "kr", "br", "mx", "ru"})
    EXPECT_TRUE(FindPassportSpec(specs, id).ok()) << id;
  std::set<std::string> ids;
  for (const PassportSpec& s : specs) EXPECT_TRUE(ids.insert(s.id).second) << s.id;
}

TEST(PassportSpecJsonTest, EveryRangeFitsInsideItsPhoto) {
  const std::set<std::string> kBackgroundWords = {"white", "off-white", "light grey", "light blue"};
  for (const PassportSpec& s : Builtin()) {
    SCOPED_TRACE(s.id);
    EXPECT_FALSE(s.name.empty());
    EXPECT_GT(s.width_mm, 0);
    EXPECT_GT(s.height_mm, 0);
    EXPECT_GT(s.head_mm.min, 0);
    EXPECT_LE(s.head_mm.min, s.head_mm.max);
    EXPECT_LT(s.head_mm.max, s.height_mm);
    if (s.eye_from_bottom_mm) {
      EXPECT_LE(s.eye_from_bottom_mm->min, s.eye_from_bottom_mm->max);
      EXPECT_LT(s.eye_from_bottom_mm->max, s.height_mm);
      // The eye line sits inside the head: the lowest eye line is above the chin of the smallest
      // head placed as low as the photo allows.
      EXPECT_GT(s.eye_from_bottom_mm->min, 0);
    }
    if (s.crown_from_top_mm) {
      EXPECT_LE(s.crown_from_top_mm->min, s.crown_from_top_mm->max);
      // Some head size in range fits below some margin in range.
      EXPECT_LT(s.crown_from_top_mm->min + s.head_mm.min, s.height_mm);
    }
    EXPECT_TRUE(kBackgroundWords.count(s.background_name)) << s.background_name;
    EXPECT_EQ(s.dpi, 300);
    EXPECT_EQ(s.source.rfind("https://", 0), 0u) << s.source;
    EXPECT_FALSE(s.source_note.empty());
    if (s.max_width_px) {
      EXPECT_LE(s.min_width_px, s.max_width_px);
      EXPECT_LE(s.min_height_px, s.max_height_px);
    }
    if (s.max_kb) {
      EXPECT_LE(s.min_kb, s.max_kb);
    }
  }
}

TEST(PassportSpecJsonTest, KnownOfficialValues) {
  const std::vector<PassportSpec> specs = Builtin();
  const PassportSpec& us = Get(specs, "us");  // 2 x 2 in, head 1 to 1 3/8 in
  EXPECT_DOUBLE_EQ(us.width_mm, 50.8);
  EXPECT_DOUBLE_EQ(us.height_mm, 50.8);
  EXPECT_DOUBLE_EQ(us.head_mm.min, 25.4);
  EXPECT_NEAR(us.head_mm.max, 35.0, 0.1);
  EXPECT_LE(us.head_mm.max, 1.375 * 25.4);
  ASSERT_TRUE(us.eye_from_bottom_mm.has_value());
  EXPECT_GE(us.eye_from_bottom_mm->min, 1.125 * 25.4);

  const PassportSpec& visa = Get(specs, "us-visa");  // 600-1200 px square JPEG up to 240 kB
  EXPECT_EQ(visa.min_width_px, 600);
  EXPECT_EQ(visa.max_height_px, 1200);
  EXPECT_EQ(visa.max_kb, 240);
  EXPECT_EQ(visa.digital_format, "jpeg");

  const PassportSpec& ca = Get(specs, "ca");
  EXPECT_DOUBLE_EQ(ca.width_mm, 50);
  EXPECT_DOUBLE_EQ(ca.height_mm, 70);
  EXPECT_DOUBLE_EQ(ca.head_mm.min, 31);
  EXPECT_DOUBLE_EQ(ca.head_mm.max, 36);

  const PassportSpec& cn = Get(specs, "cn");
  EXPECT_DOUBLE_EQ(cn.width_mm, 33);
  EXPECT_DOUBLE_EQ(cn.height_mm, 48);
  EXPECT_DOUBLE_EQ(cn.head_mm.min, 28);
  EXPECT_DOUBLE_EQ(cn.head_mm.max, 33);
  ASSERT_TRUE(cn.crown_from_top_mm.has_value());
  EXPECT_DOUBLE_EQ(cn.crown_from_top_mm->min, 3);
  EXPECT_DOUBLE_EQ(cn.crown_from_top_mm->max, 5);

  const PassportSpec& uk = Get(specs, "uk");
  EXPECT_DOUBLE_EQ(uk.head_mm.min, 29);
  EXPECT_DOUBLE_EQ(uk.head_mm.max, 34);
  EXPECT_EQ(uk.min_width_px, 600);
  EXPECT_EQ(uk.min_height_px, 750);

  const PassportSpec& jp = Get(specs, "jp");  // 34 +- 2 mm face, 4 +- 2 mm margin
  EXPECT_DOUBLE_EQ(jp.head_mm.min, 32);
  ASSERT_TRUE(jp.crown_from_top_mm.has_value());
  EXPECT_DOUBLE_EQ(jp.crown_from_top_mm->max, 6);

  EXPECT_EQ(Get(specs, "fr").background_name, "light blue");  // white is refused in France
}

TEST(PassportSpecJsonTest, FindReportsTheKnownIds) {
  const std::vector<PassportSpec> specs = Builtin();
  auto found = FindPassportSpec(specs, "kr");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->id, "kr");
  auto missing = FindPassportSpec(specs, "zz");
  ASSERT_FALSE(missing.ok());
  for (const PassportSpec& s : specs) EXPECT_NE(missing.status().message().find(s.id), std::string::npos) << s.id;
  EXPECT_FALSE(FindPassportSpec({}, "us").ok());
}

// A valid one-entry file with `extra` appended inside the entry.
std::string Entry(const std::string& id, const std::string& extra = "") {
  return R"({"id": ")" + id + R"(", "name": "T", "size_mm": [35, 45], "head_mm": [32, 36],
    "background": {"hex": "#FfFfFf", "name": "white"}, "dpi": 300, "source": "https://example.org")" +
         extra + "}";
}
std::string File(const std::string& entries) { return R"({"version": 1, "specs": [)" + entries + "]}"; }

std::string ErrorOf(std::string_view json) {
  auto r = ParsePassportSpecs(json);
  if (r.ok()) return "(parsed)";
  EXPECT_FALSE(r.status().message().empty());
  return r.status().message();
}

TEST(PassportSpecJsonTest, SmallValidFileParses) {
  auto r = ParsePassportSpecs(File(Entry("t", R"(, "digital": {"min_px": [600, 750], "max_kb": 100, "format": "jpeg"},
    "eye_from_bottom_mm": [2.5e1, 30.0], "crown_from_top_mm": null, "note": "\u00e9\ud83d\ude00 \"q\" \\ \/ \b\f\n\r\t")")));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 1u);
  const PassportSpec& s = (*r)[0];
  EXPECT_EQ(s.background.r, 255);
  EXPECT_DOUBLE_EQ(s.eye_from_bottom_mm->min, 25);
  EXPECT_FALSE(s.crown_from_top_mm.has_value());
  EXPECT_EQ(s.min_height_px, 750);
  EXPECT_EQ(s.max_width_px, 0);  // not stated
  EXPECT_EQ(s.max_kb, 100);
  EXPECT_EQ(s.digital_format, "jpeg");
}

TEST(PassportSpecJsonTest, SyntaxErrorsNameTheByteOffset) {
  struct Case {
    std::string json, expect;
  };
  const std::string deep_arrays = std::string(1000, '[') + std::string(1000, ']');
  std::string deep_objects;
  for (int i = 0; i < 1000; ++i) deep_objects += "{\"a\":";
  const std::vector<Case> cases = {
      {"", "unexpected end at byte 0"},
      {"   ", "unexpected end at byte 3"},
      {R"({"specs": [)", "unexpected end at byte 11"},            // truncated
      {R"({"specs)", "unterminated string at byte 7"},           // truncated inside a string
      {R"({"specs": [1, 2)", "unterminated array at byte 15"},
      {R"({"a": "\q"})", "bad escape '\\q' at byte 8"},           // the character after '\'
      {R"({"a": "\u12G4"})", "bad \\u escape at byte 11"},        // the non-hex digit
      {R"({"a": "\u12)", "truncated \\u escape at byte 9"},
      {R"({"a": "\ud800x"})", "lone surrogate"},
      {R"({"a": "\udc00"})", "lone surrogate"},
      {"{\"a\": \"x\ty\"}", "control character in a string at byte 9"},
      {deep_arrays, "nesting deeper than 64 at byte 65"},
      {deep_objects, "nesting deeper than 64 at byte 325"},
      {R"({"a": 1, "a": 2})", "duplicate key 'a' at byte 9"},
      {R"({"a": 1} x)", "unexpected text after the document at byte 9"},
      {R"({"a": 1e999})", "bad number '1e999' at byte 6"},
      {R"({"a": 1.})", "no digit after '.' at byte 8"},
      {R"({"a": 1e+})", "no digit in the exponent at byte 9"},
      {R"({"a": -})", "unexpected character at byte 6"},
      {R"({"a": NaN})", "unexpected character at byte 6"},
      {R"({"a": 01})", "expected ',' or '}' at byte 7"},
      {R"({"a" 1})", "expected ':' at byte 5"},
      {R"({a: 1})", "expected a key at byte 1"},
      {R"({"specs": [1,, 2]})", "unexpected character at byte 13"},
      {R"([])", "the document is not an object at byte 0"},
      {R"({"specs": {}})", "no 'specs' array"},
  };
  for (const Case& c : cases) {
    const std::string message = ErrorOf(c.json);
    EXPECT_NE(message.find(c.expect), std::string::npos) << c.json.substr(0, 40) << " -> " << message;
  }
}

TEST(PassportSpecJsonTest, ContentErrorsNameTheSpecFieldAndOffset) {
  struct Case {
    std::string json, expect;
  };
  const std::string two_us = File(Entry("us") + ", " + Entry("us"));
  const std::vector<Case> cases = {
      {two_us, "duplicate id 'us' at byte " + std::to_string(two_us.rfind("\"us\""))},
      {File(Entry("t", R"(, "eye_from_bottom_mm": [30, 20])")), "spec 't': 'eye_from_bottom_mm' has min > max at byte"},
      {File(Entry("t").replace(Entry("t").find("[32, 36]"), 8, "[36, 32]")), "spec 't': 'head_mm' has min > max"},
      {File(Entry("t").replace(Entry("t").find("[32, 36]"), 8, "[32, 46]")), "'head_mm' reaches beyond the photo's height"},
      {File(Entry("t", R"(, "crown_from_top_mm": [14, 16])")), "'crown_from_top_mm' plus the head height"},
      {File(Entry("t").replace(Entry("t").find("[35, 45]"), 8, "[35, 0]")), "'size_mm' must be positive"},
      {File(Entry("t").replace(Entry("t").find("[35, 45]"), 8, "[35]")), "'size_mm' is not a pair of numbers"},
      {File(Entry("t").replace(Entry("t").find("[35, 45]"), 8, "[350, 450]")), "larger than a print sheet"},
      {File(Entry("t").replace(Entry("t").find("#FfFfFf"), 7, "#fffff")), "'hex' is not #rrggbb"},
      {File(Entry("t").replace(Entry("t").find("#FfFfFf"), 7, "#ggffff")), "'hex' is not #rrggbb"},
      {File(Entry("t").replace(Entry("t").find("300"), 3, "3000")), "'dpi' is outside 72-1200"},
      {File(Entry("t").replace(Entry("t").find("https"), 5, "http")), "'source' is not an https address"},
      {File(Entry("US")), "entry 0: 'id' must be"},
      {File(Entry("")), "entry 0: 'id' must be"},
      {File(R"({"id": "t"})"), "spec 't': 'name' is missing at byte 25"},
      {File("7"), "entry 0 is not an object at byte 25"},
      {File(Entry("t", R"(, "digital": {"min_px": [1200, 1200], "max_px": [600, 600]})")), "'min_px' is above max_px"},
      {File(Entry("t", R"(, "digital": {"min_px": [1e300, 600]})")), "'min_px' is not a pair of whole pixel counts"},
      {File(Entry("t", R"(, "digital": {"min_px": [600.5, 600]})")), "whole pixel counts"},
      {File(Entry("t", R"(, "digital": {"max_kb": "240"})")), "'max_kb' is not a number"},
      {File(Entry("t", R"(, "digital": {"max_kb": 1e300})")), "'max_kb' is not a whole number"},
      {File(Entry("t", R"(, "digital": {"min_kb": 50, "max_kb": 10})")), "'min_kb' is above max_kb"},
      {File(Entry("t", R"(, "digital": {"format": 1})")), "'format' is not a string"},
      {File(Entry("t", R"(, "digital": [])")), "'digital' is not an object"},
  };
  for (const Case& c : cases) {
    const std::string message = ErrorOf(c.json);
    EXPECT_NE(message.find(c.expect), std::string::npos) << c.json.substr(0, 60) << " -> " << message;
    EXPECT_NE(message.find("at byte "), std::string::npos) << message;
  }
}

TEST(PassportSpecJsonTest, HostileSizesAreBounded) {
  // Over the size limit: refused before parsing.
  auto big = ParsePassportSpecs(std::string((size_t{1} << 20) + 1, ' '));
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().code(), StatusCode::kResourceExhausted);
  // An object with many keys must not take quadratic time to check for duplicates.
  std::string wide = "{";
  for (int i = 0; i < 60000; ++i) wide += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":0";
  wide += "}";
  ASSERT_LT(wide.size(), size_t{1} << 20);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_NE(ErrorOf(wide).find("no 'specs' array"), std::string::npos);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 5.0);
}

TEST(PassportSpecJsonTest, DamagedCopiesOfTheBuiltinFileNeverCrash) {
  const std::string good(BuiltinPassportSpecsJson());
  // Every truncation of the first 2 kB, then every 13th one: all are errors with a message.
  for (size_t n = 0; n < good.size(); n += n < 2048 ? 1 : 13) {
    auto r = ParsePassportSpecs(std::string_view(good).substr(0, n));
    ASSERT_FALSE(r.ok()) << n;
    ASSERT_NE(r.status().message().find("at byte"), std::string::npos) << r.status().message();
  }
  // Random byte changes: either still a valid file (whose ranges then still hold) or an error.
  std::mt19937 rng(20240611);
  const char kBytes[] = "{}[]\",:\\0123456789.-eE tnfu\x01\x7f\xff";
  int parsed = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string bad = good;
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits; ++e) {
      const size_t at = rng() % bad.size();
      switch (rng() % 3) {
        case 0: bad[at] = kBytes[rng() % (sizeof(kBytes) - 1)]; break;
        case 1: bad.erase(at, 1 + rng() % 8); break;
        default: bad.insert(at, 1, kBytes[rng() % (sizeof(kBytes) - 1)]); break;
      }
    }
    auto r = ParsePassportSpecs(bad);
    if (!r.ok()) {
      ASSERT_FALSE(r.status().message().empty());
      continue;
    }
    ++parsed;
    for (const PassportSpec& s : *r) {
      ASSERT_LE(s.head_mm.min, s.head_mm.max);
      ASSERT_LT(s.head_mm.max, s.height_mm);
    }
  }
  // Most edits land in notes and still parse; the rest are errors. Both paths ran.
  EXPECT_GT(parsed, 0);
  EXPECT_LT(parsed, 3000);
}

}  // namespace
}  // namespace bgone::imaging
