#include "engine/import/tflite_import.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

namespace bgone {
namespace {

// ---------------------------------------------------------------------------------------------
// FlatBuffers, read-only. A table starts with a signed 32-bit offset back to its vtable; the
// vtable holds its own size, the table's size and one 16-bit offset per field (0: absent). Fields
// that refer to strings, vectors and tables hold an unsigned 32-bit offset from the field itself.
// Every read below checks its bytes lie inside the file (and a field inside its table).

class FlatFile {
 public:
  FlatFile(const uint8_t* data, size_t size) : d_(data), n_(size) {}

  struct Table {
    uint64_t pos = 0;
    uint64_t vtable = 0;
    uint32_t vtable_size = 0;
    uint32_t table_size = 0;
  };
  struct Vec {
    uint64_t first = 0;  // position of element 0
    uint32_t length = 0;
  };

  size_t size() const { return n_; }
  const uint8_t* data() const { return d_; }

  StatusOr<Table> Root() const {
    if (n_ < 8) return MalformedError("file too short for a FlatBuffer");
    return TableAt(U32(0), "model");
  }

  StatusOr<Table> TableAt(uint64_t pos, const std::string& what) const {
    if (pos + 4 > n_) return MalformedError(what + ": table offset " + std::to_string(pos) + " is past the end of the file");
    const int64_t back = static_cast<int32_t>(U32(pos));
    const int64_t vt = static_cast<int64_t>(pos) - back;
    if (vt < 0 || static_cast<uint64_t>(vt) + 4 > n_) return MalformedError(what + ": vtable outside the file");
    Table t;
    t.pos = pos;
    t.vtable = static_cast<uint64_t>(vt);
    t.vtable_size = U16(t.vtable);
    t.table_size = U16(t.vtable + 2);
    if (t.vtable_size < 4 || (t.vtable_size & 1) || t.vtable + t.vtable_size > n_)
      return MalformedError(what + ": bad vtable size " + std::to_string(t.vtable_size));
    if (t.table_size < 4 || t.pos + t.table_size > n_)
      return MalformedError(what + ": table of " + std::to_string(t.table_size) + " bytes runs past the end of the file");
    return t;
  }

  // Position of field `index` in the table, or 0 when absent; checks `bytes` fit in the table.
  StatusOr<uint64_t> Field(const Table& t, int index, uint32_t bytes, const std::string& what) const {
    const uint64_t slot = 4 + 2 * static_cast<uint64_t>(index);
    if (slot + 2 > t.vtable_size) return uint64_t{0};
    const uint32_t off = U16(t.vtable + slot);
    if (off == 0) return uint64_t{0};
    if (off < 4 || off + bytes > t.table_size) return MalformedError(what + ": field outside its table");
    return t.pos + off;
  }

  template <typename T>
  StatusOr<T> Scalar(const Table& t, int index, T default_value, const std::string& what) const {
    BG_ASSIGN_OR_RETURN(uint64_t at, Field(t, index, sizeof(T), what));
    if (at == 0) return default_value;
    T v;
    std::memcpy(&v, d_ + at, sizeof(T));
    return v;
  }

  // Target of an offset field, or 0 when the field is absent.
  StatusOr<uint64_t> Target(const Table& t, int index, const std::string& what) const {
    BG_ASSIGN_OR_RETURN(uint64_t at, Field(t, index, 4, what));
    if (at == 0) return uint64_t{0};
    const uint64_t target = at + U32(at);
    if (target >= n_) return MalformedError(what + ": offset points past the end of the file");
    return target;
  }

  StatusOr<std::optional<Table>> SubTable(const Table& t, int index, const std::string& what) const {
    BG_ASSIGN_OR_RETURN(uint64_t target, Target(t, index, what));
    if (target == 0) return std::optional<Table>();
    BG_ASSIGN_OR_RETURN(Table sub, TableAt(target, what));
    return std::optional<Table>(sub);
  }

  StatusOr<Vec> VecAt(uint64_t pos, uint32_t elem_size, const std::string& what) const {
    if (pos + 4 > n_) return MalformedError(what + ": vector header past the end of the file");
    Vec v;
    v.length = U32(pos);
    v.first = pos + 4;
    if (v.first + static_cast<uint64_t>(v.length) * elem_size > n_)
      return MalformedError(what + ": vector of " + std::to_string(v.length) + " elements runs past the end of the file");
    return v;
  }

  // An absent vector reads as empty.
  StatusOr<Vec> Vector(const Table& t, int index, uint32_t elem_size, const std::string& what) const {
    BG_ASSIGN_OR_RETURN(uint64_t target, Target(t, index, what));
    if (target == 0) return Vec{};
    return VecAt(target, elem_size, what);
  }

  StatusOr<std::string> String(const Table& t, int index, const std::string& what) const {
    BG_ASSIGN_OR_RETURN(Vec v, Vector(t, index, 1, what));
    return std::string(reinterpret_cast<const char*>(d_ + v.first), v.length);
  }

  StatusOr<Table> TableIn(const Vec& v, uint32_t i, const std::string& what) const {
    const uint64_t at = v.first + 4 * static_cast<uint64_t>(i);
    return TableAt(at + U32(at), what);
  }

  template <typename T>
  T Elem(const Vec& v, uint32_t i) const {
    T x;
    std::memcpy(&x, d_ + v.first + sizeof(T) * static_cast<uint64_t>(i), sizeof(T));
    return x;
  }

  template <typename T>
  std::vector<T> Elems(const Vec& v) const {
    std::vector<T> out(v.length);
    if (v.length) std::memcpy(out.data(), d_ + v.first, sizeof(T) * v.length);
    return out;
  }

 private:
  uint32_t U32(uint64_t at) const {
    uint32_t v;
    std::memcpy(&v, d_ + at, 4);
    return v;
  }
  uint16_t U16(uint64_t at) const {
    uint16_t v;
    std::memcpy(&v, d_ + at, 2);
    return v;
  }

