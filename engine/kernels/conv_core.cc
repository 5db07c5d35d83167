// Reference and packed convolutions (see conv.h for the scheme).
#include <algorithm>
#include <atomic>
#include <cstring>
#include <new>

#include "engine/kernels/conv.h"
#include "engine/kernels/conv_microkernels.h"
#include "engine/kernels/kernel_util.h"
#include "engine/kernels/winograd.h"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace bgone::kernels {

using conv_internal::GetMicroKernels;
using conv_internal::MicroKernels;
using conv_internal::ResolveIsa;

std::string ConvShape::ToString() const {
  // Built with append: GCC 12 warns falsely (-Wrestrict) on long operator+ chains.
  std::string r;
  auto add = [&r](const char* label, int64_t v) {
    r.append(label);
    r.append(std::to_string(v));
  };
  add("N", batch);
  add(" ", in_c);
  add("x", in_h);
  add("x", in_w);
  add(" -> ", out_c);
  add("x", out_h);
  add("x", out_w);
  add(" k", k_h);
  add("x", k_w);
  add(" s", stride_h);
  add(",", stride_w);
  add(" d", dil_h);
  add(",", dil_w);
  add(" p", pad_t);
  add(",", pad_l);
  add(" g", group);
  return r;
}

// ---------------------------------------------------------------------------------------------
// References

void ConvReferenceF32(const ConvShape& s, const float* x, const float* w, const ConvEpilogue& ep,
                      float* y) {
  int64_t cg = s.in_c_per_group(), mg = s.out_c_per_group();
  for (int64_t n = 0; n < s.batch; ++n) {
    for (int64_t oc = 0; oc < s.out_c; ++oc) {
      int64_t g = oc / mg;
      for (int64_t oy = 0; oy < s.out_h; ++oy) {
        for (int64_t ox = 0; ox < s.out_w; ++ox) {
          double acc = 0;
          for (int64_t ic = 0; ic < cg; ++ic) {
            const float* plane = x + ((n * s.in_c + g * cg + ic) * s.in_h) * s.in_w;
            const float* wk = w + ((oc * cg + ic) * s.k_h) * s.k_w;
            for (int64_t ky = 0; ky < s.k_h; ++ky) {
              int64_t iy = oy * s.stride_h - s.pad_t + ky * s.dil_h;
              if (iy < 0 || iy >= s.in_h) continue;
              for (int64_t kx = 0; kx < s.k_w; ++kx) {
                int64_t ix = ox * s.stride_w - s.pad_l + kx * s.dil_w;
                if (ix < 0 || ix >= s.in_w) continue;
                acc += static_cast<double>(plane[iy * s.in_w + ix]) * wk[ky * s.k_w + kx];
              }
            }
          }
          if (ep.bias) acc += ep.bias[oc];
          float v = static_cast<float>(acc);
          if (ep.relu && !(v > 0)) v = 0;
          y[((n * s.out_c + oc) * s.out_h + oy) * s.out_w + ox] = v;
        }
      }
    }
  }
}

namespace {
inline int32_t Load8(const void* p, bool is_signed, int64_t i) {
  return is_signed ? static_cast<int32_t>(static_cast<const int8_t*>(p)[i])
                   : static_cast<int32_t>(static_cast<const uint8_t*>(p)[i]);
}
}  // namespace

