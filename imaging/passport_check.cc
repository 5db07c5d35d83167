#include "imaging/passport_check.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "imaging/composite.h"
#include "imaging/foreground.h"
#include "imaging/json_number.h"

namespace bgone::imaging {
namespace {

std::string Range(double lo, double hi) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.1f-%.1f", lo, hi);
  return buf;
}

PassportCheck InRange(const std::string& rule, double v, const RangeMm& r, const std::string& unit) {
  // Within 0.2 mm outside the range: a warning (a pixel or two at 300 dpi, under detector noise).
  const bool inside = v >= r.min && v <= r.max;
  const bool near = v >= r.min - 0.2 && v <= r.max + 0.2;
  return {rule, inside ? "pass" : near ? "warn" : "fail", v, unit, Range(r.min, r.max)};
}

double Luma(const uint8_t* p) { return 0.2126 * p[0] + 0.7152 * p[1] + 0.0722 * p[2]; }

// The check texts are bgone's own ASCII; quotes and backslashes are escaped all the same.
std::string Quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) >= 0x20) out += c;
  }
  return out + "\"";
}

}  // namespace

std::string PassportMeasuresJsonMembers(const PassportMeasures& m) {
  std::string j = "\"head_height_mm\": " + JsonFixed(m.head_height_mm) + ", \"eye_height_mm\": " + JsonFixed(m.eye_height_mm) +
                  ", \"crown_from_top_mm\": " + JsonFixed(m.crown_from_top_mm) + ", \"tilt_before_degrees\": " +
                  JsonFixed(m.tilt_before_degrees) + ", \"tilt_after_degrees\": " + JsonFixed(m.tilt_after_degrees) +
                  ", \"eye_distance_source_px\": " + JsonFixed(m.eye_distance_source_px) + ", \"compliant\": " +
                  (m.ok() ? "true" : "false") + ", \"checks\": [";
  for (size_t i = 0; i < m.checks.size(); ++i) {
    const PassportCheck& c = m.checks[i];
    j += std::string(i ? ",\n    " : "\n    ") + "{\"rule\": " + Quoted(c.rule) + ", \"result\": " + Quoted(c.result) +
         ", \"value\": " + JsonFixed(c.value) + ", \"unit\": " + Quoted(c.unit) + ", \"expected\": " + Quoted(c.expected) + "}";
  }
  return j + "\n  ]";
}

bool PassportMeasures::ok() const {
  return std::none_of(checks.begin(), checks.end(), [](const PassportCheck& c) { return c.result == "fail"; });
}

