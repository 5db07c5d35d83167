// Runs the built binary on cases that never need the model: usage errors, missing, corrupt,
// oversized and protected inputs. These stay fast and run in the sanitizer build too.
#include <gtest/gtest.h>

#include <random>

#include "tests/cli/cli_test_util.h"

namespace bgone::cli::testing {
namespace {

std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng() & 255);
  return s;
}

TEST(CliFastTest, HelpAndVersion) {
  ScratchDir dir;
  RunResult help = RunBgone(dir.path(), {"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("Usage:"), std::string::npos);
  RunResult version = RunBgone(dir.path(), {"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.out.rfind("bgone ", 0), 0u) << version.out;
}

TEST(CliFastTest, UsageErrorsExitWith2) {
  ScratchDir dir;
  WriteFile(dir / "a.png", "x");
  WriteFile(dir / "b.png", "x");
  const std::vector<std::vector<std::string>> cases = {
      {},
      {"remove"},
      {"--frobnicate", "a.png"},
      {"-z", "a.png"},
      {"-o", "out.png", "a.png", "b.png"},
      {"--format", "jpg", "a.png"},
      {"-o", "x.jpg", "a.png"},
      {"--bg", "#12", "a.png"},
      {"--bg", "white", "--mask", "a.png"},
      {"--bg", "blurry", "a.png"},
      {"--trimap", "--bg", "white", "a.png"},
      {"--threads", "0", "a.png"},
      {"--threads", "many", "a.png"},
      {"--max-megapixels", "-1", "a.png"},
      {"--format", "bmp", "a.png"},
      {"-o", "out.bmp", "a.png"},
      {"-o", "x.png", "--out-dir", "d", "a.png"},
      {"--quality", "50", "a.png"},
      {"--json=yes", "a.png"},
      {"-"},
      {"a.png", "--model"},
  };
  for (const auto& args : cases) {
    RunResult r = RunBgone(dir.path(), args);
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    EXPECT_EQ(r.exit_code, 2) << joined << "\n" << r.err;
    EXPECT_NE(r.err.find("bgone: "), std::string::npos) << joined;
    EXPECT_TRUE(r.out.empty()) << joined;
  }
}

TEST(CliFastTest, OutputWithFolderOfSeveralFilesIsUsageError) {
  ScratchDir dir;
  fs::create_directory(dir / "in");
  WriteFile(dir / "in/a.png", "x");
  WriteFile(dir / "in/b.png", "x");
  RunResult r = RunBgone(dir.path(), {"in", "-o", "out.png"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
}

TEST(CliFastTest, MissingFileIsReportedAndExits1) {
  ScratchDir dir;
  RunResult r = RunBgone(dir.path(), {"--json", "nothere.jpg"});
  EXPECT_EQ(r.exit_code, 1);
  const std::string line = JsonLineFor(r.out, "nothere.jpg");
  EXPECT_NE(line.find("\"status\": \"error\""), std::string::npos) << r.out;
  EXPECT_NE(line.find("no such file"), std::string::npos) << line;
  EXPECT_NE(r.out.find("\"failed\": 1"), std::string::npos);
  EXPECT_NE(r.err.find("nothere.jpg"), std::string::npos) << r.err;
}

TEST(CliFastTest, CorruptOnlyBatchFailsEachFile) {
  ScratchDir dir;
  WriteFile(dir / "noise.png", RandomBytes(5000, 1));
  WriteFile(dir / "empty.jpg", "");
  // A real JPEG cut in half: the header is fine, the pixel data ends early.
  const std::string jpg = [] {
    InitVipsOnce();
    VipsPtr sample = LoadVips(SamplePath());
    void* buf = nullptr;
    size_t len = 0;
    EXPECT_EQ(vips_jpegsave_buffer(sample.get(), &buf, &len, nullptr), 0);
    std::string s(static_cast<const char*>(buf), len);
    g_free(buf);
    return s;
  }();
  WriteFile(dir / "truncated.jpg", jpg.substr(0, jpg.size() / 2));
  RunResult r = RunBgone(dir.path(), {"--json", "noise.png", "empty.jpg", "truncated.jpg"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  for (const char* name : {"noise.png", "empty.jpg", "truncated.jpg"}) {
    const std::string line = JsonLineFor(r.out, name);
    EXPECT_NE(line.find("\"status\": \"error\""), std::string::npos) << name << "\n" << r.out;
    EXPECT_NE(line.find("\"output\": null"), std::string::npos) << line;
  }
  EXPECT_NE(r.out.find("\"succeeded\": 0"), std::string::npos);
  EXPECT_NE(r.out.find("\"failed\": 3"), std::string::npos);
  // Nothing written, no temporary files left behind.
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    const std::string name = entry.path().filename().string();
    EXPECT_EQ(name.find("nobg"), std::string::npos) << name;
    EXPECT_EQ(name.find("bgone-"), std::string::npos) << name;
  }
}

TEST(CliFastTest, NeverOverwritesAnInput) {
  ScratchDir dir;
  fs::copy_file(SamplePath(), dir / "photo.png");
  const std::string before = ReadFile(dir / "photo.png");
  RunResult r = RunBgone(dir.path(), {"photo.png", "-o", "photo.png"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("overwrite"), std::string::npos) << r.err;
  // The same file reached through another spelling.
  r = RunBgone(dir.path(),
               {"photo.png", "-o", "./../" + dir.path().filename().string() + "/photo.png"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(ReadFile(dir / "photo.png"), before);

  // An explicit input named like another input's default output.
  WriteFile(dir / "a.png", RandomBytes(100, 2));
  WriteFile(dir / "a.nobg.png", RandomBytes(100, 3));
  const std::string protected_bytes = ReadFile(dir / "a.nobg.png");
  r = RunBgone(dir.path(), {"--json", "a.png", "a.nobg.png"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(JsonLineFor(r.out, "a.png").find("overwrite"), std::string::npos) << r.out;
  EXPECT_EQ(ReadFile(dir / "a.nobg.png"), protected_bytes);
}

TEST(CliFastTest, FolderScanSkipsOutputsHiddenAndNonImages) {
  ScratchDir dir;
  fs::create_directories(dir / "in/sub");
  fs::create_directories(dir / "in/.git");
  WriteFile(dir / "in/bad.png", RandomBytes(64, 4));
  WriteFile(dir / "in/bad.nobg.png", RandomBytes(64, 5));
  WriteFile(dir / "in/.hidden.png", RandomBytes(64, 6));
  WriteFile(dir / "in/notes.txt", "hello");
  WriteFile(dir / "in/sub/deep.JPG", RandomBytes(64, 7));
  WriteFile(dir / "in/.git/x.png", RandomBytes(64, 8));

  RunResult flat = RunBgone(dir.path(), {"--json", "in"});
  EXPECT_EQ(flat.exit_code, 1);
  EXPECT_NE(flat.out.find("\"total\": 1"), std::string::npos) << flat.out;
  EXPECT_FALSE(JsonLineFor(flat.out, "in/bad.png").empty()) << flat.out;

  RunResult deep = RunBgone(dir.path(), {"--json", "-r", "in"});
  EXPECT_EQ(deep.exit_code, 1);
  EXPECT_NE(deep.out.find("\"total\": 2"), std::string::npos) << deep.out;
  EXPECT_FALSE(JsonLineFor(deep.out, "in/sub/deep.JPG").empty()) << deep.out;

  fs::create_directory(dir / "empty");
  RunResult none = RunBgone(dir.path(), {"empty"});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_NE(none.err.find("no image files"), std::string::npos) << none.err;
}

TEST(CliFastTest, PixelLimitIsCheckedBeforeDecoding) {
  ScratchDir dir;
  fs::copy_file(SamplePath(), dir / "photo.png");
  RunResult r = RunBgone(dir.path(), {"--max-megapixels", "0.1", "photo.png"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("above the limit"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(dir / "photo.nobg.png"));
}

TEST(CliFastTest, MissingModelExplainsItself) {
  ScratchDir dir;
  fs::copy_file(SamplePath(), dir / "photo.png");
  RunResult r = RunBgone(dir.path(), {"--model", "/nonexistent/model.onnx", "photo.png"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("not found"), std::string::npos) << r.err;
  // A named model that is nowhere to be found points at the setup script.
  // (Only checkable when the source tree has no models, or it would find and run them.)
  if (!fs::exists(fs::path(BGONE_SOURCE_DIR) / ".cache/models/isnet-fp16.onnx")) {
    fs::create_directory(dir / "models");
    r = RunBgone(dir.path(), {"--model", "medium", "photo.png"},
                 "BGONE_MODEL_DIR=" + (dir / "models").string());
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("scripts/setup.sh"), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace bgone::cli::testing
