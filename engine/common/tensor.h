// Dense tensors. Storage is reference-counted so reshapes and constants share bytes without copies.
// Thread-safety: a Tensor may be read from many threads; writers need exclusive access.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/common/status.h"

namespace bgone {

// Values match ONNX TensorProto.DataType so importers can cast directly.
enum class DType : int32_t {
  kUndefined = 0,
  kFloat32 = 1,
  kUInt8 = 2,
  kInt8 = 3,
  kUInt16 = 4,
  kInt16 = 5,
  kInt32 = 6,
  kInt64 = 7,
  kString = 8,
  kBool = 9,
  kFloat16 = 10,
  kFloat64 = 11,
  kUInt32 = 12,
  kUInt64 = 13,
  kBFloat16 = 16,
};

// Bytes per element, or 0 for types the engine cannot hold (string, undefined, unknown codes).
size_t DTypeSize(DType t);
const char* DTypeName(DType t);
bool IsKnownDType(int32_t code);

using Shape = std::vector<int64_t>;

// Limits that keep hostile files from requesting absurd allocations.
inline constexpr int kMaxRank = 8;
inline constexpr uint64_t kMaxTensorBytes = uint64_t{8} << 30;  // 8 GiB

// Element count of `shape`, or an error for negative dims, rank above kMaxRank, or overflow.
StatusOr<int64_t> CheckedNumElements(const Shape& shape);
// Element count for a shape already validated; no checks.
int64_t NumElements(const Shape& shape);
std::string ShapeToString(const Shape& shape);

class Tensor {
 public:
  Tensor() = default;

  // Zero-initialised storage. Fails (no throw) for invalid shapes, sizes above kMaxTensorBytes,
  // or when memory is exhausted.
  static StatusOr<Tensor> Allocate(DType dtype, const Shape& shape);
  // Same checks, but the bytes are left uninitialised: for callers that write every element
  // (copies, conversions), so large weights are not touched twice at load time.
  static StatusOr<Tensor> AllocateUninitialized(DType dtype, const Shape& shape);
  // Copies `bytes` (must equal the shape's byte size) into new storage.
  static StatusOr<Tensor> FromBytes(DType dtype, const Shape& shape, const void* bytes,
                                    size_t size);
  // A tensor over `size` bytes at `data` that someone else allocated, without a copy: the tensor
  // keeps `owner` alive, and `data` must stay valid (and unmodified by others) while it lives.
  // `data` must be aligned to the element size; `size` must equal the shape's byte size.
  static StatusOr<Tensor> View(std::shared_ptr<const void> owner, const void* data, size_t size,
                               DType dtype, const Shape& shape);
  template <typename T>
  static StatusOr<Tensor> FromVector(DType dtype, const Shape& shape, const std::vector<T>& v) {
    return FromBytes(dtype, shape, v.data(), v.size() * sizeof(T));
  }

  bool empty() const { return data_ == nullptr && dtype_ == DType::kUndefined; }
  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int rank() const { return static_cast<int>(shape_.size()); }
  int64_t dim(int i) const { return shape_[static_cast<size_t>(i)]; }
  int64_t size() const { return num_elements_; }
  size_t bytes() const { return static_cast<size_t>(num_elements_) * DTypeSize(dtype_); }

  template <typename T>
  T* data() { return reinterpret_cast<T*>(data_); }
  template <typename T>
  const T* data() const { return reinterpret_cast<const T*>(data_); }
  void* raw() { return data_; }
  const void* raw() const { return data_; }

  // A zero-filled tensor that takes over `donor`'s storage when the donor is its sole owner and
  // its allocation is large enough (donor is left empty); otherwise a fresh allocation. Reusing
  // warm memory avoids the page faults of a new large allocation.
  static StatusOr<Tensor> AllocateReusing(DType dtype, const Shape& shape, Tensor* donor);
  // Bytes of the underlying allocation (>= bytes()).
  size_t capacity() const { return capacity_; }
  // True when no other Tensor shares this storage.
  bool OwnsStorageAlone() const { return storage_ != nullptr && storage_.use_count() == 1; }

  // Same bytes, new shape (element count must match; checked by the caller).
  Tensor Reshaped(const Shape& shape) const;
  // A tensor of `dtype`/`shape` placed `byte_offset` bytes into `base`'s storage, sharing it
  // (used for values placed in a memory-plan arena). Fails if it does not fit.
  static StatusOr<Tensor> ViewInto(const Tensor& base, size_t byte_offset, DType dtype,
                                   const Shape& shape);
  // Deep copy.
  StatusOr<Tensor> Clone() const;
  // True when both tensors share storage.
  bool SharesStorageWith(const Tensor& other) const { return storage_ == other.storage_; }

 private:
  DType dtype_ = DType::kUndefined;
  Shape shape_;
  int64_t num_elements_ = 0;
  std::shared_ptr<std::byte> storage_;
  std::byte* data_ = nullptr;
  size_t capacity_ = 0;
};

// IEEE half <-> float, round-to-nearest-even (matches ONNX Runtime's conversions).
float HalfToFloat(uint16_t h);
uint16_t FloatToHalf(float f);
// dst[i] = HalfToFloat(src[i]) for i < n, vectorised (F16C where the CPU has it). Identical
// results except that a signalling NaN comes back quiet (as the F16C instruction does).
void HalfToFloatN(const uint16_t* src, float* dst, int64_t n);

}  // namespace bgone
