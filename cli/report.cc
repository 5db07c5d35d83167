#include "cli/report.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <filesystem>

namespace bgone::cli {
namespace {

int TerminalWidth(std::FILE* stream) {
  winsize ws{};
  if (ioctl(fileno(stream), TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20) return ws.ws_col;
  return 80;
}

std::string Seconds(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f s", ms / 1000.0);
  return buf;
}

// Length of the valid UTF-8 sequence starting at s[i], or 0 if invalid.
size_t Utf8SequenceLength(const std::string& s, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  size_t len;
  uint32_t cp;
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) {
    len = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  // Overlong forms, surrogates and values beyond Unicode are invalid.
  static constexpr uint32_t kMinForLength[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMinForLength[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

}  // namespace

Progress::Mode Progress::ChooseMode(std::FILE* stream, bool quiet) {
  if (quiet) return Mode::kQuiet;
  return isatty(fileno(stream)) ? Mode::kBar : Mode::kLines;
}

Progress::Progress(Mode mode, std::FILE* stream, int total)
    : mode_(mode), stream_(stream), total_(total) {}

Progress::~Progress() { ClearBar(); }

void Progress::ClearBar() {
  if (!bar_visible_) return;
  std::fputs("\r\x1b[2K", stream_);
  std::fflush(stream_);
  bar_visible_ = false;
}

void Progress::DrawBar() {
  if (mode_ != Mode::kBar) return;
  const int width = TerminalWidth(stream_);
  const int bar_cells = std::clamp(width / 4, 10, 30);
  const int filled = total_ > 0 ? done_ * bar_cells / total_ : 0;
  std::string line = "\r\x1b[2K[";
  line.append(static_cast<size_t>(filled), '#');
  line.append(static_cast<size_t>(bar_cells - filled), '.');
  line += "] " + std::to_string(done_) + "/" + std::to_string(total_);
  std::string detail;
  if (current_ >= 0) {
    detail = std::filesystem::path(current_name_).filename().string();
    if (!stage_.empty()) detail += " (" + stage_ + ")";
  }
  // Keep it on one terminal line, or the carriage return cannot redraw it.
  const int visible = static_cast<int>(line.size()) - 5;  // minus "\r\x1b[2K"
  const int room = width - visible - 3;
  if (room < 8) {
    detail.clear();
  } else if (static_cast<int>(detail.size()) > room) {
    detail = detail.substr(0, static_cast<size_t>(room - 3)) + "...";
  }
  if (!detail.empty()) line += "  " + detail;
  std::fputs(line.c_str(), stream_);
  std::fflush(stream_);
  bar_visible_ = true;
}

void Progress::Begin(int index, const std::string& input) {
  current_ = index;
  current_name_ = input;
  stage_.clear();
  DrawBar();
}

void Progress::Stage(const std::string& stage) {
  stage_ = stage;
  DrawBar();
}

void Progress::Finish(const FileResult& r) {
  ++done_;
  current_ = -1;
  if (!r.ok) {
    ClearBar();
    std::fprintf(stream_, "bgone: error: %s: %s\n", r.input.c_str(), r.error.c_str());
  } else if (mode_ == Mode::kLines) {
    std::fprintf(stream_, "bgone: %s -> %s (%dx%d, %s)\n", r.input.c_str(), r.output.c_str(),
                 r.width, r.height, Seconds(r.milliseconds).c_str());
  }
  DrawBar();
}

void Progress::Summary(int succeeded, int failed, double milliseconds) {
  ClearBar();
  // With one file in line mode its own line already said everything.
  if (mode_ == Mode::kQuiet || (mode_ == Mode::kLines && total_ <= 1)) return;
  std::fprintf(stream_, "bgone: %d done, %d failed, %s\n", succeeded, failed,
               Seconds(milliseconds).c_str());
}

std::string JsonString(const std::string& text) {
  std::string out = "\"";
  for (size_t i = 0; i < text.size();) {
    const size_t len = Utf8SequenceLength(text, i);
    if (len == 0) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    if (len > 1) {
      out.append(text, i, len);
      i += len;
      continue;
    }
    const unsigned char c = static_cast<unsigned char>(text[i++]);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string FormatJsonReport(const RunSummary& s) {
  auto ms = [](double v) { return std::to_string(static_cast<int64_t>(std::llround(v))); };
  int succeeded = 0;
  std::string files;
  for (size_t i = 0; i < s.files.size(); ++i) {
    const FileResult& f = s.files[i];
    if (f.ok) ++succeeded;
    files += i == 0 ? "\n    {" : ",\n    {";
    files += "\"input\": " + JsonString(f.input);
    files += ", \"output\": " + (f.ok ? JsonString(f.output) : std::string("null"));
    files += ", \"status\": " + std::string(f.ok ? "\"ok\"" : "\"error\"");
    files += ", \"error\": " + (f.ok ? std::string("null") : JsonString(f.error));
    files += ", \"width\": " + std::to_string(f.width);
    files += ", \"height\": " + std::to_string(f.height);
    files += ", \"milliseconds\": " + ms(f.milliseconds) + "}";
  }
  std::string out = "{\n";
  out += "  \"version\": " + JsonString(s.version) + ",\n";
  out += "  \"model\": " + JsonString(s.model) + ",\n";
  out += "  \"files\": [" + files + (s.files.empty() ? "],\n" : "\n  ],\n");
  out += "  \"total\": " + std::to_string(s.files.size()) + ",\n";
  out += "  \"succeeded\": " + std::to_string(succeeded) + ",\n";
  out += "  \"failed\": " + std::to_string(s.files.size() - succeeded) + ",\n";
  out += "  \"model_load_milliseconds\": " + ms(s.model_load_milliseconds) + ",\n";
  out += "  \"milliseconds\": " + ms(s.total_milliseconds) + "\n}\n";
  return out;
}

}  // namespace bgone::cli
