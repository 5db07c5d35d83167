// Which of ONNX's node conformance cases we run, and the explicit list of those we skip.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace bgone::testing {

// Root of ONNX's node tests (Debian libonnx-testdata); overridable with BGONE_ONNX_NODE_TESTS.
std::string ConformanceRoot();
// Cases whose ops are all in our registry (including skipped ones), sorted.
const std::vector<std::string>& ConformanceCandidates();
// Case name -> why it is skipped.
const std::map<std::string, std::string>& ConformanceSkips();

}  // namespace bgone::testing
