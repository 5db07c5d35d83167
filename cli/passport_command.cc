// `bgone passport`: one photo to a document's photo (and optionally a print sheet), with the
// compliance checks as JSON.
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cli/app.h"
#include "cli/face_commands.h"
#include "cli/files.h"
#include "cli/image_io.h"
#include "cli/models.h"
#include "cli/options.h"
#include "cli/report.h"
#include "engine/runtime/session.h"
#include "engine/runtime/thread_pool.h"
#include "imaging/face_detect.h"
#include "imaging/isnet.h"
#include "imaging/json_number.h"
#include "imaging/matte_refine.h"
#include "imaging/passport.h"
#include "imaging/passport_check.h"
#include "imaging/passport_spec.h"
#include "imaging/pdf.h"
#include "imaging/print_sheet.h"

#ifndef BGONE_SOURCE_MODELS_DIR
#define BGONE_SOURCE_MODELS_DIR ""
#endif

namespace bgone::cli {
namespace {

namespace fs = std::filesystem;

struct PassportArgs {
  std::string photo;
  std::string spec;
  double dpi = 300;
  std::string output;
  std::string sheet;  // paper id, empty = none
  std::string model = "medium";
  int max_kb = 0;  // 0: the spec's digital limit when it has one, else none
  bool json = false;
  bool list = false;
};

const char* kPassportUsage =
    "usage: bgone passport PHOTO --spec ID [--dpi 300|254|600] [-o OUT.jpg|OUT.png]\n"
    "                      [--sheet 4x6|5x7|10x15|a4] [--max-kb N] [--model medium|w8|w4|small|PATH]\n"
    "                      [--json]\n"
    "       bgone passport --list-specs [--json [--dpi N]]\n"
    "\n"
    "Finds the one face in PHOTO, levels the eyes, scales and crops so the head (chin to crown)\n"
    "and the eye line (or the crown) land in the middle of the document's ranges, replaces the\n"
    "background with the document's colour and writes the photo at its print size, with the DPI\n"
    "in the file (default OUT: PHOTO's name + '-passport-ID.jpg', beside it).\n"
    "  --sheet SIZE  also write a print sheet with as many copies as fit, with cut marks, as\n"
    "                OUT-sheet-SIZE.jpg and .pdf\n"
    "  --max-kb N    largest JPEG file in kB (the quality is lowered until it fits); by default the\n"
    "                document's own digital limit when it has one\n"
    "  --json        print the measurements and every check (pass / warn / fail) as JSON; with\n"
    "                --list-specs, every document's size in pixels and ranges at --dpi\n"
    "Exit status: 0 when every check passes or warns, 1 when one fails or the photo is refused\n"
    "(no face, several faces), 2 for usage errors.\n";

StatusOr<PassportArgs> ParsePassportArgs(const std::vector<std::string>& args) {
  PassportArgs a;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& x = args[i];
    const bool takes_value = x == "--spec" || x == "--dpi" || x == "-o" || x == "--output" || x == "--model" ||
                             x == "--sheet" || x == "--max-kb";
    if (takes_value && i + 1 >= args.size()) return InvalidArgumentError(x + " needs a value");
    if (x == "--spec") {
      a.spec = args[++i];
    } else if (x == "--dpi") {
      const std::string v = args[++i];
      if (v != "300" && v != "254" && v != "600") return InvalidArgumentError("--dpi takes 300, 254 or 600");
      a.dpi = std::stod(v);
    } else if (x == "-o" || x == "--output") {
      a.output = args[++i];
    } else if (x == "--model") {
      a.model = args[++i];
    } else if (x == "--sheet") {
      a.sheet = args[++i];
      auto paper = imaging::FindPaperSize(a.sheet);
      if (!paper.ok()) return paper.status();
    } else if (x == "--max-kb") {
      const std::string v = args[++i];
      char* end = nullptr;
      const long kb = std::strtol(v.c_str(), &end, 10);
      if (*end != '\0' || kb < 10 || kb > 100000) return InvalidArgumentError("--max-kb takes a whole number from 10 to 100000");
      a.max_kb = static_cast<int>(kb);
    } else if (x == "--json") {
      a.json = true;
    } else if (x == "--list-specs") {
      a.list = true;
    } else if (!x.empty() && x[0] == '-') {
      return InvalidArgumentError("unknown option '" + x + "'");
    } else if (a.photo.empty()) {
      a.photo = x;
    } else {
      return InvalidArgumentError("bgone passport takes one photo");
    }
  }
  if (!a.list && a.photo.empty()) return InvalidArgumentError("bgone passport needs a photo");
  if (!a.list && a.spec.empty()) return InvalidArgumentError("bgone passport needs --spec ID (see --list-specs)");
  return a;
}

std::string RangeJson(const std::optional<imaging::RangeMm>& r) {
  if (!r) return "null";
  std::string s = "[";  // appended piecewise: g++ 12 warns falsely (-Wrestrict) on "[" + string
  s += imaging::JsonFixed(r->min, 2);
  s += ", ";
  s += imaging::JsonFixed(r->max, 2);
  s += "]";
  return s;
}

// Encodes `image`: PNG as is; JPEG at quality 95, lowered in steps of 5 (to 40 at the least)
// until the file fits `max_kb` when that is set.
StatusOr<std::vector<uint8_t>> EncodeWithLimit(const imaging::Image& image, OutputFormat format, double dpi, int max_kb,
                                               int* quality_used) {
  EncodeOptions enc;
  enc.format = format;
  enc.dpi = dpi;
  enc.quality = format == OutputFormat::kJpeg ? 95 : 0;
  while (true) {
    BG_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, EncodeImage(image, enc));
    *quality_used = enc.quality;
    if (max_kb <= 0 || bytes.size() <= static_cast<size_t>(max_kb) * 1024) return bytes;
    if (format != OutputFormat::kJpeg)
      return InvalidArgumentError("the photo is " + std::to_string(bytes.size() / 1024) + " kB; a size limit needs JPEG output");
    if (enc.quality <= 40)
      return InvalidArgumentError("the photo does not fit in " + std::to_string(max_kb) + " kB even at JPEG quality 40");
    enc.quality -= 5;
  }
}

