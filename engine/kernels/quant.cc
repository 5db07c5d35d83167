// Integer ops of quantized models: DynamicQuantizeLinear, ConvInteger, MatMulInteger and
// DequantizeLinear.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <type_traits>

#include "engine/kernels/conv.h"
#include "engine/kernels/kernel_util.h"
#include "engine/kernels/quant.h"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

// The element loops below are memory-streaming over whole activations (64 channels at 1024 x 1024
// in IS-Net): natively they get an AVX-512 clone besides the SSE2 baseline, picked once at load
// time. Same operations per element (division, compare-selects, the add/sub rounding), so the same
// bits either way.
#if (defined(__x86_64__) || defined(__i386__)) && !defined(__EMSCRIPTEN__) && defined(__linux__)
#define BGONE_ELEMENTWISE_CLONES __attribute__((target_clones("avx512f", "default")))
#else
#define BGONE_ELEMENTWISE_CLONES
#endif

namespace bgone::kernels {

BGONE_ELEMENTWISE_CLONES void MinMaxF32(const float* x, int64_t n, float* min_out, float* max_out) {
  constexpr int kLanes = 16;
  float lo[kLanes], hi[kLanes];
  float first = n > 0 ? x[0] : 0.0f;
  for (int j = 0; j < kLanes; ++j) lo[j] = hi[j] = first;
  int64_t i = 0;
#if defined(__wasm_simd128__)
  // LLVM leaves the loop below scalar in WebAssembly (a compare and a branch per element).
  // f32x4.pmin(a, b) is b < a ? b : a and pmax(a, b) is a < b ? b : a, exactly std::min and
  // std::max, lane for lane: the same results.
  {
    v128_t vlo[kLanes / 4], vhi[kLanes / 4];
    for (int k = 0; k < kLanes / 4; ++k) vlo[k] = vhi[k] = wasm_f32x4_splat(first);
    for (; i + kLanes <= n; i += kLanes) {
      for (int k = 0; k < kLanes / 4; ++k) {
        const v128_t v = wasm_v128_load(x + i + 4 * k);
        vlo[k] = wasm_f32x4_pmin(vlo[k], v);
        vhi[k] = wasm_f32x4_pmax(vhi[k], v);
      }
    }
    for (int k = 0; k < kLanes / 4; ++k) {
      wasm_v128_store(lo + 4 * k, vlo[k]);
      wasm_v128_store(hi + 4 * k, vhi[k]);
    }
  }
#endif
  for (; i + kLanes <= n; i += kLanes) {
    for (int j = 0; j < kLanes; ++j) {
      lo[j] = std::min(lo[j], x[i + j]);
      hi[j] = std::max(hi[j], x[i + j]);
    }
  }
  for (; i < n; ++i) {
    lo[0] = std::min(lo[0], x[i]);
    hi[0] = std::max(hi[0], x[i]);
  }
  float a = lo[0], b = hi[0];
  for (int j = 1; j < kLanes; ++j) {
    a = std::min(a, lo[j]);
    b = std::max(b, hi[j]);
  }
  *min_out = a;
  *max_out = b;
}

void DynamicQuantParams(float min_value, float max_value, float* scale, uint8_t* zero_point) {
  float lo = std::min(min_value, 0.0f), hi = std::max(max_value, 0.0f);
  // As ONNX Runtime: an all-zero range gets scale 1 instead of dividing by zero.
  float s = hi == lo ? 1.0f : (hi - lo) / 255.0f;
  float zp = 0.0f - lo / s;
  zp = zp > 0.0f ? zp : 0.0f;  // also maps NaN to 0
  zp = zp < 255.0f ? zp : 255.0f;
  *scale = s;
  *zero_point = static_cast<uint8_t>(std::nearbyint(zp));
}

BGONE_ELEMENTWISE_CLONES void QuantizeLinearU8(const float* x, int64_t n, float scale, uint8_t zero_point, uint8_t* y) {
  const float lo = -static_cast<float>(zero_point), hi = 255.0f - static_cast<float>(zero_point);
  const float zp = static_cast<float>(zero_point);
  constexpr float kRound = 12582912.0f;  // 1.5 * 2^23: (v + kRound) - kRound rounds half to even
  for (int64_t i = 0; i < n; ++i) {
    float v = x[i] / scale;
    v = v > lo ? v : lo;  // NaN -> lo
    v = v < hi ? v : hi;
    v = (v + kRound) - kRound;
    y[i] = static_cast<uint8_t>(static_cast<int32_t>(v + zp));
  }
}

namespace {

// ---------------------------------------------------------------------------------------------
// DynamicQuantizeLinear

Status InferDql(InferContext& ctx) {
  BG_RETURN_IF_ERROR(CheckKnownAttrs(ctx.node(), {}));
  BG_RETURN_IF_ERROR(CheckInputs(ctx, 1, 1));
  BG_RETURN_IF_ERROR(CheckInputDType(ctx, 0, {DType::kFloat32}));
  ctx.SetOutput(0, DType::kUInt8, ctx.input_shape(0));
  ctx.SetOutput(1, DType::kFloat32, {});
  ctx.SetOutput(2, DType::kUInt8, {});
  return OkStatus();
}

StatusOr<std::unique_ptr<Kernel>> CreateDql(InferContext& ctx) {
  return MakeKernel([](KernelContext& kc) -> Status {
    const Tensor& x = *kc.inputs[0];
    const float* px = x.data<float>();
    int64_t n = x.size();
    int64_t chunks = (n + kElementwiseGrain - 1) / kElementwiseGrain;
    std::vector<float> mins(static_cast<size_t>(std::max<int64_t>(chunks, 1)), 0.0f);
    std::vector<float> maxs(mins.size(), 0.0f);
    ParallelFor(kc.pool, chunks, [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; ++c) {
        int64_t b = c * kElementwiseGrain, e = std::min(n, b + kElementwiseGrain);
        MinMaxF32(px + b, e - b, &mins[static_cast<size_t>(c)], &maxs[static_cast<size_t>(c)]);
      }
    });
    float lo = 0.0f, hi = 0.0f;
    for (int64_t c = 0; c < chunks; ++c) {
      lo = std::min(lo, mins[static_cast<size_t>(c)]);
      hi = std::max(hi, maxs[static_cast<size_t>(c)]);
    }
    float scale;
    uint8_t zp;
    DynamicQuantParams(lo, hi, &scale, &zp);
    if (Tensor* y = kc.outputs.size() > 0 ? kc.outputs[0] : nullptr) {
      uint8_t* py = y->data<uint8_t>();
      ParallelFor(kc.pool, chunks, [&](int64_t c0, int64_t c1) {
        int64_t b = c0 * kElementwiseGrain, e = std::min(n, c1 * kElementwiseGrain);
        QuantizeLinearU8(px + b, e - b, scale, zp, py + b);
      });
    }
    if (kc.outputs.size() > 1 && kc.outputs[1] != nullptr) kc.outputs[1]->data<float>()[0] = scale;
    if (kc.outputs.size() > 2 && kc.outputs[2] != nullptr) kc.outputs[2]->data<uint8_t>()[0] = zp;
    return OkStatus();
  });
}

// ---------------------------------------------------------------------------------------------
// ConvInteger

int32_t Read8(const Tensor& t, int64_t i) {
  return t.dtype() == DType::kInt8 ? static_cast<int32_t>(t.data<int8_t>()[i])
                                   : static_cast<int32_t>(t.data<uint8_t>()[i]);
}

// ConvInteger, or bgone.FusedConvInteger = ConvInteger -> Cast(float) -> Mul(scale) ->
// Add(bias) -> optional Relu with inputs (x, w, x_zero_point, w_zero_point, scale, bias).
bool IsFusedConvInteger(const InferContext& ctx) { return ctx.node().domain == "bgone"; }

StatusOr<ConvShape> PlanConvInteger(const InferContext& ctx, Shape* out_shape) {
  bool fused = IsFusedConvInteger(ctx);
  if (fused) {
    BG_RETURN_IF_ERROR(CheckKnownAttrs(ctx.node(), {"activation", "auto_pad", "dilations", "group",
                                                    "kernel_shape", "pads", "strides"}));
    BG_RETURN_IF_ERROR(CheckInputs(ctx, 2, 6));
    if (!ctx.has_input(4)) return MalformedError("FusedConvInteger needs a scale (input 4)");
    auto act = AttrString(ctx.node(), "activation", "");
    if (!act.ok()) return act.status();
    if (!act.value().empty() && act.value() != "Relu") {
      return UnsupportedError("activation '" + act.value() + "'");
    }
  } else {
    BG_RETURN_IF_ERROR(CheckKnownAttrs(ctx.node(), {"auto_pad", "dilations", "group", "kernel_shape",
                                                    "pads", "strides"}));
    BG_RETURN_IF_ERROR(CheckInputs(ctx, 2, 4));
  }
  BG_RETURN_IF_ERROR(CheckInputDType(ctx, 0, {DType::kUInt8, DType::kInt8}));
  BG_RETURN_IF_ERROR(CheckInputDType(ctx, 1, {DType::kUInt8, DType::kInt8}));
  BG_ASSIGN_OR_RETURN(ConvShape s, PlanConvNode(ctx, out_shape));
  if (ctx.has_input(2)) {
    if (ctx.input_dtype(2) != ctx.input_dtype(0)) return MalformedError("x_zero_point type differs from x");
    if (NumElements(ctx.input_shape(2)) != 1) {
      return UnsupportedError("x_zero_point must be a scalar");
    }
  }
  if (ctx.has_input(3)) {
    if (ctx.input_dtype(3) != ctx.input_dtype(1)) return MalformedError("w_zero_point type differs from w");
    int64_t n = NumElements(ctx.input_shape(3));
    if (n != 1 && !(ctx.input_shape(3).size() == 1 && n == s.out_c)) {
      return MalformedError("w_zero_point shape " + ShapeToString(ctx.input_shape(3)) +
                            ", expected a scalar or [" + std::to_string(s.out_c) + "]");
    }
  }
  if (fused) {
    for (int i = 4; i <= 5; ++i) {
      if (!ctx.has_input(i)) continue;
      BG_RETURN_IF_ERROR(CheckInputDType(ctx, i, {DType::kFloat32}));
      int64_t n = NumElements(ctx.input_shape(i));
      if (n != s.out_c && !(i == 4 && n == 1)) {
        return MalformedError(std::string(i == 4 ? "scale" : "bias") + " has " + std::to_string(n) +
                              " values for " + std::to_string(s.out_c) + " output channels");
      }
    }
  }
  return s;
}

Status InferConvInteger(InferContext& ctx) {
  Shape out;
  BG_ASSIGN_OR_RETURN(ConvShape s, PlanConvInteger(ctx, &out));
  (void)s;
  ctx.SetOutput(0, IsFusedConvInteger(ctx) ? DType::kFloat32 : DType::kInt32, out);
  return OkStatus();
}

std::vector<int32_t> WeightZeroPoints(const Tensor* zp, int64_t out_c) {
  std::vector<int32_t> v(static_cast<size_t>(out_c), 0);
  if (zp == nullptr) return v;
  for (int64_t i = 0; i < out_c; ++i) v[static_cast<size_t>(i)] = Read8(*zp, zp->size() == 1 ? 0 : i);
  return v;
}

class ConvIntegerKernel final : public Kernel {
 public:
  ConvIntegerKernel(ConvShape s, std::shared_ptr<const PackedConvInteger> packed, bool fused,
                    bool relu)
      : s_(s), packed_(std::move(packed)), fused_(fused), relu_(relu) {}

