// Times the packed convolutions on IS-Net-like shapes and prints GFLOP/s (2 flops per MAC; for
// Winograd the direct convolution's count, so the figures compare directly).
// Usage: bgone_conv_bench [--isa auto|generic|avx2|avx512] [--int8] [--int16-pairs] [--all] [--only NAME] [--cpu]
//                         [threads...]
//   (default: auto, 1 2; --int8 also times PackedConvInteger, exact and kWinogradF32; --int16-pairs
//   forces its exact int16 scheme instead of VNNI's u8 x s8 quads; --all runs every IS-Net 3x3
//   shape)
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "engine/kernels/conv.h"
#include "engine/runtime/thread_pool.h"

using namespace bgone;
using namespace bgone::kernels;

namespace {

ConvShape Shape3x3(int64_t c_in, int64_t c_out, int64_t hw, int64_t dil, int64_t stride = 1) {
  ConvShape s;
  s.in_c = c_in;
  s.out_c = c_out;
  s.in_h = s.in_w = hw;
  s.k_h = s.k_w = 3;
  s.dil_h = s.dil_w = dil;
  s.pad_t = s.pad_l = dil;
  s.stride_h = s.stride_w = stride;
  s.out_h = (hw + 2 * dil - 2 * dil - 1) / stride + 1;
  s.out_w = s.out_h;
  return s;
}

// With --cpu, process CPU time instead of wall time (steadier on a shared machine; only
// meaningful for one thread).
bool g_cpu_time = false;

double Now() {
  if (g_cpu_time) return static_cast<double>(std::clock()) / CLOCKS_PER_SEC;
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

template <typename F>
double TimeBest(F f, int reps) {
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    double t0 = Now();
    f();
    double dt = Now() - t0;
    if (dt < best) best = dt;
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> threads;
  ConvIsa isa = ConvIsa::kAuto;
  bool int8 = false, all = false;
  ConvIntScheme scheme = ConvIntScheme::kAuto;
  std::string only;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--int16-pairs") {
      scheme = ConvIntScheme::kInt16Pairs;
      continue;
    }
    if (a == "--int8") {
      int8 = true;
      continue;
    }
    if (a == "--all") {
      all = true;
      continue;
    }
    if (a == "--cpu") {
      g_cpu_time = true;
      continue;
    }
    if (a == "--only" && i + 1 < argc) {
      only = argv[++i];
      continue;
    }
    if (a == "--isa" && i + 1 < argc) {
      std::string v = argv[++i];
      isa = v == "generic" ? ConvIsa::kGeneric : v == "avx2" ? ConvIsa::kAvx2 : v == "avx512" ? ConvIsa::kAvx512 : ConvIsa::kAuto;
      continue;
    }
    threads.push_back(std::atoi(argv[i]));
  }
  if (threads.empty()) threads = {1, 2};
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> uf(-1, 1);
  std::uniform_int_distribution<int> ui(0, 255);
  struct Case {
    const char* name;
    ConvShape s;
  };
  std::vector<Case> cases = {
      {"64->64 512x512 3x3", Shape3x3(64, 64, 512, 1)},
      {"128->64 256x256 3x3 d2", Shape3x3(128, 64, 256, 2)},
      {"512->512 32x32 3x3", Shape3x3(512, 512, 32, 1)},
      {"3->64 1024x1024 3x3 s2", Shape3x3(3, 64, 1024, 1, 2)},
  };
  if (all) {  // IS-Net's 3x3 stride-1 layers, heaviest first
    cases = {
        {"64->64 512 ", Shape3x3(64, 64, 512, 1)},     {"128->64 512", Shape3x3(128, 64, 512, 1)},
        {"64->128 256", Shape3x3(64, 128, 256, 1)},    {"128->256 128", Shape3x3(128, 256, 128, 1)},
        {"256->512 64", Shape3x3(256, 512, 64, 1)},    {"1024->256 64", Shape3x3(1024, 256, 64, 1)},
        {"512->512 32", Shape3x3(512, 512, 32, 1)},    {"64->32 512", Shape3x3(64, 32, 512, 1)},
        {"1024->512 32", Shape3x3(1024, 512, 32, 1)},  {"32->64 512", Shape3x3(32, 64, 512, 1)},
        {"64->16 512", Shape3x3(64, 16, 512, 1)},      {"512->256 32 d4", Shape3x3(512, 256, 32, 4)},
        {"256->256 32 d8", Shape3x3(256, 256, 32, 8)}, {"512->512 16", Shape3x3(512, 512, 16, 1)},
        {"32->32 256", Shape3x3(32, 32, 256, 1)},      {"16->16 256", Shape3x3(16, 16, 256, 1)},
        {"32->16 128", Shape3x3(32, 16, 128, 1)},      {"32->32 64", Shape3x3(32, 32, 64, 1)},
        {"64->64 16", Shape3x3(64, 64, 16, 1)},        {"16->16 32", Shape3x3(16, 16, 32, 1)},
        {"64->1 512", Shape3x3(64, 1, 512, 1)},        {"3->64 1024 s2", Shape3x3(3, 64, 1024, 1, 2)},
    };
  }
  for (const Case& c : cases) {
    if (!only.empty() && std::string(c.name).find(only) == std::string::npos) continue;
    const ConvShape& s = c.s;
    std::vector<float> x(static_cast<size_t>(s.in_c * s.in_h * s.in_w));
    std::vector<float> w(static_cast<size_t>(s.out_c * s.k_size()));
    std::vector<float> y(static_cast<size_t>(s.out_c * s.out_pixels()));
    std::vector<uint8_t> xq(x.size()), wq(w.size());
    std::vector<int32_t> yq(y.size()), wzp(static_cast<size_t>(s.out_c), 131);
    for (auto& v : x) v = uf(rng);
    for (auto& v : w) v = uf(rng);
    for (auto& v : xq) v = static_cast<uint8_t>(ui(rng));
    for (auto& v : wq) v = static_cast<uint8_t>(ui(rng));
    auto pf = PackedConvF32::Pack(s, w.data(), isa, ConvAlgo::kDirect);
    auto pw = PackedConvF32::Pack(s, w.data(), isa, ConvAlgo::kWinograd);
    ConvIntegerInputs in;
    in.x = xq.data();
    in.x_zero_point = 117;
    in.w = wq.data();
    in.w_zero_points = wzp.data();
    // The exact scheme (kAuto would pick Winograd where WinogradIntegerPreferred says so).
    auto pi = PackedConvInteger::Pack(
        s, in, isa, scheme == ConvIntScheme::kAuto ? ConvIntScheme::kU8S8Quads : scheme);
    if (!pf.ok() || !pi.ok() || !pw.ok()) return 1;
    const bool wino = (*pw)->UsesWinograd(s);
    double gflop = 2 * s.macs() / 1e9;
    int reps = gflop > 20 ? 2 : 3;
    for (int t : threads) {
      ThreadPool pool(t);
      double tf = TimeBest([&] { (void)(*pf)->Run(s, x.data(), {}, y.data(), &pool); }, reps);
      double tw = wino ? TimeBest([&] { (void)(*pw)->Run(s, x.data(), {}, y.data(), &pool); }, reps) : 0;
      std::printf("%-24s threads=%d [%s] f32 direct %6.1f GFLOP/s (%.4fs)", c.name, t,
                  ConvIsaName((*pf)->isa()), gflop / tf, tf);
      if (wino) {
        std::printf("  winograd %6.1f (%.4fs) x%.2f%s", gflop / tw, tw, tf / tw,
                    (*pf)->UsesWinograd(s) ? "" : "");
        auto pa = PackedConvF32::Pack(s, w.data(), isa);
        std::printf(" auto=%s", pa.ok() && (*pa)->UsesWinograd(s) ? "wino" : "direct");
      }
      if (int8) {
        double ti = TimeBest([&] { (void)(*pi)->Run(s, in, yq.data(), &pool); }, reps);
        std::printf("   int8 %6.1f GOP/s (%.4fs)", gflop / ti, ti);
        auto piw = PackedConvInteger::Pack(s, in, isa, ConvIntScheme::kWinogradF32);
        if (piw.ok() && (*piw)->scheme() == ConvIntScheme::kWinogradF32) {
          double tiw = TimeBest([&] { (void)(*piw)->Run(s, in, yq.data(), &pool); }, reps);
          auto pa = PackedConvInteger::Pack(s, in, isa);
          std::printf("  int8 winograd %6.1f (%.4fs) x%.2f auto=%s", gflop / tiw, tiw, ti / tiw,
                      pa.ok() && (*pa)->scheme() == ConvIntScheme::kWinogradF32 ? "wino" : "exact");
        }
      }
      std::printf("\n");
    }
  }
  return 0;
}
