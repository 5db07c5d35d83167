// bgone-inspect MODEL [--prepare | --run INPUT.bin OUT_DIR [output names...]]: prints a model's
// inputs, outputs and operator counts; --prepare adds the session statistics after shape inference
// and constant folding; --run feeds a raw float32 file to the (single) input and writes each named
// output (default: all) as OUT_DIR/<name>.bin, to diff against tools/ort_run.mjs. A developer tool.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <vector>

#include "engine/import/onnx_import.h"

#include "engine/runtime/session.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s MODEL.onnx [--prepare]\n", argv[0]);
    return 2;
  }
  auto t0 = std::chrono::steady_clock::now();
  auto model = bgone::Model::FromFile(argv[1]);
  if (!model.ok()) {
    std::fprintf(stderr, "error: %s\n", model.status().ToString().c_str());
    return 1;
  }
  auto t1 = std::chrono::steady_clock::now();
  const bgone::ir::Graph& g = (*model)->graph();
  std::printf("opset %lld, %zu nodes, loaded in %.0f ms\n", static_cast<long long>(g.opset()),
              g.nodes().size(), std::chrono::duration<double, std::milli>(t1 - t0).count());
  for (const auto& i : (*model)->inputs()) {
    std::printf("input  %s %s %s\n", i.name.c_str(), bgone::DTypeName(i.dtype),
                bgone::ShapeToString(i.shape).c_str());
  }
  for (const auto& o : (*model)->outputs()) std::printf("output %s\n", o.name.c_str());
  std::map<std::string, int> ops;
  for (const auto& n : g.nodes()) ++ops[n.op_type];
  for (const auto& [op, count] : ops) std::printf("  %-24s %d\n", op.c_str(), count);
  if (argc > 2 && std::strcmp(argv[2], "--prepare") == 0) {
    bgone::SessionOptions options;
    options.outputs = {g.value(g.outputs()[0]).name};
    auto session = bgone::Session::Create(*model, {}, options);
    if (!session.ok()) {
      std::fprintf(stderr, "error: %s\n", session.status().ToString().c_str());
      return 1;
    }
    auto t2 = std::chrono::steady_clock::now();
    const auto& st = (*session)->stats();
    std::printf("prepared in %.0f ms: %d nodes -> %d (folded %d, fused %d), %.1f MB constants\n",
                std::chrono::duration<double, std::milli>(t2 - t1).count(), st.nodes_in_model,
                st.nodes_after_passes, st.folded_nodes, st.fused_groups, st.weight_bytes / 1e6);
    std::printf("memory plan: arena %.1f MB (peak live %.1f MB, one buffer per value %.1f MB), "
                "%d values in place, %d Concat inputs in place; %.1f MB of packed constants freed\n",
                st.arena_bytes / 1e6, st.peak_live_bytes / 1e6, st.unplanned_bytes / 1e6,
                st.in_place_values, st.concat_inputs_in_place, st.packed_constant_bytes_freed / 1e6);
  }
  if (argc > 4 && std::strcmp(argv[2], "--run") == 0) {
    bgone::SessionOptions options;
    for (int i = 5; i < argc; ++i) options.outputs.push_back(argv[i]);
    auto session = bgone::Session::Create(*model, {}, options);
    if (!session.ok()) {
      std::fprintf(stderr, "error: %s\n", session.status().ToString().c_str());
      return 1;
    }
    auto bytes = bgone::ReadFileBytes(argv[3]);
    if (!bytes.ok()) {
      std::fprintf(stderr, "error: %s\n", bytes.status().ToString().c_str());
      return 1;
    }
    const auto& info = (*session)->inputs()[0];
    auto input = bgone::Tensor::FromBytes(info.dtype, info.shape, bytes->data(), bytes->size());
    if (!input.ok()) {
      std::fprintf(stderr, "error: %s\n", input.status().ToString().c_str());
      return 1;
    }
    bgone::ThreadPool pool(2);
    std::vector<bgone::Tensor> outputs;
    auto t3 = std::chrono::steady_clock::now();
    bgone::Status s = (*session)->Run({*input}, &outputs, &pool);
    if (!s.ok()) {
      std::fprintf(stderr, "error: %s\n", s.ToString().c_str());
      return 1;
    }
    std::printf("ran in %.0f ms\n", std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t3).count());
    for (size_t i = 0; i < outputs.size(); ++i) {
      std::string name = (*session)->outputs()[i].name;
      for (char& c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-') c = '_';
      }
      std::ofstream f(std::string(argv[4]) + "/" + name + ".bin", std::ios::binary);
      f.write(static_cast<const char*>(outputs[i].raw()), static_cast<std::streamsize>(outputs[i].bytes()));
      std::printf("wrote %s %s %s\n", name.c_str(), bgone::DTypeName(outputs[i].dtype()),
                  bgone::ShapeToString(outputs[i].shape()).c_str());
    }
  }
  return 0;
}
