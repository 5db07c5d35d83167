#include "engine/plan/plan.h"

namespace bgone {

StatusOr<std::unique_ptr<Plan>> Plan::Build(ir::Graph graph) {
  auto plan = std::unique_ptr<Plan>(new Plan());
  plan->graph_ = std::move(graph);
  ir::Graph& g = plan->graph_;
  BG_ASSIGN_OR_RETURN(std::vector<size_t> order, g.TopologicalOrder());
  std::vector<int64_t> last_use(static_cast<size_t>(g.num_values()), -1);
  for (size_t s = 0; s < order.size(); ++s) {
    for (ir::ValueId in : g.nodes()[order[s]].inputs) {
      if (in != ir::kNoValue) last_use[static_cast<size_t>(in)] = static_cast<int64_t>(s);
    }
  }
  std::vector<bool> keep(static_cast<size_t>(g.num_values()), false);
  for (ir::ValueId o : g.outputs()) keep[static_cast<size_t>(o)] = true;
  for (size_t s = 0; s < order.size(); ++s) {
    Step step;
    step.node = order[s];
    const ir::Node& node = g.nodes()[step.node];
    step.schema = FindOpSchema(node.domain, node.op_type);
    if (step.schema == nullptr) {
      return UnsupportedError(g.DescribeNode(step.node) + ": operator not supported");
    }
    if (!step.schema->output_is_view_of_input0) {
      InferContext ctx(g, step.node);
      auto kernel = step.schema->create(ctx);
      if (!kernel.ok()) return kernel.status().WithContext(g.DescribeNode(step.node));
      step.kernel = std::move(kernel).value();
    }
    for (ir::ValueId in : node.inputs) {
      if (in == ir::kNoValue) continue;
      size_t v = static_cast<size_t>(in);
      if (last_use[v] == static_cast<int64_t>(s) && !keep[v] && !g.value(in).constant.has_value()) {
        step.release_after.push_back(in);
        last_use[v] = -2;  // listed once even if the node reads it twice
      }
    }
    // Outputs nobody reads are released at once.
    for (ir::ValueId out : node.outputs) {
      if (out != ir::kNoValue && last_use[static_cast<size_t>(out)] == -1 && !keep[static_cast<size_t>(out)]) {
        step.release_after.push_back(out);
      }
    }
    plan->steps_.push_back(std::move(step));
  }
  return plan;
}

StatusOr<Tensor> Plan::AllocateOutput(DType dtype, const Shape& shape) {
  BG_ASSIGN_OR_RETURN(int64_t n, CheckedNumElements(shape));
  size_t bytes = static_cast<size_t>(n) * DTypeSize(dtype);
  // Best fit, and never more than twice the need, so a small value does not pin a large buffer.
  size_t best = free_buffers_.size();
  for (size_t i = 0; i < free_buffers_.size(); ++i) {
    size_t cap = free_buffers_[i].capacity();
    if (cap >= bytes && cap <= 2 * bytes + 4096 &&
        (best == free_buffers_.size() || cap < free_buffers_[best].capacity())) {
      best = i;
    }
  }
  if (best == free_buffers_.size()) return Tensor::Allocate(dtype, shape);
  Tensor donor = std::move(free_buffers_[best]);
  free_buffers_.erase(free_buffers_.begin() + static_cast<std::ptrdiff_t>(best));
  return Tensor::AllocateReusing(dtype, shape, &donor);
}

Status Plan::Execute(const std::vector<Tensor>& inputs, std::vector<Tensor>* outputs,
                     ThreadPool* pool) {
  const ir::Graph& g = graph_;
  if (inputs.size() != g.inputs().size()) {
    return InvalidArgumentError("expected " + std::to_string(g.inputs().size()) + " inputs, got " +
                                std::to_string(inputs.size()));
  }
  std::vector<Tensor> slots(static_cast<size_t>(g.num_values()));
  for (size_t i = 0; i < inputs.size(); ++i) {
    const ir::Value& v = g.value(g.inputs()[i]);
    if (inputs[i].dtype() != v.dtype || inputs[i].shape() != *v.shape) {
      return InvalidArgumentError("input '" + v.name + "': expected " + DTypeName(v.dtype) + " " +
                                  ShapeToString(*v.shape) + ", got " + DTypeName(inputs[i].dtype()) +
                                  " " + ShapeToString(inputs[i].shape()));
    }
    slots[static_cast<size_t>(g.inputs()[i])] = inputs[i];
  }
  auto get = [&](ir::ValueId id) -> const Tensor* {
    const ir::Value& v = g.value(id);
    if (v.constant.has_value()) return &*v.constant;
    const Tensor& t = slots[static_cast<size_t>(id)];
    return t.empty() ? nullptr : &t;
  };
  for (Step& step : steps_) {
    const ir::Node& node = g.nodes()[step.node];
    if (step.schema->output_is_view_of_input0) {
      const Tensor* in = get(node.inputs[0]);
      if (in == nullptr) return InternalError(g.DescribeNode(step.node) + ": input not computed");
      slots[static_cast<size_t>(node.outputs[0])] = in->Reshaped(*g.value(node.outputs[0]).shape);
    } else {
      KernelContext kc;
      kc.pool = pool;
      kc.inputs.reserve(node.inputs.size());
      for (ir::ValueId in : node.inputs) {
        const Tensor* t = in == ir::kNoValue ? nullptr : get(in);
        if (in != ir::kNoValue && t == nullptr) {
          return InternalError(g.DescribeNode(step.node) + ": input '" + g.value(in).name +
                               "' not computed");
        }
        kc.inputs.push_back(t);
      }
      for (ir::ValueId out : node.outputs) {
        if (out == ir::kNoValue) {
          kc.outputs.push_back(nullptr);
          continue;
        }
        const ir::Value& v = g.value(out);
        auto t = AllocateOutput(v.dtype, *v.shape);
        if (!t.ok()) return t.status().WithContext(g.DescribeNode(step.node));
        slots[static_cast<size_t>(out)] = std::move(t).value();
        kc.outputs.push_back(&slots[static_cast<size_t>(out)]);
      }
      Status s = step.kernel->Run(kc);
      if (!s.ok()) return s.WithContext(g.DescribeNode(step.node));
    }
    for (ir::ValueId v : step.release_after) {
      Tensor& dead = slots[static_cast<size_t>(v)];
      // Views share storage with a live value; only sole owners go back to the free list.
      if (dead.OwnsStorageAlone()) free_buffers_.push_back(std::move(dead));
      dead = Tensor();
    }
  }
  outputs->clear();
  for (ir::ValueId o : g.outputs()) {
    const Tensor* t = get(o);
    if (t == nullptr) return InternalError("output '" + g.value(o).name + "' not computed");
    outputs->push_back(*t);
  }
  return OkStatus();
}

}  // namespace bgone
