#include "cli/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <set>
#include <system_error>

#include "cli/options.h"

namespace fs = std::filesystem;

namespace bgone::cli {
namespace {

constexpr const char* kImageExtensions[] = {".jpg",  ".jpeg", ".jpe",  ".jfif", ".png",
                                            ".webp", ".tif",  ".tiff", ".heic", ".heif",
                                            ".avif", ".jxl",  ".gif"};

std::string LowerAscii(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

bool IsHidden(const fs::path& p) {
  const std::string name = p.filename().string();
  return !name.empty() && name[0] == '.';
}

std::string ErrnoText(int err) { return std::strerror(err); }

// Comparable form of a path that may not exist yet.
fs::path Normalized(const fs::path& p) {
  std::error_code ec;
  fs::path abs = fs::absolute(p, ec);
  if (ec) abs = p;
  fs::path canonical = fs::weakly_canonical(abs, ec);
  return ec ? abs.lexically_normal() : canonical;
}

// True when writing `output` would replace `input`: same normalised path, or the same file
// reached another way (hard link, symlink, case-insensitive file system).
bool SameFile(const fs::path& output, const fs::path& input) {
  if (Normalized(output) == Normalized(input)) return true;
  std::error_code ec;
  return fs::exists(output, ec) && fs::equivalent(output, input, ec) && !ec;
}

// Path of the temporary file currently being written, for the signal handler. A fixed buffer
// because a handler may only use async-signal-safe calls (unlink).
char g_temp_path[4096];
std::atomic<bool> g_temp_active{false};

void CleanupAndReraise(int sig) {
  if (g_temp_active.load()) unlink(g_temp_path);
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

mode_t CurrentUmask() {
  // umask() can only be read by setting it; this runs on the main thread only.
  const mode_t mask = umask(0);
  umask(mask);
  return mask;
}

}  // namespace

bool HasImageExtension(const fs::path& path) {
  const std::string ext = LowerAscii(path.extension().string());
  return std::find(std::begin(kImageExtensions), std::end(kImageExtensions), ext) !=
         std::end(kImageExtensions);
}

bool IsBgoneOutputName(const fs::path& path) {
  // "x.nobg.png": the stem's own extension is ".nobg".
  return LowerAscii(path.stem().extension().string()) == ".nobg";
}

std::vector<Job> CollectInputs(const std::vector<std::string>& args, bool recursive) {
  std::vector<Job> jobs;
  for (const std::string& arg : args) {
    std::error_code ec;
    const fs::file_status st = fs::status(arg, ec);
    if (ec || !fs::exists(st)) {
      Job job;
      job.input = arg;
      job.error = IoError("no such file or folder");
      jobs.push_back(std::move(job));
      continue;
    }
    if (!fs::is_directory(st)) {
      Job job;
      job.input = arg;
      if (!fs::is_regular_file(st)) job.error = InvalidArgumentError("not a regular file");
      jobs.push_back(std::move(job));
      continue;
    }
    const fs::path root(arg);
    std::vector<fs::path> found;
    auto consider = [&](const fs::directory_entry& entry) {
      std::error_code e;
      const fs::path& p = entry.path();
      if (IsHidden(p) || !entry.is_regular_file(e) || !HasImageExtension(p) ||
          IsBgoneOutputName(p)) {
        return;
      }
      found.push_back(p);
    };
    const auto dir_options = fs::directory_options::skip_permission_denied;
    if (recursive) {
      fs::recursive_directory_iterator it(root, dir_options, ec), end;
      for (; !ec && it != end; it.increment(ec)) {
        // Hidden folders (.git, .cache) are not photos the user meant.
        if (it->is_directory() && IsHidden(it->path())) {
          it.disable_recursion_pending();
          continue;
        }
        consider(*it);
      }
    } else {
      fs::directory_iterator it(root, dir_options, ec), end;
      for (; !ec && it != end; it.increment(ec)) consider(*it);
    }
    if (ec) {
      Job job;
      job.input = arg;
      job.error = IoError("cannot list folder: " + ec.message());
      jobs.push_back(std::move(job));
      continue;
    }
    if (found.empty()) {
      Job job;
      job.input = arg;
      job.error = InvalidArgumentError(recursive ? "no image files in this folder tree"
                                                 : "no image files in this folder (-r descends "
                                                   "into subfolders)");
      jobs.push_back(std::move(job));
      continue;
    }
    std::sort(found.begin(), found.end());
    for (const fs::path& p : found) {
      Job job;
      job.input = p.string();
      job.relative_dir = p.parent_path().lexically_relative(root);
      if (job.relative_dir == ".") job.relative_dir.clear();
      jobs.push_back(std::move(job));
    }
  }
  return jobs;
}

void PlanOutputs(const OutputNaming& naming, std::vector<Job>* jobs) {
  const std::string ext = FormatExtension(naming.format);
  std::vector<fs::path> inputs;
  for (const Job& job : *jobs) {
    if (job.error.ok()) inputs.push_back(job.input);
  }
  std::set<fs::path> taken;  // normalised outputs already assigned
  for (Job& job : *jobs) {
    if (!job.error.ok()) continue;
    const fs::path in(job.input);
    std::vector<fs::path> candidates;
    if (!naming.output.empty()) {
      candidates.push_back(naming.output);
    } else {
      const fs::path dir =
          naming.out_dir.empty() ? in.parent_path() : fs::path(naming.out_dir) / job.relative_dir;
      candidates.push_back(dir / (in.stem().string() + ".nobg" + ext));
      candidates.push_back(dir / (in.filename().string() + ".nobg" + ext));
    }
    std::string chosen;
    for (const fs::path& candidate : candidates) {
      if (taken.count(Normalized(candidate)) == 0) {
        chosen = candidate.string();
        break;
      }
    }
    if (chosen.empty()) {
      job.error = InvalidArgumentError("output '" + candidates.front().string() +
                                       "' is already written by another input");
      continue;
    }
    for (const fs::path& other : inputs) {
      if (SameFile(chosen, other)) {
        job.error = InvalidArgumentError("refusing to overwrite input file '" + other.string() +
                                         "' with the output");
        break;
      }
    }
    if (!job.error.ok()) continue;
    job.output = chosen;
    taken.insert(Normalized(chosen));
  }
}

Status WriteFileAtomically(const std::string& path, const std::vector<uint8_t>& bytes) {
  const fs::path target(path);
  fs::path dir = target.parent_path();
  if (dir.empty()) dir = ".";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return IoError("cannot create folder '" + dir.string() + "': " + ec.message());
  if (fs::is_directory(target, ec)) return IoError("'" + path + "' is a folder");

  // Same folder as the target so the final rename never crosses file systems.
  std::string temp = (dir / ("." + target.filename().string() + ".bgone-XXXXXX")).string();
  if (temp.size() >= sizeof(g_temp_path)) return IoError("output path is too long");
  std::memcpy(g_temp_path, temp.c_str(), temp.size() + 1);
  const int fd = mkstemp(g_temp_path);
  if (fd < 0) {
    const int err = errno;
    return IoError("cannot write in '" + dir.string() + "': " + ErrnoText(err));
  }
  g_temp_active = true;
  temp = g_temp_path;
  auto fail = [&](const std::string& what, int err) {
    unlink(temp.c_str());
    g_temp_active = false;
    return IoError(what + " '" + path + "': " + ErrnoText(err));
  };

  // mkstemp creates 0600; give the result the permissions a normal new file would get.
  static const mode_t umask_bits = CurrentUmask();
  if (fchmod(fd, 0666 & ~umask_bits) != 0) {
    const int err = errno;
    close(fd);
    return fail("cannot set permissions of", err);
  }
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      close(fd);
      return fail("cannot write", err);  // e.g. ENOSPC: "No space left on device"
    }
    done += static_cast<size_t>(n);
  }
  // Some file systems report a full disk only when the data is flushed.
  if (fsync(fd) != 0 && errno != EINVAL) {
    const int err = errno;
    close(fd);
    return fail("cannot write", err);
  }
  if (close(fd) != 0) return fail("cannot write", errno);
  if (std::rename(temp.c_str(), path.c_str()) != 0) return fail("cannot create", errno);
  g_temp_active = false;
  return OkStatus();
}

void InstallTempFileCleanup() {
  std::signal(SIGINT, CleanupAndReraise);
  std::signal(SIGTERM, CleanupAndReraise);
  std::signal(SIGHUP, CleanupAndReraise);
}

}  // namespace bgone::cli
