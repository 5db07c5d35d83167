#include "cli/models.h"

#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <vector>

namespace fs = std::filesystem;

namespace bgone::cli {
namespace {

bool IsRegularFile(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

}  // namespace

StatusOr<std::string> ResolveModelPath(const std::string& spec,
                                       const std::string& source_models_dir) {
  std::string file;
  if (spec == "medium") file = "isnet-fp16.onnx";
  if (spec == "small") file = "isnet-q8.onnx";
  if (spec == "w8") file = "isnet-w8.onnx";
  if (spec == "w4") file = "isnet-w4.onnx";
  // MediaPipe's BlazeFace detectors (Apache-2.0), for `bgone faces` and `bgone passport`. The
  // full-range one is the sparse file MediaPipe's own solution loads (680 kB against the dense
  // file's 1.08 MB; its results match MediaPipe's to a tenth of a pixel, tests/faces).
  if (spec == "face-short") file = "face_detection_short_range.tflite";
  if (spec == "face-full") file = "face_detection_full_range_sparse.tflite";
  if (file.empty()) {
    if (IsRegularFile(spec)) return spec;
    return IoError("model '" + spec +
                   "' not found: use --model medium, w8, w4, small or a path to an .onnx file");
  }
  std::vector<fs::path> dirs;
  const char* env = std::getenv("BGONE_MODEL_DIR");
  if (env != nullptr && *env != '\0') dirs.emplace_back(env);
  if (!source_models_dir.empty()) dirs.emplace_back(source_models_dir);
  std::string searched;
  for (const fs::path& dir : dirs) {
    const fs::path candidate = dir / file;
    if (IsRegularFile(candidate)) return candidate.string();
    searched += (searched.empty() ? "" : ", ") + dir.string();
  }
  if (searched.empty()) searched = "(no folder: $BGONE_MODEL_DIR is not set)";
  return IoError("model '" + spec + "' (" + file + ") not found in " + searched +
                 ". Run scripts/setup.sh in the source tree to download it, or set "
                 "BGONE_MODEL_DIR to the folder holding " +
                 file);
}

}  // namespace bgone::cli
