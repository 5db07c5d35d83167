// A number for a JSON text with a fixed count of decimals ("null" when it is not finite), as
// the JSON reports of faces and passport checks write them. Uses the C locale's '.' (bgone
// never sets LC_NUMERIC).
#pragma once

#include <cmath>
#include <cstdio>
#include <string>

namespace bgone::imaging {

inline std::string JsonFixed(double v, int decimals = 2) {
  if (!std::isfinite(v)) return "null";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

}  // namespace bgone::imaging
