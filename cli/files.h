// Finding input files, choosing output names, and writing outputs safely.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "cli/image_io.h"
#include "engine/common/status.h"

namespace bgone::cli {

// One unit of work. `error` set means the file is reported as failed without being processed.
struct Job {
  std::string input;   // as given on the command line or found in a folder
  std::string output;  // empty when no output could be chosen
  Status error;
  // For files found inside a folder argument: their folder relative to that argument, so
  // --out-dir can mirror a recursive scan without name clashes.
  std::filesystem::path relative_dir;
};

// True for extensions libvips decodes here (jpg, png, webp, tif, heic, avif, jxl, gif, ...).
bool HasImageExtension(const std::filesystem::path& path);
// True for names bgone itself writes ("x.nobg.png"), which folder scans skip.
bool IsBgoneOutputName(const std::filesystem::path& path);

// Expands folder arguments (sorted, hidden files and bgone outputs skipped; `recursive`
// descends). Missing paths and folders without images become jobs that carry an error.
std::vector<Job> CollectInputs(const std::vector<std::string>& args, bool recursive);

struct OutputNaming {
  std::string output;   // -o, exact
  std::string out_dir;  // --out-dir
  OutputFormat format = OutputFormat::kPng;
};

// Fills Job::output: `<stem>.nobg.<ext>` beside the input or in out_dir (mirroring
// relative_dir), or the -o name. Two inputs that would share an output (a.jpg, a.png) fall back
// to `<name>.<ext>.nobg.<ext>` for the later one. An output that is (or would replace) one of
// the inputs is an error for that job: inputs are never overwritten.
void PlanOutputs(const OutputNaming& naming, std::vector<Job>* jobs);

// Writes `bytes` to a temporary file in the destination folder (creating the folder if
// missing), then renames it over `path`, so readers never see a partial file. The temporary
// file is removed on failure, and by the SIGINT/SIGTERM handler installed by
// InstallTempFileCleanup().
Status WriteFileAtomically(const std::string& path, const std::vector<uint8_t>& bytes);
void InstallTempFileCleanup();

}  // namespace bgone::cli
