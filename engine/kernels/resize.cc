// Resize (opset 10, 11, 13, 18, 19): nearest, linear and cubic over any rank, done as one
// separable pass per resized axis. Coordinates are computed in float with ONNX Runtime's
// expressions so results match it to rounding.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>

#include "engine/kernels/kernel_util.h"
#include "engine/kernels/resize_simd.h"

namespace bgone::kernels {
namespace {

enum class Mode { kNearest, kLinear, kCubic };
enum class Transform {
  kHalfPixel,
  kHalfPixelSymmetric,
  kAsymmetric,
  kPytorchHalfPixel,
  kTfHalfPixelForNn,
  kAlignCorners,
  kTfCropAndResize,
};
enum class Nearest { kSimple, kRoundPreferFloor, kRoundPreferCeil, kFloor, kCeil };

struct ResizeAttrs {
  Mode mode = Mode::kNearest;
  Transform transform = Transform::kHalfPixel;
  Nearest nearest = Nearest::kRoundPreferFloor;
  float cubic_a = -0.75f;
  bool exclude_outside = false;
  float extrapolation_value = 0.0f;
};

// Interpolation taps of one axis: output coordinate o reads idx[o*taps + t] with weight w[...].
struct AxisTaps {
  int axis = 0;
  int taps = 1;
  int64_t in = 0, out = 0;
  std::vector<int64_t> idx;
  std::vector<float> w;
  std::vector<uint8_t> extrapolate;  // 1 where the output takes extrapolation_value
  bool any_extrapolate = false;
};

// 2-D bilinear over the last two axes, computed with ONNX Runtime's exact expression
// (dx2*dy2*X11 + dx1*dy2*X21 + dx2*dy1*X12 + dx1*dy1*X22) so results match it bit for bit; models
// that re-quantise after a Resize (dynamic int8) otherwise drift by flipped rounding ties.
struct Bilinear {
  int64_t planes = 0, in_h = 0, in_w = 0, out_h = 0, out_w = 0;
  std::vector<int64_t> y1, y2, x1, x2;  // source rows/columns
  std::vector<float> dy1, dy2, dx1, dx2;
  std::vector<uint8_t> y_out, x_out;    // coordinate outside the input (tf_crop_and_resize)
  bool extrapolate = false;
  // Exactly twice as wide, with columns 2i and 2i+1 reading (i-1, i) and (i, i+1) for every
  // interior i (e.g. half_pixel at scale 2): Bilinear2xRowInterior does those rows.
  bool twice_x = false;
};

struct ResizePlan {
  ResizeAttrs attrs;
  Shape in_shape, out_shape;
  std::vector<AxisTaps> passes;  // in execution order; axes that do not change are skipped
  std::optional<Bilinear> bilinear;  // set instead of `passes` for 2-D bilinear
};

StatusOr<ResizeAttrs> ParseAttrs(const InferContext& ctx) {
  const ir::Node& node = ctx.node();
  int64_t opset = ctx.opset();
  ResizeAttrs a;
  if (opset < 11) {
    BG_RETURN_IF_ERROR(CheckKnownAttrs(node, {"mode"}));
  } else if (opset < 18) {
    BG_RETURN_IF_ERROR(CheckKnownAttrs(node, {"coordinate_transformation_mode", "cubic_coeff_a",
                                              "exclude_outside", "extrapolation_value", "mode",
                                              "nearest_mode"}));
  } else {
    BG_RETURN_IF_ERROR(CheckKnownAttrs(node, {"antialias", "axes", "coordinate_transformation_mode",
                                              "cubic_coeff_a", "exclude_outside",
                                              "extrapolation_value", "keep_aspect_ratio_policy",
                                              "mode", "nearest_mode"}));
    BG_ASSIGN_OR_RETURN(int64_t antialias, AttrInt(node, "antialias", 0));
    if (antialias != 0) return UnsupportedError("antialias=" + std::to_string(antialias));
  }
  BG_ASSIGN_OR_RETURN(std::string mode, AttrString(node, "mode", "nearest"));
  if (mode == "nearest") a.mode = Mode::kNearest;
  else if (mode == "linear") a.mode = Mode::kLinear;
  else if (mode == "cubic" && opset >= 11) a.mode = Mode::kCubic;
  else return UnsupportedError("mode '" + mode + "'");
  if (opset < 11) {
    a.transform = Transform::kAsymmetric;
    a.nearest = Nearest::kSimple;
    return a;
  }
  BG_ASSIGN_OR_RETURN(std::string ct, AttrString(node, "coordinate_transformation_mode", "half_pixel"));
  if (ct == "half_pixel") a.transform = Transform::kHalfPixel;
  else if (ct == "half_pixel_symmetric" && opset >= 19) a.transform = Transform::kHalfPixelSymmetric;
  else if (ct == "asymmetric") a.transform = Transform::kAsymmetric;
  else if (ct == "pytorch_half_pixel") a.transform = Transform::kPytorchHalfPixel;
  else if (ct == "tf_half_pixel_for_nn") a.transform = Transform::kTfHalfPixelForNn;
  else if (ct == "align_corners") a.transform = Transform::kAlignCorners;
  else if (ct == "tf_crop_and_resize") a.transform = Transform::kTfCropAndResize;
  else return UnsupportedError("coordinate_transformation_mode '" + ct + "'");
  BG_ASSIGN_OR_RETURN(std::string nm, AttrString(node, "nearest_mode", "round_prefer_floor"));
  if (nm == "round_prefer_floor") a.nearest = Nearest::kRoundPreferFloor;
  else if (nm == "round_prefer_ceil") a.nearest = Nearest::kRoundPreferCeil;
  else if (nm == "floor") a.nearest = Nearest::kFloor;
  else if (nm == "ceil") a.nearest = Nearest::kCeil;
  else return UnsupportedError("nearest_mode '" + nm + "'");
  BG_ASSIGN_OR_RETURN(a.cubic_a, AttrFloat(node, "cubic_coeff_a", -0.75f));
  BG_ASSIGN_OR_RETURN(int64_t excl, AttrInt(node, "exclude_outside", 0));
  a.exclude_outside = excl != 0;
  BG_ASSIGN_OR_RETURN(a.extrapolation_value, AttrFloat(node, "extrapolation_value", 0.0f));
  return a;
}

float OriginalCoordinate(const ResizeAttrs& a, float x, float scale, float out_len, float in_len,
                         float roi_start, float roi_end) {
  switch (a.transform) {
    case Transform::kAsymmetric:
      return x / scale;
    case Transform::kPytorchHalfPixel:
      return out_len > 1 ? (x + 0.5f) / scale - 0.5f : 0.0f;
    case Transform::kTfHalfPixelForNn:
      return (x + 0.5f) / scale;
    case Transform::kAlignCorners:
      return out_len == 1 ? 0.0f : x * (in_len - 1) / (out_len - 1);
    case Transform::kTfCropAndResize:
      if (out_len > 1) {
        return roi_start * (in_len - 1) + (x * (roi_end - roi_start) * (in_len - 1)) / (out_len - 1);
      }
      return static_cast<float>(0.5 * (roi_start + roi_end) * (in_len - 1));
    case Transform::kHalfPixelSymmetric: {
      float adjustment = out_len / (scale * in_len);
      float center = in_len / 2;
      float offset = center * (1 - adjustment);
      return offset + (x + 0.5f) / scale - 0.5f;
    }
    case Transform::kHalfPixel:
      break;
  }
  return (x + 0.5f) / scale - 0.5f;
}

int64_t NearestIndex(Nearest mode, float x, bool downsampling) {
  // x is finite and bounded by the caller, so the casts are defined. The two "round" modes treat
  // fractions within 1e-6 of one half as ties, which is what ONNX Runtime 1.30 does (measured), so
  // coordinates like 2 / (4/7.f) = 3.4999998 still round as the exact 3.5 would.
  constexpr float kTieTolerance = 1e-6f;
  switch (mode) {
    case Nearest::kSimple:
      return downsampling ? static_cast<int64_t>(std::ceil(x)) : static_cast<int64_t>(x);
    case Nearest::kFloor:
      return static_cast<int64_t>(std::floor(x));
    case Nearest::kCeil:
      return static_cast<int64_t>(std::ceil(x));
    case Nearest::kRoundPreferCeil: {
      float f = std::floor(x);
      return static_cast<int64_t>(f) + (x - f >= 0.5f - kTieTolerance ? 1 : 0);
    }
    case Nearest::kRoundPreferFloor:
      break;
  }
  float f = std::floor(x);
  return static_cast<int64_t>(f) + (x - f > 0.5f + kTieTolerance ? 1 : 0);
}

void CubicCoefficients(float t, float a, float c[4]) {
  float s = t + 1;
  c[0] = ((a * s - 5 * a) * s + 8 * a) * s - 4 * a;
  s = t;
  c[1] = ((a + 2) * s - (a + 3)) * s * s + 1;
  s = 1 - t;
  c[2] = ((a + 2) * s - (a + 3)) * s * s + 1;
  s = 2 - t;
  c[3] = ((a * s - 5 * a) * s + 8 * a) * s - 4 * a;
}

AxisTaps ComputeTaps(const ResizeAttrs& a, int axis, int64_t in, int64_t out, float scale,
                     float roi_start, float roi_end) {
  AxisTaps t;
  t.axis = axis;
  t.in = in;
  t.out = out;
  t.taps = a.mode == Mode::kNearest ? 1 : a.mode == Mode::kLinear ? 2 : 4;
  t.idx.assign(static_cast<size_t>(out * t.taps), 0);
  t.w.assign(static_cast<size_t>(out * t.taps), 0.0f);
  t.extrapolate.assign(static_cast<size_t>(out), 0);
  bool crop = a.transform == Transform::kTfCropAndResize;
  float in_f = static_cast<float>(in), out_f = static_cast<float>(out);
  float max_coord = static_cast<float>(in - 1);
  for (int64_t o = 0; o < out; ++o) {
    // As ONNX Runtime: an axis with scale 1 keeps its coordinates (no transform).
    float x = scale == 1.0f && a.mode != Mode::kNearest
                  ? static_cast<float>(o)
                  : OriginalCoordinate(a, static_cast<float>(o), scale, out_f, in_f, roi_start, roi_end);
    int64_t* idx = &t.idx[static_cast<size_t>(o * t.taps)];
    float* w = &t.w[static_cast<size_t>(o * t.taps)];
    if (crop && (x < 0 || x > max_coord || x != x)) {
      t.extrapolate[static_cast<size_t>(o)] = 1;
      t.any_extrapolate = true;
      w[0] = 1.0f;  // reads index 0; the value is replaced afterwards
      continue;
    }
    if (x != x) x = 0;  // NaN from degenerate scales: read the first element
    if (a.mode == Mode::kNearest) {
      float xc = std::clamp(x, -1.0f, in_f + 1.0f);  // keeps the integer casts defined
      idx[0] = std::clamp<int64_t>(NearestIndex(a.nearest, xc, scale < 1.0f), 0, in - 1);
      w[0] = 1.0f;
    } else if (a.mode == Mode::kLinear) {
      float xc = std::clamp(x, 0.0f, max_coord);
      int64_t i0 = std::min(static_cast<int64_t>(xc), in - 1);
      int64_t i1 = std::min(i0 + 1, in - 1);
      float f = xc - static_cast<float>(i0);
      idx[0] = i0;
      idx[1] = i1;
      w[0] = 1.0f - f;
      w[1] = f;
    } else {
      float xc = std::clamp(x, -4.0f - in_f, 4.0f + 2 * in_f);
      float fl = std::floor(xc);
      int64_t base = static_cast<int64_t>(fl);
      float c[4];
      CubicCoefficients(xc - fl, a.cubic_a, c);
      float sum = 0;
      for (int k = 0; k < 4; ++k) {
        int64_t i = base - 1 + k;
        bool inside = i >= 0 && i < in;
        if (a.exclude_outside && !inside) c[k] = 0;
        sum += c[k];
        idx[k] = std::clamp<int64_t>(i, 0, in - 1);
      }
      for (int k = 0; k < 4; ++k) w[k] = a.exclude_outside && sum != 0 ? c[k] / sum : c[k];
    }
  }
  return t;
}

bool IsIdentity(const AxisTaps& t) {
  if (t.in != t.out || t.any_extrapolate) return false;
  for (int64_t o = 0; o < t.out; ++o) {
    int self = 0;
    for (int k = 0; k < t.taps; ++k) {
      size_t j = static_cast<size_t>(o * t.taps + k);
      if (t.idx[j] == o && t.w[j] == 1.0f) ++self;
      else if (t.w[j] != 0.0f) return false;
    }
    if (self != 1) return false;
  }
  return true;
}

StatusOr<ResizePlan> PlanResize(const InferContext& ctx) {
  ResizePlan plan;
  BG_ASSIGN_OR_RETURN(plan.attrs, ParseAttrs(ctx));
  const ResizeAttrs& a = plan.attrs;
  int64_t opset = ctx.opset();
  if (opset < 11) {
    BG_RETURN_IF_ERROR(CheckInputs(ctx, 2, 2));
  } else {
    BG_RETURN_IF_ERROR(CheckInputs(ctx, 1, 4));
  }
  const Shape& in = ctx.input_shape(0);
  int64_t rank = static_cast<int64_t>(in.size());
  if (rank == 0) return MalformedError("Resize of a scalar");
  if (a.mode != Mode::kNearest || a.transform == Transform::kTfCropAndResize) {
    BG_RETURN_IF_ERROR(CheckInputDType(ctx, 0, {DType::kFloat32}));
  }

  std::vector<int64_t> axes;
  if (opset >= 18) {
    BG_ASSIGN_OR_RETURN(axes, AttrInts(ctx.node(), "axes", {}));
  }
  bool has_axes = !axes.empty();
  if (!has_axes) {
    for (int64_t i = 0; i < rank; ++i) axes.push_back(i);
  }
  for (int64_t& ax : axes) {
    BG_ASSIGN_OR_RETURN(ax, NormalizeAxis(ax, rank, "axis"));
  }
  for (size_t i = 0; i < axes.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (axes[i] == axes[j]) return MalformedError("repeated axis in 'axes'");
    }
  }
  size_t na = axes.size();

