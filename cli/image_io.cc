#include "cli/image_io.h"

#include <vips/vips.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>

namespace bgone::cli {
namespace {

struct GObjectUnref {
  void operator()(void* p) const {
    if (p != nullptr) g_object_unref(p);
  }
};
using ImagePtr = std::unique_ptr<VipsImage, GObjectUnref>;
using SourcePtr = std::unique_ptr<VipsSource, GObjectUnref>;

// libvips keeps errors in a process-wide buffer; take it as one line and reset it.
std::string TakeVipsError() {
  std::string text = vips_error_buffer();
  vips_error_clear();
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  std::string one_line;
  for (char c : text) {
    if (c == '\n') {
      one_line += "; ";
    } else {
      one_line += c;
    }
  }
  return one_line.empty() ? "libvips gave no details" : one_line;
}

// Runs a libvips operation producing one image; `op` returns libvips's 0 / -1 convention.
template <typename Op>
StatusOr<ImagePtr> Apply(const char* what, Op op) {
  VipsImage* out = nullptr;
  if (op(&out) != 0) {
    if (out != nullptr) g_object_unref(out);
    return MalformedError(std::string(what) + ": " + TakeVipsError());
  }
  return ImagePtr(out);
}

void IgnoreLog(const gchar*, GLogLevelFlags, const gchar*, gpointer) {}

// Converts an alpha band to 8 bits. libvips's convention: 16-bit images keep alpha in
// 0..65535, everything else (float included) in 0..255.
StatusOr<ImagePtr> AlphaTo8Bit(VipsImage* alpha, VipsInterpretation interpretation) {
  const bool is16 = interpretation == VIPS_INTERPRETATION_RGB16 ||
                    interpretation == VIPS_INTERPRETATION_GREY16 ||
                    vips_image_get_format(alpha) == VIPS_FORMAT_USHORT;
  const double max_alpha = is16 ? 65535.0 : 255.0;
  if (vips_image_get_format(alpha) == VIPS_FORMAT_UCHAR && max_alpha == 255.0) {
    g_object_ref(alpha);
    return ImagePtr(alpha);
  }
  return Apply("converting alpha", [&](VipsImage** out) {
    return vips_linear1(alpha, out, 255.0 / max_alpha, 0.0, "uchar", TRUE, nullptr);
  });
}

// Colour bands (no alpha) of any interpretation to 3-band 8-bit sRGB.
StatusOr<ImagePtr> ColorToSrgb8(VipsImage* color, VipsInterpretation interpretation) {
  ImagePtr cur(color);
  g_object_ref(color);
  if (interpretation == VIPS_INTERPRETATION_CMYK) {
    // libvips uses the embedded profile, or a built-in CMYK profile when there is none.
    BG_ASSIGN_OR_RETURN(cur, Apply("converting CMYK to sRGB", [&](VipsImage** out) {
                          return vips_colourspace(cur.get(), out, VIPS_INTERPRETATION_sRGB,
                                                  nullptr);
                        }));
  } else if (vips_image_get_typeof(cur.get(), VIPS_META_ICC_NAME) != 0) {
    // Wide-gamut sources (Display P3 photos, Adobe RGB) would look dull if their numbers were
    // read as sRGB, and outputs carry no profile. A broken profile is ignored, not fatal.
    VipsImage* out = nullptr;
    if (vips_icc_transform(cur.get(), &out, "srgb", "embedded", TRUE, "intent",
                           VIPS_INTENT_RELATIVE, "depth", 8, nullptr) == 0) {
      cur.reset(out);
    } else {
      if (out != nullptr) g_object_unref(out);
      vips_error_clear();
    }
  }
  const VipsInterpretation now = vips_image_guess_interpretation(cur.get());
  if (now != VIPS_INTERPRETATION_sRGB || vips_image_get_format(cur.get()) != VIPS_FORMAT_UCHAR) {
    VipsImage* out = nullptr;
    if (vips_colourspace(cur.get(), &out, VIPS_INTERPRETATION_sRGB, nullptr) == 0) {
      cur.reset(out);
    } else {
      // Unusual interpretations (multiband, matrix): take the numbers as they are below.
      if (out != nullptr) g_object_unref(out);
      vips_error_clear();
    }
  }
  if (vips_image_get_format(cur.get()) != VIPS_FORMAT_UCHAR) {
    const bool is16 = vips_image_get_format(cur.get()) == VIPS_FORMAT_USHORT;
    BG_ASSIGN_OR_RETURN(cur, Apply("converting to 8 bits", [&](VipsImage** out) {
                          return vips_cast(cur.get(), out, VIPS_FORMAT_UCHAR, "shift", is16,
                                           nullptr);
                        }));
  }
  const int bands = vips_image_get_bands(cur.get());
  if (bands == 3) return cur;
  if (bands > 3) {
    return Apply("selecting colour bands", [&](VipsImage** out) {
      return vips_extract_band(cur.get(), out, 0, "n", 3, nullptr);
    });
  }
  // One or two bands left (gray or odd layouts): repeat the first as r = g = b.
  BG_ASSIGN_OR_RETURN(ImagePtr gray, Apply("selecting gray band", [&](VipsImage** out) {
                        return vips_extract_band(cur.get(), out, 0, nullptr);
                      }));
  VipsImage* three[3] = {gray.get(), gray.get(), gray.get()};
  return Apply("expanding gray",
               [&](VipsImage** out) { return vips_bandjoin(three, out, 3, nullptr); });
}

}  // namespace

Status InitImageIo(const char* argv0, int threads) {
  if (VIPS_INIT(argv0 != nullptr ? argv0 : "bgone") != 0) {
    return InternalError("cannot start libvips: " + TakeVipsError());
  }
  // Loaders such as matload or the ImageMagick bridge are not fuzzed for hostile input.
  vips_block_untrusted_set(TRUE);
  // Every file is different: caching operations would only hold memory.
  vips_cache_set_max(0);
  vips_concurrency_set(std::max(1, threads));
  // libvips reports recoverable damage as GLib warnings on stderr; the CLI reports per file.
  g_log_set_handler("VIPS", G_LOG_LEVEL_WARNING, IgnoreLog, nullptr);
  return OkStatus();
}

void ShutdownImageIo() { vips_shutdown(); }

StatusOr<imaging::Image> DecodeImageFile(const std::string& path, const DecodeOptions& options) {
  // A VipsSource takes the name literally; vips_image_new_from_file would parse "name[options]".
  SourcePtr source(vips_source_new_from_file(path.c_str()));
  if (source == nullptr) return IoError("cannot open: " + TakeVipsError());
  if (vips_foreign_find_load_source(source.get()) == nullptr) {
    vips_error_clear();
    return MalformedError("not an image in a supported format (or the file is damaged)");
  }
  // Header only: no pixel is decoded until the size has been checked.
  BG_ASSIGN_OR_RETURN(ImagePtr image, Apply("cannot read image header", [&](VipsImage** out) {
                        *out = vips_image_new_from_source(source.get(), "", "access",
                                                          VIPS_ACCESS_RANDOM, "fail_on",
                                                          VIPS_FAIL_ON_ERROR, nullptr);
                        return *out != nullptr ? 0 : -1;
                      }));
  const int width = vips_image_get_width(image.get());
  const int height = vips_image_get_height(image.get());
  const int64_t pixels = static_cast<int64_t>(width) * height;
  if (pixels > options.max_pixels) {
    char buf[160];
    std::snprintf(buf, sizeof(buf),
                  "image is %dx%d (%.1f megapixels), above the limit of %.1f (see "
                  "--max-megapixels)",
                  width, height, pixels / 1e6, options.max_pixels / 1e6);
    return ResourceExhaustedError(buf);
  }
  BG_RETURN_IF_ERROR(imaging::ValidateDimensions(width, height));

  BG_ASSIGN_OR_RETURN(image, Apply("applying EXIF orientation", [&](VipsImage** out) {
                        return vips_autorot(image.get(), out, nullptr);
                      }));
  const VipsInterpretation interpretation = vips_image_guess_interpretation(image.get());
  const int bands = vips_image_get_bands(image.get());
  const bool has_alpha = vips_image_hasalpha(image.get()) != 0;
  const int color_bands = has_alpha ? bands - 1 : bands;

  ImagePtr color, alpha;
  if (has_alpha) {
    BG_ASSIGN_OR_RETURN(color, Apply("splitting alpha", [&](VipsImage** out) {
                          return vips_extract_band(image.get(), out, 0, "n", color_bands, nullptr);
                        }));
    BG_ASSIGN_OR_RETURN(ImagePtr raw_alpha, Apply("splitting alpha", [&](VipsImage** out) {
                          return vips_extract_band(image.get(), out, bands - 1, nullptr);
                        }));
    BG_ASSIGN_OR_RETURN(alpha, AlphaTo8Bit(raw_alpha.get(), interpretation));
  } else {
    color = std::move(image);
  }
  BG_ASSIGN_OR_RETURN(ImagePtr rgb, ColorToSrgb8(color.get(), interpretation));
  ImagePtr final_image = std::move(rgb);
  if (alpha != nullptr) {
    VipsImage* parts[2] = {final_image.get(), alpha.get()};
    BG_ASSIGN_OR_RETURN(final_image, Apply("joining alpha", [&](VipsImage** out) {
                          return vips_bandjoin(parts, out, 2, nullptr);
                        }));
  }

  const int out_width = vips_image_get_width(final_image.get());
  const int out_height = vips_image_get_height(final_image.get());
  const imaging::PixelFormat format =
      alpha != nullptr ? imaging::PixelFormat::kRgba8 : imaging::PixelFormat::kRgb8;
  // This is where the pixels are actually decoded, so damage in the data shows up here.
  size_t size = 0;
  void* data = vips_image_write_to_memory(final_image.get(), &size);
  if (data == nullptr) return MalformedError("cannot decode: " + TakeVipsError());
  auto result = imaging::Image::FromPixels(out_width, out_height, format,
                                           static_cast<const uint8_t*>(data), size);
  g_free(data);
  return result;
}

StatusOr<std::vector<uint8_t>> EncodeImage(const imaging::Image& image,
                                           const EncodeOptions& options) {
  BG_RETURN_IF_ERROR(imaging::ValidateImage(image));
  if (options.format == OutputFormat::kJpeg && image.has_alpha()) {
    return InvalidArgumentError("JPEG cannot store transparency; flatten onto a colour first");
  }
  ImagePtr wrapped(vips_image_new_from_memory(image.pixels.data(), image.pixels.size(), image.width,
                                              image.height, image.channels(), VIPS_FORMAT_UCHAR));
  if (wrapped == nullptr) return InternalError("wrapping pixels: " + TakeVipsError());
  const VipsInterpretation interpretation = image.format == imaging::PixelFormat::kGray8
                                                ? VIPS_INTERPRETATION_B_W
                                                : VIPS_INTERPRETATION_sRGB;
  BG_ASSIGN_OR_RETURN(ImagePtr tagged, Apply("tagging pixels", [&](VipsImage** out) {
                        // libvips keeps resolution in pixels per millimetre.
                        const double ppmm = options.dpi > 0 ? options.dpi / 25.4 : 1.0;
                        return vips_copy(wrapped.get(), out, "interpretation", interpretation,
                                         "xres", ppmm, "yres", ppmm, nullptr);
                      }));
  void* buffer = nullptr;
  size_t length = 0;
  int rc = -1;
  switch (options.format) {
    case OutputFormat::kPng:
      rc = vips_pngsave_buffer(tagged.get(), &buffer, &length, "compression", 6, "strip", TRUE,
                               nullptr);
      break;
    case OutputFormat::kWebp:
      rc = options.quality == 0
               // Effort 1 measured as small as the default (4) on a 16 MP cutout, 30% faster.
               ? vips_webpsave_buffer(tagged.get(), &buffer, &length, "lossless", TRUE, "effort", 1,
                                      "strip", TRUE, nullptr)
               : vips_webpsave_buffer(tagged.get(), &buffer, &length, "Q", options.quality, "strip",
                                      TRUE, nullptr);
      break;
    case OutputFormat::kJpeg:
      rc =
          vips_jpegsave_buffer(tagged.get(), &buffer, &length, "Q",
                               options.quality == 0 ? 90 : options.quality, "strip", TRUE, nullptr);
      break;
  }
  if (rc != 0 || buffer == nullptr) {
    if (buffer != nullptr) g_free(buffer);
    return InternalError("encoding failed: " + TakeVipsError());
  }
  std::vector<uint8_t> bytes;
  try {
    bytes.assign(static_cast<const uint8_t*>(buffer), static_cast<const uint8_t*>(buffer) + length);
  } catch (const std::bad_alloc&) {
    g_free(buffer);
    return ResourceExhaustedError("out of memory while encoding");
  }
  g_free(buffer);
  // libvips (8.14) writes no JFIF segment when stripping metadata, so the print resolution goes
  // in a JFIF APP0 segment of our own right after SOI: "JFIF\0", version 1.1, units 1 (dots per
  // inch), x and y density, no thumbnail.
  if (options.format == OutputFormat::kJpeg && options.dpi > 0 && bytes.size() >= 4 &&
      bytes[0] == 0xFF && bytes[1] == 0xD8 && !(bytes[2] == 0xFF && bytes[3] == 0xE0)) {
    const auto d = static_cast<uint16_t>(std::clamp(std::lround(options.dpi), 1L, 65535L));
    const uint8_t app0[18] = {0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0x00, 0x01, 0x01, 0x01,
                              static_cast<uint8_t>(d >> 8), static_cast<uint8_t>(d & 0xFF),
                              static_cast<uint8_t>(d >> 8), static_cast<uint8_t>(d & 0xFF), 0x00, 0x00};
    bytes.insert(bytes.begin() + 2, app0, app0 + sizeof app0);
  }
  return bytes;
}

}  // namespace bgone::cli
