// Foreground colour estimation ("decontamination") and backgrounds for compositing.
//
// A semi-transparent edge pixel of a photo is a mix I = a F + (1 - a) B of the subject's colour F
// and the old background B. Showing I with alpha a over a new background keeps a trace of B: the
// coloured fringe users see around hair. EstimateForeground recovers F with blur-fusion
// (Forte and Pitie, "Approximate fast foreground colour estimation", ICIP 2021):
//   F_s = box_r(F a) / box_r(a),   B_s = box_r(B (1 - a)) / box_r(1 - a)
//   F'  = F_s + a (I - a F_s - (1 - a) B_s)
// run twice: first with F = B = I and r = 90, then with the first F', B' and r = 6. The box
// filters run on work planes of bounded size (work_planes.h); the last line runs per pixel at
// full resolution with bilinearly interpolated F_s, B_s. Fully opaque pixels keep their colour.
// Deterministic, linear time, bounded extra memory.
// Thread-safety: pure functions.
#pragma once

#include "engine/common/status.h"
#include "engine/runtime/thread_pool.h"
#include "imaging/image.h"

namespace bgone::imaging {

struct ForegroundOptions {
  int work_max_side = 1280;  // >= 64; photos up to this size are processed at full resolution
  int band_rows = 64;        // rows per band of the full-resolution pass; does not change results
};

// `image`: Gray8, Rgb8 or Rgba8 (its colours are used; its alpha is not). `alpha`: Gray8 of the
// same size, the final alpha. Returns Rgb8 foreground colours.
StatusOr<Image> EstimateForeground(const Image& image, const Image& alpha,
                                   const ForegroundOptions& options = {},
                                   ThreadPool* pool = nullptr);

// "Portrait mode" background: the photo blurred (three box passes of radius about 1.5% of its
// longest side, computed on work planes) with the subject left out (each pixel weighted by
// 1 - alpha), so the subject does not smear into its own backdrop. Rgb8 of the image's size.
StatusOr<Image> BlurredBackground(const Image& image, const Image& alpha,
                                  const ForegroundOptions& options = {},
                                  ThreadPool* pool = nullptr);

}  // namespace bgone::imaging
