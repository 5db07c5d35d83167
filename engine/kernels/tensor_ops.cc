// Data-movement and shape ops: Concat, Reshape, Shape, Slice, Constant, Identity, Unsqueeze,
// Squeeze, Flatten, Gather. Reshape/Identity/Unsqueeze/Squeeze/Flatten are views (no kernel).
#include <algorithm>
#include <cstring>
#include <limits>

#include "engine/kernels/kernel_util.h"

namespace bgone::kernels {
namespace {

// A kernel that writes a tensor known at prepare time (Constant, Shape). The planner normally
// treats such outputs as constants and never runs it; it exists so running it is also correct.
StatusOr<std::unique_ptr<Kernel>> MakeConstantKernel(Tensor value) {
  return MakeKernel([value](KernelContext& ctx) -> Status {
    Tensor* out = ctx.outputs.empty() ? nullptr : ctx.outputs[0];
    if (out == nullptr) return OkStatus();
    if (out->bytes() != value.bytes()) return InternalError("constant output size mismatch");
    if (value.bytes()) std::memcpy(out->raw(), value.raw(), value.bytes());
    return OkStatus();
  });
}

// ---------------------------------------------------------------------------------------------
// Constant

StatusOr<Tensor> ConstantValue(const InferContext& ctx) {
  const ir::Node& node = ctx.node();
  BG_RETURN_IF_ERROR(CheckKnownAttrs(node, {"value", "value_float", "value_floats", "value_int",
                                            "value_ints", "value_string", "value_strings",
                                            "sparse_value"}));
  if (node.attrs.size() != 1) {
    return MalformedError("Constant needs exactly one value attribute, has " +
                          std::to_string(node.attrs.size()));
  }
  const auto& [name, a] = *node.attrs.begin();
  using K = ir::Attribute::Kind;
  if (name == "value") {
    if (a.kind != K::kTensor || !a.t.has_value()) return MalformedError("'value' is not a tensor");
    if (DTypeSize(a.t->dtype()) == 0) {
      return UnsupportedError(std::string("constant of type ") + DTypeName(a.t->dtype()));
    }
    return *a.t;
  }
  if (name == "value_float") {
    if (a.kind != K::kFloat) return MalformedError("'value_float' is not a float");
    return Tensor::FromVector(DType::kFloat32, {}, std::vector<float>{a.f});
  }
  if (name == "value_floats") {
    if (a.kind != K::kFloats) return MalformedError("'value_floats' is not a float list");
    return Tensor::FromVector(DType::kFloat32, {static_cast<int64_t>(a.floats.size())}, a.floats);
  }
  if (name == "value_int") {
    if (a.kind != K::kInt) return MalformedError("'value_int' is not an int");
    return Tensor::FromVector(DType::kInt64, {}, std::vector<int64_t>{a.i});
  }
  if (name == "value_ints") {
    if (a.kind != K::kInts) return MalformedError("'value_ints' is not an int list");
    return Tensor::FromVector(DType::kInt64, {static_cast<int64_t>(a.ints.size())}, a.ints);
  }
  return UnsupportedError("Constant attribute '" + name + "'");
}

Status InferConstant(InferContext& ctx) {
  BG_RETURN_IF_ERROR(CheckInputs(ctx, 0, 0));
  BG_ASSIGN_OR_RETURN(Tensor t, ConstantValue(ctx));
  ctx.SetOutputConstant(0, std::move(t));
  return OkStatus();
}

StatusOr<std::unique_ptr<Kernel>> CreateConstant(InferContext& ctx) {
  BG_ASSIGN_OR_RETURN(Tensor t, ConstantValue(ctx));
  return MakeConstantKernel(std::move(t));
}

// ---------------------------------------------------------------------------------------------
// Shape

StatusOr<Tensor> ShapeValue(const InferContext& ctx) {
  BG_RETURN_IF_ERROR(CheckKnownAttrs(ctx.node(), {"start", "end"}));
  BG_RETURN_IF_ERROR(CheckInputs(ctx, 1, 1));
  const Shape& s = ctx.input_shape(0);
  int64_t rank = static_cast<int64_t>(s.size());
  BG_ASSIGN_OR_RETURN(int64_t start, AttrInt(ctx.node(), "start", 0));
  BG_ASSIGN_OR_RETURN(int64_t end, AttrInt(ctx.node(), "end", rank));
  if (ctx.opset() < 15 && (ctx.node().HasAttr("start") || ctx.node().HasAttr("end"))) {
    return UnsupportedError("Shape start/end need opset 15");
  }
  if (start < 0) start += rank;
  if (end < 0) end += rank;
  start = std::clamp<int64_t>(start, 0, rank);
  end = std::clamp<int64_t>(end, 0, rank);
  std::vector<int64_t> dims;
  for (int64_t i = start; i < end; ++i) dims.push_back(s[static_cast<size_t>(i)]);
  return Tensor::FromVector(DType::kInt64, {static_cast<int64_t>(dims.size())}, dims);
}

Status InferShape(InferContext& ctx) {
  BG_ASSIGN_OR_RETURN(Tensor t, ShapeValue(ctx));
  ctx.SetOutputConstant(0, std::move(t));
  return OkStatus();
}

StatusOr<std::unique_ptr<Kernel>> CreateShape(InferContext& ctx) {
  BG_ASSIGN_OR_RETURN(Tensor t, ShapeValue(ctx));
  return MakeConstantKernel(std::move(t));
}

// ---------------------------------------------------------------------------------------------
// Views: Identity, Reshape, Flatten, Unsqueeze, Squeeze

Status InferIdentity(InferContext& ctx) {
  BG_RETURN_IF_ERROR(CheckKnownAttrs(ctx.node(), {}));
  BG_RETURN_IF_ERROR(CheckInputs(ctx, 1, 1));
  ctx.SetOutput(0, ctx.input_dtype(0), ctx.input_shape(0));
  return OkStatus();
}

Status InferReshape(InferContext& ctx) {
  BG_RETURN_IF_ERROR(CheckKnownAttrs(ctx.node(), {"allowzero"}));
  BG_RETURN_IF_ERROR(CheckInputs(ctx, 2, 2));
  BG_ASSIGN_OR_RETURN(int64_t allowzero, AttrInt(ctx.node(), "allowzero", 0));
  if (allowzero != 0 && ctx.opset() < 14) return UnsupportedError("allowzero needs opset 14");
  BG_ASSIGN_OR_RETURN(const Tensor* shape_t, RequireConstantInput(ctx, 1, "shape"));
  if (shape_t->rank() != 1) return MalformedError("shape input must be 1-D");
  BG_ASSIGN_OR_RETURN(std::vector<int64_t> req, TensorToInts(*shape_t, "shape"));
  const Shape& in = ctx.input_shape(0);
  BG_ASSIGN_OR_RETURN(int64_t in_count, CheckedNumElements(in));
  Shape out(req.size());
  int infer_at = -1;
  int64_t known = 1;
  for (size_t i = 0; i < req.size(); ++i) {
    int64_t d = req[i];
    if (d == -1) {
      if (infer_at >= 0) return MalformedError("shape has more than one -1");
      infer_at = static_cast<int>(i);
      continue;
    }
    if (d == 0 && allowzero == 0) {
      if (i >= in.size()) return MalformedError("shape copies dim " + std::to_string(i) + " beyond the input rank");
      d = in[i];
    } else if (d < 0) {
      return MalformedError("shape has invalid dim " + std::to_string(d));
    }
    out[i] = d;
    if (d != 0 && known > std::numeric_limits<int64_t>::max() / d) {
      return MalformedError("shape " + ShapeToString(req) + " overflows");
    }
    known *= d;
  }
  if (infer_at >= 0) {
    if (known == 0) {
      if (in_count != 0) return MalformedError("cannot infer -1 with a zero dim in the shape");
      out[static_cast<size_t>(infer_at)] = 0;
    } else {
      if (in_count % known != 0) {
        return MalformedError("cannot reshape " + ShapeToString(in) + " to " + ShapeToString(req));
      }
      out[static_cast<size_t>(infer_at)] = in_count / known;
    }
  }
  BG_ASSIGN_OR_RETURN(int64_t out_count, CheckedNumElements(out));
  if (out_count != in_count) {
    return MalformedError("cannot reshape " + ShapeToString(in) + " to " + ShapeToString(req));
  }
  ctx.SetOutput(0, ctx.input_dtype(0), out);
  return OkStatus();
}

Status InferFlatten(InferContext& ctx) {
  BG_RETURN_IF_ERROR(CheckKnownAttrs(ctx.node(), {"axis"}));
  BG_RETURN_IF_ERROR(CheckInputs(ctx, 1, 1));
  const Shape& in = ctx.input_shape(0);
  int64_t rank = static_cast<int64_t>(in.size());
  BG_ASSIGN_OR_RETURN(int64_t axis, AttrInt(ctx.node(), "axis", 1));
  if (axis < -rank || axis > rank) return MalformedError("axis " + std::to_string(axis) + " out of range");
  if (axis < 0) axis += rank;
  int64_t a = 1, b = 1;
  for (int64_t i = 0; i < rank; ++i) (i < axis ? a : b) *= in[static_cast<size_t>(i)];
  ctx.SetOutput(0, ctx.input_dtype(0), {a, b});
  return OkStatus();
}

// Axes for Unsqueeze/Squeeze: an attribute before opset 13, an optional input from 13 on.
StatusOr<std::optional<std::vector<int64_t>>> SqueezeAxes(const InferContext& ctx) {
  if (ctx.opset() >= 13) {
    BG_RETURN_IF_ERROR(CheckKnownAttrs(ctx.node(), {}));
    BG_RETURN_IF_ERROR(CheckInputs(ctx, 1, 2));
    if (!ctx.has_input(1)) return std::optional<std::vector<int64_t>>();
    BG_ASSIGN_OR_RETURN(const Tensor* t, RequireConstantInput(ctx, 1, "axes"));
    if (t->rank() > 1) return MalformedError("axes must be 1-D");
    BG_ASSIGN_OR_RETURN(std::vector<int64_t> v, TensorToInts(*t, "axes"));
    return std::optional<std::vector<int64_t>>(std::move(v));
  }
  BG_RETURN_IF_ERROR(CheckKnownAttrs(ctx.node(), {"axes"}));
  BG_RETURN_IF_ERROR(CheckInputs(ctx, 1, 1));
  if (!ctx.node().HasAttr("axes")) return std::optional<std::vector<int64_t>>();
  BG_ASSIGN_OR_RETURN(std::vector<int64_t> v, AttrInts(ctx.node(), "axes", {}));
  return std::optional<std::vector<int64_t>>(std::move(v));
}

Status InferUnsqueeze(InferContext& ctx) {
  BG_ASSIGN_OR_RETURN(auto axes, SqueezeAxes(ctx));
  if (!axes.has_value()) return MalformedError("Unsqueeze needs axes");
  const Shape& in = ctx.input_shape(0);
  int64_t out_rank = static_cast<int64_t>(in.size() + axes->size());
  if (out_rank > kMaxRank) return UnsupportedError("output rank above " + std::to_string(kMaxRank));
  std::vector<bool> inserted(static_cast<size_t>(out_rank), false);
  for (int64_t a : *axes) {
    BG_ASSIGN_OR_RETURN(int64_t n, NormalizeAxis(a, out_rank, "axis"));
    if (inserted[static_cast<size_t>(n)]) return MalformedError("repeated axis " + std::to_string(a));
    inserted[static_cast<size_t>(n)] = true;
  }
  Shape out;
  size_t j = 0;
  for (int64_t i = 0; i < out_rank; ++i) out.push_back(inserted[static_cast<size_t>(i)] ? 1 : in[j++]);
  ctx.SetOutput(0, ctx.input_dtype(0), out);
  return OkStatus();
}

Status InferSqueeze(InferContext& ctx) {
  BG_ASSIGN_OR_RETURN(auto axes, SqueezeAxes(ctx));
  const Shape& in = ctx.input_shape(0);
  int64_t rank = static_cast<int64_t>(in.size());
  std::vector<bool> drop(in.size(), false);
  if (axes.has_value()) {
    for (int64_t a : *axes) {
      BG_ASSIGN_OR_RETURN(int64_t n, NormalizeAxis(a, rank, "axis"));
      if (in[static_cast<size_t>(n)] != 1) {
        return MalformedError("cannot squeeze axis " + std::to_string(a) + " of size " +
                              std::to_string(in[static_cast<size_t>(n)]));
      }
      drop[static_cast<size_t>(n)] = true;
    }
  } else {
    for (size_t i = 0; i < in.size(); ++i) drop[i] = in[i] == 1;
  }
  Shape out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (!drop[i]) out.push_back(in[i]);
  }
  ctx.SetOutput(0, ctx.input_dtype(0), out);
  return OkStatus();
}

// ---------------------------------------------------------------------------------------------
// Strided copy used by Slice: out[i0..] = in[base + sum(i_k * stride_k)], strides in elements.

template <typename T>
void StridedCopy(const T* in, int64_t base, const Shape& out_shape,
                 const std::vector<int64_t>& in_strides, T* out) {
  size_t rank = out_shape.size();
  int64_t total = NumElements(out_shape);
  if (total == 0) return;
  if (rank == 0) {
    out[0] = in[base];
    return;
  }
  int64_t inner = out_shape[rank - 1];
  int64_t inner_stride = in_strides[rank - 1];
  std::vector<int64_t> idx(rank, 0);
  int64_t rows = total / inner;
  for (int64_t r = 0; r < rows; ++r) {
    int64_t off = base;
    for (size_t k = 0; k + 1 < rank; ++k) off += idx[k] * in_strides[k];
    const T* src = in + off;
    if (inner_stride == 1) {
      std::memcpy(out, src, static_cast<size_t>(inner) * sizeof(T));
    } else {
      for (int64_t i = 0; i < inner; ++i) out[i] = src[i * inner_stride];
    }
    out += inner;
    for (size_t k = rank - 1; k-- > 0;) {
      if (++idx[k] < out_shape[k]) break;
      idx[k] = 0;
    }
  }
}

template <typename F>
Status DispatchBySize(size_t size, F&& f) {
  switch (size) {
    case 1: return f(uint8_t{});
    case 2: return f(uint16_t{});
    case 4: return f(uint32_t{});
    case 8: return f(uint64_t{});
  }
  return InternalError("element size " + std::to_string(size));
}

// ---------------------------------------------------------------------------------------------
// Slice

struct SlicePlan {
  Shape out_shape;
  int64_t base = 0;                  // element offset of the first output element
  std::vector<int64_t> in_strides;   // per output dim, in elements (step included)
};

StatusOr<SlicePlan> PlanSlice(const InferContext& ctx) {
  std::vector<int64_t> starts, ends, axes, steps;
  bool has_axes = false, has_steps = false;
  if (ctx.opset() < 10) {
    BG_RETURN_IF_ERROR(CheckKnownAttrs(ctx.node(), {"starts", "ends", "axes"}));
    BG_RETURN_IF_ERROR(CheckInputs(ctx, 1, 1));
    BG_ASSIGN_OR_RETURN(starts, AttrInts(ctx.node(), "starts", {}));
    BG_ASSIGN_OR_RETURN(ends, AttrInts(ctx.node(), "ends", {}));
    has_axes = ctx.node().HasAttr("axes");
    BG_ASSIGN_OR_RETURN(axes, AttrInts(ctx.node(), "axes", {}));
  } else {
    BG_RETURN_IF_ERROR(CheckKnownAttrs(ctx.node(), {}));
    BG_RETURN_IF_ERROR(CheckInputs(ctx, 3, 5));
    const char* names[] = {"", "starts", "ends", "axes", "steps"};
    std::vector<int64_t>* dst[] = {nullptr, &starts, &ends, &axes, &steps};
    for (int i = 1; i <= 4; ++i) {
      if (!ctx.has_input(i)) continue;
      BG_ASSIGN_OR_RETURN(const Tensor* t, RequireConstantInput(ctx, i, names[i]));
      if (t->rank() != 1) return MalformedError(std::string(names[i]) + " must be 1-D");
      BG_ASSIGN_OR_RETURN(*dst[i], TensorToInts(*t, names[i]));
    }
    has_axes = ctx.has_input(3);
    has_steps = ctx.has_input(4);
  }
  const Shape& in = ctx.input_shape(0);
  int64_t rank = static_cast<int64_t>(in.size());
  if (starts.size() != ends.size()) return MalformedError("starts and ends differ in length");
  if (!has_axes) {
    axes.resize(starts.size());
    for (size_t i = 0; i < axes.size(); ++i) axes[i] = static_cast<int64_t>(i);
  }
  if (!has_steps) steps.assign(starts.size(), 1);
  if (axes.size() != starts.size() || steps.size() != starts.size()) {
    return MalformedError("starts, ends, axes and steps differ in length");
  }
  std::vector<int64_t> start_of(static_cast<size_t>(rank), 0), step_of(static_cast<size_t>(rank), 1);
  Shape out = in;
  std::vector<bool> seen(static_cast<size_t>(rank), false);
  for (size_t i = 0; i < starts.size(); ++i) {
    BG_ASSIGN_OR_RETURN(int64_t ax, NormalizeAxis(axes[i], rank, "axis"));
    size_t a = static_cast<size_t>(ax);
    if (seen[a]) return MalformedError("repeated axis " + std::to_string(axes[i]));
    seen[a] = true;
    int64_t dim = in[a], step = steps[i];
    if (step == 0) return MalformedError("slice step is 0");
    // Clamp in a way that never overflows for INT64_MIN/INT64_MAX sentinels.
    int64_t s = starts[i], e = ends[i];
    if (s < 0) s = s < -dim ? -1 : s + dim;  // -1 marks "before the start"
    if (e < 0) e = e < -dim ? -1 : e + dim;
    int64_t count;
    if (step > 0) {
      s = std::clamp<int64_t>(s, 0, dim);
      e = std::clamp<int64_t>(e, 0, dim);
      count = e > s ? (e - s + step - 1) / step : 0;
    } else {
      s = std::clamp<int64_t>(s, -1, dim - 1);
      e = std::clamp<int64_t>(e, -1, dim - 1);
      count = s > e ? (s - e + (-step) - 1) / (-step) : 0;
    }
    if (count == 0) s = 0;
    start_of[a] = s;
    step_of[a] = step;
    out[a] = count;
  }
  SlicePlan plan;
  plan.out_shape = out;
  std::vector<int64_t> strides = StridesOf(in);
  plan.in_strides.resize(static_cast<size_t>(rank));
  for (size_t a = 0; a < static_cast<size_t>(rank); ++a) {
    plan.base += start_of[a] * strides[a];
    plan.in_strides[a] = step_of[a] * strides[a];
  }
  return plan;
}

Status InferSlice(InferContext& ctx) {
  BG_ASSIGN_OR_RETURN(SlicePlan plan, PlanSlice(ctx));
  ctx.SetOutput(0, ctx.input_dtype(0), plan.out_shape);
  return OkStatus();
}

StatusOr<std::unique_ptr<Kernel>> CreateSlice(InferContext& ctx) {
  BG_ASSIGN_OR_RETURN(SlicePlan plan, PlanSlice(ctx));
  return MakeKernel([plan](KernelContext& kc) -> Status {
    const Tensor& in = *kc.inputs[0];
    Tensor& out = *kc.outputs[0];
    return DispatchBySize(DTypeSize(in.dtype()), [&](auto tag) -> Status {
      using T = decltype(tag);
      StridedCopy(in.data<T>(), plan.base, plan.out_shape, plan.in_strides, out.data<T>());
      return OkStatus();
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Concat

struct ConcatPlan {
  int64_t axis = 0;
};

StatusOr<ConcatPlan> PlanConcat(InferContext& ctx, Shape* out_shape) {
  BG_RETURN_IF_ERROR(CheckKnownAttrs(ctx.node(), {"axis"}));
  if (ctx.num_inputs() < 1) return MalformedError("Concat needs at least one input");
  BG_RETURN_IF_ERROR(CheckInputs(ctx, ctx.num_inputs(), ctx.num_inputs()));
  if (!ctx.node().HasAttr("axis")) return MalformedError("Concat needs 'axis'");
  BG_ASSIGN_OR_RETURN(int64_t axis, AttrInt(ctx.node(), "axis", 0));
  const Shape& first = ctx.input_shape(0);
  int64_t rank = static_cast<int64_t>(first.size());
  BG_ASSIGN_OR_RETURN(axis, NormalizeAxis(axis, rank, "axis"));
  Shape out = first;
  out[static_cast<size_t>(axis)] = 0;
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    const Shape& s = ctx.input_shape(i);
    if (ctx.input_dtype(i) != ctx.input_dtype(0)) return MalformedError("inputs differ in type");
    if (s.size() != first.size()) return MalformedError("inputs differ in rank");
    for (size_t d = 0; d < s.size(); ++d) {
      if (d != static_cast<size_t>(axis) && s[d] != first[d]) {
        return MalformedError("input " + std::to_string(i) + " shape " + ShapeToString(s) +
                              " does not match " + ShapeToString(first));
      }
    }
    out[static_cast<size_t>(axis)] += s[static_cast<size_t>(axis)];
  }
  *out_shape = out;
  return ConcatPlan{axis};
}

Status InferConcat(InferContext& ctx) {
  Shape out;
  BG_ASSIGN_OR_RETURN(ConcatPlan plan, PlanConcat(ctx, &out));
  (void)plan;
  ctx.SetOutput(0, ctx.input_dtype(0), out);
  return OkStatus();
}

StatusOr<std::unique_ptr<Kernel>> CreateConcat(InferContext& ctx) {
  Shape out_shape;
  BG_ASSIGN_OR_RETURN(ConcatPlan plan, PlanConcat(ctx, &out_shape));
  return MakeKernel([plan](KernelContext& kc) -> Status {
    Tensor& out = *kc.outputs[0];
    size_t esize = DTypeSize(out.dtype());
    const Shape& os = out.shape();
    size_t axis = static_cast<size_t>(plan.axis);
    int64_t outer = 1, inner = 1;
    for (size_t d = 0; d < axis; ++d) outer *= os[d];
    for (size_t d = axis + 1; d < os.size(); ++d) inner *= os[d];
    size_t out_row = static_cast<size_t>(os[axis] * inner) * esize;
    size_t offset = 0;
    for (const Tensor* in : kc.inputs) {
      size_t row = static_cast<size_t>(in->dim(static_cast<int>(axis)) * inner) * esize;
      if (row == 0) continue;
      const auto* src = static_cast<const uint8_t*>(in->raw());
      auto* dst = static_cast<uint8_t*>(out.raw()) + offset;
      if (src == dst && outer == 1) {  // the memory plan computed this input in place
        offset += row;
        continue;
      }
      for (int64_t o = 0; o < outer; ++o) {
        std::memcpy(dst + static_cast<size_t>(o) * out_row, src + static_cast<size_t>(o) * row, row);
      }
      offset += row;
    }
    return OkStatus();
  });
}

// ---------------------------------------------------------------------------------------------
// Gather

StatusOr<int64_t> GatherAxis(InferContext& ctx) {
  BG_RETURN_IF_ERROR(CheckKnownAttrs(ctx.node(), {"axis"}));
  BG_RETURN_IF_ERROR(CheckInputs(ctx, 2, 2));
  BG_RETURN_IF_ERROR(CheckInputDType(ctx, 1, {DType::kInt32, DType::kInt64}));
  BG_ASSIGN_OR_RETURN(int64_t axis, AttrInt(ctx.node(), "axis", 0));
  return NormalizeAxis(axis, static_cast<int64_t>(ctx.input_shape(0).size()), "axis");
}

Status InferGather(InferContext& ctx) {
  BG_ASSIGN_OR_RETURN(int64_t axis, GatherAxis(ctx));
  const Shape& data = ctx.input_shape(0);
  const Shape& idx = ctx.input_shape(1);
  Shape out(data.begin(), data.begin() + axis);
  out.insert(out.end(), idx.begin(), idx.end());
  out.insert(out.end(), data.begin() + axis + 1, data.end());
  if (out.size() > static_cast<size_t>(kMaxRank)) return UnsupportedError("output rank too large");
  ctx.SetOutput(0, ctx.input_dtype(0), out);
  return OkStatus();
}

StatusOr<std::unique_ptr<Kernel>> CreateGather(InferContext& ctx) {
  BG_ASSIGN_OR_RETURN(int64_t axis, GatherAxis(ctx));
  return MakeKernel([axis](KernelContext& kc) -> Status {
    const Tensor& data = *kc.inputs[0];
    const Tensor& idx_t = *kc.inputs[1];
    Tensor& out = *kc.outputs[0];
    size_t esize = DTypeSize(data.dtype());
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < axis; ++d) outer *= data.dim(d);
    for (int d = static_cast<int>(axis) + 1; d < data.rank(); ++d) inner *= data.dim(d);
    int64_t n = data.dim(static_cast<int>(axis));
    BG_ASSIGN_OR_RETURN(std::vector<int64_t> idx, TensorToInts(idx_t, "indices"));
    for (int64_t& i : idx) {
      if (i < -n || i >= n) {
        return InvalidArgumentError("index " + std::to_string(i) + " out of range for size " +
                                    std::to_string(n));
      }
      if (i < 0) i += n;
    }
    size_t block = static_cast<size_t>(inner) * esize;
    const auto* src = static_cast<const uint8_t*>(data.raw());
    auto* dst = static_cast<uint8_t*>(out.raw());
    for (int64_t o = 0; o < outer; ++o) {
      for (int64_t i : idx) {
        std::memcpy(dst, src + static_cast<size_t>(o * n + i) * block, block);
        dst += block;
      }
    }
    return OkStatus();
  });
}

}  // namespace

void AppendTensorSchemas(std::vector<OpSchema>* out) {
  out->push_back({"", "Constant", InferConstant, CreateConstant, false});
  out->push_back({"", "Shape", InferShape, CreateShape, false});
  out->push_back({"", "Identity", InferIdentity, nullptr, true});
  out->push_back({"", "Reshape", InferReshape, nullptr, true});
  out->push_back({"", "Flatten", InferFlatten, nullptr, true});
  out->push_back({"", "Unsqueeze", InferUnsqueeze, nullptr, true});
  out->push_back({"", "Squeeze", InferSqueeze, nullptr, true});
  out->push_back({"", "Slice", InferSlice, CreateSlice, false});
  out->push_back({"", "Concat", InferConcat, CreateConcat, false, false, true});
  out->push_back({"", "Gather", InferGather, CreateGather, false});
}

}  // namespace bgone::kernels
