#include "cli/options.h"

#include <gtest/gtest.h>

#include <fstream>

#include "cli/models.h"
#include "tests/cli/cli_test_util.h"

namespace bgone::cli {
namespace {

StatusOr<CliOptions> Parse(std::vector<std::string> args) { return ParseCommandLine(args); }

TEST(OptionsTest, Defaults) {
  auto o = Parse({"a.jpg"});
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->action, CliOptions::Action::kRun);
  EXPECT_EQ(o->inputs, std::vector<std::string>{"a.jpg"});
  EXPECT_EQ(o->format, OutputFormat::kPng);
  EXPECT_EQ(o->model, "medium");
  EXPECT_FALSE(o->background);
  EXPECT_FALSE(o->mask_only);
  EXPECT_EQ(o->threads, 0);
  EXPECT_DOUBLE_EQ(o->max_megapixels, 100.0);
}

TEST(OptionsTest, RemoveSubcommandIsOptional) {
  auto o = Parse({"remove", "a.jpg", "b.png"});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->inputs, (std::vector<std::string>{"a.jpg", "b.png"}));
  // Only as the first word; later it is a file name.
  o = Parse({"a.jpg", "remove"});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->inputs, (std::vector<std::string>{"a.jpg", "remove"}));
}

TEST(OptionsTest, ValueForms) {
  auto o = Parse({"--model=small", "--threads", "3", "--bg=#f00", "--out-dir", "d",
                  "--max-megapixels=2.5", "--format", "WEBP", "--quality", "80", "x"});
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->model, "small");
  EXPECT_EQ(o->threads, 3);
  EXPECT_EQ(*o->background, (imaging::Rgb8{255, 0, 0}));
  EXPECT_EQ(o->out_dir, "d");
  EXPECT_DOUBLE_EQ(o->max_megapixels, 2.5);
  EXPECT_EQ(o->format, OutputFormat::kWebp);
  EXPECT_EQ(o->quality, 80);
}

TEST(OptionsTest, ShortFlagsBundle) {
  auto o = Parse({"-rq", "-oout.png", "dir"});
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_TRUE(o->recursive);
  EXPECT_TRUE(o->quiet);
  EXPECT_EQ(o->output, "out.png");
  o = Parse({"-qo", "out.png", "dir"});
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->output, "out.png");
}

TEST(OptionsTest, DoubleDashEndsOptions) {
  auto o = Parse({"--", "--json", "-"});
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_FALSE(o->json);
  EXPECT_EQ(o->inputs, (std::vector<std::string>{"--json", "-"}));
}

TEST(OptionsTest, OutputExtensionSetsFormat) {
  auto o = Parse({"-o", "x.WebP", "a.png"});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->format, OutputFormat::kWebp);
  o = Parse({"-o", "x.jpeg", "--bg", "white", "a.png"});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->format, OutputFormat::kJpeg);
  o = Parse({"-o", "noext", "--format", "webp", "a.png"});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->format, OutputFormat::kWebp);
  EXPECT_FALSE(Parse({"-o", "x.png", "--format", "webp", "a.png"}).ok());
}

TEST(OptionsTest, JpegNeedsOpaqueOutput) {
  EXPECT_FALSE(Parse({"--format", "jpg", "a.png"}).ok());
  EXPECT_TRUE(Parse({"--format", "jpg", "--bg", "black", "a.png"}).ok());
  EXPECT_TRUE(Parse({"--format", "jpg", "--mask", "a.png"}).ok());
}

TEST(OptionsTest, HelpAndVersionNeedNoInputs) {
  auto o = Parse({"--help"});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->action, CliOptions::Action::kHelp);
  o = Parse({"-h"});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->action, CliOptions::Action::kHelp);
  o = Parse({"--version"});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->action, CliOptions::Action::kVersion);
}