  int scales_i = opset < 11 ? 1 : 2, sizes_i = opset < 11 ? -1 : 3, roi_i = opset < 11 ? -1 : 1;
  std::vector<float> scales;
  std::vector<int64_t> sizes;
  if (ctx.has_input(scales_i)) {
    BG_ASSIGN_OR_RETURN(const Tensor* t, RequireConstantInput(ctx, scales_i, "scales"));
    if (t->dtype() != DType::kFloat32) return UnsupportedError("scales must be float32");
    BG_ASSIGN_OR_RETURN(scales, TensorToFloats(*t, "scales"));
  }
  if (sizes_i > 0 && ctx.has_input(sizes_i)) {
    BG_ASSIGN_OR_RETURN(const Tensor* t, RequireConstantInput(ctx, sizes_i, "sizes"));
    BG_ASSIGN_OR_RETURN(sizes, TensorToInts(*t, "sizes"));
  }
  if (scales.empty() == sizes.empty()) {
    return MalformedError("exactly one of scales and sizes must be given");
  }
  if (!scales.empty() && scales.size() != na) {
    return MalformedError("scales has " + std::to_string(scales.size()) + " values, expected " +
                          std::to_string(na));
  }
  if (!sizes.empty() && sizes.size() != na) {
    return MalformedError("sizes has " + std::to_string(sizes.size()) + " values, expected " +
                          std::to_string(na));
  }
  std::vector<float> roi_start(static_cast<size_t>(rank), 0.0f), roi_end(static_cast<size_t>(rank), 1.0f);
  if (a.transform == Transform::kTfCropAndResize) {
    if (roi_i < 0 || !ctx.has_input(roi_i)) return MalformedError("tf_crop_and_resize needs roi");
    BG_ASSIGN_OR_RETURN(const Tensor* t, RequireConstantInput(ctx, roi_i, "roi"));
    BG_ASSIGN_OR_RETURN(std::vector<float> roi, TensorToFloats(*t, "roi"));
    if (roi.size() != 2 * na) return MalformedError("roi must have 2 values per resized axis");
    for (size_t i = 0; i < na; ++i) {
      roi_start[static_cast<size_t>(axes[i])] = roi[i];
      roi_end[static_cast<size_t>(axes[i])] = roi[i + na];
    }
  }

