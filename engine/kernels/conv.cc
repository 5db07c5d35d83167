// Conv (float32, 1-D and 2-D), plus bgone.FusedConv = Conv followed by an activation, for the
// fusion pass, optionally with int8 weights and their per-output-channel scales as a fourth input
// (passes::AbsorbWeightDequantize). Weights are packed once at prepare time when they are constant.
#include <algorithm>
#include <memory>
#include <new>

#include "engine/kernels/conv.h"
#include "engine/kernels/kernel_util.h"

namespace bgone::kernels {

StatusOr<ConvShape> PlanConvNode(const InferContext& ctx, Shape* out_shape) {
  const ir::Node& node = ctx.node();
  const Shape& x = ctx.input_shape(0);
  const Shape& w = ctx.input_shape(1);
  if (x.size() != 3 && x.size() != 4) {
    return UnsupportedError("convolution input rank " + std::to_string(x.size()) +
                            " (only 1-D and 2-D convolutions are implemented)");
  }
  if (w.size() != x.size()) {
    return MalformedError("weight rank " + std::to_string(w.size()) + " does not match input rank " +
                          std::to_string(x.size()));
  }
  int sp = static_cast<int>(x.size()) - 2;
  BG_ASSIGN_OR_RETURN(int64_t group, AttrInt(node, "group", 1));
  std::vector<int64_t> w_kernel(w.begin() + 2, w.end());
  BG_ASSIGN_OR_RETURN(std::vector<int64_t> kernel, AttrInts(node, "kernel_shape", w_kernel));
  BG_ASSIGN_OR_RETURN(std::vector<int64_t> strides, AttrInts(node, "strides", std::vector<int64_t>(sp, 1)));
  BG_ASSIGN_OR_RETURN(std::vector<int64_t> dil, AttrInts(node, "dilations", std::vector<int64_t>(sp, 1)));
  BG_ASSIGN_OR_RETURN(std::vector<int64_t> pads, AttrInts(node, "pads", std::vector<int64_t>(2 * sp, 0)));
  BG_ASSIGN_OR_RETURN(std::string auto_pad, AttrString(node, "auto_pad", "NOTSET"));
  if (kernel != w_kernel) return MalformedError("kernel_shape does not match the weight shape");
  if (static_cast<int>(strides.size()) != sp || static_cast<int>(dil.size()) != sp ||
      static_cast<int>(pads.size()) != 2 * sp) {
    return MalformedError("strides/dilations/pads do not match the input rank");
  }
  int64_t c = x[1], m = w[0];
  if (group < 1 || c % group != 0 || m % group != 0 || w[1] != c / group) {
    return MalformedError("group " + std::to_string(group) + " does not fit input channels " +
                          std::to_string(c) + ", weight shape " + ShapeToString(w));
  }
  constexpr int64_t kLimit = int64_t{1} << 24;
  ConvShape s;
  s.batch = x[0];
  s.in_c = c;
  s.out_c = m;
  s.group = group;
  int64_t in_sp[2] = {1, x[2]}, k_sp[2] = {1, 1}, st[2] = {1, 1}, dl[2] = {1, 1}, pb_sp[2] = {0, 0};
  int64_t out_sp[2] = {1, 1};
  if (sp == 2) in_sp[0] = x[2], in_sp[1] = x[3];
  *out_shape = {x[0], m};
  for (int i = 0; i < sp; ++i) {
    int j = 2 - sp + i;
    int64_t in = in_sp[j], k = kernel[i], s_ = strides[i], d = dil[i], pb = pads[i], pe = pads[i + sp];
    if (k < 1 || s_ < 1 || d < 1 || pb < 0 || pe < 0 || k > kLimit || s_ > kLimit || d > kLimit ||
        pb > kLimit || pe > kLimit) {
      return MalformedError("invalid kernel_shape, strides, dilations or pads");
    }
    int64_t span = d * (k - 1) + 1;
    int64_t out;
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      out = (in + s_ - 1) / s_;
      int64_t need = std::max<int64_t>(0, (out - 1) * s_ + span - in);
      pb = auto_pad == "SAME_LOWER" ? (need + 1) / 2 : need / 2;
      pe = need - pb;
    } else if (auto_pad == "VALID" || auto_pad == "NOTSET") {
      if (auto_pad == "VALID") pb = pe = 0;
      if (in + pb + pe < span) {
        return MalformedError("kernel extent " + std::to_string(span) + " exceeds padded input " +
                              std::to_string(in + pb + pe));
      }
      out = (in + pb + pe - span) / s_ + 1;
    } else {
      return UnsupportedError("auto_pad '" + auto_pad + "'");
    }
    k_sp[j] = k;
    st[j] = s_;
    dl[j] = d;
    pb_sp[j] = pb;
    out_sp[j] = out;
    out_shape->push_back(out);
  }
  s.in_h = in_sp[0];
  s.in_w = in_sp[1];
  s.k_h = k_sp[0];
  s.k_w = k_sp[1];
  s.stride_h = st[0];
  s.stride_w = st[1];
  s.dil_h = dl[0];
  s.dil_w = dl[1];
  s.pad_t = pb_sp[0];
  s.pad_l = pb_sp[1];
  s.out_h = out_sp[0];
  s.out_w = out_sp[1];
  BG_RETURN_IF_ERROR(CheckedNumElements(*out_shape).status());
  BG_RETURN_IF_ERROR(CheckedNumElements(w).status());
  return s;
}

