// An executable plan: a prepared graph, its nodes in a fixed topological order, one kernel per
// node, and for each step the values whose last use it is (released right after, so peak memory
// follows liveness). Building the plan is separate from running it; a later issue replaces the
// per-value allocations with one arena.
// Thread-compatible: Execute may be called from one thread at a time.
#pragma once

#include <memory>
#include <vector>

#include "engine/common/status.h"
#include "engine/common/tensor.h"
#include "engine/ir/graph.h"
#include "engine/kernels/op_registry.h"
#include "engine/runtime/thread_pool.h"

namespace bgone {

class Plan {
 public:
  // `graph` must have been through shape inference (every value has a concrete shape).
  static StatusOr<std::unique_ptr<Plan>> Build(ir::Graph graph);

  const ir::Graph& graph() const { return graph_; }
  size_t num_steps() const { return steps_.size(); }

  // Inputs in graph-input order; outputs in graph-output order.
  Status Execute(const std::vector<Tensor>& inputs, std::vector<Tensor>* outputs, ThreadPool* pool);

 private:
  struct Step {
    size_t node = 0;
    const OpSchema* schema = nullptr;
    std::unique_ptr<Kernel> kernel;        // null for view ops
    std::vector<ir::ValueId> release_after;
  };
  // Allocates a step output, recycling a released buffer of fitting size when there is one.
  StatusOr<Tensor> AllocateOutput(DType dtype, const Shape& shape);

  ir::Graph graph_;
  std::vector<Step> steps_;
  // Buffers of values that died, kept across runs so steady-state runs allocate nothing new.
  std::vector<Tensor> free_buffers_;
};

}  // namespace bgone
