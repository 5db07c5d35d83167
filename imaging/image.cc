#include "imaging/image.h"

#include <cstring>
#include <new>
#include <string>

namespace bgone::imaging {

const char* PixelFormatName(PixelFormat format) {
  switch (format) {
    case PixelFormat::kGray8:
      return "gray8";
    case PixelFormat::kRgb8:
      return "rgb8";
    case PixelFormat::kRgba8:
      return "rgba8";
  }
  return "unknown";
}

Status ValidateDimensions(int width, int height) {
  if (width <= 0 || height <= 0) {
    return InvalidArgumentError("image size " + std::to_string(width) + "x" +
                                std::to_string(height) + " is empty or negative");
  }
  if (width > kMaxImageDimension || height > kMaxImageDimension ||
      static_cast<int64_t>(width) * height > kMaxImagePixels) {
    return ResourceExhaustedError("image size " + std::to_string(width) + "x" +
                                  std::to_string(height) + " exceeds the supported maximum");
  }
  return OkStatus();
}

Status ValidateImage(const Image& image) {
  BG_RETURN_IF_ERROR(ValidateDimensions(image.width, image.height));
  if (image.format != PixelFormat::kGray8 && image.format != PixelFormat::kRgb8 &&
      image.format != PixelFormat::kRgba8) {
    return InvalidArgumentError("unknown pixel format");
  }
  const size_t expected = image.stride() * static_cast<size_t>(image.height);
  if (image.pixels.size() != expected) {
    return InvalidArgumentError("image buffer holds " + std::to_string(image.pixels.size()) +
                                " bytes, expected " + std::to_string(expected));
  }
  return OkStatus();
}

StatusOr<Image> Image::Create(int width, int height, PixelFormat format) {
  BG_RETURN_IF_ERROR(ValidateDimensions(width, height));
  Image image;
  image.width = width;
  image.height = height;
  image.format = format;
  // The library never throws: an allocation failure becomes an error value.
  try {
    image.pixels.assign(image.stride() * static_cast<size_t>(height), 0);
  } catch (const std::bad_alloc&) {
    return ResourceExhaustedError("out of memory allocating a " + std::to_string(width) + "x" +
                                  std::to_string(height) + " image");
  }
  return image;
}

StatusOr<Image> Image::FromPixels(int width, int height, PixelFormat format, const uint8_t* data,
                                  size_t size) {
  BG_ASSIGN_OR_RETURN(Image image, Create(width, height, format));
  if (size != image.pixels.size()) {
    return InvalidArgumentError("pixel buffer holds " + std::to_string(size) + " bytes, expected " +
                                std::to_string(image.pixels.size()));
  }
  if (size != 0) std::memcpy(image.pixels.data(), data, size);
  return image;
}

}  // namespace bgone::imaging