TEST(OptionsTest, Errors) {
  const std::vector<std::vector<std::string>> bad = {
      {},
      {"--nope", "a"},
      {"--json=1", "a"},
      {"--threads", "999", "a"},
      {"--threads", "2x", "a"},
      {"--quality", "0", "--format", "webp", "a"},
      {"--max-megapixels", "nan", "a"},
      {"--max-megapixels", "inf", "a"},
      {"-o", "x.png", "a", "b"},
      {"-o", "x.gif", "a"},
      {"--bg", "purple-ish", "a"},
      {"--mask", "--bg", "white", "a"},
      {"--bg", "blurry", "a"},
      {"--trimap", "--bg", "blur", "a"},
      {"--trimap", "--mask", "a"},
      {"--no-refine=1", "a"},
      {"--out-dir", "d", "-o", "x.png", "a"},
      {"--quality", "90", "a"},
      {"--model", "", "a"},
      {"-"},
      {"a", "--out-dir"},
  };
  for (const auto& args : bad) {
    auto o = Parse(args);
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    EXPECT_FALSE(o.ok()) << joined;
    if (!o.ok()) {
      EXPECT_EQ(o.status().code(), StatusCode::kInvalidArgument);
      EXPECT_FALSE(o.status().message().empty());
    }
  }
}

TEST(OptionsTest, RefinementAndBackgrounds) {
  auto o = Parse({"a.jpg"});
  ASSERT_TRUE(o.ok());
  EXPECT_TRUE(o->refine);
  EXPECT_TRUE(o->decontaminate);
  EXPECT_FALSE(o->trimap);
  EXPECT_FALSE(o->background_blur);
  EXPECT_TRUE(o->background_image.empty());

  o = Parse({"--no-refine", "--no-decontaminate", "a.jpg"});
  ASSERT_TRUE(o.ok());
  EXPECT_FALSE(o->refine);
  EXPECT_FALSE(o->decontaminate);

  o = Parse({"--bg", "BLUR", "--format", "jpg", "a.jpg"});
  ASSERT_TRUE(o.ok()) << o.status().message();
  EXPECT_TRUE(o->background_blur);
  EXPECT_FALSE(o->background.has_value());

  o = Parse({"--bg", "beach.JPG", "-o", "x.jpg", "a.jpg"});
  ASSERT_TRUE(o.ok()) << o.status().message();
  EXPECT_EQ(o->background_image, "beach.JPG");
  o = Parse({"--bg=backdrops/sky", "a.jpg"});
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(o->background_image, "backdrops/sky");

  // A colour name wins over a file of the same name.
  o = Parse({"--bg", "white", "a.jpg"});
  ASSERT_TRUE(o.ok());
  EXPECT_TRUE(o->background.has_value());
  EXPECT_TRUE(o->background_image.empty());

  o = Parse({"--trimap", "--format", "jpg", "a.jpg"});
  ASSERT_TRUE(o.ok()) << o.status().message();
  EXPECT_TRUE(o->trimap);
}

TEST(OptionsTest, UsageMentionsEveryOption) {
  const std::string usage = UsageText();
  for (const char* flag :
       {"--output", "--out-dir", "--recursive", "--format", "--quality", "--mask", "--bg",
        "--model", "--threads", "--max-megapixels", "--json", "--quiet", "--help", "--version",
        "--trimap", "--no-refine", "--no-decontaminate", "blur"}) {
    EXPECT_NE(usage.find(flag), std::string::npos) << flag;
  }
}

// Every model name maps to its file in the model folder; anything else is a path, and an
// unknown name that is not a file says which names exist.
TEST(ResolveModelPathTest, NamesMapToTheirFiles) {
  unsetenv("BGONE_MODEL_DIR");  // it would be searched first
  testing::ScratchDir dir;
  const std::pair<const char*, const char*> names[] = {
      {"medium", "isnet-fp16.onnx"}, {"small", "isnet-q8.onnx"},
      {"w8", "isnet-w8.onnx"},       {"w4", "isnet-w4.onnx"}};
  for (const auto& [name, file] : names) {
    auto missing = ResolveModelPath(name, dir.path().string());
    ASSERT_FALSE(missing.ok()) << name;
    EXPECT_NE(missing.status().message().find(file), std::string::npos) << missing.status().ToString();
    std::ofstream(dir / file) << "x";
    auto found = ResolveModelPath(name, dir.path().string());
    ASSERT_TRUE(found.ok()) << found.status().ToString();
    EXPECT_EQ(*found, (dir / file).string());
  }
  auto unknown = ResolveModelPath("large", dir.path().string());
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("medium, w8, w4, small"), std::string::npos)
      << unknown.status().ToString();
}

}  // namespace
}  // namespace bgone::cli
