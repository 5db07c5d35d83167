// End-to-end runs of the built binary with the real IS-Net models (label "slow"). Checks are
// grouped so the whole file needs only a few inferences.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "tests/cli/cli_test_util.h"

namespace bgone::cli::testing {
namespace {

bool HaveModels() {
  const fs::path dir = fs::path(BGONE_SOURCE_DIR) / ".cache/models";
  return fs::exists(dir / "isnet-fp16.onnx") && fs::exists(dir / "isnet-q8.onnx");
}

#define SKIP_WITHOUT_MODELS()                             \
  if (!HaveModels()) {                                    \
    GTEST_SKIP() << "models missing in " BGONE_SOURCE_DIR \
                    "/.cache/models: run "                \
                    "scripts/setup.sh";                   \
  }

// Band `band` of an 8-bit image as a flat vector.
std::vector<uint8_t> Band(VipsImage* image, int band) {
  VipsImage* extracted = nullptr;
  EXPECT_EQ(vips_extract_band(image, &extracted, band, nullptr), 0);
  VipsPtr owner(extracted);
  size_t size = 0;
  void* data = vips_image_write_to_memory(extracted, &size);
  std::vector<uint8_t> v(static_cast<uint8_t*>(data), static_cast<uint8_t*>(data) + size);
  g_free(data);
  return v;
}

double MeanAbsDiff(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  EXPECT_EQ(a.size(), b.size());
  double sum = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) sum += std::abs(a[i] - b[i]);
  return sum / static_cast<double>(a.size());
}

double Mean(const std::vector<uint8_t>& a) {
  double sum = 0;
  for (uint8_t v : a) sum += v;
  return sum / static_cast<double>(a.size());
}

// (a) EXIF orientation and (b) a mixed batch, in one invocation of the medium model.
TEST(CliEndToEndTest, BatchWithExifOrientationAndCorruptFiles) {
  SKIP_WITHOUT_MODELS();
  ScratchDir dir;
  MakeOrientationPair(dir / "upright.png", dir / "rotated.jpg");
  const std::string jpg = ReadFile(dir / "rotated.jpg");
  WriteFile(dir / "truncated.jpg", jpg.substr(0, jpg.size() / 3));
  std::mt19937 rng(9);
  std::string noise(4096, '\0');
  for (char& c : noise) c = static_cast<char>(rng() & 255);
  WriteFile(dir / "corrupt.png", noise);

  RunResult r = RunBgone(dir.path(), {"--json", "--out-dir", "out", "upright.png", "corrupt.png",
                                      "rotated.jpg", "truncated.jpg"});
  ASSERT_EQ(r.exit_code, 1) << r.err << r.out;
  EXPECT_NE(r.out.find("\"total\": 4"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"succeeded\": 2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"failed\": 2"), std::string::npos) << r.out;
  const std::string upright_line = JsonLineFor(r.out, "upright.png");
  EXPECT_NE(upright_line.find("\"status\": \"ok\""), std::string::npos) << upright_line;
  EXPECT_NE(upright_line.find("\"output\": \"out/upright.nobg.png\""), std::string::npos);
  EXPECT_NE(upright_line.find("\"width\": 512, \"height\": 384"), std::string::npos);
  const std::string rotated_line = JsonLineFor(r.out, "rotated.jpg");
  EXPECT_NE(rotated_line.find("\"status\": \"ok\""), std::string::npos) << rotated_line;
  EXPECT_NE(rotated_line.find("\"width\": 512, \"height\": 384"), std::string::npos);
  for (const char* bad : {"corrupt.png", "truncated.jpg"}) {
    const std::string line = JsonLineFor(r.out, bad);
    EXPECT_NE(line.find("\"status\": \"error\""), std::string::npos) << line;
    EXPECT_NE(r.err.find(bad), std::string::npos) << r.err;  // errors also go to stderr
  }
  EXPECT_FALSE(fs::exists(dir / "out/corrupt.nobg.png"));
  EXPECT_FALSE(fs::exists(dir / "out/truncated.nobg.png"));

  InitVipsOnce();
  VipsPtr upright = LoadVips(dir / "out/upright.nobg.png");
  VipsPtr rotated = LoadVips(dir / "out/rotated.nobg.png");
  ASSERT_NE(upright, nullptr);
  ASSERT_NE(rotated, nullptr);
  for (VipsImage* image : {upright.get(), rotated.get()}) {
    EXPECT_EQ(vips_image_get_width(image), 512);
    EXPECT_EQ(vips_image_get_height(image), 384);
    EXPECT_EQ(vips_image_get_bands(image), 4);
  }
  const std::vector<uint8_t> alpha_upright = Band(upright.get(), 3);
  const std::vector<uint8_t> alpha_rotated = Band(rotated.get(), 3);
  // A meaningful mask: neither empty nor everything.
  const double coverage = Mean(alpha_upright);
  EXPECT_GT(coverage, 40.0);
  EXPECT_LT(coverage, 215.0);
  // Same picture once upright; only JPEG noise (and the resampling grid) differ.
  const double diff = MeanAbsDiff(alpha_upright, alpha_rotated);
  EXPECT_LT(diff, 1.0) << "mean |alpha difference| between PNG and EXIF-rotated JPEG";
  std::printf("alpha coverage %.1f, PNG vs EXIF JPEG mean abs diff %.3f\n", coverage, diff);
  // No temporary files in the output folder.
  for (const auto& entry : fs::directory_iterator(dir / "out")) {
    EXPECT_EQ(entry.path().filename().string().find("bgone-"), std::string::npos);
  }
}

// (d) Flattened JPEG and mask-only output, with the faster small model.
TEST(CliEndToEndTest, JpegOnBackgroundAndMaskOnly) {
  SKIP_WITHOUT_MODELS();
  ScratchDir dir;
  MakeOrientationPair(dir / "upright.png", dir / "rotated.jpg");

  RunResult r =
      RunBgone(dir.path(), {"--model", "small", "--bg", "#ffffff", "-o", "x.jpg", "upright.png"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string jpg = ReadFile(dir / "x.jpg");
  ASSERT_GE(jpg.size(), 3u);
  EXPECT_EQ(jpg.substr(0, 3), std::string("\xFF\xD8\xFF"));
  InitVipsOnce();
  VipsPtr flat = LoadVips(dir / "x.jpg");
  ASSERT_NE(flat, nullptr);
  EXPECT_EQ(vips_image_get_width(flat.get()), 512);
  EXPECT_EQ(vips_image_get_height(flat.get()), 384);
  EXPECT_EQ(vips_image_get_bands(flat.get()), 3);

  r = RunBgone(dir.path(), {"--model", "small", "--mask", "-q", "rotated.jpg"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.err.empty()) << r.err;  // -q: nothing unless something fails
  const std::string png = ReadFile(dir / "rotated.nobg.png");
  ASSERT_GE(png.size(), 8u);
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  VipsPtr mask = LoadVips(dir / "rotated.nobg.png");
  ASSERT_NE(mask, nullptr);
  EXPECT_EQ(vips_image_get_bands(mask.get()), 1);
  EXPECT_EQ(vips_image_get_width(mask.get()), 512);
  EXPECT_EQ(vips_image_get_height(mask.get()), 384);

  // Where the mask says background, the flattened JPEG is white (up to JPEG noise).
  const std::vector<uint8_t> m = Band(mask.get(), 0);
  const std::vector<uint8_t> red = Band(flat.get(), 0);
  double sum = 0;
  int count = 0;
  for (size_t i = 0; i < m.size(); ++i) {
    if (m[i] == 0) {
      sum += red[i];
      ++count;
    }
  }
  ASSERT_GT(count, 1000);
  EXPECT_GT(sum / count, 240.0);
}

// (e) Refinement, trimap and the new backgrounds, with the small model.
TEST(CliEndToEndTest, RefinementTrimapAndBackgrounds) {
  SKIP_WITHOUT_MODELS();
  ScratchDir dir;
  MakeOrientationPair(dir / "upright.png", dir / "rotated.jpg");
  InitVipsOnce();
  // A solid green backdrop picture, 30x20: cover-fitted onto the 512x384 photo.
  {
    VipsImage* black = nullptr;
    ASSERT_EQ(vips_black(&black, 30, 20, "bands", 3, nullptr), 0);
    VipsPtr b(black);
    VipsImage* green = nullptr;
    double add[3] = {0, 200, 0};
    ASSERT_EQ(vips_linear(black, &green, std::vector<double>{1, 1, 1}.data(), add, 3, "uchar",
                          TRUE, nullptr),
              0);
    VipsPtr g(green);
    ASSERT_EQ(vips_pngsave(green, (dir / "green.png").c_str(), nullptr), 0);
  }
  const std::vector<std::string> small = {"--model", "small", "-q"};
  auto run = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = small;
    args.insert(args.end(), extra.begin(), extra.end());
    RunResult r = RunBgone(dir.path(), args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
  };
  run({"--mask", "--no-refine", "-o", "raw.png", "upright.png"});
  run({"--mask", "-o", "refined.png", "upright.png"});
  run({"--trimap", "-o", "trimap.png", "upright.png"});
  run({"--bg", "blur", "-o", "blur.jpg", "upright.png"});
  run({"--bg", "green.png", "-o", "green.jpg", "upright.png"});

  VipsPtr raw_img = LoadVips(dir / "raw.png"), refined_img = LoadVips(dir / "refined.png"),
          trimap_img = LoadVips(dir / "trimap.png"), blur_img = LoadVips(dir / "blur.jpg"),
          green_img = LoadVips(dir / "green.jpg");
  ASSERT_TRUE(raw_img && refined_img && trimap_img && blur_img && green_img);
  const std::vector<uint8_t> raw = Band(raw_img.get(), 0), refined = Band(refined_img.get(), 0),
                             trimap = Band(trimap_img.get(), 0);
  ASSERT_EQ(raw.size(), refined.size());
  // Refinement changes the edge but not the segmentation.
  int inter = 0, uni = 0, changed = 0;
  for (size_t i = 0; i < raw.size(); ++i) {
    inter += raw[i] > 127 && refined[i] > 127;
    uni += raw[i] > 127 || refined[i] > 127;
    changed += raw[i] != refined[i];
  }
  EXPECT_GT(changed, 100);
  EXPECT_GT(static_cast<double>(inter) / uni, 0.95);
  // The trimap is three-valued and agrees with the refined matte where that is decided.
  for (size_t i = 0; i < trimap.size(); ++i) {
    ASSERT_TRUE(trimap[i] == 0 || trimap[i] == 128 || trimap[i] == 255) << i;
    if (trimap[i] == 255) {
      ASSERT_GE(refined[i], 250) << i;
    }
    if (trimap[i] == 0) {
      ASSERT_LE(refined[i], 5) << i;
    }
  }
  // Portrait mode: opaque, photo-sized, and not a flat colour where the background was.
  EXPECT_EQ(vips_image_get_bands(blur_img.get()), 3);
  EXPECT_EQ(vips_image_get_width(blur_img.get()), 512);
  // The picture backdrop shows where the matte is 0.
  const std::vector<uint8_t> g_red = Band(green_img.get(), 0), g_green = Band(green_img.get(), 1);
  double red = 0, green = 0;
  int count = 0;
  for (size_t i = 0; i < refined.size(); ++i) {
    if (refined[i] != 0) continue;
    red += g_red[i];
    green += g_green[i];
    ++count;
  }
  ASSERT_GT(count, 1000);
  EXPECT_LT(red / count, 15.0);
  EXPECT_NEAR(green / count, 200.0, 10.0);
}

}  // namespace
}  // namespace bgone::cli::testing
