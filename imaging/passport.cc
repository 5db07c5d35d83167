#include "imaging/passport.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace bgone::imaging {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kCrownSearchAbove = 4.0;  // eye-to-mouth distances above the eyes
constexpr double kCrownPercentile = 0.10;

// Bilinear sample of channel c of an 8-bit image at (x, y) in pixel-centre coordinates
// (pixel i covers [i, i+1), its centre at i + 0.5). Returns -1 outside the image.
inline double Sample(const Image& img, double x, double y, int c) {
  const double fx = x - 0.5, fy = y - 0.5;
  if (fx < -0.5 || fy < -0.5 || fx > img.width - 0.5 || fy > img.height - 0.5) return -1;
  const int x0 = std::clamp(static_cast<int>(std::floor(fx)), 0, img.width - 1);
  const int y0 = std::clamp(static_cast<int>(std::floor(fy)), 0, img.height - 1);
  const int x1 = std::min(x0 + 1, img.width - 1), y1 = std::min(y0 + 1, img.height - 1);
  const double ax = std::clamp(fx - x0, 0.0, 1.0), ay = std::clamp(fy - y0, 0.0, 1.0);
  const int ch = img.channels();
  auto at = [&](int xx, int yy) { return static_cast<double>(img.row(yy)[static_cast<size_t>(xx) * ch + c]); };
  const double top = at(x0, y0) * (1 - ax) + at(x1, y0) * ax;
  const double bottom = at(x0, y1) * (1 - ax) + at(x1, y1) * ax;
  return top * (1 - ay) + bottom * ay;
}

struct Frame {
  double cos_t = 1, sin_t = 0;
  FacePoint origin;
  // Levelled -> photo.
  void ToPhoto(double qx, double qy, double* px, double* py) const {
    *px = origin.x + cos_t * qx - sin_t * qy;
    *py = origin.y + sin_t * qx + cos_t * qy;
  }
  // Photo -> levelled.
  void ToLevel(double px, double py, double* qx, double* qy) const {
    const double dx = px - origin.x, dy = py - origin.y;
    *qx = cos_t * dx + sin_t * dy;
    *qy = -sin_t * dx + cos_t * dy;
  }
};

Frame FrameOf(const HeadGeometry& g) {
  Frame f;
  const double t = g.tilt_degrees * kPi / 180.0;
  f.cos_t = std::cos(t);
  f.sin_t = std::sin(t);
  f.origin = g.eye_mid;
  return f;
}

}  // namespace

StatusOr<HeadGeometry> MeasureHead(const Image& alpha, const FaceDetection& face) {
  BG_RETURN_IF_ERROR(ValidateImage(alpha));
  if (alpha.format != PixelFormat::kGray8) return InvalidArgumentError("passport: the matte must be Gray8");
  HeadGeometry g;
  const FacePoint re = face.keypoints[kRightEye], le = face.keypoints[kLeftEye];
  const double ex = le.x - re.x, ey = le.y - re.y;
  if (!(std::hypot(ex, ey) > 1.0)) return InvalidArgumentError("passport: the eyes are not apart in the detection");
  g.tilt_degrees = std::atan2(ey, ex) * 180.0 / kPi;
  g.eye_mid = {(re.x + le.x) / 2, (re.y + le.y) / 2};
  const Frame f = FrameOf(g);
  double mx, my;
  f.ToLevel(face.keypoints[kMouthCentre].x, face.keypoints[kMouthCentre].y, &mx, &my);
  if (!(my > 1.0)) return InvalidArgumentError("passport: the mouth is not below the eyes (face upside down?)");
  g.eye_to_mouth = my;
  g.chin_y = my + kChinBelowMouth * my;

  // Crown: over the middle half of the face's width (between the ears when they are found).
  double left, right;
  f.ToLevel(face.keypoints[kRightEarTragion].x, face.keypoints[kRightEarTragion].y, &left, &my);
  f.ToLevel(face.keypoints[kLeftEarTragion].x, face.keypoints[kLeftEarTragion].y, &right, &my);
  if (!(right - left > 2.0)) {
    left = -face.width / 2;
    right = face.width / 2;
  }
  const double half = (right - left) / 4, centre = (left + right) / 2;
  const double top_limit = -kCrownSearchAbove * g.eye_to_mouth;
  const int columns = std::max(8, static_cast<int>(std::lround(2 * half)));
  std::vector<double> tops;
  bool edge = false;
  for (int i = 0; i < columns; ++i) {
    const double qx = centre - half + (2 * half) * (i + 0.5) / columns;
    double found = 0;  // no foreground above the eyes in this column: the eye line
    for (double qy = top_limit; qy < 0; qy += 1.0) {
      double px, py;
      f.ToPhoto(qx, qy, &px, &py);
      const double a = Sample(alpha, px, py, 0);
      if (a >= 128) {
        found = qy;
        // Foreground at the first in-photo row of the search: the photo's edge cut the head.
        double px0, py0;
        f.ToPhoto(qx, qy - 1.5, &px0, &py0);
        if (Sample(alpha, px0, py0, 0) < 0) edge = true;
        break;
      }
    }
    tops.push_back(found);
  }
  std::sort(tops.begin(), tops.end());
  g.crown_y = tops[static_cast<size_t>(kCrownPercentile * (tops.size() - 1))];
  g.crown_at_photo_edge = edge;
  if (!(g.crown_y < 0)) return InvalidArgumentError("passport: no head found above the eyes in the cut-out matte");
  return g;
}

