#include "engine/common/tensor.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#endif

#include <cstdlib>
#include <cstring>
#include <new>

namespace bgone {

size_t DTypeSize(DType t) {
  switch (t) {
    case DType::kFloat32: return 4;
    case DType::kUInt8: return 1;
    case DType::kInt8: return 1;
    case DType::kUInt16: return 2;
    case DType::kInt16: return 2;
    case DType::kInt32: return 4;
    case DType::kInt64: return 8;
    case DType::kBool: return 1;
    case DType::kFloat16: return 2;
    case DType::kFloat64: return 8;
    case DType::kUInt32: return 4;
    case DType::kUInt64: return 8;
    case DType::kBFloat16: return 2;
    case DType::kString:
    case DType::kUndefined: return 0;
  }
  return 0;
}

const char* DTypeName(DType t) {
  switch (t) {
    case DType::kFloat32: return "float32";
    case DType::kUInt8: return "uint8";
    case DType::kInt8: return "int8";
    case DType::kUInt16: return "uint16";
    case DType::kInt16: return "int16";
    case DType::kInt32: return "int32";
    case DType::kInt64: return "int64";
    case DType::kBool: return "bool";
    case DType::kFloat16: return "float16";
    case DType::kFloat64: return "float64";
    case DType::kUInt32: return "uint32";
    case DType::kUInt64: return "uint64";
    case DType::kBFloat16: return "bfloat16";
    case DType::kString: return "string";
    case DType::kUndefined: return "undefined";
  }
  return "unknown";
}

bool IsKnownDType(int32_t code) {
  return (code >= 1 && code <= 13) || code == 16;
}

StatusOr<int64_t> CheckedNumElements(const Shape& shape) {
  if (shape.size() > static_cast<size_t>(kMaxRank)) {
    return ResourceExhaustedError("rank " + std::to_string(shape.size()) + " exceeds the limit of " +
                                  std::to_string(kMaxRank));
  }
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) return MalformedError("negative dimension in shape " + ShapeToString(shape));
    if (d != 0 && n > static_cast<int64_t>(kMaxTensorBytes) / d) {
      return ResourceExhaustedError("shape " + ShapeToString(shape) + " is too large");
    }
    n *= d;
  }
  return n;
}

