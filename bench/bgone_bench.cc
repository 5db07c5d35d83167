// Times bgone's engine on one model and one raw float32 input, and prints JSON on stdout.
//
//   bgone_bench --model M.onnx --input in.bin [--threads T] [--repeat N] [--warmup W]
//               [--output NAME] [--write-output FILE.bin]
//
// The input file holds the model's first input as little-endian float32 in the shape the model
// fixes ([1,3,1024,1024] for IS-Net). Only output NAME (default "output") is computed, so bgone
// and ONNX Runtime (tools/ort_run.mjs --outputs NAME) do the same work. bench/bench.mjs runs
// this in its own process, so the peak RSS printed is bgone's alone.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "engine/common/status.h"
#include "engine/common/tensor.h"
#include "engine/runtime/session.h"
#include "engine/runtime/thread_pool.h"

namespace {

struct Args {
  std::string model;
  std::string input;
  std::string output = "output";
  std::string write_output;
  int threads = 1;
  int repeat = 3;
  int warmup = 0;
};

[[noreturn]] void Usage(const std::string& message) {
  if (!message.empty()) std::fprintf(stderr, "bgone_bench: %s\n", message.c_str());
  std::fprintf(stderr,
               "usage: bgone_bench --model M.onnx --input in.bin [--threads T] [--repeat N] "
               "[--warmup W] [--output NAME] [--write-output FILE.bin]\n");
  std::exit(2);
}

int ParseInt(const std::string& flag, const char* text, int min) {
  char* end = nullptr;
  long v = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || v < min || v > 1'000'000) {
    Usage(flag + " needs an integer >= " + std::to_string(min) + ", got '" + text + "'");
  }
  return static_cast<int>(v);
}

Args ParseArgs(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) Usage(flag + " needs a value");
      return argv[++i];
    };
    if (flag == "--model") a.model = value();
    else if (flag == "--input") a.input = value();
    else if (flag == "--output") a.output = value();
    else if (flag == "--write-output") a.write_output = value();
    else if (flag == "--threads") a.threads = ParseInt(flag, value(), 1);
    else if (flag == "--repeat") a.repeat = ParseInt(flag, value(), 1);
    else if (flag == "--warmup") a.warmup = ParseInt(flag, value(), 0);
    else Usage("unknown argument '" + flag + "'");
  }
  if (a.model.empty() || a.input.empty()) Usage("--model and --input are required");
  return a;
}

double MsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

long MaxRssKb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;  // kilobytes on Linux
}

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

int Fail(const std::string& what, const bgone::Status& status) {
  std::fprintf(stderr, "bgone_bench: %s: %s\n", what.c_str(), status.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  const Args args = ParseArgs(argc, argv);

  auto t0 = std::chrono::steady_clock::now();
  auto model = bgone::Model::FromFile(args.model);
  if (!model.ok()) return Fail("loading " + args.model, model.status());
  const double load_ms = MsSince(t0);

  bgone::ThreadPool pool(args.threads);
  bgone::SessionOptions options;
  options.outputs = {args.output};
  options.prepare_pool = &pool;
  t0 = std::chrono::steady_clock::now();
  auto session = bgone::Session::Create(*model, {}, options);
  if (!session.ok()) return Fail("preparing " + args.model, session.status());
  const double prepare_ms = MsSince(t0);

  const auto& inputs_info = (*session)->inputs();
  if (inputs_info.size() != 1) {
    std::fprintf(stderr, "bgone_bench: the model has %zu inputs, expected 1\n", inputs_info.size());
    return 1;
  }
  std::ifstream in(args.input, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "bgone_bench: cannot read %s\n", args.input.c_str());
    return 1;
  }
  std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto input = bgone::Tensor::FromBytes(bgone::DType::kFloat32, inputs_info[0].shape, bytes.data(),
                                        bytes.size());
  if (!input.ok()) return Fail("input " + args.input, input.status());
  bytes = {};

  std::vector<bgone::Tensor> outputs;
  for (int i = 0; i < args.warmup; ++i) {
    outputs.clear();
    bgone::Status s = (*session)->Run({*input}, &outputs, &pool);
    if (!s.ok()) return Fail("run", s);
  }
  std::vector<double> times;
  for (int i = 0; i < args.repeat; ++i) {
    outputs.clear();
    t0 = std::chrono::steady_clock::now();
    bgone::Status s = (*session)->Run({*input}, &outputs, &pool);
    times.push_back(MsSince(t0));
    if (!s.ok()) return Fail("run", s);
  }
  if (outputs.size() != 1) {
    std::fprintf(stderr, "bgone_bench: got %zu outputs, expected 1\n", outputs.size());
    return 1;
  }
  const bgone::Tensor& out = outputs[0];
  if (!args.write_output.empty()) {
    if (out.dtype() != bgone::DType::kFloat32) {
      std::fprintf(stderr, "bgone_bench: output is %s, expected float32\n",
                   bgone::DTypeName(out.dtype()));
      return 1;
    }
    std::ofstream f(args.write_output, std::ios::binary);
    f.write(static_cast<const char*>(out.raw()), static_cast<std::streamsize>(out.bytes()));
    if (!f) {
      std::fprintf(stderr, "bgone_bench: cannot write %s\n", args.write_output.c_str());
      return 1;
    }
  }

  std::vector<double> sorted = times;
  std::sort(sorted.begin(), sorted.end());
  const size_t m = sorted.size() / 2;
  const double median = sorted.size() % 2 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;

  std::string dims;
  for (int64_t d : out.shape()) {
    if (!dims.empty()) dims += ',';
    dims += std::to_string(d);
  }
  std::string times_json;
  for (double t : times) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%s%.3f", times_json.empty() ? "" : ",", t);
    times_json += buf;
  }
  const auto& stats = (*session)->stats();
  std::printf(
      "{\"model\": %s, \"threads\": %d, \"load_ms\": %.3f, \"prepare_ms\": %.3f, "
      "\"times_ms\": [%s], \"median_ms\": %.3f, \"max_rss_kb\": %ld, "
      "\"nodes_in_model\": %d, \"nodes_after_passes\": %d, \"weight_bytes\": %llu, "
      "\"arena_bytes\": %llu, \"peak_live_bytes\": %llu, "
      "\"output\": {\"name\": %s, \"dims\": [%s], \"dtype\": %s}}\n",
      JsonString(args.model).c_str(), args.threads, load_ms, prepare_ms, times_json.c_str(), median,
      MaxRssKb(), stats.nodes_in_model, stats.nodes_after_passes,
      static_cast<unsigned long long>(stats.weight_bytes),
      static_cast<unsigned long long>(stats.arena_bytes),
      static_cast<unsigned long long>(stats.peak_live_bytes), JsonString(args.output).c_str(),
      dims.c_str(), JsonString(bgone::DTypeName(out.dtype())).c_str());
  return 0;
}
