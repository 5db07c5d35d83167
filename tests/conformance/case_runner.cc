#include "tests/conformance/case_runner.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <set>
#include <sstream>

#include "engine/import/onnx_import.h"
#include "engine/import/protobuf_reader.h"
#include "engine/kernels/op_registry.h"
#include "engine/runtime/session.h"

namespace bgone::testing {

namespace fs = std::filesystem;

std::vector<std::string> ListCaseDirs(const std::string& root, const std::string& prefix) {
  std::vector<std::string> v;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return v;
  for (const auto& e : fs::directory_iterator(root, ec)) {
    std::string name = e.path().filename().string();
    if (e.is_directory() && name.rfind(prefix, 0) == 0) v.push_back(name);
  }
  std::sort(v.begin(), v.end());
  return v;
}

StatusOr<std::vector<std::string>> ModelOpTypes(const std::string& dir) {
  BG_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, ReadFileBytes(dir + "/model.onnx"));
  std::set<std::string> ops;
  pb::Reader model(bytes.data(), bytes.size());
  while (!model.AtEnd()) {
    pb::Field f;
    BG_RETURN_IF_ERROR(model.Next(&f));
    if (f.number != 7 || f.type != pb::WireType::kLengthDelimited) continue;  // ModelProto.graph
    pb::Reader graph = pb::SubReader(f);
    while (!graph.AtEnd()) {
      pb::Field g;
      BG_RETURN_IF_ERROR(graph.Next(&g));
      if (g.number != 1 || g.type != pb::WireType::kLengthDelimited) continue;  // GraphProto.node
      pb::Reader node = pb::SubReader(g);
      std::string op, domain;
      while (!node.AtEnd()) {
        pb::Field n;
        BG_RETURN_IF_ERROR(node.Next(&n));
        if (n.number == 4) BG_RETURN_IF_ERROR(pb::GetString(n, "op_type", &op));
        if (n.number == 7) BG_RETURN_IF_ERROR(pb::GetString(n, "domain", &domain));
      }
      ops.insert(domain.empty() || domain == "ai.onnx" ? op : domain + ":" + op);
    }
  }
  return std::vector<std::string>(ops.begin(), ops.end());
}

bool AllOpsSupported(const std::string& dir) {
  auto ops = ModelOpTypes(dir);
  if (!ops.ok() || ops->empty()) return false;
  for (const std::string& op : *ops) {
    size_t colon = op.find(':');
    std::string domain = colon == std::string::npos ? "" : op.substr(0, colon);
    std::string type = colon == std::string::npos ? op : op.substr(colon + 1);
    if (FindOpSchema(domain, type) == nullptr) return false;
  }
  return true;
}

namespace {

double LoadAsDouble(const Tensor& t, int64_t i) {
  switch (t.dtype()) {
    case DType::kFloat32: return t.data<float>()[i];
    case DType::kFloat64: return t.data<double>()[i];
    case DType::kFloat16: return HalfToFloat(t.data<uint16_t>()[i]);
    case DType::kBFloat16: {
      uint32_t u = static_cast<uint32_t>(t.data<uint16_t>()[i]) << 16;
      float f;
      std::memcpy(&f, &u, 4);
      return f;
    }
    default: return 0;
  }
}

bool IsFloat(DType t) {
  return t == DType::kFloat32 || t == DType::kFloat64 || t == DType::kFloat16 || t == DType::kBFloat16;
}

// Inputs an op must see as constants at prepare time, by (op, input index) and opset.
bool NeedsConstant(const std::string& op, size_t index, int64_t opset) {
  if (op == "Reshape") return index == 1;
  if (op == "Slice") return opset >= 10 && index >= 1;
  if (op == "Resize") return index >= 1;
  if (op == "Squeeze" || op == "Unsqueeze") return opset >= 13 && index == 1;
  if (op == "Pad") return opset >= 11 && index >= 1;
  return false;
}

}  // namespace

std::string CompareTensors(const Tensor& got, const Tensor& want, const Tolerance& tol) {
  std::ostringstream err;
  if (got.dtype() != want.dtype()) {
    err << "dtype " << DTypeName(got.dtype()) << ", expected " << DTypeName(want.dtype());
    return err.str();
  }
  if (got.shape() != want.shape()) {
    err << "shape " << ShapeToString(got.shape()) << ", expected " << ShapeToString(want.shape());
    return err.str();
  }
  int64_t n = want.size();
  if (IsFloat(want.dtype())) {
    int64_t bad = 0, first = -1;
    double worst = 0;
    for (int64_t i = 0; i < n; ++i) {
      double a = LoadAsDouble(got, i), b = LoadAsDouble(want, i);
      if (std::isnan(a) && std::isnan(b)) continue;
      if (std::isinf(b) && a == b) continue;
      double d = std::fabs(a - b);
      if (!(d <= tol.atol + tol.rtol * std::fabs(b))) {
        if (first < 0) first = i;
        ++bad;
        worst = std::max(worst, std::isnan(d) ? INFINITY : d);
      }
    }
    if (bad) {
      err << bad << " of " << n << " values differ beyond rtol " << tol.rtol << " atol " << tol.atol
          << "; first at " << first << ": got " << LoadAsDouble(got, first) << " expected "
          << LoadAsDouble(want, first) << "; max |diff| " << worst;
      return err.str();
    }
    return "";
  }
  size_t es = DTypeSize(want.dtype());
  const uint8_t* a = static_cast<const uint8_t*>(got.raw());
  const uint8_t* b = static_cast<const uint8_t*>(want.raw());
  for (int64_t i = 0; i < n; ++i) {
    if (std::memcmp(a + i * es, b + i * es, es) != 0) {
      int64_t va = 0, vb = 0;
      std::memcpy(&va, a + i * es, es);
      std::memcpy(&vb, b + i * es, es);
      err << "element " << i << " differs (raw " << va << " vs expected " << vb << ")";
      return err.str();
    }
  }
  return "";
}

