// Helpers shared by the operator families in engine/kernels/. Internal to the kernels.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "engine/common/status.h"
#include "engine/common/tensor.h"
#include "engine/kernels/op_registry.h"

namespace bgone::kernels {

// Each family appends its schemas; registry.cc concatenates them.
void AppendConvSchemas(std::vector<OpSchema>* out);         // conv.cc
void AppendQuantSchemas(std::vector<OpSchema>* out);        // quant.cc
void AppendMatMulSchemas(std::vector<OpSchema>* out);       // matmul.cc
void AppendElementwiseSchemas(std::vector<OpSchema>* out);  // elementwise.cc
void AppendCastSchemas(std::vector<OpSchema>* out);         // cast.cc
void AppendPoolSchemas(std::vector<OpSchema>* out);         // pool.cc
void AppendResizeSchemas(std::vector<OpSchema>* out);       // resize.cc
void AppendTensorSchemas(std::vector<OpSchema>* out);       // tensor_ops.cc
void AppendLayoutSchemas(std::vector<OpSchema>* out);       // pad_transpose.cc

// Fails unless inputs [0, required) are present and no input beyond `max_inputs` is given.
Status CheckInputs(const InferContext& ctx, int required, int max_inputs);
// Fails unless input i (present) has one of `allowed` dtypes.
Status CheckInputDType(const InferContext& ctx, int i, std::initializer_list<DType> allowed);
// Fails when output i is requested but the op cannot produce it.
Status CheckMaxOutputs(const InferContext& ctx, int max_outputs);

// int32/int64 tensor contents widened to int64; other types are an error naming `what`.
StatusOr<std::vector<int64_t>> TensorToInts(const Tensor& t, const std::string& what);
// float32/float64/float16 tensor contents as float; other types are an error naming `what`.
StatusOr<std::vector<float>> TensorToFloats(const Tensor& t, const std::string& what);
// The constant value of input i, or an error saying it must be constant at prepare time.
StatusOr<const Tensor*> RequireConstantInput(const InferContext& ctx, int i,
                                             const std::string& what);

// Numpy-style broadcast of two shapes.
StatusOr<Shape> BroadcastShapes(const Shape& a, const Shape& b);
// Maps axis in [-rank, rank) to [0, rank).
StatusOr<int64_t> NormalizeAxis(int64_t axis, int64_t rank, const std::string& what);
// The scale shape of blocked quantization (DequantizeLinear's block_size): `x` with dimension
// `axis` (in range) replaced by ceil(x[axis] / block), block > 0.
inline Shape BlockedScaleShape(Shape x, size_t axis, int64_t block) {
  x[axis] = (x[axis] + block - 1) / block;
  return x;
}

// Numpy matmul shapes: A [..., M, K] (or [K]), B [..., K, N] (or [K]); batch dims broadcast.
struct MatMulPlan {
  int64_t m = 0, k = 0, n = 0, batches = 0;
  std::vector<int64_t> a_index, b_index;  // per output batch, the A and B matrix it reads
};
StatusOr<MatMulPlan> PlanMatMul(const Shape& a, const Shape& b, Shape* out_shape);

// Row-major strides (in elements) of `shape`.
std::vector<int64_t> StridesOf(const Shape& shape);

// A Kernel whose Run is a stored callable; keeps small ops short.
template <typename F>
class LambdaKernel final : public Kernel {
 public:
  explicit LambdaKernel(F f) : f_(std::move(f)) {}
  Status Run(KernelContext& ctx) override { return f_(ctx); }

 private:
  F f_;
};
template <typename F>
std::unique_ptr<Kernel> MakeKernel(F f) {
  return std::make_unique<LambdaKernel<F>>(std::move(f));
}

// Calls f(T{}) with T the C++ type of `t`, for the numeric types listed; anything else is an
// UnsupportedError naming `op`.
template <typename F>
Status DispatchNumeric(DType t, const char* op, F&& f) {
  switch (t) {
    case DType::kFloat32: return f(float{});
    case DType::kFloat64: return f(double{});
    case DType::kInt8: return f(int8_t{});
    case DType::kUInt8: return f(uint8_t{});
    case DType::kInt16: return f(int16_t{});
    case DType::kUInt16: return f(uint16_t{});
    case DType::kInt32: return f(int32_t{});
    case DType::kUInt32: return f(uint32_t{});
    case DType::kInt64: return f(int64_t{});
    case DType::kUInt64: return f(uint64_t{});
    default: break;
  }
  return UnsupportedError(std::string(op) + " on " + DTypeName(t) + " tensors");
}

// Elementwise work splits into chunks of this many elements so small tensors stay on one thread.
inline constexpr int64_t kElementwiseGrain = 1 << 15;

// Allocation that reports failure instead of throwing.
template <typename T>
std::unique_ptr<T[]> NewArray(size_t n) {
  return std::unique_ptr<T[]>(new (std::nothrow) T[n == 0 ? 1 : n]);
}

}  // namespace bgone::kernels
