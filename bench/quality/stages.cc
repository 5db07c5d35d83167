// bgone_quality_stages: applies each refinement stage to cached IS-Net masks, for the quality
// benchmark (bench/quality/run.sh), and times refinement on synthetic photos.
//
//   bgone_quality_stages stages IMAGE_DIR MASK_DIR OUT_DIR
//     for each MASK_DIR/NAME.nobg.png (the CLI's `--mask --no-refine` output) and its photo
//     IMAGE_DIR/NAME.{png,jpg}, writes OUT_DIR/STAGE/NAME.png for every stage below.
//   bgone_quality_stages timing WIDTH HEIGHT THREADS
//     refinement and foreground estimation time on a synthetic photo; prints peak RSS.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "cli/files.h"
#include "cli/image_io.h"
#include "imaging/foreground.h"
#include "imaging/matte_refine.h"

namespace fs = std::filesystem;
using namespace bgone;
using namespace bgone::imaging;

namespace {

struct Stage {
  const char* name;
  bool likelihood, local, guided, trust;
};
constexpr Stage kStages[] = {
    {"guided", false, false, true, false},
    {"likelihood", true, false, false, false},
    {"likelihood+local", true, true, false, false},
    {"untrusted", true, true, true, false},
    {"full", true, true, true, true},
};

int Fail(const Status& s, const std::string& what) {
  std::fprintf(stderr, "%s: %s\n", what.c_str(), s.ToString().c_str());
  return 1;
}

int RunStages(const std::string& image_dir, const std::string& mask_dir, const std::string& out) {
  std::vector<fs::path> masks;
  for (const auto& e : fs::directory_iterator(mask_dir)) masks.push_back(e.path());
  std::sort(masks.begin(), masks.end());
  ThreadPool pool(2);
  for (const Stage& st : kStages) fs::create_directories(fs::path(out) / st.name);
  for (const fs::path& m : masks) {
    std::string stem = m.filename().string();
    const size_t dot = stem.find('.');
    stem = stem.substr(0, dot);
    fs::path photo = fs::path(image_dir) / (stem + ".png");
    if (!fs::exists(photo)) photo = fs::path(image_dir) / (stem + ".jpg");
    auto image = cli::DecodeImageFile(photo.string(), {});
    if (!image.ok()) return Fail(image.status(), photo.string());
    auto mask = cli::DecodeImageFile(m.string(), {});
    if (!mask.ok()) return Fail(mask.status(), m.string());
    // The CLI writes masks as gray PNGs; libvips may hand them back as RGB.
    Image gray = Image::Create(mask->width, mask->height, PixelFormat::kGray8).value();
    for (size_t i = 0; i < gray.pixels.size(); ++i)
      gray.pixels[i] = mask->pixels[i * mask->channels()];
    for (const Stage& st : kStages) {
      MatteRefineOptions o;
      o.color_likelihood = st.likelihood;
      o.local_color = st.local;
      o.guided_filter = st.guided;
      o.trust_model = st.trust;
      auto refined = RefineMatte(*image, gray, o, &pool);
      if (!refined.ok()) return Fail(refined.status(), stem);
      auto bytes = cli::EncodeImage(*refined, {});
      if (!bytes.ok()) return Fail(bytes.status(), stem);
      Status w =
          cli::WriteFileAtomically((fs::path(out) / st.name / (stem + ".png")).string(), *bytes);
      if (!w.ok()) return Fail(w, stem);
    }
  }
  return 0;
}

double PeakRssMb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024.0;
}

int RunTiming(int width, int height, int threads) {
  // A smooth colour photo with a soft-edged disc "subject" and a matching upscaled-looking mask.
  Image image = Image::Create(width, height, PixelFormat::kRgb8).value();
  Image mask = Image::Create(width, height, PixelFormat::kGray8).value();
  const double cx = width * 0.5, cy = height * 0.5, radius = std::min(width, height) * 0.3;
  const double soft = std::max(width, height) / 300.0;
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const double d = std::hypot(x - cx, y - cy);
      const double a = std::clamp((radius - d) / soft + 0.5, 0.0, 1.0);
      uint8_t* p = image.row(y) + 3 * static_cast<size_t>(x);
      const int tex = ((x / 7) ^ (y / 5)) & 31;
      p[0] = static_cast<uint8_t>(a * 220 + (1 - a) * (40 + tex));
      p[1] = static_cast<uint8_t>(a * 160 + (1 - a) * (120 + tex));
      p[2] = static_cast<uint8_t>(a * 90 + (1 - a) * (60 + 2 * tex));
      mask.row(y)[x] = static_cast<uint8_t>(std::lround(a * 255));
    }
  }
  const double base_rss = PeakRssMb();
  ThreadPool pool(threads);
  // The machine may be shared: repeat and report the fastest and the median run.
  constexpr int kRepeats = 7;
  std::vector<double> refine_ms, fg_ms;
  double refine_rss = 0;
  for (int i = 0; i < kRepeats; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    auto refined = RefineMatte(image, mask, {}, &pool);
    auto t1 = std::chrono::steady_clock::now();
    if (!refined.ok()) return Fail(refined.status(), "refine");
    if (i == 0) refine_rss = PeakRssMb();
    auto fg = EstimateForeground(image, *refined, {}, &pool);
    auto t2 = std::chrono::steady_clock::now();
    if (!fg.ok()) return Fail(fg.status(), "foreground");
    refine_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    fg_ms.push_back(std::chrono::duration<double, std::milli>(t2 - t1).count());
  }
  std::sort(refine_ms.begin(), refine_ms.end());
  std::sort(fg_ms.begin(), fg_ms.end());
  std::printf(
      "%dx%d (%.1f MP), %d threads, %d runs: refine min %.0f ms (median %.0f), foreground min "
      "%.0f ms (median %.0f); peak RSS %.0f MB with inputs, +%.0f MB during the first refine "
      "(output mask %.0f MB), %.0f MB at the end\n",
      width, height, width * double(height) / 1e6, threads, kRepeats, refine_ms[0],
      refine_ms[kRepeats / 2], fg_ms[0], fg_ms[kRepeats / 2], base_rss, refine_rss - base_rss,
      width * double(height) / 1048576.0, PeakRssMb());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> a(argv + 1, argv + argc);
  if (a.size() == 4 && a[0] == "stages") {
    if (Status s = cli::InitImageIo(argv[0], 2); !s.ok()) return Fail(s, "libvips");
    return RunStages(a[1], a[2], a[3]);
  }
  if (a.size() == 4 && a[0] == "timing") {
    return RunTiming(std::stoi(a[1]), std::stoi(a[2]), std::stoi(a[3]));
  }
  std::fprintf(stderr, "usage: %s stages IMAGE_DIR MASK_DIR OUT_DIR | timing W H THREADS\n",
               argv[0]);
  return 2;
}
