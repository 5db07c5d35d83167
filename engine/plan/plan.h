// An executable plan: a prepared graph, its nodes in a fixed topological order, one kernel per
// node, and a memory plan. Every intermediate value gets a fixed byte range in one arena,
// computed once at build time from the values' lifetimes (values alive at the same step never
// overlap; elementwise ops write over an input that dies at that step); graph outputs get their
// own buffers because the caller keeps them. The arena is allocated on the first run and reused
// by every later run, so steady-state runs allocate nothing but the outputs.
// Thread-compatible: Execute may be called from one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "engine/common/status.h"
#include "engine/common/tensor.h"
#include "engine/ir/graph.h"
#include "engine/kernels/op_registry.h"
#include "engine/runtime/thread_pool.h"

namespace bgone {

struct MemoryPlanStats {
  uint64_t arena_bytes = 0;        // the one activation buffer
  uint64_t peak_live_bytes = 0;    // largest sum of values alive at one step (lower bound)
  uint64_t total_value_bytes = 0;  // what one buffer per value would take
  int arena_values = 0;            // values placed in the arena
  int in_place_values = 0;         // outputs written over a dying input
  int concat_inputs_in_place = 0;  // Concat inputs computed straight into the Concat's output
};

class Plan {
 public:
  // `graph` must have been through shape inference (every value has a concrete shape). With a
  // `pool` of several threads, the convolutions' kernels (which pack or convert their weights)
  // are created on all of them; the kernels are the same either way.
  static StatusOr<std::unique_ptr<Plan>> Build(ir::Graph graph, ThreadPool* pool = nullptr);

  const ir::Graph& graph() const { return graph_; }
  size_t num_steps() const { return steps_.size(); }
  // Bytes of constants freed at build time because only kernels that packed them read them.
  uint64_t constant_bytes_released() const { return constant_bytes_released_; }
  const MemoryPlanStats& memory() const { return memory_; }

  // Inputs in graph-input order; outputs in graph-output order. `progress`, if set, is called
  // with the estimated fraction of the work done (by multiply-accumulates for convolutions and
  // matrix products, output elements otherwise), increasing, about every 1% and at 1.0.
  Status Execute(const std::vector<Tensor>& inputs, std::vector<Tensor>* outputs, ThreadPool* pool,
                 const std::function<void(double)>& progress = {});

 private:
  struct Step {
    size_t node = 0;
    const OpSchema* schema = nullptr;
    std::unique_ptr<Kernel> kernel;        // null for view ops
    std::vector<ir::ValueId> release_after;
    double cost = 0;                       // estimated work, for progress
  };
  static constexpr uint64_t kNotInArena = ~uint64_t{0};

  Status PlanMemory();

  ir::Graph graph_;
  std::vector<Step> steps_;
  std::vector<bool> released_;        // per value: a constant freed by Build
  std::vector<uint64_t> offset_;      // per value: byte offset in the arena, or kNotInArena
  std::vector<bool> in_place_;        // per value: shares its buffer with a dying input
  std::vector<bool> skip_zero_fill_;  // per value: a Concat output whose inputs are already in it
  uint64_t constant_bytes_released_ = 0;
  MemoryPlanStats memory_;
  double total_cost_ = 0;
  Tensor arena_;                      // allocated on the first Execute
};

}  // namespace bgone
