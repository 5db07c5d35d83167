// Format-neutral graph IR. Importers (ONNX today, TFLite later) produce a Graph; passes rewrite it;
// the planner turns it into an executable Plan. Values are referred to by index, never by pointer,
// so passes can append values and nodes freely.
// Thread-safety: none; a Graph is built and rewritten by one thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "engine/common/status.h"
#include "engine/common/tensor.h"

namespace bgone::ir {

using ValueId = int32_t;
inline constexpr ValueId kNoValue = -1;  // an omitted optional input

struct Value {
  std::string name;
  DType dtype = DType::kUndefined;
  // Known shape. Dims are concrete once the graph has been specialised for input shapes;
  // before that a -1 dim means "unknown" (from a symbolic model input).
  std::optional<Shape> shape;
  // Set for initializers, Constant outputs and anything constant folding produced.
  std::optional<Tensor> constant;
};

struct Attribute {
  enum class Kind { kUndefined, kFloat, kInt, kString, kTensor, kFloats, kInts, kStrings, kGraph };
  Kind kind = Kind::kUndefined;
  float f = 0.0f;
  int64_t i = 0;
  std::string s;
  std::optional<Tensor> t;
  std::vector<float> floats;
  std::vector<int64_t> ints;
  std::vector<std::string> strings;

  // Attributes built in code (importers other than ONNX, passes).
  static Attribute Int(int64_t v) {
    Attribute a;
    a.kind = Kind::kInt;
    a.i = v;
    return a;
  }
  static Attribute Ints(std::vector<int64_t> v) {
    Attribute a;
    a.kind = Kind::kInts;
    a.ints = std::move(v);
    return a;
  }
  static Attribute String(std::string v) {
    Attribute a;
    a.kind = Kind::kString;
    a.s = std::move(v);
    return a;
  }
};

const char* AttributeKindName(Attribute::Kind kind);

struct Node {
  std::string name;
  std::string op_type;
  std::string domain;  // "" is the default ONNX domain
  std::vector<ValueId> inputs;
  std::vector<ValueId> outputs;
  std::map<std::string, Attribute> attrs;

  bool HasAttr(const std::string& key) const { return attrs.count(key) != 0; }
  const Attribute* FindAttr(const std::string& key) const;
};

class Graph {
 public:
  // Appends a value; names must be unique (empty names are allowed and never looked up).
  ValueId AddValue(Value v);
  // Index of the value called `name`, or kNoValue.
  ValueId FindValue(const std::string& name) const;

  Value& value(ValueId id) { return values_[static_cast<size_t>(id)]; }
  const Value& value(ValueId id) const { return values_[static_cast<size_t>(id)]; }
  int num_values() const { return static_cast<int>(values_.size()); }

  std::vector<Node>& nodes() { return nodes_; }
  const std::vector<Node>& nodes() const { return nodes_; }
  std::vector<ValueId>& inputs() { return inputs_; }
  const std::vector<ValueId>& inputs() const { return inputs_; }
  std::vector<ValueId>& outputs() { return outputs_; }
  const std::vector<ValueId>& outputs() const { return outputs_; }

  // Operator set version of the default domain.
  int64_t opset() const { return opset_; }
  void set_opset(int64_t v) { opset_ = v; }

  // "node 37 (Conv 'conv1')": how errors name a node.
  std::string DescribeNode(size_t index) const;

  // Node indices in a topological order (Kahn's algorithm, no recursion). Fails naming a node on a
  // cycle, or on an input that no node, initializer or graph input produces.
  StatusOr<std::vector<size_t>> TopologicalOrder() const;

  // Removes nodes whose outputs are not needed for the graph outputs (constant values kept in the
  // value table). Node order is preserved.
  void RemoveDeadNodes();

 private:
  std::vector<Value> values_;
  std::vector<Node> nodes_;
  std::vector<ValueId> inputs_;
  std::vector<ValueId> outputs_;
  std::unordered_map<std::string, ValueId> by_name_;
  int64_t opset_ = 0;
};

}  // namespace bgone::ir
