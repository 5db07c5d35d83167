// BlazeFace through the TFLite importer: anchors and weighted NMS on their own, then the real
// models (fetched by scripts/setup.sh into .cache/models) on the eval faces and on synthetic
// photos made from them: a blank photo, two faces side by side, a face off-centre in a larger
// photo (full-range model).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>

#include "cli/image_io.h"
#include "engine/runtime/session.h"
#include "imaging/face_detect.h"
#include "imaging/resize.h"

namespace bgone::imaging {
namespace {

namespace fs = std::filesystem;

std::string ModelPath(const char* name) { return std::string(BGONE_CACHE_DIR) + "/models/" + name; }
std::string FacePath(const char* name) { return std::string(BGONE_SHARED_DIR) + "/eval/faces/" + name; }

TEST(BlazeFaceAnchorsTest, CountsAndCentres) {
  const auto s = BlazeFaceAnchors(BlazeFaceKind::kShortRange);
  ASSERT_EQ(s.size(), 896u);
  EXPECT_FLOAT_EQ(s[0].x, 0.5f / 16);
  EXPECT_FLOAT_EQ(s[1].x, 0.5f / 16);  // two anchors per cell on the 16x16 grid
  EXPECT_FLOAT_EQ(s[2].x, 1.5f / 16);
  EXPECT_FLOAT_EQ(s[512].x, 0.5f / 8);  // then six per cell on the 8x8 grid
  EXPECT_FLOAT_EQ(s[518].x, 1.5f / 8);
  EXPECT_FLOAT_EQ(s[895].y, 7.5f / 8);
  const auto f = BlazeFaceAnchors(BlazeFaceKind::kFullRange);
  ASSERT_EQ(f.size(), 2304u);
  EXPECT_FLOAT_EQ(f[1].x, 1.5f / 48);
  EXPECT_FLOAT_EQ(f[48].y, 1.5f / 48);
}

FaceDetection Box(float score, float x, float y, float w, float h) {
  FaceDetection d;
  d.score = score;
  d.x = x;
  d.y = y;
  d.width = w;
  d.height = h;
  for (auto& k : d.keypoints) k = {x + w / 2, y + h / 2};
  return d;
}

TEST(WeightedNmsTest, MergesOverlapsWeightedByScore) {
  auto out = WeightedNonMaxSuppression({Box(0.6f, 10, 10, 10, 10), Box(0.9f, 0, 0, 10, 10),
                                        Box(0.3f, 1, 1, 10, 10), Box(0.7f, 100, 100, 10, 10)},
                                       0.3f);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_FLOAT_EQ(out[0].score, 0.9f);  // the best one's score
  EXPECT_NEAR(out[0].x, 0.3f * 1 / 1.2f, 1e-5);  // (0.9 * 0 + 0.3 * 1) / 1.2
  EXPECT_NEAR(out[0].width, 10.0f, 1e-5);
  EXPECT_FLOAT_EQ(out[1].score, 0.7f);
  EXPECT_FLOAT_EQ(out[2].score, 0.6f);  // (10,10) only touches the best box: kept apart
  EXPECT_EQ(WeightedNonMaxSuppression({}, 0.3f).size(), 0u);
}

class FaceModelTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ASSERT_TRUE(cli::InitImageIo("face_detect_test", 1).ok()); }

  std::unique_ptr<FaceDetector> Load(const char* file) {
    const std::string path = ModelPath(file);
    if (!fs::exists(path)) return nullptr;
    auto model = Model::FromFile(path);
    EXPECT_TRUE(model.ok()) << model.status().ToString();
    if (!model.ok()) return nullptr;
    auto det = FaceDetector::Create(*model);
    EXPECT_TRUE(det.ok()) << det.status().ToString();
    return det.ok() ? std::move(det).value() : nullptr;
  }

  static Image Decode(const std::string& path) {
    auto img = cli::DecodeImageFile(path, {});
    EXPECT_TRUE(img.ok()) << img.status().ToString();
    return img.ok() ? std::move(img).value() : Image{};
  }
};

// A frontal face: eyes inside the box, the subject's right eye on the image's left, nose below
// the eyes and above the mouth.
void ExpectFrontalFace(const FaceDetection& d, const std::string& what) {
  SCOPED_TRACE(what);
  EXPECT_GT(d.score, 0.7f);
  const FacePoint re = d.keypoints[kRightEye], le = d.keypoints[kLeftEye];
  EXPECT_LT(re.x, le.x);
  for (const FacePoint& p : {re, le, d.keypoints[kNoseTip], d.keypoints[kMouthCentre]}) {
    EXPECT_GT(p.x, d.x);
    EXPECT_LT(p.x, d.x + d.width);
    EXPECT_GT(p.y, d.y);
    EXPECT_LT(p.y, d.y + d.height);
  }
  EXPECT_GT(d.keypoints[kNoseTip].y, (re.y + le.y) / 2);
  EXPECT_GT(d.keypoints[kMouthCentre].y, d.keypoints[kNoseTip].y);
}

