// Compliance checks of a composed passport photo, each measured on the output (the face detected
// again on it, its carried matte) or on the source, never taken from the composer's intentions:
//   head height (chin to crown) and eye line or crown position against the document's ranges;
//   eye tilt before correction and after; face centring; the frame's border against the
//   document's background colour; exposure, contrast and sharpness (variance of the Laplacian)
//   of the face; the source face's resolution (pixels between the eyes); whether the photo
//   covers the frame and the hair reaches the photo's top edge.
// Each check is pass / warn / fail with its number. The thresholds are bgone's reading of the
// common rules (ICAO 9303 / ISO/IEC 19794-5: roll within 8 degrees, 90+ pixels between the eyes
// recommended, 60 the least; uniform background) and are listed in docs/PASSPORT.md.
#pragma once

#include <string>
#include <vector>

#include "imaging/face_detect.h"
#include "imaging/passport.h"

namespace bgone::imaging {

struct PassportCheck {
  std::string rule;
  std::string result;  // "pass", "warn" or "fail"
  double value = 0;
  std::string unit;
  std::string expected;
};

struct PassportMeasures {
  double head_height_mm = 0;
  double eye_height_mm = 0;      // eye line above the bottom edge
  double crown_from_top_mm = 0;  // top edge to crown
  double tilt_before_degrees = 0;
  double tilt_after_degrees = 0;
  double eye_distance_source_px = 0;
  std::vector<PassportCheck> checks;
  bool ok() const;  // no "fail"
};

// The measurements and checks as JSON members (no braces): "head_height_mm": ..., "compliant":
// true|false, "checks": [{"rule", "result", "value", "unit", "expected"}, ...].
std::string PassportMeasuresJsonMembers(const PassportMeasures& m);

// `output_face`: the face detected again on result.photo (exactly one was found).
StatusOr<PassportMeasures> CheckPassport(const PassportResult& result, const PassportLayout& layout,
                                         const FaceDetection& source_face, const FaceDetection& output_face);

// The whole passport step after segmentation, as the CLI and the C API run it: the photo's
// combined alpha (its alpha channel, if any, times `mask`), its decontaminated colours,
// ComposePassport, the face detected again on the result with `detector` (exactly once, else
// an error) and CheckPassport.
struct PassportPhoto {
  PassportResult result;
  FaceDetection output_face;
  PassportMeasures measures;
};
StatusOr<PassportPhoto> MakePassportPhoto(const Image& photo, const Image& mask, const FaceDetection& face,
                                          const PassportLayout& layout, FaceDetector& detector,
                                          ThreadPool* pool = nullptr);

}  // namespace bgone::imaging