  std::vector<float> full_scale(static_cast<size_t>(rank), 1.0f);
  Shape out = in;
  if (!scales.empty()) {
    for (size_t i = 0; i < na; ++i) {
      float s = scales[i];
      if (!(s > 0) || !std::isfinite(s)) return MalformedError("scale " + std::to_string(s) + " must be positive");
      size_t ax = static_cast<size_t>(axes[i]);
      full_scale[ax] = s;
      float o = s * static_cast<float>(in[ax]);
      if (!(o < 9.0e15f)) return MalformedError("scaled size too large");
      out[ax] = static_cast<int64_t>(o);
    }
  } else {
    BG_ASSIGN_OR_RETURN(std::string policy, AttrString(ctx.node(), "keep_aspect_ratio_policy", "stretch"));
    for (int64_t s : sizes) {
      if (s < 0) return MalformedError("negative size " + std::to_string(s));
    }
    if (policy == "stretch") {
      for (size_t i = 0; i < na; ++i) {
        size_t ax = static_cast<size_t>(axes[i]);
        out[ax] = sizes[i];
        full_scale[ax] = in[ax] == 0 ? 1.0f : static_cast<float>(sizes[i]) / static_cast<float>(in[ax]);
      }
    } else if (policy == "not_larger" || policy == "not_smaller") {
      bool larger = policy == "not_smaller";
      float s = larger ? 0.0f : std::numeric_limits<float>::max();
      for (size_t i = 0; i < na; ++i) {
        size_t ax = static_cast<size_t>(axes[i]);
        if (in[ax] == 0) continue;
        float r = static_cast<float>(sizes[i]) / static_cast<float>(in[ax]);
        s = larger ? std::max(s, r) : std::min(s, r);
      }
      if (!(s > 0) || !std::isfinite(s)) return MalformedError("invalid sizes for keep_aspect_ratio_policy");
      for (size_t i = 0; i < na; ++i) {
        size_t ax = static_cast<size_t>(axes[i]);
        full_scale[ax] = s;
        out[ax] = static_cast<int64_t>(std::round(s * static_cast<float>(in[ax])));
      }
    } else {
      return UnsupportedError("keep_aspect_ratio_policy '" + policy + "'");
    }
  }
  for (size_t ax = 0; ax < static_cast<size_t>(rank); ++ax) {
    if (in[ax] == 0 && out[ax] != 0) return MalformedError("cannot resize an empty dim to non-empty");
  }
  BG_ASSIGN_OR_RETURN(int64_t count, CheckedNumElements(out));
  if (count > (int64_t{1} << 32)) return ResourceExhaustedError("Resize output too large");
  plan.in_shape = in;
  plan.out_shape = out;
  if (count == 0) return plan;