  const uint8_t* d_;
  size_t n_;
};

// ---------------------------------------------------------------------------------------------
// TFLite schema facts (tensorflow/lite/schema/schema.fbs): field indices and enum values.

enum ModelField { kModelVersion = 0, kModelOperatorCodes = 1, kModelSubgraphs = 2, kModelBuffers = 4 };
enum OpCodeField { kOpCodeDeprecatedBuiltin = 0, kOpCodeCustom = 1, kOpCodeBuiltin = 3 };
enum SubgraphField { kSgTensors = 0, kSgInputs = 1, kSgOutputs = 2, kSgOperators = 3 };
enum TensorField { kTensorShape = 0, kTensorType = 1, kTensorBuffer = 2, kTensorName = 3, kTensorQuantization = 4,
                   kTensorSparsity = 6 };
// SparsityParameters: traversal_order, block_map, dim_metadata. DimensionMetadata: format (0 DENSE,
// 1 SPARSE_CSR), dense_size, array_segments (union type, value), array_indices (union type,
// value); the union's members are Int32Vector (1), Uint16Vector (2), Uint8Vector (3), each a table
// whose field 0 is the values.
enum SparsityField { kSpTraversal = 0, kSpBlockMap = 1, kSpDimMetadata = 2 };
enum DimMetaField { kDmFormat = 0, kDmDenseSize = 1, kDmSegmentsType = 2, kDmSegments = 3, kDmIndicesType = 4, kDmIndices = 5 };
enum OperatorField { kOpIndex = 0, kOpInputs = 1, kOpOutputs = 2, kOpOptions = 4 };
enum BufferField { kBufferData = 0, kBufferOffset = 1, kBufferSize = 2 };

enum Builtin : int32_t {
  kAdd = 0, kConcatenation = 2, kConv2d = 3, kDepthwiseConv2d = 4, kDepthToSpace = 5, kDequantize = 6,
  kLogistic = 14, kMaxPool2d = 17, kMul = 18, kRelu = 19, kRelu6 = 21, kReshape = 22,
  kResizeBilinear = 23,
  kPad = 34, kPadV2 = 60, kDensify = 124,
};

enum Activation : int8_t { kActNone = 0, kActRelu = 1, kActReluN1To1 = 2, kActRelu6 = 3 };

const char* BuiltinName(int32_t code) {
  switch (code) {
    case 0: return "ADD";
    case 1: return "AVERAGE_POOL_2D";
    case 2: return "CONCATENATION";
    case 3: return "CONV_2D";
    case 4: return "DEPTHWISE_CONV_2D";
    case 5: return "DEPTH_TO_SPACE";
    case 6: return "DEQUANTIZE";
    case 9: return "FULLY_CONNECTED";
    case 14: return "LOGISTIC";
    case 17: return "MAX_POOL_2D";
    case 18: return "MUL";
    case 19: return "RELU";
    case 21: return "RELU6";
    case 22: return "RESHAPE";
    case 23: return "RESIZE_BILINEAR";
    case 25: return "SOFTMAX";
    case 28: return "TANH";
    case 32: return "CUSTOM";
    case 34: return "PAD";
    case 39: return "TRANSPOSE";
    case 60: return "PADV2";
    case 124: return "DENSIFY";
    case 67: return "TRANSPOSE_CONV";
    case 117: return "HARD_SWISH";
    default: return "builtin";
  }
}

StatusOr<DType> TfliteDType(int8_t t) {
  switch (t) {
    case 0: return DType::kFloat32;
    case 1: return DType::kFloat16;
    case 2: return DType::kInt32;
    case 3: return DType::kUInt8;
    case 4: return DType::kInt64;
    case 6: return DType::kBool;
    case 7: return DType::kInt16;
    case 9: return DType::kInt8;
    case 10: return DType::kFloat64;
    default: return UnsupportedError("tensor type " + std::to_string(t));
  }
}

// NHWC axis i is NCHW axis kNchwAxis[i]; NCHW axis j holds NHWC axis kNhwcAxis[j].
constexpr int kNchwAxis[4] = {0, 2, 3, 1};
constexpr int kNhwcAxis[4] = {0, 3, 1, 2};

// Element-size-generic transpose of a rank-4 tensor: out[n][c][h][w] = in[n][h][w][c].
Tensor NhwcToNchw(const Tensor& in) {
  const Shape& s = in.shape();
  const int64_t n = s[0], h = s[1], w = s[2], c = s[3];
  Tensor out = Tensor::AllocateUninitialized(in.dtype(), {n, c, h, w}).value();
  const size_t es = DTypeSize(in.dtype());
  const auto* src = static_cast<const uint8_t*>(in.raw());
  auto* dst = static_cast<uint8_t*>(out.raw());
  for (int64_t b = 0; b < n; ++b)
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x)
        for (int64_t ch = 0; ch < c; ++ch)
          std::memcpy(dst + (((b * c + ch) * h + y) * w + x) * es, src + (((b * h + y) * w + x) * c + ch) * es, es);
  return out;
}

struct TensorDesc {
  std::string name;
  Shape shape;  // TFLite order
  DType dtype = DType::kUndefined;
  bool quantized = false;
  std::optional<Tensor> constant;  // TFLite order; FLOAT16 constants are widened on DEQUANTIZE
  ir::ValueId id = ir::kNoValue;   // the IR value (rank 4: NCHW)
};

class Importer {
 public:
  explicit Importer(const FlatFile& f) : f_(f) {}

  StatusOr<ir::Graph> Run() {
    BG_ASSIGN_OR_RETURN(FlatFile::Table model, f_.Root());
    BG_ASSIGN_OR_RETURN(uint32_t version, f_.Scalar<uint32_t>(model, kModelVersion, 0, "model version"));
    if (version != 3) return UnsupportedError("TFLite schema version " + std::to_string(version) + " (expected 3)");
    BG_RETURN_IF_ERROR(ReadOpCodes(model));
    BG_RETURN_IF_ERROR(ReadBuffers(model));
    BG_ASSIGN_OR_RETURN(FlatFile::Vec subgraphs, f_.Vector(model, kModelSubgraphs, 4, "subgraphs"));
    if (subgraphs.length == 0) return MalformedError("the model has no subgraph");
    BG_ASSIGN_OR_RETURN(FlatFile::Table sg, f_.TableIn(subgraphs, 0, "subgraph 0"));
    BG_RETURN_IF_ERROR(ReadTensors(sg));
    graph_.set_opset(13);

    BG_ASSIGN_OR_RETURN(FlatFile::Vec inputs, f_.Vector(sg, kSgInputs, 4, "subgraph inputs"));
    for (uint32_t i = 0; i < inputs.length; ++i) {
      BG_ASSIGN_OR_RETURN(TensorDesc * t, TensorAt(f_.Elem<int32_t>(inputs, i), "subgraph input"));
      if (t->constant) continue;
      if (t->dtype != DType::kFloat32) return UnsupportedError("input '" + t->name + "' of type " + DTypeName(t->dtype) + " (only float32 inputs)");
      ir::Value v;
      v.name = UniqueName(t->name);
      v.dtype = t->dtype;
      v.shape = t->shape.size() == 4 ? Shape{t->shape[0], t->shape[3], t->shape[1], t->shape[2]} : t->shape;
      t->id = graph_.AddValue(std::move(v));
      graph_.inputs().push_back(t->id);
    }

    BG_ASSIGN_OR_RETURN(FlatFile::Vec ops, f_.Vector(sg, kSgOperators, 4, "operators"));
    for (uint32_t i = 0; i < ops.length; ++i) {
      const std::string what = "operator " + std::to_string(i);
      BG_ASSIGN_OR_RETURN(FlatFile::Table op, f_.TableIn(ops, i, what));
      Status s = ImportOp(op, what);
      if (!s.ok()) return s;
    }

    BG_ASSIGN_OR_RETURN(FlatFile::Vec outputs, f_.Vector(sg, kSgOutputs, 4, "subgraph outputs"));
    if (outputs.length == 0) return MalformedError("the subgraph has no outputs");
    for (uint32_t i = 0; i < outputs.length; ++i) {
      BG_ASSIGN_OR_RETURN(TensorDesc * t, TensorAt(f_.Elem<int32_t>(outputs, i), "subgraph output"));
      BG_ASSIGN_OR_RETURN(ir::ValueId id, ValueOf(*t, "subgraph output"));
      graph_.outputs().push_back(id);
    }
    return std::move(graph_);
  }

