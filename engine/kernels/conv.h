// 2-D convolution (1-D convs use height 1) for float32 and for 8-bit integers with int32
// accumulation (ConvInteger). Two implementations of each:
//  - Conv*Reference: plain loops, the oracle for tests.
//  - PackedConv*: weights packed once into panels of `mr` output channels and multiplied by a
//    register-blocked micro-kernel. Stride-1 convolutions read a zero-padded copy of the input
//    through a table of per-tap offsets (implicit GEMM); other strides unroll each block of output
//    pixels (im2col) into a K x pixels buffer first. The micro-kernel is chosen at run time (AVX-512, AVX2+FMA, or portable C++
//    that the compiler vectorises for SSE2/WASM SIMD). Every output value is computed by the same
//    sequence of operations whatever the thread count, so results are bit-identical for any pool.
// Thread-safety: packed objects are immutable after Pack; Run may be called concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/common/status.h"
#include "engine/kernels/op_registry.h"
#include "engine/runtime/thread_pool.h"

namespace bgone::kernels {
namespace conv_internal {
struct MicroKernels;
}

struct ConvShape {
  int64_t batch = 1, in_c = 1, in_h = 1, in_w = 1;
  int64_t out_c = 1, out_h = 1, out_w = 1;
  int64_t group = 1;
  int64_t k_h = 1, k_w = 1;
  int64_t stride_h = 1, stride_w = 1;
  int64_t dil_h = 1, dil_w = 1;
  int64_t pad_t = 0, pad_l = 0;  // trailing pads are implied by out_h/out_w

  int64_t in_c_per_group() const { return in_c / group; }
  int64_t out_c_per_group() const { return out_c / group; }
  int64_t k_size() const { return in_c_per_group() * k_h * k_w; }  // GEMM depth per group
  int64_t out_pixels() const { return out_h * out_w; }
  // Multiply-accumulates of one run (for GFLOP/s figures: 2 flops each).
  double macs() const {
    return static_cast<double>(batch) * out_c * out_pixels() * k_size();
  }
  std::string ToString() const;
};

// Which micro-kernel family to use. kAuto picks the best the CPU supports.
enum class ConvIsa { kAuto, kGeneric, kAvx2, kAvx512 };
bool ConvIsaAvailable(ConvIsa isa);
// The families this CPU can run, from the portable one to the widest (kAuto excluded).
std::vector<ConvIsa> AvailableConvIsas();
const char* ConvIsaName(ConvIsa isa);

// Which algorithm PackedConvF32 uses. kAuto: Winograd F(4x4, 3x3) (winograd.h) for 3x3 stride-1
// single-group convolutions where WinogradPreferred says it is faster, the direct path otherwise.
// kWinograd forces it wherever WinogradSupports (tests, benchmarks).
enum class ConvAlgo { kAuto, kDirect, kWinograd };

// What happens to each output after the sum: + bias[oc] (if given), then max(0, .) if relu.
struct ConvEpilogue {
  const float* bias = nullptr;
  bool relu = false;
};

// x: [batch, in_c, in_h, in_w]; w: [out_c, in_c/group, k_h, k_w]; y: [batch, out_c, out_h, out_w].
// Accumulates in double.
void ConvReferenceF32(const ConvShape& s, const float* x, const float* w, const ConvEpilogue& ep,
                      float* y);

class PackedConvF32 {
 public:
  // Only the channel, group and kernel fields of `s` matter here (spatial sizes may differ per Run).
  static StatusOr<std::shared_ptr<const PackedConvF32>> Pack(const ConvShape& s, const float* w,
                                                             ConvIsa isa = ConvIsa::kAuto,
                                                             ConvAlgo algo = ConvAlgo::kAuto);
  // Packs a constant weight tensor, float32 or float16 ([out_c][in_c/group][k_h][k_w]). `s` is
  // the full shape of the runs, spatial sizes included: where Winograd will run the layer (`algo`,
  // and WinogradPreferred(s) for kAuto) nothing is packed: the object shares `w`'s storage
  // (typically a view of the model file's bytes; no copy, no widening) and the per-call Winograd
  // weight transform reads it, fp16 included. Elsewhere fp16 is widened and packed as by Pack.
  static StatusOr<std::shared_ptr<const PackedConvF32>> PackConstant(
      const ConvShape& s, const Tensor& w, ConvIsa isa = ConvIsa::kAuto,
      ConvAlgo algo = ConvAlgo::kAuto);
  // Weight-only quantized weights q ([out_c][in_c/group][k_h][k_w], int8; 4-bit files are
  // unpacked to int8 at import) with float32 scales: one per output channel ([out_c], block 0),
  // or one per block of `block` input channels at each tap ([out_c][ceil(cg / block)][k_h][k_w]).
  // The weights are float(q) * scale, as DequantizeLinear computes them. Winograd layers keep q
  // and the scales (44 MB for IS-Net instead of 176 MB of float32) and dequantize in the
  // per-call weight transform; the others are dequantized and packed.
  static StatusOr<std::shared_ptr<const PackedConvF32>> PackConstantInt8(
      const ConvShape& s, const Tensor& q, const Tensor& scale, ConvIsa isa = ConvIsa::kAuto,
      ConvAlgo algo = ConvAlgo::kAuto, int64_t block = 0);
  // `s` must match the packed channel/kernel geometry. pool may be null.
  Status Run(const ConvShape& s, const float* x, const ConvEpilogue& ep, float* y,
             ThreadPool* pool) const;
  ConvIsa isa() const { return isa_; }
  // Whether Run would use Winograd for shape `s`.
  bool UsesWinograd(const ConvShape& s) const;
  // Whether the layer keeps its raw weights for Winograd instead of packed panels (PackConstant).
  bool keeps_raw_weights() const { return !raw_.empty(); }

