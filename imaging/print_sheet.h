// Print sheets: as many copies of one photo as fit on a paper size, evenly spaced, with thin cut
// marks at every photo's corners.
//
// Layout: the photo stays upright; the sheet is tried in portrait and in landscape and the one
// holding more copies wins (portrait on a tie). Columns and rows are the most that fit with at
// least `min_gap_mm` between photos and around them (printers do not print to the edge); the
// space left over is shared out evenly, so every gap in a row, margins included, is equal (to the
// pixel: the photo positions are rounded once from millimetres, the photos themselves keep their
// exact pixel size).
// Cut marks: 1-pixel lines continuing each photo edge outwards from each corner, 2 mm long (or
// shorter when the gap is narrow, so marks of neighbours never touch), mid grey.
#pragma once

#include <string>
#include <vector>

#include "engine/common/status.h"
#include "imaging/image.h"

namespace bgone::imaging {

struct PaperSize {
  std::string id;  // "4x6", "5x7", "10x15", "a4"
  double width_mm = 0;
  double height_mm = 0;  // portrait: height >= width
};

// The supported sheets: 4x6 in, 5x7 in, 10x15 cm, A4.
const std::vector<PaperSize>& PaperSizes();
StatusOr<PaperSize> FindPaperSize(const std::string& id);

struct SheetPlan {
  int sheet_width_px = 0, sheet_height_px = 0;
  double page_width_mm = 0, page_height_mm = 0;  // the paper as placed (landscape swaps them)
  bool landscape = false;
  int columns = 0, rows = 0;
  std::vector<int> x_px;  // left edge of each column
  std::vector<int> y_px;  // top edge of each row
  int photo_width_px = 0, photo_height_px = 0;
  int copies() const { return columns * rows; }
};

inline constexpr double kMinSheetGapMm = 3.0;
inline constexpr double kCutMarkMm = 2.0;

// Fails when not even one copy fits.
StatusOr<SheetPlan> PlanSheet(const PaperSize& paper, double dpi, int photo_width_px, int photo_height_px,
                              double min_gap_mm = kMinSheetGapMm);

// The sheet: white, `photo` (Rgb8) at every planned position, cut marks.
StatusOr<Image> RenderSheet(const SheetPlan& plan, const Image& photo, double dpi);

}  // namespace bgone::imaging