  for (int64_t ax = 0; ax < rank; ++ax) {
    size_t u = static_cast<size_t>(ax);
    // As ONNX Runtime: nearest leaves axes with scale 1 untouched (no coordinate transform), and
    // linear/cubic treat the two leading axes of 4-D/5-D data as batch and channel.
    bool untouched = full_scale[u] == 1.0f && in[u] == out[u] &&
                     (a.mode == Mode::kNearest || ((rank == 4 || rank == 5) && ax < 2));
    if (untouched) continue;
    AxisTaps t = ComputeTaps(a, static_cast<int>(ax), in[u], out[u], full_scale[u], roi_start[u], roi_end[u]);
    if (!IsIdentity(t)) plan.passes.push_back(std::move(t));
  }
  if (a.mode == Mode::kLinear && (rank == 2 || rank == 4)) {
    bool last_two_only = true;
    for (const AxisTaps& t : plan.passes) last_two_only &= t.axis >= rank - 2;
    if (last_two_only && !plan.passes.empty()) {
      Bilinear b;
      b.in_h = in[static_cast<size_t>(rank - 2)];
      b.in_w = in[static_cast<size_t>(rank - 1)];
      b.out_h = out[static_cast<size_t>(rank - 2)];
      b.out_w = out[static_cast<size_t>(rank - 1)];
      b.planes = count / (b.out_h * b.out_w);
      auto setup = [&](int64_t ax, int64_t in_len, int64_t out_len, std::vector<int64_t>& i1,
                       std::vector<int64_t>& i2, std::vector<float>& d1, std::vector<float>& d2,
                       std::vector<uint8_t>& outside) {
        size_t u = static_cast<size_t>(ax);
        float scale = full_scale[u];
        for (int64_t o = 0; o < out_len; ++o) {
          float c = scale == 1.0f ? static_cast<float>(o)
                                  : OriginalCoordinate(a, static_cast<float>(o), scale,
                                                       static_cast<float>(out_len),
                                                       static_cast<float>(in_len), roi_start[u], roi_end[u]);
          bool out_of_range = c < 0 || c > static_cast<float>(in_len - 1) || c != c;
          outside.push_back(out_of_range ? 1 : 0);
          if (c != c) c = 0;
          c = std::max(0.0f, std::min(c, static_cast<float>(in_len - 1)));
          int64_t a1 = std::min(static_cast<int64_t>(c), in_len - 1);
          int64_t a2 = std::min(a1 + 1, in_len - 1);
          float w1 = std::fabs(c - static_cast<float>(a1)), w2 = std::fabs(c - static_cast<float>(a2));
          if (a1 == a2) w1 = w2 = 0.5f;
          i1.push_back(a1);
          i2.push_back(a2);
          d1.push_back(w1);
          d2.push_back(w2);
        }
      };
      setup(rank - 2, b.in_h, b.out_h, b.y1, b.y2, b.dy1, b.dy2, b.y_out);
      setup(rank - 1, b.in_w, b.out_w, b.x1, b.x2, b.dx1, b.dx2, b.x_out);
      b.twice_x = b.out_w == 2 * b.in_w && b.in_w >= 3;
      for (int64_t i = 1; b.twice_x && i + 1 < b.in_w; ++i) {
        size_t e = static_cast<size_t>(2 * i), o = e + 1;
        b.twice_x = b.x1[e] == i - 1 && b.x2[e] == i && b.x1[o] == i && b.x2[o] == i + 1;
      }
      b.extrapolate = a.transform == Transform::kTfCropAndResize;
      plan.bilinear = std::move(b);
      plan.passes.clear();
      return plan;
    }
  }
  // Shrinking axes first keeps intermediate buffers small.
  std::stable_sort(plan.passes.begin(), plan.passes.end(), [](const AxisTaps& x, const AxisTaps& y) {
    return static_cast<double>(x.out) / static_cast<double>(x.in) <
           static_cast<double>(y.out) / static_cast<double>(y.in);
  });
  return plan;
}

Status InferResize(InferContext& ctx) {
  BG_ASSIGN_OR_RETURN(ResizePlan plan, PlanResize(ctx));
  ctx.SetOutput(0, ctx.input_dtype(0), plan.out_shape);
  return OkStatus();
}

// One separable pass along t.axis: src has shape `dims`, dst the same with dims[axis] = t.out.
template <typename T, int kTaps>
void ResizePass(const AxisTaps& t, const Shape& dims, const T* src, T* dst, ThreadPool* pool) {
  size_t ax = static_cast<size_t>(t.axis);
  int64_t outer = 1, inner = 1;
  for (size_t i = 0; i < ax; ++i) outer *= dims[i];
  for (size_t i = ax + 1; i < dims.size(); ++i) inner *= dims[i];
  int64_t rows = outer * t.out;
  int64_t rows_per_chunk = std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(inner, 1));
  int64_t chunks = (rows + rows_per_chunk - 1) / rows_per_chunk;
  ParallelFor(pool, chunks, [&](int64_t c0, int64_t c1) {
    int64_t r1 = std::min(rows, c1 * rows_per_chunk);
    for (int64_t r = c0 * rows_per_chunk; r < r1; ++r) {
      int64_t ob = r / t.out, o = r % t.out;
      const T* base = src + ob * t.in * inner;
      T* y = dst + r * inner;
      const int64_t* idx = &t.idx[static_cast<size_t>(o * kTaps)];
      const float* w = &t.w[static_cast<size_t>(o * kTaps)];
      if constexpr (kTaps == 1) {
        std::memcpy(y, base + idx[0] * inner, static_cast<size_t>(inner) * sizeof(T));
      } else if constexpr (kTaps == 2) {
        const T* x0 = base + idx[0] * inner;
        const T* x1 = base + idx[1] * inner;
        float w0 = w[0], w1 = w[1];
        for (int64_t i = 0; i < inner; ++i) y[i] = w0 * x0[i] + w1 * x1[i];
      } else {
        const T* x0 = base + idx[0] * inner;
        const T* x1 = base + idx[1] * inner;
        const T* x2 = base + idx[2] * inner;
        const T* x3 = base + idx[3] * inner;
        float w0 = w[0], w1 = w[1], w2 = w[2], w3 = w[3];
        for (int64_t i = 0; i < inner; ++i) y[i] = w0 * x0[i] + w1 * x1[i] + w2 * x2[i] + w3 * x3[i];
      }
    }
  });
}

