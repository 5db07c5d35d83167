// Face detection with MediaPipe's BlazeFace models (face_detection_short_range.tflite, 128x128
// input, 896 anchors; face_detection_full_range.tflite, 192x192, 2304 anchors), run by bgone's
// engine through its TFLite importer. The steps follow MediaPipe's published graph options
// (mediapipe/modules/face_detection/face_detection_{short,full}_range.pbtxt and the defaults of
// FaceDetectionOptions):
//   1. letterbox: the photo is scaled to fit the square input, keeping its aspect ratio, centred,
//      with black borders, one bilinear sample per input pixel (as MediaPipe's ImageToTensor);
//      pixels x -> x / 127.5 - 1, NCHW float32;
//   2. SSD anchors with fixed size 1: short range strides 8, 16, 16, 16 (2 anchors per cell on the
//      16x16 grid, 6 on the 8x8 grid), full range stride 4 (1 per cell on the 48x48 grid), cell
//      centres at (x + 0.5) / grid;
//   3. decoding: 16 values per anchor (box centre x, y, width, height, then six keypoints x, y),
//      each divided by the input size and offset by the anchor centre; score = sigmoid of the
//      logit clipped to +-100; kept when >= 0.5 (short) or 0.6 (full range);
//   4. weighted non-maximum suppression: boxes overlapping the best remaining one by IoU > 0.3
//      are merged into it, coordinates averaged with their scores as weights;
//   5. the letterbox is undone: coordinates in pixels of the photo.
// Thread-compatible: one Detect call at a time per detector.
#pragma once

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "engine/common/status.h"
#include "engine/runtime/session.h"
#include "engine/runtime/thread_pool.h"
#include "imaging/image.h"

namespace bgone::imaging {

struct FacePoint {
  float x = 0;
  float y = 0;
};

// MediaPipe's keypoint order. "Right" is the subject's right (the left side of a frontal photo).
enum FaceKeypoint : int {
  kRightEye = 0,
  kLeftEye = 1,
  kNoseTip = 2,
  kMouthCentre = 3,
  kRightEarTragion = 4,
  kLeftEarTragion = 5,
};

struct FaceDetection {
  float score = 0;
  // Box in pixels of the photo: top-left corner and size (may reach outside the photo).
  float x = 0, y = 0, width = 0, height = 0;
  std::array<FacePoint, 6> keypoints{};
};

struct FaceAnchor {
  float x = 0;  // centre, in [0, 1] of the model input
  float y = 0;
};

// Which BlazeFace variant a model is, from its input size.
enum class BlazeFaceKind { kShortRange, kFullRange };

std::vector<FaceAnchor> BlazeFaceAnchors(BlazeFaceKind kind);

// {"score": s, "box": {"x", "y", "width", "height"}, "keypoints": [[x, y] x 6]} (pixels, two
// decimals): the form `bgone faces`, the passport report and the C API print.
std::string FaceDetectionJson(const FaceDetection& d);

// Step 4 on detections in any one coordinate frame (sorted by score on return).
std::vector<FaceDetection> WeightedNonMaxSuppression(std::vector<FaceDetection> detections,
                                                     float iou_threshold);

float BoxIoU(const FaceDetection& a, const FaceDetection& b);

struct FaceDetectorOptions {
  // Minimum score; a negative value takes the model's default (0.5 short, 0.6 full range).
  float min_score = -1.0f;
  float nms_iou = 0.3f;
};

class FaceDetector {
 public:
  // The model must be one of the two BlazeFace files (input [1, 3, 128, 128] or [1, 3, 192, 192]
  // after import; outputs [1, N, 16] and [1, N, 1] with N = 896 or 2304).
  static StatusOr<std::unique_ptr<FaceDetector>> Create(std::shared_ptr<const Model> model,
                                                        ThreadPool* pool = nullptr);

  // Faces in `image` (gray, RGB or RGBA; alpha ignored), best first.
  StatusOr<std::vector<FaceDetection>> Detect(const Image& image, ThreadPool* pool = nullptr,
                                              const FaceDetectorOptions& options = {});

  // Detect, then each face twice more on a square crop around it (twice the box's side, turned so
  // the eyes found so far are level), where it fills half the model input and stands upright:
  // small or tilted faces get their keypoints from a sharper view (the eye line of a face 90
  // pixels wide in a 512-pixel photo moved by 4-6 degrees in trials). A face a pass does not find
  // again near the crop's centre keeps what it had.
  StatusOr<std::vector<FaceDetection>> DetectRefined(const Image& image, ThreadPool* pool = nullptr,
                                                     const FaceDetectorOptions& options = {});

  BlazeFaceKind kind() const { return kind_; }
  int input_size() const { return size_; }

 private:
  FaceDetector() = default;
  std::unique_ptr<Session> session_;
  BlazeFaceKind kind_ = BlazeFaceKind::kShortRange;
  int size_ = 128;
  int regressors_ = 0;  // output index of the [1, N, 16] tensor
  std::vector<FaceAnchor> anchors_;
};

}  // namespace bgone::imaging
