// `bgone passport` and `bgone faces` as a user runs them, on the bundled sample photo (the
// astronaut) and photos made from it: exit codes, the JSON report, the DPI in the files, the
// size limit, the print sheet, and the refusals (no face, two faces, bad options).
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "cli/image_io.h"
#include "tests/cli/cli_test_util.h"

namespace bgone::cli {
namespace {

using testing::InitVipsOnce;
using testing::ReadFile;
using testing::RunBgone;
using testing::SamplePath;
using testing::ScratchDir;
using testing::WriteFile;
namespace fs = std::filesystem;

bool ModelsPresent() {
  const fs::path m = fs::path(BGONE_SOURCE_DIR) / ".cache/models";
  return fs::exists(m / "isnet-w4.onnx") && fs::exists(m / "face_detection_short_range.tflite") &&
         fs::exists(m / "face_detection_full_range.tflite");
}

TEST(PassportCliTest, UsageErrors) {
  ScratchDir dir;
  EXPECT_EQ(RunBgone(dir.path(), {"passport", SamplePath().string()}).exit_code, 2);  // no --spec
  auto r = RunBgone(dir.path(), {"passport", SamplePath().string(), "--spec", "xx"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("known: us, us-visa"), std::string::npos) << r.err;
  EXPECT_EQ(RunBgone(dir.path(), {"passport", SamplePath().string(), "--spec", "us", "--dpi", "123"}).exit_code, 2);
  EXPECT_EQ(RunBgone(dir.path(), {"passport", SamplePath().string(), "--spec", "us", "--sheet", "letter"}).exit_code, 2);
  EXPECT_EQ(RunBgone(dir.path(), {"passport", SamplePath().string(), "--spec", "us", "-o", "x.webp"}).exit_code, 2);
  auto list = RunBgone(dir.path(), {"passport", "--list-specs"});
  EXPECT_EQ(list.exit_code, 0);
  EXPECT_GE(std::count(list.out.begin(), list.out.end(), '\n'), 15);
  EXPECT_EQ(RunBgone(dir.path(), {"passport", "--help"}).exit_code, 0);
}

TEST(PassportCliTest, SamplePhotoToUsPassportWithSheet) {
  if (!ModelsPresent()) GTEST_SKIP() << "models not fetched (scripts/setup.sh)";
  ScratchDir dir;
  auto r = RunBgone(dir.path(), {"passport", SamplePath().string(), "--spec", "us", "--dpi", "600", "--sheet", "4x6",
                                 "--model", "w4", "-o", "p.jpg", "--json"});
  // The sample is 512 px wide: its face is small, so the resolution checks fail (exit 1), but the
  // geometry must pass.
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.out.find("\"size_px\": [1200, 1200]"), std::string::npos) << r.out;
  for (const char* rule : {"head height (chin to crown)", "eye line above the bottom edge", "face centred"}) {
    const size_t at = r.out.find(std::string("\"rule\": \"") + rule);
    ASSERT_NE(at, std::string::npos) << rule;
    EXPECT_EQ(r.out.compare(r.out.find("\"result\": ", at) + 11, 4, "pass"), 0) << r.out.substr(at, 200);
  }
  EXPECT_NE(r.out.find("\"rule\": \"source face resolution (pixels between the eyes)\", \"result\": \"fail\""), std::string::npos);
  const std::string jpeg = ReadFile(dir / "p.jpg");
  ASSERT_GT(jpeg.size(), 20u);
  // JFIF density 600 dpi.
  EXPECT_EQ(jpeg.substr(6, 4), "JFIF");
  EXPECT_EQ(static_cast<uint8_t>(jpeg[13]), 1);
  EXPECT_EQ((static_cast<uint8_t>(jpeg[14]) << 8) | static_cast<uint8_t>(jpeg[15]), 600);
  InitVipsOnce();
  auto img = DecodeImageFile((dir / "p.jpg").string(), {});
  ASSERT_TRUE(img.ok());
  EXPECT_EQ(img->width, 1200);
  EXPECT_EQ(img->height, 1200);
  EXPECT_TRUE(fs::exists(dir / "p-sheet-4x6.jpg"));
  const std::string pdf = ReadFile(dir / "p-sheet-4x6.pdf");
  EXPECT_EQ(pdf.rfind("%PDF-1.4", 0), 0u);
  auto sheet = DecodeImageFile((dir / "p-sheet-4x6.jpg").string(), {});
  ASSERT_TRUE(sheet.ok());
  EXPECT_EQ(std::min(sheet->width, sheet->height), 2400);  // 4 in at 600 dpi
  EXPECT_EQ(std::max(sheet->width, sheet->height), 3600);
}

TEST(PassportCliTest, SizeLimitAndPng) {
  if (!ModelsPresent()) GTEST_SKIP() << "models not fetched (scripts/setup.sh)";
  ScratchDir dir;
  auto r = RunBgone(dir.path(), {"passport", SamplePath().string(), "--spec", "us-visa", "--max-kb", "25", "--model", "w4",
                                 "-o", "v.jpg", "--json"});
  EXPECT_NE(r.exit_code, 2) << r.err;
  EXPECT_LE(fs::file_size(dir / "v.jpg"), 25u * 1024);
  EXPECT_EQ(r.out.find("\"jpeg_quality\": 95"), std::string::npos);  // it had to lower the quality
  auto p = RunBgone(dir.path(), {"passport", SamplePath().string(), "--spec", "uk", "--model", "w4", "-o", "u.png"});
  EXPECT_NE(p.exit_code, 2) << p.err;
  const std::string png = ReadFile(dir / "u.png");
  const size_t phys = png.find("pHYs");
  ASSERT_NE(phys, std::string::npos);
  const auto* b = reinterpret_cast<const uint8_t*>(png.data() + phys + 4);
  EXPECT_EQ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3], 11811);  // 300 dpi in pixels per metre
}

