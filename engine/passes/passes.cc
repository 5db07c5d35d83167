#include "engine/passes/passes.h"

#include <unordered_set>

#include "engine/kernels/op_registry.h"

namespace bgone::passes {

namespace {
// Folding stops at tensors this large: folding is for shape arithmetic and small constants, and a
// folded result stays resident for the session's life.
constexpr uint64_t kMaxFoldBytes = uint64_t{64} << 20;

Status WithNode(const ir::Graph& g, size_t k, const Status& s) {
  return s.ok() ? s : s.WithContext(g.DescribeNode(k));
}
}  // namespace

Status CheckOpsSupported(const ir::Graph& graph) {
  for (size_t k = 0; k < graph.nodes().size(); ++k) {
    const ir::Node& n = graph.nodes()[k];
    if (FindOpSchema(n.domain, n.op_type) == nullptr) {
      std::string op = n.domain.empty() ? n.op_type : n.domain + "::" + n.op_type;
      return UnsupportedError(graph.DescribeNode(k) + ": operator '" + op + "' is not supported");
    }
  }
  return OkStatus();
}

Status SpecializeInputShapes(ir::Graph& graph, const std::vector<Shape>& shapes) {
  if (!shapes.empty() && shapes.size() != graph.inputs().size()) {
    return InvalidArgumentError("got " + std::to_string(shapes.size()) + " input shapes, the model has " +
                                std::to_string(graph.inputs().size()) + " inputs");
  }
  for (size_t i = 0; i < graph.inputs().size(); ++i) {
    ir::Value& v = graph.value(graph.inputs()[i]);
    if (shapes.empty()) {
      if (!v.shape.has_value()) {
        return InvalidArgumentError("input '" + v.name + "' has no shape in the model: pass one");
      }
      for (int64_t d : *v.shape) {
        if (d < 0) {
          return InvalidArgumentError("input '" + v.name + "' has symbolic shape " +
                                      ShapeToString(*v.shape) + ": pass a concrete shape");
        }
      }
    } else {
      const Shape& s = shapes[i];
      if (v.shape.has_value()) {
        bool match = v.shape->size() == s.size();
        for (size_t d = 0; match && d < s.size(); ++d) {
          if ((*v.shape)[d] >= 0 && (*v.shape)[d] != s[d]) match = false;
        }
        if (!match) {
          return InvalidArgumentError("input '" + v.name + "': shape " + ShapeToString(s) +
                                      " does not fit the model's " + ShapeToString(*v.shape));
        }
      }
      v.shape = s;
    }
    auto n = CheckedNumElements(*v.shape);
    if (!n.ok()) return n.status().WithContext("input '" + v.name + "'");
  }
  return OkStatus();
}

Status WidenFloat16(ir::Graph& graph) {
  // Constants first.
  for (int id = 0; id < graph.num_values(); ++id) {
    ir::Value& v = graph.value(id);
    if (v.constant.has_value() && v.constant->dtype() == DType::kFloat16) {
      const Tensor& h = *v.constant;
      BG_ASSIGN_OR_RETURN(Tensor f, Tensor::Allocate(DType::kFloat32, h.shape()));
      const uint16_t* src = h.data<uint16_t>();
      float* dst = f.data<float>();
      for (int64_t i = 0; i < h.size(); ++i) dst[i] = HalfToFloat(src[i]);
      v.constant = std::move(f);
      v.dtype = DType::kFloat32;
    }
  }
  std::unordered_set<ir::ValueId> graph_outputs(graph.outputs().begin(), graph.outputs().end());
  for (ir::Node& n : graph.nodes()) {
    for (auto& [name, attr] : n.attrs) {
      if (attr.kind == ir::Attribute::Kind::kTensor && attr.t.has_value() &&
          attr.t->dtype() == DType::kFloat16) {
        BG_ASSIGN_OR_RETURN(Tensor f, Tensor::Allocate(DType::kFloat32, attr.t->shape()));
        for (int64_t i = 0; i < attr.t->size(); ++i) {
          f.data<float>()[i] = HalfToFloat(attr.t->data<uint16_t>()[i]);
        }
        attr.t = std::move(f);
      }
    }
    if (n.op_type == "Cast" && n.domain.empty() && n.outputs.size() == 1 &&
        !graph_outputs.count(n.outputs[0])) {
      auto it = n.attrs.find("to");
      if (it != n.attrs.end() && it->second.kind == ir::Attribute::Kind::kInt &&
          it->second.i == static_cast<int64_t>(DType::kFloat16)) {
        it->second.i = static_cast<int64_t>(DType::kFloat32);
      }
    }
  }
  // fp16 graph inputs: the graph reads a float32 copy.
  std::vector<ir::Node> prologue;
  for (ir::ValueId in : graph.inputs()) {
    if (graph.value(in).dtype != DType::kFloat16) continue;
    ir::Value widened;
    widened.name = graph.value(in).name + "/bgone_fp32";
    widened.dtype = DType::kFloat32;
    ir::ValueId wid = graph.AddValue(std::move(widened));
    for (ir::Node& n : graph.nodes()) {
      for (ir::ValueId& x : n.inputs) {
        if (x == in) x = wid;
      }
    }
    ir::Node cast;
    cast.op_type = "Cast";
    cast.name = "bgone_widen_input";
    cast.inputs = {in};
    cast.outputs = {wid};
    ir::Attribute to;
    to.kind = ir::Attribute::Kind::kInt;
    to.i = static_cast<int64_t>(DType::kFloat32);
    cast.attrs["to"] = to;
    prologue.push_back(std::move(cast));
    for (ir::ValueId& o : graph.outputs()) {
      if (o == in) o = wid;  // an input passed straight through is narrowed again below
    }
  }
  graph.nodes().insert(graph.nodes().begin(), std::make_move_iterator(prologue.begin()),
                       std::make_move_iterator(prologue.end()));
  return OkStatus();
}

Status InferShapesAndFold(ir::Graph& graph, bool fold, int* folded) {
  *folded = 0;
  BG_ASSIGN_OR_RETURN(std::vector<size_t> order, graph.TopologicalOrder());
  std::vector<bool> remove(graph.nodes().size(), false);
  for (size_t k : order) {
    const ir::Node& node = graph.nodes()[k];
    const OpSchema* schema = FindOpSchema(node.domain, node.op_type);
    if (schema == nullptr) return WithNode(graph, k, UnsupportedError("operator not supported"));
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      ir::ValueId in = node.inputs[i];
      if (in == ir::kNoValue) continue;
      const ir::Value& v = graph.value(in);
      if (!v.shape.has_value() || v.dtype == DType::kUndefined) {
        return WithNode(graph, k, InternalError("input " + std::to_string(i) + " ('" + v.name +
                                                "') has no inferred type or shape"));
      }
    }
    for (ir::ValueId out : node.outputs) {
      if (out == ir::kNoValue) continue;
      graph.value(out).shape.reset();
      graph.value(out).dtype = DType::kUndefined;
    }
    InferContext ctx(graph, k);
    BG_RETURN_IF_ERROR(WithNode(graph, k, schema->infer(ctx)));
    bool all_outputs_const = true;
    uint64_t out_bytes = 0;
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      ir::ValueId out = node.outputs[i];
      if (out == ir::kNoValue) continue;
      const ir::Value& v = graph.value(out);
      if (!v.shape.has_value() || v.dtype == DType::kUndefined) {
        return WithNode(graph, k, InternalError("output " + std::to_string(i) + " was not inferred"));
      }
      auto n = CheckedNumElements(*v.shape);
      if (!n.ok()) return WithNode(graph, k, n.status().WithContext("output " + std::to_string(i)));
      out_bytes += static_cast<uint64_t>(*n) * DTypeSize(v.dtype);
      if (!v.constant.has_value()) all_outputs_const = false;
    }
    if (all_outputs_const) {  // e.g. Constant, Shape: infer already produced the values
      remove[k] = true;
      ++*folded;
      continue;
    }
    if (!fold || out_bytes > kMaxFoldBytes) continue;
    bool inputs_const = true;
    for (ir::ValueId in : node.inputs) {
      if (in != ir::kNoValue && !graph.value(in).constant.has_value()) inputs_const = false;
    }
    if (!inputs_const) continue;
    // Evaluate now with the op's own kernel.
    std::vector<Tensor> outs(node.outputs.size());
    if (schema->output_is_view_of_input0) {
      const ir::Value& out = graph.value(node.outputs[0]);
      outs[0] = graph.value(node.inputs[0]).constant->Reshaped(*out.shape);
    } else {
      KernelContext kc;
      for (ir::ValueId in : node.inputs) {
        kc.inputs.push_back(in == ir::kNoValue ? nullptr : &*graph.value(in).constant);
      }
      for (size_t i = 0; i < node.outputs.size(); ++i) {
        ir::ValueId out = node.outputs[i];
        if (out == ir::kNoValue) {
          kc.outputs.push_back(nullptr);
          continue;
        }
        auto t = Tensor::Allocate(graph.value(out).dtype, *graph.value(out).shape);
        if (!t.ok()) return WithNode(graph, k, t.status());
        outs[i] = std::move(t).value();
        kc.outputs.push_back(&outs[i]);
      }
      auto kernel = schema->create(ctx);
      if (!kernel.ok()) return WithNode(graph, k, kernel.status());
      BG_RETURN_IF_ERROR(WithNode(graph, k, (*kernel)->Run(kc)));
    }
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      if (node.outputs[i] != ir::kNoValue) graph.value(node.outputs[i]).constant = std::move(outs[i]);
    }
    remove[k] = true;
    ++*folded;
  }
  std::vector<ir::Node> kept;
  kept.reserve(graph.nodes().size());
  for (size_t k = 0; k < graph.nodes().size(); ++k) {
    if (!remove[k]) kept.push_back(std::move(graph.nodes()[k]));
  }
  graph.nodes() = std::move(kept);
  return OkStatus();
}

