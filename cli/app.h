// The `bgone` command: parse, collect files, run the model once per image, write, report.
#pragma once

#include <string>
#include <vector>

namespace bgone::cli {

// Exit codes.
inline constexpr int kExitOk = 0;
inline constexpr int kExitSomeFailed = 1;
inline constexpr int kExitUsage = 2;

// `args` excludes argv[0]. Never throws; returns one of the exit codes above.
int RunCli(const std::vector<std::string>& args, const char* argv0);

}  // namespace bgone::cli
