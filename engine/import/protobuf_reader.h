// A bounds-checked reader for the protobuf wire format (just enough for ONNX files).
// It never reads past the buffer it was given; every problem is an error carrying the absolute
// byte offset, so callers can say which field of which message was bad.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/common/status.h"

namespace bgone::pb {

enum class WireType : uint8_t {
  kVarint = 0,
  kFixed64 = 1,
  kLengthDelimited = 2,
  kStartGroup = 3,
  kEndGroup = 4,
  kFixed32 = 5,
};

struct Field {
  uint32_t number = 0;
  WireType type = WireType::kVarint;
  uint64_t varint = 0;            // kVarint value, or the raw bits of kFixed32 / kFixed64
  const uint8_t* data = nullptr;  // kLengthDelimited payload
  size_t size = 0;
  size_t offset = 0;  // absolute offset of the field's payload in the original buffer
};

class Reader {
 public:
  // `base_offset` is the absolute position of data[0], used only for error messages.
  Reader(const uint8_t* data, size_t size, size_t base_offset = 0)
      : data_(data), size_(size), base_(base_offset) {}

  bool AtEnd() const { return pos_ >= size_; }
  // Reads the next field. Errors: bad varint, unknown/group wire type, length past the end.
  Status Next(Field* field);

 private:
  Status ReadVarint(uint64_t* v);

  const uint8_t* data_;
  size_t size_;
  size_t base_;
  size_t pos_ = 0;
};

// Reader over a length-delimited field's payload (a nested message).
inline Reader SubReader(const Field& f) { return Reader(f.data, f.size, f.offset); }

// Field payload helpers. Each checks the wire type and names `what` in its error.
Status ExpectType(const Field& f, WireType type, const char* what);
Status GetString(const Field& f, const char* what, std::string* out);
Status GetInt64(const Field& f, const char* what, int64_t* out);
Status GetFloat(const Field& f, const char* what, float* out);

// Repeated scalars, accepting both packed (one length-delimited field) and unpacked encodings.
Status AppendVarints(const Field& f, const char* what, std::vector<int64_t>* out);
Status AppendFixed32(const Field& f, const char* what, std::vector<uint32_t>* out);
Status AppendFixed64(const Field& f, const char* what, std::vector<uint64_t>* out);

}  // namespace bgone::pb
