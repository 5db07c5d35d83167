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

/* Same, without copying the weights: takes ownership of `model`, a buffer from malloc() (in
 * WebAssembly, the module's _malloc), and frees it when the last weight viewing it is released,
 * or before returning on failure. The caller must not use or free it after the call. */
int bgone_segmenter_create_owned(uint8_t* model, size_t size, int threads, BgoneSegmenter** out);

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

/* ---- Cut-out quality (matte refinement, decontamination, backgrounds) ----
 * All buffers are 8-bit, row-major, tightly packed; rgba is width * height * 4 bytes (straight
 * alpha), mask and trimap are width * height bytes. Everything is deterministic. */

/* bgone_refine_mask flags: which stages run (docs/QUALITY.md). BGONE_REFINE_DEFAULT = all. */
#define BGONE_REFINE_COLOR_LIKELIHOOD 1
#define BGONE_REFINE_LOCAL_COLOR 2
#define BGONE_REFINE_GUIDED_FILTER 4
#define BGONE_REFINE_DEFAULT 7

/* Refines mask in place with the photo's colours (rgba's alpha is ignored): sharper hair and
 * edges, grey regions of the model resolved by colour, confident regions unchanged. flags = 0
 * leaves the mask as it is. segmenter may be null; when given, its threads are used and the
 * refinement suits its model (a dynamically quantized model's grey masks are resolved by colour
 * more freely, see docs/QUALITY.md). */
int bgone_refine_mask(BgoneSegmenter* segmenter, const uint8_t* rgba, uint8_t* mask, int width,
                      int height, int flags);

/* Transparent cut-out in place: alpha = mask multiplied with any alpha rgba had (as
 * bgone_apply_mask); with decontaminate != 0 the colours of semi-transparent pixels are
 * replaced by the estimated foreground colour (no old background bleeding into the edge). */
int bgone_cutout(uint8_t* rgba, const uint8_t* mask, int width, int height, int decontaminate);

/* Flattens rgba in place onto the colour (r, g, b), as bgone_flatten, optionally with
 * decontaminated edge colours. Alpha becomes 255. */
int bgone_composite_color(uint8_t* rgba, const uint8_t* mask, int width, int height, int r, int g,
                          int b, int decontaminate);

/* Flattens rgba in place onto an image of any size (background_rgba, background_width *
 * background_height * 4 bytes, its alpha ignored), scaled to cover and centred. Alpha = 255. */
int bgone_composite_image(uint8_t* rgba, const uint8_t* mask, int width, int height,
                          const uint8_t* background_rgba, int background_width,
                          int background_height, int decontaminate);

/* Portrait mode: flattens rgba in place onto a blurred copy of itself from which the subject
 * is left out. Alpha = 255. */
int bgone_composite_blur(uint8_t* rgba, const uint8_t* mask, int width, int height,
                         int decontaminate);

/* Writes a trimap of mask to trimap_out: 0 where mask <= 5, 255 where mask >= 250, 128 in the
 * band between, grown by `grow` pixels (0-4096; the CLI uses 3). */
int bgone_trimap(const uint8_t* mask, int width, int height, int grow, uint8_t* trimap_out);

/* ---- Passport and ID photos (docs/PASSPORT.md) ---- */

typedef struct BgoneFaceDetector BgoneFaceDetector;

/* Values per face in bgone_face_detect's output: score, box x, y, width, height (pixels), then
 * six keypoints as x, y: right eye, left eye, nose tip, mouth centre, right ear, left ear (the
 * subject's right). */
#define BGONE_FACE_VALUES 17

/* Loads a BlazeFace TFLite model (MediaPipe's short- or full-range file) from memory. */
int bgone_face_detector_create(const uint8_t* model, size_t size, int threads,
                               BgoneFaceDetector** out);

/* Faces in an RGBA image, best first (each refined on a crop around it). Writes at most
 * max_faces records of BGONE_FACE_VALUES floats to faces_out and the number found (which may
 * exceed max_faces) to count_out. */
int bgone_face_detect(BgoneFaceDetector* detector, const uint8_t* rgba, int width, int height,
                      float* faces_out, int max_faces, int* count_out);

void bgone_face_detector_destroy(BgoneFaceDetector* detector);

/* The built-in document rules, imaging/passport_specs.json (a static string). */
const char* bgone_passport_specs(void);

/* A document's layout as numbers, what bgone_passport_compose takes (the web library computes
 * the same from the JSON file, so the WebAssembly build needs no JSON reader):
 *   [0] width mm, [1] height mm, [2] width px, [3] height px (mm * dpi / 25.4, rounded),
 *   [4] head min mm, [5] head max mm, [6] eye line min mm, [7] max (both 0: no such rule),
 *   [8] top-to-crown min mm, [9] max (both 0: no rule), [10] red, [11] green, [12] blue. */
#define BGONE_LAYOUT_VALUES 13
int bgone_passport_layout(const char* spec_id, double dpi, double* layout_out);

/* A document photo from rgba (the photo), mask (its refined mask: bgone_segmenter_run then
 * bgone_refine_mask), face (BGONE_FACE_VALUES floats from bgone_face_detect: the one face) and
 * layout (BGONE_LAYOUT_VALUES numbers): eyes levelled, head and eye line placed in the
 * document's ranges, its background colour behind. On success *rgba_out receives
 * (*width_out) * (*height_out) * 4 bytes (alpha 255) and *report_out a JSON object with the
 * measurements and checks, measured by detecting the face again with `detector`; free both
 * with bgone_free. */
int bgone_passport_compose(BgoneFaceDetector* detector, const uint8_t* rgba, const uint8_t* mask,
                           int width, int height, const float* face, const double* layout,
                           uint8_t** rgba_out, int* width_out, int* height_out, char** report_out);

/* A print sheet (imaging/print_sheet.h): as many copies of the photo (rgba; alpha ignored) as
 * fit on `paper` ("4x6", "5x7", "10x15" or "a4") at `dpi`, evenly spaced, with cut marks. On
 * success *rgba_out receives the sheet, (*width_out) * (*height_out) * 4 bytes (free with
 * bgone_free), and info_out (BGONE_SHEET_VALUES doubles): copies, columns, rows, the page's width
 * and height in mm as placed (a landscape sheet swaps them), landscape (0 or 1). */
#define BGONE_SHEET_VALUES 6
int bgone_print_sheet(const uint8_t* rgba, int width, int height, const char* paper, double dpi,
                      uint8_t** rgba_out, int* width_out, int* height_out, double* info_out);

/* A one-page PDF, page_width_mm x page_height_mm, filled by one JPEG (3 components, width x
 * height pixels; imaging/pdf.h). On success *pdf_out receives *pdf_size_out bytes (free with
 * bgone_free). */
int bgone_jpeg_pdf(const uint8_t* jpeg, size_t size, int width, int height, double page_width_mm,
                   double page_height_mm, uint8_t** pdf_out, size_t* pdf_size_out);

/* Frees what bgone_passport_compose, bgone_print_sheet and bgone_jpeg_pdf returned. */
void bgone_free(void* p);

#ifdef __cplusplus
}  /* extern "C" */
#endif

#endif  /* BGONE_CAPI_BGONE_C_H_ */
