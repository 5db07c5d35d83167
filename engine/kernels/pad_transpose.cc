// Pad (constant, reflect, edge; pads as attribute before opset 11, as constant inputs from 11,
// optional axes from 18) and Transpose, for any element type: bytes are moved, never converted
// (only Pad-2's float `value` attribute is converted to the data's float type). Transpose drops
// axes of size 1, merges input axes that stay adjacent, then copies rows or transposes 16x16 tiles.
#include <algorithm>
#include <cstring>
#include <utility>

#include "engine/kernels/kernel_util.h"

namespace bgone::kernels {
namespace {

// ---------------------------------------------------------------------------------------------
// Pad

enum class PadMode { kConstant, kReflect, kEdge };

struct PadParams {
  PadMode mode = PadMode::kConstant;
  std::vector<int64_t> begin, end;  // per axis, may be negative (crop)
  std::vector<uint8_t> fill;        // the bytes of one fill element (all zero by default)
};

// The bytes of Pad-2's float `value` attribute as one element of `dtype` (the attribute form only
// allows float types).
Status FillFromAttribute(float v, DType dtype, std::vector<uint8_t>* fill) {
  if (v == 0.0f) return OkStatus();
  if (dtype == DType::kFloat32) {
    std::memcpy(fill->data(), &v, sizeof v);
  } else if (dtype == DType::kFloat64) {
    const double d = v;
    std::memcpy(fill->data(), &d, sizeof d);
  } else if (dtype == DType::kFloat16) {
    const uint16_t h = FloatToHalf(v);
    std::memcpy(fill->data(), &h, sizeof h);
  } else {
    return UnsupportedError(std::string("Pad value attribute on ") + DTypeName(dtype) + " data");
  }
  return OkStatus();
}

StatusOr<PadParams> ReadPad(const InferContext& ctx) {
  const ir::Node& node = ctx.node();
  const bool old_form = ctx.opset() < 11;
  BG_RETURN_IF_ERROR(old_form ? CheckKnownAttrs(node, {"mode", "pads", "value"}) : CheckKnownAttrs(node, {"mode"}));
  BG_RETURN_IF_ERROR(CheckInputs(ctx, old_form ? 1 : 2, old_form ? 1 : 4));
  BG_RETURN_IF_ERROR(CheckMaxOutputs(ctx, 1));
  PadParams p;
  BG_ASSIGN_OR_RETURN(std::string mode, AttrString(node, "mode", "constant"));
  if (mode == "constant") {
    p.mode = PadMode::kConstant;
  } else if (mode == "reflect") {
    p.mode = PadMode::kReflect;
  } else if (mode == "edge") {
    p.mode = PadMode::kEdge;
  } else {
    return UnsupportedError("Pad mode '" + mode + "' is not supported (constant, reflect, edge are)");
  }
  const DType dtype = ctx.input_dtype(0);
  if (DTypeSize(dtype) == 0) return UnsupportedError(std::string("Pad on ") + DTypeName(dtype));
  p.fill.assign(DTypeSize(dtype), 0);
  const Shape& x = ctx.input_shape(0);
  const size_t r = x.size();
  std::vector<int64_t> pads;
  std::vector<int64_t> axes;
  if (old_form) {
    BG_ASSIGN_OR_RETURN(pads, AttrInts(node, "pads", {}));
    BG_ASSIGN_OR_RETURN(float v, AttrFloat(node, "value", 0.0f));
    if (p.mode == PadMode::kConstant) BG_RETURN_IF_ERROR(FillFromAttribute(v, dtype, &p.fill));
  } else {
    BG_ASSIGN_OR_RETURN(const Tensor* t, RequireConstantInput(ctx, 1, "pads"));
    BG_ASSIGN_OR_RETURN(pads, TensorToInts(*t, "pads"));
    if (ctx.has_input(2)) {
      BG_ASSIGN_OR_RETURN(const Tensor* v, RequireConstantInput(ctx, 2, "constant_value"));
      if (v->size() != 1) return MalformedError("constant_value must hold one value");
      if (v->dtype() != dtype) return MalformedError("constant_value's type differs from the data's");
      // The element's bytes as given: exact for every type (int64 beyond 2^53, float64, bool).
      if (p.mode == PadMode::kConstant) std::memcpy(p.fill.data(), v->raw(), p.fill.size());
    }
    if (ctx.has_input(3)) {
      BG_ASSIGN_OR_RETURN(const Tensor* a, RequireConstantInput(ctx, 3, "axes"));
      BG_ASSIGN_OR_RETURN(axes, TensorToInts(*a, "axes"));
    }
  }
  if (axes.empty()) {
    for (size_t i = 0; i < r; ++i) axes.push_back(static_cast<int64_t>(i));
  }
  if (pads.size() != 2 * axes.size())
    return MalformedError("pads has " + std::to_string(pads.size()) + " values for " + std::to_string(axes.size()) + " axes");
  p.begin.assign(r, 0);
  p.end.assign(r, 0);
  std::vector<bool> seen(r, false);
  for (size_t i = 0; i < axes.size(); ++i) {
    BG_ASSIGN_OR_RETURN(int64_t a, NormalizeAxis(axes[i], static_cast<int64_t>(r), "Pad axes"));
    if (seen[static_cast<size_t>(a)]) return MalformedError("Pad axis " + std::to_string(a) + " given twice");
    seen[static_cast<size_t>(a)] = true;
    p.begin[static_cast<size_t>(a)] = pads[i];
    p.end[static_cast<size_t>(a)] = pads[i + axes.size()];
  }
  for (size_t i = 0; i < r; ++i) {
    const int64_t n = x[i];
    // Huge pads are caught by the output size check; keep the sums from overflowing first.
    constexpr int64_t kMaxPad = int64_t{1} << 40;
    if (p.begin[i] < -kMaxPad || p.begin[i] > kMaxPad || p.end[i] < -kMaxPad || p.end[i] > kMaxPad) {
      return MalformedError("Pad amount out of range on axis " + std::to_string(i));
    }
    if (n + p.begin[i] + p.end[i] < 0) return MalformedError("Pad removes more than axis " + std::to_string(i) + " holds");
    if (p.mode != PadMode::kConstant && (p.begin[i] > 0 || p.end[i] > 0)) {
      if (n == 0) return MalformedError("Pad " + mode + " of an empty axis");
      if (p.mode == PadMode::kReflect && (p.begin[i] >= n || p.end[i] >= n) && n > 1)
        return UnsupportedError("Pad reflect by " + std::to_string(std::max(p.begin[i], p.end[i])) + " on an axis of " + std::to_string(n));
    }
  }
  return p;
}

Status InferPad(InferContext& ctx) {
  BG_ASSIGN_OR_RETURN(PadParams p, ReadPad(ctx));
  Shape out = ctx.input_shape(0);
  for (size_t i = 0; i < out.size(); ++i) out[i] += p.begin[i] + p.end[i];
  BG_ASSIGN_OR_RETURN(int64_t n, CheckedNumElements(out));
  if (static_cast<uint64_t>(n) * DTypeSize(ctx.input_dtype(0)) > kMaxTensorBytes) return ResourceExhaustedError("Pad output too large");
  ctx.SetOutput(0, ctx.input_dtype(0), out);
  return OkStatus();
}

// Source index along an axis of n for output index o (before the pad offset), or -1 for fill.
inline int64_t PadSource(int64_t i, int64_t n, PadMode mode) {
  if (i >= 0 && i < n) return i;
  if (mode == PadMode::kConstant) return -1;
  if (mode == PadMode::kEdge) return std::clamp<int64_t>(i, 0, n - 1);
  if (n == 1) return 0;
  const int64_t period = 2 * (n - 1);  // reflect without repeating the edge
  int64_t m = i % period;
  if (m < 0) m += period;
  return m < n ? m : period - m;
}

StatusOr<std::unique_ptr<Kernel>> CreatePad(InferContext& ctx) {
  BG_ASSIGN_OR_RETURN(PadParams p, ReadPad(ctx));
  const Shape in_shape = ctx.input_shape(0);
  const Shape out_shape = ctx.output_shape(0);
  return MakeKernel([p, in_shape, out_shape](KernelContext& k) -> Status {
    const std::vector<uint8_t>& fill = p.fill;
    const Tensor& x = *k.inputs[0];
    Tensor& y = *k.outputs[0];
    const size_t es = fill.size();
    const size_t r = out_shape.size();
    const auto* src = static_cast<const uint8_t*>(x.raw());
    auto* dst = static_cast<uint8_t*>(y.raw());
    if (y.size() == 0) return OkStatus();
    if (r == 0) {
      std::memcpy(dst, src, es);
      return OkStatus();
    }
    const int64_t out_w = out_shape[r - 1], in_w = in_shape[r - 1];
    const std::vector<int64_t> in_strides = StridesOf(in_shape);
    const int64_t rows = y.size() / std::max<int64_t>(out_w, 1);
    auto put_fill = [&](uint8_t* d, int64_t n) {
      for (int64_t i = 0; i < n; ++i) std::memcpy(d + i * es, fill.data(), es);
    };
    std::vector<int64_t> idx(r, 0);  // output index of the current row (last axis unused)
    for (int64_t row = 0; row < rows; ++row) {
      uint8_t* d = dst + static_cast<size_t>(row * out_w) * es;
      int64_t base = 0;
      bool inside = in_w > 0;
      for (size_t a = 0; a + 1 < r; ++a) {
        const int64_t s = PadSource(idx[a] - p.begin[a], in_shape[a], p.mode);
        if (s < 0) {
          inside = false;
          break;
        }
        base += s * in_strides[a];
      }
      if (!inside) {
        put_fill(d, out_w);
      } else if (p.mode == PadMode::kConstant) {
        const int64_t b = p.begin[r - 1];
        const int64_t lo = std::max<int64_t>(0, b), hi = std::min<int64_t>(out_w, b + in_w);
        put_fill(d, std::min(lo, out_w));
        if (hi > lo) std::memcpy(d + lo * es, src + static_cast<size_t>(base + lo - b) * es, static_cast<size_t>(hi - lo) * es);
        if (hi < out_w) put_fill(d + std::max(hi, lo) * es, out_w - std::max(hi, lo));
      } else {
        for (int64_t o = 0; o < out_w; ++o) {
          const int64_t s = PadSource(o - p.begin[r - 1], in_w, p.mode);
          std::memcpy(d + o * es, src + static_cast<size_t>(base + s) * es, es);
        }
      }
      for (size_t a = r - 1; a-- > 0;) {  // next row: odometer over the outer axes
        if (++idx[a] < out_shape[a]) break;
        idx[a] = 0;
      }
    }
    return OkStatus();
  });
}

// ---------------------------------------------------------------------------------------------
// Transpose

StatusOr<std::vector<int64_t>> ReadPerm(const InferContext& ctx) {
  BG_RETURN_IF_ERROR(CheckKnownAttrs(ctx.node(), {"perm"}));
  BG_RETURN_IF_ERROR(CheckInputs(ctx, 1, 1));
  BG_RETURN_IF_ERROR(CheckMaxOutputs(ctx, 1));
  const int64_t r = static_cast<int64_t>(ctx.input_shape(0).size());
  std::vector<int64_t> reversed;
  for (int64_t i = r - 1; i >= 0; --i) reversed.push_back(i);
  BG_ASSIGN_OR_RETURN(std::vector<int64_t> perm, AttrInts(ctx.node(), "perm", reversed));
  if (static_cast<int64_t>(perm.size()) != r) return MalformedError("perm has " + std::to_string(perm.size()) + " axes for rank " + std::to_string(r));
  std::vector<bool> seen(static_cast<size_t>(r), false);
  for (int64_t& a : perm) {
    BG_ASSIGN_OR_RETURN(a, NormalizeAxis(a, r, "perm"));
    if (seen[static_cast<size_t>(a)]) return MalformedError("perm repeats axis " + std::to_string(a));
    seen[static_cast<size_t>(a)] = true;
  }
  return perm;
}

Status InferTranspose(InferContext& ctx) {
  BG_ASSIGN_OR_RETURN(std::vector<int64_t> perm, ReadPerm(ctx));
  if (DTypeSize(ctx.input_dtype(0)) == 0) return UnsupportedError(std::string("Transpose on ") + DTypeName(ctx.input_dtype(0)));
  const Shape& x = ctx.input_shape(0);
  Shape out;
  for (int64_t a : perm) out.push_back(x[static_cast<size_t>(a)]);
  ctx.SetOutput(0, ctx.input_dtype(0), out);
  return OkStatus();
}

// The transpose after dropping axes of size 1 and merging input axes that stay next to each other
// in the output (NCHW -> NHWC is then [C, HW] -> [HW, C]).
struct TransposePlan {
  std::vector<int64_t> dims;         // output shape
  std::vector<int64_t> src_strides;  // source stride (elements) of each output axis
};

TransposePlan ReduceTranspose(const Shape& in_shape, const std::vector<int64_t>& perm) {
  const size_t r = in_shape.size();
  std::vector<int64_t> kept_index(r, -1);
  std::vector<int64_t> kept_dims;
  for (size_t a = 0; a < r; ++a) {
    if (in_shape[a] == 1) continue;
    kept_index[a] = static_cast<int64_t>(kept_dims.size());
    kept_dims.push_back(in_shape[a]);
  }
  // Runs of consecutive kept input axes, in output order: (first input axis, merged size).
  std::vector<std::pair<int64_t, int64_t>> runs;
  int64_t last = -2;
  for (int64_t a : perm) {
    const int64_t k = kept_index[static_cast<size_t>(a)];
    if (k < 0) continue;
    if (k == last + 1 && !runs.empty()) {
      runs.back().second *= kept_dims[static_cast<size_t>(k)];
    } else {
      runs.push_back({k, kept_dims[static_cast<size_t>(k)]});
    }
    last = k;
  }
  // Source strides: the runs in input order are the reduced input's axes.
  std::vector<size_t> by_input(runs.size());
  for (size_t i = 0; i < runs.size(); ++i) by_input[i] = i;
  std::sort(by_input.begin(), by_input.end(), [&](size_t x, size_t y) { return runs[x].first < runs[y].first; });
  TransposePlan plan;
  plan.dims.resize(runs.size());
  plan.src_strides.resize(runs.size());
  int64_t stride = 1;
  for (size_t i = by_input.size(); i-- > 0;) {
    const size_t g = by_input[i];
    plan.dims[g] = runs[g].second;
    plan.src_strides[g] = stride;
    stride *= runs[g].second;
  }
  return plan;
}

// Walks the output axes listed in `axes` (outermost first) from a linear position, keeping the
// source and destination offsets of the current index.
struct Odometer {
  const std::vector<int64_t>* dims;
  const std::vector<int64_t>* src_strides;
  const std::vector<int64_t>* dst_strides;
  const std::vector<size_t>* axes;
  std::vector<int64_t> idx;
  int64_t src = 0, dst = 0;

