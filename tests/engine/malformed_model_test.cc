// Damaged copies of the real IS-Net files (truncations and bit flips in the graph structure) must
// produce an error or a usable session, never a crash. Meant to run under the debug preset
// (AddressSanitizer + UndefinedBehaviorSanitizer), which turns any out-of-bounds read into a failure.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "engine/import/onnx_import.h"
#include "engine/runtime/session.h"

namespace bgone {
namespace {

std::string ModelPath(const char* file) {
  return std::string(BGONE_CACHE_DIR) + "/models/" + file;
}

class MalformedModelTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override {
    std::string path = ModelPath(GetParam());
    if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " missing: run scripts/setup.sh";
    auto bytes = ReadFileBytes(path);
    ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
    bytes_ = std::move(bytes).value();
  }

  // Loads and prepares; returns the status. Never runs inference (too slow under sanitizers).
  Status LoadAndPrepare(const std::vector<uint8_t>& bytes) {
    auto model = Model::FromBytes(bytes.data(), bytes.size());
    if (!model.ok()) return model.status();
    SessionOptions options;
    options.outputs = {"output"};
    auto session = Session::Create(*model, {}, options);
    return session.ok() ? OkStatus() : session.status();
  }

  // End of the node list: nodes come first in these files, initializers after.
  size_t GraphHeaderSize() const { return std::min<size_t>(bytes_.size(), 240 * 1024); }

  std::vector<uint8_t> bytes_;
};

TEST_P(MalformedModelTest, IntactFileLoads) {
  Status s = LoadAndPrepare(bytes_);
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST_P(MalformedModelTest, TruncationsAreErrors) {
  std::mt19937 rng(1234);
  std::vector<size_t> cuts = {1, 2, 10, 31, 100, 1000, 4096, GraphHeaderSize() - 1,
                              GraphHeaderSize() + 7, bytes_.size() / 2, bytes_.size() - 1};
  std::uniform_int_distribution<size_t> in_header(1, GraphHeaderSize());
  for (int i = 0; i < 12; ++i) cuts.push_back(in_header(rng));
  for (size_t cut : cuts) {
    std::vector<uint8_t> part(bytes_.begin(), bytes_.begin() + static_cast<std::ptrdiff_t>(cut));
    Status s = LoadAndPrepare(part);
    EXPECT_FALSE(s.ok()) << "a file cut at byte " << cut << " was accepted";
    EXPECT_FALSE(s.message().empty());
  }
}

TEST_P(MalformedModelTest, BitFlipsNeverCrash) {
  std::mt19937 rng(99);
  std::uniform_int_distribution<size_t> pos(0, GraphHeaderSize() - 1);
  std::uniform_int_distribution<int> bit(0, 7);
  int errors = 0, accepted = 0;
  for (int trial = 0; trial < 40; ++trial) {
    std::vector<uint8_t> copy = bytes_;
    int flips = 1 + trial % 4;
    for (int f = 0; f < flips; ++f) copy[pos(rng)] ^= static_cast<uint8_t>(1u << bit(rng));
    Status s = LoadAndPrepare(copy);
    if (s.ok()) {
      ++accepted;  // e.g. a flipped bit inside a name or a weight value
    } else {
      ++errors;
      EXPECT_FALSE(s.message().empty());
      EXPECT_NE(s.code(), StatusCode::kInternal) << s.ToString();
    }
  }
  RecordProperty("errors", errors);
  RecordProperty("accepted", accepted);
  EXPECT_GT(errors, 0);
}

INSTANTIATE_TEST_SUITE_P(IsNet, MalformedModelTest, ::testing::Values("isnet-q8.onnx", "isnet-fp16.onnx"),
                         [](const auto& info) {
                           return std::string(info.param).find("q8") != std::string::npos ? "q8" : "fp16";
                         });

}  // namespace
}  // namespace bgone
