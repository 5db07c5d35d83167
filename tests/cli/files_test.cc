#include "cli/files.h"

#include <gtest/gtest.h>

#include "tests/cli/cli_test_util.h"

namespace bgone::cli {
namespace {

using testing::ReadFile;
using testing::ScratchDir;
using testing::WriteFile;
namespace fs = std::filesystem;

std::vector<Job> Jobs(std::vector<std::string> inputs) {
  std::vector<Job> jobs;
  for (auto& in : inputs) {
    Job j;
    j.input = in;
    jobs.push_back(j);
  }
  return jobs;
}

TEST(FilesTest, Names) {
  EXPECT_TRUE(HasImageExtension("a/b.JPG"));
  EXPECT_TRUE(HasImageExtension("x.heic"));
  EXPECT_TRUE(HasImageExtension("x.tiff"));
  EXPECT_FALSE(HasImageExtension("x.txt"));
  EXPECT_FALSE(HasImageExtension("png"));
  EXPECT_TRUE(IsBgoneOutputName("x.nobg.png"));
  EXPECT_TRUE(IsBgoneOutputName("dir/x.NOBG.webp"));
  EXPECT_FALSE(IsBgoneOutputName("nobg.png"));
  EXPECT_FALSE(IsBgoneOutputName("x.png"));
}

TEST(FilesTest, DefaultOutputIsBesideInput) {
  auto jobs = Jobs({"photos/cat.jpg", "dog.PNG"});
  PlanOutputs({}, &jobs);
  EXPECT_EQ(jobs[0].output, "photos/cat.nobg.png");
  EXPECT_EQ(jobs[1].output, "dog.nobg.png");
  OutputNaming webp;
  webp.format = OutputFormat::kWebp;
  jobs = Jobs({"photos/cat.jpg"});
  PlanOutputs(webp, &jobs);
  EXPECT_EQ(jobs[0].output, "photos/cat.nobg.webp");
}

TEST(FilesTest, OutDirMirrorsScannedSubfolders) {
  auto jobs = Jobs({"in/a.jpg", "in/sub/a.jpg"});
  jobs[1].relative_dir = "sub";
  OutputNaming naming;
  naming.out_dir = "out";
  PlanOutputs(naming, &jobs);
  EXPECT_EQ(jobs[0].output, "out/a.nobg.png");
  EXPECT_EQ(jobs[1].output, "out/sub/a.nobg.png");
}

TEST(FilesTest, CollidingStemsFallBackToFullName) {
  auto jobs = Jobs({"a.jpg", "a.png", "./a.webp"});
  PlanOutputs({}, &jobs);
  EXPECT_EQ(jobs[0].output, "a.nobg.png");
  EXPECT_EQ(jobs[1].output, "a.png.nobg.png");
  EXPECT_EQ(jobs[2].output, "./a.webp.nobg.png");
  for (const Job& j : jobs) EXPECT_TRUE(j.error.ok());
}

TEST(FilesTest, NeverPlansOverAnInput) {
  ScratchDir dir;
  WriteFile(dir / "x.png", "data");
  auto jobs = Jobs({(dir / "x.png").string()});
  OutputNaming naming;
  naming.output = (dir.path() / "sub" / ".." / "x.png").string();
  PlanOutputs(naming, &jobs);
  EXPECT_FALSE(jobs[0].error.ok());
  EXPECT_TRUE(jobs[0].output.empty());
  // Through a symlink.
  fs::create_symlink(dir / "x.png", dir / "link.png");
  jobs = Jobs({(dir / "x.png").string()});
  naming.output = (dir / "link.png").string();
  PlanOutputs(naming, &jobs);
  EXPECT_FALSE(jobs[0].error.ok());
}

TEST(FilesTest, CollectMarksMissingInputs) {
  ScratchDir dir;
  auto jobs = CollectInputs({(dir / "missing.png").string()}, false);
  ASSERT_EQ(jobs.size(), 1u);
  EXPECT_FALSE(jobs[0].error.ok());
}

TEST(FilesTest, AtomicWriteCreatesFoldersAndLeavesNoTemp) {
  ScratchDir dir;
  const fs::path target = dir / "new/deeper/out.png";
  ASSERT_TRUE(WriteFileAtomically(target.string(), {1, 2, 3}).ok());
  EXPECT_EQ(ReadFile(target), std::string("\x01\x02\x03", 3));
  // Replacing an existing output works and is complete.
  ASSERT_TRUE(WriteFileAtomically(target.string(), {9}).ok());
  EXPECT_EQ(ReadFile(target), "\x09");
  int entries = 0;
  for (const auto& e : fs::directory_iterator(target.parent_path())) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 1);
  EXPECT_EQ(fs::status(target).permissions() & fs::perms::owner_read, fs::perms::owner_read);
}

TEST(FilesTest, AtomicWriteReportsUnwritableDestinations) {
  ScratchDir dir;
  WriteFile(dir / "plainfile", "x");
  // A regular file where a folder should be: fails even when running as root.
  Status s = WriteFileAtomically((dir / "plainfile/out.png").string(), {1});
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  fs::create_directory(dir / "isdir.png");
  s = WriteFileAtomically((dir / "isdir.png").string(), {1});
  EXPECT_FALSE(s.ok());
  // /dev/full accepts files only as itself; /proc refuses new files.
  s = WriteFileAtomically("/proc/bgone-test.png", {1});
  EXPECT_FALSE(s.ok());
}

}  // namespace
}  // namespace bgone::cli
