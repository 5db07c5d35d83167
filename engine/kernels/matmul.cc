// MatMul with numpy semantics (1-D operands, broadcast batch dims). Simple row-times-matrix loops
// that vectorise over the output row; not used on IS-Net's hot path.
#include <algorithm>
#include <type_traits>

#include "engine/kernels/kernel_util.h"

namespace bgone::kernels {

StatusOr<MatMulPlan> PlanMatMul(const Shape& a, const Shape& b, Shape* out_shape) {
  if (a.empty() || b.empty()) return MalformedError("MatMul operands must have rank >= 1");
  Shape a2 = a, b2 = b;
  bool a_vec = a.size() == 1, b_vec = b.size() == 1;
  if (a_vec) a2 = {1, a[0]};
  if (b_vec) b2 = {b[0], 1};
  MatMulPlan p;
  p.m = a2[a2.size() - 2];
  p.k = a2[a2.size() - 1];
  p.n = b2[b2.size() - 1];
  if (b2[b2.size() - 2] != p.k) {
    return MalformedError("MatMul inner dims differ: " + ShapeToString(a) + " x " + ShapeToString(b));
  }
  Shape ab(a2.begin(), a2.end() - 2), bb(b2.begin(), b2.end() - 2);
  BG_ASSIGN_OR_RETURN(Shape ob, BroadcastShapes(ab, bb));
  *out_shape = ob;
  if (!a_vec) out_shape->push_back(p.m);
  if (!b_vec) out_shape->push_back(p.n);
  BG_RETURN_IF_ERROR(CheckedNumElements(*out_shape).status());
  BG_ASSIGN_OR_RETURN(p.batches, CheckedNumElements(ob));
  if (p.batches > (int64_t{1} << 24)) return UnsupportedError("MatMul with too many batches");
  std::vector<int64_t> sa = StridesOf(ab), sb = StridesOf(bb);
  p.a_index.resize(static_cast<size_t>(p.batches));
  p.b_index.resize(static_cast<size_t>(p.batches));
  for (int64_t i = 0; i < p.batches; ++i) {
    int64_t rem = i, ia = 0, ib = 0;
    for (size_t d = ob.size(); d-- > 0;) {
      int64_t idx = rem % ob[d];
      rem /= ob[d];
      size_t off_a = ob.size() - ab.size(), off_b = ob.size() - bb.size();
      if (d >= off_a && ab[d - off_a] != 1) ia += idx * sa[d - off_a];
      if (d >= off_b && bb[d - off_b] != 1) ib += idx * sb[d - off_b];
    }
    p.a_index[static_cast<size_t>(i)] = ia;
    p.b_index[static_cast<size_t>(i)] = ib;
  }
  return p;
}

namespace {

Status InferMatMul(InferContext& ctx) {
  BG_RETURN_IF_ERROR(CheckKnownAttrs(ctx.node(), {}));
  BG_RETURN_IF_ERROR(CheckInputs(ctx, 2, 2));
  BG_RETURN_IF_ERROR(CheckInputDType(ctx, 0, {DType::kFloat32, DType::kFloat64, DType::kInt32,
                                              DType::kInt64, DType::kUInt32, DType::kUInt64}));
  if (ctx.input_dtype(1) != ctx.input_dtype(0)) return MalformedError("MatMul input types differ");
  Shape out;
  BG_ASSIGN_OR_RETURN(MatMulPlan p, PlanMatMul(ctx.input_shape(0), ctx.input_shape(1), &out));
  (void)p;
  ctx.SetOutput(0, ctx.input_dtype(0), out);
  return OkStatus();
}

template <typename T, bool kIntegral = std::is_integral_v<T>>
struct AccType {
  using type = T;
};
template <typename T>
struct AccType<T, true> {
  using type = std::make_unsigned_t<T>;
};

template <typename T>
void MatMulRows(const MatMulPlan& p, const T* a, const T* b, T* c, int64_t r0, int64_t r1) {
  // Integers accumulate in the unsigned type so overflow wraps instead of being undefined.
  using Acc = typename AccType<T>::type;
  std::vector<Acc> row(static_cast<size_t>(p.n));
  for (int64_t r = r0; r < r1; ++r) {
    int64_t bi = r / p.m, i = r % p.m;
    const T* ar = a + p.a_index[static_cast<size_t>(bi)] * p.m * p.k + i * p.k;
    const T* bm = b + p.b_index[static_cast<size_t>(bi)] * p.k * p.n;
    std::fill(row.begin(), row.end(), Acc{0});
    for (int64_t k = 0; k < p.k; ++k) {
      Acc av = static_cast<Acc>(ar[k]);
      const T* br = bm + k * p.n;
      for (int64_t j = 0; j < p.n; ++j) row[static_cast<size_t>(j)] += av * static_cast<Acc>(br[j]);
    }
    for (int64_t j = 0; j < p.n; ++j) c[r * p.n + j] = static_cast<T>(row[static_cast<size_t>(j)]);
  }
}

StatusOr<std::unique_ptr<Kernel>> CreateMatMul(InferContext& ctx) {
  Shape out;
  BG_ASSIGN_OR_RETURN(MatMulPlan p, PlanMatMul(ctx.input_shape(0), ctx.input_shape(1), &out));
  DType dtype = ctx.input_dtype(0);
  return MakeKernel([p, dtype](KernelContext& kc) -> Status {
    const Tensor& a = *kc.inputs[0];
    const Tensor& b = *kc.inputs[1];
    Tensor& c = *kc.outputs[0];
    return DispatchNumeric(dtype, "MatMul", [&](auto tag) -> Status {
      using T = decltype(tag);
      if constexpr (sizeof(T) >= 4) {
        ParallelFor(kc.pool, p.batches * p.m, [&](int64_t r0, int64_t r1) {
          MatMulRows<T>(p, a.data<T>(), b.data<T>(), c.data<T>(), r0, r1);
        });
        return OkStatus();
      } else {
        return UnsupportedError("MatMul type");
      }
    });
  });
}

}  // namespace

void AppendMatMulSchemas(std::vector<OpSchema>* out) {
  out->push_back({"", "MatMul", InferMatMul, CreateMatMul, false});
}

}  // namespace bgone::kernels
