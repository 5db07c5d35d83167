// `bgone faces` (face detection as JSON) and `bgone passport` (passport / ID photos).
#include "cli/face_commands.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cli/app.h"
#include "cli/image_io.h"
#include "cli/models.h"
#include "cli/report.h"
#include "engine/runtime/session.h"
#include "engine/runtime/thread_pool.h"
#include "imaging/face_detect.h"

#ifndef BGONE_SOURCE_MODELS_DIR
#define BGONE_SOURCE_MODELS_DIR ""
#endif

namespace bgone::cli {
namespace {

int Fail(const std::string& message, int code) {
  std::fprintf(stderr, "bgone: %s\n", message.c_str());
  return code;
}

}  // namespace

int DefaultThreadCount() {
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(std::min(hw, 16u));
}

StatusOr<std::unique_ptr<imaging::FaceDetector>> LoadFaceDetector(const std::string& spec, ThreadPool* pool) {
  BG_ASSIGN_OR_RETURN(std::string path, ResolveModelPath(spec, BGONE_SOURCE_MODELS_DIR));
  auto model = Model::FromFile(path);
  if (!model.ok()) return model.status().WithContext("cannot load face model '" + path + "'");
  return imaging::FaceDetector::Create(*model, pool);
}

int RunFacesCommand(const std::vector<std::string>& args, const char* argv0) {
  std::string model = "face-short";
  float min_score = -1;
  std::vector<std::string> files;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") {
      std::fputs(
          "usage: bgone faces PHOTO... [--model face-short|face-full|PATH] [--min-score S]\n"
          "Detects faces with MediaPipe's BlazeFace and prints JSON: per photo its size and the faces\n"
          "found (score, box in pixels, six keypoints: right eye, left eye, nose tip, mouth centre,\n"
          "right ear, left ear; 'right' is the subject's right).\n",
          stdout);
      return kExitOk;
    }
    if ((a == "--model" || a == "--min-score") && i + 1 >= args.size()) return Fail(a + " needs a value", kExitUsage);
    if (a == "--model") {
      model = args[++i];
    } else if (a == "--min-score") {
      char* end = nullptr;
      min_score = std::strtof(args[++i].c_str(), &end);
      if (*end != '\0' || !(min_score >= 0 && min_score <= 1)) return Fail("--min-score takes a number in [0, 1]", kExitUsage);
    } else if (!a.empty() && a[0] == '-') {
      return Fail("unknown option '" + a + "' (see bgone faces --help)", kExitUsage);
    } else {
      files.push_back(a);
    }
  }
  if (files.empty()) return Fail("bgone faces needs at least one photo", kExitUsage);
  const int threads = DefaultThreadCount();
  if (Status s = InitImageIo(argv0, threads); !s.ok()) return Fail(s.message(), kExitSomeFailed);
  ThreadPool pool(threads);
  auto detector = LoadFaceDetector(model, &pool);
  if (!detector.ok()) return Fail(detector.status().message(), kExitSomeFailed);
  imaging::FaceDetectorOptions options;
  options.min_score = min_score;
  int failed = 0;
  std::string out = "{\n  \"model\": " + JsonString(model) + ",\n  \"images\": [";
  for (size_t i = 0; i < files.size(); ++i) {
    out += i ? ",\n    {" : "\n    {";
    out += "\"file\": " + JsonString(files[i]);
    auto image = DecodeImageFile(files[i], {});
    StatusOr<std::vector<imaging::FaceDetection>> faces =
        image.ok() ? (*detector)->Detect(*image, &pool, options) : StatusOr<std::vector<imaging::FaceDetection>>(image.status());
    if (!faces.ok()) {
      ++failed;
      out += ", \"error\": " + JsonString(faces.status().message()) + "}";
      std::fprintf(stderr, "bgone: %s: %s\n", files[i].c_str(), faces.status().message().c_str());
      continue;
    }
    out += ", \"width\": " + std::to_string(image->width) + ", \"height\": " + std::to_string(image->height) + ", \"faces\": [";
    for (size_t k = 0; k < faces->size(); ++k) out += (k ? ", " : "") + imaging::FaceDetectionJson((*faces)[k]);
    out += "]}";
  }
  out += "\n  ]\n}\n";
  std::fwrite(out.data(), 1, out.size(), stdout);
  return failed ? kExitSomeFailed : kExitOk;
}

}  // namespace bgone::cli
