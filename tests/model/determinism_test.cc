// Full IS-Net runs are bit-identical whatever the thread count and from one run to the next
// (issue 4: static partitioning, fixed summation order, an arena reused across runs), and the
// memory plan's arena stays close to its lower bound (the most bytes alive at one step).
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <random>

#include "engine/runtime/session.h"

namespace bgone {
namespace {

namespace fs = std::filesystem;

std::string ModelPath(const std::string& file) { return std::string(BGONE_CACHE_DIR) + "/models/" + file; }

// A deterministic input in IS-Net's normalised range, with smooth structure and noise so every
// branch of the network sees varied values.
Tensor MakeInput() {
  auto t = Tensor::Allocate(DType::kFloat32, {1, 3, 1024, 1024});
  std::mt19937 rng(1234);
  std::uniform_real_distribution<float> noise(-0.1f, 0.1f);
  float* p = t->data<float>();
  for (int c = 0; c < 3; ++c) {
    for (int y = 0; y < 1024; ++y) {
      for (int x = 0; x < 1024; ++x) {
        float disc = ((x - 512) * (x - 512) + (y - 480) * (y - 480) < 300 * 300) ? 0.3f : -0.3f;
        *p++ = disc + 0.1f * static_cast<float>(c) + noise(rng);
      }
    }
  }
  return std::move(t).value();
}

class DeterminismTest : public ::testing::TestWithParam<const char*> {};

TEST_P(DeterminismTest, BitIdenticalAcrossThreadCountsAndRuns) {
  const std::string path = ModelPath(GetParam());
  if (!fs::exists(path)) GTEST_SKIP() << path << " missing: run scripts/setup.sh";
  auto model = Model::FromFile(path);
  ASSERT_TRUE(model.ok()) << model.status().ToString();
  SessionOptions options;
  options.outputs = {"output"};
  auto session = Session::Create(*model, {}, options);
  ASSERT_TRUE(session.ok()) << session.status().ToString();

  const SessionStats& st = (*session)->stats();
  std::printf("[%s] arena %.1f MB, peak live %.1f MB, one buffer per value %.1f MB, %d in place\n",
              GetParam(), st.arena_bytes / 1e6, st.peak_live_bytes / 1e6, st.unplanned_bytes / 1e6,
              st.in_place_values);
  EXPECT_GE(st.arena_bytes, st.peak_live_bytes);
  EXPECT_LE(static_cast<double>(st.arena_bytes), 1.10 * static_cast<double>(st.peak_live_bytes));
  EXPECT_LT(st.arena_bytes, st.unplanned_bytes / 3);

  Tensor input = MakeInput();
  auto run = [&](ThreadPool* pool) {
    std::vector<Tensor> out;
    Status s = (*session)->Run({input}, &out, pool);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out.empty() ? Tensor() : out[0];
  };
  ThreadPool two(2), four(4);
  // Progress: increasing fractions, at most about every 1%, ending at exactly 1.
  std::vector<double> fractions;
  {
    std::vector<Tensor> out;
    Status s = (*session)->Run({input}, &out, &two, [&](double f) { fractions.push_back(f); });
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  ASSERT_GE(fractions.size(), 20u);  // single large convolutions are several percent each
  EXPECT_LE(fractions.size(), 101u);
  for (size_t i = 1; i < fractions.size(); ++i) EXPECT_GT(fractions[i], fractions[i - 1]);
  EXPECT_GT(fractions.front(), 0.0);
  EXPECT_EQ(fractions.back(), 1.0);
  Tensor first = run(&two);
  ASSERT_EQ(first.shape(), (Shape{1, 1, 1024, 1024}));
  // Not a constant output: the mask has both foreground and background.
  float lo = 1, hi = 0;
  for (int64_t i = 0; i < first.size(); ++i) {
    lo = std::min(lo, first.data<float>()[i]);
    hi = std::max(hi, first.data<float>()[i]);
  }
  EXPECT_LT(lo, 0.5f);
  EXPECT_GT(hi, 0.5f);
  struct Named {
    const char* name;
    ThreadPool* pool;
  };
  for (Named n : {Named{"1 thread", nullptr}, Named{"4 threads", &four}, Named{"2 threads again", &two}}) {
    Tensor again = run(n.pool);
    ASSERT_EQ(again.bytes(), first.bytes());
    EXPECT_EQ(std::memcmp(again.raw(), first.raw(), first.bytes()), 0) << n.name << " differs";
  }
}

INSTANTIATE_TEST_SUITE_P(Models, DeterminismTest, ::testing::Values("isnet-q8.onnx", "isnet-fp16.onnx"),
                         [](const auto& info) {
                           return std::string(info.param).find("q8") != std::string::npos ? "q8" : "fp16";
                         });

}  // namespace
}  // namespace bgone
