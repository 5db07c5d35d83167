#include "capi/bgone_c.h"
#include "capi/progress_hook.h"

#include <functional>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <new>
#include <string>

#include "engine/runtime/session.h"
#include "imaging/composite.h"
#include "imaging/foreground.h"
#include "imaging/image.h"
#include "imaging/isnet.h"
#include "imaging/matte_refine.h"

struct BgoneSegmenter {
  std::unique_ptr<bgone::imaging::IsNetSegmenter> segmenter;
  std::unique_ptr<bgone::ThreadPool> pool;  // null: run on the calling thread
};

namespace {

thread_local std::string last_error;

int Report(const bgone::Status& s) {
  if (s.ok()) {
    last_error.clear();
    return BGONE_OK;
  }
  last_error = s.ToString();
  switch (s.code()) {
    case bgone::StatusCode::kOk: return BGONE_OK;
    case bgone::StatusCode::kInvalidArgument: return BGONE_INVALID_ARGUMENT;
    case bgone::StatusCode::kMalformed: return BGONE_MALFORMED;
    case bgone::StatusCode::kUnsupported: return BGONE_UNSUPPORTED;
    case bgone::StatusCode::kResourceExhausted: return BGONE_RESOURCE_EXHAUSTED;
    case bgone::StatusCode::kIoError: return BGONE_IO_ERROR;
    case bgone::StatusCode::kInternal: return BGONE_INTERNAL;
  }
  return BGONE_INTERNAL;
}

bgone::Status CheckImageArgs(const void* a, const void* b, int width, int height) {
  if (a == nullptr || b == nullptr) return bgone::InvalidArgumentError("null buffer");
  return bgone::imaging::ValidateDimensions(width, height);
}

namespace img = bgone::imaging;

// Views caller buffers as Images (copies; the C API works in place on the caller's memory).
bgone::StatusOr<img::Image> RgbaImage(const uint8_t* rgba, int width, int height) {
  const size_t pixels = static_cast<size_t>(width) * static_cast<size_t>(height);
  return img::Image::FromPixels(width, height, img::PixelFormat::kRgba8, rgba, pixels * 4);
}
bgone::StatusOr<img::Image> GrayImage(const uint8_t* gray, int width, int height) {
  const size_t pixels = static_cast<size_t>(width) * static_cast<size_t>(height);
  return img::Image::FromPixels(width, height, img::PixelFormat::kGray8, gray, pixels);
}

enum class Backdrop { kNone, kColor, kImage, kBlur };

// Shared by the compositing entry points: alpha = mask x rgba's alpha, colours optionally
// decontaminated, then the backdrop; the result is written back into rgba.
bgone::Status Composite(uint8_t* rgba, const uint8_t* mask, int width, int height,
                        bool decontaminate, Backdrop backdrop, img::Rgb8 color,
                        const img::Image* picture) {
  BG_ASSIGN_OR_RETURN(img::Image image, RgbaImage(rgba, width, height));
  BG_ASSIGN_OR_RETURN(img::Image m, GrayImage(mask, width, height));
  BG_ASSIGN_OR_RETURN(img::Image alpha, img::CombinedAlpha(image, m));
  img::Image colours;
  if (decontaminate) {
    BG_ASSIGN_OR_RETURN(colours, img::EstimateForeground(image, alpha));
  } else {
    BG_ASSIGN_OR_RETURN(colours, img::Image::Create(width, height, img::PixelFormat::kRgb8));
    for (size_t i = 0, n = alpha.pixels.size(); i < n; ++i) {
      for (int c = 0; c < 3; ++c) colours.pixels[3 * i + c] = rgba[4 * i + c];
    }
  }
  img::Image out;
  switch (backdrop) {
    case Backdrop::kNone: {
      BG_ASSIGN_OR_RETURN(out, img::ApplyMaskAsAlpha(colours, alpha));
      break;
    }
    case Backdrop::kColor: {
      BG_ASSIGN_OR_RETURN(out, img::FlattenOnto(colours, alpha, color));
      break;
    }
    case Backdrop::kImage: {
      BG_ASSIGN_OR_RETURN(img::Image fitted, img::CoverFit(*picture, width, height));
      BG_ASSIGN_OR_RETURN(out, img::CompositeOverImage(colours, alpha, fitted));
      break;
    }
    case Backdrop::kBlur: {
      BG_ASSIGN_OR_RETURN(img::Image blurred, img::BlurredBackground(image, alpha));
      BG_ASSIGN_OR_RETURN(out, img::CompositeOverImage(colours, alpha, blurred));
      break;
    }
  }
  const int channels = out.channels();
  for (size_t i = 0, n = alpha.pixels.size(); i < n; ++i) {
    for (int c = 0; c < 3; ++c) rgba[4 * i + c] = out.pixels[channels * i + c];
    rgba[4 * i + 3] = channels == 4 ? out.pixels[4 * i + 3] : 255;
  }
  return bgone::OkStatus();
}

int ReportComposite(uint8_t* rgba, const uint8_t* mask, int width, int height, int decontaminate,
                    Backdrop backdrop, img::Rgb8 color, const img::Image* picture) {
  bgone::Status args = CheckImageArgs(rgba, mask, width, height);
  if (!args.ok()) return Report(args);
  try {
    return Report(Composite(rgba, mask, width, height, decontaminate != 0, backdrop, color,
                            picture));
  } catch (const std::bad_alloc&) {
    return Report(bgone::ResourceExhaustedError("out of memory while compositing"));
  }
}

}  // namespace

