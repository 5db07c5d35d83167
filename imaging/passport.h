// Passport / ID photo framing: from a photo, its cut-out matte and the one detected face to a
// photo of a document's exact size, with the eyes level, the head (crown to chin) at the middle of
// the document's head-height range and the eyes (or the crown) at the middle of its position
// range, on the document's background colour.
//
// Geometry, in a "levelled" frame: origin at the midpoint of the eyes, x along the eye line
// (rotated by the measured tilt), y downwards, source pixels.
//  - chin: below the mouth by kChinBelowMouth times the eye-to-mouth distance (face geometry;
//    adult averages put the chin about 0.7 eye-to-mouth distances below the mouth centre);
//  - crown: the top of the matte (hair counts) over the middle half of the face's width: per
//    column the highest foreground pixel (alpha >= 128) within four eye-to-mouth distances above
//    the eyes, the crown the 10th percentile of those rows (robust to a few stray pixels).
// Rendering maps every output pixel back into the photo (one bilinear sample of the decontaminated
// colours and of the matte) and composites over the background; parts of the frame the photo
// does not cover are background, and reported.
// Thread-compatible; deterministic.
#pragma once

#include <optional>

#include "engine/common/status.h"
#include "engine/runtime/thread_pool.h"
#include "imaging/color.h"
#include "imaging/face_detect.h"
#include "imaging/image.h"

namespace bgone::imaging {

inline constexpr double kChinBelowMouth = 0.70;

struct RangeMm {
  double min = 0;
  double max = 0;
  double mid() const { return (min + max) / 2; }
};

// What ComposePassport needs from a document spec.
struct PassportLayout {
  double width_mm = 0;
  double height_mm = 0;
  int width_px = 0;   // output size (mm x dpi / 25.4, or the spec's digital size)
  int height_px = 0;
  RangeMm head_mm;                        // chin to crown
  std::optional<RangeMm> eye_from_bottom_mm;  // eye line above the bottom edge
  std::optional<RangeMm> crown_from_top_mm;   // top edge to crown
  Rgb8 background{255, 255, 255};
};

// Measurements in the levelled frame of the source photo (pixels).
struct HeadGeometry {
  double tilt_degrees = 0;  // eye-line angle in the photo, positive = the subject's left eye lower
  FacePoint eye_mid;        // photo coordinates
  double eye_to_mouth = 0;
  double crown_y = 0;  // < 0: above the eyes
  double chin_y = 0;   // > 0
  bool crown_at_photo_edge = false;  // the matte reaches the photo's top edge: hair may be cut off
  double head_height() const { return chin_y - crown_y; }
};

StatusOr<HeadGeometry> MeasureHead(const Image& alpha, const FaceDetection& face);

struct PassportResult {
  Image photo;  // Rgb8, layout.width_px x layout.height_px
  Image alpha;  // Gray8, the matte carried into the output (for checks)
  HeadGeometry source;
  double scale = 0;  // output pixels per source pixel
  // Where the head landed, output pixels from the top.
  double crown_y = 0, chin_y = 0, eye_y = 0, eye_x = 0;
  double uncovered_fraction = 0;  // share of output pixels the photo does not reach
  // Output pixels of the subject (alpha >= 128) next to a pixel the photo does not reach: the
  // length, in pixels, of the hard edge where the photo's border cuts the subject inside the
  // frame (0 when the photo covers the frame wherever the subject is).
  int64_t subject_cut_px = 0;
};

// `colours`: the photo's (decontaminated) foreground colours, Rgb8; `alpha`: its refined matte,
// Gray8 of the same size; `face`: the one detected face, in the same pixels.
StatusOr<PassportResult> ComposePassport(const Image& colours, const Image& alpha,
                                         const FaceDetection& face, const PassportLayout& layout,
                                         ThreadPool* pool = nullptr);

}  // namespace bgone::imaging