Status PruneToOutputs(ir::Graph& graph, const std::vector<std::string>& outputs) {
  if (!outputs.empty()) {
    std::vector<ir::ValueId> selected;
    for (const std::string& name : outputs) {
      ir::ValueId id = ir::kNoValue;
      for (ir::ValueId o : graph.outputs()) {
        if (graph.value(o).name == name) id = o;
      }
      if (id == ir::kNoValue) return InvalidArgumentError("the model has no output named '" + name + "'");
      selected.push_back(id);
    }
    graph.outputs() = std::move(selected);
  }
  graph.RemoveDeadNodes();
  // Release constants that no remaining node or output reads (e.g. the fp16 originals of
  // widened weights, folded shape chains).
  std::vector<bool> used(static_cast<size_t>(graph.num_values()), false);
  for (const ir::Node& n : graph.nodes()) {
    for (ir::ValueId in : n.inputs) {
      if (in != ir::kNoValue) used[static_cast<size_t>(in)] = true;
    }
  }
  for (ir::ValueId o : graph.outputs()) used[static_cast<size_t>(o)] = true;
  for (int id = 0; id < graph.num_values(); ++id) {
    if (!used[static_cast<size_t>(id)]) graph.value(id).constant.reset();
  }
  return OkStatus();
}

}  // namespace bgone::passes
