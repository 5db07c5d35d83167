#include "engine/import/protobuf_reader.h"

#include <cstring>

namespace bgone::pb {

namespace {
std::string At(size_t offset) { return " at byte " + std::to_string(offset); }
}  // namespace

Status Reader::ReadVarint(uint64_t* v) {
  uint64_t result = 0;
  size_t start = pos_;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos_ >= size_) return MalformedError("truncated varint" + At(base_ + start));
    uint8_t b = data_[pos_++];
    if (shift == 63 && (b & 0x7E) != 0) return MalformedError("varint overflows 64 bits" + At(base_ + start));
    result |= static_cast<uint64_t>(b & 0x7F) << shift;
    if ((b & 0x80) == 0) {
      *v = result;
      return OkStatus();
    }
  }
  return MalformedError("varint longer than 10 bytes" + At(base_ + start));
}

Status Reader::Next(Field* f) {
  size_t tag_pos = pos_;
  uint64_t tag;
  BG_RETURN_IF_ERROR(ReadVarint(&tag));
  uint64_t number = tag >> 3;
  if (number == 0 || number > 0x1FFFFFFF) {
    return MalformedError("invalid field number " + std::to_string(number) + At(base_ + tag_pos));
  }
  f->number = static_cast<uint32_t>(number);
  f->type = static_cast<WireType>(tag & 7);
  f->offset = base_ + pos_;
  f->data = nullptr;
  f->size = 0;
  f->varint = 0;
  switch (f->type) {
    case WireType::kVarint:
      return ReadVarint(&f->varint);
    case WireType::kFixed64: {
      if (size_ - pos_ < 8) return MalformedError("truncated fixed64 field" + At(f->offset));
      uint64_t v;
      std::memcpy(&v, data_ + pos_, 8);
      f->varint = v;
      pos_ += 8;
      return OkStatus();
    }
    case WireType::kFixed32: {
      if (size_ - pos_ < 4) return MalformedError("truncated fixed32 field" + At(f->offset));
      uint32_t v;
      std::memcpy(&v, data_ + pos_, 4);
      f->varint = v;
      pos_ += 4;
      return OkStatus();
    }
    case WireType::kLengthDelimited: {
      uint64_t len;
      BG_RETURN_IF_ERROR(ReadVarint(&len));
      if (len > size_ - pos_) {
        return MalformedError("field " + std::to_string(number) + " claims " + std::to_string(len) +
                              " bytes but only " + std::to_string(size_ - pos_) + " remain" +
                              At(f->offset));
      }
      f->offset = base_ + pos_;
      f->data = data_ + pos_;
      f->size = static_cast<size_t>(len);
      pos_ += static_cast<size_t>(len);
      return OkStatus();
    }
    case WireType::kStartGroup:
    case WireType::kEndGroup:
      return MalformedError("unsupported group wire type in field " + std::to_string(number) +
                            At(base_ + tag_pos));
  }
  return MalformedError("invalid wire type " + std::to_string(tag & 7) + " in field " +
                        std::to_string(number) + At(base_ + tag_pos));
}

Status ExpectType(const Field& f, WireType type, const char* what) {
  if (f.type == type) return OkStatus();
  return MalformedError(std::string(what) + ": wrong wire type " +
                        std::to_string(static_cast<int>(f.type)) + " (expected " +
                        std::to_string(static_cast<int>(type)) + ")" + At(f.offset));
}

Status GetString(const Field& f, const char* what, std::string* out) {
  BG_RETURN_IF_ERROR(ExpectType(f, WireType::kLengthDelimited, what));
  out->assign(reinterpret_cast<const char*>(f.data), f.size);
  return OkStatus();
}

Status GetInt64(const Field& f, const char* what, int64_t* out) {
  BG_RETURN_IF_ERROR(ExpectType(f, WireType::kVarint, what));
  *out = static_cast<int64_t>(f.varint);
  return OkStatus();
}

Status GetFloat(const Field& f, const char* what, float* out) {
  BG_RETURN_IF_ERROR(ExpectType(f, WireType::kFixed32, what));
  uint32_t bits = static_cast<uint32_t>(f.varint);
  std::memcpy(out, &bits, 4);
  return OkStatus();
}

Status AppendVarints(const Field& f, const char* what, std::vector<int64_t>* out) {
  if (f.type == WireType::kVarint) {
    out->push_back(static_cast<int64_t>(f.varint));
    return OkStatus();
  }
  BG_RETURN_IF_ERROR(ExpectType(f, WireType::kLengthDelimited, what));
  // Each varint takes at least one byte, so f.size bounds the count: no unbounded growth.
  size_t pos = 0;
  while (pos < f.size) {
    uint64_t v = 0;
    int shift = 0;
    for (;;) {
      if (pos >= f.size) return MalformedError(std::string(what) + ": truncated packed varint" + At(f.offset + pos));
      if (shift >= 64) return MalformedError(std::string(what) + ": varint too long" + At(f.offset + pos));
      uint8_t b = f.data[pos++];
      v |= static_cast<uint64_t>(b & 0x7F) << shift;
      shift += 7;
      if ((b & 0x80) == 0) break;
    }
    out->push_back(static_cast<int64_t>(v));
  }
  return OkStatus();
}

Status AppendFixed32(const Field& f, const char* what, std::vector<uint32_t>* out) {
  if (f.type == WireType::kFixed32) {
    out->push_back(static_cast<uint32_t>(f.varint));
    return OkStatus();
  }
  BG_RETURN_IF_ERROR(ExpectType(f, WireType::kLengthDelimited, what));
  if (f.size % 4 != 0) {
    return MalformedError(std::string(what) + ": packed fixed32 length " + std::to_string(f.size) +
                          " is not a multiple of 4" + At(f.offset));
  }
  size_t n = f.size / 4, old = out->size();
  out->resize(old + n);
  if (f.size) std::memcpy(out->data() + old, f.data, f.size);
  return OkStatus();
}

Status AppendFixed64(const Field& f, const char* what, std::vector<uint64_t>* out) {
  if (f.type == WireType::kFixed64) {
    out->push_back(f.varint);
    return OkStatus();
  }
  BG_RETURN_IF_ERROR(ExpectType(f, WireType::kLengthDelimited, what));
  if (f.size % 8 != 0) {
    return MalformedError(std::string(what) + ": packed fixed64 length " + std::to_string(f.size) +
                          " is not a multiple of 8" + At(f.offset));
  }
  size_t n = f.size / 8, old = out->size();
  out->resize(old + n);
  if (f.size) std::memcpy(out->data() + old, f.data, f.size);
  return OkStatus();
}

}  // namespace bgone::pb
