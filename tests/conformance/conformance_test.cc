// ONNX's official node conformance cases (Debian libonnx-testdata) for every case whose ops are
// all in our registry, one ctest entry per case. Tolerance is ONNX's default (rtol 1e-3,
// atol 1e-7); integer and bool outputs must match exactly.
#include <filesystem>

#include <gtest/gtest.h>

#include "tests/conformance/case_runner.h"
#include "tests/conformance/conformance_cases.h"

namespace bgone::testing {
namespace {

TEST(OnnxConformance, TestDataIsInstalled) {
  if (!std::filesystem::is_directory(ConformanceRoot())) {
    GTEST_SKIP() << ConformanceRoot() << " is absent; install Debian's libonnx-testdata";
  }
  EXPECT_GT(ConformanceCandidates().size(), 100u);
}

class OnnxNodeCase : public ::testing::TestWithParam<std::string> {};

TEST_P(OnnxNodeCase, MatchesExpectedOutputs) {
  const std::string& name = GetParam();
  auto skip = ConformanceSkips().find(name);
  if (skip != ConformanceSkips().end()) GTEST_SKIP() << skip->second;
  CaseOutcome r = RunCaseDir(ConformanceRoot() + "/" + name, Tolerance{1e-3, 1e-7});
  EXPECT_TRUE(r.passed) << name << ": " << r.message;
}

INSTANTIATE_TEST_SUITE_P(Node, OnnxNodeCase, ::testing::ValuesIn(ConformanceCandidates()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(OnnxNodeCase);

}  // namespace
}  // namespace bgone::testing
