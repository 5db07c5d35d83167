// Command-line parsing for `bgone`. Pure (no file system access) so it is unit-tested directly.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cli/image_io.h"
#include "engine/common/status.h"
#include "imaging/color.h"

namespace bgone::cli {

inline constexpr int kMaxThreads = 256;
inline constexpr int kDefaultThreadCap = 16;  // beyond this the engine stops scaling
inline constexpr double kDefaultMaxMegapixels = 100.0;

struct CliOptions {
  enum class Action { kRun, kHelp, kVersion };
  Action action = Action::kRun;

  std::vector<std::string> inputs;  // files or folders, as given
  bool recursive = false;
  std::string output;   // -o: exact output file (single input only); empty = not given
  std::string out_dir;  // --out-dir; empty = beside each input
  std::string model = "medium";
  OutputFormat format = OutputFormat::kPng;  // resolved from --format / -o extension
  int quality = 0;                           // 0 = default (WebP lossless, JPEG 90)
  bool mask_only = false;
  bool trimap = false;        // --trimap: write a trimap (0 / 128 / 255) instead
  bool refine = true;         // --no-refine turns matte refinement off
  bool decontaminate = true;  // --no-decontaminate keeps the photo's colours at the edges
  // --bg: at most one of these is set.
  std::optional<imaging::Rgb8> background;  // a colour
  std::string background_image;             // an image file, cover-fitted
  bool background_blur = false;             // "blur": the photo itself, blurred
  int threads = 0;  // 0 = hardware concurrency, capped at kDefaultThreadCap
  double max_megapixels = kDefaultMaxMegapixels;
  bool json = false;
  bool quiet = false;
};

// Parses arguments without argv[0]. A leading "remove" subcommand is accepted and ignored.
// Errors are InvalidArgument with a message meant for the user (exit code 2).
StatusOr<CliOptions> ParseCommandLine(const std::vector<std::string>& args);

// The --help text.
std::string UsageText();

// Extension (with dot) of files written in `format`.
const char* FormatExtension(OutputFormat format);
// png, webp, jpg / jpeg (case-insensitive, with or without a dot); nullopt otherwise.
std::optional<OutputFormat> FormatFromName(const std::string& name);

}  // namespace bgone::cli
