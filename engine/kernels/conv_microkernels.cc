// GEMM micro-kernels for the packed convolutions, compiled for several x86 targets via function
// target attributes (no -march flags, so binaries stay portable) and chosen at run time, plus a
// portable version in GCC/Clang vector extensions (SSE2 here, SIMD128 under Emscripten, where the
// int16 kernel uses SIMD128 intrinsics: GemmI16Wasm). The x86 kernels use intrinsics: GCC 12
// builds broadcasts of vector-extension types poorly for AVX. Only the portable and wasm kernels
// are compiled for WebAssembly.
#include "engine/kernels/conv_microkernels.h"

#include <cstdlib>
#include <cstring>
#include <utility>

#if defined(__x86_64__) || defined(__i386__)
#define BGONE_X86 1
#include <immintrin.h>
#endif
#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace bgone::kernels::conv_internal {
namespace {

typedef float VF4 __attribute__((vector_size(16)));

// A vector with every lane = x, built as a uniform initializer list so the compiler emits one
// broadcast. (`V{} + x` would keep a real 0 + x add, since it turns -0 into +0.)
template <typename V, size_t... I>
static inline __attribute__((always_inline)) V SplatImpl(float x, std::index_sequence<I...>) {
  return V{((void)I, x)...};
}
template <typename V>
static inline __attribute__((always_inline)) V Splat(float x) {
  return SplatImpl<V>(x, std::make_index_sequence<sizeof(V) / sizeof(float)>());
}

// acc[o][j] (a vector of L pixels) += w[o] * b[j]; MR x (NV*L) outputs kept in registers.
template <typename V, int MR, int NV>
static inline __attribute__((always_inline)) void GemmF32Body(int64_t k, const float* w,
                                                              const float* b, const int64_t* koff,
                                                              float* c) {
  constexpr int L = sizeof(V) / sizeof(float);
  constexpr int NR = NV * L;
  V acc[MR][NV];
#pragma GCC unroll 16
  for (int o = 0; o < MR; ++o) {
#pragma GCC unroll 8
    for (int j = 0; j < NV; ++j) acc[o][j] = V{};
  }
  for (int64_t p = 0; p < k; ++p) {
    const float* bp = b + koff[p];
    const float* wp = w + p * MR;
    V bv[NV];
#pragma GCC unroll 8
    for (int j = 0; j < NV; ++j) std::memcpy(&bv[j], bp + j * L, sizeof(V));
#pragma GCC unroll 16
    for (int o = 0; o < MR; ++o) {
      V wv = Splat<V>(wp[o]);
#pragma GCC unroll 8
      for (int j = 0; j < NV; ++j) acc[o][j] += wv * bv[j];
    }
  }
#pragma GCC unroll 16
  for (int o = 0; o < MR; ++o) {
#pragma GCC unroll 8
    for (int j = 0; j < NV; ++j) std::memcpy(c + o * NR + j * L, &acc[o][j], sizeof(V));
  }
}

#if defined(__wasm_simd128__)
// 4 x 8 under WebAssembly: ~10% faster than 4 x 12 in V8, whose x64 code has 16 SSE registers
// (one reserved) for the accumulators, b vectors and the splat.
constexpr int kGenericF32Mr = 4, kGenericF32Nv = 2;  // 4 x 8
#else
constexpr int kGenericF32Mr = 4, kGenericF32Nv = 3;  // 4 x 12
#endif
void GemmF32Generic(int64_t k, const float* w, const float* b, const int64_t* koff, float* c) {
  GemmF32Body<VF4, kGenericF32Mr, kGenericF32Nv>(k, w, b, koff, c);
}

constexpr int kGenericI16Mr = 4, kGenericI16Nr = 8;
void GemmI16Generic(int64_t kp, const int16_t* w, const int16_t* b, const int64_t* koff,
                    int32_t* c) {
  uint32_t acc[kGenericI16Mr][kGenericI16Nr] = {};
  for (int64_t p = 0; p < kp; ++p) {
    const int16_t* bp = b + koff[p];
    const int16_t* wp = w + p * kGenericI16Mr * 2;
    // De-interleave the pairs first so the inner loops vectorise (widening multiplies).
    int32_t even[kGenericI16Nr], odd[kGenericI16Nr];
    for (int j = 0; j < kGenericI16Nr; ++j) {
      even[j] = bp[2 * j];
      odd[j] = bp[2 * j + 1];
    }
    for (int o = 0; o < kGenericI16Mr; ++o) {
      int32_t w0 = wp[2 * o], w1 = wp[2 * o + 1];
      // |w|, |b| <= 510 here, so the pair sum fits int32; the running sum wraps as uint32.
      for (int j = 0; j < kGenericI16Nr; ++j) acc[o][j] += static_cast<uint32_t>(w0 * even[j] + w1 * odd[j]);
    }
  }
  for (int o = 0; o < kGenericI16Mr; ++o) {
    for (int j = 0; j < kGenericI16Nr; ++j) {
      c[o * kGenericI16Nr + j] = static_cast<int32_t>(acc[o][j]);
    }
  }
}

#if defined(__wasm_simd128__)

// WebAssembly SIMD128's i32x4.dot_i16x8_s is x86's pmaddwd: each int32 lane gets the sum of one
// pixel's int16 pair products, so one v128 of b holds 4 pixels x 2 depth steps. Same sums as
// GemmI16Generic (exactly equal results), about 4x faster in V8. 4 x 8 measured best (4 x 12,
// 6 x 8 and 8 x 4 were equal or slower). Loading the 4 weight pairs as one v128 + lane shuffles
// showed no clear gain in node 20, and a 2x unrolled depth loop was ~7% slower.
constexpr int kWasmI16Mr = 4, kWasmI16Nv = 2, kWasmI16Nr = kWasmI16Nv * 4;
void GemmI16Wasm(int64_t kp, const int16_t* w, const int16_t* b, const int64_t* koff, int32_t* c) {
  v128_t acc[kWasmI16Mr][kWasmI16Nv];
#pragma GCC unroll 8
  for (int o = 0; o < kWasmI16Mr; ++o) {
#pragma GCC unroll 4
    for (int j = 0; j < kWasmI16Nv; ++j) acc[o][j] = wasm_i32x4_const(0, 0, 0, 0);
  }
  for (int64_t p = 0; p < kp; ++p) {
    const int16_t* bp = b + koff[p];
    const int16_t* wp = w + p * kWasmI16Mr * 2;
    v128_t bv[kWasmI16Nv];
#pragma GCC unroll 4
    for (int j = 0; j < kWasmI16Nv; ++j) bv[j] = wasm_v128_load(bp + j * 8);
#pragma GCC unroll 8
    for (int o = 0; o < kWasmI16Mr; ++o) {
      int32_t pair;
      std::memcpy(&pair, wp + 2 * o, 4);
      const v128_t wv = wasm_i32x4_splat(pair);
#pragma GCC unroll 4
      for (int j = 0; j < kWasmI16Nv; ++j) {
        acc[o][j] = wasm_i32x4_add(acc[o][j], wasm_i32x4_dot_i16x8(bv[j], wv));
      }
    }
  }
#pragma GCC unroll 8
  for (int o = 0; o < kWasmI16Mr; ++o) {
#pragma GCC unroll 4
    for (int j = 0; j < kWasmI16Nv; ++j) wasm_v128_store(c + o * kWasmI16Nr + j * 4, acc[o][j]);
  }
}

#endif  // __wasm_simd128__

#if BGONE_X86

constexpr int kAvx512F32Mr = 8, kAvx512F32Nv = 2;  // 8 x 32
// Intrinsics here (not the vector-extension body): GCC 12 builds the 512-bit splat from a 256-bit
// broadcast plus an insert, which costs ~10% on this kernel.
__attribute__((target("avx512f"))) void GemmF32Avx512(int64_t k, const float* w, const float* b,
                                                      const int64_t* koff, float* c) {
  __m512 acc[kAvx512F32Mr][2];
#pragma GCC unroll 8
  for (int o = 0; o < kAvx512F32Mr; ++o) acc[o][0] = acc[o][1] = _mm512_setzero_ps();
  for (int64_t p = 0; p < k; ++p) {
    const float* bp = b + koff[p];
    const float* wp = w + p * kAvx512F32Mr;
    __m512 b0 = _mm512_loadu_ps(bp);
    __m512 b1 = _mm512_loadu_ps(bp + 16);
#pragma GCC unroll 8
    for (int o = 0; o < kAvx512F32Mr; ++o) {
      __m512 wv = _mm512_set1_ps(wp[o]);
      acc[o][0] = _mm512_fmadd_ps(wv, b0, acc[o][0]);
      acc[o][1] = _mm512_fmadd_ps(wv, b1, acc[o][1]);
    }
  }
#pragma GCC unroll 8
  for (int o = 0; o < kAvx512F32Mr; ++o) {
    _mm512_storeu_ps(c + o * 32, acc[o][0]);
    _mm512_storeu_ps(c + o * 32 + 16, acc[o][1]);
  }
}

constexpr int kAvx2F32Mr = 6, kAvx2F32Nv = 2;  // 6 x 16
__attribute__((target("avx2,fma"))) void GemmF32Avx2(int64_t k, const float* w, const float* b,
                                                    const int64_t* koff, float* c) {
  __m256 acc[kAvx2F32Mr][2];
#pragma GCC unroll 8
  for (int o = 0; o < kAvx2F32Mr; ++o) acc[o][0] = acc[o][1] = _mm256_setzero_ps();
  for (int64_t p = 0; p < k; ++p) {
    const float* bp = b + koff[p];
    const float* wp = w + p * kAvx2F32Mr;
    __m256 b0 = _mm256_loadu_ps(bp);
    __m256 b1 = _mm256_loadu_ps(bp + 8);
#pragma GCC unroll 8
    for (int o = 0; o < kAvx2F32Mr; ++o) {
      __m256 wv = _mm256_broadcast_ss(wp + o);
      acc[o][0] = _mm256_fmadd_ps(wv, b0, acc[o][0]);
      acc[o][1] = _mm256_fmadd_ps(wv, b1, acc[o][1]);
    }
  }
#pragma GCC unroll 8
  for (int o = 0; o < kAvx2F32Mr; ++o) {
    _mm256_storeu_ps(c + o * 16, acc[o][0]);
    _mm256_storeu_ps(c + o * 16 + 8, acc[o][1]);
  }
}

// int16 pairs: _madd_epi16 multiplies adjacent int16 pairs and adds them into int32 lanes, so one
// 512-bit register of b holds 16 pixels x 2 depth steps.
constexpr int kAvx512I16Mr = 8, kAvx512I16Nr = 32;

__attribute__((target("avx512f,avx512bw"))) void GemmI16Avx512(int64_t kp, const int16_t* w,
                                                               const int16_t* b,
                                                               const int64_t* koff, int32_t* c) {
  __m512i acc[kAvx512I16Mr][2];
#pragma GCC unroll 8
  for (int o = 0; o < kAvx512I16Mr; ++o) acc[o][0] = acc[o][1] = _mm512_setzero_si512();
  for (int64_t p = 0; p < kp; ++p) {
    const int16_t* bp = b + koff[p];
    const int16_t* wp = w + p * kAvx512I16Mr * 2;
    __m512i b0 = _mm512_loadu_si512(bp);
    __m512i b1 = _mm512_loadu_si512(bp + 32);
#pragma GCC unroll 8
    for (int o = 0; o < kAvx512I16Mr; ++o) {
      int32_t pair;
      std::memcpy(&pair, wp + 2 * o, 4);
      __m512i wv = _mm512_set1_epi32(pair);
      acc[o][0] = _mm512_add_epi32(acc[o][0], _mm512_madd_epi16(b0, wv));
      acc[o][1] = _mm512_add_epi32(acc[o][1], _mm512_madd_epi16(b1, wv));
    }
  }
#pragma GCC unroll 8
  for (int o = 0; o < kAvx512I16Mr; ++o) {
    _mm512_storeu_si512(c + o * kAvx512I16Nr, acc[o][0]);
    _mm512_storeu_si512(c + o * kAvx512I16Nr + 16, acc[o][1]);
  }
}

// Same sums with AVX512-VNNI's fused multiply-add of int16 pairs (exactly equal results).
__attribute__((target("avx512f,avx512bw,avx512vnni"))) void GemmI16Avx512Vnni(
    int64_t kp, const int16_t* w, const int16_t* b, const int64_t* koff, int32_t* c) {
  __m512i acc[kAvx512I16Mr][2];
#pragma GCC unroll 8
  for (int o = 0; o < kAvx512I16Mr; ++o) acc[o][0] = acc[o][1] = _mm512_setzero_si512();
  for (int64_t p = 0; p < kp; ++p) {
    const int16_t* bp = b + koff[p];
    const int16_t* wp = w + p * kAvx512I16Mr * 2;
    __m512i b0 = _mm512_loadu_si512(bp);
    __m512i b1 = _mm512_loadu_si512(bp + 32);
#pragma GCC unroll 8
    for (int o = 0; o < kAvx512I16Mr; ++o) {
      int32_t pair;
      std::memcpy(&pair, wp + 2 * o, 4);
      __m512i wv = _mm512_set1_epi32(pair);
      acc[o][0] = _mm512_dpwssd_epi32(acc[o][0], b0, wv);
      acc[o][1] = _mm512_dpwssd_epi32(acc[o][1], b1, wv);
    }
  }
#pragma GCC unroll 8
  for (int o = 0; o < kAvx512I16Mr; ++o) {
    _mm512_storeu_si512(c + o * kAvx512I16Nr, acc[o][0]);
    _mm512_storeu_si512(c + o * kAvx512I16Nr + 16, acc[o][1]);
  }
}

// uint8 x int8 quads with VNNI's vpdpbusd: each int32 lane gets the sum of 4 byte products (no
// saturation, so the running sum wraps like the int16 kernels'): half the instructions of the
// int16 pair kernel for the same depth. One 512-bit register of b holds 16 pixels x 4 channels.
// About 215 GMAC/s per core here, at the vpdpbusd throughput bound; 4 x 64 measured best on
// IS-Net (8 x 48, 4 x 48 and 6 x 64 within 2%; 8 x 32, 12 x 32 and 14 x 32 5-10% slower).
constexpr int kVnniU8Mr = 4, kVnniU8Nv = 4;  // 4 x 64
template <int MR, int NV>
__attribute__((target("avx512f,avx512bw,avx512vnni"))) void GemmU8S8Avx512VnniT(
    int64_t kq, const int8_t* w, const uint8_t* b, const int64_t* koff, const int32_t* row_a,
    const int32_t* row_k, const int32_t* col_s, int32_t* c) {
  constexpr int NR = NV * 16;
  __m512i acc[MR][NV];
#pragma GCC unroll 16
  for (int o = 0; o < MR; ++o) {
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) acc[o][j] = _mm512_setzero_si512();
  }
  for (int64_t q = 0; q < kq; ++q) {
    const uint8_t* bp = b + koff[q];
    const int8_t* wp = w + q * MR * 4;
    __m512i bv[NV];
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) bv[j] = _mm512_loadu_si512(bp + j * 64);
#pragma GCC unroll 16
    for (int o = 0; o < MR; ++o) {
      int32_t quad;
      std::memcpy(&quad, wp + 4 * o, 4);
      const __m512i wv = _mm512_set1_epi32(quad);
#pragma GCC unroll 4
      for (int j = 0; j < NV; ++j) acc[o][j] = _mm512_dpbusd_epi32(acc[o][j], bv[j], wv);
    }
  }
