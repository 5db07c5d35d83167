#include "capi/bgone_c.h"
#include "capi/progress_hook.h"

#include <functional>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "engine/runtime/session.h"
#include "imaging/composite.h"
#include "imaging/face_detect.h"
#include "imaging/foreground.h"
#include "imaging/image.h"
#include "imaging/isnet.h"
#include "imaging/matte_refine.h"
#include "imaging/passport.h"
#include "imaging/passport_check.h"
#include "imaging/passport_spec.h"
#include "imaging/pdf.h"
#include "imaging/print_sheet.h"

struct BgoneSegmenter {
  std::unique_ptr<bgone::imaging::IsNetSegmenter> segmenter;
  std::unique_ptr<bgone::ThreadPool> pool;  // null: run on the calling thread
};

struct BgoneFaceDetector {
  std::unique_ptr<bgone::imaging::FaceDetector> detector;
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

// The colour channels of `rgba` (width x height) as an Rgb8 image.
bgone::StatusOr<img::Image> RgbFromRgba(const uint8_t* rgba, int width, int height) {
  BG_ASSIGN_OR_RETURN(img::Image rgb, img::Image::Create(width, height, img::PixelFormat::kRgb8));
  const size_t pixels = static_cast<size_t>(width) * static_cast<size_t>(height);
  for (size_t i = 0; i < pixels; ++i)
    for (int c = 0; c < 3; ++c) rgb.pixels[3 * i + c] = rgba[4 * i + c];
  return rgb;
}

// An Rgb8 image as opaque RGBA in malloc'd memory (the caller frees it with bgone_free), or
// nullptr when out of memory.
uint8_t* MallocOpaqueRgba(const img::Image& rgb) {
  const size_t pixels = static_cast<size_t>(rgb.width) * static_cast<size_t>(rgb.height);
  auto* out = static_cast<uint8_t*>(std::malloc(pixels * 4));
  if (out == nullptr) return nullptr;
  for (size_t i = 0; i < pixels; ++i) {
    for (int c = 0; c < 3; ++c) out[4 * i + c] = rgb.pixels[3 * i + c];
    out[4 * i + 3] = 255;
  }
  return out;
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
    BG_ASSIGN_OR_RETURN(colours, RgbFromRgba(rgba, width, height));
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

// Layout numbers (see bgone_passport_layout) <-> the composer's layout.
void LayoutToNumbers(const img::PassportLayout& l, double* o) {
  o[0] = l.width_mm, o[1] = l.height_mm, o[2] = l.width_px, o[3] = l.height_px;
  o[4] = l.head_mm.min, o[5] = l.head_mm.max;
  o[6] = l.eye_from_bottom_mm ? l.eye_from_bottom_mm->min : 0, o[7] = l.eye_from_bottom_mm ? l.eye_from_bottom_mm->max : 0;
  o[8] = l.crown_from_top_mm ? l.crown_from_top_mm->min : 0, o[9] = l.crown_from_top_mm ? l.crown_from_top_mm->max : 0;
  o[10] = l.background.r, o[11] = l.background.g, o[12] = l.background.b;
}

bgone::StatusOr<img::PassportLayout> LayoutFromNumbers(const double* v) {
  for (int i = 0; i < BGONE_LAYOUT_VALUES; ++i)
    if (!std::isfinite(v[i]) || v[i] < 0) return bgone::InvalidArgumentError("layout value " + std::to_string(i) + " is not a number >= 0");
  if (v[2] < 16 || v[3] < 16 || v[2] > 20000 || v[3] > 20000) return bgone::InvalidArgumentError("layout pixel size out of range");
  if (v[10] > 255 || v[11] > 255 || v[12] > 255) return bgone::InvalidArgumentError("layout colour out of range");
  img::PassportLayout l;
  l.width_mm = v[0], l.height_mm = v[1];
  l.width_px = static_cast<int>(v[2]), l.height_px = static_cast<int>(v[3]);
  l.head_mm = {v[4], v[5]};
  if (v[6] > 0 || v[7] > 0) l.eye_from_bottom_mm = img::RangeMm{v[6], v[7]};
  if (v[8] > 0 || v[9] > 0) l.crown_from_top_mm = img::RangeMm{v[8], v[9]};
  l.background = {static_cast<uint8_t>(v[10]), static_cast<uint8_t>(v[11]), static_cast<uint8_t>(v[12])};
  return l;
}

bgone::Status ComposePassportC(BgoneFaceDetector* detector, const uint8_t* rgba, const uint8_t* mask, int width,
                               int height, const float* face, const double* layout_numbers, uint8_t** rgba_out,
                               int* width_out, int* height_out, char** report_out) {
  BG_ASSIGN_OR_RETURN(img::PassportLayout layout, LayoutFromNumbers(layout_numbers));
  img::FaceDetection f;
  f.score = face[0], f.x = face[1], f.y = face[2], f.width = face[3], f.height = face[4];
  for (size_t k = 0; k < f.keypoints.size(); ++k) f.keypoints[k] = {face[5 + 2 * k], face[6 + 2 * k]};
  BG_ASSIGN_OR_RETURN(img::Image image, RgbaImage(rgba, width, height));
  BG_ASSIGN_OR_RETURN(img::Image m, GrayImage(mask, width, height));
  BG_ASSIGN_OR_RETURN(img::PassportPhoto p, img::MakePassportPhoto(image, m, f, layout, *detector->detector, detector->pool.get()));
  const std::string report = "{\n  \"size_px\": [" + std::to_string(layout.width_px) + ", " + std::to_string(layout.height_px) +
                             "],\n  \"output_face\": " + img::FaceDetectionJson(p.output_face) + ",\n  " +
                             img::PassportMeasuresJsonMembers(p.measures) + "\n}\n";
  uint8_t* out = MallocOpaqueRgba(p.result.photo);
  auto* text = static_cast<char*>(std::malloc(report.size() + 1));
  if (out == nullptr || text == nullptr) {
    std::free(out);
    std::free(text);
    return bgone::ResourceExhaustedError("out of memory for the passport photo");
  }
  std::copy(report.begin(), report.end(), text);
  text[report.size()] = '\0';
  *rgba_out = out;
  *report_out = text;
  *width_out = layout.width_px;
  *height_out = layout.height_px;
  return bgone::OkStatus();
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

int bgone_face_detector_create(const uint8_t* model, size_t size, int threads, BgoneFaceDetector** out) {
  if (out == nullptr) return Report(bgone::InvalidArgumentError("out is null"));
  *out = nullptr;
  if (model == nullptr || size == 0) return Report(bgone::InvalidArgumentError("empty model"));
  try {
    auto m = bgone::Model::FromBytes(model, size);
    if (!m.ok()) return Report(m.status());
    auto handle = std::make_unique<BgoneFaceDetector>();
    if (threads > 1) handle->pool = std::make_unique<bgone::ThreadPool>(threads);
    auto det = img::FaceDetector::Create(std::move(*m), handle->pool.get());
    if (!det.ok()) return Report(det.status());
    handle->detector = std::move(det).value();
    *out = handle.release();
    return Report(bgone::OkStatus());
  } catch (const std::bad_alloc&) {
    return Report(bgone::ResourceExhaustedError("out of memory while loading the face model"));
  }
}

int bgone_face_detect(BgoneFaceDetector* detector, const uint8_t* rgba, int width, int height, float* faces_out,
                      int max_faces, int* count_out) {
  if (detector == nullptr || count_out == nullptr || (max_faces > 0 && faces_out == nullptr) || max_faces < 0)
    return Report(bgone::InvalidArgumentError("null argument"));
  bgone::Status args = CheckImageArgs(rgba, rgba, width, height);
  if (!args.ok()) return Report(args);
  try {
    auto image = RgbaImage(rgba, width, height);
    if (!image.ok()) return Report(image.status());
    auto faces = detector->detector->DetectRefined(*image, detector->pool.get());
    if (!faces.ok()) return Report(faces.status());
    *count_out = static_cast<int>(faces->size());
    for (int i = 0; i < max_faces && i < *count_out; ++i) {
      const img::FaceDetection& f = (*faces)[static_cast<size_t>(i)];
      float* o = faces_out + static_cast<size_t>(i) * BGONE_FACE_VALUES;
      o[0] = f.score, o[1] = f.x, o[2] = f.y, o[3] = f.width, o[4] = f.height;
      for (size_t k = 0; k < f.keypoints.size(); ++k) o[5 + 2 * k] = f.keypoints[k].x, o[6 + 2 * k] = f.keypoints[k].y;
    }
    return Report(bgone::OkStatus());
  } catch (const std::bad_alloc&) {
    return Report(bgone::ResourceExhaustedError("out of memory while detecting faces"));
  }
}

void bgone_face_detector_destroy(BgoneFaceDetector* detector) { delete detector; }

const char* bgone_passport_specs(void) {
  // The embedded file has no NUL inside; a copy with one at the end lives for the program.
  static const std::string text(img::BuiltinPassportSpecsJson());
  return text.c_str();
}

int bgone_passport_layout(const char* spec_id, double dpi, double* layout_out) {
  if (spec_id == nullptr || layout_out == nullptr) return Report(bgone::InvalidArgumentError("null argument"));
  try {
    auto specs = img::BuiltinPassportSpecs();
    if (!specs.ok()) return Report(specs.status());
    auto spec = img::FindPassportSpec(*specs, spec_id);
    if (!spec.ok()) return Report(spec.status());
    auto layout = img::LayoutForSpec(*spec, dpi);
    if (!layout.ok()) return Report(layout.status());
    LayoutToNumbers(*layout, layout_out);
    return Report(bgone::OkStatus());
  } catch (const std::bad_alloc&) {
    return Report(bgone::ResourceExhaustedError("out of memory while reading the document rules"));
  }
}

int bgone_passport_compose(BgoneFaceDetector* detector, const uint8_t* rgba, const uint8_t* mask, int width, int height,
                           const float* face, const double* layout, uint8_t** rgba_out, int* width_out, int* height_out,
                           char** report_out) {
  if (detector == nullptr || face == nullptr || layout == nullptr || rgba_out == nullptr || width_out == nullptr ||
      height_out == nullptr || report_out == nullptr)
    return Report(bgone::InvalidArgumentError("null argument"));
  *rgba_out = nullptr;
  *report_out = nullptr;
  bgone::Status args = CheckImageArgs(rgba, mask, width, height);
  if (!args.ok()) return Report(args);
  try {
    return Report(ComposePassportC(detector, rgba, mask, width, height, face, layout, rgba_out, width_out, height_out,
                                   report_out));
  } catch (const std::bad_alloc&) {
    return Report(bgone::ResourceExhaustedError("out of memory while composing the passport photo"));
  }
}

int bgone_print_sheet(const uint8_t* rgba, int width, int height, const char* paper, double dpi, uint8_t** rgba_out,
                      int* width_out, int* height_out, double* info_out) {
  if (rgba == nullptr || paper == nullptr || rgba_out == nullptr || width_out == nullptr || height_out == nullptr ||
      info_out == nullptr)
    return Report(bgone::InvalidArgumentError("null argument"));
  *rgba_out = nullptr;
  try {
    auto run = [&]() -> bgone::Status {
      BG_RETURN_IF_ERROR(img::ValidateDimensions(width, height));
      BG_ASSIGN_OR_RETURN(img::PaperSize size, img::FindPaperSize(paper));
      BG_ASSIGN_OR_RETURN(img::SheetPlan plan, img::PlanSheet(size, dpi, width, height));
      BG_ASSIGN_OR_RETURN(img::Image photo, RgbFromRgba(rgba, width, height));
      BG_ASSIGN_OR_RETURN(img::Image sheet, img::RenderSheet(plan, photo, dpi));
      uint8_t* out = MallocOpaqueRgba(sheet);
      if (out == nullptr) return bgone::ResourceExhaustedError("out of memory for the print sheet");
      *rgba_out = out;
      *width_out = sheet.width;
      *height_out = sheet.height;
      info_out[0] = plan.copies();
      info_out[1] = plan.columns;
      info_out[2] = plan.rows;
      info_out[3] = plan.page_width_mm;
      info_out[4] = plan.page_height_mm;
      info_out[5] = plan.landscape ? 1 : 0;
      return bgone::OkStatus();
    };
    return Report(run());
  } catch (const std::bad_alloc&) {
    return Report(bgone::ResourceExhaustedError("out of memory while making the print sheet"));
  }
}

int bgone_jpeg_pdf(const uint8_t* jpeg, size_t size, int width, int height, double page_width_mm, double page_height_mm,
                   uint8_t** pdf_out, size_t* pdf_size_out) {
  if (jpeg == nullptr || pdf_out == nullptr || pdf_size_out == nullptr)
    return Report(bgone::InvalidArgumentError("null argument"));
  *pdf_out = nullptr;
  *pdf_size_out = 0;
  try {
    auto pdf = img::SingleJpegPdf(std::vector<uint8_t>(jpeg, jpeg + size), width, height, page_width_mm, page_height_mm);
    if (!pdf.ok()) return Report(pdf.status());
    auto* out = static_cast<uint8_t*>(std::malloc(std::max<size_t>(pdf->size(), 1)));
    if (out == nullptr) return Report(bgone::ResourceExhaustedError("out of memory for the PDF"));
    std::copy(pdf->begin(), pdf->end(), out);
    *pdf_out = out;
    *pdf_size_out = pdf->size();
    return Report(bgone::OkStatus());
  } catch (const std::bad_alloc&) {
    return Report(bgone::ResourceExhaustedError("out of memory while writing the PDF"));
  }
}

void bgone_free(void* p) { std::free(p); }

}  // extern "C"
