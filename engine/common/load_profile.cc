#include "engine/common/load_profile.h"

#include <cstdio>
#include <cstdlib>

namespace bgone {

bool LoadProfileEnabled() {
  static const bool enabled = [] {
    const char* e = std::getenv("BGONE_PROFILE_LOAD");
#ifdef BGONE_PROFILE_LOAD_DEFAULT
    if (e == nullptr) return BGONE_PROFILE_LOAD_DEFAULT != 0;
#endif
    return e != nullptr && std::atoi(e) != 0;
  }();
  return enabled;
}

double LoadStopwatch::LapMs() {
  auto now = std::chrono::steady_clock::now();
  double ms = std::chrono::duration<double, std::milli>(now - t_).count();
  t_ = now;
  return ms;
}

void LoadStopwatch::Lap(const char* what) {
  if (!enabled_) return;
  double ms = LapMs();
  std::fprintf(stderr, "bgone load: %s %.1f ms\n", what, ms);
}

}  // namespace bgone