TEST_F(FaceModelTest, EvalFacesGiveOneFaceEach) {
  for (const char* model : {"face_detection_short_range.tflite", "face_detection_full_range.tflite",
                            "face_detection_full_range_sparse.tflite"}) {
    auto det = Load(model);
    if (!det) GTEST_SKIP() << "model " << model << " not fetched (run scripts/setup.sh)";
    for (const char* name : {"skimage_astronaut.png", "kodak_kodim04.png", "kodak_kodim15.png"}) {
      if (!fs::exists(FacePath(name))) GTEST_SKIP() << "eval faces absent: " << FacePath(name);
      Image img = Decode(FacePath(name));
      auto faces = det->Detect(img);
      ASSERT_TRUE(faces.ok()) << faces.status().ToString();
      ASSERT_EQ(faces->size(), 1u) << model << " " << name;
      ExpectFrontalFace(faces->front(), std::string(model) + " " + name);
    }
  }
}

TEST_F(FaceModelTest, BlankPhotoHasNoFace) {
  auto det = Load("face_detection_short_range.tflite");
  if (!det) GTEST_SKIP() << "model not fetched";
  auto img = Image::Create(640, 480, PixelFormat::kRgb8);
  ASSERT_TRUE(img.ok());
  for (auto& p : img->pixels) p = 200;
  auto faces = det->Detect(*img);
  ASSERT_TRUE(faces.ok());
  EXPECT_EQ(faces->size(), 0u);
}

TEST_F(FaceModelTest, TwoFacesSideBySide) {
  auto det = Load("face_detection_short_range.tflite");
  if (!det) GTEST_SKIP() << "model not fetched";
  if (!fs::exists(FacePath("kodak_kodim04.png"))) GTEST_SKIP() << "eval faces absent";
  Image one = Decode(FacePath("kodak_kodim04.png"));
  auto two = Image::Create(one.width * 2, one.height, one.format);
  ASSERT_TRUE(two.ok());
  for (int y = 0; y < one.height; ++y) {
    std::copy(one.row(y), one.row(y) + one.stride(), two->row(y));
    std::copy(one.row(y), one.row(y) + one.stride(), two->row(y) + one.stride());
  }
  auto faces = det->Detect(*two);
  ASSERT_TRUE(faces.ok());
  ASSERT_EQ(faces->size(), 2u);
  const float a = faces->at(0).x + faces->at(0).width / 2, b = faces->at(1).x + faces->at(1).width / 2;
  EXPECT_LT(std::min(a, b), one.width);
  EXPECT_GT(std::max(a, b), one.width);
}

TEST_F(FaceModelTest, OffCentreFaceWithFullRange) {
  auto det = Load("face_detection_full_range_sparse.tflite");
  if (!det) GTEST_SKIP() << "model not fetched";
  if (!fs::exists(FacePath("kodak_kodim15.png"))) GTEST_SKIP() << "eval faces absent";
  Image face = Decode(FacePath("kodak_kodim15.png"));
  // The whole 768x512 photo in the top right corner of a 1600x1200 one: the face is about a
  // quarter of the photo's width (about 48 pixels of the 192 the model sees).
  auto small = ResizeBilinear(face, face.width, face.height);
  ASSERT_TRUE(small.ok());
  auto big = Image::Create(1600, 1200, PixelFormat::kRgb8);
  ASSERT_TRUE(big.ok());
  for (auto& p : big->pixels) p = 90;
  const int ox = 1600 - small->width - 40, oy = 60;
  for (int y = 0; y < small->height; ++y)
    std::copy(small->row(y), small->row(y) + small->stride(), big->row(y + oy) + static_cast<size_t>(ox) * 3);
  auto faces = det->Detect(*big);
  ASSERT_TRUE(faces.ok());
  ASSERT_EQ(faces->size(), 1u);
  EXPECT_GT(faces->front().x, ox);
  EXPECT_LT(faces->front().y + faces->front().height, oy + small->height + 5);
}

TEST(FaceDetectorTest, RejectsOtherModels) {
  const std::string path = ModelPath("isnet-q8.onnx");
  if (!fs::exists(path)) GTEST_SKIP() << "model not fetched";
  auto model = Model::FromFile(path);
  ASSERT_TRUE(model.ok());
  auto det = FaceDetector::Create(*model);
  ASSERT_FALSE(det.ok());
  EXPECT_NE(det.status().message().find("BlazeFace"), std::string::npos);
}

}  // namespace
}  // namespace bgone::imaging
