// Pad (constant, reflect, edge; pads as attribute before opset 11, as constant inputs from 11,
// optional axes from 18) and Transpose, for any element type (bytes are moved, never converted,
// except Pad's fill value).
#include <algorithm>
#include <cstring>

#include "engine/kernels/kernel_util.h"

namespace bgone::kernels {
namespace {

// ---------------------------------------------------------------------------------------------
// Pad

enum class PadMode { kConstant, kReflect, kEdge };

struct PadParams {
  PadMode mode = PadMode::kConstant;
  std::vector<int64_t> begin, end;  // per axis, may be negative (crop)
  double value = 0;
};

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
    return UnsupportedError("Pad mode '" + mode + "'");
  }
  const Shape& x = ctx.input_shape(0);
  const size_t r = x.size();
  std::vector<int64_t> pads;
  std::vector<int64_t> axes;
  if (old_form) {
    BG_ASSIGN_OR_RETURN(pads, AttrInts(node, "pads", {}));
    BG_ASSIGN_OR_RETURN(float v, AttrFloat(node, "value", 0.0f));
    p.value = v;
  } else {
    BG_ASSIGN_OR_RETURN(const Tensor* t, RequireConstantInput(ctx, 1, "pads"));
    BG_ASSIGN_OR_RETURN(pads, TensorToInts(*t, "pads"));
    if (ctx.has_input(2)) {
      BG_ASSIGN_OR_RETURN(const Tensor* v, RequireConstantInput(ctx, 2, "constant_value"));
      if (v->size() != 1) return MalformedError("constant_value must hold one value");
      if (v->dtype() != ctx.input_dtype(0)) return MalformedError("constant_value's type differs from the data's");
      if (v->dtype() == DType::kFloat32 || v->dtype() == DType::kFloat64 || v->dtype() == DType::kFloat16) {
        BG_ASSIGN_OR_RETURN(std::vector<float> f, TensorToFloats(*v, "constant_value"));
        p.value = f[0];
      } else {
        BG_RETURN_IF_ERROR(DispatchNumeric(v->dtype(), "Pad", [&](auto tag) -> Status {
          using T = decltype(tag);
          p.value = static_cast<double>(v->data<T>()[0]);
          return OkStatus();
        }));
      }
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
    if (n + p.begin[i] + p.end[i] < 0) return MalformedError("Pad removes more than axis " + std::to_string(i) + " holds");
    if (p.mode != PadMode::kConstant && (p.begin[i] > 0 || p.end[i] > 0)) {
      if (n == 0) return MalformedError("Pad " + mode + " of an empty axis");
      if (p.mode == PadMode::kReflect && (p.begin[i] >= n || p.end[i] >= n) && n > 1)
        return UnsupportedError("Pad reflect by " + std::to_string(std::max(p.begin[i], p.end[i])) + " on an axis of " + std::to_string(n));
    }
    // Huge pads are caught by the output size check; keep the sums from overflowing first.
    if (std::abs(p.begin[i]) > (int64_t{1} << 40) || std::abs(p.end[i]) > (int64_t{1} << 40)) return MalformedError("Pad amount out of range");
  }
  return p;
}

Status InferPad(InferContext& ctx) {
  BG_ASSIGN_OR_RETURN(PadParams p, ReadPad(ctx));
  Shape out = ctx.input_shape(0);
  for (size_t i = 0; i < out.size(); ++i) out[i] += p.begin[i] + p.end[i];
  BG_ASSIGN_OR_RETURN(int64_t n, CheckedNumElements(out));
  if (static_cast<uint64_t>(n) * DTypeSize(ctx.input_dtype(0)) > kMaxTensorBytes) return ResourceExhaustedError("Pad output too large");
  if (DTypeSize(ctx.input_dtype(0)) == 0) return UnsupportedError(std::string("Pad on ") + DTypeName(ctx.input_dtype(0)));
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
  const DType dtype = ctx.input_dtype(0);
  // The fill value's bytes.
  std::vector<uint8_t> fill(DTypeSize(dtype), 0);
  if (p.mode == PadMode::kConstant && p.value != 0) {
    if (dtype == DType::kFloat16) {
      const uint16_t h = FloatToHalf(static_cast<float>(p.value));
      std::memcpy(fill.data(), &h, 2);
    } else if (dtype == DType::kBool) {
      fill[0] = 1;
    } else {
      BG_RETURN_IF_ERROR(DispatchNumeric(dtype, "Pad", [&](auto tag) -> Status {
        using T = decltype(tag);
        const T v = static_cast<T>(p.value);
        std::memcpy(fill.data(), &v, sizeof v);
        return OkStatus();
      }));
    }
  }
  return MakeKernel([p, in_shape, out_shape, fill](KernelContext& k) -> Status {
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

template <typename T>
void TransposeTyped(const T* src, T* dst, const Shape& out_shape, const std::vector<int64_t>& src_strides, int64_t n) {
  const size_t r = out_shape.size();
  if (r == 0) {
    dst[0] = src[0];
    return;
  }
  const int64_t w = out_shape[r - 1], step = src_strides[r - 1];
  std::vector<int64_t> idx(r, 0);
  int64_t base = 0;  // source offset of the current output row
  for (int64_t o = 0; o < n; o += w) {
    const T* s = src + base;
    T* d = dst + o;
    for (int64_t i = 0; i < w; ++i) d[i] = s[i * step];
    for (size_t a = r - 1; a-- > 0;) {
      base += src_strides[a];
      if (++idx[a] < out_shape[a]) break;
      base -= src_strides[a] * out_shape[a];
      idx[a] = 0;
    }
  }
}

StatusOr<std::unique_ptr<Kernel>> CreateTranspose(InferContext& ctx) {
  BG_ASSIGN_OR_RETURN(std::vector<int64_t> perm, ReadPerm(ctx));
  const Shape in_shape = ctx.input_shape(0);
  const Shape out_shape = ctx.output_shape(0);
  const std::vector<int64_t> in_strides = StridesOf(in_shape);
  std::vector<int64_t> src_strides;  // source stride of each output axis
  for (int64_t a : perm) src_strides.push_back(in_strides[static_cast<size_t>(a)]);
  const size_t es = DTypeSize(ctx.input_dtype(0));
  return MakeKernel([out_shape, src_strides, es](KernelContext& k) -> Status {
    const Tensor& x = *k.inputs[0];
    Tensor& y = *k.outputs[0];
    const int64_t n = y.size();
    if (n == 0) return OkStatus();
    switch (es) {
      case 1: TransposeTyped(x.data<uint8_t>(), y.data<uint8_t>(), out_shape, src_strides, n); break;
      case 2: TransposeTyped(x.data<uint16_t>(), y.data<uint16_t>(), out_shape, src_strides, n); break;
      case 4: TransposeTyped(x.data<uint32_t>(), y.data<uint32_t>(), out_shape, src_strides, n); break;
      case 8: TransposeTyped(x.data<uint64_t>(), y.data<uint64_t>(), out_shape, src_strides, n); break;
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
