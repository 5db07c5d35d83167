// The list of operators the engine implements. Each op supplies:
//  - infer: validates attributes and input types/shapes and sets every output's dtype and shape
//    (shapes are concrete: the graph has been specialised for its input shapes). It may also set
//    an output's constant value when it is known without running (e.g. Shape).
//  - create: builds a Kernel once per node at prepare time (the place to pre-process constant
//    weights); null for view ops, whose output is input 0 reinterpreted with the inferred shape.
// Errors returned from infer/create are prefixed with the node's description by the caller.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/common/status.h"
#include "engine/common/tensor.h"
#include "engine/ir/graph.h"
#include "engine/runtime/thread_pool.h"

namespace bgone {

// Read/write view of one node during shape inference and kernel creation.
class InferContext {
 public:
  InferContext(ir::Graph& graph, size_t node_index)
      : graph_(graph), node_(graph.nodes()[node_index]) {}

  const ir::Node& node() const { return node_; }
  int64_t opset() const { return graph_.opset(); }

  // Inputs: index i may be omitted (empty name in ONNX) or beyond the list.
  int num_inputs() const { return static_cast<int>(node_.inputs.size()); }
  bool has_input(int i) const {
    return i >= 0 && i < num_inputs() && node_.inputs[static_cast<size_t>(i)] != ir::kNoValue;
  }
  // Only valid when has_input(i).
  DType input_dtype(int i) const { return in(i).dtype; }
  const Shape& input_shape(int i) const { return *in(i).shape; }
  const Tensor* input_constant(int i) const {
    return in(i).constant.has_value() ? &*in(i).constant : nullptr;
  }

  int num_outputs() const { return static_cast<int>(node_.outputs.size()); }
  bool has_output(int i) const {
    return i >= 0 && i < num_outputs() && node_.outputs[static_cast<size_t>(i)] != ir::kNoValue;
  }
  DType output_dtype(int i) const { return out(i).dtype; }
  const Shape& output_shape(int i) const { return *out(i).shape; }
  void SetOutput(int i, DType dtype, Shape shape) {
    if (!has_output(i)) return;
    out(i).dtype = dtype;
    out(i).shape = std::move(shape);
  }
  void SetOutputConstant(int i, Tensor t) {
    if (!has_output(i)) return;
    out(i).dtype = t.dtype();
    out(i).shape = t.shape();
    out(i).constant = std::move(t);
  }

 private:
  const ir::Value& in(int i) const {
    return graph_.value(node_.inputs[static_cast<size_t>(i)]);
  }
  ir::Value& out(int i) { return graph_.value(node_.outputs[static_cast<size_t>(i)]); }
  const ir::Value& out(int i) const { return graph_.value(node_.outputs[static_cast<size_t>(i)]); }

  ir::Graph& graph_;
  const ir::Node& node_;
};

// Tensors for one kernel invocation. Outputs are allocated by the executor with the inferred
// dtype and shape (zero-filled) before Run is called.
struct KernelContext {
  std::vector<const Tensor*> inputs;  // nullptr for omitted optional inputs
  std::vector<Tensor*> outputs;       // nullptr for outputs nobody asked for
  ThreadPool* pool = nullptr;         // may be null: run on the calling thread
};

class Kernel {
 public:
  virtual ~Kernel() = default;
  // Must not throw; returns an error for data-dependent failures (e.g. index out of range).
  virtual Status Run(KernelContext& ctx) = 0;
  // False when Run never reads input i (e.g. weights packed at create time): the plan then frees
  // a constant that no other step needs and passes nullptr for it.
  virtual bool NeedsInputAtRun(int i) const {
    (void)i;
    return true;
  }
};

struct OpSchema {
  std::string_view domain;   // "" for ONNX's default domain
  std::string_view op_type;
  Status (*infer)(InferContext& ctx) = nullptr;
  StatusOr<std::unique_ptr<Kernel>> (*create)(InferContext& ctx) = nullptr;
  bool output_is_view_of_input0 = false;  // Reshape, Identity, ...: no kernel, no copy
  // Output element i depends only on element i of each input that has the output's shape (and
  // on broadcast inputs), and the kernel reads it before writing output element i: the output
  // may then share the buffer of such an input that dies here (the plan's in-place reuse).
  bool elementwise = false;
  // The kernel writes every element of every output whatever the data (no "+=" into its output,
  // no skipped elements): the plan then hands it uninitialised arena memory instead of zeroing
  // it first. Debug builds fill such outputs with 0xFF bytes (NaN for floats) so a kernel that
  // breaks the promise fails the tests.
  bool writes_all_outputs = false;
};

// nullptr when the op is not implemented.
const OpSchema* FindOpSchema(std::string_view domain, std::string_view op_type);
const std::vector<OpSchema>& AllOpSchemas();

// Typed attribute access with defaults. A present attribute of the wrong kind is an error.
StatusOr<int64_t> AttrInt(const ir::Node& node, const std::string& name, int64_t default_value);
StatusOr<float> AttrFloat(const ir::Node& node, const std::string& name, float default_value);
StatusOr<std::string> AttrString(const ir::Node& node, const std::string& name,
                                 const std::string& default_value);
StatusOr<std::vector<int64_t>> AttrInts(const ir::Node& node, const std::string& name,
                                        const std::vector<int64_t>& default_value);
StatusOr<std::vector<float>> AttrFloats(const ir::Node& node, const std::string& name,
                                        const std::vector<float>& default_value);
// Attributes the op does not know about are an error ("unsupported attribute 'foo'"), so a model
// never runs with semantics we silently ignore.
Status CheckKnownAttrs(const ir::Node& node, std::initializer_list<std::string_view> known);

}  // namespace bgone
