// Full-resolution matte refinement: sharpens the (upscaled) IS-Net mask with the photo's own
// colours where the mask is uncertain, keeping confident regions as they are.
//
// Stages (each can be switched off, for measurements; bench/quality and docs/QUALITY.md):
//   1. colour likelihood: colour histograms (32^3 bins) of the confident foreground
//      (mask > 0.95) and background (mask < 0.05) of the whole photo give a per-pixel log
//      likelihood ratio L (clamped to +-4), smoothed by a colour guided filter (radius 12,
//      eps 1e-3); uncertain pixels (0 < mask < 1) become sigmoid(logit(mask) + L). This fixes
//      regions the model left grey although their colour says foreground or background.
//   2. local colour model: per pixel, the mean colours F and B of confident foreground and
//      background within radius 12 give alpha_p = (I - B).(F - B) / |F - B|^2 (the
//      two-colour compositing model); it is blended in with weight
//      min(|F - B|^2 / 0.1, 1) * sqrt(4 a (1 - a)), so only where both colours are known and
//      distinct, and only where the alpha is still uncertain.
//   3. colour guided filter (He et al. 2010; radius 12, eps 1e-4) with the photo as guide: the
//      local linear model alpha = A . I + b carries edge detail (hair) from the photo into the
//      matte. Both guided filters share the photo's window statistics (same radius).
//   Finally "solid stays solid": where the model's mask is >= 0.97 over a radius of 8 work pixels
//   the result is never below the mask, where it is <= 0.03 over that radius never above it.
//   Model trust (option trust_model; right for the fp16 model, see below):
//   - where the mask is 0 the result is 0, and where it is >= 0.97 the result is never below
//     it: else the guided filter's linear model, fitted in windows holding both the backdrop
//     and subject colours like it (light hair, light skin before a pale wall), lowers alpha
//     inside the subject's rim (the new background shows through) and leaves a faint haze of
//     alpha beside it;
//   - where the mask leans to background (< 0.5), the guided filter raises alpha by at most
//     0.1 over the larger of the mask and the alpha before the filter (else dark hair before a
//     dark backdrop grows a dark haze), and where also mask >= 0.03 and no confident foreground
//     (> 0.95) lies within 24 work pixels, the result is never below the mask (the colour
//     statistics mislead there when the model marked similar-looking parts of the subject as
//     confident background; near confident foreground the local colour model is trusted to
//     clear the grey the upscaled mask smears around hair);
//   - where the mask says foreground (>= 0.6) the result stays > 0.5.
//
// Linear time, bounded memory: stages 1-3 run on planes at a work resolution of at most
// `work_max_side` pixels on the longest side (the photo and mask area-averaged by an integer
// factor); the full-resolution pass evaluates the guided filter's linear model per pixel from
// bilinearly interpolated coefficients (the "fast guided filter"), band by band. Extra memory is
// O(work pixels) plus the output mask, whatever the photo size. For photos within the work size
// the result is exactly the guided filter at full resolution.
//
// Deterministic: fixed summation orders, no dependence on thread count or band height.
// Cost (docs/QUALITY.md): about 150 ms for a 12 MP photo on one core of the reference machine.
// Thread-safety: pure functions.
#pragma once

#include "engine/common/status.h"
#include "engine/runtime/thread_pool.h"
#include "imaging/image.h"

namespace bgone::imaging {

struct MatteRefineOptions {
  bool color_likelihood = true;  // stage 1
  bool local_color = true;       // stage 2
  bool guided_filter = true;     // stage 3
  // Keep the model's decisions where it makes them (see "Model trust" above). Right for the
  // fp16 ("medium") model, whose grey values are mostly true partial alpha and whose decisions
  // are rarely wrong where colours are ambiguous; the 8-bit ("small") model's masks are grey
  // where the subject is plain, so for it colour should overrule the mask: pass false.
  bool trust_model = true;
  // Longest side of the work planes (>= 64). Photos up to this size are refined at full
  // resolution throughout.
  int work_max_side = 1280;
  // Rows per band of the full-resolution pass (0 = all rows at once). Does not change results.
  int band_rows = 64;
};

// `image`: Gray8, Rgb8 or Rgba8 (colour channels used). `mask`: Gray8 of the same size, e.g.
// IsNetSegmenter::ComputeMask's output. Returns the refined Gray8 mask.
StatusOr<Image> RefineMatte(const Image& image, const Image& mask,
                            const MatteRefineOptions& options = {}, ThreadPool* pool = nullptr);

// A trimap from a matte: 0 where alpha <= `low`, 255 where alpha >= `high`, 128 elsewhere, and
// the 128 region grown by `grow` pixels (square neighbourhood). Gray8 in and out.
StatusOr<Image> TrimapFromMatte(const Image& alpha, int low = 5, int high = 250, int grow = 0);

}  // namespace bgone::imaging
