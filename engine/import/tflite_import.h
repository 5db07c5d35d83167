// TFLite importer: reads the FlatBuffer file (schema "TFL3") directly, every offset bounds-checked,
// into the same graph IR as the ONNX importer, expressed in ONNX operators (opset 13).
//
// Layout: TFLite activations are NHWC; in the IR every rank-4 activation is NCHW, so the kernels
// are the same as for ONNX models. Graph inputs and outputs of rank 4 are therefore NCHW too
// (a TFLite input [1, 128, 128, 3] becomes [1, 3, 128, 128]); lower-rank tensors keep their
// TFLite shape. Where a TFLite op depends on the memory order of a rank-4 tensor (RESHAPE), the
// importer inserts Transposes to and from NHWC around it.
//
// Supported builtin ops: CONV_2D, DEPTHWISE_CONV_2D, ADD, MUL, PAD, MAX_POOL_2D, RESHAPE,
// CONCATENATION, RESIZE_BILINEAR, DEPTH_TO_SPACE, RELU, RELU6, LOGISTIC, and DEQUANTIZE of constant FLOAT16 tensors (folded at
// import); sparse constants (SparsityParameters, dense and CSR levels, blocks) are expanded at
// import and DENSIFY passes them on; fused activations NONE, RELU, RELU6, RELU_N1_TO_1. Quantized (uint8/int8) activations,
// custom ops and several subgraphs are reported as unsupported, naming the op.
#pragma once

#include <cstddef>
#include <cstdint>

#include "engine/common/status.h"
#include "engine/ir/graph.h"

namespace bgone {

// True when `data` carries the TFLite file identifier ("TFL3" at bytes 4-7).
bool LooksLikeTflite(const uint8_t* data, size_t size);

// Parses a TFLite model (first subgraph). Constants are copied out of `data`.
StatusOr<ir::Graph> ImportTfliteModel(const uint8_t* data, size_t size);

}  // namespace bgone
