// Elementwise ops: Add, Sub, Mul, Div (numpy broadcasting), Relu, Sigmoid, Clip.
// Work is split into fixed chunks of elements; each element's result does not depend on the split.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>

#include "engine/kernels/elementwise.h"
#include "engine/kernels/kernel_util.h"

namespace bgone::kernels {

// exp(x) for float with ~1 ulp error, written so loops over it vectorise (no libm call):
// x = n*ln2 + r, |r| <= ln2/2, exp(r) by a degree-6 polynomial, 2^n by building the exponent.
static inline float ExpApprox(float x) {
  x = x > -87.0f ? x : -87.0f;  // also maps NaN to a finite value (callers restore NaN)
  x = x < 88.0f ? x : 88.0f;
  constexpr float kLog2e = 1.44269504088896341f;
  constexpr float kRound = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer
  float n = (x * kLog2e + kRound) - kRound;
  float r = x - n * 0.693359375f;         // ln2 high part (exact in float)
  r = r - n * -2.12194440e-4f;            // ln2 low part
  float p = 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  int32_t bits = (static_cast<int32_t>(n) + 127) << 23;
  float scale;
  std::memcpy(&scale, &bits, 4);
  return p * scale;
}

void SigmoidF32(const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    float v = x[i];
    float s = 1.0f / (1.0f + ExpApprox(-v));
    y[i] = v == v ? s : v;  // NaN propagates
  }
}

