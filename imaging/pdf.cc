#include "imaging/pdf.h"

#include <cstdio>
#include <string>

namespace bgone::imaging {

StatusOr<std::vector<uint8_t>> SingleJpegPdf(const std::vector<uint8_t>& jpeg, int width, int height,
                                             double page_width_mm, double page_height_mm) {
  if (jpeg.size() < 4 || jpeg[0] != 0xFF || jpeg[1] != 0xD8) return InvalidArgumentError("pdf: not a JPEG");
  if (width <= 0 || height <= 0 || !(page_width_mm > 0) || !(page_height_mm > 0))
    return InvalidArgumentError("pdf: empty page or image");
  const double w_pt = page_width_mm / 25.4 * 72.0, h_pt = page_height_mm / 25.4 * 72.0;
  std::vector<uint8_t> out;
  std::vector<size_t> offsets;  // byte offset of objects 1..n
  auto put = [&](const std::string& s) { out.insert(out.end(), s.begin(), s.end()); };
  auto fmt = [](const char* f, auto... v) {
    char buf[256];
    std::snprintf(buf, sizeof buf, f, v...);
    return std::string(buf);
  };
  put("%PDF-1.4\n%\xE2\xE3\xCF\xD3\n");
  offsets.push_back(out.size());
  put("1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
  offsets.push_back(out.size());
  put("2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n");
  offsets.push_back(out.size());
  put(fmt("3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.3f %.3f] /Resources << /XObject << /Im0 4 0 R >> >> /Contents 5 0 R >>\nendobj\n",
          w_pt, h_pt));
  offsets.push_back(out.size());
  put(fmt("4 0 obj\n<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /DCTDecode /Length %zu >>\nstream\n",
          width, height, jpeg.size()));
  out.insert(out.end(), jpeg.begin(), jpeg.end());
  put("\nendstream\nendobj\n");
  const std::string content = fmt("q %.3f 0 0 %.3f 0 0 cm /Im0 Do Q\n", w_pt, h_pt);
  offsets.push_back(out.size());
  put(fmt("5 0 obj\n<< /Length %zu >>\nstream\n", content.size()) + content + "endstream\nendobj\n");
  const size_t xref = out.size();
  put(fmt("xref\n0 %zu\n", offsets.size() + 1));
  put("0000000000 65535 f \n");
  for (size_t o : offsets) put(fmt("%010zu 00000 n \n", o));
  put(fmt("trailer\n<< /Size %zu /Root 1 0 R >>\nstartxref\n%zu\n%%%%EOF\n", offsets.size() + 1, xref));
  return out;
}

}  // namespace bgone::imaging