  // Packed weights (and their zero points) are copied, or for Winograd referenced, at create time.
  bool NeedsInputAtRun(int i) const override { return !(packed_ && (i == 1 || i == 3)); }

  Status Run(KernelContext& kc) override {
    const Tensor& x = *kc.inputs[0];
    const Tensor* x_zp = kc.inputs.size() > 2 ? kc.inputs[2] : nullptr;
    const Tensor* w_zp = kc.inputs.size() > 3 ? kc.inputs[3] : nullptr;
    ConvIntegerInputs in;
    in.x = x.raw();
    in.x_signed = x.dtype() == DType::kInt8;
    in.x_zero_point = x_zp ? Read8(*x_zp, 0) : 0;
    std::shared_ptr<const PackedConvInteger> packed = packed_;
    std::vector<int32_t> wzp;
    if (!packed) {
      const Tensor& w = *kc.inputs[1];
      wzp = WeightZeroPoints(w_zp, s_.out_c);
      in.w = w.raw();
      in.w_signed = w.dtype() == DType::kInt8;
      in.w_zero_points = wzp.data();
      BG_ASSIGN_OR_RETURN(packed, PackedConvInteger::Pack(s_, in, ConvIsa::kAuto, ConvIntScheme::kAuto, &w));
    }
    if (!fused_) return packed->Run(s_, in, kc.outputs[0]->data<int32_t>(), kc.pool);
    const Tensor* scale = kc.inputs[4];
    const Tensor* bias = kc.inputs.size() > 5 ? kc.inputs[5] : nullptr;
    ConvIntegerDequant dq;
    dq.scale = scale->data<float>();
    dq.scale_per_channel = scale->size() != 1;
    dq.bias = bias ? bias->data<float>() : nullptr;
    dq.relu = relu_;
    return packed->RunDequant(s_, in, dq, kc.outputs[0]->data<float>(), kc.pool);
  }

