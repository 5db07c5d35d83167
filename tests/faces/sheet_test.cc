// Print sheets: how many copies fit, pixel-exact positions and even gaps, untouched photo pixels,
// cut marks outside the photos only, and the PDF's structure (xref offsets, page size).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "capi/bgone_c.h"
#include "cli/image_io.h"
#include "imaging/pdf.h"
#include "imaging/print_sheet.h"

namespace bgone::imaging {
namespace {

int Px(double mm, double dpi) { return static_cast<int>(std::lround(mm * dpi / 25.4)); }

Image RandomPhoto(int w, int h) {
  Image img = Image::Create(w, h, PixelFormat::kRgb8).value();
  std::mt19937 rng(5);
  for (auto& p : img.pixels) p = static_cast<uint8_t>(rng());
  return img;
}

TEST(PrintSheetTest, CopiesPerSheet) {
  struct Case { const char* paper; double w_mm, h_mm; int copies; };
  // With 3 mm around every photo: 2x2 in on 4x6 in: 1 x 2 (two 2-inch photos and three gaps
  // are wider than 4 in); 35x45 mm: 2 x 3 on 4x6 and 10x15, 3 x 3 on 5x7, 5 x 6 on A4; 33x48 mm
  // (China) on A4: 8 x 4 in landscape (5 x 5 in portrait).
  for (const Case& c : {Case{"4x6", 50.8, 50.8, 2}, Case{"4x6", 35, 45, 6}, Case{"10x15", 35, 45, 6},
                        Case{"5x7", 35, 45, 9}, Case{"a4", 35, 45, 30}, Case{"a4", 33, 48, 32},
                        Case{"5x7", 50.8, 50.8, 6}, Case{"a4", 50, 70, 12}}) {
    SCOPED_TRACE(std::string(c.paper) + " " + std::to_string(c.w_mm));
    auto paper = FindPaperSize(c.paper);
    ASSERT_TRUE(paper.ok());
    auto plan = PlanSheet(*paper, 300, Px(c.w_mm, 300), Px(c.h_mm, 300));
    ASSERT_TRUE(plan.ok()) << plan.status().ToString();
    EXPECT_EQ(plan->copies(), c.copies);
  }
  EXPECT_FALSE(FindPaperSize("letter").ok());
  auto a4 = FindPaperSize("A4");
  ASSERT_TRUE(a4.ok());
  EXPECT_FALSE(PlanSheet(*a4, 300, 5000, 5000).ok());  // does not fit
}

TEST(PrintSheetTest, ExactGeometry) {
  for (double dpi : {254.0, 300.0, 600.0}) {
    SCOPED_TRACE(dpi);
    const int pw = Px(35, dpi), ph = Px(45, dpi);
    auto plan = PlanSheet(FindPaperSize("4x6").value(), dpi, pw, ph);
    ASSERT_TRUE(plan.ok());
    EXPECT_EQ(plan->sheet_width_px, Px(101.6, dpi));
    EXPECT_EQ(plan->sheet_height_px, Px(152.4, dpi));
    // Equal gaps (to a pixel of rounding), margins included, and at least 3 mm.
    std::vector<int> gaps;
    for (size_t i = 0; i <= plan->x_px.size(); ++i) {
      const int left = i == 0 ? 0 : plan->x_px[i - 1] + pw;
      const int right = i == plan->x_px.size() ? plan->sheet_width_px : plan->x_px[i];
      gaps.push_back(right - left);
    }
    EXPECT_LE(*std::max_element(gaps.begin(), gaps.end()) - *std::min_element(gaps.begin(), gaps.end()), 1);
    EXPECT_GE(*std::min_element(gaps.begin(), gaps.end()), Px(3, dpi));
    const Image photo = RandomPhoto(pw, ph);
    auto sheet = RenderSheet(*plan, photo, dpi);
    ASSERT_TRUE(sheet.ok());
    // Every copy is the photo, byte for byte.
    for (int y0 : plan->y_px)
      for (int x0 : plan->x_px)
        for (int y = 0; y < ph; ++y)
          ASSERT_EQ(std::memcmp(sheet->row(y0 + y) + 3 * x0, photo.row(y), photo.stride()), 0);
    // A cut mark continues the left edge above the first photo; the sheet is white beside it.
    const int x0 = plan->x_px[0], y0 = plan->y_px[0];
    EXPECT_EQ(sheet->row(y0 - 1)[3 * x0], 128);
    EXPECT_EQ(sheet->row(y0 - Px(2, dpi))[3 * x0], 128);
    EXPECT_EQ(sheet->row(y0 - Px(2, dpi) - 1)[3 * x0], 255);
    EXPECT_EQ(sheet->row(y0 - 1)[3 * (x0 + 1)], 255);
    EXPECT_EQ(sheet->row(2)[3 * 2], 255);
  }
}

TEST(PrintSheetTest, PdfStructure) {
  ASSERT_TRUE(cli::InitImageIo("sheet_test", 1).ok());
  const Image img = RandomPhoto(60, 40);
  cli::EncodeOptions o;
  o.format = cli::OutputFormat::kJpeg;
  auto jpeg = cli::EncodeImage(img, o);
  ASSERT_TRUE(jpeg.ok());
  auto pdf = imaging::SingleJpegPdf(*jpeg, 60, 40, 152.4, 101.6);
  ASSERT_TRUE(pdf.ok());
  const std::string s(pdf->begin(), pdf->end());
  EXPECT_EQ(s.rfind("%PDF-1.4", 0), 0u);
  EXPECT_NE(s.find("/MediaBox [0 0 432.000 288.000]"), std::string::npos);  // 6 x 4 in in points
  EXPECT_NE(s.find("/Width 60 /Height 40"), std::string::npos);
  // The xref table's offsets each point at "N 0 obj"; startxref points at "xref".
  const size_t xref = s.rfind("xref\n0 6\n");
  ASSERT_NE(xref, std::string::npos);
  const size_t start = s.find("startxref\n");
  EXPECT_EQ(std::stoul(s.substr(start + 10)), xref);
  for (int obj = 1; obj <= 5; ++obj) {
    const size_t off = std::stoul(s.substr(xref + 9 + 20 * static_cast<size_t>(obj), 10));
    EXPECT_EQ(s.compare(off, std::to_string(obj).size() + 6, std::to_string(obj) + " 0 obj"), 0) << obj;
  }
  // The JPEG is embedded unchanged.
  EXPECT_NE(s.find(std::string(jpeg->begin(), jpeg->end())), std::string::npos);
  EXPECT_FALSE(imaging::SingleJpegPdf({1, 2, 3}, 1, 1, 10, 10).ok());
}

// The C API (what the web library calls) gives the same sheet, pixel for pixel, and the same PDF.
TEST(PrintSheetTest, CApiMatchesTheLibrary) {
  const Image photo = RandomPhoto(413, 531);  // 35 x 45 mm at 300 dpi
  std::vector<uint8_t> rgba(static_cast<size_t>(photo.width) * photo.height * 4);
  for (size_t i = 0; i < rgba.size() / 4; ++i) {
    for (int c = 0; c < 3; ++c) rgba[4 * i + c] = photo.pixels[3 * i + c];
    rgba[4 * i + 3] = static_cast<uint8_t>(i);  // ignored
  }
  uint8_t* out = nullptr;
  int w = 0, h = 0;
  double info[BGONE_SHEET_VALUES] = {};
  ASSERT_EQ(bgone_print_sheet(rgba.data(), photo.width, photo.height, "4x6", 300, &out, &w, &h, info), BGONE_OK)
      << bgone_last_error();
  const SheetPlan plan = PlanSheet(FindPaperSize("4x6").value(), 300, photo.width, photo.height).value();
  const Image sheet = RenderSheet(plan, photo, 300).value();
  ASSERT_EQ(w, sheet.width);
  ASSERT_EQ(h, sheet.height);
  EXPECT_EQ(info[0], plan.copies());
  EXPECT_EQ(info[1], plan.columns);
  EXPECT_EQ(info[2], plan.rows);
  EXPECT_EQ(info[5], plan.landscape ? 1 : 0);
  EXPECT_DOUBLE_EQ(info[3], plan.landscape ? 152.4 : 101.6);
  EXPECT_DOUBLE_EQ(info[4], plan.landscape ? 101.6 : 152.4);
  size_t differ = 0;
  for (size_t i = 0; i < sheet.pixels.size() / 3; ++i) {
    for (int c = 0; c < 3; ++c) differ += out[4 * i + c] != sheet.pixels[3 * i + c];
    differ += out[4 * i + 3] != 255;
  }
  EXPECT_EQ(differ, 0u);
  bgone_free(out);

  // Bad input: an error, nothing allocated.
  out = reinterpret_cast<uint8_t*>(&w);
  EXPECT_EQ(bgone_print_sheet(rgba.data(), photo.width, photo.height, "letter", 300, &out, &w, &h, info),
            BGONE_INVALID_ARGUMENT);
  EXPECT_EQ(out, nullptr);
  EXPECT_NE(std::string(bgone_last_error()).find("a4"), std::string::npos) << bgone_last_error();  // lists the sizes
  EXPECT_EQ(bgone_print_sheet(rgba.data(), photo.width, photo.height, "4x6", 0, &out, &w, &h, info),
            BGONE_INVALID_ARGUMENT);
  EXPECT_NE(bgone_print_sheet(rgba.data(), 5000, 8000, "4x6", 300, &out, &w, &h, info), BGONE_OK);  // does not fit
  EXPECT_EQ(out, nullptr);

  const std::vector<uint8_t> jpeg = {0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 0xFF, 0xD9};
  uint8_t* pdf = nullptr;
  size_t pdf_size = 0;
  ASSERT_EQ(bgone_jpeg_pdf(jpeg.data(), jpeg.size(), 10, 20, 101.6, 152.4, &pdf, &pdf_size), BGONE_OK);
  const std::vector<uint8_t> want = SingleJpegPdf(jpeg, 10, 20, 101.6, 152.4).value();
  EXPECT_EQ(std::vector<uint8_t>(pdf, pdf + pdf_size), want);
  bgone_free(pdf);
  EXPECT_EQ(bgone_jpeg_pdf(jpeg.data(), 2, 10, 20, 101.6, 152.4, &pdf, &pdf_size), BGONE_INVALID_ARGUMENT);
  EXPECT_EQ(pdf, nullptr);
}

}  // namespace
}  // namespace bgone::imaging
