// Reference and packed convolutions (see conv.h for the scheme).
#include <algorithm>
#include <atomic>
#include <cstring>

#include "engine/kernels/conv.h"
#include "engine/kernels/conv_microkernels.h"
#include "engine/kernels/kernel_util.h"

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
// Shared pieces of the packed path

namespace {

// Bytes of im2col buffer we aim to keep in L2 per block of pixels.
constexpr int64_t kBlockBytes = 192 * 1024;
constexpr int64_t kMaxTilesPerBlock = 16;
// Below this many independent pixel blocks, output channels are split as well.
constexpr int64_t kMinUnits = 8;
constexpr int kMaxTileElems = 8 * 32;

struct Blocking {
  int64_t tiles = 1;   // nr-wide tiles per block
  int64_t pixels = 0;  // pixels per block (tiles * nr)
  int64_t blocks = 0;  // blocks per image plane
};

Blocking ChooseBlocking(int64_t bytes_per_pixel_column, int nr, int64_t out_pixels) {
  Blocking b;
  int64_t tiles = kBlockBytes / std::max<int64_t>(1, bytes_per_pixel_column * nr);
  int64_t needed = (out_pixels + nr - 1) / nr;
  b.tiles = std::clamp<int64_t>(tiles, 1, kMaxTilesPerBlock);
  b.tiles = std::max<int64_t>(1, std::min(b.tiles, needed));
  b.pixels = b.tiles * nr;
  b.blocks = (out_pixels + b.pixels - 1) / b.pixels;
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

// Work decomposition shared by both packed paths: unit -> (image, group, pixel block, oc chunk).
struct Units {
  int64_t count = 0, oc_chunks = 1, blocks_per_chunk = 0;
};

Units SplitUnits(const ConvShape& s, const Blocking& bl, int64_t blocks_per_group) {
  Units u;
  int64_t base = s.batch * s.group * bl.blocks;
  int64_t chunks = 1;
  if (base < kMinUnits) chunks = std::min(blocks_per_group, (kMinUnits + base - 1) / std::max<int64_t>(base, 1));
  chunks = std::max<int64_t>(chunks, 1);
  u.blocks_per_chunk = (blocks_per_group + chunks - 1) / chunks;
  u.oc_chunks = (blocks_per_group + u.blocks_per_chunk - 1) / u.blocks_per_chunk;
  u.count = base * u.oc_chunks;
  return u;
}

Status CheckGeometry(const ConvShape& s, int64_t out_c, int64_t group, int64_t k, int64_t k_h,
                     int64_t k_w) {
  if (s.out_c != out_c || s.group != group || s.k_size() != k || s.k_h != k_h || s.k_w != k_w ||
      s.in_c % s.group != 0) {
    return InternalError("convolution shape " + s.ToString() + " does not match the packed weights");
  }
  return OkStatus();
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// float32

StatusOr<std::shared_ptr<const PackedConvF32>> PackedConvF32::Pack(const ConvShape& s,
                                                                   const float* w, ConvIsa isa) {
  auto p = std::make_shared<PackedConvF32>();
  p->isa_ = ResolveIsa(isa);
  MicroKernels mk = GetMicroKernels(p->isa_);
  p->mr_ = mk.f32_mr;
  p->nr_ = mk.f32_nr;
  p->out_c_ = s.out_c;
  p->group_ = s.group;
  p->k_ = s.k_size();
  p->k_h_ = s.k_h;
  p->k_w_ = s.k_w;
  int64_t mg = s.out_c_per_group();
  p->blocks_per_group_ = (mg + p->mr_ - 1) / p->mr_;
  int64_t count = s.group * p->blocks_per_group_ * p->k_ * p->mr_;
  if (count > static_cast<int64_t>(kMaxTensorBytes / 4)) return ResourceExhaustedError("weights too large");
  p->panels_.assign(static_cast<size_t>(count), 0.0f);
  for (int64_t g = 0; g < s.group; ++g) {
    for (int64_t b = 0; b < p->blocks_per_group_; ++b) {
      float* panel = p->panels_.data() + (g * p->blocks_per_group_ + b) * p->k_ * p->mr_;
      for (int o = 0; o < p->mr_; ++o) {
        int64_t m = b * p->mr_ + o;
        if (m >= mg) break;
        const float* wr = w + (g * mg + m) * p->k_;
        for (int64_t k = 0; k < p->k_; ++k) panel[k * p->mr_ + o] = wr[k];
      }
    }
  }
  return std::shared_ptr<const PackedConvF32>(std::move(p));
}

Status PackedConvF32::Run(const ConvShape& s, const float* x, const ConvEpilogue& ep, float* y,
                          ThreadPool* pool) const {
  BG_RETURN_IF_ERROR(CheckGeometry(s, out_c_, group_, k_, k_h_, k_w_));
  const MicroKernels mk = GetMicroKernels(isa_);
  const int mr = mr_, nr = nr_;
  const int64_t K = k_, P = s.out_pixels(), cg = s.in_c_per_group(), mg = s.out_c_per_group();
  if (P == 0 || s.batch == 0 || s.out_c == 0) return OkStatus();
  const Blocking bl = ChooseBlocking(K * 4, nr, P);
  const Units units = SplitUnits(s, bl, blocks_per_group_);
  const int64_t ldb = bl.pixels;
  std::atomic<bool> oom{false};
  ParallelFor(pool, units.count, [&](int64_t u0, int64_t u1) {
    auto buf = NewArray<float>(static_cast<size_t>(K * ldb));
    if (!buf) {
      oom = true;
      return;
    }
    alignas(64) float tile[kMaxTileElems];
    for (int64_t u = u0; u < u1; ++u) {
      int64_t chunk = u % units.oc_chunks, rest = u / units.oc_chunks;
      int64_t pb = rest % bl.blocks;
      rest /= bl.blocks;
      int64_t g = rest % s.group, n = rest / s.group;
      int64_t p0 = pb * bl.pixels, len = std::min(bl.pixels, P - p0);
      int64_t ntiles = (len + nr - 1) / nr;
      const float* xg = x + (n * s.in_c + g * cg) * s.in_h * s.in_w;
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
      int64_t b_end = std::min(blocks_per_group_, (chunk + 1) * units.blocks_per_chunk);
      for (int64_t b = chunk * units.blocks_per_chunk; b < b_end; ++b) {
        const float* panel = panels_.data() + (g * blocks_per_group_ + b) * K * mr;
        int64_t oc0 = g * mg + b * mr;
        int valid_oc = static_cast<int>(std::min<int64_t>(mr, mg - b * mr));
        for (int64_t t = 0; t < ntiles; ++t) {
          mk.f32(K, panel, buf.get() + t * nr, ldb, tile);
          int64_t valid_px = std::min<int64_t>(nr, len - t * nr);
          for (int o = 0; o < valid_oc; ++o) {
            float* yr = y + (n * s.out_c + oc0 + o) * P + p0 + t * nr;
            const float* tr = tile + o * nr;
            float bias = ep.bias ? ep.bias[oc0 + o] : 0.0f;
            if (ep.relu) {
              for (int64_t j = 0; j < valid_px; ++j) {
                float v = tr[j] + bias;
                yr[j] = v > 0.0f ? v : 0.0f;
              }
            } else {
              for (int64_t j = 0; j < valid_px; ++j) yr[j] = tr[j] + bias;
            }
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

StatusOr<std::shared_ptr<const PackedConvInteger>> PackedConvInteger::Pack(
    const ConvShape& s, const ConvIntegerInputs& in, ConvIsa isa) {
  auto p = std::make_shared<PackedConvInteger>();
  p->isa_ = ResolveIsa(isa);
  MicroKernels mk = GetMicroKernels(p->isa_);
  p->mr_ = mk.i16_mr;
  p->nr_ = mk.i16_nr;
  p->out_c_ = s.out_c;
  p->group_ = s.group;
  p->k_ = s.k_size();
  p->kp_ = (p->k_ + 1) / 2;
  p->k_h_ = s.k_h;
  p->k_w_ = s.k_w;
  int64_t mg = s.out_c_per_group();
  p->blocks_per_group_ = (mg + p->mr_ - 1) / p->mr_;
  int64_t count = s.group * p->blocks_per_group_ * p->kp_ * p->mr_ * 2;
  if (count > static_cast<int64_t>(kMaxTensorBytes / 2)) return ResourceExhaustedError("weights too large");
  p->panels_.assign(static_cast<size_t>(count), 0);
  for (int64_t g = 0; g < s.group; ++g) {
    for (int64_t b = 0; b < p->blocks_per_group_; ++b) {
      int16_t* panel = p->panels_.data() + (g * p->blocks_per_group_ + b) * p->kp_ * p->mr_ * 2;
      for (int o = 0; o < p->mr_; ++o) {
        int64_t m = b * p->mr_ + o;
        if (m >= mg) break;
        int64_t oc = g * mg + m;
        int32_t zp = in.w_zero_points[oc];
        for (int64_t k = 0; k < p->k_; ++k) {
          int32_t v = Load8(in.w, in.w_signed, oc * p->k_ + k) - zp;
          panel[((k / 2) * p->mr_ + o) * 2 + (k & 1)] = static_cast<int16_t>(v);
        }
      }
    }
  }
  return std::shared_ptr<const PackedConvInteger>(std::move(p));
}

Status PackedConvInteger::Run(const ConvShape& s, const ConvIntegerInputs& in, int32_t* y,
                              ThreadPool* pool) const {
  BG_RETURN_IF_ERROR(CheckGeometry(s, out_c_, group_, k_, k_h_, k_w_));
  const MicroKernels mk = GetMicroKernels(isa_);
  const int mr = mr_, nr = nr_;
  const int64_t K = k_, KP = kp_, P = s.out_pixels(), cg = s.in_c_per_group(), mg = s.out_c_per_group();
  if (P == 0 || s.batch == 0 || s.out_c == 0) return OkStatus();
  const Blocking bl = ChooseBlocking(KP * 4, nr, P);
  const Units units = SplitUnits(s, bl, blocks_per_group_);
  const int64_t ldb = bl.pixels;
  const int32_t xzp = in.x_zero_point;
  std::atomic<bool> oom{false};
  ParallelFor(pool, units.count, [&](int64_t u0, int64_t u1) {
    auto buf = NewArray<int16_t>(static_cast<size_t>(KP * ldb * 2));
    if (!buf) {
      oom = true;
      return;
    }
    alignas(64) int32_t tile[kMaxTileElems];
    for (int64_t u = u0; u < u1; ++u) {
      int64_t chunk = u % units.oc_chunks, rest = u / units.oc_chunks;
      int64_t pb = rest % bl.blocks;
      rest /= bl.blocks;
      int64_t g = rest % s.group, n = rest / s.group;
      int64_t p0 = pb * bl.pixels, len = std::min(bl.pixels, P - p0);
      int64_t ntiles = (len + nr - 1) / nr;
      int64_t plane_size = s.in_h * s.in_w;
      int64_t x_off = (n * s.in_c + g * cg) * plane_size;
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
      int64_t b_end = std::min(blocks_per_group_, (chunk + 1) * units.blocks_per_chunk);
      for (int64_t b = chunk * units.blocks_per_chunk; b < b_end; ++b) {
        const int16_t* panel = panels_.data() + (g * blocks_per_group_ + b) * KP * mr * 2;
        int64_t oc0 = g * mg + b * mr;
        int valid_oc = static_cast<int>(std::min<int64_t>(mr, mg - b * mr));
        for (int64_t t = 0; t < ntiles; ++t) {
          mk.i16(KP, panel, buf.get() + t * nr * 2, ldb, tile);
          int64_t valid_px = std::min<int64_t>(nr, len - t * nr);
          for (int o = 0; o < valid_oc; ++o) {
            std::memcpy(y + (n * s.out_c + oc0 + o) * P + p0 + t * nr, tile + o * nr,
                        static_cast<size_t>(valid_px) * sizeof(int32_t));
          }
        }
      }
    }
  });
  if (oom) return ResourceExhaustedError("out of memory for the convolution buffer");
  return OkStatus();
}

}  // namespace bgone::kernels