 private:
  Status ReadOpCodes(const FlatFile::Table& model) {
    BG_ASSIGN_OR_RETURN(FlatFile::Vec codes, f_.Vector(model, kModelOperatorCodes, 4, "operator codes"));
    for (uint32_t i = 0; i < codes.length; ++i) {
      const std::string what = "operator code " + std::to_string(i);
      BG_ASSIGN_OR_RETURN(FlatFile::Table c, f_.TableIn(codes, i, what));
      BG_ASSIGN_OR_RETURN(int8_t old_code, f_.Scalar<int8_t>(c, kOpCodeDeprecatedBuiltin, 0, what));
      BG_ASSIGN_OR_RETURN(int32_t code, f_.Scalar<int32_t>(c, kOpCodeBuiltin, 0, what));
      BG_ASSIGN_OR_RETURN(std::string custom, f_.String(c, kOpCodeCustom, what));
      // Files written before the 32-bit field exist carry the code in the old byte only.
      code = std::max<int32_t>(code, old_code);
      op_codes_.push_back(code);
      custom_names_.push_back(custom);
    }
    return OkStatus();
  }

  Status ReadBuffers(const FlatFile::Table& model) {
    BG_ASSIGN_OR_RETURN(FlatFile::Vec buffers, f_.Vector(model, kModelBuffers, 4, "buffers"));
    for (uint32_t i = 0; i < buffers.length; ++i) {
      const std::string what = "buffer " + std::to_string(i);
      BG_ASSIGN_OR_RETURN(FlatFile::Table b, f_.TableIn(buffers, i, what));
      BG_ASSIGN_OR_RETURN(FlatFile::Vec data, f_.Vector(b, kBufferData, 1, what));
      std::pair<uint64_t, uint64_t> span{data.first, data.length};
      if (data.length == 0) {
        // Large models keep buffers after the FlatBuffer: offset and size from the file start.
        BG_ASSIGN_OR_RETURN(uint64_t offset, f_.Scalar<uint64_t>(b, kBufferOffset, 0, what));
        BG_ASSIGN_OR_RETURN(uint64_t size, f_.Scalar<uint64_t>(b, kBufferSize, 0, what));
        if (offset > 1) {
          if (offset > f_.size() || size > f_.size() - offset) return MalformedError(what + ": data outside the file");
          span = {offset, size};
        } else {
          span = {0, 0};
        }
      }
      buffers_.push_back(span);
    }
    return OkStatus();
  }

  Status ReadTensors(const FlatFile::Table& sg) {
    BG_ASSIGN_OR_RETURN(FlatFile::Vec tensors, f_.Vector(sg, kSgTensors, 4, "tensors"));
    tensors_.resize(tensors.length);
    for (uint32_t i = 0; i < tensors.length; ++i) {
      std::string what = "tensor " + std::to_string(i);
      BG_ASSIGN_OR_RETURN(FlatFile::Table t, f_.TableIn(tensors, i, what));
      TensorDesc& d = tensors_[i];
      BG_ASSIGN_OR_RETURN(d.name, f_.String(t, kTensorName, what));
      if (d.name.empty()) d.name = "tensor_" + std::to_string(i);
      what += " '" + d.name + "'";
      BG_ASSIGN_OR_RETURN(FlatFile::Vec shape, f_.Vector(t, kTensorShape, 4, what));
      if (shape.length > static_cast<uint32_t>(kMaxRank)) return UnsupportedError(what + ": rank " + std::to_string(shape.length));
      for (int32_t dim : f_.Elems<int32_t>(shape)) {
        if (dim < 0) return UnsupportedError(what + ": dynamic dimension in shape");
        d.shape.push_back(dim);
      }
      BG_ASSIGN_OR_RETURN(int8_t type, f_.Scalar<int8_t>(t, kTensorType, 0, what));
      auto dtype = TfliteDType(type);
      if (!dtype.ok()) return dtype.status().WithContext(what);
      d.dtype = *dtype;
      BG_ASSIGN_OR_RETURN(std::optional<FlatFile::Table> q, f_.SubTable(t, kTensorQuantization, what + " quantization"));
      if (q) {
        BG_ASSIGN_OR_RETURN(FlatFile::Vec scale, f_.Vector(*q, 2, 4, what + " quantization scale"));
        d.quantized = scale.length > 0;
      }
      BG_ASSIGN_OR_RETURN(uint32_t buffer, f_.Scalar<uint32_t>(t, kTensorBuffer, 0, what));
      if (buffer >= buffers_.size() && buffer != 0) return MalformedError(what + ": buffer " + std::to_string(buffer) + " does not exist");
      BG_ASSIGN_OR_RETURN(std::optional<FlatFile::Table> sparsity, f_.SubTable(t, kTensorSparsity, what + " sparsity"));
      if (sparsity && buffer != 0 && buffers_[buffer].second != 0) {
        const auto [at, size] = buffers_[buffer];
        BG_ASSIGN_OR_RETURN(int64_t count, CheckedNumElements(d.shape));
        if (static_cast<uint64_t>(count) * DTypeSize(d.dtype) > kMaxTensorBytes) return ResourceExhaustedError(what + ": too large");
        auto dense = Densify(*sparsity, d.shape, d.dtype, f_.data() + at, size, what);
        if (!dense.ok()) return dense.status();
        d.constant = std::move(dense).value();
        continue;
      }
      if (buffer != 0 && buffers_[buffer].second != 0) {
        const auto [at, size] = buffers_[buffer];
        BG_ASSIGN_OR_RETURN(int64_t count, CheckedNumElements(d.shape));
        const uint64_t want = static_cast<uint64_t>(count) * DTypeSize(d.dtype);
        if (want != size)
          return MalformedError(what + ": buffer holds " + std::to_string(size) + " bytes, shape " + ShapeToString(d.shape) + " needs " + std::to_string(want));
        auto c = Tensor::FromBytes(d.dtype, d.shape, f_.data() + at, size);
        if (!c.ok()) return c.status().WithContext(what);
        d.constant = std::move(c).value();
      }
    }
    return OkStatus();
  }

  // One level of a sparse tensor's traversal: dense with `size` entries, or compressed (CSR) with
  // `segments` / `indices`.
  struct SparseLevel {
    bool dense = true;
    int64_t size = 0;
    std::vector<int64_t> segments, indices;
  };

  StatusOr<std::vector<int64_t>> IndexVector(const FlatFile::Table& meta, int type_field, int value_field, const std::string& what) {
    BG_ASSIGN_OR_RETURN(uint8_t type, f_.Scalar<uint8_t>(meta, type_field, 0, what));
    BG_ASSIGN_OR_RETURN(std::optional<FlatFile::Table> t, f_.SubTable(meta, value_field, what));
    if (!t) return MalformedError(what + ": missing index vector");
    std::vector<int64_t> out;
    if (type == 1) {
      BG_ASSIGN_OR_RETURN(FlatFile::Vec v, f_.Vector(*t, 0, 4, what));
      for (int32_t x : f_.Elems<int32_t>(v)) out.push_back(x);
    } else if (type == 2) {
      BG_ASSIGN_OR_RETURN(FlatFile::Vec v, f_.Vector(*t, 0, 2, what));
      for (uint16_t x : f_.Elems<uint16_t>(v)) out.push_back(x);
    } else if (type == 3) {
      BG_ASSIGN_OR_RETURN(FlatFile::Vec v, f_.Vector(*t, 0, 1, what));
      for (uint8_t x : f_.Elems<uint8_t>(v)) out.push_back(x);
    } else {
      return MalformedError(what + ": index vector type " + std::to_string(type));
    }
    return out;
  }

