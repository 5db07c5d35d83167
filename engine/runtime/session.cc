#include "engine/runtime/session.h"

#include <new>

#include "engine/common/load_profile.h"
#include "engine/import/onnx_import.h"
#include "engine/import/tflite_import.h"
#include "engine/passes/passes.h"
#include "engine/plan/plan.h"

namespace bgone {

namespace {
TensorInfo InfoOf(const ir::Value& v) {
  TensorInfo info;
  info.name = v.name;
  info.dtype = v.dtype;
  if (v.shape.has_value()) info.shape = *v.shape;
  return info;
}
}  // namespace

StatusOr<std::shared_ptr<const Model>> Model::FromGraph(ir::Graph graph) {
  BG_RETURN_IF_ERROR(passes::CheckOpsSupported(graph));
  auto order = graph.TopologicalOrder();
  if (!order.ok()) return order.status();
  auto model = std::shared_ptr<Model>(new Model());
  model->graph_ = std::move(graph);
  return std::shared_ptr<const Model>(std::move(model));
}

StatusOr<std::shared_ptr<const Model>> Model::FromBytes(const uint8_t* data, size_t size) {
  try {
    LoadStopwatch watch;
    BG_ASSIGN_OR_RETURN(ir::Graph graph, LooksLikeTflite(data, size) ? ImportTfliteModel(data, size)
                                                                     : ImportOnnxModel(data, size));
    watch.Lap("import");
    return FromGraph(std::move(graph));
  } catch (const std::bad_alloc&) {
    return ResourceExhaustedError("out of memory while loading the model");
  }
}

StatusOr<std::shared_ptr<const Model>> Model::FromSharedBytes(std::shared_ptr<const void> owner,
                                                              const uint8_t* data, size_t size) {
  try {
    LoadStopwatch watch;
    BG_ASSIGN_OR_RETURN(ir::Graph graph, LooksLikeTflite(data, size)
                                             ? ImportTfliteModel(data, size)
                                             : ImportOnnxModel(data, size, std::move(owner)));
    watch.Lap("import");
    return FromGraph(std::move(graph));
  } catch (const std::bad_alloc&) {
    return ResourceExhaustedError("out of memory while loading the model");
  }
}

StatusOr<std::shared_ptr<const Model>> Model::FromFile(const std::string& path) {
  try {
    BG_ASSIGN_OR_RETURN(SharedBytes bytes, ReadFileShared(path));
    auto model = FromSharedBytes(bytes.data, bytes.data.get(), bytes.size);
    if (!model.ok()) return model.status().WithContext(path);
    return model;
  } catch (const std::bad_alloc&) {
    return ResourceExhaustedError("out of memory while reading '" + path + "'");
  }
}

std::vector<TensorInfo> Model::inputs() const {
  std::vector<TensorInfo> r;
  for (ir::ValueId id : graph_.inputs()) r.push_back(InfoOf(graph_.value(id)));
  return r;
}

std::vector<TensorInfo> Model::outputs() const {
  std::vector<TensorInfo> r;
  for (ir::ValueId id : graph_.outputs()) r.push_back(InfoOf(graph_.value(id)));
  return r;
}

Session::~Session() = default;

StatusOr<std::unique_ptr<Session>> Session::Create(std::shared_ptr<const Model> model,
                                                   const std::vector<Shape>& input_shapes,
                                                   const SessionOptions& options) {
  if (model == nullptr) return InvalidArgumentError("no model");
  try {
    LoadStopwatch watch;
    auto session = std::unique_ptr<Session>(new Session());
    // The session shares the tensors it still needs with the model but does not keep the model:
    // a caller that drops its reference frees the weights the plan replaced (e.g. fp16 ones).
    ir::Graph g = model->graph();  // tensors are shared, not copied
    model.reset();  // if the caller handed over its reference, tensors die as passes replace them
    session->stats_.nodes_in_model = static_cast<int>(g.nodes().size());
    BG_RETURN_IF_ERROR(passes::SpecializeInputShapes(g, input_shapes));
    watch.Lap("specialize");
    BG_RETURN_IF_ERROR(passes::WidenFloat16(g));
    watch.Lap("widen fp16");
    if (options.fuse) {  // unfused sessions fold the dequantization (tests compare the two)
      int absorbed = 0;
      BG_RETURN_IF_ERROR(passes::AbsorbWeightDequantize(g, &absorbed));
      watch.Lap("absorb dequantize");
    }
    BG_RETURN_IF_ERROR(passes::PruneToOutputs(g, options.outputs));
    int folded = 0;
    BG_RETURN_IF_ERROR(passes::InferShapesAndFold(g, options.fold_constants, &folded));
    watch.Lap("shapes + fold");
    int bypassed = 0;
    BG_RETURN_IF_ERROR(passes::BypassIdentityCasts(g, &bypassed));
    watch.Lap("bypass casts");
    BG_RETURN_IF_ERROR(passes::PruneToOutputs(g, {}));
    if (options.fuse) {
      BG_RETURN_IF_ERROR(passes::FuseConvolutions(g, &session->stats_.fused_groups));
      watch.Lap("fuse");
      int refolded = 0;  // re-validates the fused nodes; nothing left to fold
      BG_RETURN_IF_ERROR(passes::InferShapesAndFold(g, false, &refolded));
      BG_RETURN_IF_ERROR(passes::PruneToOutputs(g, {}));
    }
    session->stats_.folded_nodes = folded;
    session->stats_.nodes_after_passes = static_cast<int>(g.nodes().size());
    for (int id = 0; id < g.num_values(); ++id) {
      if (g.value(id).constant.has_value()) session->stats_.weight_bytes += g.value(id).constant->bytes();
    }
    for (ir::ValueId id : g.inputs()) session->inputs_.push_back(InfoOf(g.value(id)));
    for (ir::ValueId id : g.outputs()) session->outputs_.push_back(InfoOf(g.value(id)));
    BG_ASSIGN_OR_RETURN(session->plan_, Plan::Build(std::move(g), options.prepare_pool));
    watch.Lap("plan + kernels");
    session->stats_.packed_constant_bytes_freed = session->plan_->constant_bytes_released();
    session->stats_.weight_bytes -= session->stats_.packed_constant_bytes_freed;
    const MemoryPlanStats& mem = session->plan_->memory();
    session->stats_.arena_bytes = mem.arena_bytes;
    session->stats_.peak_live_bytes = mem.peak_live_bytes;
    session->stats_.unplanned_bytes = mem.total_value_bytes;
    session->stats_.in_place_values = mem.in_place_values;
    session->stats_.concat_inputs_in_place = mem.concat_inputs_in_place;
    return session;
  } catch (const std::bad_alloc&) {
    return ResourceExhaustedError("out of memory while preparing the model");
  }
}

Status Session::Run(const std::vector<Tensor>& inputs, std::vector<Tensor>* outputs,
                    ThreadPool* pool, const std::function<void(double)>& progress) {
  if (outputs == nullptr) return InvalidArgumentError("outputs is null");
  try {
    return plan_->Execute(inputs, outputs, pool, progress);
  } catch (const std::bad_alloc&) {
    return ResourceExhaustedError("out of memory while running the model");
  }
}

}  // namespace bgone