StatusOr<PassportMeasures> CheckPassport(const PassportResult& r, const PassportLayout& layout,
                                         const FaceDetection& source_face, const FaceDetection& out_face) {
  const Image& img = r.photo;
  BG_RETURN_IF_ERROR(ValidateImage(img));
  if (img.format != PixelFormat::kRgb8) return InvalidArgumentError("passport check: photo must be Rgb8");
  PassportMeasures m;
  const double ppmm = layout.height_px / layout.height_mm;
  BG_ASSIGN_OR_RETURN(HeadGeometry g, MeasureHead(r.alpha, out_face));
  const double eye_y = g.eye_mid.y;
  m.head_height_mm = g.head_height() / ppmm;
  m.eye_height_mm = (layout.height_px - eye_y) / ppmm;
  m.crown_from_top_mm = (eye_y + g.crown_y) / ppmm;
  m.tilt_before_degrees = r.source.tilt_degrees;
  m.tilt_after_degrees = g.tilt_degrees;
  const FacePoint sre = source_face.keypoints[kRightEye], sle = source_face.keypoints[kLeftEye];
  m.eye_distance_source_px = std::hypot(sle.x - sre.x, sle.y - sre.y);

  auto& c = m.checks;
  c.push_back(InRange("head height (chin to crown)", m.head_height_mm, layout.head_mm, "mm"));
  if (layout.eye_from_bottom_mm) c.push_back(InRange("eye line above the bottom edge", m.eye_height_mm, *layout.eye_from_bottom_mm, "mm"));
  if (layout.crown_from_top_mm) c.push_back(InRange("top edge to crown", m.crown_from_top_mm, *layout.crown_from_top_mm, "mm"));
  const double before = std::fabs(m.tilt_before_degrees), after = std::fabs(m.tilt_after_degrees);
  c.push_back({"head tilt in the source photo (corrected)", before <= 8 ? "pass" : before <= 20 ? "warn" : "fail",
               m.tilt_before_degrees, "degrees", "within 8 (larger tilts are levelled, but often come with a turned head)"});
  c.push_back({"eye line in the output", after <= 3 ? "pass" : after <= 8 ? "warn" : "fail", m.tilt_after_degrees, "degrees", "within 3"});
  const double off = std::fabs(g.eye_mid.x - layout.width_px / 2.0) / layout.width_px * 100;
  c.push_back({"face centred (eye midpoint from the centre line)", off <= 3 ? "pass" : off <= 6 ? "warn" : "fail", off, "% of width", "within 3"});

  // The frame's border band (5% of the short side): share of pixels within 12 levels of the
  // background colour in every channel.
  const int band = std::max(2, std::min(img.width, img.height) / 20);
  int64_t total = 0, plain = 0;
  for (int y = 0; y < img.height; ++y) {
    const uint8_t* row = img.row(y);
    for (int x = 0; x < img.width; ++x) {
      const bool edge = y < band || x < band || x >= img.width - band;  // not the bottom: shoulders
      if (!edge) continue;
      const uint8_t* p = row + 3 * x;
      ++total;
      if (std::abs(p[0] - layout.background.r) <= 12 && std::abs(p[1] - layout.background.g) <= 12 &&
          std::abs(p[2] - layout.background.b) <= 12)
        ++plain;
    }
  }
  const double plain_pct = total ? 100.0 * plain / total : 100.0;
  c.push_back({"plain background at the top and sides", plain_pct >= 85 ? "pass" : plain_pct >= 70 ? "warn" : "fail", plain_pct,
               "% of the border band", ">= 85 (hair and shoulders may reach the border)"});

  // Face region: the central part of the output detection's box.
  const int fx0 = std::clamp(static_cast<int>(out_face.x + 0.2 * out_face.width), 1, img.width - 2);
  const int fx1 = std::clamp(static_cast<int>(out_face.x + 0.8 * out_face.width), 1, img.width - 2);
  const int fy0 = std::clamp(static_cast<int>(out_face.y + 0.2 * out_face.height), 1, img.height - 2);
  const int fy1 = std::clamp(static_cast<int>(out_face.y + 0.9 * out_face.height), 1, img.height - 2);
  double sum = 0, sum2 = 0, lap = 0, lap2 = 0;
  int64_t n = 0;
  for (int y = fy0; y <= fy1; ++y)
    for (int x = fx0; x <= fx1; ++x) {
      const double l = Luma(img.row(y) + 3 * x);
      const double lp = Luma(img.row(y - 1) + 3 * x) + Luma(img.row(y + 1) + 3 * x) + Luma(img.row(y) + 3 * (x - 1)) +
                        Luma(img.row(y) + 3 * (x + 1)) - 4 * l;
      sum += l;
      sum2 += l * l;
      lap += lp;
      lap2 += lp * lp;
      ++n;
    }
  if (n < 16) return InvalidArgumentError("passport check: the face region is too small");
  const double mean = sum / n, sd = std::sqrt(std::max(0.0, sum2 / n - mean * mean));
  const double lap_var = std::max(0.0, lap2 / n - (lap / n) * (lap / n));
  c.push_back({"exposure (mean face brightness)", mean >= 70 && mean <= 210 ? "pass" : mean >= 45 && mean <= 235 ? "warn" : "fail", mean,
               "0-255", "70-210"});
  c.push_back({"contrast (face brightness deviation)", sd >= 20 ? "pass" : sd >= 10 ? "warn" : "fail", sd, "0-255", ">= 20"});
  c.push_back({"sharpness (variance of the Laplacian on the face)", lap_var >= 20 ? "pass" : lap_var >= 8 ? "warn" : "fail", lap_var, "",
               ">= 20"});
  c.push_back({"source face resolution (pixels between the eyes)", m.eye_distance_source_px >= 90 ? "pass" : m.eye_distance_source_px >= 60 ? "warn" : "fail",
               m.eye_distance_source_px, "px", ">= 90 (60 the least)"});
  const double up = r.scale;
  c.push_back({"no upscaling", up <= 1.0 ? "pass" : up <= 2.0 ? "warn" : "fail", up, "output px per source px", "<= 1"});
  const double cut_mm = r.subject_cut_px / ppmm;
  c.push_back({"subject cut by the source photo's edge inside the frame", cut_mm <= 1 ? "pass" : cut_mm <= 10 ? "warn" : "fail", cut_mm, "mm",
               "<= 1 (a photo with more room around the person avoids a hard edge)"});
  c.push_back({"hair inside the source photo", r.source.crown_at_photo_edge ? "warn" : "pass", r.source.crown_at_photo_edge ? 1.0 : 0.0, "",
               "the photo's top edge does not cut the hair (else the crown is a guess)"});
  return m;
}

StatusOr<PassportPhoto> MakePassportPhoto(const Image& photo, const Image& mask, const FaceDetection& face,
                                          const PassportLayout& layout, FaceDetector& detector, ThreadPool* pool) {
  BG_ASSIGN_OR_RETURN(Image alpha, CombinedAlpha(photo, mask));
  BG_ASSIGN_OR_RETURN(Image colours, EstimateForeground(photo, alpha, {}, pool));
  PassportPhoto p;
  BG_ASSIGN_OR_RETURN(p.result, ComposePassport(colours, alpha, face, layout, pool));
  BG_ASSIGN_OR_RETURN(std::vector<FaceDetection> again, detector.DetectRefined(p.result.photo, pool));
  if (again.size() != 1)
    return InternalError("the face was not found exactly once on the composed photo (" + std::to_string(again.size()) + ")");
  p.output_face = again[0];
  BG_ASSIGN_OR_RETURN(p.measures, CheckPassport(p.result, layout, face, p.output_face));
  return p;
}

}  // namespace bgone::imaging
