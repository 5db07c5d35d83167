// bgone-inspect MODEL [--prepare]: prints a model's inputs, outputs and operator counts, and with
// --prepare the session statistics after shape inference and constant folding. A developer tool.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>

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
    std::printf("prepared in %.0f ms: %d nodes -> %d (folded %d), %.1f MB constants\n",
                std::chrono::duration<double, std::milli>(t2 - t1).count(), st.nodes_in_model,
                st.nodes_after_passes, st.folded_nodes, st.weight_bytes / 1e6);
  }
  return 0;
}
