// Where `--model NAME|PATH` points.
#pragma once

#include <string>

#include "engine/common/status.h"

namespace bgone::cli {

// "medium" -> isnet-fp16.onnx, "small" -> isnet-q8.onnx, "w8" -> isnet-w8.onnx, "w4" ->
// isnet-w4.onnx (bgone's variants, derived at setup; docs/MODELS.md), "face-short" / "face-full" ->
// MediaPipe's BlazeFace short-range / sparse full-range .tflite files, looked up in $BGONE_MODEL_DIR and then
// in `source_models_dir` (the source tree's .cache/models, so builds run in place). Anything
// else is a file path. A missing model is an IoError that says how to fetch it.
StatusOr<std::string> ResolveModelPath(const std::string& spec,
                                       const std::string& source_models_dir);

}  // namespace bgone::cli
