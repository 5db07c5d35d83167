// BGONE_PROFILE_LOAD=1: wall time of each stage of loading a model (import, every pass, and the
// kernels' create-time work per op type), printed to stderr as it finishes. For finding where the
// time to "ready" goes; not used by the benchmarks. Builds without an environment (browsers) can
// turn it on with -DBGONE_PROFILE_LOAD_DEFAULT=1.
#ifndef BGONE_ENGINE_COMMON_LOAD_PROFILE_H_
#define BGONE_ENGINE_COMMON_LOAD_PROFILE_H_

#include <chrono>

namespace bgone {

bool LoadProfileEnabled();

// Prints "bgone load: <what> <ms> ms" (ms since the previous Lap or construction) when enabled.
class LoadStopwatch {
 public:
  LoadStopwatch() : enabled_(LoadProfileEnabled()), t_(std::chrono::steady_clock::now()) {}
  void Lap(const char* what);
  double LapMs();  // milliseconds since the previous lap, and starts a new one
  bool enabled() const { return enabled_; }

 private:
  bool enabled_;
  std::chrono::steady_clock::time_point t_;
};

}  // namespace bgone

#endif  // BGONE_ENGINE_COMMON_LOAD_PROFILE_H_
