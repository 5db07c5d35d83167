// ONNX ModelProto -> ir::Graph. Field numbers follow onnx/onnx.proto (a public spec).
#include "engine/import/onnx_import.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <new>
#include <unordered_set>

#include "engine/import/protobuf_reader.h"
#include "engine/kernels/int4.h"

namespace bgone {

namespace {

using pb::Field;
using pb::Reader;
using pb::WireType;

// Paths like "graph.node[12].attribute[3]" make errors point at the bad field.
std::string Idx(const std::string& base, const char* field, size_t i) {
  return base + "." + field + "[" + std::to_string(i) + "]";
}

// ---- TensorProto ----------------------------------------------------------------------------

struct TensorFields {
  std::string name;
  std::vector<int64_t> dims;
  int64_t data_type = 0;
  const uint8_t* raw = nullptr;
  size_t raw_size = 0;
  bool has_raw = false;
  std::vector<uint32_t> float_data;   // bit patterns
  std::vector<int64_t> int32_data;    // also holds int8/16, uint8/16, bool, fp16 bits
  std::vector<int64_t> int64_data;
  std::vector<uint64_t> double_data;  // bit patterns
  std::vector<int64_t> uint64_data;
  bool external = false;
  bool has_strings = false;
  bool segmented = false;
};

Status ReadTensorFields(const Field& msg, const std::string& path, TensorFields* t) {
  Reader r = pb::SubReader(msg);
  while (!r.AtEnd()) {
    Field f;
    BG_RETURN_IF_ERROR(r.Next(&f).WithContext(path));
    switch (f.number) {
      case 1: BG_RETURN_IF_ERROR(pb::AppendVarints(f, "dims", &t->dims).WithContext(path)); break;
      case 2: BG_RETURN_IF_ERROR(pb::GetInt64(f, "data_type", &t->data_type).WithContext(path)); break;
      case 3: t->segmented = true; break;
      case 4: BG_RETURN_IF_ERROR(pb::AppendFixed32(f, "float_data", &t->float_data).WithContext(path)); break;
      case 5: BG_RETURN_IF_ERROR(pb::AppendVarints(f, "int32_data", &t->int32_data).WithContext(path)); break;
      case 6: t->has_strings = true; break;
      case 7: BG_RETURN_IF_ERROR(pb::AppendVarints(f, "int64_data", &t->int64_data).WithContext(path)); break;
      case 8: BG_RETURN_IF_ERROR(pb::GetString(f, "name", &t->name).WithContext(path)); break;
      case 9:
        BG_RETURN_IF_ERROR(pb::ExpectType(f, WireType::kLengthDelimited, "raw_data").WithContext(path));
        t->raw = f.data;
        t->raw_size = f.size;
        t->has_raw = true;
        break;
      case 10: BG_RETURN_IF_ERROR(pb::AppendFixed64(f, "double_data", &t->double_data).WithContext(path)); break;
      case 11: BG_RETURN_IF_ERROR(pb::AppendVarints(f, "uint64_data", &t->uint64_data).WithContext(path)); break;
      case 13: t->external = true; break;
      case 14: {
        int64_t loc = 0;
        BG_RETURN_IF_ERROR(pb::GetInt64(f, "data_location", &loc).WithContext(path));
        if (loc == 1) t->external = true;
        break;
      }
      default: break;  // doc_string and future fields
    }
  }
  return OkStatus();
}

template <typename Dst, typename Src>
void CopyConverted(const std::vector<Src>& src, Tensor* t) {
  Dst* d = t->data<Dst>();
  for (size_t i = 0; i < src.size(); ++i) d[i] = static_cast<Dst>(src[i]);
}

// ONNX's 4-bit types (IR version 10): two values per byte, the first in the low nibble.
constexpr int64_t kOnnxUInt4 = 21;
constexpr int64_t kOnnxInt4 = 22;

// A 4-bit initializer, unpacked at load into an int8 (INT4) or uint8 (UINT4) tensor of the same
// shape: the engine's ops see the values, one byte each (4-bit weights are dequantized or read by
// the kernels at 8 bits; the file keeps the compact form).
StatusOr<Tensor> BuildInt4Tensor(const TensorFields& tf, const std::string& where) {
  const bool is_signed = tf.data_type == kOnnxInt4;
  if (tf.external) return UnsupportedError(where + ": external tensor data is not supported");
  if (tf.segmented) return UnsupportedError(where + ": segmented tensors are not supported");
  if (!tf.has_raw) {
    return UnsupportedError(where + ": 4-bit tensors are read from raw_data only");
  }
  auto n_or = CheckedNumElements(tf.dims);
  if (!n_or.ok()) return n_or.status().WithContext(where + ".dims");
  const uint64_t n = static_cast<uint64_t>(*n_or);
  if (tf.raw_size != (n + 1) / 2) {
    return MalformedError(where + ": raw_data has " + std::to_string(tf.raw_size) + " bytes but dims " +
                          ShapeToString(tf.dims) + " of 4-bit values need " + std::to_string((n + 1) / 2));
  }
  auto t_or = Tensor::AllocateUninitialized(is_signed ? DType::kInt8 : DType::kUInt8, tf.dims);
  if (!t_or.ok()) return t_or.status().WithContext(where);
  Tensor t = std::move(t_or).value();
  kernels::UnpackInt4(tf.raw, n, is_signed, static_cast<uint8_t*>(t.raw()));
  return t;
}

// `owner`, when set, keeps the bytes tf.raw points into alive: raw data aligned to its element
// size then becomes a view of them instead of a copy.
StatusOr<Tensor> BuildTensor(const TensorFields& tf, const std::string& path,
                             const std::shared_ptr<const void>& owner) {
  std::string where = path + (tf.name.empty() ? "" : " ('" + tf.name + "')");
  if (tf.external) return UnsupportedError(where + ": external tensor data is not supported");
  if (tf.segmented) return UnsupportedError(where + ": segmented tensors are not supported");
  if (tf.data_type == kOnnxUInt4 || tf.data_type == kOnnxInt4) return BuildInt4Tensor(tf, where);
  if (tf.data_type > INT32_MAX || !IsKnownDType(static_cast<int32_t>(tf.data_type))) {
    return MalformedError(where + ": unknown data_type " + std::to_string(tf.data_type));
  }
  DType dtype = static_cast<DType>(tf.data_type);
  if (dtype == DType::kString || tf.has_strings) {
    return UnsupportedError(where + ": string tensors are not supported");
  }
  auto n_or = CheckedNumElements(tf.dims);
  if (!n_or.ok()) return n_or.status().WithContext(where + ".dims");
  uint64_t n = static_cast<uint64_t>(*n_or);
  size_t esize = DTypeSize(dtype);
  if (tf.has_raw) {
    // Compare sizes before allocating: a tiny file cannot make us allocate gigabytes.
    if (n > tf.raw_size / esize || n * esize != tf.raw_size) {
      return MalformedError(where + ": raw_data has " + std::to_string(tf.raw_size) + " bytes but dims " +
                            ShapeToString(tf.dims) + " of " + DTypeName(dtype) + " need " +
                            std::to_string(n * esize));
    }
    // Host is little-endian, like the format.
    bool aligned = reinterpret_cast<uintptr_t>(tf.raw) % esize == 0;
    auto t = owner != nullptr && aligned
                 ? Tensor::View(owner, tf.raw, tf.raw_size, dtype, tf.dims)
                 : Tensor::FromBytes(dtype, tf.dims, tf.raw, tf.raw_size);
    if (!t.ok()) return t.status().WithContext(where);
    return t;
  }
  size_t count = 0;
  const char* field = "";
  switch (dtype) {
    case DType::kFloat32: count = tf.float_data.size(); field = "float_data"; break;
    case DType::kInt64: count = tf.int64_data.size(); field = "int64_data"; break;
    case DType::kFloat64: count = tf.double_data.size(); field = "double_data"; break;
    case DType::kUInt32:
    case DType::kUInt64: count = tf.uint64_data.size(); field = "uint64_data"; break;
    default: count = tf.int32_data.size(); field = "int32_data"; break;
  }
  if (count != n) {
    return MalformedError(where + ": " + field + " has " + std::to_string(count) +
                          " values but dims " + ShapeToString(tf.dims) + " need " + std::to_string(n));
  }
  auto t_or = Tensor::Allocate(dtype, tf.dims);
  if (!t_or.ok()) return t_or.status().WithContext(where);
  Tensor t = std::move(t_or).value();
  switch (dtype) {
    case DType::kFloat32:
      if (n) std::memcpy(t.raw(), tf.float_data.data(), n * 4);
      break;
    case DType::kFloat64:
      if (n) std::memcpy(t.raw(), tf.double_data.data(), n * 8);
      break;
    case DType::kInt64: CopyConverted<int64_t>(tf.int64_data, &t); break;
    case DType::kUInt32: CopyConverted<uint32_t>(tf.uint64_data, &t); break;
    case DType::kUInt64: CopyConverted<uint64_t>(tf.uint64_data, &t); break;
    case DType::kInt32: CopyConverted<int32_t>(tf.int32_data, &t); break;
    case DType::kInt16: CopyConverted<int16_t>(tf.int32_data, &t); break;
    case DType::kInt8: CopyConverted<int8_t>(tf.int32_data, &t); break;
    case DType::kUInt16:
    case DType::kFloat16:
    case DType::kBFloat16: CopyConverted<uint16_t>(tf.int32_data, &t); break;
    case DType::kUInt8: CopyConverted<uint8_t>(tf.int32_data, &t); break;
    case DType::kBool: {
      uint8_t* d = t.data<uint8_t>();
      for (size_t i = 0; i < n; ++i) d[i] = tf.int32_data[i] != 0;
      break;
    }
    default: return UnsupportedError(where + ": data type " + DTypeName(dtype));
  }
  return t;
}

StatusOr<Tensor> ParseTensorField(const Field& f, const std::string& path, std::string* name,
                                  const std::shared_ptr<const void>& owner = nullptr) {
  BG_RETURN_IF_ERROR(pb::ExpectType(f, WireType::kLengthDelimited, "tensor").WithContext(path));
  TensorFields tf;
  BG_RETURN_IF_ERROR(ReadTensorFields(f, path, &tf));
  if (name) *name = tf.name;
  return BuildTensor(tf, path, owner);
}

// ---- ValueInfoProto -----------------------------------------------------------------------

struct ValueInfo {
  std::string name;
  DType dtype = DType::kUndefined;
  std::optional<Shape> shape;  // -1 for symbolic/unknown dims
  bool is_tensor = false;
};

Status ReadShape(const Field& f, const std::string& path, Shape* shape) {
  Reader r = pb::SubReader(f);
  while (!r.AtEnd()) {
    Field d;
    BG_RETURN_IF_ERROR(r.Next(&d).WithContext(path));
    if (d.number != 1) continue;
    BG_RETURN_IF_ERROR(pb::ExpectType(d, WireType::kLengthDelimited, "dim").WithContext(path));
    int64_t value = -1;
    Reader dr = pb::SubReader(d);
    while (!dr.AtEnd()) {
      Field x;
      BG_RETURN_IF_ERROR(dr.Next(&x).WithContext(path + ".dim"));
      if (x.number == 1) BG_RETURN_IF_ERROR(pb::GetInt64(x, "dim_value", &value).WithContext(path));
    }
    if (value < -1) return MalformedError(path + ": negative dim_value " + std::to_string(value));
    shape->push_back(value);
    if (shape->size() > static_cast<size_t>(kMaxRank)) {
      return UnsupportedError(path + ": rank above " + std::to_string(kMaxRank));
    }
  }
  return OkStatus();
}

Status ReadValueInfo(const Field& msg, const std::string& path, ValueInfo* vi) {
  BG_RETURN_IF_ERROR(pb::ExpectType(msg, WireType::kLengthDelimited, "value_info").WithContext(path));
  Reader r = pb::SubReader(msg);
  while (!r.AtEnd()) {
    Field f;
    BG_RETURN_IF_ERROR(r.Next(&f).WithContext(path));
    if (f.number == 1) {
      BG_RETURN_IF_ERROR(pb::GetString(f, "name", &vi->name).WithContext(path));
    } else if (f.number == 2) {
      BG_RETURN_IF_ERROR(pb::ExpectType(f, WireType::kLengthDelimited, "type").WithContext(path));
      Reader tr = pb::SubReader(f);
      while (!tr.AtEnd()) {
        Field t;
        BG_RETURN_IF_ERROR(tr.Next(&t).WithContext(path + ".type"));
        if (t.number != 1) continue;  // only tensor types are usable
        BG_RETURN_IF_ERROR(pb::ExpectType(t, WireType::kLengthDelimited, "tensor_type").WithContext(path));
        vi->is_tensor = true;
        Reader xr = pb::SubReader(t);
        while (!xr.AtEnd()) {
          Field x;
          BG_RETURN_IF_ERROR(xr.Next(&x).WithContext(path + ".type.tensor_type"));
          if (x.number == 1) {
            int64_t et = 0;
            BG_RETURN_IF_ERROR(pb::GetInt64(x, "elem_type", &et).WithContext(path));
            vi->dtype = (et >= 0 && et <= INT32_MAX && IsKnownDType(static_cast<int32_t>(et)))
                            ? static_cast<DType>(et)
                            : DType::kUndefined;
          } else if (x.number == 2) {
            BG_RETURN_IF_ERROR(pb::ExpectType(x, WireType::kLengthDelimited, "shape").WithContext(path));
            Shape s;
            BG_RETURN_IF_ERROR(ReadShape(x, path + ".type.tensor_type.shape", &s));
            vi->shape = std::move(s);
          }
        }
      }
    }
  }
  return OkStatus();
}

// ---- AttributeProto ----------------------------------------------------------------------

Status ReadAttribute(const Field& msg, const std::string& path, std::string* name,
                     ir::Attribute* a) {
  BG_RETURN_IF_ERROR(pb::ExpectType(msg, WireType::kLengthDelimited, "attribute").WithContext(path));
  using K = ir::Attribute::Kind;
  int64_t type = 0;
  bool seen_f = false, seen_i = false, seen_s = false, seen_t = false, seen_g = false;
  bool seen_floats = false, seen_ints = false, seen_strings = false, seen_other = false;
  std::vector<uint32_t> float_bits;
  Reader r = pb::SubReader(msg);
  while (!r.AtEnd()) {
    Field f;
    BG_RETURN_IF_ERROR(r.Next(&f).WithContext(path));
    switch (f.number) {
      case 1: BG_RETURN_IF_ERROR(pb::GetString(f, "name", name).WithContext(path)); break;
      case 20: BG_RETURN_IF_ERROR(pb::GetInt64(f, "type", &type).WithContext(path)); break;
      case 2: BG_RETURN_IF_ERROR(pb::GetFloat(f, "f", &a->f).WithContext(path)); seen_f = true; break;
      case 3: BG_RETURN_IF_ERROR(pb::GetInt64(f, "i", &a->i).WithContext(path)); seen_i = true; break;
      case 4: BG_RETURN_IF_ERROR(pb::GetString(f, "s", &a->s).WithContext(path)); seen_s = true; break;
      case 5: {
        BG_ASSIGN_OR_RETURN(Tensor t, ParseTensorField(f, path + ".t", nullptr));
        a->t = std::move(t);
        seen_t = true;
        break;
      }
      case 6: seen_g = true; break;
      case 7:
        BG_RETURN_IF_ERROR(pb::AppendFixed32(f, "floats", &float_bits).WithContext(path));
        seen_floats = true;
        break;
      case 8: BG_RETURN_IF_ERROR(pb::AppendVarints(f, "ints", &a->ints).WithContext(path)); seen_ints = true; break;
      case 9: {
        std::string s;
        BG_RETURN_IF_ERROR(pb::GetString(f, "strings", &s).WithContext(path));
        a->strings.push_back(std::move(s));
        seen_strings = true;
        break;
      }
      case 10: case 11: case 22: case 23: case 14: case 15: seen_other = true; break;
      case 21: return UnsupportedError(path + ": attribute references (ref_attr_name) are not supported");
      default: break;
    }
  }
  a->floats.resize(float_bits.size());
  if (!float_bits.empty()) std::memcpy(a->floats.data(), float_bits.data(), float_bits.size() * 4);
  switch (type) {
    case 1: a->kind = K::kFloat; break;
    case 2: a->kind = K::kInt; break;
    case 3: a->kind = K::kString; break;
    case 4: a->kind = K::kTensor; break;
    case 5: a->kind = K::kGraph; break;
    case 6: a->kind = K::kFloats; break;
    case 7: a->kind = K::kInts; break;
    case 8: a->kind = K::kStrings; break;
    case 0:  // old files omit the type: take it from the field that is set
      if (seen_f) a->kind = K::kFloat;
      else if (seen_i) a->kind = K::kInt;
      else if (seen_s) a->kind = K::kString;
      else if (seen_t) a->kind = K::kTensor;
      else if (seen_g) a->kind = K::kGraph;
      else if (seen_floats) a->kind = K::kFloats;
      else if (seen_ints) a->kind = K::kInts;
      else if (seen_strings) a->kind = K::kStrings;
      else if (seen_other) a->kind = K::kUndefined;
      else return MalformedError(path + " ('" + *name + "'): attribute has no type and no value");
      break;
    default: a->kind = K::kUndefined; break;  // tensors, graphs, sparse: rejected by ops that see them
  }
  if (name->empty()) return MalformedError(path + ": attribute without a name");
  if (a->kind == K::kTensor && !a->t.has_value()) {
    return MalformedError(path + " ('" + *name + "'): tensor attribute without a tensor");
  }
  return OkStatus();
}

// ---- NodeProto --------------------------------------------------------------------------------

struct RawNode {
  std::string name, op_type, domain;
  std::vector<std::string> inputs, outputs;
  std::map<std::string, ir::Attribute> attrs;
};

Status ReadNode(const Field& msg, const std::string& path, RawNode* n) {
  BG_RETURN_IF_ERROR(pb::ExpectType(msg, WireType::kLengthDelimited, "node").WithContext(path));
  Reader r = pb::SubReader(msg);
  size_t attr_index = 0;
  while (!r.AtEnd()) {
    Field f;
    BG_RETURN_IF_ERROR(r.Next(&f).WithContext(path));
    std::string s;
    switch (f.number) {
      case 1: BG_RETURN_IF_ERROR(pb::GetString(f, "input", &s).WithContext(path)); n->inputs.push_back(s); break;
      case 2: BG_RETURN_IF_ERROR(pb::GetString(f, "output", &s).WithContext(path)); n->outputs.push_back(s); break;
      case 3: BG_RETURN_IF_ERROR(pb::GetString(f, "name", &n->name).WithContext(path)); break;
      case 4: BG_RETURN_IF_ERROR(pb::GetString(f, "op_type", &n->op_type).WithContext(path)); break;
      case 7: BG_RETURN_IF_ERROR(pb::GetString(f, "domain", &n->domain).WithContext(path)); break;
      case 5: {
        std::string aname;
        ir::Attribute a;
        BG_RETURN_IF_ERROR(ReadAttribute(f, Idx(path, "attribute", attr_index++), &aname, &a));
        if (!n->attrs.emplace(aname, std::move(a)).second) {
          return MalformedError(path + ": attribute '" + aname + "' appears twice");
        }
        break;
      }
      default: break;
    }
  }
  if (n->op_type.empty()) return MalformedError(path + ": node has no op_type");
  if (n->domain == "ai.onnx") n->domain.clear();
  return OkStatus();
}

// ---- GraphProto -> ir::Graph ----------------------------------------------------------------

Status BuildGraph(const Field& graph_field, ir::Graph* g, const std::shared_ptr<const void>& owner) {
  const std::string path = "graph";
  BG_RETURN_IF_ERROR(pb::ExpectType(graph_field, WireType::kLengthDelimited, "graph").WithContext("model"));
  std::vector<RawNode> nodes;
  std::vector<ValueInfo> inputs, outputs;
  size_t n_init = 0;
  std::unordered_set<std::string> initializer_names;
  Reader r = pb::SubReader(graph_field);
  while (!r.AtEnd()) {
    Field f;
    BG_RETURN_IF_ERROR(r.Next(&f).WithContext(path));
    switch (f.number) {
      case 1: {
        RawNode n;
        BG_RETURN_IF_ERROR(ReadNode(f, Idx(path, "node", nodes.size()), &n));
        nodes.push_back(std::move(n));
        break;
      }
      case 5: {
        std::string ipath = Idx(path, "initializer", n_init++);
        std::string name;
        BG_ASSIGN_OR_RETURN(Tensor t, ParseTensorField(f, ipath, &name, owner));
        if (name.empty()) return MalformedError(ipath + ": initializer without a name");
        if (g->FindValue(name) != ir::kNoValue) {
          return MalformedError(ipath + ": initializer '" + name + "' defined twice");
        }
        ir::Value v;
        v.name = name;
        v.dtype = t.dtype();
        v.shape = t.shape();
        v.constant = std::move(t);
        g->AddValue(std::move(v));
        initializer_names.insert(name);
        break;
      }
      case 11: {
        ValueInfo vi;
        BG_RETURN_IF_ERROR(ReadValueInfo(f, Idx(path, "input", inputs.size()), &vi));
        inputs.push_back(std::move(vi));
        break;
      }
      case 12: {
        ValueInfo vi;
        BG_RETURN_IF_ERROR(ReadValueInfo(f, Idx(path, "output", outputs.size()), &vi));
        outputs.push_back(std::move(vi));
        break;
      }
      case 15: return UnsupportedError(path + ": sparse initializers are not supported");
      default: break;  // name, doc_string, value_info (re-inferred), quantization annotations
    }
  }
  // Graph inputs. Older exporters also list initializers as inputs; those stay constants.
  for (size_t i = 0; i < inputs.size(); ++i) {
    const ValueInfo& vi = inputs[i];
    std::string ipath = Idx(path, "input", i);
    if (vi.name.empty()) return MalformedError(ipath + ": graph input without a name");
    if (initializer_names.count(vi.name)) continue;
    if (g->FindValue(vi.name) != ir::kNoValue) {
      return MalformedError(ipath + ": graph input '" + vi.name + "' listed twice");
    }
    if (!vi.is_tensor) return UnsupportedError(ipath + " ('" + vi.name + "'): only tensor inputs are supported");
    if (vi.dtype == DType::kUndefined || DTypeSize(vi.dtype) == 0) {
      return UnsupportedError(ipath + " ('" + vi.name + "'): unsupported element type");
    }
    ir::Value v;
    v.name = vi.name;
    v.dtype = vi.dtype;
    v.shape = vi.shape;
    g->inputs().push_back(g->AddValue(std::move(v)));
  }
  // Nodes. Values may be referenced before the node producing them appears (unsorted files);
  // TopologicalOrder() later rejects anything never produced and any cycle.
  std::unordered_set<std::string> produced(initializer_names);
  for (ir::ValueId in : g->inputs()) produced.insert(g->value(in).name);
  auto get_or_add = [&](const std::string& name) {
    ir::ValueId id = g->FindValue(name);
    if (id != ir::kNoValue) return id;
    ir::Value v;
    v.name = name;
    return g->AddValue(std::move(v));
  };
  g->nodes().reserve(nodes.size());
  for (size_t k = 0; k < nodes.size(); ++k) {
    RawNode& rn = nodes[k];
    ir::Node node;
    node.name = std::move(rn.name);
    node.op_type = std::move(rn.op_type);
    node.domain = std::move(rn.domain);
    node.attrs = std::move(rn.attrs);
    for (const std::string& in : rn.inputs) {
      node.inputs.push_back(in.empty() ? ir::kNoValue : get_or_add(in));
    }
    for (const std::string& out : rn.outputs) {
      if (out.empty()) {
        node.outputs.push_back(ir::kNoValue);
        continue;
      }
      if (!produced.insert(out).second) {
        std::string desc = "node " + std::to_string(k) + " (" + node.op_type + ")";
        return MalformedError(desc + ": output '" + out +
                              "' is already defined by an initializer, graph input or another node");
      }
      node.outputs.push_back(get_or_add(out));
    }
    g->nodes().push_back(std::move(node));
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    ir::ValueId id = g->FindValue(outputs[i].name);
    if (outputs[i].name.empty() || id == ir::kNoValue || !produced.count(outputs[i].name)) {
      return MalformedError(Idx(path, "output", i) + ": graph output '" + outputs[i].name +
                            "' is not produced by the graph");
    }
    g->outputs().push_back(id);
  }
  if (g->outputs().empty()) return MalformedError(path + ": the graph has no outputs");
  auto order = g->TopologicalOrder();
  if (!order.ok()) return order.status();
  return OkStatus();
}

}  // namespace

StatusOr<Tensor> ParseOnnxTensor(const uint8_t* data, size_t size, std::string* name) {
  Field f;
  f.type = WireType::kLengthDelimited;
  f.data = data;
  f.size = size;
  return ParseTensorField(f, "tensor", name);
}

StatusOr<ir::Graph> ImportOnnxModel(const uint8_t* data, size_t size,
                                    std::shared_ptr<const void> owner) {
  if (data == nullptr || size == 0) return MalformedError("model: empty file");
  Reader r(data, size);
  bool have_graph = false;
  Field graph_field;
  int64_t opset = -1;
  size_t n_opset = 0;
  while (!r.AtEnd()) {
    Field f;
    BG_RETURN_IF_ERROR(r.Next(&f).WithContext("model"));
    if (f.number == 7) {
      if (have_graph) return MalformedError("model: more than one graph");
      BG_RETURN_IF_ERROR(pb::ExpectType(f, WireType::kLengthDelimited, "graph").WithContext("model"));
      graph_field = f;
      have_graph = true;
    } else if (f.number == 8) {
      std::string opath = Idx("model", "opset_import", n_opset++);
      BG_RETURN_IF_ERROR(pb::ExpectType(f, WireType::kLengthDelimited, "opset_import").WithContext(opath));
      std::string domain;
      int64_t version = -1;
      Reader orr = pb::SubReader(f);
      while (!orr.AtEnd()) {
        Field x;
        BG_RETURN_IF_ERROR(orr.Next(&x).WithContext(opath));
        if (x.number == 1) BG_RETURN_IF_ERROR(pb::GetString(x, "domain", &domain).WithContext(opath));
        if (x.number == 2) BG_RETURN_IF_ERROR(pb::GetInt64(x, "version", &version).WithContext(opath));
      }
      if (domain.empty() || domain == "ai.onnx") opset = version;
    }
  }
  if (!have_graph) return MalformedError("model: no graph (is this an ONNX file?)");
  if (opset < 0) return MalformedError("model: no opset_import for the default ONNX domain");
  if (opset < 7 || opset > 21) {
    return UnsupportedError("model: ONNX opset " + std::to_string(opset) +
                            " is not supported (supported: 7 to 21)");
  }
  ir::Graph g;
  g.set_opset(opset);
  BG_RETURN_IF_ERROR(BuildGraph(graph_field, &g, owner));
  return g;
}

StatusOr<SharedBytes> ReadFileShared(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return IoError("cannot open '" + path + "': " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return IoError("'" + path + "' is not a regular file");
  FILE* fp = std::fopen(path.c_str(), "rb");
  if (fp == nullptr) return IoError("cannot open '" + path + "': " + std::strerror(errno));
  const size_t want = static_cast<size_t>(st.st_size);
  // Read straight into an uninitialised buffer: one pass over the memory, not a zero-fill first.
  std::shared_ptr<uint8_t> buf(new (std::nothrow) uint8_t[want > 0 ? want : 1], std::default_delete<uint8_t[]>());
  if (buf == nullptr) {
    std::fclose(fp);
    return ResourceExhaustedError("out of memory reading '" + path + "' (" + std::to_string(want) + " bytes)");
  }
  size_t got = 0;
  while (got < want) {
    size_t n = std::fread(buf.get() + got, 1, want - got, fp);
    if (n == 0) break;
    got += n;
  }
  bool failed = std::ferror(fp) != 0;
  bool grew = !failed && got == want && std::fgetc(fp) != EOF;
  std::fclose(fp);
  if (failed) return IoError("error reading '" + path + "'");
  if (got != want || grew) return IoError("'" + path + "' changed while it was being read");
  return SharedBytes{std::shared_ptr<const uint8_t>(std::move(buf)), got};
}

StatusOr<std::vector<uint8_t>> ReadFileBytes(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return IoError("cannot open '" + path + "': " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return IoError("'" + path + "' is not a regular file");
  FILE* fp = std::fopen(path.c_str(), "rb");
  if (fp == nullptr) return IoError("cannot open '" + path + "': " + std::strerror(errno));
  std::vector<uint8_t> bytes;
  bytes.reserve(static_cast<size_t>(st.st_size));
  uint8_t buf[1 << 16];
  for (;;) {
    size_t got = std::fread(buf, 1, sizeof(buf), fp);
    bytes.insert(bytes.end(), buf, buf + got);
    if (got < sizeof(buf)) break;
  }
  bool failed = std::ferror(fp) != 0;
  std::fclose(fp);
  if (failed) return IoError("error reading '" + path + "'");
  return bytes;
}

}  // namespace bgone
