#include "imaging/passport_spec.h"

#include <cmath>
#include <cstdint>
#include <set>
#include <string>

namespace bgone::imaging {
namespace {

// ---------------------------------------------------------------------------------------------
// A small JSON reader: objects, arrays, strings (escapes, \u as UTF-8), numbers, true, false,
// null. Depth-limited; errors carry the byte offset. Numbers follow JSON's grammar and are
// converted by DecimalValue (no strtod), so the process locale (a decimal comma) cannot change them.

struct Json {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject } kind = Kind::kNull;
  size_t at = 0;  // byte offset of the value's first character, for errors about its content
  bool b = false;
  double num = 0;
  std::string str;
  std::vector<Json> items;
  std::vector<std::pair<std::string, Json>> fields;

  const Json* Get(const std::string& key) const {
    for (const auto& [k, v] : fields)
      if (k == key) return &v;
    return nullptr;
  }
};

class JsonReader {
 public:
  explicit JsonReader(std::string_view s) : s_(s) {}

  StatusOr<Json> Document() {
    Json v;
    BG_RETURN_IF_ERROR(Value(&v, 0));
    Space();
    if (i_ != s_.size()) return Error("unexpected text after the document");
    return v;
  }

 private:
  static constexpr int kMaxDepth = 64;

  Status Error(const std::string& what) const {
    return MalformedError("passport specs: " + what + " at byte " + std::to_string(i_));
  }
  void Space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\r' || s_[i_] == '\t')) ++i_;
  }
  bool Literal(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }

  Status Value(Json* v, int depth) {
    if (depth > kMaxDepth) return Error("nesting deeper than " + std::to_string(kMaxDepth));
    Space();
    if (i_ >= s_.size()) return Error("unexpected end");
    v->at = i_;
    const char c = s_[i_];
    if (c == '{') return Object(v, depth);
    if (c == '[') return Array(v, depth);
    if (c == '"') {
      v->kind = Json::Kind::kString;
      return String(&v->str);
    }
    if (Literal("true")) {
      v->kind = Json::Kind::kBool;
      v->b = true;
      return OkStatus();
    }
    if (Literal("false")) {
      v->kind = Json::Kind::kBool;
      return OkStatus();
    }
    if (Literal("null")) return OkStatus();
    return Number(v);
  }

  bool DigitAt(size_t k) const { return k < s_.size() && s_[k] >= '0' && s_[k] <= '9'; }

  // -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
  Status Number(Json* v) {
    const size_t start = i_;
    size_t k = i_;
    if (k < s_.size() && s_[k] == '-') ++k;
    if (!DigitAt(k)) return Error("unexpected character");
    if (s_[k] == '0') {
      ++k;
    } else {
      while (DigitAt(k)) ++k;
    }
    if (k < s_.size() && s_[k] == '.') {
      ++k;
      if (!DigitAt(k)) {
        i_ = k;
        return Error("bad number: no digit after '.'");
      }
      while (DigitAt(k)) ++k;
    }
    if (k < s_.size() && (s_[k] == 'e' || s_[k] == 'E')) {
      ++k;
      if (k < s_.size() && (s_[k] == '+' || s_[k] == '-')) ++k;
      if (!DigitAt(k)) {
        i_ = k;
        return Error("bad number: no digit in the exponent");
      }
      while (DigitAt(k)) ++k;
    }
    const char* first = s_.data() + start;
    const char* last = s_.data() + k;
    const double value = DecimalValue(first, last);
    if (!std::isfinite(value)) return Error("bad number '" + std::string(first, last) + "'");  // offset: the number's start
    i_ = k;
    v->num = value;
    v->kind = Json::Kind::kNumber;
    return OkStatus();
  }

