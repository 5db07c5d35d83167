#include "imaging/face_detect.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "imaging/json_number.h"

namespace bgone::imaging {
namespace {

constexpr int kValuesPerAnchor = 16;  // box (4) + 6 keypoints x 2
constexpr int kKeypoints = 6;
constexpr float kScoreClip = 100.0f;

// One bilinear sample of channel c (grey images: their one channel) at photo position (fx, fy)
// in pixel-index units (pixel (x, y) is at (x, y)); black outside the photo.
double SampleBilinear(const Image& image, double fx, double fy, int c) {
  const int ch = image.channels();
  auto at = [&](int x, int y) -> double {
    if (x < 0 || y < 0 || x >= image.width || y >= image.height) return 0;
    return image.row(y)[static_cast<size_t>(x) * ch + (ch >= 3 ? c : 0)];
  };
  const int x0 = static_cast<int>(std::floor(fx)), y0 = static_cast<int>(std::floor(fy));
  const double ax = fx - x0, ay = fy - y0;
  return (at(x0, y0) * (1 - ax) + at(x0 + 1, y0) * ax) * (1 - ay) + (at(x0, y0 + 1) * (1 - ax) + at(x0 + 1, y0 + 1) * ax) * ay;
}

struct Letterbox {
  // Normalised padding of the model input on each side.
  float left = 0, top = 0, right = 0, bottom = 0;
};

// Step 1: the photo fitted into size x size, centred on black, as NCHW float in [-1, 1]. Like
// MediaPipe's ImageToTensor (keep_aspect_ratio, BORDER_ZERO), every tensor pixel is one bilinear
// sample of the photo at the exact fractional position (no rounding of the fitted size, no
// antialiasing), so detections line up with MediaPipe's own.
StatusOr<Tensor> LetterboxInput(const Image& image, int size, ThreadPool* pool, Letterbox* box) {
  BG_RETURN_IF_ERROR(ValidateImage(image));
  const double side = std::max(image.width, image.height);  // the square the photo is centred in
  const double step = side / size;                          // photo pixels per tensor pixel
  const double ox = (side - image.width) / 2, oy = (side - image.height) / 2;
  box->left = box->right = static_cast<float>(ox / side);
  box->top = box->bottom = static_cast<float>(oy / side);
  BG_ASSIGN_OR_RETURN(Tensor t, Tensor::AllocateUninitialized(DType::kFloat32, {1, 3, size, size}));
  float* d = t.data<float>();
  const size_t plane = static_cast<size_t>(size) * size;
  ParallelFor(pool, size, [&](int64_t y0, int64_t y1) {
    for (int64_t ty = y0; ty < y1; ++ty) {
      const double fy = (ty + 0.5) * step - oy - 0.5;
      for (int tx = 0; tx < size; ++tx) {
        const double fx = (tx + 0.5) * step - ox - 0.5;
        const size_t o = static_cast<size_t>(ty) * size + static_cast<size_t>(tx);
        for (int c = 0; c < 3; ++c) {
          const float v = static_cast<float>(SampleBilinear(image, fx, fy, c));
          d[c * plane + o] = v / 127.5f - 1.0f;
        }
      }
    }
  });
  return t;
}

float Sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

}  // namespace

std::string FaceDetectionJson(const FaceDetection& d) {
  std::string s = "{\"score\": " + JsonFixed(d.score, 4) + ", \"box\": {\"x\": " + JsonFixed(d.x, 2) + ", \"y\": " + JsonFixed(d.y, 2) +
                  ", \"width\": " + JsonFixed(d.width, 2) + ", \"height\": " + JsonFixed(d.height, 2) + "}, \"keypoints\": [";
  for (size_t k = 0; k < d.keypoints.size(); ++k) {
    s += k ? ", [" : "[";
    s += JsonFixed(d.keypoints[k].x, 2);
    s += ", ";
    s += JsonFixed(d.keypoints[k].y, 2);
    s += "]";
  }
  return s + "]}";
}

std::vector<FaceAnchor> BlazeFaceAnchors(BlazeFaceKind kind) {
  // Layers with equal strides share one grid; per layer, one anchor for aspect ratio 1 plus one
  // for the interpolated scale when interpolated_scale_aspect_ratio > 0 (short range only).
  const int input = kind == BlazeFaceKind::kShortRange ? 128 : 192;
  const std::vector<int> strides = kind == BlazeFaceKind::kShortRange ? std::vector<int>{8, 16, 16, 16} : std::vector<int>{4};
  const int per_layer = kind == BlazeFaceKind::kShortRange ? 2 : 1;
  std::vector<FaceAnchor> anchors;
  for (size_t i = 0; i < strides.size();) {
    size_t j = i;
    while (j < strides.size() && strides[j] == strides[i]) ++j;
    const int per_cell = per_layer * static_cast<int>(j - i);
    const int grid = (input + strides[i] - 1) / strides[i];
    for (int y = 0; y < grid; ++y)
      for (int x = 0; x < grid; ++x)
        for (int k = 0; k < per_cell; ++k)
          anchors.push_back({(x + 0.5f) / grid, (y + 0.5f) / grid});
    i = j;
  }
  return anchors;
}

float BoxIoU(const FaceDetection& a, const FaceDetection& b) {
  const float ix = std::max(0.0f, std::min(a.x + a.width, b.x + b.width) - std::max(a.x, b.x));
  const float iy = std::max(0.0f, std::min(a.y + a.height, b.y + b.height) - std::max(a.y, b.y));
  const float inter = ix * iy;
  const float uni = a.width * a.height + b.width * b.height - inter;
  return uni > 0 ? inter / uni : 0.0f;
}

std::vector<FaceDetection> WeightedNonMaxSuppression(std::vector<FaceDetection> d, float iou_threshold) {
  // Stable order so equal scores resolve the same way everywhere.
  std::stable_sort(d.begin(), d.end(), [](const FaceDetection& a, const FaceDetection& b) { return a.score > b.score; });
  std::vector<FaceDetection> out;
  std::vector<FaceDetection> rest;
  while (!d.empty()) {
    const FaceDetection best = d.front();
    double wsum = 0, x0 = 0, y0 = 0, x1 = 0, y1 = 0;
    std::array<double, 2 * kKeypoints> kp{};
    rest.clear();
    for (const FaceDetection& c : d) {
      if (&c != &d.front() && BoxIoU(best, c) <= iou_threshold) {
        rest.push_back(c);
        continue;
      }
      const double w = c.score;
      wsum += w;
      x0 += w * c.x;
      y0 += w * c.y;
      x1 += w * (c.x + c.width);
      y1 += w * (c.y + c.height);
      for (int k = 0; k < kKeypoints; ++k) {
        kp[2 * k] += w * c.keypoints[k].x;
        kp[2 * k + 1] += w * c.keypoints[k].y;
      }
    }
    FaceDetection merged = best;
    if (wsum > 0) {
      merged.x = static_cast<float>(x0 / wsum);
      merged.y = static_cast<float>(y0 / wsum);
      merged.width = static_cast<float>((x1 - x0) / wsum);
      merged.height = static_cast<float>((y1 - y0) / wsum);
      for (int k = 0; k < kKeypoints; ++k)
        merged.keypoints[k] = {static_cast<float>(kp[2 * k] / wsum), static_cast<float>(kp[2 * k + 1] / wsum)};
    }
    out.push_back(merged);
    d.swap(rest);
  }
  return out;
}

StatusOr<std::unique_ptr<FaceDetector>> FaceDetector::Create(std::shared_ptr<const Model> model, ThreadPool* pool) {
  if (!model) return InvalidArgumentError("face detector: no model");
  const auto inputs = model->inputs();
  const auto outputs = model->outputs();
  if (inputs.size() != 1 || inputs[0].shape.size() != 4 || inputs[0].shape[1] != 3 ||
      inputs[0].shape[2] != inputs[0].shape[3] || (inputs[0].shape[2] != 128 && inputs[0].shape[2] != 192))
    return InvalidArgumentError("face detector: not a BlazeFace model (expected one input [1, 3, 128, 128] or [1, 3, 192, 192])");
  auto det = std::unique_ptr<FaceDetector>(new FaceDetector());
  det->size_ = static_cast<int>(inputs[0].shape[2]);
  det->kind_ = det->size_ == 128 ? BlazeFaceKind::kShortRange : BlazeFaceKind::kFullRange;
  det->anchors_ = BlazeFaceAnchors(det->kind_);
  SessionOptions options;
  options.prepare_pool = pool;
  BG_ASSIGN_OR_RETURN(det->session_, Session::Create(model, {}, options));
  const auto& outs = det->session_->outputs();
  const int64_t n = static_cast<int64_t>(det->anchors_.size());
  int regressors = -1, scores = -1;
  for (size_t i = 0; i < outs.size(); ++i) {
    const Shape& s = outs[i].shape;
    if (s.size() == 3 && s[0] == 1 && s[1] == n && s[2] == kValuesPerAnchor) regressors = static_cast<int>(i);
    if (s.size() == 3 && s[0] == 1 && s[1] == n && s[2] == 1) scores = static_cast<int>(i);
  }
  if (outs.size() != 2 || regressors < 0 || scores < 0)
    return InvalidArgumentError("face detector: expected outputs [1, " + std::to_string(n) + ", 16] and [1, " + std::to_string(n) + ", 1]");
  det->regressors_ = regressors;
  return det;
}

StatusOr<std::vector<FaceDetection>> FaceDetector::Detect(const Image& image, ThreadPool* pool,
                                                          const FaceDetectorOptions& options) {
  Letterbox box;
  BG_ASSIGN_OR_RETURN(Tensor input, LetterboxInput(image, size_, pool, &box));
  std::vector<Tensor> outs;
  BG_RETURN_IF_ERROR(session_->Run({input}, &outs, pool));
  const float* reg = outs[static_cast<size_t>(regressors_)].data<float>();
  const float* logit = outs[static_cast<size_t>(1 - regressors_)].data<float>();
  const float min_score = options.min_score >= 0 ? options.min_score : (kind_ == BlazeFaceKind::kShortRange ? 0.5f : 0.6f);
  const float s = static_cast<float>(size_);
  // Normalised model-input coordinates -> photo pixels.
  const float sx = image.width / (1.0f - box.left - box.right), sy = image.height / (1.0f - box.top - box.bottom);
  auto px = [&](float x) { return (x - box.left) * sx; };
  auto py = [&](float y) { return (y - box.top) * sy; };
  std::vector<FaceDetection> found;
  for (size_t i = 0; i < anchors_.size(); ++i) {
    const float score = Sigmoid(std::clamp(logit[i], -kScoreClip, kScoreClip));
    if (!(score >= min_score)) continue;
    const float* r = reg + i * kValuesPerAnchor;
    const FaceAnchor& a = anchors_[i];
    const float cx = r[0] / s + a.x, cy = r[1] / s + a.y, w = r[2] / s, h = r[3] / s;
    FaceDetection d;
    d.score = score;
    d.x = px(cx - w / 2);
    d.y = py(cy - h / 2);
    d.width = w * sx;
    d.height = h * sy;
    for (int k = 0; k < kKeypoints; ++k) d.keypoints[k] = {px(r[4 + 2 * k] / s + a.x), py(r[5 + 2 * k] / s + a.y)};
    if (!std::isfinite(d.x) || !std::isfinite(d.y) || !std::isfinite(d.width) || !std::isfinite(d.height)) continue;
    found.push_back(d);
  }
  return WeightedNonMaxSuppression(std::move(found), options.nms_iou);
}

StatusOr<std::vector<FaceDetection>> FaceDetector::DetectRefined(const Image& image, ThreadPool* pool,
                                                                 const FaceDetectorOptions& options) {
  BG_ASSIGN_OR_RETURN(std::vector<FaceDetection> faces, Detect(image, pool, options));
  for (FaceDetection& face : faces) {
    for (int pass = 0; pass < 2; ++pass) {
      // A square crop twice the box's side around the box's centre, turned so the current eye
      // line is horizontal (BlazeFace is most precise on upright faces).
      const FacePoint re = face.keypoints[kRightEye], le = face.keypoints[kLeftEye];
      const double t = std::atan2(le.y - re.y, le.x - re.x), ct = std::cos(t), st = std::sin(t);
      const double side = 2.0 * std::max(face.width, face.height);
      const int n = std::clamp(static_cast<int>(std::lround(side)), 16, 1024);
      const double step = side / n;
      const double cx = face.x + face.width / 2.0, cy = face.y + face.height / 2.0;
      // Crop pixel coordinates (pixel-centre units) -> photo coordinates.
      auto to_photo = [&](double x, double y, double* px, double* py) {
        const double u = (x - n / 2.0) * step, v = (y - n / 2.0) * step;
        *px = cx + ct * u - st * v;
        *py = cy + st * u + ct * v;
      };
      BG_ASSIGN_OR_RETURN(Image crop, Image::Create(n, n, PixelFormat::kRgb8));
      for (int y = 0; y < n; ++y) {
        uint8_t* out = crop.row(y);
        for (int x = 0; x < n; ++x) {
          double px, py;
          to_photo(x + 0.5, y + 0.5, &px, &py);
          for (int c = 0; c < 3; ++c) {
            const double v = SampleBilinear(image, px - 0.5, py - 0.5, c);
            out[3 * x + c] = static_cast<uint8_t>(std::lround(std::clamp(v, 0.0, 255.0)));
          }
        }
      }
      BG_ASSIGN_OR_RETURN(std::vector<FaceDetection> again, Detect(crop, pool, options));
      // The detection nearest the crop's centre, if it is the same face.
      const FaceDetection* best = nullptr;
      double best_d = 0.25 * n;
      for (const FaceDetection& d : again) {
        const double dd = std::hypot(d.x + d.width / 2 - n / 2.0, d.y + d.height / 2 - n / 2.0);
        if (dd < best_d) {
          best_d = dd;
          best = &d;
        }
      }
      if (!best) break;
      FaceDetection r = *best;
      double px, py;
      to_photo(best->x + best->width / 2, best->y + best->height / 2, &px, &py);
      r.width = static_cast<float>(best->width * step);
      r.height = static_cast<float>(best->height * step);
      r.x = static_cast<float>(px - r.width / 2);
      r.y = static_cast<float>(py - r.height / 2);
      for (size_t k = 0; k < r.keypoints.size(); ++k) {
        to_photo(best->keypoints[k].x, best->keypoints[k].y, &px, &py);
        r.keypoints[k] = {static_cast<float>(px), static_cast<float>(py)};
      }
      face = r;
    }
  }
  return faces;
}

}  // namespace bgone::imaging
