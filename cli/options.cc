#include "cli/options.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <filesystem>

namespace bgone::cli {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

Status Usage(std::string message) { return InvalidArgumentError(std::move(message)); }

StatusOr<int> ParseInt(const std::string& option, const std::string& text, int lo, int hi) {
  errno = 0;
  char* end = nullptr;
  const long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno != 0 || v < lo || v > hi) {
    return Usage(option + " expects a whole number from " + std::to_string(lo) + " to " +
                 std::to_string(hi) + ", got '" + text + "'");
  }
  return static_cast<int>(v);
}

StatusOr<double> ParsePositive(const std::string& option, const std::string& text) {
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || errno != 0 || !std::isfinite(v) || v <= 0 || v > 1e6) {
    return Usage(option + " expects a positive number, got '" + text + "'");
  }
  return v;
}

// Options that take a value, by their long name.
bool TakesValue(const std::string& name) {
  return name == "output" || name == "out-dir" || name == "model" || name == "format" ||
         name == "quality" || name == "bg" || name == "threads" || name == "max-megapixels";
}

bool IsFlag(const std::string& name) {
  return name == "recursive" || name == "mask" || name == "trimap" || name == "no-refine" ||
         name == "no-decontaminate" || name == "json" || name == "quiet" || name == "help" ||
         name == "version";
}

struct RawOptions {
  std::optional<std::string> format;
  std::optional<std::string> bg;
};

Status Apply(const std::string& name, const std::string& value, CliOptions* o, RawOptions* raw) {
  if (name == "output") {
    if (value.empty()) return Usage("-o/--output needs a file name");
    o->output = value;
  } else if (name == "out-dir") {
    if (value.empty()) return Usage("--out-dir needs a folder name");
    o->out_dir = value;
  } else if (name == "model") {
    if (value.empty()) return Usage("--model needs a name (medium, w8, w4, small) or a path");
    o->model = value;
  } else if (name == "format") {
    raw->format = value;
  } else if (name == "quality") {
    BG_ASSIGN_OR_RETURN(o->quality, ParseInt("--quality", value, 1, 100));
  } else if (name == "bg") {
    raw->bg = value;
  } else if (name == "threads") {
    BG_ASSIGN_OR_RETURN(o->threads, ParseInt("--threads", value, 1, kMaxThreads));
  } else if (name == "max-megapixels") {
    BG_ASSIGN_OR_RETURN(o->max_megapixels, ParsePositive("--max-megapixels", value));
  } else if (name == "recursive") {
    o->recursive = true;
  } else if (name == "mask") {
    o->mask_only = true;
  } else if (name == "trimap") {
    o->trimap = true;
  } else if (name == "no-refine") {
    o->refine = false;
  } else if (name == "no-decontaminate") {
    o->decontaminate = false;
  } else if (name == "json") {
    o->json = true;
  } else if (name == "quiet") {
    o->quiet = true;
  } else if (name == "help") {
    o->action = CliOptions::Action::kHelp;
  } else if (name == "version") {
    o->action = CliOptions::Action::kVersion;
  } else {
    return Usage("unknown option '--" + name + "'");
  }
  return OkStatus();
}

std::string LongNameOfShort(char c) {
  switch (c) {
    case 'o':
      return "output";
    case 'r':
      return "recursive";
    case 'q':
      return "quiet";
    case 'h':
      return "help";
    default:
      return "";
  }
}

// A --bg value that is neither a colour nor "blur" is taken as an image file when it has a
// path separator or an image extension; anything else is reported as a bad colour.
bool LooksLikeImagePath(const std::string& text) {
  if (text.find('/') != std::string::npos) return true;
  const std::string ext = Lower(std::filesystem::path(text).extension().string());
  for (const char* e : {".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff", ".heic", ".heif",
                        ".avif", ".jxl", ".gif", ".bmp"}) {
    if (ext == e) return true;
  }
  return false;
}