template <typename T>
void Extrapolate(const ResizePlan& plan, T* y) {
  const Shape& out = plan.out_shape;
  std::vector<const uint8_t*> flags(out.size(), nullptr);
  for (const AxisTaps& t : plan.passes) {
    if (t.any_extrapolate) flags[static_cast<size_t>(t.axis)] = t.extrapolate.data();
  }
  T v = static_cast<T>(plan.attrs.extrapolation_value);
  int64_t n = NumElements(out);
  std::vector<int64_t> idx(out.size(), 0);
  for (int64_t e = 0; e < n; ++e) {
    bool hit = false;
    for (size_t k = 0; k < out.size(); ++k) hit |= flags[k] != nullptr && flags[k][idx[k]] != 0;
    if (hit) y[e] = v;
    for (size_t k = out.size(); k-- > 0;) {
      if (++idx[k] < out[k]) break;
      idx[k] = 0;
    }
  }
}

void RunBilinear(const Bilinear& b, float extrapolation_value, const float* x, float* y,
                 ThreadPool* pool) {
  int64_t rows = b.planes * b.out_h;
  int64_t rows_per_chunk = std::max<int64_t>(1, kElementwiseGrain / std::max<int64_t>(b.out_w, 1));
  int64_t chunks = (rows + rows_per_chunk - 1) / rows_per_chunk;
  ParallelFor(pool, chunks, [&](int64_t c0, int64_t c1) {
    int64_t r1 = std::min(rows, c1 * rows_per_chunk);
    for (int64_t r = c0 * rows_per_chunk; r < r1; ++r) {
      int64_t plane = r / b.out_h, oy = r % b.out_h;
      const float* src = x + plane * b.in_h * b.in_w;
      const float* row1 = src + b.y1[static_cast<size_t>(oy)] * b.in_w;
      const float* row2 = src + b.y2[static_cast<size_t>(oy)] * b.in_w;
      const float dy1 = b.dy1[static_cast<size_t>(oy)], dy2 = b.dy2[static_cast<size_t>(oy)];
      float* dst = y + r * b.out_w;
      auto columns = [&](int64_t ox0, int64_t ox1) {
        for (int64_t ox = ox0; ox < ox1; ++ox) {
          size_t u = static_cast<size_t>(ox);
          const float dx1 = b.dx1[u], dx2 = b.dx2[u];
          const int64_t a1 = b.x1[u], a2 = b.x2[u];
          dst[ox] = dx2 * dy2 * row1[a1] + dx1 * dy2 * row1[a2] + dx2 * dy1 * row2[a1] + dx1 * dy1 * row2[a2];
        }
      };
      if (b.twice_x) {  // same values, vectorised interior
        columns(0, 2);
        Bilinear2xRowInterior(row1, row2, dy1, dy2, b.dx1.data(), b.dx2.data(), 1, b.in_w - 1, dst);
        columns(b.out_w - 2, b.out_w);
      } else {
        columns(0, b.out_w);
      }
      if (b.extrapolate) {
        for (int64_t ox = 0; ox < b.out_w; ++ox) {
          if (b.y_out[static_cast<size_t>(oy)] || b.x_out[static_cast<size_t>(ox)]) dst[ox] = extrapolation_value;
        }
      }
    }
  });
}

