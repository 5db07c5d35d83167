// Runs one test case laid out like ONNX's backend conformance tests:
//   <dir>/model.onnx, <dir>/test_data_set_<k>/input_<i>.pb, output_<i>.pb (TensorProto files)
// through Model/Session and compares with the expected outputs. Shared by tests/conformance (ONNX's
// own cases) and tests/ort_ops (single-op models with ONNX Runtime's outputs).
#pragma once

#include <string>
#include <vector>

#include "engine/common/status.h"
#include "engine/common/tensor.h"

namespace bgone::testing {

struct Tolerance {
  double rtol = 1e-3;  // float outputs: |got - want| <= atol + rtol * |want|
  double atol = 1e-7;  // integer and bool outputs are compared exactly
};

struct CaseOutcome {
  bool passed = false;
  std::string message;  // what failed, or a summary
};

// Op types (default domain unless prefixed "domain:") used by <dir>/model.onnx, read straight
// from the protobuf so it works even for models the importer rejects.
StatusOr<std::vector<std::string>> ModelOpTypes(const std::string& dir);
// True when every op of the model has a schema in our registry.
bool AllOpsSupported(const std::string& dir);

// Compares one output. Empty result when equal within tolerance.
std::string CompareTensors(const Tensor& got, const Tensor& want, const Tolerance& tol);

// Runs every test_data_set_* of the case with a pool of `threads` threads.
// Graph inputs that an op needs as constants (Reshape shape, Slice starts/ends/axes/steps,
// Resize roi/scales/sizes, Squeeze/Unsqueeze axes, Pad pads/constant_value/axes) are baked into the model from the data set,
// because bgone plans shapes at prepare time.
CaseOutcome RunCaseDir(const std::string& dir, const Tolerance& tol, int threads = 2);

// Sorted subdirectories of `root` whose names start with `prefix`.
std::vector<std::string> ListCaseDirs(const std::string& root, const std::string& prefix = "");

}  // namespace bgone::testing