  // The value of a number already checked against JSON's grammar, independent of the C locale
  // (strtod would read "28,58" in some) and of std::from_chars for doubles (missing in
  // Emscripten's libc++): up to 19 significant digits times an exact power of ten, so one
  // rounding for the short numbers of a specs file.
  static double DecimalValue(const char* p, const char* end) {
    bool negative = false;
    if (p < end && *p == '-') negative = true, ++p;
    uint64_t mantissa = 0;
    int digits = 0;
    int64_t exponent = 0;
    bool fraction = false;
    for (; p < end && *p != 'e' && *p != 'E'; ++p) {
      if (*p == '.') {
        fraction = true;
        continue;
      }
      if (digits < 19) {
        if (mantissa != 0 || *p != '0') ++digits;
        mantissa = mantissa * 10 + static_cast<uint64_t>(*p - '0');
        if (fraction) --exponent;
      } else if (!fraction) {
        ++exponent;  // digits beyond 19 before the point still scale the value
      }
    }
    if (p < end) {
      ++p;
      bool neg_exp = false;
      if (*p == '+' || *p == '-') neg_exp = *p++ == '-';
      int64_t e = 0;
      for (; p < end; ++p) e = std::min<int64_t>(e * 10 + (*p - '0'), 100000);
      exponent += neg_exp ? -e : e;
    }
    static constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    double v = static_cast<double>(mantissa);
    if (mantissa != 0) {
      if (exponent >= 0 && exponent <= 22) v *= kPow10[exponent];
      else if (exponent < 0 && exponent >= -22) v /= kPow10[-exponent];
      else v *= std::pow(10.0, static_cast<double>(exponent));
    }
    return negative ? -v : v;
  }

