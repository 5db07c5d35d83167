// A one-page PDF holding one JPEG, placed to fill the page: enough for print sheets, written by
// hand (PDF 1.4: catalog, pages, page, image XObject with DCTDecode, content stream, xref).
#pragma once

#include <cstdint>
#include <vector>

#include "engine/common/status.h"

namespace bgone::imaging {

// `jpeg`: a baseline or progressive JPEG with 3 components (sRGB) of width x height pixels. The
// page is page_width_mm x page_height_mm.
StatusOr<std::vector<uint8_t>> SingleJpegPdf(const std::vector<uint8_t>& jpeg, int width, int height,
                                             double page_width_mm, double page_height_mm);

}  // namespace bgone::imaging
