// IS-Net (DIS "isnet-general-use") pre- and postprocessing, following IMG.LY's
// background-removal pipeline so masks match theirs:
//   1. bilinear resize (resize.h) of the 8-bit RGB image to the model size, aspect not kept;
//   2. x -> (x - 128) / 256 per channel, laid out NCHW as float32 [1, 3, H, W];
//   3. the model returns [1, 1, H, W] already passed through a sigmoid, in [0, 1];
//   4. mask = clamp(round_half_even(y * 255), 0, 255) as 8-bit (NaN -> 0), then bilinear
//      resize back to the source size.
#pragma once

#include <functional>
#include <memory>

#include "engine/common/status.h"
#include "engine/common/tensor.h"
#include "engine/runtime/session.h"
#include "engine/runtime/thread_pool.h"
#include "imaging/image.h"
#include "imaging/matte_refine.h"

namespace bgone::imaging {

inline constexpr int kIsNetInputSize = 1024;
inline constexpr float kIsNetMean = 128.0f;
inline constexpr float kIsNetScale = 1.0f / 256.0f;  // exact in binary, so no rounding drift

// Steps 1-2. Gray8 counts as r = g = b; an alpha channel is ignored (the model sees colours).
StatusOr<Tensor> PreprocessIsNet(const Image& image, int model_width = kIsNetInputSize,
                                 int model_height = kIsNetInputSize, ThreadPool* pool = nullptr);

// Step 4. `output` must be float32 of shape [1, 1, H, W] (or [1, H, W] / [H, W]).
StatusOr<Image> MaskFromIsNetOutput(const Tensor& output, int width, int height,
                                    ThreadPool* pool = nullptr);

// The whole pipeline around one Session. The model size is read from the session's input, so
// models exported for other square or non-square sizes work too.
// Thread-compatible: one ComputeMask call at a time (the Session is not reentrant).
class IsNetSegmenter {
 public:
  // Creates the Session, keeping only the graph output named "output" (IS-Net's first output;
  // its 11 side outputs are pruned). `pool`, if given, shares the weight packing (see
  // SessionOptions::prepare_pool); it is not kept.
  static StatusOr<std::unique_ptr<IsNetSegmenter>> Create(std::shared_ptr<const Model> model,
                                                          ThreadPool* pool = nullptr);

  // Gray8 mask with the size of `image`.
  // `progress`, if set, gets the inference's estimated fraction done (Session::Run).
  StatusOr<Image> ComputeMask(const Image& image, ThreadPool* pool = nullptr,
                              const std::function<void(double)>& progress = {});

  int model_width() const { return model_width_; }
  // Whether the model quantizes its activations at run time (DynamicQuantizeLinear, like
  // IMG.LY's 44 MB "small" file). Such masks are grey where the subject is plain, so refinement
  // should let the photo's colours overrule them (MatteRefineOptions::trust_model = false);
  // RefineOptionsFor does that.
  bool dynamically_quantized() const { return dynamically_quantized_; }
  int model_height() const { return model_height_; }
  const Session& session() const { return *session_; }

 private:
  IsNetSegmenter() = default;
  std::unique_ptr<Session> session_;
  int model_width_ = 0;
  int model_height_ = 0;
  bool dynamically_quantized_ = false;
};

// The default refinement options for masks of `segmenter`'s model (null: the defaults).
MatteRefineOptions RefineOptionsFor(const IsNetSegmenter* segmenter);

}  // namespace bgone::imaging
