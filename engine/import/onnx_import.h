// ONNX importer: reads the protobuf wire format directly (no libprotobuf) into the graph IR.
// Every read is bounds-checked; a malformed file yields an error naming the field or node.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/common/status.h"
#include "engine/common/tensor.h"
#include "engine/ir/graph.h"

namespace bgone {

// Parses a serialized ModelProto. fp16 tensors are kept as fp16 (passes may widen them).
// Parses an ONNX model. Initializers are copied out of `data`, unless `owner` is given: it must
// keep `data` alive and unmodified, and initializers whose raw bytes are aligned to their element
// size then become views of `data` (no copy; the graph's tensors hold references to `owner`).
StatusOr<ir::Graph> ImportOnnxModel(const uint8_t* data, size_t size,
                                    std::shared_ptr<const void> owner = nullptr);

// Parses a serialized TensorProto (as in ONNX's test_data_set_N/input_N.pb files).
// `name` (optional) receives the tensor's name.
StatusOr<Tensor> ParseOnnxTensor(const uint8_t* data, size_t size, std::string* name = nullptr);

// Reads a whole file into memory; errors name the path.
StatusOr<std::vector<uint8_t>> ReadFileBytes(const std::string& path);

// A whole file in one shared, immutable buffer (for ImportOnnxModel's `owner`).
struct SharedBytes {
  std::shared_ptr<const uint8_t> data;
  size_t size = 0;
};
StatusOr<SharedBytes> ReadFileShared(const std::string& path);

}  // namespace bgone