  void Seek(int64_t pos) {
    idx.assign(axes->size(), 0);
    src = dst = 0;
    for (size_t i = axes->size(); i-- > 0;) {
      const size_t a = (*axes)[i];
      idx[i] = pos % (*dims)[a];
      pos /= (*dims)[a];
      src += idx[i] * (*src_strides)[a];
      dst += idx[i] * (*dst_strides)[a];
    }
  }
  void Next() {
    for (size_t i = axes->size(); i-- > 0;) {
      const size_t a = (*axes)[i];
      src += (*src_strides)[a];
      dst += (*dst_strides)[a];
      if (++idx[i] < (*dims)[a]) return;
      src -= (*src_strides)[a] * (*dims)[a];
      dst -= (*dst_strides)[a] * (*dims)[a];
      idx[i] = 0;
    }
  }
};

constexpr int64_t kTransposeTile = 16;

// dst[i * dst_row + j] = src[i + j * src_col] for i < rows, j < cols, in tiles so that both sides
// stay in cache.
template <typename T>
void TransposeTile(const T* src, T* dst, int64_t i0, int64_t i1, int64_t cols, int64_t src_col, int64_t dst_row) {
  for (int64_t j0 = 0; j0 < cols; j0 += kTransposeTile) {
    const int64_t j1 = std::min(cols, j0 + kTransposeTile);
    for (int64_t i = i0; i < i1; ++i) {
      const T* s = src + i;
      T* d = dst + i * dst_row;
      for (int64_t j = j0; j < j1; ++j) d[j] = s[j * src_col];
    }
  }
}

template <typename T>
void TransposeTyped(const T* src, T* dst, const TransposePlan& plan, int64_t n, ThreadPool* pool) {
  const size_t r = plan.dims.size();
  if (r <= 1) {  // nothing moves
    std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(T));
    return;
  }
  const std::vector<int64_t> dst_strides = StridesOf(plan.dims);
  ThreadPool* const p = n >= 4 * kElementwiseGrain ? pool : nullptr;
  const int64_t cols = plan.dims[r - 1];
  std::vector<size_t> outer;
  if (plan.src_strides[r - 1] == 1) {
    // The innermost axis stays innermost: copy rows.
    for (size_t a = 0; a + 1 < r; ++a) outer.push_back(a);
    const int64_t rows = n / cols;
    ParallelFor(p, rows, [&](int64_t b, int64_t e) {
      Odometer it{&plan.dims, &plan.src_strides, &dst_strides, &outer, {}};
      it.Seek(b);
      for (int64_t row = b; row < e; ++row, it.Next()) {
        std::memcpy(dst + it.dst, src + it.src, static_cast<size_t>(cols) * sizeof(T));
      }
    });
    return;
  }
  // Axis q is the input's innermost (source stride 1): transpose [q, last] as matrices.
  size_t q = 0;
  while (plan.src_strides[q] != 1) ++q;
  for (size_t a = 0; a + 1 < r; ++a) {
    if (a != q) outer.push_back(a);
  }
  const int64_t rows = plan.dims[q], src_col = plan.src_strides[r - 1], dst_row = dst_strides[q];
  const int64_t blocks = (rows + kTransposeTile - 1) / kTransposeTile;
  const int64_t units = n / (rows * cols) * blocks;  // (outer index, block of rows)
  ParallelFor(p, units, [&](int64_t b, int64_t e) {
    Odometer it{&plan.dims, &plan.src_strides, &dst_strides, &outer, {}};
    it.Seek(b / blocks);
    for (int64_t u = b; u < e; ++u) {
      const int64_t blk = u % blocks;
      if (u != b && blk == 0) it.Next();
      const int64_t i0 = blk * kTransposeTile;
      TransposeTile(src + it.src, dst + it.dst, i0, std::min(rows, i0 + kTransposeTile), cols, src_col, dst_row);
    }
  });
}

StatusOr<std::unique_ptr<Kernel>> CreateTranspose(InferContext& ctx) {
  BG_ASSIGN_OR_RETURN(std::vector<int64_t> perm, ReadPerm(ctx));
  const TransposePlan plan = ReduceTranspose(ctx.input_shape(0), perm);
  const size_t es = DTypeSize(ctx.input_dtype(0));
  return MakeKernel([plan, es](KernelContext& k) -> Status {
    const Tensor& x = *k.inputs[0];
    Tensor& y = *k.outputs[0];
    const int64_t n = y.size();
    if (n == 0) return OkStatus();
    switch (es) {
      case 1: TransposeTyped(x.data<uint8_t>(), y.data<uint8_t>(), plan, n, k.pool); break;
      case 2: TransposeTyped(x.data<uint16_t>(), y.data<uint16_t>(), plan, n, k.pool); break;
      case 4: TransposeTyped(x.data<uint32_t>(), y.data<uint32_t>(), plan, n, k.pool); break;
      case 8: TransposeTyped(x.data<uint64_t>(), y.data<uint64_t>(), plan, n, k.pool); break;
      default: return UnsupportedError("Transpose of " + std::to_string(es) + "-byte elements");
    }
    return OkStatus();
  });
}

}  // namespace

void AppendLayoutSchemas(std::vector<OpSchema>* out) {
  out->push_back({"", "Pad", InferPad, CreatePad, false, false, true});
  out->push_back({"", "Transpose", InferTranspose, CreateTranspose, false, false, true});
}

}  // namespace bgone::kernels