  // Expands a sparse constant (TFLite's SparsityParameters) into a dense tensor of `shape`:
  // walks the traversal levels; a leaf's value is the next stored element (its position at the
  // last level), its coordinates those of the walk, blocked dims rebuilt as outer * block + inner.
  StatusOr<Tensor> Densify(const FlatFile::Table& sp, const Shape& shape, DType dtype, const uint8_t* data, size_t size,
                           const std::string& what) {
    const size_t es = DTypeSize(dtype);
    const int64_t n = static_cast<int64_t>(shape.size());
    BG_ASSIGN_OR_RETURN(FlatFile::Vec tv, f_.Vector(sp, kSpTraversal, 4, what));
    BG_ASSIGN_OR_RETURN(FlatFile::Vec bv, f_.Vector(sp, kSpBlockMap, 4, what));
    BG_ASSIGN_OR_RETURN(FlatFile::Vec mv, f_.Vector(sp, kSpDimMetadata, 4, what));
    const std::vector<int32_t> order = f_.Elems<int32_t>(tv), block_map = f_.Elems<int32_t>(bv);
    const int64_t levels = static_cast<int64_t>(order.size());
    if (levels != n + static_cast<int64_t>(block_map.size()) || mv.length != order.size() || levels > 2 * kMaxRank)
      return MalformedError(what + ": inconsistent sparsity parameters");
    std::vector<bool> seen(static_cast<size_t>(levels), false);
    for (int32_t d : order) {
      if (d < 0 || d >= levels || seen[static_cast<size_t>(d)]) return MalformedError(what + ": bad traversal order");
      seen[static_cast<size_t>(d)] = true;
    }
    for (int32_t d : block_map)
      if (d < 0 || d >= n) return MalformedError(what + ": bad block map");
    std::vector<SparseLevel> lv(static_cast<size_t>(levels));
    std::vector<int64_t> block_size(block_map.size(), 1);
    for (uint32_t i = 0; i < mv.length; ++i) {
      BG_ASSIGN_OR_RETURN(FlatFile::Table m, f_.TableIn(mv, i, what + " dim metadata"));
      BG_ASSIGN_OR_RETURN(int8_t format, f_.Scalar<int8_t>(m, kDmFormat, 0, what));
      BG_ASSIGN_OR_RETURN(int32_t dense_size, f_.Scalar<int32_t>(m, kDmDenseSize, 0, what));
      SparseLevel& L = lv[i];
      L.dense = format == 0;
      if (L.dense) {
        if (dense_size <= 0) return MalformedError(what + ": dense level of size " + std::to_string(dense_size));
        L.size = dense_size;
      } else {
        BG_ASSIGN_OR_RETURN(L.segments, IndexVector(m, kDmSegmentsType, kDmSegments, what + " segments"));
        BG_ASSIGN_OR_RETURN(L.indices, IndexVector(m, kDmIndicesType, kDmIndices, what + " indices"));
      }
      const int32_t d = order[i];
      if (d >= n) block_size[static_cast<size_t>(d - n)] = L.dense ? L.size : 0;
    }
    for (int64_t b : block_size)
      if (b <= 0) return UnsupportedError(what + ": a compressed block dimension");
    BG_ASSIGN_OR_RETURN(Tensor out, Tensor::Allocate(dtype, shape));
    const std::vector<int64_t> strides = [&] {
      std::vector<int64_t> st(static_cast<size_t>(n), 1);
      for (int64_t d = n - 2; d >= 0; --d) st[static_cast<size_t>(d)] = st[static_cast<size_t>(d + 1)] * shape[static_cast<size_t>(d + 1)];
      return st;
    }();
    std::vector<int64_t> coord(static_cast<size_t>(levels), 0);
    auto* dst = static_cast<uint8_t*>(out.raw());
    const int64_t stored = static_cast<int64_t>(size / es);
    // Iterative depth-first walk: pos[i] is the position reached at level i.
    std::vector<int64_t> pos(static_cast<size_t>(levels) + 1, 0), end(static_cast<size_t>(levels), 0), cur(static_cast<size_t>(levels), 0);
    auto enter = [&](int64_t i, int64_t parent) -> bool {
      const SparseLevel& L = lv[static_cast<size_t>(i)];
      if (L.dense) {
        cur[static_cast<size_t>(i)] = parent * L.size;
        end[static_cast<size_t>(i)] = parent * L.size + L.size;
      } else {
        if (parent + 1 >= static_cast<int64_t>(L.segments.size())) return false;
        cur[static_cast<size_t>(i)] = L.segments[static_cast<size_t>(parent)];
        end[static_cast<size_t>(i)] = L.segments[static_cast<size_t>(parent) + 1];
        if (cur[static_cast<size_t>(i)] < 0 || end[static_cast<size_t>(i)] > static_cast<int64_t>(L.indices.size()) ||
            cur[static_cast<size_t>(i)] > end[static_cast<size_t>(i)])
          return false;
      }
      return true;
    };
    if (!enter(0, 0)) return MalformedError(what + ": bad sparse segments");
    int64_t i = 0;
    while (i >= 0) {
      const size_t ui = static_cast<size_t>(i);
      if (cur[ui] >= end[ui]) {
        --i;
        if (i >= 0) ++cur[static_cast<size_t>(i)];
        continue;
      }
      const SparseLevel& L = lv[ui];
      coord[static_cast<size_t>(order[ui])] = L.dense ? cur[ui] - (end[ui] - L.size) : L.indices[static_cast<size_t>(cur[ui])];
      if (i + 1 < levels) {
        if (!enter(i + 1, cur[ui])) return MalformedError(what + ": bad sparse segments");
        ++i;
        continue;
      }
      // A leaf: value number cur[i].
      const int64_t v = cur[ui];
      if (v < 0 || v >= stored) return MalformedError(what + ": sparse value index out of range");
      int64_t offset = 0;
      bool inside = true;
      for (int64_t d = 0; d < n; ++d) {
        int64_t x = coord[static_cast<size_t>(d)];
        for (size_t j = 0; j < block_map.size(); ++j)
          if (block_map[j] == d) x = x * block_size[j] + coord[static_cast<size_t>(n) + j];
        if (x < 0 || x >= shape[static_cast<size_t>(d)]) inside = false;
        offset += x * strides[static_cast<size_t>(d)];
      }
      if (!inside) return MalformedError(what + ": sparse coordinate outside the shape");
      std::memcpy(dst + static_cast<size_t>(offset) * es, data + static_cast<size_t>(v) * es, es);
      ++cur[ui];
    }
    return out;
  }

