// TEMPORARY placeholder while the runtime is written.
#include "engine/runtime/session.h"
namespace bgone {
class Plan {};
StatusOr<std::shared_ptr<const Model>> Model::FromFile(const std::string&) { return UnsupportedError("not yet"); }
StatusOr<std::shared_ptr<const Model>> Model::FromBytes(const uint8_t*, size_t) { return UnsupportedError("not yet"); }
StatusOr<std::shared_ptr<const Model>> Model::FromGraph(ir::Graph) { return UnsupportedError("not yet"); }
std::vector<TensorInfo> Model::inputs() const { return {}; }
std::vector<TensorInfo> Model::outputs() const { return {}; }
StatusOr<std::unique_ptr<Session>> Session::Create(std::shared_ptr<const Model>, const std::vector<Shape>&, const SessionOptions&) { return UnsupportedError("not yet"); }
Session::~Session() = default;
Status Session::Run(const std::vector<Tensor>&, std::vector<Tensor>*, ThreadPool*) { return UnsupportedError("not yet"); }
}
