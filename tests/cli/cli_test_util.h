// Helpers for tests that run the built `bgone` binary in a scratch folder.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <vips/vips.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "cli/image_io.h"

namespace bgone::cli::testing {

namespace fs = std::filesystem;

inline std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void WriteFile(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary);
  out << bytes;
}

inline std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// A fresh folder under the gtest temp dir, removed when the object goes away.
class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = (fs::path(::testing::TempDir()) / "bgone-cli-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

// Runs the binary with `args` inside `dir`; `env` is prepended to the command (e.g. "X=1").
inline RunResult RunBgone(const fs::path& dir, const std::vector<std::string>& args,
                          const std::string& env = "") {
  // Built with append() only: GCC 12 warns falsely (-Wrestrict) on chains of "literal" + string.
  std::string cmd = "cd ";
  cmd.append(ShellQuote(dir.string())).append(" && ").append(env).append(" ");
  cmd.append(ShellQuote(BGONE_CLI_BINARY));
  for (const std::string& a : args) cmd.append(" ").append(ShellQuote(a));
  const fs::path out = dir / ".stdout", err = dir / ".stderr";
  cmd.append(" >").append(ShellQuote(out.string())).append(" 2>").append(ShellQuote(err.string()));
  const int status = std::system(cmd.c_str());
  RunResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = ReadFile(out);
  r.err = ReadFile(err);
  fs::remove(out);
  fs::remove(err);
  return r;
}

// The JSON summary puts each file on its own line; returns the line naming `input`.
inline std::string JsonLineFor(const std::string& json, const std::string& input) {
  std::istringstream lines(json);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.find("\"input\": \"" + input + "\"") != std::string::npos) return line;
  }
  return "";
}

inline void InitVipsOnce() {
  static const bool ok = InitImageIo("bgone-test", 2).ok();
  ASSERT_TRUE(ok);
}

struct VipsUnref {
  void operator()(VipsImage* p) const {
    if (p != nullptr) g_object_unref(p);
  }
};
using VipsPtr = std::unique_ptr<VipsImage, VipsUnref>;

inline VipsPtr LoadVips(const fs::path& p) {
  return VipsPtr(vips_image_new_from_file(p.c_str(), nullptr));
}

inline fs::path SamplePath() { return fs::path(BGONE_SOURCE_DIR) / "assets/sample/skimage_astronaut.png"; }

// Writes the top 512x384 of the sample upright as PNG and, rotated 90 degrees
// counter-clockwise, as a JPEG tagged EXIF Orientation 6 ("rotate 90 clockwise to display"), so
// a viewer that honours EXIF shows the same upright picture.
inline void MakeOrientationPair(const fs::path& upright_png, const fs::path& rotated_jpg) {
  InitVipsOnce();
  VipsPtr sample = LoadVips(SamplePath());
  ASSERT_NE(sample, nullptr) << vips_error_buffer();
  VipsImage* crop = nullptr;
  ASSERT_EQ(vips_crop(sample.get(), &crop, 0, 0, 512, 384, nullptr), 0);
  VipsPtr upright(crop);
  ASSERT_EQ(vips_pngsave(upright.get(), upright_png.c_str(), nullptr), 0);
  VipsImage* rot = nullptr;
  ASSERT_EQ(vips_rot(upright.get(), &rot, VIPS_ANGLE_D270, nullptr), 0);
  VipsPtr rotated(rot);
  VipsImage* copy = nullptr;
  ASSERT_EQ(vips_copy(rotated.get(), &copy, nullptr), 0);
  VipsPtr tagged(copy);
  vips_image_set_int(tagged.get(), VIPS_META_ORIENTATION, 6);
  ASSERT_EQ(vips_jpegsave(tagged.get(), rotated_jpg.c_str(), "Q", 95, nullptr), 0);
}

}  // namespace bgone::cli::testing