  StatusOr<TensorDesc*> TensorAt(int32_t index, const std::string& what) {
    if (index < 0 || static_cast<size_t>(index) >= tensors_.size())
      return MalformedError(what + ": tensor index " + std::to_string(index) + " out of range");
    return &tensors_[static_cast<size_t>(index)];
  }

  std::string UniqueName(const std::string& base) {
    std::string name = base;
    for (int k = 1; graph_.FindValue(name) != ir::kNoValue; ++k) name = base + "_" + std::to_string(k);
    return name;
  }

  ir::ValueId NewValue(const std::string& base) {
    ir::Value v;
    v.name = UniqueName(base);
    return graph_.AddValue(std::move(v));
  }

  ir::ValueId ConstantValue(const std::string& base, Tensor t) {
    ir::Value v;
    v.name = UniqueName(base);
    v.dtype = t.dtype();
    v.shape = t.shape();
    v.constant = std::move(t);
    return graph_.AddValue(std::move(v));
  }

  ir::ValueId Int64Constant(const std::string& base, const std::vector<int64_t>& v) {
    return ConstantValue(base, Tensor::FromVector(DType::kInt64, {static_cast<int64_t>(v.size())}, v).value());
  }

  ir::ValueId FloatScalar(const std::string& base, float x) {
    return ConstantValue(base, Tensor::FromVector(DType::kFloat32, {}, std::vector<float>{x}).value());
  }

  // The IR value of a tensor: produced by an earlier op, a graph input, or a constant (rank-4
  // constants transposed to NCHW).
  StatusOr<ir::ValueId> ValueOf(TensorDesc& t, const std::string& what) {
    if (t.id != ir::kNoValue) return t.id;
    if (!t.constant) return MalformedError(what + ": tensor '" + t.name + "' is read before any operator writes it");
    if (t.constant->dtype() == DType::kFloat16)
      return UnsupportedError(what + ": float16 tensor '" + t.name + "' used without DEQUANTIZE");
    t.id = ConstantValue(t.name, t.constant->rank() == 4 ? NhwcToNchw(*t.constant) : *t.constant);
    return t.id;
  }

  void AddNode(const std::string& op_type, const std::string& name, std::vector<ir::ValueId> in,
               std::vector<ir::ValueId> out, std::map<std::string, ir::Attribute> attrs = {}) {
    ir::Node n;
    n.op_type = op_type;
    n.name = name;
    n.inputs = std::move(in);
    n.outputs = std::move(out);
    n.attrs = std::move(attrs);
    graph_.nodes().push_back(std::move(n));
  }

  // Binds the op's result `pre` (before the fused activation) to tensor `t`.
  Status Finish(TensorDesc& t, ir::ValueId pre, int8_t act, const std::string& what) {
    ir::ValueId out = pre;
    if (act != kActNone) {
      out = NewValue(t.name);
      switch (act) {
        case kActRelu:
          AddNode("Relu", t.name + "/relu", {pre}, {out});
          break;
        case kActRelu6:
        case kActReluN1To1: {
          const float lo = act == kActRelu6 ? 0.0f : -1.0f, hi = act == kActRelu6 ? 6.0f : 1.0f;
          AddNode("Clip", t.name + "/clip", {pre, FloatScalar(t.name + "/min", lo), FloatScalar(t.name + "/max", hi)}, {out});
          break;
        }
        default:
          return UnsupportedError(what + ": fused activation " + std::to_string(act));
      }
    }
    return Bind(t, out, what);
  }

  Status Bind(TensorDesc& t, ir::ValueId id, const std::string& what) {
    if (t.id != ir::kNoValue || t.constant) return MalformedError(what + ": tensor '" + t.name + "' is written twice");
    if (t.quantized) return UnsupportedError(what + ": quantized tensor '" + t.name + "'");
    t.id = id;
    return OkStatus();
  }

  // ValueId for a fresh op output bound later through Finish: named after the tensor when no
  // activation follows, else "<name>/pre".
  ir::ValueId PreValue(const TensorDesc& t, int8_t act) { return NewValue(act == kActNone ? t.name : t.name + "/pre"); }

  // TFLite SAME / VALID padding as explicit ONNX pads for two spatial dims [h, w].
  static std::vector<int64_t> SpatialPads(int8_t padding, const int64_t in[2], const int64_t k[2],
                                          const int64_t s[2], const int64_t d[2]) {
    std::vector<int64_t> pads(4, 0);
    if (padding != 0) return pads;  // VALID
    for (int i = 0; i < 2; ++i) {
      const int64_t out = (in[i] + s[i] - 1) / s[i];
      const int64_t need = std::max<int64_t>(0, (out - 1) * s[i] + (k[i] - 1) * d[i] + 1 - in[i]);
      pads[i] = need / 2;
      pads[i + 2] = need - need / 2;
    }
    return pads;
  }

  StatusOr<const Tensor*> FloatWeights(TensorDesc& t, const std::string& what) {
    if (!t.constant) return UnsupportedError(what + ": weights '" + t.name + "' are not constant");
    if (t.constant->dtype() != DType::kFloat32)
      return UnsupportedError(what + ": weights '" + t.name + "' of type " + DTypeName(t.constant->dtype()));
    return &*t.constant;
  }

