// The operator table and attribute helpers. Each op family lives in its own file and appends its
// schemas here; the table is built once on first use.
#include <algorithm>
#include <string>

#include "engine/kernels/kernel_util.h"
#include "engine/kernels/op_registry.h"

namespace bgone {

namespace {

std::vector<OpSchema> BuildTable() {
  std::vector<OpSchema> v;
  kernels::AppendConvSchemas(&v);
  kernels::AppendQuantSchemas(&v);
  kernels::AppendMatMulSchemas(&v);
  kernels::AppendElementwiseSchemas(&v);
  kernels::AppendCastSchemas(&v);
  kernels::AppendPoolSchemas(&v);
  kernels::AppendResizeSchemas(&v);
  kernels::AppendTensorSchemas(&v);
  kernels::AppendLayoutSchemas(&v);
  std::sort(v.begin(), v.end(), [](const OpSchema& a, const OpSchema& b) {
    return a.domain != b.domain ? a.domain < b.domain : a.op_type < b.op_type;
  });
  return v;
}

Status WrongKind(const std::string& name, const ir::Attribute& a, ir::Attribute::Kind want) {
  return MalformedError("attribute '" + name + "' is " + ir::AttributeKindName(a.kind) +
                        ", expected " + ir::AttributeKindName(want));
}

}  // namespace

const std::vector<OpSchema>& AllOpSchemas() {
  static const std::vector<OpSchema> table = BuildTable();
  return table;
}

const OpSchema* FindOpSchema(std::string_view domain, std::string_view op_type) {
  if (domain == "ai.onnx") domain = "";
  const auto& table = AllOpSchemas();
  auto it = std::lower_bound(table.begin(), table.end(), std::make_pair(domain, op_type),
                             [](const OpSchema& s, const std::pair<std::string_view, std::string_view>& k) {
                               return s.domain != k.first ? s.domain < k.first : s.op_type < k.second;
                             });
  if (it == table.end() || it->domain != domain || it->op_type != op_type) return nullptr;
  return &*it;
}

StatusOr<int64_t> AttrInt(const ir::Node& node, const std::string& name, int64_t default_value) {
  const ir::Attribute* a = node.FindAttr(name);
  if (a == nullptr) return default_value;
  if (a->kind != ir::Attribute::Kind::kInt) return WrongKind(name, *a, ir::Attribute::Kind::kInt);
  return a->i;
}

StatusOr<float> AttrFloat(const ir::Node& node, const std::string& name, float default_value) {
  const ir::Attribute* a = node.FindAttr(name);
  if (a == nullptr) return default_value;
  if (a->kind != ir::Attribute::Kind::kFloat) {
    return WrongKind(name, *a, ir::Attribute::Kind::kFloat);
  }
  return a->f;
}

StatusOr<std::string> AttrString(const ir::Node& node, const std::string& name,
                                 const std::string& default_value) {
  const ir::Attribute* a = node.FindAttr(name);
  if (a == nullptr) return default_value;
  if (a->kind != ir::Attribute::Kind::kString) {
    return WrongKind(name, *a, ir::Attribute::Kind::kString);
  }
  return a->s;
}

StatusOr<std::vector<int64_t>> AttrInts(const ir::Node& node, const std::string& name,
                                        const std::vector<int64_t>& default_value) {
  const ir::Attribute* a = node.FindAttr(name);
  if (a == nullptr) return default_value;
  if (a->kind != ir::Attribute::Kind::kInts) {
    return WrongKind(name, *a, ir::Attribute::Kind::kInts);
  }
  return a->ints;
}

StatusOr<std::vector<float>> AttrFloats(const ir::Node& node, const std::string& name,
                                        const std::vector<float>& default_value) {
  const ir::Attribute* a = node.FindAttr(name);
  if (a == nullptr) return default_value;
  if (a->kind != ir::Attribute::Kind::kFloats) {
    return WrongKind(name, *a, ir::Attribute::Kind::kFloats);
  }
  return a->floats;
}

Status CheckKnownAttrs(const ir::Node& node, std::initializer_list<std::string_view> known) {
  for (const auto& [name, attr] : node.attrs) {
    if (std::find(known.begin(), known.end(), std::string_view(name)) == known.end()) {
      return UnsupportedError("unsupported attribute '" + name + "'");
    }
  }
  return OkStatus();
}

}  // namespace bgone
