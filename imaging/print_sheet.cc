#include "imaging/print_sheet.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>

namespace bgone::imaging {
namespace {

int MmToPx(double mm, double dpi) { return static_cast<int>(std::lround(mm * dpi / 25.4)); }

// Most items of size `item` that fit in `length` with gaps >= `gap` between and around them, and
// their start positions with the left-over space shared evenly among the count + 1 gaps.
std::vector<int> Spread(int length, int item, int gap) {
  std::vector<int> starts;
  if (item <= 0 || length <= 0) return starts;
  const int count = (length - gap) / (item + gap);
  if (count <= 0) return starts;
  const double free_space = static_cast<double>(length - count * item) / (count + 1);
  for (int i = 0; i < count; ++i) starts.push_back(static_cast<int>(std::lround(free_space * (i + 1) + static_cast<double>(item) * i)));
  return starts;
}

}  // namespace

const std::vector<PaperSize>& PaperSizes() {
  static const std::vector<PaperSize> sizes = {
      {"4x6", 101.6, 152.4},
      {"5x7", 127.0, 177.8},
      {"10x15", 100.0, 150.0},
      {"a4", 210.0, 297.0},
  };
  return sizes;
}

StatusOr<PaperSize> FindPaperSize(const std::string& id) {
  std::string lower = id;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string known;
  for (const PaperSize& p : PaperSizes()) {
    if (p.id == lower) return p;
    known += (known.empty() ? "" : ", ") + p.id;
  }
  return InvalidArgumentError("unknown sheet '" + id + "' (known: " + known + ")");
}

StatusOr<SheetPlan> PlanSheet(const PaperSize& paper, double dpi, int photo_width_px, int photo_height_px,
                              double min_gap_mm) {
  if (!(dpi >= 72 && dpi <= 1200)) return InvalidArgumentError("sheet: dpi out of range");
  if (photo_width_px <= 0 || photo_height_px <= 0) return InvalidArgumentError("sheet: empty photo");
  const int gap = std::max(1, MmToPx(min_gap_mm, dpi));
  SheetPlan best;
  for (bool landscape : {false, true}) {
    SheetPlan p;
    p.landscape = landscape;
    p.page_width_mm = landscape ? paper.height_mm : paper.width_mm;
    p.page_height_mm = landscape ? paper.width_mm : paper.height_mm;
    p.sheet_width_px = MmToPx(p.page_width_mm, dpi);
    p.sheet_height_px = MmToPx(p.page_height_mm, dpi);
    p.photo_width_px = photo_width_px;
    p.photo_height_px = photo_height_px;
    p.x_px = Spread(p.sheet_width_px, photo_width_px, gap);
    p.y_px = Spread(p.sheet_height_px, photo_height_px, gap);
    p.columns = static_cast<int>(p.x_px.size());
    p.rows = static_cast<int>(p.y_px.size());
    if (p.copies() > best.copies()) best = p;
  }
  if (best.copies() == 0)
    return InvalidArgumentError("sheet " + paper.id + ": the photo (" + std::to_string(photo_width_px) + "x" +
                                std::to_string(photo_height_px) + " px) does not fit");
  return best;
}

StatusOr<Image> RenderSheet(const SheetPlan& plan, const Image& photo, double dpi) {
  BG_RETURN_IF_ERROR(ValidateImage(photo));
  if (photo.format != PixelFormat::kRgb8 || photo.width != plan.photo_width_px || photo.height != plan.photo_height_px)
    return InvalidArgumentError("sheet: the photo does not match the plan");
  BG_ASSIGN_OR_RETURN(Image sheet, Image::Create(plan.sheet_width_px, plan.sheet_height_px, PixelFormat::kRgb8));
  std::fill(sheet.pixels.begin(), sheet.pixels.end(), uint8_t{255});
  const size_t row_bytes = photo.stride();
  for (int y0 : plan.y_px)
    for (int x0 : plan.x_px)
      for (int y = 0; y < photo.height; ++y)
        std::memcpy(sheet.row(y0 + y) + static_cast<size_t>(x0) * 3, photo.row(y), row_bytes);
  // Cut marks: the smallest gap bounds their length so neighbours' marks never meet.
  int min_gap = std::max(plan.sheet_width_px, plan.sheet_height_px);
  for (size_t i = 0; i <= plan.x_px.size(); ++i) {
    const int left = i == 0 ? 0 : plan.x_px[i - 1] + plan.photo_width_px;
    const int right = i == plan.x_px.size() ? plan.sheet_width_px : plan.x_px[i];
    min_gap = std::min(min_gap, right - left);
  }
  for (size_t i = 0; i <= plan.y_px.size(); ++i) {
    const int top = i == 0 ? 0 : plan.y_px[i - 1] + plan.photo_height_px;
    const int bottom = i == plan.y_px.size() ? plan.sheet_height_px : plan.y_px[i];
    min_gap = std::min(min_gap, bottom - top);
  }
  const int len = std::min(MmToPx(kCutMarkMm, dpi), min_gap / 2 - 1);
  if (len < 1) return sheet;
  auto dot = [&](int x, int y) {
    if (x < 0 || y < 0 || x >= sheet.width || y >= sheet.height) return;
    uint8_t* p = sheet.row(y) + static_cast<size_t>(x) * 3;
    p[0] = p[1] = p[2] = 128;
  };
  for (int y0 : plan.y_px)
    for (int x0 : plan.x_px) {
      const int x1 = x0 + plan.photo_width_px - 1, y1 = y0 + plan.photo_height_px - 1;
      for (int k = 1; k <= len; ++k) {
        // Vertical marks above and below each corner, horizontal ones left and right.
        dot(x0, y0 - k), dot(x1, y0 - k), dot(x0, y1 + k), dot(x1, y1 + k);
        dot(x0 - k, y0), dot(x0 - k, y1), dot(x1 + k, y0), dot(x1 + k, y1);
      }
    }
  return sheet;
}

}  // namespace bgone::imaging