#pragma GCC unroll 16
  for (int o = 0; o < MR; ++o) {
#pragma GCC unroll 4
    for (int j = 0; j < NV; ++j) _mm512_storeu_si512(c + o * NR + j * 16, acc[o][j]);
  }
  // Corrections in a second pass over c: done on the accumulators, GCC 12 keeps spilling them
  // inside the depth loop (2x slower).
  for (int j = 0; j < NV; ++j) {
    const __m512i cs = _mm512_loadu_si512(col_s + j * 16);
    for (int o = 0; o < MR; ++o) {
      int32_t* co = c + o * NR + j * 16;
      const __m512i corr = _mm512_add_epi32(_mm512_mullo_epi32(_mm512_set1_epi32(row_a[o]), cs),
                                            _mm512_set1_epi32(row_k[o]));
      _mm512_storeu_si512(co, _mm512_add_epi32(_mm512_loadu_si512(co), corr));
    }
  }
}

constexpr int kAvx2I16Mr = 6, kAvx2I16Nr = 16;
__attribute__((target("avx2"))) void GemmI16Avx2(int64_t kp, const int16_t* w, const int16_t* b,
                                                const int64_t* koff, int32_t* c) {
  __m256i acc[kAvx2I16Mr][2];
#pragma GCC unroll 8
  for (int o = 0; o < kAvx2I16Mr; ++o) acc[o][0] = acc[o][1] = _mm256_setzero_si256();
  for (int64_t p = 0; p < kp; ++p) {
    const int16_t* bp = b + koff[p];
    const int16_t* wp = w + p * kAvx2I16Mr * 2;
    __m256i b0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bp));
    __m256i b1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bp + 16));