 private:
  ConvShape s_;
  std::shared_ptr<const PackedConvInteger> packed_;
  bool fused_ = false, relu_ = false;
};

StatusOr<std::unique_ptr<Kernel>> CreateConvInteger(InferContext& ctx) {
  Shape out;
  BG_ASSIGN_OR_RETURN(ConvShape s, PlanConvInteger(ctx, &out));
  std::shared_ptr<const PackedConvInteger> packed;
  const Tensor* w = ctx.input_constant(1);
  const Tensor* w_zp = ctx.has_input(3) ? ctx.input_constant(3) : nullptr;
  if (w != nullptr && (!ctx.has_input(3) || w_zp != nullptr)) {
    std::vector<int32_t> wzp = WeightZeroPoints(w_zp, s.out_c);
    ConvIntegerInputs in;
    in.w = w->raw();
    in.w_signed = w->dtype() == DType::kInt8;
    in.w_zero_points = wzp.data();
    // A Winograd layer keeps a reference to the constant's bytes (no copy).
    BG_ASSIGN_OR_RETURN(packed, PackedConvInteger::Pack(s, in, ConvIsa::kAuto, ConvIntScheme::kAuto, w));
  }
  bool fused = IsFusedConvInteger(ctx);
  bool relu = false;
  if (fused) {
    auto act = AttrString(ctx.node(), "activation", "");
    relu = act.ok() && act.value() == "Relu";
  }
  return std::unique_ptr<Kernel>(std::make_unique<ConvIntegerKernel>(s, std::move(packed), fused, relu));
}

// ---------------------------------------------------------------------------------------------
// MatMulInteger

struct MatMulIntegerPlan {
  MatMulPlan mm;
  bool a_per_row = false, b_per_col = false;
};

StatusOr<MatMulIntegerPlan> PlanMatMulInteger(const InferContext& ctx, Shape* out) {
  BG_RETURN_IF_ERROR(CheckKnownAttrs(ctx.node(), {}));
  BG_RETURN_IF_ERROR(CheckInputs(ctx, 2, 4));
  BG_RETURN_IF_ERROR(CheckInputDType(ctx, 0, {DType::kUInt8, DType::kInt8}));
  BG_RETURN_IF_ERROR(CheckInputDType(ctx, 1, {DType::kUInt8, DType::kInt8}));
  MatMulIntegerPlan p;
  BG_ASSIGN_OR_RETURN(p.mm, PlanMatMul(ctx.input_shape(0), ctx.input_shape(1), out));
  if (ctx.has_input(2)) {
    if (ctx.input_dtype(2) != ctx.input_dtype(0)) return MalformedError("a_zero_point type differs from A");
    int64_t n = NumElements(ctx.input_shape(2));
    if (n != 1) {
      if (ctx.input_shape(2).size() != 1 || n != p.mm.m) {
        return UnsupportedError("a_zero_point shape " + ShapeToString(ctx.input_shape(2)));
      }
      p.a_per_row = true;
    }
  }
  if (ctx.has_input(3)) {
    if (ctx.input_dtype(3) != ctx.input_dtype(1)) return MalformedError("b_zero_point type differs from B");
    int64_t n = NumElements(ctx.input_shape(3));
    if (n != 1) {
      if (ctx.input_shape(3).size() != 1 || n != p.mm.n) {
        return UnsupportedError("b_zero_point shape " + ShapeToString(ctx.input_shape(3)));
      }
      p.b_per_col = true;
    }
  }
  return p;
}

Status InferMatMulInteger(InferContext& ctx) {
  Shape out;
  BG_ASSIGN_OR_RETURN(MatMulIntegerPlan p, PlanMatMulInteger(ctx, &out));
  (void)p;
  ctx.SetOutput(0, DType::kInt32, out);
  return OkStatus();
}

StatusOr<std::unique_ptr<Kernel>> CreateMatMulInteger(InferContext& ctx) {
  Shape out;
  BG_ASSIGN_OR_RETURN(MatMulIntegerPlan p, PlanMatMulInteger(ctx, &out));
  return MakeKernel([p](KernelContext& kc) -> Status {
    const Tensor& a = *kc.inputs[0];
    const Tensor& b = *kc.inputs[1];
    const Tensor* azp = kc.inputs.size() > 2 ? kc.inputs[2] : nullptr;
    const Tensor* bzp = kc.inputs.size() > 3 ? kc.inputs[3] : nullptr;
    int32_t* y = kc.outputs[0]->data<int32_t>();
    const int64_t m = p.mm.m, k = p.mm.k, n = p.mm.n;
    ParallelFor(kc.pool, p.mm.batches * m, [&](int64_t r0, int64_t r1) {
      std::vector<uint32_t> acc(static_cast<size_t>(n));
      for (int64_t r = r0; r < r1; ++r) {
        int64_t bi = r / m, i = r % m;
        int64_t a_off = p.mm.a_index[static_cast<size_t>(bi)] * m * k + i * k;
        int64_t b_off = p.mm.b_index[static_cast<size_t>(bi)] * k * n;
        int32_t za = azp ? Read8(*azp, p.a_per_row ? i : 0) : 0;
        std::fill(acc.begin(), acc.end(), 0u);
        for (int64_t kk = 0; kk < k; ++kk) {
          int32_t av = Read8(a, a_off + kk) - za;
          for (int64_t j = 0; j < n; ++j) {
            int32_t zb = bzp ? Read8(*bzp, p.b_per_col ? j : 0) : 0;
            acc[static_cast<size_t>(j)] += static_cast<uint32_t>(av * (Read8(b, b_off + kk * n + j) - zb));
          }
        }
        for (int64_t j = 0; j < n; ++j) y[r * n + j] = static_cast<int32_t>(acc[static_cast<size_t>(j)]);
      }
    });
    return OkStatus();
  });
}


// ---------------------------------------------------------------------------------------------
// DequantizeLinear: y = (x - zero_point) * scale, as float32. One scale for the whole tensor
// (scalar or one-element scale), one per index along `axis` (opset 13+, 1-D scale), or one per
// block of `block_size` indices along `axis` (opset 21+, scale of x's rank).

struct DequantLayout {
  int64_t outer = 1, axis_len = 1, inner = 1;  // x viewed as [outer, axis_len, inner]
  int64_t block = 0;                           // 0: per tensor or per axis; else the block size
  int64_t blocks = 1;                          // scale's extent along the axis when blocked
  bool per_tensor = true;
};

StatusOr<DequantLayout> PlanDequantize(const InferContext& ctx) {
  const ir::Node& node = ctx.node();
  if (ctx.opset() >= 21) {
    BG_RETURN_IF_ERROR(CheckKnownAttrs(node, {"axis", "block_size"}));
  } else if (ctx.opset() >= 13) {
    BG_RETURN_IF_ERROR(CheckKnownAttrs(node, {"axis"}));
  } else {
    BG_RETURN_IF_ERROR(CheckKnownAttrs(node, {}));
  }
  BG_RETURN_IF_ERROR(CheckInputs(ctx, 2, 3));
  BG_RETURN_IF_ERROR(CheckMaxOutputs(ctx, 1));
  BG_RETURN_IF_ERROR(CheckInputDType(
      ctx, 0, {DType::kInt8, DType::kUInt8, DType::kInt16, DType::kUInt16, DType::kInt32}));
  if (ctx.input_dtype(1) != DType::kFloat32) {
    return UnsupportedError(std::string("DequantizeLinear: only float32 scales are supported (got ") +
                            DTypeName(ctx.input_dtype(1)) + ")");
  }
  const DType xt = ctx.input_dtype(0);
  if ((xt == DType::kInt16 || xt == DType::kUInt16) && ctx.opset() < 21) {
    return MalformedError("DequantizeLinear: 16-bit inputs need opset 21");
  }
  const bool has_zp = ctx.has_input(2);
  if (has_zp && ctx.input_dtype(2) != xt) {
    return MalformedError(std::string("DequantizeLinear: zero point is ") + DTypeName(ctx.input_dtype(2)) +
                          ", input is " + DTypeName(xt));
  }
  const Shape& xs = ctx.input_shape(0);
  const Shape& ss = ctx.input_shape(1);
  const int64_t rank = static_cast<int64_t>(xs.size());
  BG_ASSIGN_OR_RETURN(int64_t axis, AttrInt(node, "axis", 1));
  BG_ASSIGN_OR_RETURN(int64_t block, AttrInt(node, "block_size", 0));
  if (block < 0) return MalformedError("DequantizeLinear: negative block_size");
  int64_t scale_count = 1;
  for (int64_t d : ss) scale_count *= d;
  if (has_zp && ctx.input_shape(2) != ss) {
    return MalformedError("DequantizeLinear: zero point shape " + ShapeToString(ctx.input_shape(2)) +
                          " differs from the scale's " + ShapeToString(ss));
  }
  DequantLayout l;
  int64_t n = 1;
  for (int64_t d : xs) n *= d;
  if (block == 0 && ss.size() <= 1 && scale_count == 1) {
    l.inner = n;  // per tensor
    return l;
  }
  if (rank == 0) return MalformedError("DequantizeLinear: a scalar input takes a scalar scale");
  BG_ASSIGN_OR_RETURN(axis, NormalizeAxis(axis, rank, "DequantizeLinear axis"));
  l.per_tensor = false;
  l.axis_len = xs[static_cast<size_t>(axis)];
  for (int64_t i = 0; i < axis; ++i) l.outer *= xs[static_cast<size_t>(i)];
  for (int64_t i = axis + 1; i < rank; ++i) l.inner *= xs[static_cast<size_t>(i)];
  if (block == 0) {
    if (ss.size() != 1 || ss[0] != l.axis_len) {
      return MalformedError("DequantizeLinear: per-axis scale " + ShapeToString(ss) + " for input " +
                            ShapeToString(xs) + " along axis " + std::to_string(axis) +
                            " (needs shape [" + std::to_string(l.axis_len) + "])");
    }
    return l;
  }
  l.block = block;
  const Shape want = BlockedScaleShape(xs, static_cast<size_t>(axis), block);
  l.blocks = want[static_cast<size_t>(axis)];
  if (ss != want) {
    return MalformedError("DequantizeLinear: blocked scale " + ShapeToString(ss) + " for input " +
                          ShapeToString(xs) + ", block_size " + std::to_string(block) + " along axis " +
                          std::to_string(axis) + " (needs " + ShapeToString(want) + ")");
  }
  return l;
}

Status InferDequantize(InferContext& ctx) {
  BG_ASSIGN_OR_RETURN(DequantLayout l, PlanDequantize(ctx));
  (void)l;
  ctx.SetOutput(0, DType::kFloat32, ctx.input_shape(0));
  return OkStatus();
}

// Rows [r0, r1) of x viewed as [outer * axis_len, inner]. The difference is taken in int32 and
// converted before the multiply, as ONNX Runtime does.
template <typename T>
void DequantizeRows(const DequantLayout& l, const T* x, const T* zp, const float* scale, float* y,
                    int64_t r0, int64_t r1) {
  for (int64_t r = r0; r < r1; ++r) {
    const int64_t o = r / l.axis_len, a = r % l.axis_len;
    const T* xr = x + r * l.inner;
    float* yr = y + r * l.inner;
    if (l.block == 0) {
      const float s = scale[a];
      const int32_t z = zp ? static_cast<int32_t>(zp[a]) : 0;
      for (int64_t i = 0; i < l.inner; ++i) {
        yr[i] = static_cast<float>(static_cast<int32_t>(xr[i]) - z) * s;
      }
    } else {
      const int64_t base = (o * l.blocks + a / l.block) * l.inner;
      const float* s = scale + base;
      const T* zr = zp ? zp + base : nullptr;
      for (int64_t i = 0; i < l.inner; ++i) {
        const int32_t z = zr ? static_cast<int32_t>(zr[i]) : 0;
        yr[i] = static_cast<float>(static_cast<int32_t>(xr[i]) - z) * s[i];
      }
    }
  }
}

StatusOr<std::unique_ptr<Kernel>> CreateDequantize(InferContext& ctx) {
  BG_ASSIGN_OR_RETURN(DequantLayout l, PlanDequantize(ctx));
  return MakeKernel([l](KernelContext& kc) -> Status {
    const Tensor& x = *kc.inputs[0];
    const float* scale = kc.inputs[1]->data<float>();
    const Tensor* zp = kc.inputs.size() > 2 ? kc.inputs[2] : nullptr;
    float* y = kc.outputs[0]->data<float>();
    const int64_t rows = l.outer * l.axis_len;
    return DispatchNumeric(x.dtype(), "DequantizeLinear", [&](auto tag) -> Status {
      using T = decltype(tag);
      if constexpr (std::is_integral_v<T> && sizeof(T) <= 4) {
        const T* px = x.data<T>();
        const T* pz = zp ? zp->data<T>() : nullptr;
        if (l.per_tensor) {
          // One row: threads take chunks of it.
          const int64_t n = x.size();
          const int64_t chunks = (n + kElementwiseGrain - 1) / kElementwiseGrain;
          const float s = scale[0];
          const int32_t z = pz ? static_cast<int32_t>(pz[0]) : 0;
          ParallelFor(kc.pool, chunks, [&](int64_t c0, int64_t c1) {
            const int64_t e = std::min(n, c1 * kElementwiseGrain);
            for (int64_t i = c0 * kElementwiseGrain; i < e; ++i) {
              y[i] = static_cast<float>(static_cast<int32_t>(px[i]) - z) * s;
            }
          });
          return OkStatus();
        }
        ParallelFor(kc.pool, rows, [&](int64_t r0, int64_t r1) {
          DequantizeRows(l, px, pz, scale, y, r0, r1);
        });
        return OkStatus();
      } else {
        return InternalError("DequantizeLinear: unexpected input type");
      }
    });
  });
}

}  // namespace

void AppendQuantSchemas(std::vector<OpSchema>* out) {
  // writes_all_outputs: DynamicQuantizeLinear quantizes every element (chunks cover [0, n)) and
  // always writes its scale and zero point; the integer convolutions store every output position
  // on every path (packed kernels through the runs of each tile, Winograd through every tile of
  // every sub-grid, and empty sums as zeros or the epilogue of zero).
  out->push_back({"", "DynamicQuantizeLinear", InferDql, CreateDql, false, false, true});
  out->push_back({"", "ConvInteger", InferConvInteger, CreateConvInteger, false, false, true});
  out->push_back(
      {"bgone", "FusedConvInteger", InferConvInteger, CreateConvInteger, false, false, true});
  out->push_back({"", "MatMulInteger", InferMatMulInteger, CreateMatMulInteger, false});
  // Every output element is written (rows cover [0, n)).
  out->push_back({"", "DequantizeLinear", InferDequantize, CreateDequantize, false, false, true});
}

}  // namespace bgone::kernels
