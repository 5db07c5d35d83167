// Runs one operator through its schema (infer, create, Run) without a Session, for kernel tests.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "engine/common/status.h"
#include "engine/common/tensor.h"
#include "engine/ir/graph.h"
#include "engine/runtime/thread_pool.h"

namespace bgone::testing {

struct OpInput {
  Tensor tensor;
  bool constant = false;  // visible to infer/create as a constant (e.g. weights, shapes)
  bool omitted = false;   // an empty optional input
};

struct OpSpec {
  std::string op_type;
  std::string domain;
  int64_t opset = 17;
  std::map<std::string, ir::Attribute> attrs;
  std::vector<OpInput> inputs;
  int num_outputs = 1;
};

ir::Attribute AttrI(int64_t v);
ir::Attribute AttrF(float v);
ir::Attribute AttrS(const std::string& v);
ir::Attribute AttrIs(const std::vector<int64_t>& v);
ir::Attribute AttrFs(const std::vector<float>& v);
ir::Attribute AttrT(const Tensor& t);

// Infers, creates and runs the op; returns its outputs.
StatusOr<std::vector<Tensor>> RunOp(const OpSpec& spec, ThreadPool* pool = nullptr);

template <typename T>
Tensor MakeTensor(DType dtype, const Shape& shape, const std::vector<T>& v) {
  return Tensor::FromVector(dtype, shape, v).value();
}

}  // namespace bgone::testing