// Cross-option checks once everything has been read.
Status Resolve(const RawOptions& raw, CliOptions* o) {
  if (o->action != CliOptions::Action::kRun) return OkStatus();
  if (o->inputs.empty()) return Usage("no input files given");
  if (!o->output.empty() && !o->out_dir.empty()) {
    return Usage("-o/--output and --out-dir cannot be used together");
  }
  if (!o->output.empty() && o->inputs.size() != 1) {
    return Usage("-o/--output needs exactly one input; use --out-dir for several");
  }
  if (raw.bg) {
    auto color = imaging::ParseColor(*raw.bg);
    if (color.ok()) {
      o->background = *color;
    } else if (Lower(*raw.bg) == "blur") {
      o->background_blur = true;
    } else if (LooksLikeImagePath(*raw.bg)) {
      o->background_image = *raw.bg;
    } else {
      return Usage("--bg: " + color.status().message() +
                   " (or give 'blur', or an image file such as beach.jpg)");
    }
  }
  const bool has_background = raw.bg.has_value();
  if (o->mask_only && has_background) return Usage("--mask and --bg cannot be used together");
  if (o->trimap && has_background) return Usage("--trimap and --bg cannot be used together");
  if (o->trimap && o->mask_only) return Usage("--trimap and --mask cannot be used together");

  std::optional<OutputFormat> format;
  if (raw.format) {
    format = FormatFromName(*raw.format);
    if (!format) return Usage("--format must be png, webp or jpg, got '" + *raw.format + "'");
  }
  if (!o->output.empty()) {
    const std::string ext = std::filesystem::path(o->output).extension().string();
    if (!ext.empty()) {
      const std::optional<OutputFormat> from_name = FormatFromName(ext);
      if (!from_name) {
        return Usage("cannot write '" + o->output + "': use a .png, .webp or .jpg name");
      }
      if (format && *format != *from_name) {
        return Usage("--format " + *raw.format + " does not match the output name '" + o->output +
                     "'");
      }
      format = from_name;
    }
  }
  o->format = format.value_or(OutputFormat::kPng);
  if (o->format == OutputFormat::kJpeg && !has_background && !o->mask_only && !o->trimap) {
    return Usage("JPEG has no transparency: add --bg COLOR (e.g. --bg white) or use png/webp");
  }
  if (o->quality != 0 && o->format == OutputFormat::kPng) {
    return Usage("--quality applies to webp and jpg output only");
  }
  return OkStatus();
}

}  // namespace

const char* FormatExtension(OutputFormat format) {
  switch (format) {
    case OutputFormat::kPng:
      return ".png";
    case OutputFormat::kWebp:
      return ".webp";
    case OutputFormat::kJpeg:
      return ".jpg";
  }
  return ".png";
}

std::optional<OutputFormat> FormatFromName(const std::string& name) {
  std::string n = Lower(name);
  if (!n.empty() && n[0] == '.') n.erase(0, 1);
  if (n == "png") return OutputFormat::kPng;
  if (n == "webp") return OutputFormat::kWebp;
  if (n == "jpg" || n == "jpeg") return OutputFormat::kJpeg;
  return std::nullopt;
}