template <typename T>
Status RunResize(const ResizePlan& plan, const Tensor& x, Tensor& y, ThreadPool* pool) {
  if (y.size() == 0) return OkStatus();
  if constexpr (std::is_same_v<T, float>) {
    if (plan.bilinear.has_value()) {
      RunBilinear(*plan.bilinear, plan.attrs.extrapolation_value, x.data<float>(), y.data<float>(), pool);
      return OkStatus();
    }
  }
  if (plan.passes.empty()) {
    std::memcpy(y.raw(), x.raw(), x.bytes());
    return OkStatus();
  }
  Shape dims = plan.in_shape;
  const T* src = x.data<T>();
  std::unique_ptr<T[]> bufs[2];
  for (size_t p = 0; p < plan.passes.size(); ++p) {
    const AxisTaps& t = plan.passes[p];
    Shape next = dims;
    next[static_cast<size_t>(t.axis)] = t.out;
    T* dst;
    if (p + 1 == plan.passes.size()) {
      dst = y.data<T>();
    } else {
      bufs[p % 2] = NewArray<T>(static_cast<size_t>(NumElements(next)));
      if (!bufs[p % 2]) return ResourceExhaustedError("out of memory in Resize");
      dst = bufs[p % 2].get();
    }
    if (t.taps == 1) {
      ResizePass<T, 1>(t, dims, src, dst, pool);
    } else if constexpr (std::is_same_v<T, float>) {
      if (t.taps == 2) ResizePass<T, 2>(t, dims, src, dst, pool);
      else ResizePass<T, 4>(t, dims, src, dst, pool);
    }
    src = dst;
    dims = next;
  }
  if (plan.attrs.transform == Transform::kTfCropAndResize) Extrapolate(plan, y.data<T>());
  return OkStatus();
}

