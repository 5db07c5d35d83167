// Colour values given by users (e.g. `--bg`).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/common/status.h"

namespace bgone::imaging {

struct Rgb8 {
  uint8_t r = 0;
  uint8_t g = 0;
  uint8_t b = 0;
  bool operator==(const Rgb8&) const = default;
};

// Accepts "#rgb", "#rrggbb" (hex digits in either case) and the CSS colour names white, black,
// red, green (#008000, as in CSS), lime (#00ff00), blue, gray/grey, yellow, cyan, magenta.
// Names are case-insensitive; surrounding whitespace is not accepted.
StatusOr<Rgb8> ParseColor(std::string_view text);

// "#rrggbb", lower case.
std::string FormatColor(Rgb8 color);

}  // namespace bgone::imaging