namespace {

struct ConvOpConfig {
  ConvShape shape;
  bool relu = false;
  bool int8_weights = false;  // bgone.FusedConv with int8 weights and their scales (input 3)
  int64_t weight_block = 0;   // int8 weights: input channels per scale (0: one per output channel)
};

StatusOr<ConvOpConfig> PlanConvOp(const InferContext& ctx, Shape* out_shape) {
  bool fused = ctx.node().domain == "bgone";
  if (fused) {
    BG_RETURN_IF_ERROR(CheckKnownAttrs(ctx.node(), {"activation", "auto_pad", "dilations", "group",
                                                    "kernel_shape", "pads", "strides",
                                                    "weight_block_size"}));
  } else {
    BG_RETURN_IF_ERROR(CheckKnownAttrs(ctx.node(), {"auto_pad", "dilations", "group",
                                                    "kernel_shape", "pads", "strides"}));
  }
  // bgone.FusedConv's fourth input: the per-output-channel scales of int8 weights
  // (passes::AbsorbWeightDequantize); both must then be constants.
  BG_RETURN_IF_ERROR(CheckInputs(ctx, 2, fused ? 4 : 3));
  const bool int8_weights = fused && ctx.has_input(3);
  int64_t weight_block = 0;
  if (int8_weights) {
    BG_ASSIGN_OR_RETURN(weight_block, AttrInt(ctx.node(), "weight_block_size", 0));
    const Tensor* q = ctx.input_constant(1);
    const Tensor* sc = ctx.input_constant(3);
    bool ok = q != nullptr && sc != nullptr && q->dtype() == DType::kInt8 &&
              sc->dtype() == DType::kFloat32 && q->shape().size() >= 3 && weight_block >= 0;
    if (ok && weight_block == 0) {
      ok = sc->shape().size() == 1 && sc->shape()[0] == q->shape()[0];
    } else if (ok) {
      ok = sc->shape() == BlockedScaleShape(q->shape(), 1, weight_block);
    }
    if (!ok) {
      return MalformedError("FusedConv with weight scales needs constant int8 weights and float32 "
                            "scales per output channel or per weight_block_size input channels");
    }
  }
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    if (!ctx.has_input(i)) continue;
    if (i == 1 && int8_weights) continue;
    // Constant fp16 weights are widened while packing (passes::WidenFloat16 leaves them so).
    if (i == 1 && ctx.input_dtype(1) == DType::kFloat16 && ctx.input_constant(1) != nullptr) continue;
    BG_RETURN_IF_ERROR(CheckInputDType(ctx, i, {DType::kFloat32}));
  }
  ConvOpConfig cfg;
  cfg.int8_weights = int8_weights;
  cfg.weight_block = weight_block;
  if (fused) {
    BG_ASSIGN_OR_RETURN(std::string act, AttrString(ctx.node(), "activation", ""));
    if (act == "Relu") cfg.relu = true;
    else if (!act.empty()) return UnsupportedError("activation '" + act + "'");
  }
  BG_ASSIGN_OR_RETURN(cfg.shape, PlanConvNode(ctx, out_shape));
  if (ctx.has_input(2)) {
    const Shape& b = ctx.input_shape(2);
    if (b.size() != 1 || b[0] != cfg.shape.out_c) {
      return MalformedError("bias shape " + ShapeToString(b) + ", expected [" +
                            std::to_string(cfg.shape.out_c) + "]");
    }
  }
  return cfg;
}

