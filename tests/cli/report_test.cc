#include "cli/report.h"

#include <gtest/gtest.h>

namespace bgone::cli {
namespace {

TEST(JsonTest, EscapesSpecialCharacters) {
  EXPECT_EQ(JsonString("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(JsonString("line\nnext\ttab"), "\"line\\nnext\\ttab\"");
  EXPECT_EQ(JsonString(std::string("\x01", 1)), "\"\\u0001\"");
}

TEST(JsonTest, KeepsValidUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(JsonString("caf\xC3\xA9 \xF0\x9F\x98\x80"), "\"caf\xC3\xA9 \xF0\x9F\x98\x80\"");
  EXPECT_EQ(JsonString("bad\xFF"), "\"bad\\ufffd\"");
  EXPECT_EQ(JsonString("\xC3"), "\"\\ufffd\"");                        // truncated sequence
  EXPECT_EQ(JsonString("\xC0\xAF"), "\"\\ufffd\\ufffd\"");             // overlong '/'
  EXPECT_EQ(JsonString("\xED\xA0\x80"), "\"\\ufffd\\ufffd\\ufffd\"");  // surrogate
}

TEST(JsonTest, ReportLayout) {
  RunSummary s;
  s.version = "1.2.3";
  s.model = "/m/isnet.onnx";
  FileResult ok;
  ok.input = "a.png";
  ok.output = "a.nobg.png";
  ok.ok = true;
  ok.width = 10;
  ok.height = 20;
  ok.milliseconds = 12.6;
  FileResult bad;
  bad.input = "b.png";
  bad.error = "not an image";
  s.files = {ok, bad};
  s.total_milliseconds = 100;
  const std::string json = FormatJsonReport(s);
  EXPECT_NE(json.find("{\"input\": \"a.png\", \"output\": \"a.nobg.png\", \"status\": \"ok\", "
                      "\"error\": null, \"width\": 10, \"height\": 20, \"milliseconds\": 13}"),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("{\"input\": \"b.png\", \"output\": null, \"status\": \"error\", "
                      "\"error\": \"not an image\""),
            std::string::npos)
      << json;
  EXPECT_NE(json.find("\"total\": 2"), std::string::npos);
  EXPECT_NE(json.find("\"succeeded\": 1"), std::string::npos);
  EXPECT_NE(json.find("\"failed\": 1"), std::string::npos);
  EXPECT_NE(json.find("\"version\": \"1.2.3\""), std::string::npos);
}

}  // namespace
}  // namespace bgone::cli
