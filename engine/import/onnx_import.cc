// TEMPORARY placeholder while the importer is written.
#include "engine/import/onnx_import.h"
namespace bgone {
StatusOr<ir::Graph> ImportOnnxModel(const uint8_t*, size_t) { return UnsupportedError("importer not written yet"); }
StatusOr<Tensor> ParseOnnxTensor(const uint8_t*, size_t, std::string*) { return UnsupportedError("importer not written yet"); }
StatusOr<std::vector<uint8_t>> ReadFileBytes(const std::string&) { return UnsupportedError("not written yet"); }
}
