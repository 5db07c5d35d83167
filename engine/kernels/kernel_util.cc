#include "engine/kernels/kernel_util.h"

#include <algorithm>

namespace bgone::kernels {

Status CheckInputs(const InferContext& ctx, int required, int max_inputs) {
  if (ctx.num_inputs() > max_inputs) {
    return MalformedError("has " + std::to_string(ctx.num_inputs()) + " inputs, at most " +
                          std::to_string(max_inputs) + " allowed");
  }
  for (int i = 0; i < required; ++i) {
    if (!ctx.has_input(i)) return MalformedError("input " + std::to_string(i) + " is missing");
  }
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    if (ctx.has_input(i) && DTypeSize(ctx.input_dtype(i)) == 0) {
      return UnsupportedError("input " + std::to_string(i) + " has type " +
                              DTypeName(ctx.input_dtype(i)));
    }
  }
  return OkStatus();
}

Status CheckInputDType(const InferContext& ctx, int i, std::initializer_list<DType> allowed) {
  DType t = ctx.input_dtype(i);
  for (DType a : allowed) {
    if (a == t) return OkStatus();
  }
  return UnsupportedError("input " + std::to_string(i) + " has unsupported type " + DTypeName(t));
}

Status CheckMaxOutputs(const InferContext& ctx, int max_outputs) {
  for (int i = max_outputs; i < ctx.num_outputs(); ++i) {
    if (ctx.has_output(i)) {
      return UnsupportedError("output " + std::to_string(i) + " is not supported");
    }
  }
  return OkStatus();
}

StatusOr<std::vector<int64_t>> TensorToInts(const Tensor& t, const std::string& what) {
  std::vector<int64_t> v(static_cast<size_t>(t.size()));
  if (t.dtype() == DType::kInt64) {
    std::copy(t.data<int64_t>(), t.data<int64_t>() + t.size(), v.begin());
  } else if (t.dtype() == DType::kInt32) {
    std::copy(t.data<int32_t>(), t.data<int32_t>() + t.size(), v.begin());
  } else {
    return UnsupportedError(what + " has type " + DTypeName(t.dtype()) + ", expected int64 or int32");
  }
  return v;
}

StatusOr<std::vector<float>> TensorToFloats(const Tensor& t, const std::string& what) {
  std::vector<float> v(static_cast<size_t>(t.size()));
  if (t.dtype() == DType::kFloat32) {
    std::copy(t.data<float>(), t.data<float>() + t.size(), v.begin());
  } else if (t.dtype() == DType::kFloat64) {
    for (int64_t i = 0; i < t.size(); ++i) v[i] = static_cast<float>(t.data<double>()[i]);
  } else if (t.dtype() == DType::kFloat16) {
    for (int64_t i = 0; i < t.size(); ++i) v[i] = HalfToFloat(t.data<uint16_t>()[i]);
  } else {
    return UnsupportedError(what + " has type " + DTypeName(t.dtype()) + ", expected a float type");
  }
  return v;
}

StatusOr<const Tensor*> RequireConstantInput(const InferContext& ctx, int i,
                                             const std::string& what) {
  const Tensor* t = ctx.input_constant(i);
  if (t == nullptr) {
    return UnsupportedError(what + " (input " + std::to_string(i) +
                            ") must be a constant known when the session is prepared");
  }
  return t;
}

StatusOr<Shape> BroadcastShapes(const Shape& a, const Shape& b) {
  size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da == db || db == 1) {
      out[i] = da;
    } else if (da == 1) {
      out[i] = db;
    } else {
      return MalformedError("shapes " + ShapeToString(a) + " and " + ShapeToString(b) +
                            " cannot be broadcast");
    }
  }
  return out;
}

StatusOr<int64_t> NormalizeAxis(int64_t axis, int64_t rank, const std::string& what) {
  if (axis < -rank || axis >= rank) {
    return MalformedError(what + " " + std::to_string(axis) + " is out of range for rank " +
                          std::to_string(rank));
  }
  return axis < 0 ? axis + rank : axis;
}

std::vector<int64_t> StridesOf(const Shape& shape) {
  std::vector<int64_t> s(shape.size());
  int64_t acc = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

}  // namespace bgone::kernels