#pragma GCC unroll 8
    for (int o = 0; o < kAvx2I16Mr; ++o) {
      int32_t pair;
      std::memcpy(&pair, wp + 2 * o, 4);
      __m256i wv = _mm256_set1_epi32(pair);
      acc[o][0] = _mm256_add_epi32(acc[o][0], _mm256_madd_epi16(b0, wv));
      acc[o][1] = _mm256_add_epi32(acc[o][1], _mm256_madd_epi16(b1, wv));
    }
  }
#pragma GCC unroll 8
  for (int o = 0; o < kAvx2I16Mr; ++o) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(c + o * kAvx2I16Nr), acc[o][0]);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(c + o * kAvx2I16Nr + 8), acc[o][1]);
  }
}

// BGONE_MAX_ISA=avx2 or =generic caps the instruction set the convolution kernels (direct,
// integer and Winograd) pick, to run an older CPU's code paths on a newer one (the full-model
// tests do, see tests/model/CMakeLists.txt); unset or any other value leaves detection alone.
// 2 = AVX-512, 1 = AVX2, 0 = portable. Read once.
int MaxIsaLevel() {
  static const int v = [] {
    const char* e = std::getenv("BGONE_MAX_ISA");
    if (e == nullptr) return 2;
    if (std::strcmp(e, "generic") == 0) return 0;
    if (std::strcmp(e, "avx2") == 0) return 1;
    return 2;
  }();
  return v;
}

