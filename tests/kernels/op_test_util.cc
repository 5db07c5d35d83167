#include "tests/kernels/op_test_util.h"

#include "engine/kernels/op_registry.h"

namespace bgone::testing {

ir::Attribute AttrI(int64_t v) {
  ir::Attribute a;
  a.kind = ir::Attribute::Kind::kInt;
  a.i = v;
  return a;
}
ir::Attribute AttrF(float v) {
  ir::Attribute a;
  a.kind = ir::Attribute::Kind::kFloat;
  a.f = v;
  return a;
}
ir::Attribute AttrS(const std::string& v) {
  ir::Attribute a;
  a.kind = ir::Attribute::Kind::kString;
  a.s = v;
  return a;
}
ir::Attribute AttrIs(const std::vector<int64_t>& v) {
  ir::Attribute a;
  a.kind = ir::Attribute::Kind::kInts;
  a.ints = v;
  return a;
}
ir::Attribute AttrFs(const std::vector<float>& v) {
  ir::Attribute a;
  a.kind = ir::Attribute::Kind::kFloats;
  a.floats = v;
  return a;
}
ir::Attribute AttrT(const Tensor& t) {
  ir::Attribute a;
  a.kind = ir::Attribute::Kind::kTensor;
  a.t = t;
  return a;
}

StatusOr<std::vector<Tensor>> RunOp(const OpSpec& spec, ThreadPool* pool) {
  const OpSchema* schema = FindOpSchema(spec.domain, spec.op_type);
  if (schema == nullptr) return UnsupportedError("no schema for " + spec.op_type);
  ir::Graph g;
  g.set_opset(spec.opset);
  ir::Node node;
  node.op_type = spec.op_type;
  node.domain = spec.domain;
  node.attrs = spec.attrs;
  for (size_t i = 0; i < spec.inputs.size(); ++i) {
    const OpInput& in = spec.inputs[i];
    if (in.omitted) {
      node.inputs.push_back(ir::kNoValue);
      continue;
    }
    ir::Value v;
    v.name = "in" + std::to_string(i);
    v.dtype = in.tensor.dtype();
    v.shape = in.tensor.shape();
    if (in.constant) v.constant = in.tensor;
    node.inputs.push_back(g.AddValue(v));
  }
  for (int i = 0; i < spec.num_outputs; ++i) {
    ir::Value v;
    v.name = "out" + std::to_string(i);
    node.outputs.push_back(g.AddValue(v));
  }
  g.nodes().push_back(node);
  InferContext ctx(g, 0);
  BG_RETURN_IF_ERROR(schema->infer(ctx));
  std::vector<Tensor> outs;
  if (schema->output_is_view_of_input0) {
    outs.push_back(spec.inputs[0].tensor.Reshaped(ctx.output_shape(0)));
    return outs;
  }
  if (schema->create == nullptr) return InternalError("no create");
  BG_ASSIGN_OR_RETURN(std::unique_ptr<Kernel> kernel, schema->create(ctx));
  KernelContext kc;
  kc.pool = pool;
  for (const OpInput& in : spec.inputs) kc.inputs.push_back(in.omitted ? nullptr : &in.tensor);
  outs.resize(static_cast<size_t>(spec.num_outputs));
  for (int i = 0; i < spec.num_outputs; ++i) {
    BG_ASSIGN_OR_RETURN(outs[static_cast<size_t>(i)],
                        Tensor::Allocate(ctx.output_dtype(i), ctx.output_shape(i)));
  }
  for (Tensor& t : outs) kc.outputs.push_back(&t);
  BG_RETURN_IF_ERROR(kernel->Run(kc));
  return outs;
}

}  // namespace bgone::testing
