#include "cli/app.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <memory>
#include <new>
#include <thread>

#include "cli/face_commands.h"
#include "cli/files.h"
#include "cli/image_io.h"
#include "cli/models.h"
#include "cli/options.h"
#include "cli/report.h"
#include "engine/runtime/session.h"
#include "engine/runtime/thread_pool.h"
#include "imaging/composite.h"
#include "imaging/foreground.h"
#include "imaging/isnet.h"
#include "imaging/matte_refine.h"

#ifndef BGONE_VERSION
#define BGONE_VERSION "unknown"
#endif
#ifndef BGONE_SOURCE_MODELS_DIR
#define BGONE_SOURCE_MODELS_DIR ""
#endif

namespace bgone::cli {
namespace {

using Clock = std::chrono::steady_clock;

// --trimap: alpha <= 5 is background, >= 250 foreground, the band between grown by 3 pixels.
constexpr int kTrimapLow = 5;
constexpr int kTrimapHigh = 250;
constexpr int kTrimapGrow = 3;

// The colour channels of `image` as Rgb8 (its alpha is already part of the combined alpha).
StatusOr<imaging::Image> ColoursOf(const imaging::Image& image) {
  BG_ASSIGN_OR_RETURN(imaging::Image out, imaging::Image::Create(image.width, image.height,
                                                                 imaging::PixelFormat::kRgb8));
  const int channels = image.channels();
  const size_t n = static_cast<size_t>(image.width) * image.height;
  for (size_t i = 0; i < n; ++i) {
    for (int c = 0; c < 3; ++c) {
      out.pixels[i * 3 + c] = image.pixels[i * channels + (channels == 1 ? 0 : c)];
    }
  }
  return out;
}

double MillisecondsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

int UsageError(const std::string& message) {
  std::fprintf(stderr, "bgone: %s\nTry 'bgone --help' for more information.\n", message.c_str());
  return kExitUsage;
}

// The model is loaded when the first image has decoded, so runs where every input fails early
// (missing, corrupt, refused) do not pay for it, and one load serves the whole batch.
class LazySegmenter {
 public:
  explicit LazySegmenter(std::string spec) : spec_(std::move(spec)), display_name_(spec_) {}

  StatusOr<imaging::IsNetSegmenter*> Get(Progress* progress, ThreadPool* pool) {
    if (!attempted_) {
      attempted_ = true;
      progress->Stage("loading model");
      const Clock::time_point start = Clock::now();
      status_ = Load(pool);
      load_ms_ = MillisecondsSince(start);
    }
    if (!status_.ok()) return status_;
    return segmenter_.get();
  }

  bool attempted() const { return attempted_; }
  bool failed() const { return attempted_ && !status_.ok(); }
  double load_milliseconds() const { return load_ms_; }
  const std::string& display_name() const { return display_name_; }

 private:
  Status Load(ThreadPool* pool) {
    BG_ASSIGN_OR_RETURN(std::string path, ResolveModelPath(spec_, BGONE_SOURCE_MODELS_DIR));
    display_name_ = path;
    auto model = Model::FromFile(path);
    if (!model.ok()) return model.status().WithContext("cannot load model '" + path + "'");
    auto segmenter = imaging::IsNetSegmenter::Create(*model, pool);
    if (!segmenter.ok()) {
      return segmenter.status().WithContext("cannot prepare model '" + path + "'");
    }
    segmenter_ = std::move(segmenter).value();
    return OkStatus();
  }