int64_t NumElements(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string ShapeToString(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ",";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

namespace {
constexpr size_t kAlignment = 64;
}

StatusOr<Tensor> Tensor::Allocate(DType dtype, const Shape& shape) {
  BG_ASSIGN_OR_RETURN(Tensor t, AllocateUninitialized(dtype, shape));
  std::memset(t.data_, 0, t.capacity_);
  return t;
}

StatusOr<Tensor> Tensor::AllocateUninitialized(DType dtype, const Shape& shape) {
  size_t esize = DTypeSize(dtype);
  if (esize == 0) return UnsupportedError(std::string("tensor type ") + DTypeName(dtype));
  BG_ASSIGN_OR_RETURN(int64_t n, CheckedNumElements(shape));
  uint64_t bytes = static_cast<uint64_t>(n) * esize;
  if (bytes > kMaxTensorBytes) {
    return ResourceExhaustedError("tensor of shape " + ShapeToString(shape) + " needs " +
                                  std::to_string(bytes) + " bytes, above the limit");
  }
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = shape;
  t.num_elements_ = n;
  size_t alloc = (static_cast<size_t>(bytes) + kAlignment - 1) / kAlignment * kAlignment;
  if (alloc == 0) alloc = kAlignment;
  void* p = std::aligned_alloc(kAlignment, alloc);
  if (p == nullptr) {
    return ResourceExhaustedError("out of memory allocating " + std::to_string(bytes) + " bytes");
  }
  t.storage_ = std::shared_ptr<std::byte>(static_cast<std::byte*>(p), [](std::byte* q) { std::free(q); });
  t.data_ = t.storage_.get();
  t.capacity_ = alloc;
  return t;
}

StatusOr<Tensor> Tensor::AllocateReusing(DType dtype, const Shape& shape, Tensor* donor) {
  size_t esize = DTypeSize(dtype);
  if (donor == nullptr || esize == 0 || !donor->OwnsStorageAlone() ||
      donor->data_ != donor->storage_.get()) {
    return Allocate(dtype, shape);
  }
  BG_ASSIGN_OR_RETURN(int64_t n, CheckedNumElements(shape));
  uint64_t bytes = static_cast<uint64_t>(n) * esize;
  if (bytes > donor->capacity_) return Allocate(dtype, shape);
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = shape;
  t.num_elements_ = n;
  t.storage_ = std::move(donor->storage_);
  t.data_ = t.storage_.get();
  t.capacity_ = donor->capacity_;
  *donor = Tensor();
  std::memset(t.data_, 0, static_cast<size_t>(bytes));
  return t;
}

StatusOr<Tensor> Tensor::FromBytes(DType dtype, const Shape& shape, const void* bytes,
                                   size_t size) {
  BG_ASSIGN_OR_RETURN(Tensor t, AllocateUninitialized(dtype, shape));
  if (t.bytes() != size) {
    return MalformedError("tensor data has " + std::to_string(size) + " bytes, shape " +
                          ShapeToString(shape) + " of " + DTypeName(dtype) + " needs " +
                          std::to_string(t.bytes()));
  }
  if (size) std::memcpy(t.data_, bytes, size);
  return t;
}

StatusOr<Tensor> Tensor::View(std::shared_ptr<const void> owner, const void* data, size_t size,
                              DType dtype, const Shape& shape) {
  size_t esize = DTypeSize(dtype);
  if (esize == 0) return UnsupportedError(std::string("tensor type ") + DTypeName(dtype));
  BG_ASSIGN_OR_RETURN(int64_t n, CheckedNumElements(shape));
  if (static_cast<uint64_t>(n) * esize != size) {
    return MalformedError("tensor data has " + std::to_string(size) + " bytes, shape " +
                          ShapeToString(shape) + " of " + DTypeName(dtype) + " needs " +
                          std::to_string(static_cast<uint64_t>(n) * esize));
  }
  if (owner == nullptr || (size > 0 && data == nullptr)) {
    return InvalidArgumentError("tensor view without an owner or data");
  }
  if (reinterpret_cast<uintptr_t>(data) % esize != 0) {
    return InvalidArgumentError("tensor view data is not aligned to its element size");
  }
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = shape;
  t.num_elements_ = n;
  // Aliasing constructor: shares `owner`'s reference count, points at the view's bytes.
  t.storage_ = std::shared_ptr<std::byte>(std::const_pointer_cast<void>(owner),
                                          static_cast<std::byte*>(const_cast<void*>(data)));
  t.data_ = t.storage_.get();
  t.capacity_ = size;
  return t;
}

Tensor Tensor::Reshaped(const Shape& shape) const {
  Tensor t = *this;
  t.shape_ = shape;
  return t;
}

StatusOr<Tensor> Tensor::ViewInto(const Tensor& base, size_t byte_offset, DType dtype,
                                  const Shape& shape) {
  size_t esize = DTypeSize(dtype);
  if (esize == 0) return UnsupportedError(std::string("tensor type ") + DTypeName(dtype));
  BG_ASSIGN_OR_RETURN(int64_t n, CheckedNumElements(shape));
  size_t bytes = static_cast<size_t>(n) * esize;
  size_t avail = base.data_ == nullptr ? 0 : base.capacity_ - static_cast<size_t>(base.data_ - base.storage_.get());
  if (byte_offset > avail || bytes > avail - byte_offset) {
    return InternalError("view of " + std::to_string(bytes) + " bytes at offset " +
                         std::to_string(byte_offset) + " exceeds a buffer of " + std::to_string(avail));
  }
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = shape;
  t.num_elements_ = n;
  t.storage_ = base.storage_;
  t.data_ = base.data_ + byte_offset;
  t.capacity_ = bytes;
  return t;
}

StatusOr<Tensor> Tensor::Clone() const {
  return FromBytes(dtype_, shape_, data_, bytes());
}

float HalfToFloat(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1Fu;
  uint32_t mant = h & 0x3FFu;
  uint32_t bits;
  if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: normalise
      int e = -1;
      do {
        ++e;
        mant <<= 1;
      } while ((mant & 0x400u) == 0);
      mant &= 0x3FFu;
      bits = sign | static_cast<uint32_t>(127 - 15 - e) << 23 | mant << 13;
    }
  } else if (exp == 0x1F) {
    bits = sign | 0x7F800000u | mant << 13;
  } else {
    bits = sign | (exp + 127 - 15) << 23 | mant << 13;
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

namespace {

// Branch-free widening the compiler vectorises: the half's exponent and mantissa, shifted into a
// float's, give the value times 2^-112 (subnormal halves become float subnormals), and one exact
// multiplication by 2^112 re-biases it; infinities and NaNs are patched afterwards.
void HalfToFloatPortable(const uint16_t* src, float* dst, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    uint32_t h = src[i];
    uint32_t em = h & 0x7FFFu;
    uint32_t shifted = em << 13;
    float scaled;
    std::memcpy(&scaled, &shifted, 4);
    scaled *= 0x1p112f;
    uint32_t r;
    std::memcpy(&r, &scaled, 4);
    uint32_t special = 0x7F800000u | shifted | (em > 0x7C00u ? 0x00400000u : 0u);
    r = em >= 0x7C00u ? special : r;
    r |= (h & 0x8000u) << 16;
    std::memcpy(&dst[i], &r, 4);
  }
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
__attribute__((target("avx,f16c"))) void HalfToFloatF16c(const uint16_t* src, float* dst,
                                                          int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m128i h = _mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i));
    _mm256_storeu_ps(dst + i, _mm256_cvtph_ps(h));
  }
  HalfToFloatPortable(src + i, dst + i, n - i);
}
#endif

}  // namespace

