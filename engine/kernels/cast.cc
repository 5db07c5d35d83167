// Cast between float32/float16/bfloat16/float64, signed and unsigned 8..64-bit integers and bool.
// Follows ONNX Runtime on x86: float -> integer truncates toward zero; values outside the
// destination range (and NaN) give the "integer indefinite" pattern of cvttss2si, then wrap to
// narrower types. Integer -> integer wraps (two's complement). float -> float16/bfloat16 rounds to
// nearest even; float64 -> float16 goes through float32 as ONNX Runtime does.
#include <algorithm>
#include <cstring>
#include <type_traits>

#include "engine/kernels/kernel_util.h"

namespace bgone::kernels {
namespace {

struct Half {
  uint16_t bits;
};
struct BF16 {
  uint16_t bits;
};
// Bool storage read as a byte so non-0/1 bytes in hostile data are not undefined behaviour.
struct Bool8 {
  uint8_t v;
};

float BF16ToFloat(uint16_t b) {
  uint32_t u = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

uint16_t FloatToBF16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7FFFFFFFu) > 0x7F800000u) return static_cast<uint16_t>((u >> 16) | 0x40);  // quiet NaN
  u += 0x7FFFu + ((u >> 16) & 1u);
  return static_cast<uint16_t>(u >> 16);
}

template <typename T>
constexpr bool kIsFloatLike = std::is_floating_point_v<T> || std::is_same_v<T, Half> ||
                              std::is_same_v<T, BF16>;

// A float-like source value, widened exactly to double.
template <typename S>
double LoadFloat(S v) {
  if constexpr (std::is_same_v<S, Half>) return HalfToFloat(v.bits);
  else if constexpr (std::is_same_v<S, BF16>) return BF16ToFloat(v.bits);
  else return static_cast<double>(v);
}

template <typename D>
D IntegralFromFloat(double v) {
  if constexpr (std::is_same_v<D, Bool8>) {
    return Bool8{static_cast<uint8_t>(v != 0.0)};
  } else if constexpr (sizeof(D) <= 2 || std::is_same_v<D, int32_t>) {
    int32_t r = (v > -2147483649.0 && v < 2147483648.0) ? static_cast<int32_t>(v) : INT32_MIN;
    return static_cast<D>(static_cast<uint32_t>(r));
  } else if constexpr (std::is_same_v<D, uint64_t>) {
    if (v >= 9223372036854775808.0 && v < 18446744073709551616.0) return static_cast<uint64_t>(v);
    int64_t r = (v >= -9223372036854775808.0 && v < 9223372036854775808.0) ? static_cast<int64_t>(v)
                                                                           : INT64_MIN;
    return static_cast<uint64_t>(r);
  } else {  // int64, uint32
    int64_t r = (v >= -9223372036854775808.0 && v < 9223372036854775808.0) ? static_cast<int64_t>(v)
                                                                           : INT64_MIN;
    return static_cast<D>(static_cast<uint64_t>(r));
  }
}

template <typename D, typename S>
D Convert(S s) {
  if constexpr (std::is_same_v<S, Bool8>) {
    return Convert<D>(static_cast<uint8_t>(s.v != 0));
  } else if constexpr (kIsFloatLike<S>) {
    double v = LoadFloat(s);
    if constexpr (std::is_same_v<D, Half>) return Half{FloatToHalf(static_cast<float>(v))};
    else if constexpr (std::is_same_v<D, BF16>) return BF16{FloatToBF16(static_cast<float>(v))};
    else if constexpr (std::is_floating_point_v<D>) return static_cast<D>(v);
    else return IntegralFromFloat<D>(v);
  } else {  // integer or bool source
    if constexpr (std::is_same_v<D, Half>) return Half{FloatToHalf(static_cast<float>(s))};
    else if constexpr (std::is_same_v<D, BF16>) return BF16{FloatToBF16(static_cast<float>(s))};
    else if constexpr (std::is_same_v<D, Bool8>) return Bool8{static_cast<uint8_t>(s != 0)};
    else if constexpr (std::is_floating_point_v<D>) return static_cast<D>(s);
    else {
      using U = std::make_unsigned_t<D>;
      return static_cast<D>(static_cast<U>(s));  // modular
    }
  }
}

template <typename F>
Status DispatchCastType(DType t, F&& f) {
  switch (t) {
    case DType::kFloat16: return f(Half{});
    case DType::kBFloat16: return f(BF16{});
    case DType::kBool: return f(Bool8{});
    default: return DispatchNumeric(t, "Cast", std::forward<F>(f));
  }
}

StatusOr<DType> CastTarget(const InferContext& ctx) {
  if (ctx.opset() >= 19) {
    BG_RETURN_IF_ERROR(CheckKnownAttrs(ctx.node(), {"to", "saturate"}));  // saturate: float8 only
  } else {
    BG_RETURN_IF_ERROR(CheckKnownAttrs(ctx.node(), {"to"}));
  }
  BG_RETURN_IF_ERROR(CheckInputs(ctx, 1, 1));
  if (!ctx.node().HasAttr("to")) return MalformedError("Cast needs 'to'");
  BG_ASSIGN_OR_RETURN(int64_t to, AttrInt(ctx.node(), "to", 0));
  if (to < 0 || to > 1000 || !IsKnownDType(static_cast<int32_t>(to))) {
    return UnsupportedError("Cast to type code " + std::to_string(to));
  }
  DType dst = static_cast<DType>(to);
  BG_RETURN_IF_ERROR(DispatchCastType(dst, [](auto) { return OkStatus(); }));
  BG_RETURN_IF_ERROR(DispatchCastType(ctx.input_dtype(0), [](auto) { return OkStatus(); }));
  return dst;
}

Status InferCast(InferContext& ctx) {
  BG_ASSIGN_OR_RETURN(DType dst, CastTarget(ctx));
  ctx.SetOutput(0, dst, ctx.input_shape(0));
  return OkStatus();
}

StatusOr<std::unique_ptr<Kernel>> CreateCast(InferContext& ctx) {
  BG_ASSIGN_OR_RETURN(DType dst, CastTarget(ctx));
  DType src = ctx.input_dtype(0);
  return MakeKernel([src, dst](KernelContext& kc) -> Status {
    const Tensor& x = *kc.inputs[0];
    Tensor& y = *kc.outputs[0];
    int64_t n = x.size();
    if (src == dst) {
      if (x.bytes()) std::memcpy(y.raw(), x.raw(), x.bytes());
      return OkStatus();
    }
    return DispatchCastType(src, [&](auto stag) -> Status {
      using S = decltype(stag);
      return DispatchCastType(dst, [&](auto dtag) -> Status {
        using D = decltype(dtag);
        const S* in = static_cast<const S*>(x.raw());
        D* out = static_cast<D*>(y.raw());
        int64_t chunks = (n + kElementwiseGrain - 1) / kElementwiseGrain;
        ParallelFor(kc.pool, chunks, [&](int64_t c0, int64_t c1) {
          int64_t b = c0 * kElementwiseGrain, e = std::min(n, c1 * kElementwiseGrain);
          for (int64_t i = b; i < e; ++i) out[i] = Convert<D>(in[i]);
        });
        return OkStatus();
      });
    });
  });
}

}  // namespace

void AppendCastSchemas(std::vector<OpSchema>* out) {
  out->push_back({"", "Cast", InferCast, CreateCast, false, false, true});
}

}  // namespace bgone::kernels
