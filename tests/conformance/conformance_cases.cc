#include "tests/conformance/conformance_cases.h"

#include <cstdlib>

#include "tests/conformance/case_runner.h"

namespace bgone::testing {

std::string ConformanceRoot() {
  const char* env = std::getenv("BGONE_ONNX_NODE_TESTS");
  return env ? env : "/usr/share/libonnx-testdata/data/node";
}

const std::vector<std::string>& ConformanceCandidates() {
  static const std::vector<std::string> cases = [] {
    std::vector<std::string> v;
    std::string root = ConformanceRoot();
    for (const std::string& name : ListCaseDirs(root, "test_")) {
      if (AllOpsSupported(root + "/" + name)) v.push_back(name);
    }
    return v;
  }();
  return cases;
}

const std::map<std::string, std::string>& ConformanceSkips() {
  static const std::map<std::string, std::string> skips = {
      // String tensors are not supported by the engine at all.
      {"test_cast_FLOAT_to_STRING", "string tensors are not supported"},
      {"test_cast_STRING_to_FLOAT", "string tensors are not supported"},
      {"test_castlike_FLOAT_to_STRING_expanded", "string tensors are not supported"},
      {"test_castlike_STRING_to_FLOAT_expanded", "string tensors are not supported"},
      // ONNX 1.12's expected bfloat16 values truncate the float's low bits; we round to nearest
      // even (as IEEE conversions do), so a few values differ by one bfloat16 ulp.
      {"test_cast_FLOAT_to_BFLOAT16", "expected data truncates the low mantissa bits; we round to nearest even"},
      {"test_castlike_FLOAT_to_BFLOAT16_expanded", "expected data truncates the low mantissa bits; we round to nearest even"},
      // Optional and sequence types are outside the engine's tensor-only IR.
      {"test_identity_opt", "optional-typed values are not supported"},
      {"test_identity_sequence", "sequence-typed values are not supported"},
      // MaxPool's second output (argmax Indices) is not implemented.
      {"test_maxpool_with_argmax_2d_precomputed_pads", "MaxPool Indices output is not implemented"},
      {"test_maxpool_with_argmax_2d_precomputed_strides", "MaxPool Indices output is not implemented"},
      // The test data's 'like' input is [1] while the model declares [3,4]; shapes are checked.
      {"test_castlike_BFLOAT16_to_FLOAT_expanded", "test data input 'like' is [1], the model declares [3,4]"},
      // With scales < 1 and align_corners, ONNX's reference uses the unrounded output length
      // (in * scale, e.g. 2.4) in x * (in - 1) / (out - 1); ONNX Runtime and bgone use the actual
      // integer output size (2), so the interior samples differ.
      {"test_resize_downsample_scales_linear_align_corners",
       "reference uses the unrounded output length for align_corners; we follow ONNX Runtime"},
      {"test_resize_downsample_scales_cubic_align_corners",
       "reference uses the unrounded output length for align_corners; we follow ONNX Runtime"},
  };
  return skips;
}

}  // namespace bgone::testing