TEST(PassportCliTest, RefusesNoFaceAndTwoFaces) {
  if (!ModelsPresent()) GTEST_SKIP() << "models not fetched (scripts/setup.sh)";
  ScratchDir dir;
  InitVipsOnce();
  auto sample = DecodeImageFile(SamplePath().string(), {});
  ASSERT_TRUE(sample.ok());
  auto blank = imaging::Image::Create(400, 300, imaging::PixelFormat::kRgb8).value();
  for (auto& v : blank.pixels) v = 180;
  EncodeOptions png;
  auto bytes = EncodeImage(blank, png);
  ASSERT_TRUE(bytes.ok());
  WriteFile(dir / "blank.png", std::string(bytes->begin(), bytes->end()));
  auto r = RunBgone(dir.path(), {"passport", "blank.png", "--spec", "us", "--model", "w4"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("no face found"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "blank-passport-us.jpg"));
  auto two = imaging::Image::Create(sample->width * 2, sample->height, sample->format).value();
  for (int y = 0; y < sample->height; ++y) {
    std::memcpy(two.row(y), sample->row(y), sample->stride());
    std::memcpy(two.row(y) + sample->stride(), sample->row(y), sample->stride());
  }
  bytes = EncodeImage(two, png);
  ASSERT_TRUE(bytes.ok());
  WriteFile(dir / "two.png", std::string(bytes->begin(), bytes->end()));
  r = RunBgone(dir.path(), {"passport", "two.png", "--spec", "us", "--model", "w4"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("2 faces found"), std::string::npos) << r.err;
  // `bgone faces` on the same photos, as JSON.
  // The faces are small in the 1024-pixel-wide photo: the full-range model (as passport falls
  // back to) finds them.
  auto f = RunBgone(dir.path(), {"faces", "--model", "face-full", "two.png", "blank.png"});
  EXPECT_EQ(f.exit_code, 0) << f.err;
  const size_t two_at = f.out.find("two.png"), blank_at = f.out.find("blank.png");
  ASSERT_NE(two_at, std::string::npos);
  ASSERT_NE(blank_at, std::string::npos);
  const std::string two_line = f.out.substr(two_at, blank_at - two_at);
  size_t scores = 0;
  for (size_t at = two_line.find("\"score\""); at != std::string::npos; at = two_line.find("\"score\"", at + 1)) ++scores;
  EXPECT_EQ(scores, 2u);
  EXPECT_NE(f.out.find("\"faces\": []"), std::string::npos);
}

}  // namespace
}  // namespace bgone::cli
