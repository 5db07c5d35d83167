// `bgone faces` and `bgone passport`: subcommands with their own arguments (cli/app.cc hands
// them everything after the subcommand's name).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/common/status.h"
#include "engine/runtime/thread_pool.h"
#include "imaging/face_detect.h"

namespace bgone::cli {

// `spec`: face-short, face-full (cli/models.h) or a path.
StatusOr<std::unique_ptr<imaging::FaceDetector>> LoadFaceDetector(const std::string& spec, ThreadPool* pool);

// Hardware threads, 1 to 16.
int DefaultThreadCount();

int RunFacesCommand(const std::vector<std::string>& args, const char* argv0);
int RunPassportCommand(const std::vector<std::string>& args, const char* argv0);

}  // namespace bgone::cli
