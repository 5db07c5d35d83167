#include "engine/passes/passes.h"

#include <algorithm>
#include <unordered_set>

#include "engine/kernels/kernel_util.h"
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
  // Constants first. Those read only as a Conv's weights stay fp16: the Conv kernel widens them
  // while packing, so the float32 copy of all weights is never made.
  std::vector<bool> conv_weight_only(static_cast<size_t>(graph.num_values()), true);
  for (ir::ValueId o : graph.outputs()) conv_weight_only[static_cast<size_t>(o)] = false;
  for (const ir::Node& n : graph.nodes()) {
    bool conv = n.domain.empty() && n.op_type == "Conv";
    for (size_t i = 0; i < n.inputs.size(); ++i) {
      if (n.inputs[i] != ir::kNoValue && !(conv && i == 1)) {
        conv_weight_only[static_cast<size_t>(n.inputs[i])] = false;
      }
    }
  }
  for (int id = 0; id < graph.num_values(); ++id) {
    ir::Value& v = graph.value(id);
    if (v.constant.has_value() && v.constant->dtype() == DType::kFloat16 &&
        !conv_weight_only[static_cast<size_t>(id)]) {
      const Tensor& h = *v.constant;
      BG_ASSIGN_OR_RETURN(Tensor f, Tensor::AllocateUninitialized(DType::kFloat32, h.shape()));
      HalfToFloatN(h.data<uint16_t>(), f.data<float>(), h.size());
      v.constant = std::move(f);
      v.dtype = DType::kFloat32;
    }
  }
  std::unordered_set<ir::ValueId> graph_outputs(graph.outputs().begin(), graph.outputs().end());
  for (ir::Node& n : graph.nodes()) {
    for (auto& [name, attr] : n.attrs) {
      if (attr.kind == ir::Attribute::Kind::kTensor && attr.t.has_value() &&
          attr.t->dtype() == DType::kFloat16) {
        BG_ASSIGN_OR_RETURN(Tensor f, Tensor::AllocateUninitialized(DType::kFloat32, attr.t->shape()));
        HalfToFloatN(attr.t->data<uint16_t>(), f.data<float>(), attr.t->size());
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

Status BypassIdentityCasts(ir::Graph& graph, int* removed) {
  *removed = 0;
  std::vector<bool> is_output(static_cast<size_t>(graph.num_values()), false);
  for (ir::ValueId o : graph.outputs()) is_output[static_cast<size_t>(o)] = true;
  // Where each value now comes from: itself, or for a bypassed Cast's output the Cast's input's
  // source. Visited in topological order (the node list need not be: fp16 converters append
  // their Casts at the end), so a chain of Casts resolves to its first input.
  std::vector<ir::ValueId> source(static_cast<size_t>(graph.num_values()));
  for (int id = 0; id < graph.num_values(); ++id) source[static_cast<size_t>(id)] = id;
  BG_ASSIGN_OR_RETURN(std::vector<size_t> order, graph.TopologicalOrder());
  for (size_t index : order) {
    const ir::Node& n = graph.nodes()[index];
    if (n.op_type != "Cast" || !n.domain.empty() || n.inputs.size() != 1 ||
        n.outputs.size() != 1 || n.inputs[0] == ir::kNoValue || n.outputs[0] == ir::kNoValue) {
      continue;
    }
    const ir::Value& in = graph.value(n.inputs[0]);
    const ir::Value& out = graph.value(n.outputs[0]);
    if (in.dtype == DType::kUndefined || in.dtype != out.dtype || in.shape != out.shape ||
        is_output[static_cast<size_t>(n.outputs[0])]) {
      continue;
    }
    source[static_cast<size_t>(n.outputs[0])] = source[static_cast<size_t>(n.inputs[0])];
    ++*removed;
  }
  for (ir::Node& n : graph.nodes()) {
    for (ir::ValueId& in : n.inputs) {
      if (in != ir::kNoValue) in = source[static_cast<size_t>(in)];
    }
  }
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

namespace {

struct Uses {
  std::vector<std::vector<size_t>> consumers;  // per value: consuming node indices
  std::vector<bool> is_output;                 // per value: a graph output
};

Uses CountUses(const ir::Graph& g) {
  Uses u;
  u.consumers.resize(static_cast<size_t>(g.num_values()));
  u.is_output.assign(static_cast<size_t>(g.num_values()), false);
  for (size_t k = 0; k < g.nodes().size(); ++k) {
    for (ir::ValueId in : g.nodes()[k].inputs) {
      if (in != ir::kNoValue) u.consumers[static_cast<size_t>(in)].push_back(k);
    }
  }
  for (ir::ValueId o : g.outputs()) u.is_output[static_cast<size_t>(o)] = true;
  return u;
}

// The only node reading `v` when v is read exactly once and is not a graph output, else -1.
int64_t SoleConsumer(const Uses& u, ir::ValueId v, const std::vector<bool>& removed) {
  if (v == ir::kNoValue || u.is_output[static_cast<size_t>(v)]) return -1;
  const auto& c = u.consumers[static_cast<size_t>(v)];
  if (c.size() != 1 || removed[c[0]]) return -1;
  return static_cast<int64_t>(c[0]);
}

bool IsOp(const ir::Node& n, const char* op) { return n.domain.empty() && n.op_type == op; }

// The operand of a binary node that is not `v` (nullopt when v is both or neither).
std::optional<ir::ValueId> OtherOperand(const ir::Node& n, ir::ValueId v) {
  if (n.inputs.size() != 2 || n.outputs.size() != 1) return std::nullopt;
  if (n.inputs[0] == v && n.inputs[1] != v) return n.inputs[1];
  if (n.inputs[1] == v && n.inputs[0] != v) return n.inputs[0];
  return std::nullopt;
}

// True when a float32 value broadcast against an [N, C, ...] output varies along C only (or not
// at all when `allow_scalar`): the form the fused kernels apply per output channel.
bool IsPerChannel(const ir::Value& v, const Shape& out, bool allow_scalar) {
  if (v.dtype != DType::kFloat32 || !v.shape.has_value() || out.size() < 2) return false;
  const Shape& s = *v.shape;
  int64_t n = NumElements(s);
  if (n == 1) return allow_scalar || out[1] == 1;
  if (s.size() > out.size() || s.size() < out.size() - 1) return false;
  size_t offset = out.size() - s.size();
  for (size_t d = 0; d < s.size(); ++d) {
    size_t axis = d + offset;
    if (axis == 1 ? s[d] != out[1] : s[d] != 1) return false;
  }
  return true;
}

}  // namespace

Status AbsorbWeightDequantize(ir::Graph& graph, int* absorbed) {
  *absorbed = 0;
  std::vector<int64_t> producer(static_cast<size_t>(graph.num_values()), -1);
  for (size_t k = 0; k < graph.nodes().size(); ++k) {
    for (ir::ValueId o : graph.nodes()[k].outputs) {
      if (o != ir::kNoValue) producer[static_cast<size_t>(o)] = static_cast<int64_t>(k);
    }
  }
  for (size_t k = 0; k < graph.nodes().size(); ++k) {
    ir::Node& conv = graph.nodes()[k];
    if (!IsOp(conv, "Conv") || conv.inputs.size() < 2 || conv.inputs.size() > 3 ||
        conv.inputs[0] == ir::kNoValue || conv.inputs[1] == ir::kNoValue) {
      continue;
    }
    const int64_t pk = producer[static_cast<size_t>(conv.inputs[1])];
    if (pk < 0) continue;
    const ir::Node& dq = graph.nodes()[static_cast<size_t>(pk)];
    if (!IsOp(dq, "DequantizeLinear") || dq.inputs.size() < 2 || dq.inputs[0] == ir::kNoValue ||
        dq.inputs[1] == ir::kNoValue) {
      continue;
    }
    const ir::Value& qv = graph.value(dq.inputs[0]);
    const ir::Value& sv = graph.value(dq.inputs[1]);
    if (!qv.constant.has_value() || !sv.constant.has_value()) continue;
    const Tensor& q = *qv.constant;
    const Tensor& sc = *sv.constant;
    if (q.dtype() != DType::kInt8 || sc.dtype() != DType::kFloat32 || q.shape().size() < 3 ||
        q.shape().size() > 4) {
      continue;
    }
    const int64_t out_c = q.shape()[0];
    const ir::Attribute* block_attr = dq.FindAttr("block_size");
    if (block_attr != nullptr && block_attr->kind != ir::Attribute::Kind::kInt) continue;
    const int64_t block = block_attr != nullptr ? block_attr->i : 0;
    if (block < 0) continue;
    const ir::Attribute* axis = dq.FindAttr("axis");
    if (axis != nullptr && axis->kind != ir::Attribute::Kind::kInt) continue;
    const int64_t rank = static_cast<int64_t>(q.shape().size());
    int64_t a = axis == nullptr ? 1 : axis->i;
    if (a < 0) a += rank;
    const bool per_tensor = block == 0 && sc.size() == 1 && sc.shape().size() <= 1;
    if (block > 0) {
      // Blocked along the input channels (axis 1): scale [out_c][ceil(C / block)][taps...].
      if (a != 1 || sc.shape() != kernels::BlockedScaleShape(q.shape(), 1, block)) continue;
    } else if (!per_tensor) {
      if (a != 0 || sc.shape().size() != 1 || sc.shape()[0] != out_c) continue;
    }
    if (dq.inputs.size() > 2 && dq.inputs[2] != ir::kNoValue) {
      const ir::Value& zv = graph.value(dq.inputs[2]);
      if (!zv.constant.has_value() || zv.constant->dtype() != DType::kInt8 ||
          zv.constant->size() != sc.size()) {
        continue;
      }
      const int8_t* z = zv.constant->data<int8_t>();
      if (std::any_of(z, z + zv.constant->size(), [](int8_t v) { return v != 0; })) continue;
    }
    ir::ValueId scale_id = dq.inputs[1];
    if (per_tensor) {
      BG_ASSIGN_OR_RETURN(Tensor wide, Tensor::AllocateUninitialized(DType::kFloat32, {out_c}));
      std::fill(wide.data<float>(), wide.data<float>() + out_c, sc.data<float>()[0]);
      ir::Value v;
      v.name = sv.name + "/bgone_per_channel_" + std::to_string(k);
      v.dtype = DType::kFloat32;
      v.shape = Shape{out_c};
      v.constant = std::move(wide);
      scale_id = graph.AddValue(std::move(v));
    }
    // (AddValue grows the value list only: `conv` and `dq` still refer to their nodes.)
    const ir::ValueId bias = conv.inputs.size() > 2 ? conv.inputs[2] : ir::kNoValue;
    conv.inputs = {conv.inputs[0], dq.inputs[0], bias, scale_id};
    conv.domain = "bgone";
    conv.op_type = "FusedConv";
    conv.attrs["activation"] = ir::Attribute::String("");
    if (block > 0) {
      ir::Attribute b;
      b.kind = ir::Attribute::Kind::kInt;
      b.i = block;
      conv.attrs["weight_block_size"] = b;
    }
    ++*absorbed;
  }
  return OkStatus();
}

Status FuseConvolutions(ir::Graph& graph, int* fused) {
  *fused = 0;
  Uses uses = CountUses(graph);
  std::vector<ir::Node>& nodes = graph.nodes();
  std::vector<bool> removed(nodes.size(), false);
  for (size_t k = 0; k < nodes.size(); ++k) {
    ir::Node& conv = nodes[k];
    const ir::Attribute* act = conv.FindAttr("activation");
    const bool plain_fused = conv.domain == "bgone" && conv.op_type == "FusedConv" && act != nullptr &&
                             act->kind == ir::Attribute::Kind::kString && act->s.empty();
    if ((IsOp(conv, "Conv") || plain_fused) && conv.outputs.size() == 1) {
      int64_t r = SoleConsumer(uses, conv.outputs[0], removed);
      if (r < 0 || !IsOp(nodes[static_cast<size_t>(r)], "Relu")) continue;
      conv.domain = "bgone";
      conv.op_type = "FusedConv";
      conv.attrs["activation"] = ir::Attribute::String("Relu");
      conv.outputs[0] = nodes[static_cast<size_t>(r)].outputs[0];
      removed[static_cast<size_t>(r)] = true;
      ++*fused;
      continue;
    }
    if (!IsOp(conv, "ConvInteger") || conv.outputs.size() != 1 || conv.inputs.size() < 2) continue;
    const Shape& out_shape = *graph.value(conv.outputs[0]).shape;
    int64_t cast = SoleConsumer(uses, conv.outputs[0], removed);
    if (cast < 0) continue;
    const ir::Node& cast_node = nodes[static_cast<size_t>(cast)];
    const ir::Attribute* to = cast_node.FindAttr("to");
    if (!IsOp(cast_node, "Cast") || to == nullptr || to->kind != ir::Attribute::Kind::kInt ||
        to->i != static_cast<int64_t>(DType::kFloat32)) {
      continue;
    }
    int64_t mul = SoleConsumer(uses, cast_node.outputs[0], removed);
    if (mul < 0 || !IsOp(nodes[static_cast<size_t>(mul)], "Mul")) continue;
    auto scale = OtherOperand(nodes[static_cast<size_t>(mul)], cast_node.outputs[0]);
    if (!scale || !IsPerChannel(graph.value(*scale), out_shape, /*allow_scalar=*/true)) continue;
    ir::ValueId mul_out = nodes[static_cast<size_t>(mul)].outputs[0];
    int64_t add = SoleConsumer(uses, mul_out, removed);
    if (add < 0 || !IsOp(nodes[static_cast<size_t>(add)], "Add")) continue;
    auto bias = OtherOperand(nodes[static_cast<size_t>(add)], mul_out);
    if (!bias || !IsPerChannel(graph.value(*bias), out_shape, /*allow_scalar=*/false)) continue;
    ir::ValueId result = nodes[static_cast<size_t>(add)].outputs[0];
    std::string activation;
    int64_t relu = SoleConsumer(uses, result, removed);
    if (relu >= 0 && IsOp(nodes[static_cast<size_t>(relu)], "Relu")) {
      activation = "Relu";
      result = nodes[static_cast<size_t>(relu)].outputs[0];
      removed[static_cast<size_t>(relu)] = true;
    }
    removed[static_cast<size_t>(cast)] = removed[static_cast<size_t>(mul)] = true;
    removed[static_cast<size_t>(add)] = true;
    conv.inputs.resize(4, ir::kNoValue);
    conv.inputs.push_back(*scale);
    conv.inputs.push_back(*bias);
    conv.outputs[0] = result;
    conv.domain = "bgone";
    conv.op_type = "FusedConvInteger";
    conv.attrs["activation"] = ir::Attribute::String(activation);
    ++*fused;
  }
  std::vector<ir::Node> kept;
  kept.reserve(nodes.size());
  for (size_t k = 0; k < nodes.size(); ++k) {
    if (!removed[k]) kept.push_back(std::move(nodes[k]));
  }
  nodes = std::move(kept);
  return OkStatus();
}

}  // namespace bgone::passes
