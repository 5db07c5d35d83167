#include "capi/bgone_c.h"

#include <algorithm>
#include <memory>
#include <new>
#include <string>

#include "engine/runtime/session.h"
#include "imaging/composite.h"
#include "imaging/image.h"
#include "imaging/isnet.h"

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

}  // namespace

extern "C" {

int bgone_segmenter_create(const uint8_t* model, size_t size, int threads, BgoneSegmenter** out) {
  if (out == nullptr) return Report(bgone::InvalidArgumentError("out is null"));
  *out = nullptr;
  if (model == nullptr || size == 0) return Report(bgone::InvalidArgumentError("empty model"));
  try {
    auto m = bgone::Model::FromBytes(model, size);
    if (!m.ok()) return Report(m.status());
    auto seg = bgone::imaging::IsNetSegmenter::Create(std::move(*m));
    if (!seg.ok()) return Report(seg.status());
    auto handle = std::make_unique<BgoneSegmenter>();
    handle->segmenter = std::move(seg).value();
    if (threads > 1) handle->pool = std::make_unique<bgone::ThreadPool>(threads);
    *out = handle.release();
    return Report(bgone::OkStatus());
  } catch (const std::bad_alloc&) {
    return Report(bgone::ResourceExhaustedError("out of memory while loading the model"));
  }
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
    auto mask = segmenter->segmenter->ComputeMask(*image, segmenter->pool.get());
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

const char* bgone_version(void) { return "0.1.0"; }

}  // extern "C"