StatusOr<CliOptions> ParseCommandLine(const std::vector<std::string>& args) {
  CliOptions o;
  RawOptions raw;
  size_t i = 0;
  if (!args.empty() && args[0] == "remove") i = 1;
  bool only_inputs = false;
  for (; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (only_inputs || arg.size() < 2 || arg[0] != '-') {
      if (arg == "-" && !only_inputs) {
        return Usage("reading from standard input is not supported; pass a file name");
      }
      if (arg.empty()) return Usage("empty input name");
      o.inputs.push_back(arg);
      continue;
    }
    if (arg == "--") {
      only_inputs = true;
      continue;
    }
    if (arg[1] == '-') {
      // --name or --name=value
      std::string name = arg.substr(2);
      std::optional<std::string> value;
      if (const size_t eq = name.find('='); eq != std::string::npos) {
        value = name.substr(eq + 1);
        name.resize(eq);
      }
      if (!TakesValue(name) && !IsFlag(name)) return Usage("unknown option '--" + name + "'");
      if (TakesValue(name)) {
        if (!value) {
          if (i + 1 >= args.size()) return Usage("option '--" + name + "' needs a value");
          value = args[++i];
        }
      } else if (value) {
        return Usage("option '--" + name + "' takes no value");
      }
      BG_RETURN_IF_ERROR(Apply(name, value.value_or(""), &o, &raw));
      continue;
    }
    // Bundled short flags such as -rq; a value-taking flag consumes the rest or the next arg.
    for (size_t k = 1; k < arg.size(); ++k) {
      const std::string name = LongNameOfShort(arg[k]);
      if (name.empty()) return Usage(std::string("unknown option '-") + arg[k] + "'");
      if (TakesValue(name)) {
        std::string value = arg.substr(k + 1);
        if (value.empty()) {
          if (i + 1 >= args.size())
            return Usage(std::string("option '-") + arg[k] + "' needs a value");
          value = args[++i];
        }
        BG_RETURN_IF_ERROR(Apply(name, value, &o, &raw));
        break;
      }
      BG_RETURN_IF_ERROR(Apply(name, "", &o, &raw));
    }
  }
  BG_RETURN_IF_ERROR(Resolve(raw, &o));
  return o;
}

std::string UsageText() {
  return R"(bgone: remove the background of images, locally (IS-Net segmentation)

Usage:
  bgone [remove] [options] INPUT...

INPUT is an image file (JPEG, PNG, WebP, TIFF, HEIC/AVIF, ...) or a folder,
meaning the image files in it (-r descends into subfolders; *.nobg.* files
are skipped). Each result goes beside its input as NAME.nobg.png unless -o or
--out-dir say otherwise. Inputs are never overwritten.

Options:
  -o, --output FILE       output file (one input only); its extension sets
                          the format
      --out-dir DIR       write results into DIR (created if missing)
  -r, --recursive         descend into subfolders of folder inputs
      --format FMT        png (default), webp or jpg (jpg needs --bg, --mask
                          or --trimap)
      --quality N         1-100: lossy WebP at quality N (default lossless);
                          JPEG quality (default 90)
      --mask              write only the mask (grayscale, white = foreground)
      --trimap            write a trimap: black = background, white =
                          foreground, gray = the uncertain edge band
      --bg BACKGROUND     flatten onto BACKGROUND: a colour (#rgb, #rrggbb,
                          white, black, red, green, blue, gray, ...), 'blur'
                          (the photo itself, blurred: portrait mode) or an
                          image file (scaled to cover, centred)
      --no-refine         keep the model's mask as it is (by default it is
                          refined at full resolution with the photo's colours)
      --no-decontaminate  keep the photo's colours in semi-transparent edge
                          pixels (by default the old background's colour is
                          removed from them)
      --model MODEL       medium (default, IMG.LY's fp16 file), w8 (bgone's
                          8-bit weights, same quality, half the size), w4
                          (4-bit weights, within 2%, 28% of the size),
                          small (IMG.LY's 8-bit file, weaker edges) or an
                          .onnx file path
      --threads N         threads to use (default: all cores, at most 16)
      --max-megapixels N  refuse images above N megapixels (default 100)
      --json              print a JSON summary on standard output
  -q, --quiet             print errors only
  -h, --help              show this help
      --version           show the version

Named models are looked up in $BGONE_MODEL_DIR, then in the source tree's
.cache/models (scripts/setup.sh downloads and derives them).
Exit status: 0 if every file succeeded, 1 if any failed, 2 for usage errors.
)";
}

}  // namespace bgone::cli
