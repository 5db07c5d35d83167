// Document photo rules as data: imaging/passport_specs.json (built into the library, and served
// to the web app as is). See the file's "units" text for the fields.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/common/status.h"
#include "imaging/color.h"
#include "imaging/passport.h"

namespace bgone::imaging {

struct PassportSpec {
  std::string id;
  std::string name;
  double width_mm = 0, height_mm = 0;
  RangeMm head_mm;
  std::optional<RangeMm> eye_from_bottom_mm;
  std::optional<RangeMm> crown_from_top_mm;
  Rgb8 background{255, 255, 255};
  std::string background_name;
  double dpi = 300;
  // Digital upload limits (0 where the document gives none; all 0 and an empty format when the
  // document has no digital route). kB are 1024 bytes.
  int min_width_px = 0, min_height_px = 0, max_width_px = 0, max_height_px = 0;
  int min_kb = 0, max_kb = 0;
  std::string digital_format;  // "jpeg" etc., empty when not stated
  std::string source;
  std::string source_note;
};

// Parses the specs file (bounds-checked, depth-limited JSON; errors name the byte offset or the
// spec and field). Validates: ids (lowercase letters, digits, '-'), positive sizes, ranges with
// min <= max inside the photo (crown margin plus head height too), hex colours, digital limits
// with min <= max, unique ids. Numbers are read the same way in every C locale.
StatusOr<std::vector<PassportSpec>> ParsePassportSpecs(std::string_view json);

// The file as built into the library.
std::string_view BuiltinPassportSpecsJson();
StatusOr<std::vector<PassportSpec>> BuiltinPassportSpecs();

// The spec called `id`, or an error listing the known ids.
StatusOr<PassportSpec> FindPassportSpec(const std::vector<PassportSpec>& specs, std::string_view id);

// The composer's layout for `spec` printed at `dpi` (the pixel size is the print size at that
// resolution).
StatusOr<PassportLayout> LayoutForSpec(const PassportSpec& spec, double dpi);

}  // namespace bgone::imaging