void ConvIntegerReference(const ConvShape& s, const ConvIntegerInputs& in, int32_t* y) {
  int64_t cg = s.in_c_per_group(), mg = s.out_c_per_group();
  for (int64_t n = 0; n < s.batch; ++n) {
    for (int64_t oc = 0; oc < s.out_c; ++oc) {
      int64_t g = oc / mg;
      for (int64_t oy = 0; oy < s.out_h; ++oy) {
        for (int64_t ox = 0; ox < s.out_w; ++ox) {
          int64_t acc = 0;
          for (int64_t ic = 0; ic < cg; ++ic) {
            int64_t plane = (n * s.in_c + g * cg + ic) * s.in_h * s.in_w;
            int64_t wk = ((oc * cg + ic) * s.k_h) * s.k_w;
            for (int64_t ky = 0; ky < s.k_h; ++ky) {
              int64_t iy = oy * s.stride_h - s.pad_t + ky * s.dil_h;
              if (iy < 0 || iy >= s.in_h) continue;
              for (int64_t kx = 0; kx < s.k_w; ++kx) {
                int64_t ix = ox * s.stride_w - s.pad_l + kx * s.dil_w;
                if (ix < 0 || ix >= s.in_w) continue;
                int64_t xv = Load8(in.x, in.x_signed, plane + iy * s.in_w + ix) - in.x_zero_point;
                int64_t wv = Load8(in.w, in.w_signed, wk + ky * s.k_w + kx) - in.w_zero_points[oc];
                acc += xv * wv;
              }
            }
          }
          y[((n * s.out_c + oc) * s.out_h + oy) * s.out_w + ox] =
              static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(acc)));
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Shared pieces of the packed paths
//
// Two ways to feed the micro-kernel:
//  - implicit GEMM (stride 1): the input is copied once into a zero-padded buffer; output pixel
//    (oy, ox) is computed at position q = oy * wp + ox of the padded grid, and depth step
//    k = (c, ky, kx) reads b[q + koff[k]] with koff[k] = c * plane + ky * dil_h * wp + kx * dil_w.
//    Tiles run along q across row ends; lanes with ox >= out_w are computed and dropped.
//  - im2col (other strides): each block of output pixels is unrolled into a K x pixels buffer.

namespace {

// Bytes of B data we aim to keep in L2 per block of tiles.
constexpr int64_t kBlockBytes = 192 * 1024;
constexpr int64_t kMaxTilesPerBlock = 16;
// Below this many independent pixel blocks, output channels are split as well.
constexpr int64_t kMinUnits = 8;
constexpr int kMaxTileElems = 8 * 32;
constexpr int kMaxIntTileElems = 16 * 64;
constexpr int kMaxIntMr = 16;

bool UseImplicitGemm(const ConvShape& s) { return s.stride_h == 1 && s.stride_w == 1; }

struct PaddedGrid {
  int64_t hp = 0, wp = 0, plane = 0;
  int64_t positions = 0;  // out_h * wp grid positions per image
  int64_t slack = 0;      // zeros after the buffer so the last tile's junk lanes stay in bounds
};

PaddedGrid MakeGrid(const ConvShape& s, int nr) {
  PaddedGrid g;
  g.hp = s.out_h + (s.k_h - 1) * s.dil_h;  // == in_h + pad_t + pad_b for stride 1
  g.wp = s.out_w + (s.k_w - 1) * s.dil_w;
  g.plane = g.hp * g.wp;
  g.positions = s.out_h * g.wp;
  g.slack = nr + (s.k_w - 1) * s.dil_w + 64;
  return g;
}

// Copies one input plane into its padded place: dst[(r * wp + col) * stride] for the padded
// grid, zeros where the kernel reads padding.
template <typename Src, typename Dst, typename Convert>
void PadPlane(const ConvShape& s, const PaddedGrid& g, const Src* src, Dst* dst, int64_t stride,
              Convert convert) {
  for (int64_t r = 0; r < g.hp; ++r) {
    Dst* row = dst + r * g.wp * stride;
    int64_t iy = r - s.pad_t;
    if (iy < 0 || iy >= s.in_h) {
      for (int64_t c = 0; c < g.wp; ++c) row[c * stride] = Dst(0);
      continue;
    }
    const Src* in = src + iy * s.in_w;
    int64_t left = std::min(s.pad_l, g.wp);
    int64_t count = std::clamp<int64_t>(g.wp - s.pad_l, 0, s.in_w);
    for (int64_t c = 0; c < left; ++c) row[c * stride] = Dst(0);
    Dst* mid = row + left * stride;
    if (stride == 1) {
      for (int64_t c = 0; c < count; ++c) mid[c] = convert(in[c]);
    } else {
      for (int64_t c = 0; c < count; ++c) mid[c * stride] = convert(in[c]);
    }
    for (int64_t c = left + count; c < g.wp; ++c) row[c * stride] = Dst(0);
  }
}

// Where the lanes of one tile of grid positions land in the output plane.
struct LaneRun {
  int lane = 0, count = 0;
  int64_t dst = 0;  // oy * out_w + ox
};

void TileRuns(const ConvShape& s, const PaddedGrid& g, int64_t q0, int nr, std::vector<LaneRun>* runs) {
  runs->clear();
  int lane = 0;
  int64_t oy = q0 / g.wp, ox = q0 % g.wp;
  while (lane < nr && oy < s.out_h) {
    int span = static_cast<int>(std::min<int64_t>(nr - lane, g.wp - ox));
    if (ox < s.out_w) {
      int valid = static_cast<int>(std::min<int64_t>(span, s.out_w - ox));
      runs->push_back({lane, valid, oy * s.out_w + ox});
    }
    lane += span;
    ++oy;
    ox = 0;
  }
}

struct Blocking {
  int64_t tiles = 1;   // nr-wide tiles per block
  int64_t blocks = 0;  // blocks per image and group
};

Blocking ChooseBlocking(int64_t bytes_per_tile, int64_t total_tiles) {
  Blocking b;
  int64_t tiles = kBlockBytes / std::max<int64_t>(1, bytes_per_tile);
  b.tiles = std::clamp<int64_t>(tiles, 1, kMaxTilesPerBlock);
  b.tiles = std::max<int64_t>(1, std::min(b.tiles, total_tiles));
  b.blocks = (total_tiles + b.tiles - 1) / b.tiles;
  return b;
}

// Writes the im2col row of kernel tap (ky, kx) of one input plane for output pixels
// [p0, p0 + len): dst[j * stride] = convert(x[iy][ix]) or `zero` where the tap reads padding.
template <typename Src, typename Dst, typename Convert>
inline void Im2ColRow(const ConvShape& s, const Src* plane, int64_t ky, int64_t kx, int64_t p0,
                      int64_t len, Dst* dst, int64_t stride, Dst zero, Convert convert) {
  int64_t q = 0, p = p0;
  while (q < len) {
    int64_t oy = p / s.out_w, ox0 = p % s.out_w;
    int64_t n = std::min(s.out_w - ox0, len - q);
    Dst* d = dst + q * stride;
    int64_t iy = oy * s.stride_h - s.pad_t + ky * s.dil_h;
    if (iy < 0 || iy >= s.in_h) {
      for (int64_t j = 0; j < n; ++j) d[j * stride] = zero;
    } else {
      const Src* row = plane + iy * s.in_w;
      int64_t sw = s.stride_w;
      int64_t ix0 = ox0 * sw - s.pad_l + kx * s.dil_w;
      // Output columns j in [lo, hi) read inside the row.
      int64_t lo = ix0 >= 0 ? 0 : (-ix0 + sw - 1) / sw;
      int64_t hi = ix0 <= s.in_w - 1 ? (s.in_w - 1 - ix0) / sw + 1 : 0;
      lo = std::min(lo, n);
      hi = std::clamp(hi, lo, n);
      for (int64_t j = 0; j < lo; ++j) d[j * stride] = zero;
      const Src* src = row + ix0 + lo * sw;
      if (sw == 1 && stride == 1) {
        for (int64_t j = lo; j < hi; ++j) d[j] = convert(src[j - lo]);
      } else {
        for (int64_t j = lo; j < hi; ++j) d[j * stride] = convert(src[(j - lo) * sw]);
      }
      for (int64_t j = hi; j < n; ++j) d[j * stride] = zero;
    }
    q += n;
    p += n;
  }
}

// Work decomposition: unit -> (image, group, block of tiles, chunk of output-channel blocks).
struct Units {
  int64_t count = 0, oc_chunks = 1, blocks_per_chunk = 0;
};

Units SplitUnits(const ConvShape& s, int64_t pixel_blocks, int64_t blocks_per_group) {
  Units u;
  int64_t base = s.batch * s.group * pixel_blocks;
  int64_t chunks = 1;
  if (base < kMinUnits) chunks = std::min(blocks_per_group, (kMinUnits + base - 1) / std::max<int64_t>(base, 1));
  chunks = std::max<int64_t>(chunks, 1);
  u.blocks_per_chunk = (blocks_per_group + chunks - 1) / chunks;
  u.oc_chunks = (blocks_per_group + u.blocks_per_chunk - 1) / u.blocks_per_chunk;
  u.count = base * u.oc_chunks;
  return u;
}

struct UnitIndex {
  int64_t n, g, block, chunk;
};

UnitIndex DecodeUnit(int64_t u, const ConvShape& s, const Units& units, int64_t pixel_blocks) {
  UnitIndex r;
  r.chunk = u % units.oc_chunks;
  int64_t rest = u / units.oc_chunks;
  r.block = rest % pixel_blocks;
  rest /= pixel_blocks;
  r.g = rest % s.group;
  r.n = rest / s.group;
  return r;
}

Status CheckGeometry(const ConvShape& s, int64_t out_c, int64_t group, int64_t k, int64_t k_h,
                     int64_t k_w) {
  if (s.out_c != out_c || s.group != group || s.k_size() != k || s.k_h != k_h || s.k_w != k_w ||
      s.in_c % s.group != 0) {
    return InternalError("convolution shape " + s.ToString() + " does not match the packed weights");
  }
  return OkStatus();
}

// Adds the bias (and relu) while copying tile rows to the output.
inline void StoreF32(const float* t, float* y, int64_t n, float bias, bool relu) {
  if (relu) {
    for (int64_t j = 0; j < n; ++j) {
      float v = t[j] + bias;
      y[j] = v > 0.0f ? v : 0.0f;
    }
  } else {
    for (int64_t j = 0; j < n; ++j) y[j] = t[j] + bias;
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// float32

StatusOr<std::shared_ptr<const PackedConvF32>> PackedConvF32::Pack(const ConvShape& s,
                                                                   const float* w, ConvIsa isa,
                                                                   ConvAlgo algo) {
  return PackRows(s, w, nullptr, isa, algo);
}

std::shared_ptr<PackedConvF32> PackedConvF32::WithGeometry(const ConvShape& s, ConvIsa isa,
                                                          ConvAlgo algo) {
  auto p = std::make_shared<PackedConvF32>();
  p->isa_ = ResolveIsa(isa);
  p->algo_ = algo;
  MicroKernels mk = GetMicroKernels(p->isa_);
  p->mr_ = mk.f32_mr;
  p->nr_ = mk.f32_nr;
  p->out_c_ = s.out_c;
  p->group_ = s.group;
  p->k_ = s.k_size();
  p->k_h_ = s.k_h;
  p->k_w_ = s.k_w;
  p->blocks_per_group_ = (s.out_c_per_group() + p->mr_ - 1) / p->mr_;
  return p;
}

StatusOr<std::shared_ptr<const PackedConvF32>> PackedConvF32::PackRows(const ConvShape& s,
                                                                       const float* w,
                                                                       const uint16_t* w16,
                                                                       ConvIsa isa,
                                                                       ConvAlgo algo,
                                                                       const Int8Rows* q8) {
  std::shared_ptr<PackedConvF32> p = WithGeometry(s, isa, algo);
  const int64_t mg = s.out_c_per_group();
  int64_t count = s.group * p->blocks_per_group_ * p->k_ * p->mr_;
  if (count > static_cast<int64_t>(kMaxTensorBytes / 4)) return ResourceExhaustedError("weights too large");
  // Every element is written below (rows past the group's channels read a row of zeros): no
  // zero-fill pass over the panels first, which is a large part of a model's load time in
  // WebAssembly. fp16 rows are widened a block at a time (no float32 copy of the layer).
  const int64_t K = p->k_;
  const int mr = p->mr_;
  p->panels_ = NewArray<float>(static_cast<size_t>(std::max<int64_t>(count, 1)));
  auto zeros = NewArray<float>(static_cast<size_t>(std::max<int64_t>(K, 1)));
  const bool widen = w16 != nullptr || q8 != nullptr;
  std::unique_ptr<float[]> widened;
  if (widen) widened = NewArray<float>(static_cast<size_t>(std::max<int64_t>(mr * K, 1)));
  // Blocked int8 scales laid out like the row's elements, one channel block at a time.
  const int64_t taps = s.k_h * s.k_w, cg = s.in_c_per_group();
  const int64_t q8_block = q8 != nullptr ? q8->block : 0;
  const int64_t q8_nb = q8_block > 0 ? (cg + q8_block - 1) / q8_block : 0;
  std::unique_ptr<float[]> pattern;
  if (q8_block > 0) pattern = NewArray<float>(static_cast<size_t>(q8_block * taps));
  if (!p->panels_ || !zeros || (widen && !widened) || (q8_block > 0 && !pattern)) {
    return ResourceExhaustedError("out of memory packing weights");
  }
  auto dequantize_row = [&](int64_t oc, float* dst) {
    const int8_t* src = q8->q + oc * K;
    if (q8_block == 0) {
      WinogradDequantizeInt8(p->isa_, src, nullptr, q8->scale[oc], K, dst);
      return;
    }
    for (int64_t bi = 0; bi < q8_nb; ++bi) {
      const int64_t c0 = bi * q8_block, cn = std::min(q8_block, cg - c0);
      const float* sc = q8->scale + (oc * q8_nb + bi) * taps;
      for (int64_t j = 0; j < cn; ++j) std::memcpy(pattern.get() + j * taps, sc, sizeof(float) * taps);
      WinogradDequantizeInt8(p->isa_, src + c0 * taps, pattern.get(), 0.0f, cn * taps, dst + c0 * taps);
    }
  };
  std::fill(zeros.get(), zeros.get() + K, 0.0f);
  std::vector<const float*> rows(static_cast<size_t>(mr));
  for (int64_t g = 0; g < s.group; ++g) {
    for (int64_t b = 0; b < p->blocks_per_group_; ++b) {
      float* panel = p->panels_.get() + (g * p->blocks_per_group_ + b) * K * mr;
      for (int o = 0; o < mr; ++o) {
        const int64_t m = b * mr + o;
        const float*& r = rows[static_cast<size_t>(o)];
        if (m >= mg) {
          r = zeros.get();
        } else if (w16 != nullptr) {
          WinogradWidenHalfs(p->isa_, w16 + (g * mg + m) * K, widened.get() + o * K, K);
          r = widened.get() + o * K;
        } else if (q8 != nullptr) {
          dequantize_row(g * mg + m, widened.get() + o * K);
          r = widened.get() + o * K;
        } else {
          r = w + (g * mg + m) * K;
        }
      }
      int64_t k = 0;
#if defined(__wasm_simd128__)
      // 4 x 4 transposes (the load runs mostly in V8's baseline tier, where scalar loops are slow).
      if (mr == 4) {
        const float *r0 = rows[0], *r1 = rows[1], *r2 = rows[2], *r3 = rows[3];
        for (; k + 4 <= K; k += 4) {
          const v128_t a = wasm_v128_load(r0 + k), b1 = wasm_v128_load(r1 + k);
          const v128_t c = wasm_v128_load(r2 + k), d = wasm_v128_load(r3 + k);
          const v128_t ab_lo = wasm_i32x4_shuffle(a, b1, 0, 4, 1, 5);
          const v128_t ab_hi = wasm_i32x4_shuffle(a, b1, 2, 6, 3, 7);
          const v128_t cd_lo = wasm_i32x4_shuffle(c, d, 0, 4, 1, 5);
          const v128_t cd_hi = wasm_i32x4_shuffle(c, d, 2, 6, 3, 7);
          float* dst = panel + k * 4;
          wasm_v128_store(dst, wasm_i32x4_shuffle(ab_lo, cd_lo, 0, 1, 4, 5));
          wasm_v128_store(dst + 4, wasm_i32x4_shuffle(ab_lo, cd_lo, 2, 3, 6, 7));
          wasm_v128_store(dst + 8, wasm_i32x4_shuffle(ab_hi, cd_hi, 0, 1, 4, 5));
          wasm_v128_store(dst + 12, wasm_i32x4_shuffle(ab_hi, cd_hi, 2, 3, 6, 7));
        }
      }
#endif
      for (; k < K; ++k) {
        for (int o = 0; o < mr; ++o) panel[k * mr + o] = rows[static_cast<size_t>(o)][k];
      }
    }
  }
  return std::shared_ptr<const PackedConvF32>(std::move(p));
}

std::shared_ptr<PackedConvF32> PackedConvF32::KeepingRawWeights(const ConvShape& s, const Tensor& w,
                                                                ConvIsa isa, ConvAlgo algo) {
  const bool winograd =
      algo == ConvAlgo::kWinograd ? WinogradSupports(s)
                                  : algo == ConvAlgo::kAuto && WinogradPreferred(s);
  if (!winograd) return nullptr;
  std::shared_ptr<PackedConvF32> p = WithGeometry(s, isa, algo);
  p->raw_ = w;  // shares the storage
  return p;
}

StatusOr<std::shared_ptr<const PackedConvF32>> PackedConvF32::PackConstant(const ConvShape& s,
                                                                           const Tensor& w,
                                                                           ConvIsa isa,
                                                                           ConvAlgo algo) {
  if ((w.dtype() != DType::kFloat32 && w.dtype() != DType::kFloat16) ||
      w.size() != s.out_c * s.k_size()) {
    return InternalError(std::string("convolution weights: ") + DTypeName(w.dtype()) + " " +
                         ShapeToString(w.shape()) + " do not fit " + s.ToString());
  }
  if (std::shared_ptr<PackedConvF32> p = KeepingRawWeights(s, w, isa, algo)) {
    return std::shared_ptr<const PackedConvF32>(std::move(p));
  }
  if (w.dtype() == DType::kFloat32) return Pack(s, w.data<float>(), isa, algo);
  return PackRows(s, nullptr, w.data<uint16_t>(), isa, algo);
}

StatusOr<std::shared_ptr<const PackedConvF32>> PackedConvF32::PackConstantInt8(
    const ConvShape& s, const Tensor& q, const Tensor& scale, ConvIsa isa, ConvAlgo algo,
    int64_t block) {
  const int64_t cg = s.in_c_per_group(), taps = s.k_h * s.k_w;
  const int64_t nb = block > 0 ? (cg + block - 1) / block : 0;
  if (q.dtype() != DType::kInt8 || q.size() != s.out_c * s.k_size() || block < 0 ||
      scale.dtype() != DType::kFloat32 || scale.size() != (block > 0 ? s.out_c * nb * taps : s.out_c)) {
    return InternalError(std::string("int8 convolution weights: ") + DTypeName(q.dtype()) + " " +
                         ShapeToString(q.shape()) + ", scales " + DTypeName(scale.dtype()) + " " +
                         ShapeToString(scale.shape()) + " do not fit " + s.ToString());
  }
  if (std::shared_ptr<PackedConvF32> p = KeepingRawWeights(s, q, isa, algo)) {
    p->raw_scale_ = scale;
    p->raw_block_ = block;
    return std::shared_ptr<const PackedConvF32>(std::move(p));
  }
  // Direct path: dequantize (as DequantizeLinear does) a block of rows at a time while packing.
  Int8Rows rows;
  rows.q = q.data<int8_t>();
  rows.scale = scale.data<float>();
  rows.block = block;
  return PackRows(s, nullptr, nullptr, isa, algo, &rows);
}

Status PackedConvF32::Run(const ConvShape& s, const float* x, const ConvEpilogue& ep, float* y,
                          ThreadPool* pool) const {
  BG_RETURN_IF_ERROR(CheckGeometry(s, out_c_, group_, k_, k_h_, k_w_));
  if (s.out_pixels() == 0 || s.batch == 0 || s.out_c == 0) return OkStatus();
  if (!raw_.empty()) {
    if (!WinogradSupports(s)) {
      // Only a run shape unlike the packing one gets here (plans keep shapes fixed): pack for the
      // direct path now.
      ConvShape ps = s;
      ps.in_h = ps.in_w = ps.out_h = ps.out_w = 1;
      std::shared_ptr<const PackedConvF32> direct;
      if (raw_.dtype() == DType::kInt8) {
        BG_ASSIGN_OR_RETURN(direct, PackConstantInt8(ps, raw_, raw_scale_, isa_, ConvAlgo::kDirect,
                                                     raw_block_));
      } else {
        BG_ASSIGN_OR_RETURN(direct, PackConstant(ps, raw_, isa_, ConvAlgo::kDirect));
      }
      return direct->Run(s, x, ep, y, pool);
    }
    Winograd3x3Weights w;
    if (raw_.dtype() == DType::kFloat16) {
      w.f16 = raw_.data<uint16_t>();
    } else if (raw_.dtype() == DType::kInt8) {
      w.i8 = raw_.data<int8_t>();
      w.i8_scale = raw_scale_.data<float>();
      w.i8_block = raw_block_;
    } else {
      w.data = raw_.data<float>();
    }
    w.mr = 1;
    return WinogradConvF32(s, x, w, ep, y, pool, isa_);
  }
  if (UsesWinograd(s)) {
    Winograd3x3Weights w;
    w.data = panels_.get();
    w.mr = mr_;
    return WinogradConvF32(s, x, w, ep, y, pool, isa_);
  }
  return UseImplicitGemm(s) ? RunImplicit(s, x, ep, y, pool) : RunIm2Col(s, x, ep, y, pool);
}

bool PackedConvF32::UsesWinograd(const ConvShape& s) const {
  if (!raw_.empty()) return WinogradSupports(s);
  switch (algo_) {
    case ConvAlgo::kDirect: return false;
    case ConvAlgo::kWinograd: return WinogradSupports(s);
    case ConvAlgo::kAuto: return WinogradPreferred(s);
  }
  return false;
}

Status PackedConvF32::RunImplicit(const ConvShape& s, const float* x, const ConvEpilogue& ep,
                                  float* y, ThreadPool* pool) const {
  const MicroKernels mk = GetMicroKernels(isa_);
  const int mr = mr_, nr = nr_;
  const int64_t K = k_, cg = s.in_c_per_group(), mg = s.out_c_per_group(), P = s.out_pixels();
  const PaddedGrid grid = MakeGrid(s, nr);
  const int64_t planes = s.batch * s.in_c;
  if (grid.plane > static_cast<int64_t>(kMaxTensorBytes / 4) / std::max<int64_t>(planes, 1)) {
    return ResourceExhaustedError("padded convolution input too large: " + s.ToString());
  }
  auto xpad = NewArray<float>(static_cast<size_t>(planes * grid.plane + grid.slack));
  if (!xpad) return ResourceExhaustedError("out of memory for the padded convolution input");
  std::fill(xpad.get() + planes * grid.plane, xpad.get() + planes * grid.plane + grid.slack, 0.0f);
  ParallelFor(pool, planes, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      PadPlane(s, grid, x + p * s.in_h * s.in_w, xpad.get() + p * grid.plane, 1, [](float v) { return v; });
    }
  });
  std::vector<int64_t> koff(static_cast<size_t>(K));
  for (int64_t c = 0; c < cg; ++c) {
    for (int64_t ky = 0; ky < s.k_h; ++ky) {
      for (int64_t kx = 0; kx < s.k_w; ++kx) {
        koff[static_cast<size_t>((c * s.k_h + ky) * s.k_w + kx)] =
            c * grid.plane + ky * s.dil_h * grid.wp + kx * s.dil_w;
      }
    }
  }
  const int64_t total_tiles = (grid.positions + nr - 1) / nr;
  const Blocking bl = ChooseBlocking(cg * s.k_h * nr * 4, total_tiles);
  const Units units = SplitUnits(s, bl.blocks, blocks_per_group_);
  ParallelFor(pool, units.count, [&](int64_t u0, int64_t u1) {
    alignas(64) float tile[kMaxTileElems];
    std::vector<std::vector<LaneRun>> runs(static_cast<size_t>(bl.tiles));
    for (int64_t u = u0; u < u1; ++u) {
      UnitIndex ui = DecodeUnit(u, s, units, bl.blocks);
      const float* base = xpad.get() + (ui.n * s.in_c + ui.g * cg) * grid.plane;
      int64_t t0 = ui.block * bl.tiles, t1 = std::min(total_tiles, t0 + bl.tiles);
      for (int64_t t = t0; t < t1; ++t) TileRuns(s, grid, t * nr, nr, &runs[static_cast<size_t>(t - t0)]);
      int64_t b_begin = ui.chunk * units.blocks_per_chunk;
      int64_t b_end = std::min(blocks_per_group_, (ui.chunk + 1) * units.blocks_per_chunk);
      auto step = [&](int64_t b, int64_t t) {
        const float* panel = panels_.get() + (ui.g * blocks_per_group_ + b) * K * mr;
        int64_t oc0 = ui.g * mg + b * mr;
        int valid_oc = static_cast<int>(std::min<int64_t>(mr, mg - b * mr));
        mk.f32(K, panel, base + t * nr, koff.data(), tile);
        for (const LaneRun& r : runs[static_cast<size_t>(t - t0)]) {
          for (int o = 0; o < valid_oc; ++o) {
            StoreF32(tile + o * nr + r.lane, y + (ui.n * s.out_c + oc0 + o) * P + r.dst, r.count,
                     ep.bias ? ep.bias[oc0 + o] : 0.0f, ep.relu);
          }
        }
      };
      // Output-channel blocks outer: one weight panel stays in L1 while the block's input rows
      // (sized by ChooseBlocking) stay in L2.
      for (int64_t b = b_begin; b < b_end; ++b) {
        for (int64_t t = t0; t < t1; ++t) step(b, t);
      }
    }
  });
  return OkStatus();
}

Status PackedConvF32::RunIm2Col(const ConvShape& s, const float* x, const ConvEpilogue& ep, float* y,
                                ThreadPool* pool) const {
  const MicroKernels mk = GetMicroKernels(isa_);
  const int mr = mr_, nr = nr_;
  const int64_t K = k_, P = s.out_pixels(), cg = s.in_c_per_group(), mg = s.out_c_per_group();
  const int64_t total_tiles = (P + nr - 1) / nr;
  const Blocking bl = ChooseBlocking(K * nr * 4, total_tiles);
  const Units units = SplitUnits(s, bl.blocks, blocks_per_group_);
  const int64_t ldb = bl.tiles * nr;
  if (K > static_cast<int64_t>(kMaxTensorBytes / 4) / ldb) return ResourceExhaustedError("convolution too deep");
  std::vector<int64_t> koff(static_cast<size_t>(K));
  for (int64_t k = 0; k < K; ++k) koff[static_cast<size_t>(k)] = k * ldb;
  std::atomic<bool> oom{false};
  ParallelFor(pool, units.count, [&](int64_t u0, int64_t u1) {
    auto buf = NewArray<float>(static_cast<size_t>(K * ldb));
    if (!buf) {
      oom = true;
      return;
    }
    alignas(64) float tile[kMaxTileElems];
    for (int64_t u = u0; u < u1; ++u) {
      UnitIndex ui = DecodeUnit(u, s, units, bl.blocks);
      int64_t p0 = ui.block * ldb, len = std::min(ldb, P - p0);
      int64_t ntiles = (len + nr - 1) / nr;
      const float* xg = x + (ui.n * s.in_c + ui.g * cg) * s.in_h * s.in_w;
      for (int64_t ic = 0; ic < cg; ++ic) {
        const float* plane = xg + ic * s.in_h * s.in_w;
        for (int64_t ky = 0; ky < s.k_h; ++ky) {
          for (int64_t kx = 0; kx < s.k_w; ++kx) {
            float* row = buf.get() + ((ic * s.k_h + ky) * s.k_w + kx) * ldb;
            Im2ColRow(s, plane, ky, kx, p0, len, row, 1, 0.0f, [](float v) { return v; });
            std::fill(row + len, row + ntiles * nr, 0.0f);
          }
        }
      }
      int64_t b_end = std::min(blocks_per_group_, (ui.chunk + 1) * units.blocks_per_chunk);
      for (int64_t b = ui.chunk * units.blocks_per_chunk; b < b_end; ++b) {
        const float* panel = panels_.get() + (ui.g * blocks_per_group_ + b) * K * mr;
        int64_t oc0 = ui.g * mg + b * mr;
        int valid_oc = static_cast<int>(std::min<int64_t>(mr, mg - b * mr));
        for (int64_t t = 0; t < ntiles; ++t) {
          mk.f32(K, panel, buf.get() + t * nr, koff.data(), tile);
          int64_t valid_px = std::min<int64_t>(nr, len - t * nr);
          for (int o = 0; o < valid_oc; ++o) {
            StoreF32(tile + o * nr, y + (ui.n * s.out_c + oc0 + o) * P + p0 + t * nr, valid_px,
                     ep.bias ? ep.bias[oc0 + o] : 0.0f, ep.relu);
          }
        }
      }
    }
  });
  if (oom) return ResourceExhaustedError("out of memory for the convolution buffer");
  return OkStatus();
}

// ---------------------------------------------------------------------------------------------
// 8-bit integer (int16 pairs, int32 accumulation)
//
// Values are widened to int16 after subtracting zero points (range [-255, 255]) and multiplied in
// pairs. The im2col path pairs consecutive depth steps; the implicit path pairs channels 2c and
// 2c+1 at the same kernel tap, stored interleaved in the padded input.

// Measured with tests/kernels/conv_bench.cc --all --int8 on IS-Net's 3x3 layers (AVX-512 machine,
// one thread; ratio = exact time / Winograd time):
//  - with AVX512-VNNI the exact u8 x s8 kernel (64 MACs per vpdpbusd) beats float Winograd on
//    every layer, x0.23-0.90 (e.g. 64->64 at 512x512: 53 vs 77 ms; 1024->512 at 32x32: 23 vs
//    47 ms): never Winograd there;
//  - with int16 pairs (AVX2 pmaddwd; WASM SIMD128 i32x4.dot_i16x8_s is the same scheme) Winograd
//    wins x1.2-2.8 from 64x64 outputs up whatever the channels (16->16 at 256x256: x2.5), and
//    loses on 16x16 / 32x32 outputs with few channels (64->64 at 16x16: x0.73, 16->16 at 32x32:
//    x0.75, 512->512 at 16x16: x0.55). In the WASM build (node, one thread) the quantized IS-Net
//    runs in 4.2-4.4 s with it instead of 7.0 s (docs/BENCHMARKS.md);
//  - never on Highway's scalar target (the native portable fallback): there the exact int16
//    kernel, which the compiler vectorises for SSE2, is the faster one.
bool WinogradIntegerPreferred(const ConvShape& s, ConvIsa isa) {
  if (!WinogradSupports(s) || s.in_c < 8) return false;
  isa = ResolveIsa(isa);
  if (GetMicroKernels(isa).u8 != nullptr) return false;
  if (std::strcmp(WinogradTargetName(isa), "SCALAR") == 0) return false;
  const int64_t tiles_per_image = ((s.out_h + 3) / 4) * ((s.out_w + 3) / 4);
  return tiles_per_image >= 256 || (tiles_per_image >= 64 && s.in_c * s.out_c >= 1024);
}

StatusOr<std::shared_ptr<const PackedConvInteger>> PackedConvInteger::Pack(
    const ConvShape& s, const ConvIntegerInputs& in, ConvIsa isa, ConvIntScheme scheme,
    const Tensor* w_storage) {
  auto p = std::make_shared<PackedConvInteger>();
  p->isa_ = ResolveIsa(isa);
  MicroKernels mk = GetMicroKernels(p->isa_);
  if (WinogradSupports(s) &&
      (scheme == ConvIntScheme::kWinogradF32 ||
       (scheme == ConvIntScheme::kAuto && WinogradIntegerPreferred(s, p->isa_)))) {
    BG_RETURN_IF_ERROR(p->PackWinograd(s, in, w_storage));
    return std::shared_ptr<const PackedConvInteger>(std::move(p));
  }
  if ((scheme == ConvIntScheme::kAuto || scheme == ConvIntScheme::kU8S8Quads) && mk.u8 != nullptr &&
      UseImplicitGemm(s)) {
    BG_RETURN_IF_ERROR(p->PackU8(s, in, mk));
    return std::shared_ptr<const PackedConvInteger>(std::move(p));
  }
  p->mr_ = mk.i16_mr;
  p->nr_ = mk.i16_nr;
  p->out_c_ = s.out_c;
  p->group_ = s.group;
  p->k_ = s.k_size();
  p->k_h_ = s.k_h;
  p->k_w_ = s.k_w;
  p->implicit_ = UseImplicitGemm(s);
  const int64_t cg = s.in_c_per_group(), taps = s.k_h * s.k_w;
  p->kp_ = p->implicit_ ? (cg + 1) / 2 * taps : (p->k_ + 1) / 2;
  int64_t mg = s.out_c_per_group();
  p->blocks_per_group_ = (mg + p->mr_ - 1) / p->mr_;
  int64_t count = s.group * p->blocks_per_group_ * p->kp_ * p->mr_ * 2;
  if (count > static_cast<int64_t>(kMaxTensorBytes / 2)) return ResourceExhaustedError("weights too large");
  p->panels_.reset(new (std::nothrow) int16_t[static_cast<size_t>(count)]);
  if (!p->panels_) return ResourceExhaustedError("out of memory packing weights");
  // Written in panel order (sequential stores); rows beyond the group's channels and the odd
  // channel of the last pair are zero.
  const int mr = p->mr_;
  std::vector<int32_t> zp(static_cast<size_t>(mr));
  std::vector<int64_t> row(static_cast<size_t>(mr));  // weight offset of each row, -1 = padding
  auto rows16 = NewArray<int16_t>(static_cast<size_t>(mr * (p->k_ + 1)));
  if (!rows16) return ResourceExhaustedError("out of memory packing weights");
  for (int64_t g = 0; g < s.group; ++g) {
    for (int64_t b = 0; b < p->blocks_per_group_; ++b) {
      int16_t* panel = p->panels_.get() + (g * p->blocks_per_group_ + b) * p->kp_ * mr * 2;
      for (int o = 0; o < mr; ++o) {
        int64_t m = b * mr + o;
        int64_t oc = g * mg + m;
        row[static_cast<size_t>(o)] = m < mg ? oc * p->k_ : -1;
        zp[static_cast<size_t>(o)] = m < mg ? in.w_zero_points[oc] : 0;
      }
      // (w - zp) of each row as int16, with a zero past the end for the padded channel k = k_
      // (rows beyond the group's channels are all zeros); the pair loop then has no branches.
      for (int o = 0; o < mr; ++o) {
        int16_t* dst = rows16.get() + o * (p->k_ + 1);
        const int64_t r = row[static_cast<size_t>(o)];
        const int32_t z = zp[static_cast<size_t>(o)];
        if (r < 0) {
          std::fill(dst, dst + p->k_ + 1, int16_t{0});
          continue;
        }
        if (in.w_signed) {
          const int8_t* src = static_cast<const int8_t*>(in.w) + r;
          for (int64_t k = 0; k < p->k_; ++k) dst[k] = static_cast<int16_t>(src[k] - z);
        } else {
          const uint8_t* src = static_cast<const uint8_t*>(in.w) + r;
          for (int64_t k = 0; k < p->k_; ++k) dst[k] = static_cast<int16_t>(src[k] - z);
        }
        dst[p->k_] = 0;
      }
      auto weight = [&](int o, int64_t k) -> int16_t { return rows16[o * (p->k_ + 1) + k]; };
      for (int64_t pair = 0; pair < p->kp_; ++pair) {
        // Depth indices of this pair's two halves: k = (c, tap) with c = 2 * (pair / taps) + h
        // for the implicit layout (padded channels give k >= k_), else k = 2 * pair + h.
        int64_t k0, k1;
        if (p->implicit_) {
          int64_t c = 2 * (pair / taps), tap = pair % taps;
          k0 = c * taps + tap;
          k1 = c + 1 < cg ? (c + 1) * taps + tap : p->k_;
        } else {
          k0 = 2 * pair;
          k1 = 2 * pair + 1;
        }
        int16_t* dst = panel + pair * mr * 2;
        for (int o = 0; o < mr; ++o) {
          dst[2 * o] = weight(o, k0);
          dst[2 * o + 1] = weight(o, k1);
        }
      }
    }
  }
  return std::shared_ptr<const PackedConvInteger>(std::move(p));
}

namespace {
// Writes `count` accumulators of output channel `oc` to the integer or float output.
inline void StoreInt(const int32_t* t, int64_t count, int64_t oc, int64_t offset,
                     int32_t* y_int, float* y_float, const ConvIntegerDequant& dq) {
  if (y_int) {
    std::memcpy(y_int + offset, t, static_cast<size_t>(count) * sizeof(int32_t));
    return;
  }
  float* y = y_float + offset;
  const float scale = dq.scale[dq.scale_per_channel ? oc : 0];
  if (dq.bias) {
    const float bias = dq.bias[oc];
    if (dq.relu) {
      for (int64_t j = 0; j < count; ++j) {
        float v = static_cast<float>(t[j]) * scale + bias;
        y[j] = v > 0.0f ? v : 0.0f;
      }
    } else {
      for (int64_t j = 0; j < count; ++j) y[j] = static_cast<float>(t[j]) * scale + bias;
    }
  } else {
    for (int64_t j = 0; j < count; ++j) {
      float v = static_cast<float>(t[j]) * scale;
      y[j] = dq.relu && !(v > 0.0f) ? 0.0f : v;
    }
  }
}
}  // namespace

Status PackedConvInteger::Run(const ConvShape& s, const ConvIntegerInputs& in, int32_t* y,
                              ThreadPool* pool) const {
  Output out;
  out.y_int = y;
  return RunAny(s, in, out, pool);
}

Status PackedConvInteger::RunDequant(const ConvShape& s, const ConvIntegerInputs& in,
                                     const ConvIntegerDequant& dq, float* y, ThreadPool* pool) const {
  if (dq.scale == nullptr) return InternalError("dequantising convolution without a scale");
  Output out;
  out.y_float = y;
  out.dq = dq;
  return RunAny(s, in, out, pool);
}

Status PackedConvInteger::RunAny(const ConvShape& s, const ConvIntegerInputs& in, const Output& out,
                                 ThreadPool* pool) const {
  BG_RETURN_IF_ERROR(CheckGeometry(s, out_c_, group_, k_, k_h_, k_w_));
  if (UseImplicitGemm(s) != implicit_) return InternalError("convolution strides changed after packing");
  if (s.out_pixels() == 0 || s.batch == 0 || s.out_c == 0) return OkStatus();
  if (winograd_) return RunWinograd(s, in, out, pool);
  if (u8_) return RunImplicitU8(s, in, out, pool);
  return implicit_ ? RunImplicit(s, in, out, pool) : RunIm2Col(s, in, out, pool);
}

Status PackedConvInteger::PackWinograd(const ConvShape& s, const ConvIntegerInputs& in,
                                       const Tensor* w_storage) {
  winograd_ = true;
  implicit_ = true;
  out_c_ = s.out_c;
  group_ = s.group;
  k_ = s.k_size();
  k_h_ = s.k_h;
  k_w_ = s.k_w;
  w_signed_ = in.w_signed;
  w_zero_points_.assign(in.w_zero_points, in.w_zero_points + s.out_c);
  const int64_t bytes = s.out_c * k_;
  if (bytes > static_cast<int64_t>(kMaxTensorBytes)) return ResourceExhaustedError("weights too large");
  if (w_storage != nullptr && w_storage->raw() == in.w && DTypeSize(w_storage->dtype()) == 1 &&
      static_cast<int64_t>(w_storage->bytes()) >= bytes) {
    w_shared_ = *w_storage;  // shares the constant's bytes
    w_raw_ = w_shared_.raw();
    return OkStatus();
  }
  w_copy_.reset(new (std::nothrow) uint8_t[static_cast<size_t>(bytes)]);
  if (!w_copy_) return ResourceExhaustedError("out of memory copying weights");
  std::memcpy(w_copy_.get(), in.w, static_cast<size_t>(bytes));
  w_raw_ = w_copy_.get();
  return OkStatus();
}

Status PackedConvInteger::RunWinograd(const ConvShape& s, const ConvIntegerInputs& in,
                                      const Output& out, ThreadPool* pool) const {
  ConvIntegerInputs win = in;
  win.w = w_raw_;
  win.w_signed = w_signed_;
  win.w_zero_points = w_zero_points_.data();
  if (out.y_int) return WinogradConvInteger(s, win, nullptr, out.y_int, nullptr, pool, isa_);
  return WinogradConvInteger(s, win, &out.dq, nullptr, out.y_float, pool, isa_);
}

Status PackedConvInteger::PackU8(const ConvShape& s, const ConvIntegerInputs& in,
                                 const MicroKernels& mk) {
  u8_ = true;
  implicit_ = true;
  mr_ = mk.u8_mr;
  nr_ = mk.u8_nr;
  out_c_ = s.out_c;
  group_ = s.group;
  k_ = s.k_size();
  k_h_ = s.k_h;
  k_w_ = s.k_w;
  const int64_t cg = s.in_c_per_group(), taps = s.k_h * s.k_w, mg = s.out_c_per_group();
  kp_ = (cg + 3) / 4 * taps;
  blocks_per_group_ = (mg + mr_ - 1) / mr_;
  const int64_t count = s.group * blocks_per_group_ * kp_ * mr_ * 4;
  if (count > static_cast<int64_t>(kMaxTensorBytes)) return ResourceExhaustedError("weights too large");
  panels_u8_.reset(new (std::nothrow) int8_t[static_cast<size_t>(count)]);
  if (!panels_u8_) return ResourceExhaustedError("out of memory packing weights");
  // uint8 weights are stored as w - 128 (an int8) and int8 ones as they are: w = w8 + shift.
  const int32_t shift = in.w_signed ? 0 : 128;
  w_shift_minus_zp_.assign(static_cast<size_t>(s.out_c), 0);
  w_sums_.assign(static_cast<size_t>(s.out_c), 0);
  for (int64_t oc = 0; oc < s.out_c; ++oc) {
    const int32_t zp = in.w_zero_points[oc];
    uint32_t sum = 0;
    for (int64_t k = 0; k < k_; ++k) sum += static_cast<uint32_t>(Load8(in.w, in.w_signed, oc * k_ + k) - zp);
    w_shift_minus_zp_[static_cast<size_t>(oc)] = shift - zp;
    w_sums_[static_cast<size_t>(oc)] = static_cast<int32_t>(sum);
  }
  const int mr = mr_;
  for (int64_t g = 0; g < s.group; ++g) {
    for (int64_t b = 0; b < blocks_per_group_; ++b) {
      int8_t* panel = panels_u8_.get() + (g * blocks_per_group_ + b) * kp_ * mr * 4;
      for (int64_t q = 0; q < kp_; ++q) {
        const int64_t c0 = 4 * (q / taps), tap = q % taps;
        int8_t* dst = panel + q * mr * 4;
        for (int o = 0; o < mr; ++o) {
          const int64_t m = b * mr + o;
          for (int h = 0; h < 4; ++h) {
            int8_t v = 0;  // rows beyond the group's channels, channels beyond cg
            if (m < mg && c0 + h < cg) {
              v = static_cast<int8_t>(Load8(in.w, in.w_signed, (g * mg + m) * k_ + (c0 + h) * taps + tap) - shift);
            }
            dst[o * 4 + h] = v;
          }
        }
      }
    }
  }
  return OkStatus();
}

Status PackedConvInteger::RunImplicitU8(const ConvShape& s, const ConvIntegerInputs& in,
                                        const Output& out, ThreadPool* pool) const {
  const MicroKernels mk = GetMicroKernels(isa_);
  if (mk.u8 == nullptr || mk.u8_mr != mr_ || mk.u8_nr != nr_ || mr_ > kMaxIntMr ||
      mr_ * nr_ > kMaxIntTileElems) {
    return InternalError("u8 convolution kernel unavailable");
  }
  const int mr = mr_, nr = nr_;
  const int64_t KQ = kp_, cg = s.in_c_per_group(), mg = s.out_c_per_group(), P = s.out_pixels();
  const int64_t cq = (cg + 3) / 4;
  const PaddedGrid grid = MakeGrid(s, nr);
  const int64_t images = s.batch * s.group;
  const int64_t quad_planes = images * cq;
  if (grid.plane + grid.slack > static_cast<int64_t>(kMaxTensorBytes / 4) / std::max<int64_t>(quad_planes, 1)) {
    return ResourceExhaustedError("padded convolution input too large: " + s.ToString());
  }
  // Signed inputs are shifted to uint8 (x + 128, and the same for the zero point).
  const uint32_t flip = in.x_signed ? 0x80u : 0u;
  const int32_t xzp = in.x_zero_point + (in.x_signed ? 128 : 0);
  if (xzp < 0 || xzp > 255) return InternalError("input zero point out of range");
  const uint8_t pad = static_cast<uint8_t>(xzp);
  // x: [image][quad][padded position][4 channels] as uint32 words; padding reads the zero point,
  // channels beyond cg read 0 (their weights are 0, and they must not count in the sums of x).
  auto xq = NewArray<uint32_t>(static_cast<size_t>(quad_planes * grid.plane + grid.slack));
  if (!xq) return ResourceExhaustedError("out of memory for the padded convolution input");
  std::fill(xq.get() + quad_planes * grid.plane, xq.get() + quad_planes * grid.plane + grid.slack, 0u);
  const int64_t in_plane = s.in_h * s.in_w;
  std::vector<uint8_t> zeros(static_cast<size_t>(s.in_w), 0);
  ParallelFor(pool, quad_planes, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      const int64_t q = p % cq, ng = p / cq;
      const int64_t n = ng / s.group, g = ng % s.group;
      uint32_t pad_word = 0, flip_word = 0;
      const uint8_t* src[4];
      for (int h = 0; h < 4; ++h) {
        const int64_t c = 4 * q + h;
        if (c < cg) {
          pad_word |= uint32_t{pad} << (8 * h);
          flip_word |= flip << (8 * h);
          src[h] = static_cast<const uint8_t*>(in.x) + (n * s.in_c + g * cg + c) * in_plane;
        } else {
          src[h] = nullptr;
        }
      }
      uint32_t* dst = xq.get() + p * grid.plane;
      const int64_t left = std::min(s.pad_l, grid.wp);
      const int64_t count = std::clamp<int64_t>(grid.wp - s.pad_l, 0, s.in_w);
      for (int64_t r = 0; r < grid.hp; ++r) {
        uint32_t* row = dst + r * grid.wp;
        const int64_t iy = r - s.pad_t;
        if (iy < 0 || iy >= s.in_h) {
          std::fill(row, row + grid.wp, pad_word);
          continue;
        }
        std::fill(row, row + left, pad_word);
        const uint8_t* a = src[0] ? src[0] + iy * s.in_w : zeros.data();
        const uint8_t* b = src[1] ? src[1] + iy * s.in_w : zeros.data();
        const uint8_t* c = src[2] ? src[2] + iy * s.in_w : zeros.data();
        const uint8_t* d = src[3] ? src[3] + iy * s.in_w : zeros.data();
        uint32_t* mid = row + left;
        for (int64_t i = 0; i < count; ++i) {
          mid[i] = (uint32_t{a[i]} | uint32_t{b[i]} << 8 | uint32_t{c[i]} << 16 | uint32_t{d[i]} << 24) ^ flip_word;
        }
        std::fill(row + left + count, row + grid.wp, pad_word);
      }
    }
  });
  // Per grid position q: sum x over the receptive field (all channels and taps), via column sums
  // over channels of each padded position.
  const int64_t total_tiles = (grid.positions + nr - 1) / nr;
  const int64_t sx_len = total_tiles * nr;
  const int64_t taps = s.k_h * s.k_w;
  std::vector<int64_t> tap_off(static_cast<size_t>(taps));
  for (int64_t ky = 0; ky < s.k_h; ++ky) {
    for (int64_t kx = 0; kx < s.k_w; ++kx) tap_off[static_cast<size_t>(ky * s.k_w + kx)] = ky * s.dil_h * grid.wp + kx * s.dil_w;
  }
  const int64_t colsum_len = grid.plane + grid.slack;
  auto colsum = NewArray<uint32_t>(static_cast<size_t>(images * colsum_len));
  auto sx = NewArray<uint32_t>(static_cast<size_t>(images * sx_len));
  if (!colsum || !sx) return ResourceExhaustedError("out of memory for the convolution input sums");
  constexpr int64_t kSumChunk = 4096;
  const int64_t col_chunks = (colsum_len + kSumChunk - 1) / kSumChunk;
  ParallelFor(pool, images * col_chunks, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      const int64_t img = c / col_chunks, b = (c % col_chunks) * kSumChunk;
      const int64_t e = std::min(colsum_len, b + kSumChunk);
      uint32_t* dst = colsum.get() + img * colsum_len;
      for (int64_t i = b; i < e; ++i) dst[i] = 0;
      for (int64_t q = 0; q < cq; ++q) {
        const uint32_t* src = xq.get() + (img * cq + q) * grid.plane;
        // Past the plane end only junk lanes of the last tile read the sums: leave them 0.
        const int64_t end = std::min(e, grid.plane);
        for (int64_t i = b; i < end; ++i) {
          const uint32_t v = src[i];
          dst[i] += (v & 0xff) + ((v >> 8) & 0xff) + ((v >> 16) & 0xff) + (v >> 24);
        }
      }
    }
  });
  const int64_t sx_chunks = (sx_len + kSumChunk - 1) / kSumChunk;
  ParallelFor(pool, images * sx_chunks, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      const int64_t img = c / sx_chunks, b = (c % sx_chunks) * kSumChunk;
      const int64_t e = std::min(sx_len, b + kSumChunk);
      uint32_t* dst = sx.get() + img * sx_len;
      const uint32_t* src = colsum.get() + img * colsum_len;
      for (int64_t i = b; i < e; ++i) dst[i] = 0;
      for (int64_t t = 0; t < taps; ++t) {
        const uint32_t* st = src + tap_off[static_cast<size_t>(t)];
        for (int64_t i = b; i < e; ++i) dst[i] += st[i];
      }
    }
  });
  std::vector<int64_t> koff(static_cast<size_t>(KQ));
  for (int64_t q = 0; q < cq; ++q) {
    for (int64_t t = 0; t < taps; ++t) koff[static_cast<size_t>(q * taps + t)] = (q * grid.plane + tap_off[static_cast<size_t>(t)]) * 4;
  }
  const Blocking bl = ChooseBlocking(cq * s.k_h * nr * 4, total_tiles);
  const Units units = SplitUnits(s, bl.blocks, blocks_per_group_);
  ParallelFor(pool, units.count, [&](int64_t u0, int64_t u1) {
    alignas(64) int32_t tile[kMaxIntTileElems];
    int32_t row_a[kMaxIntMr], row_k[kMaxIntMr];
    std::vector<std::vector<LaneRun>> runs(static_cast<size_t>(bl.tiles));
    for (int64_t u = u0; u < u1; ++u) {
      UnitIndex ui = DecodeUnit(u, s, units, bl.blocks);
      const int64_t img = ui.n * s.group + ui.g;
      const uint8_t* base = reinterpret_cast<const uint8_t*>(xq.get() + img * cq * grid.plane);
      const uint32_t* sxi = sx.get() + img * sx_len;
      int64_t t0 = ui.block * bl.tiles, t1 = std::min(total_tiles, t0 + bl.tiles);
      for (int64_t t = t0; t < t1; ++t) TileRuns(s, grid, t * nr, nr, &runs[static_cast<size_t>(t - t0)]);
      int64_t b_end = std::min(blocks_per_group_, (ui.chunk + 1) * units.blocks_per_chunk);
      for (int64_t b = ui.chunk * units.blocks_per_chunk; b < b_end; ++b) {
        const int8_t* panel = panels_u8_.get() + (ui.g * blocks_per_group_ + b) * KQ * mr * 4;
        int64_t oc0 = ui.g * mg + b * mr;
        int valid_oc = static_cast<int>(std::min<int64_t>(mr, mg - b * mr));
        // Per-row corrections: (shift - wz) * sum x + (-xz * sum (w - wz)), wrapping.
        for (int o = 0; o < mr; ++o) {
          const size_t oc = static_cast<size_t>(oc0 + std::min(o, valid_oc - 1));
          row_a[o] = w_shift_minus_zp_[oc];
          row_k[o] = static_cast<int32_t>(0u - static_cast<uint32_t>(xzp) * static_cast<uint32_t>(w_sums_[oc]));
        }
        for (int64_t t = t0; t < t1; ++t) {
          mk.u8(KQ, panel, base + t * nr * 4, koff.data(), row_a, row_k,
                reinterpret_cast<const int32_t*>(sxi + t * nr), tile);
          for (const LaneRun& r : runs[static_cast<size_t>(t - t0)]) {
            for (int o = 0; o < valid_oc; ++o) {
              StoreInt(tile + o * nr + r.lane, r.count, oc0 + o, (ui.n * s.out_c + oc0 + o) * P + r.dst,
                       out.y_int, out.y_float, out.dq);
            }
          }
        }
      }
    }
  });
  return OkStatus();
}