 private:
  // Pack from float32 rows w, or (w null) from IEEE half rows w16 or int8 rows q8, widened a
  // block of rows at a time.
  // A packed object with `s`'s channel/kernel geometry and the micro-kernel blocking of `isa`,
  // weights not yet set.
  static std::shared_ptr<PackedConvF32> WithGeometry(const ConvShape& s, ConvIsa isa, ConvAlgo algo);
  // Where Winograd will run the layer (`algo`, WinogradPreferred(s) for kAuto): an object that
  // shares the constant `w` as its raw weights; otherwise null (the caller packs).
  static std::shared_ptr<PackedConvF32> KeepingRawWeights(const ConvShape& s, const Tensor& w,
                                                          ConvIsa isa, ConvAlgo algo);
  // int8 rows with DequantizeLinear scales (per output channel, or per `block` input channels
  // and tap as PackConstantInt8 takes them), dequantized a row at a time while packing.
  struct Int8Rows {
    const int8_t* q = nullptr;
    const float* scale = nullptr;
    int64_t block = 0;
  };
  static StatusOr<std::shared_ptr<const PackedConvF32>> PackRows(const ConvShape& s,
                                                                 const float* w,
                                                                 const uint16_t* w16,
                                                                 ConvIsa isa, ConvAlgo algo,
                                                                 const Int8Rows* q8 = nullptr);
  Status RunImplicit(const ConvShape& s, const float* x, const ConvEpilogue& ep, float* y,
                     ThreadPool* pool) const;
  Status RunIm2Col(const ConvShape& s, const float* x, const ConvEpilogue& ep, float* y,
                   ThreadPool* pool) const;

  ConvIsa isa_ = ConvIsa::kGeneric;
  ConvAlgo algo_ = ConvAlgo::kAuto;
  int mr_ = 0, nr_ = 0;
  int64_t out_c_ = 0, group_ = 0, k_ = 0, k_h_ = 0, k_w_ = 0, blocks_per_group_ = 0;
  // [group][block][k][mr], k = (c, ky, kx); the Winograd path reads the same panels (its weight
  // transform runs per call into scratch), so a layer holds its raw weights only.
  std::unique_ptr<float[]> panels_;
  // Or, from PackConstant for Winograd layers: the constant weights themselves (float32 or
  // float16, ONNX layout), sharing the tensor's storage; panels_ is then null. From
  // PackConstantInt8: int8 weights, with their per-output-channel scales in raw_scale_.
  Tensor raw_;
  Tensor raw_scale_;
  int64_t raw_block_ = 0;
};

// 8-bit integer inputs for ConvInteger. Values are read as uint8 or int8 per the flags.
struct ConvIntegerInputs {
  const void* x = nullptr;
  bool x_signed = false;
  int32_t x_zero_point = 0;
  const void* w = nullptr;
  bool w_signed = false;
  const int32_t* w_zero_points = nullptr;  // one per output channel
};

// Optional float output for the packed integer convolution ("dequantising" epilogue), computed
// exactly like the Cast -> Mul -> Add -> Relu chain of dynamically quantised models:
// y = relu?(float(acc) * scale[oc or 0] + bias[oc]).
struct ConvIntegerDequant {
  const float* scale = nullptr;  // 1 or out_c values
  bool scale_per_channel = false;
  const float* bias = nullptr;   // out_c values, or null
  bool relu = false;
};

// y = sum (x - x_zp) * (w - w_zp[oc]) exactly in int32 (wrapping on overflow).
void ConvIntegerReference(const ConvShape& s, const ConvIntegerInputs& in, int32_t* y);

// How PackedConvInteger multiplies. kInt16Pairs: operands widened to int16 after subtracting zero
// points, multiplied in pairs (pmaddwd / vpdpwssd / i32x4.dot). kU8S8Quads (stride 1 on CPUs with
// AVX512-VNNI): raw uint8 inputs times int8 weights (w - 128 for uint8 weights) four at a time with
// vpdpbusd, then exact int32 corrections for the zero points and the weight shift:
//   sum (x - xz)(w - wz) = sum x * w8 + (shift - wz) * sum x - xz * sum (w - wz),
// where padding reads x = xz. These two give identical, exact results.
// kWinogradF32 (3x3, stride 1, one group: WinogradSupports): Winograd F(4x4, 3x3) in float
// (WinogradConvInteger, winograd.h) on (x - xz) and (w - wz), the sums rounded to the nearest
// integer per chunk of <= 256 input channels and the chunks added in int32: exact unless a
// chunk's float error (at most ~3e-6 of its sum of |products|) reaches 0.5. The layer keeps only
// its raw 8-bit weights.
// kAuto picks kWinogradF32 where WinogradIntegerPreferred says it is faster, else kU8S8Quads
// where available, else kInt16Pairs.
enum class ConvIntScheme { kAuto, kInt16Pairs, kU8S8Quads, kWinogradF32 };

// Whether kAuto uses kWinogradF32 for shape `s` (full shape, spatial sizes included) when the
// micro-kernels of `isa` are used (measured on IS-Net's layers; see the comment in conv_core.cc
// and docs/BENCHMARKS.md).
bool WinogradIntegerPreferred(const ConvShape& s, ConvIsa isa);

class PackedConvInteger {
 public:
  // Uses in.w, in.w_signed and in.w_zero_points. An unavailable `scheme` falls back to kInt16Pairs.
  // kAuto decides with the full shape `s`; the others need only its channel, group and kernel
  // fields. For kWinogradF32, `w_storage` may be the tensor whose bytes in.w points to: the
  // packed object then shares that storage instead of copying the weights.
  static StatusOr<std::shared_ptr<const PackedConvInteger>> Pack(
      const ConvShape& s, const ConvIntegerInputs& in, ConvIsa isa = ConvIsa::kAuto,
      ConvIntScheme scheme = ConvIntScheme::kAuto, const Tensor* w_storage = nullptr);
  // Uses in.x, in.x_signed and in.x_zero_point.
  Status Run(const ConvShape& s, const ConvIntegerInputs& in, int32_t* y, ThreadPool* pool) const;
  // Same sums, written as float through the dequantising epilogue.
  Status RunDequant(const ConvShape& s, const ConvIntegerInputs& in, const ConvIntegerDequant& dq,
                    float* y, ThreadPool* pool) const;
  ConvIsa isa() const { return isa_; }
  ConvIntScheme scheme() const {
    return winograd_ ? ConvIntScheme::kWinogradF32
                     : u8_ ? ConvIntScheme::kU8S8Quads : ConvIntScheme::kInt16Pairs;
  }