  Status ImportConv(const FlatFile::Table& opts, bool depthwise, const std::vector<TensorDesc*>& in,
                    TensorDesc& out, const std::string& what) {
    if (in.size() < 2 || !in[0] || !in[1]) return MalformedError(what + ": needs input and filter");
    TensorDesc& x = *in[0];
    if (x.shape.size() != 4) return MalformedError(what + ": input of rank " + std::to_string(x.shape.size()));
    BG_ASSIGN_OR_RETURN(const Tensor* f, FloatWeights(*in[1], what));
    if (f->rank() != 4) return MalformedError(what + ": filter of rank " + std::to_string(f->rank()));
    BG_ASSIGN_OR_RETURN(int8_t padding, f_.Scalar<int8_t>(opts, 0, 0, what));
    BG_ASSIGN_OR_RETURN(int32_t stride_w, f_.Scalar<int32_t>(opts, 1, 1, what));
    BG_ASSIGN_OR_RETURN(int32_t stride_h, f_.Scalar<int32_t>(opts, 2, 1, what));
    const int base = depthwise ? 4 : 3;  // DepthwiseConv2DOptions has depth_multiplier at 3
    BG_ASSIGN_OR_RETURN(int8_t act, f_.Scalar<int8_t>(opts, base, 0, what));
    BG_ASSIGN_OR_RETURN(int32_t dil_w, f_.Scalar<int32_t>(opts, base + 1, 1, what));
    BG_ASSIGN_OR_RETURN(int32_t dil_h, f_.Scalar<int32_t>(opts, base + 2, 1, what));
    if (stride_w < 1 || stride_h < 1 || dil_w < 1 || dil_h < 1) return MalformedError(what + ": stride or dilation below 1");
    const int64_t cin = x.shape[3];
    const int64_t kh = f->dim(1), kw = f->dim(2);
    Tensor w;
    int64_t cout = 0, group = 1;
    const float* fs = f->data<float>();
    if (!depthwise) {
      // [O, KH, KW, I] -> [O, I, KH, KW]
      cout = f->dim(0);
      const int64_t ci = f->dim(3);
      if (ci <= 0 || cin % ci != 0) return MalformedError(what + ": filter has " + std::to_string(ci) + " input channels, input " + std::to_string(cin));
      group = cin / ci;
      BG_ASSIGN_OR_RETURN(w, Tensor::AllocateUninitialized(DType::kFloat32, {cout, ci, kh, kw}));
      float* wd = w.data<float>();
      for (int64_t o = 0; o < cout; ++o)
        for (int64_t y = 0; y < kh; ++y)
          for (int64_t xx = 0; xx < kw; ++xx)
            for (int64_t c = 0; c < ci; ++c) wd[((o * ci + c) * kh + y) * kw + xx] = fs[((o * kh + y) * kw + xx) * ci + c];
    } else {
      // [1, KH, KW, C*M] -> [C*M, 1, KH, KW], group C (output channel c*M + m reads channel c)
      if (f->dim(0) != 1) return MalformedError(what + ": depthwise filter batch " + std::to_string(f->dim(0)));
      cout = f->dim(3);
      if (cin <= 0 || cout % cin != 0) return MalformedError(what + ": depthwise filter has " + std::to_string(cout) + " channels for " + std::to_string(cin) + " inputs");
      group = cin;
      BG_ASSIGN_OR_RETURN(w, Tensor::AllocateUninitialized(DType::kFloat32, {cout, 1, kh, kw}));
      float* wd = w.data<float>();
      for (int64_t o = 0; o < cout; ++o)
        for (int64_t y = 0; y < kh; ++y)
          for (int64_t xx = 0; xx < kw; ++xx) wd[(o * kh + y) * kw + xx] = fs[(y * kw + xx) * cout + o];
    }
    std::vector<ir::ValueId> inputs;
    BG_ASSIGN_OR_RETURN(ir::ValueId xv, ValueOf(x, what));
    inputs.push_back(xv);
    inputs.push_back(ConstantValue(in[1]->name + "/oihw", std::move(w)));
    if (in.size() > 2 && in[2]) {
      BG_ASSIGN_OR_RETURN(const Tensor* b, FloatWeights(*in[2], what));
      if (b->rank() != 1 || b->dim(0) != cout) return MalformedError(what + ": bias shape " + ShapeToString(b->shape()));
      inputs.push_back(ConstantValue(in[2]->name, *b));
    }
    const int64_t sp_in[2] = {x.shape[1], x.shape[2]}, k[2] = {kh, kw}, s[2] = {stride_h, stride_w},
                  d[2] = {dil_h, dil_w};
    ir::ValueId pre = PreValue(out, act);
    AddNode("Conv", out.name, std::move(inputs), {pre},
            {{"kernel_shape", ir::Attribute::Ints({kh, kw})}, {"strides", ir::Attribute::Ints({s[0], s[1]})},
             {"dilations", ir::Attribute::Ints({d[0], d[1]})}, {"group", ir::Attribute::Int(group)},
             {"pads", ir::Attribute::Ints(SpatialPads(padding, sp_in, k, s, d))}});
    return Finish(out, pre, act, what);
  }

  Status ImportMaxPool(const FlatFile::Table& opts, const std::vector<TensorDesc*>& in, TensorDesc& out,
                       const std::string& what) {
    if (in.empty() || !in[0] || in[0]->shape.size() != 4) return MalformedError(what + ": needs a rank-4 input");
    BG_ASSIGN_OR_RETURN(int8_t padding, f_.Scalar<int8_t>(opts, 0, 0, what));
    BG_ASSIGN_OR_RETURN(int32_t sw, f_.Scalar<int32_t>(opts, 1, 1, what));
    BG_ASSIGN_OR_RETURN(int32_t sh, f_.Scalar<int32_t>(opts, 2, 1, what));
    BG_ASSIGN_OR_RETURN(int32_t fw, f_.Scalar<int32_t>(opts, 3, 1, what));
    BG_ASSIGN_OR_RETURN(int32_t fh, f_.Scalar<int32_t>(opts, 4, 1, what));
    BG_ASSIGN_OR_RETURN(int8_t act, f_.Scalar<int8_t>(opts, 5, 0, what));
    if (sw < 1 || sh < 1 || fw < 1 || fh < 1) return MalformedError(what + ": filter or stride below 1");
    const int64_t sp_in[2] = {in[0]->shape[1], in[0]->shape[2]}, k[2] = {fh, fw}, s[2] = {sh, sw}, d[2] = {1, 1};
    BG_ASSIGN_OR_RETURN(ir::ValueId xv, ValueOf(*in[0], what));
    ir::ValueId pre = PreValue(out, act);
    AddNode("MaxPool", out.name, {xv}, {pre},
            {{"kernel_shape", ir::Attribute::Ints({fh, fw})}, {"strides", ir::Attribute::Ints({sh, sw})},
             {"pads", ir::Attribute::Ints(SpatialPads(padding, sp_in, k, s, d))}});
    return Finish(out, pre, act, what);
  }

  // An operand of ADD/MUL: a rank-4 operand's partner of lower rank must be constant; it is
  // broadcast the TFLite way (trailing axes) by padding it to rank 4 in NHWC, then to NCHW.
  StatusOr<ir::ValueId> BroadcastOperand(TensorDesc& t, size_t other_rank, const std::string& what) {
    if (other_rank != 4 || t.shape.size() == 4) return ValueOf(t, what);
    if (!t.constant) return UnsupportedError(what + ": broadcasting a rank-" + std::to_string(t.shape.size()) + " tensor against a rank-4 one");
    if (t.constant->dtype() != DType::kFloat32) return UnsupportedError(what + ": constant operand of type " + std::string(DTypeName(t.constant->dtype())));
    Shape s4 = t.constant->shape();
    while (s4.size() < 4) s4.insert(s4.begin(), 1);
    return ConstantValue(t.name + "/nchw", NhwcToNchw(t.constant->Reshaped(s4)));
  }

  Status ImportBinary(const char* onnx_op, const std::optional<FlatFile::Table>& opts,
                      const std::vector<TensorDesc*>& in, TensorDesc& out, const std::string& what) {
    if (in.size() != 2 || !in[0] || !in[1]) return MalformedError(what + ": needs two inputs");
    int8_t act = 0;
    if (opts) {
      BG_ASSIGN_OR_RETURN(act, f_.Scalar<int8_t>(*opts, 0, 0, what));
    }
    BG_ASSIGN_OR_RETURN(ir::ValueId a, BroadcastOperand(*in[0], in[1]->shape.size(), what));
    BG_ASSIGN_OR_RETURN(ir::ValueId b, BroadcastOperand(*in[1], in[0]->shape.size(), what));
    ir::ValueId pre = PreValue(out, act);
    AddNode(onnx_op, out.name, {a, b}, {pre});
    return Finish(out, pre, act, what);
  }

