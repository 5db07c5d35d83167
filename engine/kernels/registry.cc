// TEMPORARY placeholder: the kernels work replaces this file.
#include "engine/kernels/op_registry.h"
namespace bgone {
const std::vector<OpSchema>& AllOpSchemas() { static std::vector<OpSchema> v; return v; }
const OpSchema* FindOpSchema(std::string_view, std::string_view) { return nullptr; }
}