 private:
  struct Output {
    int32_t* y_int = nullptr;  // either int32 output...
    float* y_float = nullptr;  // ...or float through `dq`
    ConvIntegerDequant dq;
  };
  Status RunAny(const ConvShape& s, const ConvIntegerInputs& in, const Output& out,
                ThreadPool* pool) const;
  Status RunImplicit(const ConvShape& s, const ConvIntegerInputs& in, const Output& out,
                     ThreadPool* pool) const;
  Status RunIm2Col(const ConvShape& s, const ConvIntegerInputs& in, const Output& out,
                   ThreadPool* pool) const;
  Status PackU8(const ConvShape& s, const ConvIntegerInputs& in,
                const conv_internal::MicroKernels& mk);
  Status RunImplicitU8(const ConvShape& s, const ConvIntegerInputs& in, const Output& out,
                       ThreadPool* pool) const;
  Status PackWinograd(const ConvShape& s, const ConvIntegerInputs& in, const Tensor* w_storage);
  Status RunWinograd(const ConvShape& s, const ConvIntegerInputs& in, const Output& out,
                     ThreadPool* pool) const;

  ConvIsa isa_ = ConvIsa::kGeneric;
  int mr_ = 0, nr_ = 0;
  bool u8_ = false;  // kU8S8Quads: panels_u8_ [group][block][quad][mr][4], kp_ counts quads
  std::unique_ptr<int8_t[]> panels_u8_;
  std::vector<int32_t> w_shift_minus_zp_, w_sums_;  // per output channel, for kU8S8Quads
  bool implicit_ = false;  // stride 1: pairs are channels (2c, 2c+1); else consecutive k
  int64_t out_c_ = 0, group_ = 0, k_ = 0, kp_ = 0, k_h_ = 0, k_w_ = 0, blocks_per_group_ = 0;
  // [group][block][pair][mr][2]; every element is written by Pack (no zero-fill pass first).
  std::unique_ptr<int16_t[]> panels_;
  // kWinogradF32: the raw weights [out_c][in_c][3][3] (w_raw_ points into w_shared_'s storage or
  // w_copy_) and their zero points.
  bool winograd_ = false, w_signed_ = false;
  const void* w_raw_ = nullptr;
  Tensor w_shared_;
  std::unique_ptr<uint8_t[]> w_copy_;
  std::vector<int32_t> w_zero_points_;
};

// Reads Conv/ConvInteger geometry from a node: input 0 is [N, C, (H,) W], input 1 the weights
// [M, C/group, (kH,) kW]; attributes auto_pad, dilations, group, kernel_shape, pads, strides.
// 1-D convolutions come back with height 1. Sets *out_shape to the output shape.
StatusOr<ConvShape> PlanConvNode(const InferContext& ctx, Shape* out_shape);

}  // namespace bgone::kernels
