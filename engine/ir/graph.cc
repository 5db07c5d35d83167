#include "engine/ir/graph.h"

#include <deque>

namespace bgone::ir {

const char* AttributeKindName(Attribute::Kind kind) {
  switch (kind) {
    case Attribute::Kind::kUndefined: return "undefined";
    case Attribute::Kind::kFloat: return "float";
    case Attribute::Kind::kInt: return "int";
    case Attribute::Kind::kString: return "string";
    case Attribute::Kind::kTensor: return "tensor";
    case Attribute::Kind::kFloats: return "floats";
    case Attribute::Kind::kInts: return "ints";
    case Attribute::Kind::kStrings: return "strings";
    case Attribute::Kind::kGraph: return "graph";
  }
  return "unknown";
}

const Attribute* Node::FindAttr(const std::string& key) const {
  auto it = attrs.find(key);
  return it == attrs.end() ? nullptr : &it->second;
}

ValueId Graph::AddValue(Value v) {
  ValueId id = static_cast<ValueId>(values_.size());
  if (!v.name.empty()) by_name_.emplace(v.name, id);
  values_.push_back(std::move(v));
  return id;
}

ValueId Graph::FindValue(const std::string& name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? kNoValue : it->second;
}

std::string Graph::DescribeNode(size_t index) const {
  std::string s = "node " + std::to_string(index);
  if (index < nodes_.size()) {
    const Node& n = nodes_[index];
    s += " (" + n.op_type;
    if (!n.name.empty()) s += " '" + n.name + "'";
    s += ")";
  }
  return s;
}

StatusOr<std::vector<size_t>> Graph::TopologicalOrder() const {
  // producer[v] = node index producing v, or -1 for graph inputs / constants.
  std::vector<int64_t> producer(values_.size(), -1);
  for (size_t n = 0; n < nodes_.size(); ++n) {
    for (ValueId o : nodes_[n].outputs) {
      if (o == kNoValue) continue;
      if (producer[static_cast<size_t>(o)] != -1) {
        return MalformedError(DescribeNode(n) + ": output '" + value(o).name +
                              "' is also produced by " +
                              DescribeNode(static_cast<size_t>(producer[static_cast<size_t>(o)])));
      }
      producer[static_cast<size_t>(o)] = static_cast<int64_t>(n);
    }
  }
  std::vector<bool> available(values_.size(), false);
  for (ValueId in : inputs_) available[static_cast<size_t>(in)] = true;
  for (size_t v = 0; v < values_.size(); ++v) {
    if (values_[v].constant.has_value()) available[v] = true;
  }
  std::vector<int> pending(nodes_.size(), 0);
  std::vector<std::vector<size_t>> consumers(values_.size());
  for (size_t n = 0; n < nodes_.size(); ++n) {
    for (ValueId in : nodes_[n].inputs) {
      if (in == kNoValue) continue;
      size_t v = static_cast<size_t>(in);
      if (producer[v] >= 0) {
        ++pending[n];
        consumers[v].push_back(n);
      } else if (!available[v]) {
        return MalformedError(DescribeNode(n) + ": input '" + values_[v].name +
                              "' is not produced by any node, initializer or graph input");
      }
    }
  }
  std::deque<size_t> ready;
  for (size_t n = 0; n < nodes_.size(); ++n) {
    if (pending[n] == 0) ready.push_back(n);
  }
  std::vector<size_t> order;
  order.reserve(nodes_.size());
  while (!ready.empty()) {
    size_t n = ready.front();
    ready.pop_front();
    order.push_back(n);
    for (ValueId o : nodes_[n].outputs) {
      if (o == kNoValue) continue;
      for (size_t c : consumers[static_cast<size_t>(o)]) {
        if (--pending[c] == 0) ready.push_back(c);
      }
    }
  }
  if (order.size() != nodes_.size()) {
    for (size_t n = 0; n < nodes_.size(); ++n) {
      if (pending[n] > 0) {
        return MalformedError(DescribeNode(n) + " is part of a cycle (its inputs never become ready)");
      }
    }
  }
  for (ValueId out : outputs_) {
    size_t v = static_cast<size_t>(out);
    if (producer[v] < 0 && !available[v]) {
      return MalformedError("graph output '" + values_[v].name + "' is never produced");
    }
  }
  return order;
}

void Graph::RemoveDeadNodes() {
  std::vector<bool> needed(values_.size(), false);
  for (ValueId o : outputs_) needed[static_cast<size_t>(o)] = true;
  std::vector<bool> keep(nodes_.size(), false);
  // Walk backwards until nothing changes; node lists are short enough (hundreds) for this.
  bool changed = true;
  while (changed) {
    changed = false;
    for (size_t k = nodes_.size(); k-- > 0;) {
      if (keep[k]) continue;
      bool useful = false;
      for (ValueId o : nodes_[k].outputs) {
        if (o != kNoValue && needed[static_cast<size_t>(o)]) useful = true;
      }
      if (!useful) continue;
      keep[k] = true;
      changed = true;
      for (ValueId in : nodes_[k].inputs) {
        if (in != kNoValue) needed[static_cast<size_t>(in)] = true;
      }
    }
  }
  std::vector<Node> kept;
  for (size_t k = 0; k < nodes_.size(); ++k) {
    if (keep[k]) kept.push_back(std::move(nodes_[k]));
  }
  nodes_ = std::move(kept);
}

}  // namespace bgone::ir
