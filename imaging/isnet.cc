#include "imaging/isnet.h"

#include <cmath>
#include <string>
#include <vector>

#include "imaging/resize.h"

namespace bgone::imaging {
namespace {

inline uint8_t MaskValue(float y) {
  // The product of a float and 255 is exact in double, so only the final rounding happens.
  // Ties go to even like JavaScript's Uint8ClampedArray, which IMG.LY's pipeline writes into.
  const double v = static_cast<double>(y) * 255.0;
  if (!(v > 0.0)) return 0;  // also catches NaN
  if (v >= 255.0) return 255;
  return static_cast<uint8_t>(std::nearbyint(v));
}

}  // namespace

StatusOr<Tensor> PreprocessIsNet(const Image& image, int model_width, int model_height,
                                 ThreadPool* pool) {
  BG_RETURN_IF_ERROR(ValidateImage(image));
  BG_ASSIGN_OR_RETURN(Image resized, ResizeBilinear(image, model_width, model_height, pool));
  BG_ASSIGN_OR_RETURN(Tensor tensor,
                      Tensor::Allocate(DType::kFloat32, {1, 3, model_height, model_width}));
  const size_t plane = static_cast<size_t>(model_width) * model_height;
  const int channels = resized.channels();
  float* r = tensor.data<float>();
  float* g = r + plane;
  float* b = g + plane;
  // A lookup table keeps the conversion bit-identical to (x - 128) / 256 and cheap.
  float table[256];
  for (int v = 0; v < 256; ++v) table[v] = (static_cast<float>(v) - kIsNetMean) * kIsNetScale;
  ParallelFor(pool, static_cast<int64_t>(plane), [&](int64_t begin, int64_t end) {
    const uint8_t* px = resized.pixels.data();
    for (int64_t i = begin; i < end; ++i) {
      const uint8_t* p = px + static_cast<size_t>(i) * channels;
      if (channels == 1) {
        r[i] = g[i] = b[i] = table[p[0]];
      } else {
        r[i] = table[p[0]];
        g[i] = table[p[1]];
        b[i] = table[p[2]];
      }
    }
  });
  return tensor;
}

StatusOr<Image> MaskFromIsNetOutput(const Tensor& output, int width, int height, ThreadPool* pool) {
  if (output.dtype() != DType::kFloat32) {
    return InvalidArgumentError(std::string("mask output has dtype ") + DTypeName(output.dtype()) +
                                ", expected float32");
  }
  const Shape& shape = output.shape();
  const int rank = output.rank();
  bool leading_ones = rank >= 2 && rank <= 4;
  for (int i = 0; leading_ones && i < rank - 2; ++i) leading_ones = shape[i] == 1;
  if (!leading_ones || shape[rank - 2] <= 0 || shape[rank - 1] <= 0 ||
      shape[rank - 2] > kMaxImageDimension || shape[rank - 1] > kMaxImageDimension) {
    return InvalidArgumentError("mask output has shape " + ShapeToString(shape) +
                                ", expected [1, 1, H, W]");
  }
  BG_RETURN_IF_ERROR(ValidateDimensions(width, height));
  const int mh = static_cast<int>(shape[rank - 2]);
  const int mw = static_cast<int>(shape[rank - 1]);
  BG_ASSIGN_OR_RETURN(Image small, Image::Create(mw, mh, PixelFormat::kGray8));
  const float* y = output.data<float>();
  for (size_t i = 0; i < small.pixels.size(); ++i) small.pixels[i] = MaskValue(y[i]);
  return ResizeBilinear(small, width, height, pool);
}

StatusOr<std::unique_ptr<IsNetSegmenter>> IsNetSegmenter::Create(
    std::shared_ptr<const Model> model, ThreadPool* pool) {
  if (model == nullptr) return InvalidArgumentError("no model");
  bool dynamically_quantized = false;
  for (const ir::Node& n : model->graph().nodes()) {
    dynamically_quantized |= n.domain.empty() && n.op_type == "DynamicQuantizeLinear";
  }
  SessionOptions options;
  options.outputs = {"output"};
  options.prepare_pool = pool;
  BG_ASSIGN_OR_RETURN(std::unique_ptr<Session> session,
                      Session::Create(std::move(model), {}, options));
  if (session->inputs().size() != 1) {
    return InvalidArgumentError("expected a model with one input, got " +
                                std::to_string(session->inputs().size()));
  }
  const TensorInfo& in = session->inputs()[0];
  if (in.dtype != DType::kFloat32 || in.shape.size() != 4 || in.shape[0] != 1 || in.shape[1] != 3 ||
      in.shape[2] <= 0 || in.shape[3] <= 0 || in.shape[2] > kMaxImageDimension ||
      in.shape[3] > kMaxImageDimension) {
    return InvalidArgumentError("model input '" + in.name + "' is " + DTypeName(in.dtype) + " " +
                                ShapeToString(in.shape) +
                                ", expected float32 [1, 3, H, W] with fixed H and W");
  }
  if (session->outputs().empty()) return InvalidArgumentError("model has no 'output'");
  auto segmenter = std::unique_ptr<IsNetSegmenter>(new IsNetSegmenter());
  segmenter->model_height_ = static_cast<int>(in.shape[2]);
  segmenter->model_width_ = static_cast<int>(in.shape[3]);
  segmenter->session_ = std::move(session);
  segmenter->dynamically_quantized_ = dynamically_quantized;
  return segmenter;
}

MatteRefineOptions RefineOptionsFor(const IsNetSegmenter* segmenter) {
  MatteRefineOptions options;
  if (segmenter != nullptr && segmenter->dynamically_quantized()) options.trust_model = false;
  return options;
}

StatusOr<Image> IsNetSegmenter::ComputeMask(const Image& image, ThreadPool* pool,
                                            const std::function<void(double)>& progress) {
  BG_ASSIGN_OR_RETURN(Tensor input, PreprocessIsNet(image, model_width_, model_height_, pool));
  std::vector<Tensor> outputs;
  BG_RETURN_IF_ERROR(session_->Run({input}, &outputs, pool, progress));
  if (outputs.empty()) return InternalError("session returned no outputs");
  return MaskFromIsNetOutput(outputs[0], image.width, image.height, pool);
}

}  // namespace bgone::imaging
