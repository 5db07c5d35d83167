// A tiny protobuf wire-format writer for building (and breaking) ONNX models in tests.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace bgone::testing {

class PbWriter {
 public:
  PbWriter& Varint(uint32_t field, uint64_t v) {
    Tag(field, 0);
    Raw(v);
    return *this;
  }
  PbWriter& Fixed32(uint32_t field, float f) {
    Tag(field, 5);
    uint32_t b;
    std::memcpy(&b, &f, 4);
    for (int i = 0; i < 4; ++i) bytes_.push_back(static_cast<uint8_t>(b >> (8 * i)));
    return *this;
  }
  PbWriter& Bytes(uint32_t field, const std::string& s) {
    Tag(field, 2);
    Raw(s.size());
    bytes_.insert(bytes_.end(), s.begin(), s.end());
    return *this;
  }
  PbWriter& Message(uint32_t field, const PbWriter& m) { return Bytes(field, m.str()); }
  PbWriter& PackedVarints(uint32_t field, const std::vector<int64_t>& v) {
    PbWriter p;
    for (int64_t x : v) p.Raw(static_cast<uint64_t>(x));
    return Bytes(field, p.str());
  }
  // Appends raw bytes (for deliberately broken encodings).
  PbWriter& Append(const std::string& raw) {
    bytes_.insert(bytes_.end(), raw.begin(), raw.end());
    return *this;
  }
  std::string str() const { return std::string(bytes_.begin(), bytes_.end()); }

  void Tag(uint32_t field, int wire) { Raw(static_cast<uint64_t>(field) << 3 | static_cast<uint64_t>(wire)); }
  void Raw(uint64_t v) {
    while (v >= 0x80) {
      bytes_.push_back(static_cast<uint8_t>(v | 0x80));
      v >>= 7;
    }
    bytes_.push_back(static_cast<uint8_t>(v));
  }

 private:
  std::vector<uint8_t> bytes_;
};

// ONNX helpers (field numbers from onnx.proto).
inline PbWriter TensorTypeValueInfo(const std::string& name, int elem_type, const std::vector<int64_t>& dims) {
  PbWriter shape;
  for (int64_t d : dims) shape.Message(1, PbWriter().Varint(1, static_cast<uint64_t>(d)));
  PbWriter tensor_type;
  tensor_type.Varint(1, static_cast<uint64_t>(elem_type)).Message(2, shape);
  PbWriter type;
  type.Message(1, tensor_type);
  PbWriter vi;
  vi.Bytes(1, name).Message(2, type);
  return vi;
}

inline PbWriter FloatTensor(const std::string& name, const std::vector<int64_t>& dims,
                            const std::vector<float>& values) {
  PbWriter t;
  t.PackedVarints(1, dims).Varint(2, 1).Bytes(8, name);
  std::string raw(values.size() * 4, '\0');
  if (!values.empty()) std::memcpy(raw.data(), values.data(), raw.size());
  t.Bytes(9, raw);
  return t;
}

inline PbWriter Node(const std::string& op, const std::vector<std::string>& inputs,
                     const std::vector<std::string>& outputs, const std::string& name = "") {
  PbWriter n;
  for (const auto& i : inputs) n.Bytes(1, i);
  for (const auto& o : outputs) n.Bytes(2, o);
  if (!name.empty()) n.Bytes(3, name);
  n.Bytes(4, op);
  return n;
}

inline std::string Model(const PbWriter& graph, int64_t opset = 15) {
  PbWriter m;
  m.Varint(1, 8).Message(8, PbWriter().Bytes(1, "").Varint(2, static_cast<uint64_t>(opset))).Message(7, graph);
  return m.str();
}

}  // namespace bgone::testing
