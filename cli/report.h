// What the user sees: a progress bar (stderr is a terminal), one line per file (stderr is a
// pipe or file), or errors only (-q, --json); and the --json summary.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace bgone::cli {

struct FileResult {
  std::string input;
  std::string output;  // empty unless written
  bool ok = false;
  std::string error;
  int width = 0;  // of the decoded (upright) input, 0 if not decoded
  int height = 0;
  double milliseconds = 0;
};

class Progress {
 public:
  enum class Mode { kBar, kLines, kQuiet };
  // Picks kBar when `stream` is a terminal, kLines otherwise, kQuiet if `quiet`.
  static Mode ChooseMode(std::FILE* stream, bool quiet);

  Progress(Mode mode, std::FILE* stream, int total);
  ~Progress();

  // A file (0-based index) starts; `stage` is a short word such as "loading model".
  void Begin(int index, const std::string& input);
  void Stage(const std::string& stage);
  void Finish(const FileResult& result);
  void Summary(int succeeded, int failed, double milliseconds);

 private:
  void DrawBar();
  void ClearBar();

  Mode mode_;
  std::FILE* stream_;
  int total_;
  int done_ = 0;
  int current_ = -1;
  std::string current_name_;
  std::string stage_;
  bool bar_visible_ = false;
};

// Escapes `text` as a JSON string literal, replacing invalid UTF-8 (file names may hold any
// bytes) with U+FFFD so the output always parses.
std::string JsonString(const std::string& text);

struct RunSummary {
  std::string version;
  std::string model;  // resolved path, or the name if it could not be resolved
  std::vector<FileResult> files;
  double model_load_milliseconds = 0;
  double total_milliseconds = 0;
};

std::string FormatJsonReport(const RunSummary& summary);

}  // namespace bgone::cli
