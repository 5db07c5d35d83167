#include "imaging/color.h"

#include <cstdio>

namespace bgone::imaging {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

char ToLowerAscii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

struct NamedColor {
  const char* name;
  Rgb8 value;
};

constexpr NamedColor kNamedColors[] = {
    {"white", {255, 255, 255}}, {"black", {0, 0, 0}},       {"red", {255, 0, 0}},
    {"green", {0, 128, 0}},     {"lime", {0, 255, 0}},      {"blue", {0, 0, 255}},
    {"gray", {128, 128, 128}},  {"grey", {128, 128, 128}},  {"yellow", {255, 255, 0}},
    {"cyan", {0, 255, 255}},    {"magenta", {255, 0, 255}},
};

Status BadColor(std::string_view text) {
  return InvalidArgumentError("invalid colour '" + std::string(text) +
                              "': use #rgb, #rrggbb or a name such as white, black, gray");
}

}  // namespace

StatusOr<Rgb8> ParseColor(std::string_view text) {
  if (!text.empty() && text[0] == '#') {
    const std::string_view hex = text.substr(1);
    if (hex.size() != 3 && hex.size() != 6) return BadColor(text);
    int digits[6];
    for (size_t i = 0; i < hex.size(); ++i) {
      digits[i] = HexValue(hex[i]);
      if (digits[i] < 0) return BadColor(text);
    }
    if (hex.size() == 3) {
      // #abc means #aabbcc: each digit is repeated, i.e. multiplied by 17.
      return Rgb8{static_cast<uint8_t>(digits[0] * 17), static_cast<uint8_t>(digits[1] * 17),
                  static_cast<uint8_t>(digits[2] * 17)};
    }
    return Rgb8{static_cast<uint8_t>(digits[0] * 16 + digits[1]),
                static_cast<uint8_t>(digits[2] * 16 + digits[3]),
                static_cast<uint8_t>(digits[4] * 16 + digits[5])};
  }
  std::string lower;
  for (char c : text) lower.push_back(ToLowerAscii(c));
  for (const NamedColor& named : kNamedColors) {
    if (lower == named.name) return named.value;
  }
  return BadColor(text);
}

std::string FormatColor(Rgb8 color) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "#%02x%02x%02x", color.r, color.g, color.b);
  return buf;
}

}  // namespace bgone::imaging