bool CpuHasAvx512() {
  static const bool v = MaxIsaLevel() >= 2 && __builtin_cpu_supports("avx512f") &&
                        __builtin_cpu_supports("avx512bw");
  return v;
}
bool CpuHasAvx512Vnni() {
  static const bool v = CpuHasAvx512() && __builtin_cpu_supports("avx512vnni");
  return v;
}
bool CpuHasAvx2() {
  static const bool v =
      MaxIsaLevel() >= 1 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return v;
}

#endif  // BGONE_X86

}  // namespace

ConvIsa ResolveIsa(ConvIsa requested) {
  if (requested == ConvIsa::kAuto) {
    if (ConvIsaAvailable(ConvIsa::kAvx512)) return ConvIsa::kAvx512;
    if (ConvIsaAvailable(ConvIsa::kAvx2)) return ConvIsa::kAvx2;
    return ConvIsa::kGeneric;
  }
  return ConvIsaAvailable(requested) ? requested : ConvIsa::kGeneric;
}

MicroKernels GetMicroKernels(ConvIsa isa) {
  MicroKernels m;
#if BGONE_X86
  if (isa == ConvIsa::kAvx512) {
    m.f32_mr = kAvx512F32Mr;
    m.f32_nr = kAvx512F32Nv * 16;
    m.f32 = GemmF32Avx512;
    m.i16_mr = kAvx512I16Mr;
    m.i16_nr = kAvx512I16Nr;
    m.i16 = CpuHasAvx512Vnni() ? GemmI16Avx512Vnni : GemmI16Avx512;
    if (CpuHasAvx512Vnni()) {
      m.u8_mr = kVnniU8Mr;
      m.u8_nr = kVnniU8Nv * 16;
      m.u8 = GemmU8S8Avx512VnniT<kVnniU8Mr, kVnniU8Nv>;
    }
    return m;
  }
  if (isa == ConvIsa::kAvx2) {
    m.f32_mr = kAvx2F32Mr;
    m.f32_nr = kAvx2F32Nv * 8;
    m.f32 = GemmF32Avx2;
    m.i16_mr = kAvx2I16Mr;
    m.i16_nr = kAvx2I16Nr;
    m.i16 = GemmI16Avx2;
    return m;
  }
#endif
  (void)isa;
  m.f32_mr = kGenericF32Mr;
  m.f32_nr = kGenericF32Nv * 4;
  m.f32 = GemmF32Generic;
#if defined(__wasm_simd128__)
  m.i16_mr = kWasmI16Mr;
  m.i16_nr = kWasmI16Nr;
  m.i16 = GemmI16Wasm;
  (void)GemmI16Generic;
#else
  m.i16_mr = kGenericI16Mr;
  m.i16_nr = kGenericI16Nr;
  m.i16 = GemmI16Generic;
#endif
  return m;
}

}  // namespace bgone::kernels::conv_internal

namespace bgone::kernels {

std::vector<ConvIsa> AvailableConvIsas() {
  std::vector<ConvIsa> v;
  for (ConvIsa isa : {ConvIsa::kGeneric, ConvIsa::kAvx2, ConvIsa::kAvx512}) {
    if (ConvIsaAvailable(isa)) v.push_back(isa);
  }
  return v;
}

bool ConvIsaAvailable(ConvIsa isa) {
  switch (isa) {
    case ConvIsa::kAuto:
    case ConvIsa::kGeneric:
      return true;
#if BGONE_X86
    case ConvIsa::kAvx2:
      return conv_internal::CpuHasAvx2();
    case ConvIsa::kAvx512:
      return conv_internal::CpuHasAvx512();
#else
    default:
      return false;
#endif
  }
  return false;
}

const char* ConvIsaName(ConvIsa isa) {
  switch (isa) {
    case ConvIsa::kAuto: return "auto";
    case ConvIsa::kGeneric: return "generic";
    case ConvIsa::kAvx2: return "avx2";
    case ConvIsa::kAvx512: return "avx512";
  }
  return "unknown";
}

}  // namespace bgone::kernels