StatusOr<std::unique_ptr<Kernel>> CreateResize(InferContext& ctx) {
  BG_ASSIGN_OR_RETURN(ResizePlan plan, PlanResize(ctx));
  DType dtype = ctx.input_dtype(0);
  auto shared = std::make_shared<const ResizePlan>(std::move(plan));
  return MakeKernel([shared, dtype](KernelContext& kc) -> Status {
    const Tensor& x = *kc.inputs[0];
    Tensor& y = *kc.outputs[0];
    if (dtype == DType::kFloat32) return RunResize<float>(*shared, x, y, kc.pool);
    switch (DTypeSize(dtype)) {  // nearest only: copies whole elements
      case 1: return RunResize<uint8_t>(*shared, x, y, kc.pool);
      case 2: return RunResize<uint16_t>(*shared, x, y, kc.pool);
      case 4: return RunResize<uint32_t>(*shared, x, y, kc.pool);
      case 8: return RunResize<uint64_t>(*shared, x, y, kc.pool);
    }
    return UnsupportedError(std::string("Resize of ") + DTypeName(dtype));
  });
}

}  // namespace

void AppendResizeSchemas(std::vector<OpSchema>* out) {
  out->push_back({"", "Resize", InferResize, CreateResize, false, false, true});
}

}  // namespace bgone::kernels