std::string StemPath(const std::string& path) {
  const fs::path p(path);
  return (p.parent_path() / p.stem()).string();
}

}  // namespace

int RunPassportCommand(const std::vector<std::string>& args, const char* argv0) {
  for (const std::string& x : args)
    if (x == "-h" || x == "--help") {
      std::fputs(kPassportUsage, stdout);
      return kExitOk;
    }
  auto parsed = ParsePassportArgs(args);
  if (!parsed.ok()) {
    std::fprintf(stderr, "bgone: %s\nTry 'bgone passport --help' for more information.\n", parsed.status().message().c_str());
    return kExitUsage;
  }
  const PassportArgs& a = *parsed;
  auto specs = imaging::BuiltinPassportSpecs();
  if (!specs.ok()) {
    std::fprintf(stderr, "bgone: %s\n", specs.status().message().c_str());
    return kExitSomeFailed;
  }
  if (a.list && a.json) {
    // Every document with its layout at --dpi: what the composer works from (the web library
    // computes the same numbers from the same file; web/tests/passport-cases.mjs compares them).
    std::string j = "[";
    for (size_t i = 0; i < specs->size(); ++i) {
      const imaging::PassportSpec& s = (*specs)[i];
      auto l = imaging::LayoutForSpec(s, a.dpi);
      if (!l.ok()) {
        std::fprintf(stderr, "bgone: %s: %s\n", s.id.c_str(), l.status().message().c_str());
        return kExitSomeFailed;
      }
      j += std::string(i ? ",\n  " : "\n  ") + "{\"id\": " + JsonString(s.id) + ", \"name\": " + JsonString(s.name) +
           ", \"dpi\": " + imaging::JsonFixed(a.dpi, 0) + ", \"size_mm\": [" + imaging::JsonFixed(l->width_mm, 2) + ", " +
           imaging::JsonFixed(l->height_mm, 2) + "], \"size_px\": [" + std::to_string(l->width_px) + ", " +
           std::to_string(l->height_px) + "], \"head_mm\": " + RangeJson(l->head_mm) + ", \"eye_from_bottom_mm\": " +
           RangeJson(l->eye_from_bottom_mm) + ", \"crown_from_top_mm\": " + RangeJson(l->crown_from_top_mm) +
           ", \"background_rgb\": [" + std::to_string(l->background.r) + ", " + std::to_string(l->background.g) + ", " +
           std::to_string(l->background.b) + "], \"max_kb\": " + std::to_string(s.max_kb) + "}";
    }
    j += "\n]\n";
    std::fwrite(j.data(), 1, j.size(), stdout);
    return kExitOk;
  }
  if (a.list) {
    for (const auto& s : *specs)
      std::printf("%-9s %-48s %5.1f x %4.1f mm  head %4.1f-%4.1f mm  %s\n", s.id.c_str(), s.name.c_str(), s.width_mm, s.height_mm,
                  s.head_mm.min, s.head_mm.max, s.background_name.c_str());
    return kExitOk;
  }
  auto spec = imaging::FindPassportSpec(*specs, a.spec);
  if (!spec.ok()) {
    std::fprintf(stderr, "bgone: %s\n", spec.status().message().c_str());
    return kExitUsage;
  }
  auto layout = imaging::LayoutForSpec(*spec, a.dpi);
  if (!layout.ok()) {
    std::fprintf(stderr, "bgone: %s\n", layout.status().message().c_str());
    return kExitUsage;
  }
  const std::string out_path = a.output.empty() ? StemPath(a.photo) + "-passport-" + a.spec + ".jpg" : a.output;
  const fs::path ext = fs::path(out_path).extension();
  const std::optional<OutputFormat> format = FormatFromName(ext.string());
  if (!format || *format == OutputFormat::kWebp) {
    std::fprintf(stderr, "bgone: the passport photo is written as .jpg or .png, not '%s'\n", out_path.c_str());
    return kExitUsage;
  }
  const int max_kb = a.max_kb > 0 ? a.max_kb : spec->max_kb;

  const int threads = DefaultThreadCount();
  if (Status s = InitImageIo(argv0, threads); !s.ok()) {
    std::fprintf(stderr, "bgone: %s\n", s.message().c_str());
    return kExitSomeFailed;
  }
  InstallTempFileCleanup();
  ThreadPool pool(threads);
  bool all_pass = true;
  auto run = [&]() -> Status {
    BG_ASSIGN_OR_RETURN(imaging::Image image, DecodeImageFile(a.photo, {}));
    // The short-range detector first (it also finds the face again on the output); the
    // full-range one for small or distant faces.
    BG_ASSIGN_OR_RETURN(std::unique_ptr<imaging::FaceDetector> short_range, LoadFaceDetector("face-short", &pool));
    BG_ASSIGN_OR_RETURN(std::vector<imaging::FaceDetection> faces, short_range->DetectRefined(image, &pool));
    if (faces.empty()) {
      BG_ASSIGN_OR_RETURN(std::unique_ptr<imaging::FaceDetector> full_range, LoadFaceDetector("face-full", &pool));
      BG_ASSIGN_OR_RETURN(faces, full_range->DetectRefined(image, &pool));
    }
    if (faces.empty()) return InvalidArgumentError("no face found: use a photo where one face is clearly visible");
    if (faces.size() > 1)
      return InvalidArgumentError(std::to_string(faces.size()) + " faces found: a passport photo needs exactly one person");
    BG_ASSIGN_OR_RETURN(std::string model_path, ResolveModelPath(a.model, BGONE_SOURCE_MODELS_DIR));
    auto model = Model::FromFile(model_path);
    if (!model.ok()) return model.status().WithContext("cannot load model '" + model_path + "'");
    BG_ASSIGN_OR_RETURN(auto segmenter, imaging::IsNetSegmenter::Create(*model, &pool));
    BG_ASSIGN_OR_RETURN(imaging::Image mask, segmenter->ComputeMask(image, &pool));
    BG_ASSIGN_OR_RETURN(mask, imaging::RefineMatte(image, mask, imaging::RefineOptionsFor(segmenter.get()), &pool));
    BG_ASSIGN_OR_RETURN(imaging::PassportPhoto passport, imaging::MakePassportPhoto(image, mask, faces[0], *layout, *short_range, &pool));
    const imaging::PassportResult& r = passport.result;
    const imaging::PassportMeasures& m = passport.measures;
    all_pass = m.ok();

    int quality = 0;
    BG_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, EncodeWithLimit(r.photo, *format, a.dpi, max_kb, &quality));
    BG_RETURN_IF_ERROR(WriteFileAtomically(out_path, bytes));
    std::string sheet_jpg, sheet_pdf;
    int copies = 0;
    if (!a.sheet.empty()) {
      BG_ASSIGN_OR_RETURN(imaging::PaperSize paper, imaging::FindPaperSize(a.sheet));
      BG_ASSIGN_OR_RETURN(imaging::SheetPlan plan, imaging::PlanSheet(paper, a.dpi, r.photo.width, r.photo.height));
      BG_ASSIGN_OR_RETURN(imaging::Image sheet, imaging::RenderSheet(plan, r.photo, a.dpi));
      EncodeOptions enc;
      enc.format = OutputFormat::kJpeg;
      enc.quality = 95;
      enc.dpi = a.dpi;
      BG_ASSIGN_OR_RETURN(std::vector<uint8_t> jpeg, EncodeImage(sheet, enc));
      sheet_jpg = StemPath(out_path) + "-sheet-" + paper.id + ".jpg";
      sheet_pdf = StemPath(out_path) + "-sheet-" + paper.id + ".pdf";
      BG_RETURN_IF_ERROR(WriteFileAtomically(sheet_jpg, jpeg));
      BG_ASSIGN_OR_RETURN(std::vector<uint8_t> pdf,
                          imaging::SingleJpegPdf(jpeg, sheet.width, sheet.height, plan.page_width_mm, plan.page_height_mm));
      BG_RETURN_IF_ERROR(WriteFileAtomically(sheet_pdf, pdf));
      copies = plan.copies();
    }

    if (a.json) {
      const imaging::PassportLayout& L = *layout;
      std::string j = "{\n  \"photo\": " + JsonString(a.photo) + ",\n  \"output\": " + JsonString(out_path) +
                      ",\n  \"output_bytes\": " + std::to_string(bytes.size()) +
                      (*format == OutputFormat::kJpeg ? ",\n  \"jpeg_quality\": " + std::to_string(quality) : std::string()) +
                      ",\n  \"spec\": {\"id\": " + JsonString(spec->id) + ", \"name\": " + JsonString(spec->name) +
                      ", \"size_mm\": [" + imaging::JsonFixed(L.width_mm, 1) + ", " + imaging::JsonFixed(L.height_mm, 1) + "], \"head_mm\": " + RangeJson(L.head_mm) +
                      ", \"eye_from_bottom_mm\": " + RangeJson(L.eye_from_bottom_mm) + ", \"crown_from_top_mm\": " +
                      RangeJson(L.crown_from_top_mm) + ", \"source\": " + JsonString(spec->source) + "}" +
                      ",\n  \"dpi\": " + imaging::JsonFixed(a.dpi, 0) + ",\n  \"size_px\": [" + std::to_string(L.width_px) + ", " +
                      std::to_string(L.height_px) + "]" + ",\n  \"source_face\": " + imaging::FaceDetectionJson(faces[0]) +
                      ",\n  \"output_face\": " + imaging::FaceDetectionJson(passport.output_face) + ",\n  \"sheet\": " +
                      (sheet_jpg.empty() ? std::string("null")
                                         : "{\"jpeg\": " + JsonString(sheet_jpg) + ", \"pdf\": " + JsonString(sheet_pdf) +
                                               ", \"copies\": " + std::to_string(copies) + "}") +
                      ",\n  " + imaging::PassportMeasuresJsonMembers(m) + "\n}\n";
      std::fwrite(j.data(), 1, j.size(), stdout);
    } else {
      std::fprintf(stderr, "bgone: %s -> %s (%s, %dx%d px at %.0f dpi): head %.1f mm, eyes %.1f mm above the bottom\n",
                   a.photo.c_str(), out_path.c_str(), spec->name.c_str(), layout->width_px, layout->height_px, a.dpi,
                   m.head_height_mm, m.eye_height_mm);
      for (const imaging::PassportCheck& c : m.checks)
        if (c.result != "pass")
          std::fprintf(stderr, "  %s: %s %.2f %s (expected %s)\n", c.result.c_str(), c.rule.c_str(), c.value, c.unit.c_str(),
                       c.expected.c_str());
      if (!sheet_jpg.empty()) std::fprintf(stderr, "  sheet: %s, %s (%d copies)\n", sheet_jpg.c_str(), sheet_pdf.c_str(), copies);
    }
    return OkStatus();
  };
  Status s;
  try {
    s = run();
  } catch (const std::bad_alloc&) {
    s = ResourceExhaustedError("out of memory");
  }
  if (!s.ok()) {
    std::fprintf(stderr, "bgone: %s: %s\n", a.photo.c_str(), s.message().c_str());
    return kExitSomeFailed;
  }
  return all_pass ? kExitOk : kExitSomeFailed;
}

}  // namespace bgone::cli
