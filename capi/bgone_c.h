/* bgone's C API: opaque handles and status codes over the C++ engine and imaging code. It is
 * what the WebAssembly build exports to JavaScript, and what other languages can bind to.
 * No function aborts or throws on bad data; failures return a status and leave a message that
 * bgone_last_error() returns.
 * Thread-safety: a segmenter may be used by one thread at a time; different segmenters are
 * independent. bgone_last_error() is per thread. */
#ifndef BGONE_CAPI_BGONE_C_H_
#define BGONE_CAPI_BGONE_C_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum BgoneStatus {
  BGONE_OK = 0,
  BGONE_INVALID_ARGUMENT = 1,
  BGONE_MALFORMED = 2,
  BGONE_UNSUPPORTED = 3,
  BGONE_RESOURCE_EXHAUSTED = 4,
  BGONE_IO_ERROR = 5,
  BGONE_INTERNAL = 6,
};

typedef struct BgoneSegmenter BgoneSegmenter;

/* Loads an IS-Net ONNX model from memory (the bytes are parsed, not kept) and prepares it.
 * threads <= 1 runs everything on the calling thread. */
int bgone_segmenter_create(const uint8_t* model, size_t size, int threads, BgoneSegmenter** out);

/* Computes the foreground mask of an 8-bit sRGB RGBA image (straight alpha, row-major, tightly
 * packed, width * height * 4 bytes; the alpha channel is ignored by the model). Writes
 * width * height bytes, 255 = foreground, to mask_out. */
int bgone_segmenter_run(BgoneSegmenter* segmenter, const uint8_t* rgba, int width, int height,
                        uint8_t* mask_out);

/* The model's input size (1024 x 1024 for IS-Net). */
int bgone_segmenter_input_size(const BgoneSegmenter* segmenter, int* width, int* height);

void bgone_segmenter_destroy(BgoneSegmenter* segmenter);

/* rgba (width * height * 4) gets mask as its alpha, multiplied with any alpha it had. */
int bgone_apply_mask(uint8_t* rgba, const uint8_t* mask, int width, int height);

/* rgba (width * height * 4) is flattened onto the colour (r, g, b) through mask; alpha becomes
 * 255. */
int bgone_flatten(uint8_t* rgba, const uint8_t* mask, int width, int height, int r, int g, int b);

/* Message of this thread's last failed call, or "" when the last call succeeded. */
const char* bgone_last_error(void);

/* The library's version, e.g. "0.1.0". */
const char* bgone_version(void);

#ifdef __cplusplus
}  /* extern "C" */
#endif

#endif  /* BGONE_CAPI_BGONE_C_H_ */