void ReluF32(const float* x, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

namespace {

enum class BinOp { kAdd, kSub, kMul, kDiv };

// Integer ops wrap (two's complement) like ONNX Runtime instead of invoking undefined behaviour.
template <BinOp op, typename T>
inline T Apply(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    if constexpr (op == BinOp::kAdd) return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
    if constexpr (op == BinOp::kSub) return static_cast<T>(static_cast<U>(a) - static_cast<U>(b));
    if constexpr (op == BinOp::kMul) {
      // Promote to at least unsigned int so uint16*uint16 cannot overflow a signed int.
      using W = std::conditional_t<(sizeof(U) < sizeof(unsigned)), unsigned, U>;
      return static_cast<T>(static_cast<W>(static_cast<U>(a)) * static_cast<W>(static_cast<U>(b)));
    }
    if constexpr (op == BinOp::kDiv) {
      if constexpr (std::is_signed_v<T>) {
        if (b == -1) return static_cast<T>(U{0} - static_cast<U>(a));  // avoids MIN / -1
      }
      return static_cast<T>(a / b);  // b != 0 checked before the loop
    }
  } else {
    if constexpr (op == BinOp::kAdd) return a + b;
    if constexpr (op == BinOp::kSub) return a - b;
    if constexpr (op == BinOp::kMul) return a * b;
    if constexpr (op == BinOp::kDiv) return a / b;
  }
}

// Broadcast iteration plan: dims with size-1 axes dropped and compatible neighbours merged.
// The innermost dim has stride 0 or 1 in each input.
struct BroadcastPlan {
  std::vector<int64_t> dims, sa, sb;  // outer to inner
  int64_t total = 0;
};

BroadcastPlan MakeBroadcastPlan(const Shape& a, const Shape& b, const Shape& out) {
  size_t r = out.size();
  Shape pa(r, 1), pb(r, 1);
  std::copy(a.begin(), a.end(), pa.begin() + static_cast<std::ptrdiff_t>(r - a.size()));
  std::copy(b.begin(), b.end(), pb.begin() + static_cast<std::ptrdiff_t>(r - b.size()));
  std::vector<int64_t> ta = StridesOf(pa), tb = StridesOf(pb);
  BroadcastPlan p;
  p.total = NumElements(out);
  for (size_t i = 0; i < r; ++i) {
    if (out[i] == 1) continue;
    int64_t sa = pa[i] == 1 ? 0 : ta[i];
    int64_t sb = pb[i] == 1 ? 0 : tb[i];
    if (!p.dims.empty()) {
      size_t k = p.dims.size() - 1;
      if (p.sa[k] == sa * out[i] && p.sb[k] == sb * out[i]) {
        p.dims[k] *= out[i];
        p.sa[k] = sa;
        p.sb[k] = sb;
        continue;
      }
    }
    p.dims.push_back(out[i]);
    p.sa.push_back(sa);
    p.sb.push_back(sb);
  }
  if (p.dims.empty()) {
    p.dims = {1};
    p.sa = {0};
    p.sb = {0};
  }
  return p;
}

template <BinOp op, typename T>
void BinaryRange(const BroadcastPlan& p, const T* a, const T* b, T* out, int64_t begin,
                 int64_t end) {
  size_t r = p.dims.size();
  int64_t inner = p.dims[r - 1];
  int64_t ia = p.sa[r - 1], ib = p.sb[r - 1];
  int64_t e = begin;
  while (e < end) {
    int64_t row = e / inner, col = e % inner;
    int64_t oa = 0, ob = 0, rem = row;
    for (size_t k = r - 1; k-- > 0;) {
      int64_t idx = rem % p.dims[k];
      rem /= p.dims[k];
      oa += idx * p.sa[k];
      ob += idx * p.sb[k];
    }
    int64_t n = std::min(inner - col, end - e);
    const T* pa = a + oa + col * ia;
    const T* pb = b + ob + col * ib;
    T* po = out + e;
    if (ia == 1 && ib == 1) {
      for (int64_t i = 0; i < n; ++i) po[i] = Apply<op>(pa[i], pb[i]);
    } else if (ia == 1) {
      T vb = pb[0];
      for (int64_t i = 0; i < n; ++i) po[i] = Apply<op>(pa[i], vb);
    } else if (ib == 1) {
      T va = pa[0];
      for (int64_t i = 0; i < n; ++i) po[i] = Apply<op>(va, pb[i]);
    } else {
      T v = Apply<op>(pa[0], pb[0]);
      for (int64_t i = 0; i < n; ++i) po[i] = v;
    }
    e += n;
  }
}

template <BinOp op>
Status InferBinary(InferContext& ctx) {
  BG_RETURN_IF_ERROR(CheckKnownAttrs(ctx.node(), {}));
  BG_RETURN_IF_ERROR(CheckInputs(ctx, 2, 2));
  if (ctx.input_dtype(0) != ctx.input_dtype(1)) {
    return MalformedError(std::string("input types differ: ") + DTypeName(ctx.input_dtype(0)) +
                          " and " + DTypeName(ctx.input_dtype(1)));
  }
  BG_RETURN_IF_ERROR(DispatchNumeric(ctx.input_dtype(0), ctx.node().op_type.c_str(),
                                     [](auto) { return OkStatus(); }));
  BG_ASSIGN_OR_RETURN(Shape out, BroadcastShapes(ctx.input_shape(0), ctx.input_shape(1)));
  ctx.SetOutput(0, ctx.input_dtype(0), out);
  return OkStatus();
}

template <BinOp op>
StatusOr<std::unique_ptr<Kernel>> CreateBinary(InferContext& ctx) {
  BG_ASSIGN_OR_RETURN(Shape out, BroadcastShapes(ctx.input_shape(0), ctx.input_shape(1)));
  BroadcastPlan plan = MakeBroadcastPlan(ctx.input_shape(0), ctx.input_shape(1), out);
  DType dtype = ctx.input_dtype(0);
  return MakeKernel([plan, dtype](KernelContext& kc) -> Status {
    const Tensor& a = *kc.inputs[0];
    const Tensor& b = *kc.inputs[1];
    Tensor& o = *kc.outputs[0];
    return DispatchNumeric(dtype, "binary op", [&](auto tag) -> Status {
      using T = decltype(tag);
      if constexpr (op == BinOp::kDiv && std::is_integral_v<T>) {
        const T* pb = b.data<T>();
        for (int64_t i = 0; i < b.size(); ++i) {
          if (pb[i] == 0) return InvalidArgumentError("integer division by zero");
        }
      }
      int64_t chunks = (plan.total + kElementwiseGrain - 1) / kElementwiseGrain;
      ParallelFor(kc.pool, chunks, [&](int64_t c0, int64_t c1) {
        BinaryRange<op, T>(plan, a.data<T>(), b.data<T>(), o.data<T>(), c0 * kElementwiseGrain,
                           std::min(plan.total, c1 * kElementwiseGrain));
      });
      return OkStatus();
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Unary

// Runs f(x, y, n) over fixed chunks of a same-shape input/output pair.
template <typename T, typename F>
void ChunkedUnary(ThreadPool* pool, const T* x, T* y, int64_t n, F f) {
  int64_t chunks = (n + kElementwiseGrain - 1) / kElementwiseGrain;
  ParallelFor(pool, chunks, [&](int64_t c0, int64_t c1) {
    int64_t b = c0 * kElementwiseGrain, e = std::min(n, c1 * kElementwiseGrain);
    f(x + b, y + b, e - b);
  });
}

Status InferSameShape(InferContext& ctx, std::initializer_list<DType> types) {
  BG_RETURN_IF_ERROR(CheckKnownAttrs(ctx.node(), {}));
  BG_RETURN_IF_ERROR(CheckInputs(ctx, 1, 1));
  BG_RETURN_IF_ERROR(CheckInputDType(ctx, 0, types));
  ctx.SetOutput(0, ctx.input_dtype(0), ctx.input_shape(0));
  return OkStatus();
}

Status InferRelu(InferContext& ctx) {
  return InferSameShape(ctx, {DType::kFloat32, DType::kFloat64, DType::kInt8, DType::kInt16,
                              DType::kInt32, DType::kInt64});
}

StatusOr<std::unique_ptr<Kernel>> CreateRelu(InferContext& ctx) {
  DType dtype = ctx.input_dtype(0);
  return MakeKernel([dtype](KernelContext& kc) -> Status {
    const Tensor& x = *kc.inputs[0];
    Tensor& y = *kc.outputs[0];
    if (dtype == DType::kFloat32) {
      ChunkedUnary(kc.pool, x.data<float>(), y.data<float>(), x.size(), ReluF32);
      return OkStatus();
    }
    return DispatchNumeric(dtype, "Relu", [&](auto tag) -> Status {
      using T = decltype(tag);
      ChunkedUnary(kc.pool, x.data<T>(), y.data<T>(), x.size(), [](const T* a, T* b, int64_t n) {
        for (int64_t i = 0; i < n; ++i) b[i] = a[i] > T(0) ? a[i] : T(0);
      });
      return OkStatus();
    });
  });
}

Status InferSigmoid(InferContext& ctx) {
  return InferSameShape(ctx, {DType::kFloat32, DType::kFloat64});
}

StatusOr<std::unique_ptr<Kernel>> CreateSigmoid(InferContext& ctx) {
  DType dtype = ctx.input_dtype(0);
  return MakeKernel([dtype](KernelContext& kc) -> Status {
    const Tensor& x = *kc.inputs[0];
    Tensor& y = *kc.outputs[0];
    if (dtype == DType::kFloat32) {
      ChunkedUnary(kc.pool, x.data<float>(), y.data<float>(), x.size(), SigmoidF32);
    } else {
      ChunkedUnary(kc.pool, x.data<double>(), y.data<double>(), x.size(),
                   [](const double* a, double* b, int64_t n) {
                     for (int64_t i = 0; i < n; ++i) b[i] = 1.0 / (1.0 + std::exp(-a[i]));
                   });
    }
    return OkStatus();
  });
}

// Clip: bounds are attributes before opset 11 and optional scalar inputs from 11 on.
Status InferClip(InferContext& ctx) {
  if (ctx.opset() < 11) {
    BG_RETURN_IF_ERROR(CheckKnownAttrs(ctx.node(), {"min", "max"}));
    BG_RETURN_IF_ERROR(CheckInputs(ctx, 1, 1));
    BG_RETURN_IF_ERROR(CheckInputDType(ctx, 0, {DType::kFloat32}));
  } else {
    BG_RETURN_IF_ERROR(CheckKnownAttrs(ctx.node(), {}));
    BG_RETURN_IF_ERROR(CheckInputs(ctx, 1, 3));
    BG_RETURN_IF_ERROR(DispatchNumeric(ctx.input_dtype(0), "Clip", [](auto) { return OkStatus(); }));
    for (int i = 1; i <= 2; ++i) {
      if (!ctx.has_input(i)) continue;
      if (ctx.input_dtype(i) != ctx.input_dtype(0)) return MalformedError("bound type differs from input");
      if (NumElements(ctx.input_shape(i)) != 1) return MalformedError("bounds must be scalars");
    }
  }
  ctx.SetOutput(0, ctx.input_dtype(0), ctx.input_shape(0));
  return OkStatus();
}

StatusOr<std::unique_ptr<Kernel>> CreateClip(InferContext& ctx) {
  float attr_min = std::numeric_limits<float>::lowest(), attr_max = std::numeric_limits<float>::max();
  bool use_attrs = ctx.opset() < 11;
  if (use_attrs) {
    BG_ASSIGN_OR_RETURN(attr_min, AttrFloat(ctx.node(), "min", attr_min));
    BG_ASSIGN_OR_RETURN(attr_max, AttrFloat(ctx.node(), "max", attr_max));
  }
  DType dtype = ctx.input_dtype(0);
  return MakeKernel([=](KernelContext& kc) -> Status {
    const Tensor& x = *kc.inputs[0];
    Tensor& y = *kc.outputs[0];
    return DispatchNumeric(dtype, "Clip", [&](auto tag) -> Status {
      using T = decltype(tag);
      T lo = std::numeric_limits<T>::lowest(), hi = std::numeric_limits<T>::max();
      if constexpr (std::is_same_v<T, float>) {
        if (use_attrs) {
          lo = attr_min;
          hi = attr_max;
        }
      }
      if (kc.inputs.size() > 1 && kc.inputs[1] != nullptr) lo = kc.inputs[1]->data<T>()[0];
      if (kc.inputs.size() > 2 && kc.inputs[2] != nullptr) hi = kc.inputs[2]->data<T>()[0];
      // min(max(x, lo), hi): when lo > hi every output is hi, as ONNX specifies.
      ChunkedUnary(kc.pool, x.data<T>(), y.data<T>(), x.size(), [lo, hi](const T* a, T* b, int64_t n) {
        for (int64_t i = 0; i < n; ++i) {
          T v = a[i] < lo ? lo : a[i];
          b[i] = v > hi ? hi : v;
        }
      });
      return OkStatus();
    });
  });
}

}  // namespace

void AppendElementwiseSchemas(std::vector<OpSchema>* out) {
  out->push_back({"", "Add", InferBinary<BinOp::kAdd>, CreateBinary<BinOp::kAdd>, false, true, true});
  out->push_back({"", "Sub", InferBinary<BinOp::kSub>, CreateBinary<BinOp::kSub>, false, true, true});
  out->push_back({"", "Mul", InferBinary<BinOp::kMul>, CreateBinary<BinOp::kMul>, false, true, true});
  out->push_back({"", "Div", InferBinary<BinOp::kDiv>, CreateBinary<BinOp::kDiv>, false, true, true});
  out->push_back({"", "Relu", InferRelu, CreateRelu, false, true, true});
  out->push_back({"", "Sigmoid", InferSigmoid, CreateSigmoid, false, true, true});
  out->push_back({"", "Clip", InferClip, CreateClip, false, true, true});
}

}  // namespace bgone::kernels