namespace bgone::capi {
namespace {
ProgressHook g_progress_hook = nullptr;
}  // namespace
void SetProgressHook(ProgressHook hook) { g_progress_hook = hook; }
ProgressHook GetProgressHook() { return g_progress_hook; }
}  // namespace bgone::capi

extern "C" {

namespace {

// `owned`, when set, owns `model`'s bytes (see bgone_segmenter_create_owned).
int CreateSegmenter(const uint8_t* model, size_t size, std::shared_ptr<const void> owned,
                    int threads, BgoneSegmenter** out) {
  if (out == nullptr) return Report(bgone::InvalidArgumentError("out is null"));
  *out = nullptr;
  if (model == nullptr || size == 0) return Report(bgone::InvalidArgumentError("empty model"));
  try {
    auto m = owned ? bgone::Model::FromSharedBytes(std::move(owned), model, size)
                   : bgone::Model::FromBytes(model, size);
    if (!m.ok()) return Report(m.status());
    auto handle = std::make_unique<BgoneSegmenter>();
    if (threads > 1) handle->pool = std::make_unique<bgone::ThreadPool>(threads);
    auto seg = bgone::imaging::IsNetSegmenter::Create(std::move(*m), handle->pool.get());
    if (!seg.ok()) return Report(seg.status());
    handle->segmenter = std::move(seg).value();
    *out = handle.release();
    return Report(bgone::OkStatus());
  } catch (const std::bad_alloc&) {
    return Report(bgone::ResourceExhaustedError("out of memory while loading the model"));
  }
}

}  // namespace

int bgone_segmenter_create(const uint8_t* model, size_t size, int threads, BgoneSegmenter** out) {
  return CreateSegmenter(model, size, nullptr, threads, out);
}

int bgone_segmenter_create_owned(uint8_t* model, size_t size, int threads, BgoneSegmenter** out) {
  std::shared_ptr<const void> owned;
  try {
    owned = std::shared_ptr<const void>(model, [](const void* p) { std::free(const_cast<void*>(p)); });
  } catch (const std::bad_alloc&) {  // the constructor has already freed `model` then
    if (out != nullptr) *out = nullptr;
    return Report(bgone::ResourceExhaustedError("out of memory while loading the model"));
  }
  return CreateSegmenter(model, size, std::move(owned), threads, out);
}

int bgone_segmenter_run(BgoneSegmenter* segmenter, const uint8_t* rgba, int width, int height,
                        uint8_t* mask_out) {
  if (segmenter == nullptr) return Report(bgone::InvalidArgumentError("segmenter is null"));
  bgone::Status args = CheckImageArgs(rgba, mask_out, width, height);
  if (!args.ok()) return Report(args);
  try {
    size_t pixels = static_cast<size_t>(width) * static_cast<size_t>(height);
    auto image = bgone::imaging::Image::FromPixels(width, height, bgone::imaging::PixelFormat::kRgba8,
                                                   rgba, pixels * 4);
    if (!image.ok()) return Report(image.status());
    auto mask = segmenter->segmenter->ComputeMask(*image, segmenter->pool.get(),
                                                   bgone::capi::GetProgressHook()
                                                       ? std::function<void(double)>(bgone::capi::GetProgressHook())
                                                       : std::function<void(double)>());
    if (!mask.ok()) return Report(mask.status());
    std::copy(mask->pixels.begin(), mask->pixels.end(), mask_out);
    return Report(bgone::OkStatus());
  } catch (const std::bad_alloc&) {
    return Report(bgone::ResourceExhaustedError("out of memory while segmenting"));
  }
}

int bgone_segmenter_input_size(const BgoneSegmenter* segmenter, int* width, int* height) {
  if (segmenter == nullptr || width == nullptr || height == nullptr) {
    return Report(bgone::InvalidArgumentError("null argument"));
  }
  *width = segmenter->segmenter->model_width();
  *height = segmenter->segmenter->model_height();
  return Report(bgone::OkStatus());
}

void bgone_segmenter_destroy(BgoneSegmenter* segmenter) { delete segmenter; }

int bgone_apply_mask(uint8_t* rgba, const uint8_t* mask, int width, int height) {
  bgone::Status args = CheckImageArgs(rgba, mask, width, height);
  if (!args.ok()) return Report(args);
  size_t pixels = static_cast<size_t>(width) * static_cast<size_t>(height);
  for (size_t i = 0; i < pixels; ++i) {
    rgba[4 * i + 3] = bgone::imaging::MultiplyAlpha(rgba[4 * i + 3], mask[i]);
  }
  return Report(bgone::OkStatus());
}

int bgone_flatten(uint8_t* rgba, const uint8_t* mask, int width, int height, int r, int g, int b) {
  bgone::Status args = CheckImageArgs(rgba, mask, width, height);
  if (!args.ok()) return Report(args);
  if (r < 0 || r > 255 || g < 0 || g > 255 || b < 0 || b > 255) {
    return Report(bgone::InvalidArgumentError("colour components must be 0-255"));
  }
  const uint8_t bg[3] = {static_cast<uint8_t>(r), static_cast<uint8_t>(g), static_cast<uint8_t>(b)};
  size_t pixels = static_cast<size_t>(width) * static_cast<size_t>(height);
  for (size_t i = 0; i < pixels; ++i) {
    uint8_t a = bgone::imaging::MultiplyAlpha(rgba[4 * i + 3], mask[i]);
    for (int c = 0; c < 3; ++c) rgba[4 * i + c] = bgone::imaging::BlendOver(rgba[4 * i + c], a, bg[c]);
    rgba[4 * i + 3] = 255;
  }
  return Report(bgone::OkStatus());
}

const char* bgone_last_error(void) { return last_error.c_str(); }

int bgone_refine_mask(BgoneSegmenter* segmenter, const uint8_t* rgba, uint8_t* mask, int width,
                      int height, int flags) {
  bgone::Status args = CheckImageArgs(rgba, mask, width, height);
  if (!args.ok()) return Report(args);
  if (flags < 0 || flags > BGONE_REFINE_DEFAULT) {
    return Report(bgone::InvalidArgumentError("unknown refinement flags " + std::to_string(flags)));
  }
  if (flags == 0) return Report(bgone::OkStatus());
  try {
    auto image = RgbaImage(rgba, width, height);
    if (!image.ok()) return Report(image.status());
    auto m = GrayImage(mask, width, height);
    if (!m.ok()) return Report(m.status());
    // Model trust follows the segmenter's model (see imaging::RefineOptionsFor).
    img::MatteRefineOptions options =
        img::RefineOptionsFor(segmenter != nullptr ? segmenter->segmenter.get() : nullptr);
    options.color_likelihood = (flags & BGONE_REFINE_COLOR_LIKELIHOOD) != 0;
    options.local_color = (flags & BGONE_REFINE_LOCAL_COLOR) != 0;
    options.guided_filter = (flags & BGONE_REFINE_GUIDED_FILTER) != 0;
    auto refined = img::RefineMatte(*image, *m, options,
                                    segmenter != nullptr ? segmenter->pool.get() : nullptr);
    if (!refined.ok()) return Report(refined.status());
    std::copy(refined->pixels.begin(), refined->pixels.end(), mask);
    return Report(bgone::OkStatus());
  } catch (const std::bad_alloc&) {
    return Report(bgone::ResourceExhaustedError("out of memory while refining the mask"));
  }
}

int bgone_cutout(uint8_t* rgba, const uint8_t* mask, int width, int height, int decontaminate) {
  return ReportComposite(rgba, mask, width, height, decontaminate, Backdrop::kNone, {}, nullptr);
}

int bgone_composite_color(uint8_t* rgba, const uint8_t* mask, int width, int height, int r, int g,
                          int b, int decontaminate) {
  if (r < 0 || r > 255 || g < 0 || g > 255 || b < 0 || b > 255) {
    return Report(bgone::InvalidArgumentError("colour components must be 0-255"));
  }
  const img::Rgb8 color{static_cast<uint8_t>(r), static_cast<uint8_t>(g), static_cast<uint8_t>(b)};
  return ReportComposite(rgba, mask, width, height, decontaminate, Backdrop::kColor, color,
                         nullptr);
}

int bgone_composite_image(uint8_t* rgba, const uint8_t* mask, int width, int height,
                          const uint8_t* background_rgba, int background_width,
                          int background_height, int decontaminate) {
  if (background_rgba == nullptr) return Report(bgone::InvalidArgumentError("null background"));
  try {
    auto picture = RgbaImage(background_rgba, background_width, background_height);
    if (!picture.ok()) return Report(picture.status().WithContext("background"));
    return ReportComposite(rgba, mask, width, height, decontaminate, Backdrop::kImage, {},
                           &*picture);
  } catch (const std::bad_alloc&) {
    return Report(bgone::ResourceExhaustedError("out of memory while compositing"));
  }
}

int bgone_composite_blur(uint8_t* rgba, const uint8_t* mask, int width, int height,
                         int decontaminate) {
  return ReportComposite(rgba, mask, width, height, decontaminate, Backdrop::kBlur, {}, nullptr);
}

int bgone_trimap(const uint8_t* mask, int width, int height, int grow, uint8_t* trimap_out) {
  bgone::Status args = CheckImageArgs(mask, trimap_out, width, height);
  if (!args.ok()) return Report(args);
  try {
    auto m = GrayImage(mask, width, height);
    if (!m.ok()) return Report(m.status());
    auto trimap = img::TrimapFromMatte(*m, 5, 250, grow);
    if (!trimap.ok()) return Report(trimap.status());
    std::copy(trimap->pixels.begin(), trimap->pixels.end(), trimap_out);
    return Report(bgone::OkStatus());
  } catch (const std::bad_alloc&) {
    return Report(bgone::ResourceExhaustedError("out of memory while making the trimap"));
  }
}

const char* bgone_version(void) { return "0.1.0"; }

}  // extern "C"