void HalfToFloatN(const uint16_t* src, float* dst, int64_t n) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  static const bool f16c = __builtin_cpu_supports("f16c") && __builtin_cpu_supports("avx");
  if (f16c) {
    HalfToFloatF16c(src, dst, n);
    return;
  }
#endif
  HalfToFloatPortable(src, dst, n);
}

uint16_t FloatToHalf(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  uint32_t sign = (x >> 16) & 0x8000u;
  uint32_t absx = x & 0x7FFFFFFFu;
  if (absx >= 0x7F800000u) {  // inf or nan
    return static_cast<uint16_t>(sign | 0x7C00u | (absx > 0x7F800000u ? 0x200u : 0u));
  }
  if (absx >= 0x477FF000u) return static_cast<uint16_t>(sign | 0x7C00u);  // rounds to inf
  if (absx < 0x38800000u) {  // result is subnormal or zero
    // Scale into the subnormal range using float arithmetic, which rounds to nearest even.
    float a;
    std::memcpy(&a, &absx, 4);
    float scaled = a * 16777216.0f;  // 2^24: one half-subnormal ulp becomes 1.0
    uint32_t m = static_cast<uint32_t>(scaled);
    float rem = scaled - static_cast<float>(m);
    if (rem > 0.5f || (rem == 0.5f && (m & 1u))) ++m;
    return static_cast<uint16_t>(sign | m);
  }
  uint32_t mant = absx & 0x7FFFFFu;
  uint32_t exp = (absx >> 23) - 127 + 15;
  uint32_t h = exp << 10 | mant >> 13;
  uint32_t rest = mant & 0x1FFFu;
  if (rest > 0x1000u || (rest == 0x1000u && (h & 1u))) ++h;  // may carry into the exponent: fine
  return static_cast<uint16_t>(sign | h);
}

}  // namespace bgone