  std::string spec_;
  std::string display_name_;
  bool attempted_ = false;
  Status status_;
  std::unique_ptr<imaging::IsNetSegmenter> segmenter_;
  double load_ms_ = 0;
};

struct Context {
  const CliOptions* options;
  LazySegmenter* segmenter;
  ThreadPool* pool;
  Progress* progress;
};

Status ProcessJob(const Job& job, Context& ctx, FileResult* result) {
  if (!job.error.ok()) return job.error;
  const CliOptions& o = *ctx.options;
  ctx.progress->Stage("decoding");
  DecodeOptions decode;
  decode.max_pixels = static_cast<int64_t>(o.max_megapixels * 1e6);
  BG_ASSIGN_OR_RETURN(imaging::Image image, DecodeImageFile(job.input, decode));
  result->width = image.width;
  result->height = image.height;

  BG_ASSIGN_OR_RETURN(imaging::IsNetSegmenter * segmenter, ctx.segmenter->Get(ctx.progress, ctx.pool));
  ctx.progress->Stage("segmenting");
  BG_ASSIGN_OR_RETURN(imaging::Image mask, segmenter->ComputeMask(image, ctx.pool));

  if (o.refine) {
    ctx.progress->Stage("refining");
    BG_ASSIGN_OR_RETURN(mask, imaging::RefineMatte(image, mask, imaging::RefineOptionsFor(segmenter),
                                                   ctx.pool));
  }

  imaging::Image out;
  BG_ASSIGN_OR_RETURN(imaging::Image alpha, imaging::CombinedAlpha(image, mask));
  if (o.mask_only) {
    out = std::move(alpha);
  } else if (o.trimap) {
    BG_ASSIGN_OR_RETURN(out, imaging::TrimapFromMatte(alpha, kTrimapLow, kTrimapHigh, kTrimapGrow));
  } else {
    ctx.progress->Stage("compositing");
    imaging::Image colours;
    if (o.decontaminate) {
      BG_ASSIGN_OR_RETURN(colours, imaging::EstimateForeground(image, alpha, {}, ctx.pool));
    } else {
      BG_ASSIGN_OR_RETURN(colours, ColoursOf(image));
    }
    if (o.background) {
      BG_ASSIGN_OR_RETURN(out, imaging::FlattenOnto(colours, alpha, *o.background));
    } else if (o.background_blur) {
      BG_ASSIGN_OR_RETURN(imaging::Image backdrop,
                          imaging::BlurredBackground(image, alpha, {}, ctx.pool));
      BG_ASSIGN_OR_RETURN(out, imaging::CompositeOverImage(colours, alpha, backdrop));
    } else if (!o.background_image.empty()) {
      DecodeOptions bg_decode;
      bg_decode.max_pixels = static_cast<int64_t>(o.max_megapixels * 1e6);
      auto picture = DecodeImageFile(o.background_image, bg_decode);
      if (!picture.ok()) return picture.status().WithContext("background image");
      BG_ASSIGN_OR_RETURN(imaging::Image backdrop,
                          imaging::CoverFit(*picture, image.width, image.height, ctx.pool));
      BG_ASSIGN_OR_RETURN(out, imaging::CompositeOverImage(colours, alpha, backdrop));
    } else {
      BG_ASSIGN_OR_RETURN(out, imaging::ApplyMaskAsAlpha(colours, alpha));
    }
  }
  ctx.progress->Stage("writing");
  EncodeOptions encode;
  encode.format = o.format;
  encode.quality = o.quality;
  BG_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, EncodeImage(out, encode));
  return WriteFileAtomically(job.output, bytes);
}

int DefaultThreads() {
  const unsigned hw = std::thread::hardware_concurrency();
  return std::clamp(static_cast<int>(hw), 1, kDefaultThreadCap);
}

int Run(const CliOptions& o, const char* argv0) {
  const Clock::time_point run_start = Clock::now();
  const int threads = o.threads > 0 ? o.threads : DefaultThreads();
  if (Status s = InitImageIo(argv0, threads); !s.ok()) {
    std::fprintf(stderr, "bgone: %s\n", s.message().c_str());
    return kExitSomeFailed;
  }
  InstallTempFileCleanup();

  std::vector<Job> jobs = CollectInputs(o.inputs, o.recursive);
  if (!o.output.empty() && jobs.size() != 1) {
    return UsageError("-o/--output needs exactly one input file, but '" + o.inputs[0] + "' holds " +
                      std::to_string(jobs.size()) + "; use --out-dir");
  }
  OutputNaming naming;
  naming.output = o.output;
  naming.out_dir = o.out_dir;
  naming.format = o.format;
  PlanOutputs(naming, &jobs);

  const bool quiet = o.quiet || o.json;
  Progress progress(Progress::ChooseMode(stderr, quiet), stderr, static_cast<int>(jobs.size()));
  ThreadPool pool(threads);
  LazySegmenter segmenter(o.model);
  Context ctx{&o, &segmenter, &pool, &progress};

  RunSummary summary;
  summary.version = BGONE_VERSION;
  int failed = 0;
  for (size_t i = 0; i < jobs.size(); ++i) {
    const Job& job = jobs[i];
    progress.Begin(static_cast<int>(i), job.input);
    FileResult result;
    result.input = job.input;
    const Clock::time_point start = Clock::now();
    const bool model_attempted_before = segmenter.attempted();
    Status status;
    if (segmenter.failed() && job.error.ok()) {
      status = IoError("not processed: the model could not be loaded (see the first error)");
    } else {
      // Allocation failures inside the standard library are the only exceptions that can
      // reach here; they fail this file, not the batch.
      try {
        status = ProcessJob(job, ctx, &result);
      } catch (const std::bad_alloc&) {
        status = ResourceExhaustedError("out of memory");
      } catch (const std::exception& e) {
        status = InternalError(e.what());
      }
    }
    result.milliseconds = MillisecondsSince(start);
    // The one-off model load is reported separately, not charged to the first image.
    if (!model_attempted_before && segmenter.attempted()) {
      result.milliseconds -= segmenter.load_milliseconds();
    }
    result.ok = status.ok();
    if (result.ok) {
      result.output = job.output;
    } else {
      result.error = status.message();
      ++failed;
    }
    progress.Finish(result);
    summary.files.push_back(std::move(result));
  }
  summary.model = segmenter.display_name();
  summary.model_load_milliseconds = segmenter.load_milliseconds();
  summary.total_milliseconds = MillisecondsSince(run_start);
  progress.Summary(static_cast<int>(jobs.size()) - failed, failed, summary.total_milliseconds);
  if (o.json) {
    const std::string json = FormatJsonReport(summary);
    std::fwrite(json.data(), 1, json.size(), stdout);
    std::fflush(stdout);
  }
  return failed == 0 ? kExitOk : kExitSomeFailed;
}

}  // namespace

int RunCli(const std::vector<std::string>& args, const char* argv0) {
  try {
    if (!args.empty() && args[0] == "faces") {
      return RunFacesCommand(std::vector<std::string>(args.begin() + 1, args.end()), argv0);
    }
    if (!args.empty() && args[0] == "passport") {
      return RunPassportCommand(std::vector<std::string>(args.begin() + 1, args.end()), argv0);
    }
    StatusOr<CliOptions> parsed = ParseCommandLine(args);
    if (!parsed.ok()) return UsageError(parsed.status().message());
    const CliOptions& o = *parsed;
    if (o.action == CliOptions::Action::kHelp) {
      std::fputs(UsageText().c_str(), stdout);
      return kExitOk;
    }
    if (o.action == CliOptions::Action::kVersion) {
      std::printf("bgone %s\n", BGONE_VERSION);
      return kExitOk;
    }
    return Run(o, argv0);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bgone: internal error: %s\n", e.what());
    return kExitSomeFailed;
  }
}

}  // namespace bgone::cli