  Status ImportPad(const std::vector<TensorDesc*>& in, TensorDesc& out, const std::string& what) {
    if (in.size() < 2 || !in[0] || !in[1]) return MalformedError(what + ": needs input and paddings");
    TensorDesc& x = *in[0];
    const Tensor* p = in[1]->constant ? &*in[1]->constant : nullptr;
    const size_t r = x.shape.size();
    if (!p || p->rank() != 2 || p->dim(0) != static_cast<int64_t>(r) || p->dim(1) != 2)
      return UnsupportedError(what + ": paddings must be a constant [rank, 2] tensor");
    auto pad_at = [&](size_t axis, int side) -> int64_t {
      const size_t i = axis * 2 + static_cast<size_t>(side);
      return p->dtype() == DType::kInt64 ? p->data<int64_t>()[i] : p->data<int32_t>()[i];
    };
    if (p->dtype() != DType::kInt32 && p->dtype() != DType::kInt64) return MalformedError(what + ": paddings of type " + std::string(DTypeName(p->dtype())));
    std::vector<int64_t> pads(2 * r);
    for (size_t j = 0; j < r; ++j) {
      const size_t src = r == 4 ? static_cast<size_t>(kNhwcAxis[j]) : j;
      pads[j] = pad_at(src, 0);
      pads[j + r] = pad_at(src, 1);
    }
    BG_ASSIGN_OR_RETURN(ir::ValueId xv, ValueOf(x, what));
    std::vector<ir::ValueId> inputs = {xv, Int64Constant(out.name + "/pads", pads)};
    if (in.size() > 2 && in[2]) {
      if (!in[2]->constant || in[2]->constant->size() != 1 || in[2]->constant->dtype() != DType::kFloat32)
        return UnsupportedError(what + ": the pad value must be a constant float32 scalar");
      inputs.push_back(FloatScalar(out.name + "/value", in[2]->constant->data<float>()[0]));
    }
    ir::ValueId y = NewValue(out.name);
    AddNode("Pad", out.name, std::move(inputs), {y}, {{"mode", ir::Attribute::String("constant")}});
    return Bind(out, y, what);
  }

  Status ImportReshape(const std::vector<TensorDesc*>& in, TensorDesc& out, const std::string& what) {
    if (in.empty() || !in[0]) return MalformedError(what + ": needs an input");
    TensorDesc& x = *in[0];
    BG_ASSIGN_OR_RETURN(int64_t n_in, CheckedNumElements(x.shape));
    BG_ASSIGN_OR_RETURN(int64_t n_out, CheckedNumElements(out.shape));
    if (n_in != n_out || out.shape.empty())
      return MalformedError(what + ": cannot reshape " + ShapeToString(x.shape) + " to " + ShapeToString(out.shape));
    BG_ASSIGN_OR_RETURN(ir::ValueId v, ValueOf(x, what));
    if (x.shape.size() == 4) {  // back to TFLite's memory order first
      ir::ValueId t = NewValue(x.name + "/nhwc");
      AddNode("Transpose", out.name + "/to_nhwc", {v}, {t}, {{"perm", ir::Attribute::Ints({0, 2, 3, 1})}});
      v = t;
    }
    const bool to4 = out.shape.size() == 4;
    ir::ValueId r = NewValue(to4 ? out.name + "/nhwc" : out.name);
    AddNode("Reshape", out.name, {v, Int64Constant(out.name + "/shape", out.shape)}, {r});
    if (to4) {
      ir::ValueId t = NewValue(out.name);
      AddNode("Transpose", out.name + "/to_nchw", {r}, {t}, {{"perm", ir::Attribute::Ints({0, 3, 1, 2})}});
      r = t;
    }
    return Bind(out, r, what);
  }

  Status ImportConcat(const FlatFile::Table* opts, const std::vector<TensorDesc*>& in, TensorDesc& out,
                      const std::string& what) {
    if (in.empty()) return MalformedError(what + ": no inputs");
    int32_t axis = 0;
    int8_t act = 0;
    if (opts) {
      BG_ASSIGN_OR_RETURN(axis, f_.Scalar<int32_t>(*opts, 0, 0, what));
      BG_ASSIGN_OR_RETURN(act, f_.Scalar<int8_t>(*opts, 1, 0, what));
    }
    const int64_t r = static_cast<int64_t>(out.shape.size());
    if (axis < -r || axis >= r) return MalformedError(what + ": axis " + std::to_string(axis) + " for rank " + std::to_string(r));
    if (axis < 0) axis += static_cast<int32_t>(r);
    if (r == 4) axis = kNchwAxis[axis];
    std::vector<ir::ValueId> inputs;
    for (TensorDesc* t : in) {
      if (!t) return MalformedError(what + ": omitted input");
      if (t->shape.size() != out.shape.size()) return MalformedError(what + ": inputs of different ranks");
      BG_ASSIGN_OR_RETURN(ir::ValueId v, ValueOf(*t, what));
      inputs.push_back(v);
    }
    ir::ValueId pre = PreValue(out, act);
    AddNode("Concat", out.name, std::move(inputs), {pre}, {{"axis", ir::Attribute::Int(axis)}});
    return Finish(out, pre, act, what);
  }

  // RESIZE_BILINEAR -> Resize (linear, sizes). align_corners maps to "align_corners",
  // half_pixel_centers to "half_pixel" (TF clamps the source coordinate at 0, as ONNX's linear
  // mode does), neither to "asymmetric" (source = destination * in / out).
  Status ImportResizeBilinear(const FlatFile::Table& opts, const std::vector<TensorDesc*>& in, TensorDesc& out,
                              const std::string& what) {
    if (in.size() != 2 || !in[0] || !in[1] || in[0]->shape.size() != 4) return MalformedError(what + ": needs a rank-4 input and a size");
    const Tensor* size = in[1]->constant ? &*in[1]->constant : nullptr;
    if (!size || size->dtype() != DType::kInt32 || size->size() != 2) return UnsupportedError(what + ": the size must be a constant int32 pair");
    BG_ASSIGN_OR_RETURN(bool align, f_.Scalar<uint8_t>(opts, 2, 0, what));
    BG_ASSIGN_OR_RETURN(bool half, f_.Scalar<uint8_t>(opts, 3, 0, what));
    if (align && half) return MalformedError(what + ": align_corners and half_pixel_centers both set");
    const int32_t* hw = size->data<int32_t>();
    if (hw[0] < 1 || hw[1] < 1) return MalformedError(what + ": output size below 1");
    const TensorDesc& x = *in[0];
    BG_ASSIGN_OR_RETURN(ir::ValueId xv, ValueOf(*in[0], what));
    const ir::ValueId none = ir::kNoValue;
    ir::ValueId y = NewValue(out.name);
    AddNode("Resize", out.name, {xv, none, none, Int64Constant(out.name + "/sizes", {x.shape[0], x.shape[3], hw[0], hw[1]})}, {y},
            {{"mode", ir::Attribute::String("linear")},
             {"coordinate_transformation_mode", ir::Attribute::String(align ? "align_corners" : half ? "half_pixel" : "asymmetric")}});
    return Bind(out, y, what);
  }