Status PackedConvInteger::RunImplicit(const ConvShape& s, const ConvIntegerInputs& in,
                                      const Output& out, ThreadPool* pool) const {
  const MicroKernels mk = GetMicroKernels(isa_);
  const int mr = mr_, nr = nr_;
  const int64_t KP = kp_, cg = s.in_c_per_group(), mg = s.out_c_per_group(), P = s.out_pixels();
  const int64_t cgp = (cg + 1) / 2;
  const PaddedGrid grid = MakeGrid(s, nr);
  const int64_t pair_planes = s.batch * s.group * cgp;
  if (grid.plane > static_cast<int64_t>(kMaxTensorBytes / 4) / std::max<int64_t>(pair_planes, 1)) {
    return ResourceExhaustedError("padded convolution input too large: " + s.ToString());
  }
  const int32_t xzp = in.x_zero_point;
  auto xpad = NewArray<int16_t>(static_cast<size_t>((pair_planes * grid.plane + grid.slack) * 2));
  if (!xpad) return ResourceExhaustedError("out of memory for the padded convolution input");
  std::fill(xpad.get() + pair_planes * grid.plane * 2, xpad.get() + (pair_planes * grid.plane + grid.slack) * 2,
            int16_t{0});
  const int64_t in_plane = s.in_h * s.in_w;
  ParallelFor(pool, pair_planes, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) {
      int64_t cp = p % cgp, ng = p / cgp;  // ng = n * group + g
      int64_t n = ng / s.group, g = ng % s.group;
      int16_t* dst = xpad.get() + p * grid.plane * 2;
      for (int64_t h = 0; h < 2; ++h) {
        int64_t c = 2 * cp + h;
        if (c >= cg) {
          for (int64_t i = 0; i < grid.plane; ++i) dst[i * 2 + h] = 0;
          continue;
        }
        int64_t src_off = (n * s.in_c + g * cg + c) * in_plane;
        if (in.x_signed) {
          PadPlane(s, grid, static_cast<const int8_t*>(in.x) + src_off, dst + h, 2,
                   [xzp](int8_t v) { return static_cast<int16_t>(v - xzp); });
        } else {
          PadPlane(s, grid, static_cast<const uint8_t*>(in.x) + src_off, dst + h, 2,
                   [xzp](uint8_t v) { return static_cast<int16_t>(v - xzp); });
        }
      }
    }
  });
  const int64_t taps = s.k_h * s.k_w;
  std::vector<int64_t> koff(static_cast<size_t>(KP));
  for (int64_t cp = 0; cp < cgp; ++cp) {
    for (int64_t ky = 0; ky < s.k_h; ++ky) {
      for (int64_t kx = 0; kx < s.k_w; ++kx) {
        koff[static_cast<size_t>(cp * taps + ky * s.k_w + kx)] =
            (cp * grid.plane + ky * s.dil_h * grid.wp + kx * s.dil_w) * 2;
      }
    }
  }
  const int64_t total_tiles = (grid.positions + nr - 1) / nr;
  const Blocking bl = ChooseBlocking(cgp * s.k_h * nr * 4, total_tiles);
  const Units units = SplitUnits(s, bl.blocks, blocks_per_group_);
  ParallelFor(pool, units.count, [&](int64_t u0, int64_t u1) {
    alignas(64) int32_t tile[kMaxTileElems];
    std::vector<std::vector<LaneRun>> runs(static_cast<size_t>(bl.tiles));
    for (int64_t u = u0; u < u1; ++u) {
      UnitIndex ui = DecodeUnit(u, s, units, bl.blocks);
      const int16_t* base = xpad.get() + (ui.n * s.group + ui.g) * cgp * grid.plane * 2;
      int64_t t0 = ui.block * bl.tiles, t1 = std::min(total_tiles, t0 + bl.tiles);
      for (int64_t t = t0; t < t1; ++t) TileRuns(s, grid, t * nr, nr, &runs[static_cast<size_t>(t - t0)]);
      int64_t b_end = std::min(blocks_per_group_, (ui.chunk + 1) * units.blocks_per_chunk);
      for (int64_t b = ui.chunk * units.blocks_per_chunk; b < b_end; ++b) {
        const int16_t* panel = panels_.get() + (ui.g * blocks_per_group_ + b) * KP * mr * 2;
        int64_t oc0 = ui.g * mg + b * mr;
        int valid_oc = static_cast<int>(std::min<int64_t>(mr, mg - b * mr));
        for (int64_t t = t0; t < t1; ++t) {
          mk.i16(KP, panel, base + t * nr * 2, koff.data(), tile);
          for (const LaneRun& r : runs[static_cast<size_t>(t - t0)]) {
            for (int o = 0; o < valid_oc; ++o) {
              StoreInt(tile + o * nr + r.lane, r.count, oc0 + o, (ui.n * s.out_c + oc0 + o) * P + r.dst,
                       out.y_int, out.y_float, out.dq);
            }
          }
        }
      }
    }
  });
  return OkStatus();
}