CaseOutcome RunCaseDir(const std::string& dir, const Tolerance& tol, int threads) {
  CaseOutcome out;
  auto bytes = ReadFileBytes(dir + "/model.onnx");
  if (!bytes.ok()) {
    out.message = bytes.status().ToString();
    return out;
  }
  auto imported = ImportOnnxModel(bytes->data(), bytes->size());
  if (!imported.ok()) {
    out.message = "import: " + imported.status().ToString();
    return out;
  }
  std::vector<std::string> sets = ListCaseDirs(dir, "test_data_set_");
  if (sets.empty()) {
    out.message = "no test_data_set_* folders";
    return out;
  }
  ThreadPool pool(threads);
  for (const std::string& set : sets) {
    std::string sdir = dir + "/" + set;
    const ir::Graph& base = *imported;
    std::vector<Tensor> inputs, expected;
    for (size_t i = 0;; ++i) {
      std::string p = sdir + "/input_" + std::to_string(i) + ".pb";
      if (!fs::exists(p)) break;
      auto b = ReadFileBytes(p);
      if (!b.ok()) return {false, b.status().ToString()};
      auto t = ParseOnnxTensor(b->data(), b->size());
      if (!t.ok()) return {false, p + ": " + t.status().ToString()};
      inputs.push_back(std::move(t).value());
    }
    for (size_t i = 0;; ++i) {
      std::string p = sdir + "/output_" + std::to_string(i) + ".pb";
      if (!fs::exists(p)) break;
      auto b = ReadFileBytes(p);
      if (!b.ok()) return {false, b.status().ToString()};
      auto t = ParseOnnxTensor(b->data(), b->size());
      if (!t.ok()) return {false, p + ": " + t.status().ToString()};
      expected.push_back(std::move(t).value());
    }
    if (inputs.size() != base.inputs().size()) {
      return {false, set + ": " + std::to_string(inputs.size()) + " input files for " +
                         std::to_string(base.inputs().size()) + " graph inputs"};
    }
    // ONNX 1.12 stores bfloat16 test tensors as uint16 bit patterns: reinterpret them.
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (base.value(base.inputs()[i]).dtype == DType::kBFloat16 && inputs[i].dtype() == DType::kUInt16) {
        inputs[i] = Tensor::FromBytes(DType::kBFloat16, inputs[i].shape(), inputs[i].raw(), inputs[i].bytes()).value();
      }
    }
    for (size_t i = 0; i < expected.size() && i < base.outputs().size(); ++i) {
      if (base.value(base.outputs()[i]).dtype == DType::kBFloat16 && expected[i].dtype() == DType::kUInt16) {
        expected[i] = Tensor::FromBytes(DType::kBFloat16, expected[i].shape(), expected[i].raw(), expected[i].bytes()).value();
      }
    }
    // Bake shape-determining inputs into the graph as constants.
    ir::Graph g = base;
    std::vector<ir::ValueId> kept;
    std::vector<Tensor> run_inputs;
    std::vector<Shape> shapes;
    for (size_t i = 0; i < g.inputs().size(); ++i) {
      ir::ValueId id = g.inputs()[i];
      bool bake = false;
      for (const ir::Node& n : g.nodes()) {
        for (size_t k = 0; k < n.inputs.size(); ++k) {
          if (n.inputs[k] == id && n.domain.empty() && NeedsConstant(n.op_type, k, g.opset())) bake = true;
        }
      }
      if (bake) {
        g.value(id).constant = inputs[i];
        g.value(id).shape = inputs[i].shape();
        g.value(id).dtype = inputs[i].dtype();
      } else {
        kept.push_back(id);
        run_inputs.push_back(inputs[i]);
        shapes.push_back(inputs[i].shape());
      }
    }
    g.inputs() = kept;
    auto model = Model::FromGraph(std::move(g));
    if (!model.ok()) return {false, "model: " + model.status().ToString()};
    auto session = Session::Create(*model, shapes);
    if (!session.ok()) return {false, "prepare: " + session.status().ToString()};
    std::vector<Tensor> got;
    Status st = (*session)->Run(run_inputs, &got, &pool);
    if (!st.ok()) return {false, "run: " + st.ToString()};
    if (got.size() != expected.size()) {
      return {false, set + ": " + std::to_string(got.size()) + " outputs, expected " +
                         std::to_string(expected.size())};
    }
    for (size_t i = 0; i < got.size(); ++i) {
      std::string diff = CompareTensors(got[i], expected[i], tol);
      if (!diff.empty()) return {false, set + " output " + std::to_string(i) + ": " + diff};
    }
  }
  out.passed = true;
  out.message = std::to_string(sets.size()) + " data set(s) match";
  return out;
}

}  // namespace bgone::testing
