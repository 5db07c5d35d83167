// MaxPool over 1, 2 or 3 spatial dims: kernel, strides, pads, dilations, ceil_mode, auto_pad.
// The optional Indices output is not implemented (an error when requested).
#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/kernels/kernel_util.h"
#include "engine/kernels/pool.h"

namespace bgone::kernels {

StatusOr<int64_t> PoolOutputSize(int64_t in, int64_t kernel, int64_t stride, int64_t dilation,
                                 int64_t pad_begin, int64_t pad_end, bool ceil_mode) {
  int64_t span = dilation * (kernel - 1) + 1;
  int64_t room = in + pad_begin + pad_end - span;
  if (room < 0) {
    return MalformedError("pooling window " + std::to_string(span) + " exceeds padded input " +
                          std::to_string(in + pad_begin + pad_end));
  }
  int64_t out = room / stride + 1;
  if (ceil_mode && room % stride != 0) {
    ++out;
    // As in ONNX Runtime and PyTorch: the last window must start inside the input or the
    // leading padding, otherwise it is dropped.
    if ((out - 1) * stride >= in + pad_begin) --out;
  }
  return out;
}

namespace {

struct PoolGeometry {
  int spatial = 0;           // 1..3
  int64_t k[3] = {1, 1, 1};  // padded to 3 dims, leading dims are 1
  int64_t s[3] = {1, 1, 1};
  int64_t d[3] = {1, 1, 1};
  int64_t pad[3] = {0, 0, 0};  // leading pads
  int64_t in[3] = {1, 1, 1};
  int64_t out[3] = {1, 1, 1};
};

StatusOr<PoolGeometry> PlanMaxPool(const InferContext& ctx, Shape* out_shape) {
  const ir::Node& node = ctx.node();
  int64_t opset = ctx.opset();
  if (opset >= 10) {
    BG_RETURN_IF_ERROR(CheckKnownAttrs(node, {"auto_pad", "ceil_mode", "dilations", "kernel_shape",
                                              "pads", "storage_order", "strides"}));
  } else if (opset >= 8) {
    BG_RETURN_IF_ERROR(CheckKnownAttrs(node, {"auto_pad", "kernel_shape", "pads", "storage_order", "strides"}));
  } else {
    BG_RETURN_IF_ERROR(CheckKnownAttrs(node, {"auto_pad", "kernel_shape", "pads", "strides"}));
  }
  BG_RETURN_IF_ERROR(CheckInputs(ctx, 1, 1));
  BG_RETURN_IF_ERROR(CheckMaxOutputs(ctx, 1));
  BG_RETURN_IF_ERROR(CheckInputDType(ctx, 0, {DType::kFloat32, DType::kFloat64, DType::kInt8, DType::kUInt8}));
  const Shape& x = ctx.input_shape(0);
  if (x.size() < 3 || x.size() > 5) {
    return UnsupportedError("MaxPool input rank " + std::to_string(x.size()) + " (need 3 to 5)");
  }
  int sp = static_cast<int>(x.size()) - 2;
  BG_ASSIGN_OR_RETURN(std::vector<int64_t> kernel, AttrInts(node, "kernel_shape", {}));
  if (static_cast<int>(kernel.size()) != sp) return MalformedError("kernel_shape does not match the input rank");
  BG_ASSIGN_OR_RETURN(std::vector<int64_t> strides, AttrInts(node, "strides", std::vector<int64_t>(sp, 1)));
  BG_ASSIGN_OR_RETURN(std::vector<int64_t> dil, AttrInts(node, "dilations", std::vector<int64_t>(sp, 1)));
  BG_ASSIGN_OR_RETURN(std::vector<int64_t> pads, AttrInts(node, "pads", std::vector<int64_t>(2 * sp, 0)));
  BG_ASSIGN_OR_RETURN(std::string auto_pad, AttrString(node, "auto_pad", "NOTSET"));
  BG_ASSIGN_OR_RETURN(int64_t ceil_mode, AttrInt(node, "ceil_mode", 0));
  BG_ASSIGN_OR_RETURN(int64_t storage_order, AttrInt(node, "storage_order", 0));
  if (storage_order != 0) return UnsupportedError("storage_order " + std::to_string(storage_order));
  if (static_cast<int>(strides.size()) != sp || static_cast<int>(dil.size()) != sp ||
      static_cast<int>(pads.size()) != 2 * sp) {
    return MalformedError("strides/dilations/pads do not match the input rank");
  }
  PoolGeometry g;
  g.spatial = sp;
  *out_shape = {x[0], x[1]};
  for (int i = 0; i < sp; ++i) {
    int j = 3 - sp + i;
    int64_t in = x[static_cast<size_t>(2 + i)];
    if (kernel[i] < 1 || strides[i] < 1 || dil[i] < 1 || pads[i] < 0 || pads[i + sp] < 0) {
      return MalformedError("invalid kernel_shape, strides, dilations or pads");
    }
    if (kernel[i] > (int64_t{1} << 24) || strides[i] > (int64_t{1} << 24) ||
        dil[i] > (int64_t{1} << 24) || pads[i] > (int64_t{1} << 24) || pads[i + sp] > (int64_t{1} << 24)) {
      return MalformedError("kernel_shape, strides, dilations or pads too large");
    }
    int64_t pb = pads[i], pe = pads[i + sp];
    int64_t span = dil[i] * (kernel[i] - 1) + 1;
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      int64_t target = (in + strides[i] - 1) / strides[i];
      int64_t need = std::max<int64_t>(0, (target - 1) * strides[i] + span - in);
      pb = auto_pad == "SAME_LOWER" ? (need + 1) / 2 : need / 2;
      pe = need - pb;
    } else if (auto_pad == "VALID") {
      pb = pe = 0;
    } else if (auto_pad != "NOTSET") {
      return UnsupportedError("auto_pad '" + auto_pad + "'");
    }
    BG_ASSIGN_OR_RETURN(int64_t out, PoolOutputSize(in, kernel[i], strides[i], dil[i], pb, pe, ceil_mode != 0));
    g.k[j] = kernel[i];
    g.s[j] = strides[i];
    g.d[j] = dil[i];
    g.pad[j] = pb;
    g.in[j] = in;
    g.out[j] = out;
    out_shape->push_back(out);
  }
  return g;
}

Status InferMaxPool(InferContext& ctx) {
  Shape out;
  BG_ASSIGN_OR_RETURN(PoolGeometry g, PlanMaxPool(ctx, &out));
  (void)g;
  ctx.SetOutput(0, ctx.input_dtype(0), out);
  return OkStatus();
}

// One (batch, channel) plane.
template <typename T>
void MaxPoolPlane(const PoolGeometry& g, const T* x, T* y) {
  for (int64_t oz = 0; oz < g.out[0]; ++oz) {
    int64_t z0 = oz * g.s[0] - g.pad[0];
    for (int64_t oy = 0; oy < g.out[1]; ++oy) {
      int64_t y0 = oy * g.s[1] - g.pad[1];
      for (int64_t ox = 0; ox < g.out[2]; ++ox) {
        int64_t x0 = ox * g.s[2] - g.pad[2];
        T best = std::numeric_limits<T>::lowest();
        for (int64_t kz = 0; kz < g.k[0]; ++kz) {
          int64_t iz = z0 + kz * g.d[0];
          if (iz < 0 || iz >= g.in[0]) continue;
          for (int64_t ky = 0; ky < g.k[1]; ++ky) {
            int64_t iy = y0 + ky * g.d[1];
            if (iy < 0 || iy >= g.in[1]) continue;
            const T* row = x + (iz * g.in[1] + iy) * g.in[2];
            for (int64_t kx = 0; kx < g.k[2]; ++kx) {
              int64_t ix = x0 + kx * g.d[2];
              if (ix < 0 || ix >= g.in[2]) continue;
              T v = row[ix];
              // NaN wins, as in ONNX Runtime's max.
              if (v > best || v != v) best = v;
            }
          }
        }
        *y++ = best;
      }
    }
  }
}

// The common 2x2 stride-2 case without padding, for float: no bounds checks in the interior.
void MaxPool2x2S2F32(const PoolGeometry& g, const float* x, float* y) {
  int64_t ih = g.in[1], iw = g.in[2], oh = g.out[1], ow = g.out[2];
  for (int64_t oy = 0; oy < oh; ++oy) {
    const float* r0 = x + 2 * oy * iw;
    const float* r1 = 2 * oy + 1 < ih ? r0 + iw : r0;
    int64_t full = std::min(ow, iw / 2);
    for (int64_t ox = 0; ox < full; ++ox) {
      float a = std::max(r0[2 * ox], r0[2 * ox + 1]);
      float b = std::max(r1[2 * ox], r1[2 * ox + 1]);
      y[ox] = std::max(a, b);
    }
    for (int64_t ox = full; ox < ow; ++ox) y[ox] = std::max(r0[2 * ox], r1[2 * ox]);  // odd width
    y += ow;
  }
}

StatusOr<std::unique_ptr<Kernel>> CreateMaxPool(InferContext& ctx) {
  Shape out;
  BG_ASSIGN_OR_RETURN(PoolGeometry g, PlanMaxPool(ctx, &out));
  DType dtype = ctx.input_dtype(0);
  bool fast = dtype == DType::kFloat32 && g.spatial == 2 && g.k[1] == 2 && g.k[2] == 2 &&
              g.s[1] == 2 && g.s[2] == 2 && g.d[1] == 1 && g.d[2] == 1 && g.pad[1] == 0 &&
              g.pad[2] == 0 && g.out[1] <= (g.in[1] + 1) / 2 && g.out[2] <= (g.in[2] + 1) / 2;
  return MakeKernel([g, dtype, fast](KernelContext& kc) -> Status {
    const Tensor& x = *kc.inputs[0];
    Tensor& y = *kc.outputs[0];
    int64_t planes = x.dim(0) * x.dim(1);
    int64_t in_plane = g.in[0] * g.in[1] * g.in[2], out_plane = g.out[0] * g.out[1] * g.out[2];
    return DispatchNumeric(dtype, "MaxPool", [&](auto tag) -> Status {
      using T = decltype(tag);
      if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double> ||
                    std::is_same_v<T, int8_t> || std::is_same_v<T, uint8_t>) {
        const T* px = x.data<T>();
        T* py = y.data<T>();
        ParallelFor(kc.pool, planes, [&](int64_t p0, int64_t p1) {
          for (int64_t p = p0; p < p1; ++p) {
            if constexpr (std::is_same_v<T, float>) {
              if (fast) {
                MaxPool2x2S2F32(g, px + p * in_plane, py + p * out_plane);
                continue;
              }
            }
            MaxPoolPlane(g, px + p * in_plane, py + p * out_plane);
          }
        });
        return OkStatus();
      } else {
        return UnsupportedError("MaxPool type");
      }
    });
  });
}

}  // namespace

void AppendPoolSchemas(std::vector<OpSchema>* out) {
  out->push_back({"", "MaxPool", InferMaxPool, CreateMaxPool, false, false, true});
}

}  // namespace bgone::kernels