Status PackedConvInteger::RunIm2Col(const ConvShape& s, const ConvIntegerInputs& in,
                                    const Output& out, ThreadPool* pool) const {
  const MicroKernels mk = GetMicroKernels(isa_);
  const int mr = mr_, nr = nr_;
  const int64_t K = k_, KP = kp_, P = s.out_pixels(), cg = s.in_c_per_group(), mg = s.out_c_per_group();
  const int64_t total_tiles = (P + nr - 1) / nr;
  const Blocking bl = ChooseBlocking(KP * nr * 4, total_tiles);
  const Units units = SplitUnits(s, bl.blocks, blocks_per_group_);
  const int64_t ldb = bl.tiles * nr;
  if (KP > static_cast<int64_t>(kMaxTensorBytes / 4) / ldb) return ResourceExhaustedError("convolution too deep");
  const int32_t xzp = in.x_zero_point;
  std::vector<int64_t> koff(static_cast<size_t>(KP));
  for (int64_t p = 0; p < KP; ++p) koff[static_cast<size_t>(p)] = p * ldb * 2;
  std::atomic<bool> oom{false};
  ParallelFor(pool, units.count, [&](int64_t u0, int64_t u1) {
    auto buf = NewArray<int16_t>(static_cast<size_t>(KP * ldb * 2));
    if (!buf) {
      oom = true;
      return;
    }
    alignas(64) int32_t tile[kMaxTileElems];
    for (int64_t u = u0; u < u1; ++u) {
      UnitIndex ui = DecodeUnit(u, s, units, bl.blocks);
      int64_t p0 = ui.block * ldb, len = std::min(ldb, P - p0);
      int64_t ntiles = (len + nr - 1) / nr;
      int64_t plane_size = s.in_h * s.in_w;
      int64_t x_off = (ui.n * s.in_c + ui.g * cg) * plane_size;
      for (int64_t ic = 0; ic < cg; ++ic) {
        for (int64_t ky = 0; ky < s.k_h; ++ky) {
          for (int64_t kx = 0; kx < s.k_w; ++kx) {
            int64_t k = (ic * s.k_h + ky) * s.k_w + kx;
            int16_t* row = buf.get() + (k / 2) * ldb * 2 + (k & 1);
            if (in.x_signed) {
              const int8_t* plane = static_cast<const int8_t*>(in.x) + x_off + ic * plane_size;
              Im2ColRow(s, plane, ky, kx, p0, len, row, 2, int16_t{0},
                        [xzp](int8_t v) { return static_cast<int16_t>(v - xzp); });
            } else {
              const uint8_t* plane = static_cast<const uint8_t*>(in.x) + x_off + ic * plane_size;
              Im2ColRow(s, plane, ky, kx, p0, len, row, 2, int16_t{0},
                        [xzp](uint8_t v) { return static_cast<int16_t>(v - xzp); });
            }
            for (int64_t j = len; j < ntiles * nr; ++j) row[j * 2] = 0;
          }
        }
      }
      if (K & 1) {  // the odd last depth step pairs with zeros
        int16_t* row = buf.get() + (K / 2) * ldb * 2 + 1;
        for (int64_t j = 0; j < ntiles * nr; ++j) row[j * 2] = 0;
      }
      int64_t b_end = std::min(blocks_per_group_, (ui.chunk + 1) * units.blocks_per_chunk);
      for (int64_t b = ui.chunk * units.blocks_per_chunk; b < b_end; ++b) {
        const int16_t* panel = panels_.get() + (ui.g * blocks_per_group_ + b) * KP * mr * 2;
        int64_t oc0 = ui.g * mg + b * mr;
        int valid_oc = static_cast<int>(std::min<int64_t>(mr, mg - b * mr));
        for (int64_t t = 0; t < ntiles; ++t) {
          mk.i16(KP, panel, buf.get() + t * nr * 2, koff.data(), tile);
          int64_t valid_px = std::min<int64_t>(nr, len - t * nr);
          for (int o = 0; o < valid_oc; ++o) {
            StoreInt(tile + o * nr, valid_px, oc0 + o, (ui.n * s.out_c + oc0 + o) * P + p0 + t * nr,
                     out.y_int, out.y_float, out.dq);
          }
        }
      }
    }
  });
  if (oom) return ResourceExhaustedError("out of memory for the convolution buffer");
  return OkStatus();
}

}  // namespace bgone::kernels