  static void AppendUtf8(std::string* out, uint32_t cp) {
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  Status Hex4(uint32_t* out) {
    if (i_ + 4 > s_.size()) return Error("truncated \\u escape");
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k, ++i_) {
      const char h = s_[i_];
      v <<= 4;
      if (h >= '0' && h <= '9') v |= static_cast<uint32_t>(h - '0');
      else if (h >= 'a' && h <= 'f') v |= static_cast<uint32_t>(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F') v |= static_cast<uint32_t>(h - 'A' + 10);
      else return Error("bad \\u escape");  // offset: the character that is not hex
    }
    *out = v;
    return OkStatus();
  }

  Status String(std::string* out) {
    ++i_;  // opening quote
    while (true) {
      if (i_ >= s_.size()) return Error("unterminated string");
      const char c = s_[i_++];
      if (c == '"') return OkStatus();
      if (static_cast<unsigned char>(c) < 0x20) return Error("control character in a string");
      if (c != '\\') {
        out->push_back(c);
        continue;
      }
      if (i_ >= s_.size()) return Error("unterminated escape");
      const char e = s_[i_++];
      switch (e) {
        case '"': out->push_back('"'); break;
        case '\\': out->push_back('\\'); break;
        case '/': out->push_back('/'); break;
        case 'b': out->push_back('\b'); break;
        case 'f': out->push_back('\f'); break;
        case 'n': out->push_back('\n'); break;
        case 'r': out->push_back('\r'); break;
        case 't': out->push_back('\t'); break;
        case 'u': {
          uint32_t cp = 0;
          BG_RETURN_IF_ERROR(Hex4(&cp));
          if (cp >= 0xD800 && cp < 0xDC00) {  // a surrogate pair
            uint32_t lo = 0;
            if (!Literal("\\u")) return Error("lone surrogate");
            BG_RETURN_IF_ERROR(Hex4(&lo));
            if (lo < 0xDC00 || lo >= 0xE000) return Error("bad surrogate pair");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else if (cp >= 0xDC00 && cp < 0xE000) {
            return Error("lone surrogate");
          }
          AppendUtf8(out, cp);
          break;
        }
        default:
          --i_;
          return Error(std::string("bad escape '\\") + e + "'");
      }
    }
  }

  Status Array(Json* v, int depth) {
    v->kind = Json::Kind::kArray;
    ++i_;
    Space();
    if (i_ < s_.size() && s_[i_] == ']') {
      ++i_;
      return OkStatus();
    }
    while (true) {
      v->items.emplace_back();
      BG_RETURN_IF_ERROR(Value(&v->items.back(), depth + 1));
      Space();
      if (i_ >= s_.size()) return Error("unterminated array");
      if (s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (s_[i_] == ']') {
        ++i_;
        return OkStatus();
      }
      return Error("expected ',' or ']'");
    }
  }

  Status Object(Json* v, int depth) {
    v->kind = Json::Kind::kObject;
    ++i_;
    Space();
    if (i_ < s_.size() && s_[i_] == '}') {
      ++i_;
      return OkStatus();
    }
    std::set<std::string> keys;  // a set, so an object with very many keys stays fast
    while (true) {
      Space();
      if (i_ >= s_.size() || s_[i_] != '"') return Error("expected a key");
      const size_t key_at = i_;
      std::string key;
      BG_RETURN_IF_ERROR(String(&key));
      Space();
      if (i_ >= s_.size() || s_[i_] != ':') return Error("expected ':'");
      ++i_;
      if (!keys.insert(key).second) {
        i_ = key_at;
        return Error("duplicate key '" + key + "'");
      }
      v->fields.emplace_back(key, Json());
      BG_RETURN_IF_ERROR(Value(&v->fields.back().second, depth + 1));
      Space();
      if (i_ >= s_.size()) return Error("unterminated object");
      if (s_[i_] == ',') {
        ++i_;
        continue;
      }
      if (s_[i_] == '}') {
        ++i_;
        return OkStatus();
      }
      return Error("expected ',' or '}'");
    }
  }

  std::string_view s_;
  size_t i_ = 0;
};

// ---------------------------------------------------------------------------------------------

class SpecReader {
 public:
  SpecReader(const Json& j, std::string where) : j_(j), where_(std::move(where)) {}

  // "passport specs: spec 'us': 'head_mm' has min > max at byte 312": the offset is the field's
  // value, or the enclosing object's start when the field is absent.
  Status Fail(const std::string& field, const std::string& what) const {
    const Json* v = j_.Get(field);
    return MalformedError("passport specs: " + where_ + ": '" + field + "' " + what + " at byte " +
                          std::to_string(v ? v->at : j_.at));
  }
  StatusOr<std::string> Str(const std::string& k, bool required = true) const {
    const Json* v = j_.Get(k);
    if (!v || v->kind == Json::Kind::kNull) {
      if (required) return Fail(k, "is missing");
      return std::string();
    }
    if (v->kind != Json::Kind::kString) return Fail(k, "is not a string");
    return v->str;
  }
  StatusOr<double> Num(const std::string& k) const {
    const Json* v = j_.Get(k);
    if (!v || v->kind != Json::Kind::kNumber) return Fail(k, "is missing or not a number");
    return v->num;
  }
  // [a, b] of positive numbers, or nullopt for null / absent when optional.
  StatusOr<std::optional<RangeMm>> Pair(const std::string& k, bool required) const {
    const Json* v = j_.Get(k);
    if (!v || v->kind == Json::Kind::kNull) {
      if (required) return Fail(k, "is missing");
      return std::optional<RangeMm>();
    }
    if (v->kind != Json::Kind::kArray || v->items.size() != 2 || v->items[0].kind != Json::Kind::kNumber ||
        v->items[1].kind != Json::Kind::kNumber)
      return Fail(k, "is not a pair of numbers");
    const double a = v->items[0].num, b = v->items[1].num;
    if (!(a > 0 && b > 0)) return Fail(k, "must be positive");
    return std::optional<RangeMm>(RangeMm{a, b});
  }

 private:
  const Json& j_;
  std::string where_;
};

StatusOr<Rgb8> ParseHex(const std::string& hex) {
  if (hex.size() != 7 || hex[0] != '#') return InvalidArgumentError("not #rrggbb");
  int v[6];
  for (int k = 0; k < 6; ++k) {
    const char c = hex[static_cast<size_t>(k) + 1];
    if (c >= '0' && c <= '9') v[k] = c - '0';
    else if (c >= 'a' && c <= 'f') v[k] = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') v[k] = c - 'A' + 10;
    else return InvalidArgumentError("not #rrggbb");
  }
  return Rgb8{static_cast<uint8_t>(v[0] * 16 + v[1]), static_cast<uint8_t>(v[2] * 16 + v[3]), static_cast<uint8_t>(v[4] * 16 + v[5])};
}

// Ids are what users type after --spec: short, lowercase, digits and '-'.
bool ValidId(const std::string& id) {
  if (id.empty() || id.size() > 32) return false;
  for (const char c : id)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return true;
}

// A whole number within [lo, hi] from an optional field of `d`; 0 when absent or null.
StatusOr<int> WholeNumber(const Json& d, const SpecReader& r, const std::string& key, double lo, double hi) {
  const Json* k = d.Get(key);
  if (!k || k->kind == Json::Kind::kNull) return 0;
  if (k->kind != Json::Kind::kNumber) return r.Fail(key, "is not a number");
  if (!(k->num >= lo && k->num <= hi) || k->num != std::floor(k->num))
    return r.Fail(key, "is not a whole number within " + std::to_string(static_cast<int>(lo)) + "-" +
                           std::to_string(static_cast<int>(hi)));
  return static_cast<int>(k->num);
}

// An optional [width, height] pair of whole pixel counts.
Status PixelPair(const SpecReader& r, const std::string& key, int* w, int* h) {
  constexpr double kMaxPx = 100000;
  BG_ASSIGN_OR_RETURN(std::optional<RangeMm> pair, r.Pair(key, false));
  if (!pair) return OkStatus();
  for (const double v : {pair->min, pair->max})
    if (!(v >= 1 && v <= kMaxPx) || v != std::floor(v)) return r.Fail(key, "is not a pair of whole pixel counts");
  *w = static_cast<int>(pair->min);
  *h = static_cast<int>(pair->max);
  return OkStatus();
}

StatusOr<PassportSpec> ReadSpec(const Json& j, size_t index) {
  if (j.kind != Json::Kind::kObject)
    return MalformedError("passport specs: entry " + std::to_string(index) + " is not an object at byte " + std::to_string(j.at));
  PassportSpec s;
  {
    SpecReader r(j, "entry " + std::to_string(index));
    BG_ASSIGN_OR_RETURN(s.id, r.Str("id"));
    if (!ValidId(s.id)) return r.Fail("id", "must be 1-32 characters of a-z, 0-9 and '-'");
  }
  SpecReader r(j, "spec '" + s.id + "'");
  BG_ASSIGN_OR_RETURN(s.name, r.Str("name"));
  BG_ASSIGN_OR_RETURN(std::optional<RangeMm> size, r.Pair("size_mm", true));
  s.width_mm = size->min;
  s.height_mm = size->max;
  if (s.width_mm > 300 || s.height_mm > 300) return r.Fail("size_mm", "is larger than a print sheet");
  BG_ASSIGN_OR_RETURN(std::optional<RangeMm> head, r.Pair("head_mm", true));
  s.head_mm = *head;
  BG_ASSIGN_OR_RETURN(s.eye_from_bottom_mm, r.Pair("eye_from_bottom_mm", false));
  BG_ASSIGN_OR_RETURN(s.crown_from_top_mm, r.Pair("crown_from_top_mm", false));
  for (const auto& [name, range] : {std::pair<const char*, std::optional<RangeMm>>{"head_mm", s.head_mm},
                                    {"eye_from_bottom_mm", s.eye_from_bottom_mm},
                                    {"crown_from_top_mm", s.crown_from_top_mm}}) {
    if (!range) continue;
    if (range->min > range->max) return r.Fail(name, "has min > max");
    if (range->max >= s.height_mm) return r.Fail(name, "reaches beyond the photo's height");
  }
  // The smallest head at the smallest margin must still end above the bottom edge.
  if (s.crown_from_top_mm && s.crown_from_top_mm->min + s.head_mm.min >= s.height_mm)
    return r.Fail("crown_from_top_mm", "plus the head height reaches beyond the photo's height");
  const Json* bg = j.Get("background");
  if (!bg || bg->kind != Json::Kind::kObject) return r.Fail("background", "is missing");
  {
    SpecReader b(*bg, "spec '" + s.id + "' background");
    BG_ASSIGN_OR_RETURN(std::string hex, b.Str("hex"));
    auto rgb = ParseHex(hex);
    if (!rgb.ok()) return b.Fail("hex", "is not #rrggbb");
    s.background = *rgb;
    BG_ASSIGN_OR_RETURN(s.background_name, b.Str("name"));
  }
  BG_ASSIGN_OR_RETURN(s.dpi, r.Num("dpi"));
  if (!(s.dpi >= 72 && s.dpi <= 1200)) return r.Fail("dpi", "is outside 72-1200");
  if (const Json* d = j.Get("digital"); d && d->kind != Json::Kind::kNull) {
    if (d->kind != Json::Kind::kObject) return r.Fail("digital", "is not an object");
    SpecReader dr(*d, "spec '" + s.id + "' digital");
    BG_RETURN_IF_ERROR(PixelPair(dr, "min_px", &s.min_width_px, &s.min_height_px));
    BG_RETURN_IF_ERROR(PixelPair(dr, "max_px", &s.max_width_px, &s.max_height_px));
    if (s.max_width_px && (s.min_width_px > s.max_width_px || s.min_height_px > s.max_height_px))
      return dr.Fail("min_px", "is above max_px");
    BG_ASSIGN_OR_RETURN(s.min_kb, WholeNumber(*d, dr, "min_kb", 1, 1 << 20));
    BG_ASSIGN_OR_RETURN(s.max_kb, WholeNumber(*d, dr, "max_kb", 1, 1 << 20));
    if (s.max_kb && s.min_kb > s.max_kb) return dr.Fail("min_kb", "is above max_kb");
    BG_ASSIGN_OR_RETURN(s.digital_format, dr.Str("format", false));
  }
  BG_ASSIGN_OR_RETURN(s.source, r.Str("source"));
  if (s.source.rfind("https://", 0) != 0) return r.Fail("source", "is not an https address");
  BG_ASSIGN_OR_RETURN(s.source_note, r.Str("source_note", false));
  return s;
}

}  // namespace

StatusOr<std::vector<PassportSpec>> ParsePassportSpecs(std::string_view json) {
  // The real file is ~20 kB; 1 MiB keeps the parsed tree of a hostile file small.
  if (json.size() > (size_t{1} << 20)) return ResourceExhaustedError("passport specs: file above 1 MiB");
  JsonReader reader(json);
  BG_ASSIGN_OR_RETURN(Json doc, reader.Document());
  if (doc.kind != Json::Kind::kObject) return MalformedError("passport specs: the document is not an object at byte " + std::to_string(doc.at));
  const Json* list = doc.Get("specs");
  if (!list || list->kind != Json::Kind::kArray) return MalformedError("passport specs: no 'specs' array at byte 0");
  std::vector<PassportSpec> out;
  std::set<std::string> ids;
  for (size_t i = 0; i < list->items.size(); ++i) {
    BG_ASSIGN_OR_RETURN(PassportSpec s, ReadSpec(list->items[i], i));
    if (!ids.insert(s.id).second)
      return MalformedError("passport specs: duplicate id '" + s.id + "' at byte " +
                            std::to_string(list->items[i].Get("id")->at));
    out.push_back(std::move(s));
  }
  return out;
}

StatusOr<std::vector<PassportSpec>> BuiltinPassportSpecs() { return ParsePassportSpecs(BuiltinPassportSpecsJson()); }

StatusOr<PassportSpec> FindPassportSpec(const std::vector<PassportSpec>& specs, std::string_view id) {
  std::string known;
  for (const PassportSpec& s : specs) {
    if (s.id == id) return s;
    known += (known.empty() ? "" : ", ") + s.id;
  }
  return InvalidArgumentError("unknown document '" + std::string(id) + "' (known: " + known + ")");
}

StatusOr<PassportLayout> LayoutForSpec(const PassportSpec& spec, double dpi) {
  if (!(dpi >= 72 && dpi <= 1200)) return InvalidArgumentError("dpi must be within 72-1200");
  PassportLayout l;
  l.width_mm = spec.width_mm;
  l.height_mm = spec.height_mm;
  l.width_px = static_cast<int>(std::lround(spec.width_mm * dpi / 25.4));
  l.height_px = static_cast<int>(std::lround(spec.height_mm * dpi / 25.4));
  l.head_mm = spec.head_mm;
  l.eye_from_bottom_mm = spec.eye_from_bottom_mm;
  l.crown_from_top_mm = spec.crown_from_top_mm;
  l.background = spec.background;
  return l;
}

}  // namespace bgone::imaging
