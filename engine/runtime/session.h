// Public C++ API of the inference engine: load a model, specialise it for input shapes, run it.
//
//   BG_ASSIGN_OR_RETURN(auto model, bgone::Model::FromFile("isnet-fp16.onnx"));
//   BG_ASSIGN_OR_RETURN(auto session, bgone::Session::Create(model));
//   bgone::ThreadPool pool(2);
//   std::vector<bgone::Tensor> outputs;
//   BG_RETURN_IF_ERROR(session->Run({input}, &outputs, &pool));
//
// Nothing here throws or aborts on bad data: malformed or unsupported models produce a Status
// naming the node or field at fault.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/common/status.h"
#include "engine/common/tensor.h"
#include "engine/ir/graph.h"
#include "engine/runtime/thread_pool.h"

namespace bgone {

struct TensorInfo {
  std::string name;
  DType dtype = DType::kUndefined;
  Shape shape;  // -1 for dims that are not fixed by the model
};

// An imported, validated model (graph + weights). Immutable; shareable across sessions/threads.
class Model {
 public:
  static StatusOr<std::shared_ptr<const Model>> FromFile(const std::string& path);
  static StatusOr<std::shared_ptr<const Model>> FromBytes(const uint8_t* data, size_t size);
  // Like FromBytes, without copying the weights: `owner` keeps `data` alive and unmodified, and
  // the model's large constants are views of it (the bytes are released with the last of them).
  static StatusOr<std::shared_ptr<const Model>> FromSharedBytes(std::shared_ptr<const void> owner,
                                                                const uint8_t* data, size_t size);
  // Takes an already built graph (used by tests and by other importers).
  static StatusOr<std::shared_ptr<const Model>> FromGraph(ir::Graph graph);

  const ir::Graph& graph() const { return graph_; }
  std::vector<TensorInfo> inputs() const;
  std::vector<TensorInfo> outputs() const;

 private:
  ir::Graph graph_;
};

struct SessionOptions {
  // Graph outputs to compute, by name; empty means all. Unneeded branches are removed.
  std::vector<std::string> outputs;
  // Fold nodes whose inputs are all constant at prepare time.
  bool fold_constants = true;
  // Fuse Conv+Relu and the ConvInteger dequantisation chain (bit-identical results, less memory
  // traffic). Off only to compare against the unfused graph.
  bool fuse = true;
  // Optional: with several threads, Create makes the convolutions' kernels (weight packing) on
  // all of them (Plan::Build). Used only during Create; the same session either way.
  ThreadPool* prepare_pool = nullptr;
};

struct SessionStats {
  int nodes_in_model = 0;
  int nodes_after_passes = 0;
  int folded_nodes = 0;
  int fused_groups = 0;
  uint64_t weight_bytes = 0;  // constant tensors the plan keeps (packed copies not counted)
  uint64_t packed_constant_bytes_freed = 0;  // constants dropped after kernels packed them
  uint64_t arena_bytes = 0;        // the activation arena of the memory plan
  uint64_t peak_live_bytes = 0;    // its lower bound: most bytes alive at one step
  uint64_t unplanned_bytes = 0;    // one buffer per intermediate value would take this
  int in_place_values = 0;         // elementwise outputs written over a dying input
  int concat_inputs_in_place = 0;  // Concat inputs computed straight into the Concat's output
};

class Plan;  // engine/plan/plan.h

// A model specialised for concrete input shapes and ready to run.
// Thread-compatible: Run may be called from one thread at a time per Session.
class Session {
 public:
  // `input_shapes` gives one shape per model input; empty uses the shapes fixed in the model
  // (an error if any dim is symbolic). Runs shape inference, constant folding, dead-node
  // removal and planning; unsupported ops or attributes are reported here.
  static StatusOr<std::unique_ptr<Session>> Create(std::shared_ptr<const Model> model,
                                                   const std::vector<Shape>& input_shapes = {},
                                                   const SessionOptions& options = {});
  ~Session();

  const std::vector<TensorInfo>& inputs() const { return inputs_; }
  const std::vector<TensorInfo>& outputs() const { return outputs_; }
  const SessionStats& stats() const { return stats_; }

  // `inputs` in model input order, dtypes and shapes as in inputs(). `pool` may be null.
  // `progress`, if set, gets the estimated fraction done (0..1], increasing, about every 1%.
  Status Run(const std::vector<Tensor>& inputs, std::vector<Tensor>* outputs,
             ThreadPool* pool = nullptr, const std::function<void(double)>& progress = {});

 private:
  Session() = default;
  std::unique_ptr<Plan> plan_;
  std::vector<TensorInfo> inputs_;
  std::vector<TensorInfo> outputs_;
  SessionStats stats_;
};

}  // namespace bgone
