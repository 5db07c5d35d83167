// Entry point of the `bgone` command-line tool; everything else lives in cli/app.cc.
#include <string>
#include <vector>

#include "cli/app.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  return bgone::cli::RunCli(args, argv[0]);
}
