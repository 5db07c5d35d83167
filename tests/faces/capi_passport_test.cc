// The passport C API (what the WebAssembly build exports): face detection, the document rules,
// composing with the report, and bad arguments.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "capi/bgone_c.h"
#include "cli/image_io.h"
#include "engine/import/onnx_import.h"

namespace {

namespace fs = std::filesystem;

std::string Model(const char* name) { return std::string(BGONE_CACHE_DIR) + "/models/" + name; }

TEST(CapiPassportTest, SpecsAndBadArguments) {
  const std::string specs = bgone_passport_specs();
  EXPECT_NE(specs.find("\"id\": \"us-visa\""), std::string::npos);
  BgoneFaceDetector* det = nullptr;
  EXPECT_EQ(bgone_face_detector_create(nullptr, 0, 1, &det), BGONE_INVALID_ARGUMENT);
  const uint8_t junk[32] = {1, 2, 3};
  EXPECT_NE(bgone_face_detector_create(junk, sizeof junk, 1, &det), BGONE_OK);
  EXPECT_EQ(det, nullptr);
  EXPECT_NE(std::string(bgone_last_error()), "");
  int count = 0;
  EXPECT_EQ(bgone_face_detect(nullptr, junk, 2, 2, nullptr, 0, &count), BGONE_INVALID_ARGUMENT);
  uint8_t* out = nullptr;
  char* report = nullptr;
  int w = 0, h = 0;
  const float face[BGONE_FACE_VALUES] = {};
  double layout[BGONE_LAYOUT_VALUES];
  EXPECT_EQ(bgone_passport_layout("xx", 300, layout), BGONE_INVALID_ARGUMENT);
  EXPECT_NE(std::string(bgone_last_error()).find("known: us"), std::string::npos);
  ASSERT_EQ(bgone_passport_layout("cn", 300, layout), BGONE_OK);
  EXPECT_EQ(layout[2], 390);  // 33 mm at 300 dpi
  EXPECT_EQ(layout[3], 567);
  EXPECT_EQ(layout[6] + layout[7], 0);  // no eye-line rule
  EXPECT_EQ(layout[8], 3);             // crown margin 3-5 mm
  EXPECT_EQ(bgone_passport_compose(nullptr, junk, junk, 2, 2, face, layout, &out, &w, &h, &report), BGONE_INVALID_ARGUMENT);
  bgone_free(nullptr);
}

TEST(CapiPassportTest, SamplePhotoToUsPassport) {
  if (!fs::exists(Model("face_detection_short_range.tflite")) || !fs::exists(Model("isnet-w4.onnx")))
    GTEST_SKIP() << "models not fetched (scripts/setup.sh)";
  ASSERT_TRUE(bgone::cli::InitImageIo("capi_passport_test", 1).ok());
  auto photo = bgone::cli::DecodeImageFile(std::string(BGONE_SOURCE_DIR) + "/assets/sample/skimage_astronaut.png", {});
  ASSERT_TRUE(photo.ok());
  const int W = photo->width, H = photo->height;
  std::vector<uint8_t> rgba(static_cast<size_t>(W) * H * 4);
  for (size_t i = 0; i < static_cast<size_t>(W) * H; ++i) {
    for (int c = 0; c < 3; ++c) rgba[4 * i + c] = photo->pixels[3 * i + c];
    rgba[4 * i + 3] = 255;
  }
  auto face_bytes = bgone::ReadFileBytes(Model("face_detection_short_range.tflite"));
  auto seg_bytes = bgone::ReadFileBytes(Model("isnet-w4.onnx"));
  ASSERT_TRUE(face_bytes.ok() && seg_bytes.ok());
  BgoneFaceDetector* det = nullptr;
  ASSERT_EQ(bgone_face_detector_create(face_bytes->data(), face_bytes->size(), 2, &det), BGONE_OK) << bgone_last_error();
  BgoneSegmenter* seg = nullptr;
  ASSERT_EQ(bgone_segmenter_create(seg_bytes->data(), seg_bytes->size(), 2, &seg), BGONE_OK) << bgone_last_error();
  float faces[4 * BGONE_FACE_VALUES];
  int count = 0;
  ASSERT_EQ(bgone_face_detect(det, rgba.data(), W, H, faces, 4, &count), BGONE_OK);
  ASSERT_EQ(count, 1);
  EXPECT_GT(faces[0], 0.8f);
  std::vector<uint8_t> mask(static_cast<size_t>(W) * H);
  ASSERT_EQ(bgone_segmenter_run(seg, rgba.data(), W, H, mask.data()), BGONE_OK);
  ASSERT_EQ(bgone_refine_mask(seg, rgba.data(), mask.data(), W, H, BGONE_REFINE_DEFAULT), BGONE_OK);
  uint8_t* out = nullptr;
  char* report = nullptr;
  int w = 0, h = 0;
  double layout[BGONE_LAYOUT_VALUES];
  ASSERT_EQ(bgone_passport_layout("us", 300, layout), BGONE_OK);
  ASSERT_EQ(bgone_passport_compose(det, rgba.data(), mask.data(), W, H, faces, layout, &out, &w, &h, &report), BGONE_OK)
      << bgone_last_error();
  EXPECT_EQ(w, 600);
  EXPECT_EQ(h, 600);
  const std::string r = report;
  EXPECT_NE(r.find("\"rule\": \"head height (chin to crown)\", \"result\": \"pass\""), std::string::npos) << r;
  EXPECT_NE(r.find("\"rule\": \"eye line above the bottom edge\", \"result\": \"pass\""), std::string::npos) << r;
  EXPECT_EQ(out[3], 255);
  EXPECT_EQ(out[0], 255);  // white background in the top-left corner
  bgone_free(out);
  bgone_free(report);
  layout[2] = -1;  // a bad layout
  EXPECT_EQ(bgone_passport_compose(det, rgba.data(), mask.data(), W, H, faces, layout, &out, &w, &h, &report),
            BGONE_INVALID_ARGUMENT);
  EXPECT_EQ(out, nullptr);
  bgone_segmenter_destroy(seg);
  bgone_face_detector_destroy(det);
}

}  // namespace