StatusOr<PassportResult> ComposePassport(const Image& colours, const Image& alpha, const FaceDetection& face,
                                         const PassportLayout& layout, ThreadPool* pool) {
  BG_RETURN_IF_ERROR(ValidateImage(colours));
  if (colours.format != PixelFormat::kRgb8) return InvalidArgumentError("passport: colours must be Rgb8");
  if (alpha.width != colours.width || alpha.height != colours.height)
    return InvalidArgumentError("passport: the matte and the photo differ in size");
  if (layout.width_px < 16 || layout.height_px < 16 || layout.width_mm <= 0 || layout.height_mm <= 0 ||
      !(layout.head_mm.max >= layout.head_mm.min) || layout.head_mm.min <= 0)
    return InvalidArgumentError("passport: invalid layout");
  PassportResult r;
  BG_ASSIGN_OR_RETURN(r.source, MeasureHead(alpha, face));
  const HeadGeometry& g = r.source;
  const double ppmm_y = layout.height_px / layout.height_mm;
  r.scale = layout.head_mm.mid() * ppmm_y / g.head_height();
  r.eye_x = layout.width_px / 2.0;
  // Vertical placement: the eye line at the middle of its range; a crown range, when the spec
  // has one, keeps the eye line inside its own range but moves it toward the crown range's middle.
  const double crown_to_eye = -g.crown_y * r.scale;
  double eye_y = 0;
  if (layout.eye_from_bottom_mm) {
    eye_y = layout.height_px - layout.eye_from_bottom_mm->mid() * ppmm_y;
    if (layout.crown_from_top_mm) {
      const double want = layout.crown_from_top_mm->mid() * ppmm_y + crown_to_eye;
      const double lo = layout.height_px - layout.eye_from_bottom_mm->max * ppmm_y;
      const double hi = layout.height_px - layout.eye_from_bottom_mm->min * ppmm_y;
      eye_y = std::clamp(want, lo, hi);
    }
  } else if (layout.crown_from_top_mm) {
    eye_y = layout.crown_from_top_mm->mid() * ppmm_y + crown_to_eye;
  } else {
    // No rule: the head centred vertically.
    eye_y = layout.height_px / 2.0 - (g.crown_y + g.chin_y) / 2 * r.scale;
  }
  r.eye_y = eye_y;
  r.crown_y = eye_y + g.crown_y * r.scale;
  r.chin_y = eye_y + g.chin_y * r.scale;

  BG_ASSIGN_OR_RETURN(r.photo, Image::Create(layout.width_px, layout.height_px, PixelFormat::kRgb8));
  BG_ASSIGN_OR_RETURN(r.alpha, Image::Create(layout.width_px, layout.height_px, PixelFormat::kGray8));
  const Frame f = FrameOf(g);
  const double inv = 1.0 / r.scale;
  std::vector<int64_t> uncovered(static_cast<size_t>(layout.height_px), 0);
  const Rgb8 bg = layout.background;
  ParallelFor(pool, layout.height_px, [&](int64_t y0, int64_t y1) {
    for (int64_t v = y0; v < y1; ++v) {
      uint8_t* out = r.photo.row(static_cast<int>(v));
      uint8_t* am = r.alpha.row(static_cast<int>(v));
      for (int u = 0; u < layout.width_px; ++u) {
        double px, py;
        f.ToPhoto((u + 0.5 - r.eye_x) * inv, (v + 0.5 - eye_y) * inv, &px, &py);
        const double a = Sample(alpha, px, py, 0);
        if (a < 0) {
          ++uncovered[static_cast<size_t>(v)];
          out[3 * u] = bg.r;
          out[3 * u + 1] = bg.g;
          out[3 * u + 2] = bg.b;
          am[u] = 0;
          continue;
        }
        const uint8_t a8 = static_cast<uint8_t>(std::lround(std::clamp(a, 0.0, 255.0)));
        am[u] = a8;
        const uint8_t bgc[3] = {bg.r, bg.g, bg.b};
        for (int c = 0; c < 3; ++c) {
          const double col = Sample(colours, px, py, c);
          out[3 * u + c] = static_cast<uint8_t>(std::lround(std::clamp((col * a + bgc[c] * (255.0 - a)) / 255.0, 0.0, 255.0)));
        }
      }
    }
  });
  int64_t total = 0;
  for (int64_t n : uncovered) total += n;
  // Where uncovered pixels touch the subject. The photo's reach is recomputed per pixel (the
  // same mapping as above), so no coverage plane is kept.
  if (total > 0) {
    const int w = layout.width_px, h = layout.height_px;
    auto covered = [&](int u, int v) {
      double px, py;
      f.ToPhoto((u + 0.5 - r.eye_x) * inv, (v + 0.5 - eye_y) * inv, &px, &py);
      return Sample(alpha, px, py, 0) >= 0;
    };
    for (int v = 0; v < h; ++v) {
      const uint8_t* am = r.alpha.row(v);
      for (int u = 0; u < w; ++u) {
        if (am[u] < 128) continue;
        if ((u > 0 && !covered(u - 1, v)) || (u + 1 < w && !covered(u + 1, v)) || (v > 0 && !covered(u, v - 1)) ||
            (v + 1 < h && !covered(u, v + 1)))
          ++r.subject_cut_px;
      }
    }
  }
  r.uncovered_fraction = static_cast<double>(total) / (static_cast<double>(layout.width_px) * layout.height_px);
  return r;
}

}  // namespace bgone::imaging