  // DEPTH_TO_SPACE (TF order: output[h*b + i][w*b + j][c] = input[h][w][(i*b + j)*C + c]) on the
  // NCHW value: Reshape [N, b, b, C, H, W], Transpose to [N, C, H, b, W, b], Reshape.
  Status ImportDepthToSpace(const FlatFile::Table& opts, const std::vector<TensorDesc*>& in, TensorDesc& out,
                            const std::string& what) {
    if (in.size() != 1 || !in[0] || in[0]->shape.size() != 4) return MalformedError(what + ": needs a rank-4 input");
    BG_ASSIGN_OR_RETURN(int32_t b, f_.Scalar<int32_t>(opts, 0, 0, what));
    const Shape& x = in[0]->shape;  // NHWC
    if (b < 1 || x[3] % (static_cast<int64_t>(b) * b) != 0) return MalformedError(what + ": block size " + std::to_string(b));
    const int64_t c = x[3] / (static_cast<int64_t>(b) * b);
    BG_ASSIGN_OR_RETURN(ir::ValueId v, ValueOf(*in[0], what));
    ir::ValueId r6 = NewValue(out.name + "/blocks");
    AddNode("Reshape", out.name + "/split", {v, Int64Constant(out.name + "/shape6", {x[0], b, b, c, x[1], x[2]})}, {r6});
    ir::ValueId t6 = NewValue(out.name + "/interleaved");
    AddNode("Transpose", out.name + "/interleave", {r6}, {t6}, {{"perm", ir::Attribute::Ints({0, 3, 4, 1, 5, 2})}});
    ir::ValueId y = NewValue(out.name);
    AddNode("Reshape", out.name, {t6, Int64Constant(out.name + "/shape", {x[0], c, x[1] * b, x[2] * b})}, {y});
    return Bind(out, y, what);
  }

  Status ImportOp(const FlatFile::Table& op, const std::string& where) {
    BG_ASSIGN_OR_RETURN(uint32_t code_index, f_.Scalar<uint32_t>(op, kOpIndex, 0, where));
    if (code_index >= op_codes_.size()) return MalformedError(where + ": operator code " + std::to_string(code_index) + " out of range");
    const int32_t code = op_codes_[code_index];
    std::string op_name = code == 32 ? "CUSTOM '" + custom_names_[code_index] + "'" : BuiltinName(code);
    if (op_name == "builtin") op_name = "builtin op " + std::to_string(code);
    const std::string what = where + " (" + op_name + ")";
    BG_ASSIGN_OR_RETURN(FlatFile::Vec in_ix, f_.Vector(op, kOpInputs, 4, what + " inputs"));
    BG_ASSIGN_OR_RETURN(FlatFile::Vec out_ix, f_.Vector(op, kOpOutputs, 4, what + " outputs"));
    std::vector<TensorDesc*> in;
    for (int32_t i : f_.Elems<int32_t>(in_ix)) {
      if (i == -1) {
        in.push_back(nullptr);  // omitted optional input
        continue;
      }
      BG_ASSIGN_OR_RETURN(TensorDesc * t, TensorAt(i, what));
      in.push_back(t);
    }
    if (out_ix.length != 1) return UnsupportedError(what + ": " + std::to_string(out_ix.length) + " outputs");
    BG_ASSIGN_OR_RETURN(TensorDesc * out, TensorAt(f_.Elem<int32_t>(out_ix, 0), what));
    for (TensorDesc* t : in)
      if (t && t->quantized && !t->constant) return UnsupportedError(what + ": quantized tensor '" + t->name + "'");
    BG_ASSIGN_OR_RETURN(std::optional<FlatFile::Table> opts, f_.SubTable(op, kOpOptions, what + " options"));
    const FlatFile::Table empty_opts{};  // no fields: every option takes its default
    const FlatFile::Table& o = opts ? *opts : empty_opts;
    switch (code) {
      case kConv2d: return ImportConv(o, false, in, *out, what);
      case kDepthwiseConv2d: return ImportConv(o, true, in, *out, what);
      case kMaxPool2d: return ImportMaxPool(o, in, *out, what);
      case kAdd: return ImportBinary("Add", opts, in, *out, what);
      case kMul: return ImportBinary("Mul", opts, in, *out, what);
      case kPad:
      case kPadV2: return ImportPad(in, *out, what);
      case kReshape: return ImportReshape(in, *out, what);
      case kResizeBilinear: return ImportResizeBilinear(o, in, *out, what);
      case kDepthToSpace: return ImportDepthToSpace(o, in, *out, what);
      case kConcatenation: return ImportConcat(opts ? &*opts : nullptr, in, *out, what);
      case kRelu:
      case kRelu6:
      case kLogistic: {
        if (in.size() != 1 || !in[0]) return MalformedError(what + ": needs one input");
        BG_ASSIGN_OR_RETURN(ir::ValueId x, ValueOf(*in[0], what));
        ir::ValueId y = PreValue(*out, kActNone);
        if (code == kRelu) AddNode("Relu", out->name, {x}, {y});
        if (code == kLogistic) AddNode("Sigmoid", out->name, {x}, {y});
        if (code == kRelu6)
          AddNode("Clip", out->name, {x, FloatScalar(out->name + "/min", 0.0f), FloatScalar(out->name + "/max", 6.0f)}, {y});
        return Bind(*out, y, what);
      }
      case kDensify: {
        // Sparse constants are expanded at import (Densify above): the op passes the tensor on.
        if (in.size() != 1 || !in[0] || !in[0]->constant) return UnsupportedError(what + ": only constant tensors are densified");
        if (out->id != ir::kNoValue || out->constant) return MalformedError(what + ": tensor '" + out->name + "' is written twice");
        out->constant = *in[0]->constant;
        return OkStatus();
      }
      case kDequantize: {
        if (in.size() != 1 || !in[0]) return MalformedError(what + ": needs one input");
        TensorDesc& x = *in[0];
        if (!x.constant || x.constant->dtype() != DType::kFloat16)
          return UnsupportedError(what + ": only constant float16 tensors are dequantized (tensor '" + x.name + "')");
        if (out->id != ir::kNoValue || out->constant) return MalformedError(what + ": tensor '" + out->name + "' is written twice");
        BG_ASSIGN_OR_RETURN(Tensor wide, Tensor::AllocateUninitialized(DType::kFloat32, x.constant->shape()));
        HalfToFloatN(x.constant->data<uint16_t>(), wide.data<float>(), wide.size());
        out->constant = std::move(wide);
        return OkStatus();
      }
      default:
        return UnsupportedError(what + ": operator not supported");
    }
  }

  const FlatFile& f_;
  ir::Graph graph_;
  std::vector<int32_t> op_codes_;
  std::vector<std::string> custom_names_;
  std::vector<std::pair<uint64_t, uint64_t>> buffers_;  // (position, bytes); (0, 0) when empty
  std::vector<TensorDesc> tensors_;
};

}  // namespace

bool LooksLikeTflite(const uint8_t* data, size_t size) {
  return size >= 8 && std::memcmp(data + 4, "TFL3", 4) == 0;
}

StatusOr<ir::Graph> ImportTfliteModel(const uint8_t* data, size_t size) {
  if (!LooksLikeTflite(data, size)) return MalformedError("not a TFLite file (no 'TFL3' identifier)");
  if (size > 0x7fffffffu) return UnsupportedError("TFLite file above 2 GiB");
  FlatFile file(data, size);
  Importer importer(file);
  auto g = importer.Run();
  if (!g.ok()) return g.status().WithContext("TFLite");
  return g;
}

}  // namespace bgone
