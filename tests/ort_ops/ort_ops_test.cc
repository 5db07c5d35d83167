// Every op against ONNX Runtime on tiny single-op models (tests/ort_ops/gen_cases.py generates
// them at build time; the ctest fixture `ort_ops_reference_outputs` runs tools/ort_op_cases.mjs to
// compute ORT's outputs). One ctest entry per case. Tolerance: rtol 1e-5, atol 1e-6 for floats,
// exact for integers and bools.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "tests/conformance/case_runner.h"

namespace bgone::testing {
namespace {

const char* kCasesDir = BGONE_ORT_CASES_DIR;

std::vector<std::string> OrtCases() {
  std::vector<std::string> v;
  for (const std::string& name : ListCaseDirs(kCasesDir)) {
    if (std::filesystem::exists(std::string(kCasesDir) + "/" + name + "/model.onnx")) v.push_back(name);
  }
  return v;
}

TEST(OrtOps, CasesWereGenerated) {
  if (OrtCases().empty()) {
    GTEST_SKIP() << "no cases in " << kCasesDir
                 << " (gen_cases.py needs /usr/bin/python3 with python3-onnx and python3-numpy)";
  }
}

class OrtOpCase : public ::testing::TestWithParam<std::string> {};

TEST_P(OrtOpCase, MatchesOnnxRuntime) {
  std::string dir = std::string(kCasesDir) + "/" + GetParam();
  if (!std::filesystem::exists(dir + "/test_data_set_0/output_0.pb")) {
    GTEST_SKIP() << "no ONNX Runtime outputs for this case: onnxruntime-node is not installed in "
                    "node_modules, or the ort_ops_reference_outputs fixture did not run";
  }
  Tolerance tol{1e-5, 1e-6};
  // Cases with long float sums (Conv, MatMul) carry a wider absolute tolerance.
  std::ifstream custom(dir + "/tolerance.txt");
  if (custom) custom >> tol.atol;
  CaseOutcome r = RunCaseDir(dir, tol);
  EXPECT_TRUE(r.passed) << GetParam() << ": " << r.message;
}

INSTANTIATE_TEST_SUITE_P(Ort, OrtOpCase, ::testing::ValuesIn(OrtCases()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(OrtOpCase);

}  // namespace
}  // namespace bgone::testing