Status InferConv(InferContext& ctx) {
  Shape out;
  BG_ASSIGN_OR_RETURN(ConvOpConfig cfg, PlanConvOp(ctx, &out));
  (void)cfg;
  ctx.SetOutput(0, DType::kFloat32, out);
  return OkStatus();
}

class ConvKernel final : public Kernel {
 public:
  ConvKernel(ConvOpConfig cfg, std::shared_ptr<const PackedConvF32> packed)
      : cfg_(cfg), packed_(std::move(packed)) {}

  // Weights packed at create time are not read again.
  bool NeedsInputAtRun(int i) const override { return !((i == 1 || i == 3) && packed_); }

  Status Run(KernelContext& kc) override {
    const Tensor& x = *kc.inputs[0];
    Tensor& y = *kc.outputs[0];
    std::shared_ptr<const PackedConvF32> packed = packed_;
    if (!packed) {
      BG_ASSIGN_OR_RETURN(packed, PackedConvF32::Pack(cfg_.shape, kc.inputs[1]->data<float>()));
    }
    ConvEpilogue ep;
    ep.relu = cfg_.relu;
    if (kc.inputs.size() > 2 && kc.inputs[2] != nullptr) ep.bias = kc.inputs[2]->data<float>();
    return packed->Run(cfg_.shape, x.data<float>(), ep, y.data<float>(), kc.pool);
  }

 private:
  ConvOpConfig cfg_;
  std::shared_ptr<const PackedConvF32> packed_;
};

StatusOr<std::unique_ptr<Kernel>> CreateConv(InferContext& ctx) {
  Shape out;
  BG_ASSIGN_OR_RETURN(ConvOpConfig cfg, PlanConvOp(ctx, &out));
  std::shared_ptr<const PackedConvF32> packed;
  if (cfg.int8_weights) {
    BG_ASSIGN_OR_RETURN(packed, PackedConvF32::PackConstantInt8(
                                    cfg.shape, *ctx.input_constant(1), *ctx.input_constant(3),
                                    ConvIsa::kAuto, ConvAlgo::kAuto, cfg.weight_block));
  } else if (const Tensor* w = ctx.input_constant(1)) {
    // Winograd layers keep the constant itself (fp16 too: read by the per-call weight
    // transform); the others are packed, fp16 rows widened a few at a time while packing.
    // Either way the model's weights never exist as a whole float32 copy: less memory touched at
    // load, which is most of the load time in WebAssembly.
    BG_ASSIGN_OR_RETURN(packed, PackedConvF32::PackConstant(cfg.shape, *w));
  }
  return std::unique_ptr<Kernel>(std::make_unique<ConvKernel>(cfg, std::move(packed)));
}

}  // namespace

void AppendConvSchemas(std::vector<OpSchema>* out) {
  out->push_back({"", "Conv", InferConv, CreateConv, false, false, true});
  out->push_back({"bgone", "FusedConv", InferConv, CreateConv, false, false, true});
}

}  // namespace bgone::kernels
