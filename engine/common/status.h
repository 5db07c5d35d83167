// Error values used across the engine. The library does not throw across its API: every fallible
// function returns a Status or StatusOr<T> whose message says what went wrong and where.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace bgone {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,   // the caller passed something unusable (bad shape, bad option)
  kMalformed,         // a model or image file is corrupt or inconsistent
  kUnsupported,       // well-formed but uses an op, attribute or type we do not implement
  kResourceExhausted, // a size limit was hit or an allocation failed
  kIoError,           // reading or writing a file failed
  kInternal,          // a bug in bgone
};

const char* StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "malformed: node 3 (Conv): ..." style text for users.
  std::string ToString() const;
  // Returns a copy whose message is prefixed with `context + ": "`.
  Status WithContext(const std::string& context) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status OkStatus() { return Status(); }
inline Status InvalidArgumentError(std::string m) {
  return Status(StatusCode::kInvalidArgument, std::move(m));
}
inline Status MalformedError(std::string m) { return Status(StatusCode::kMalformed, std::move(m)); }
inline Status UnsupportedError(std::string m) {
  return Status(StatusCode::kUnsupported, std::move(m));
}
inline Status ResourceExhaustedError(std::string m) {
  return Status(StatusCode::kResourceExhausted, std::move(m));
}
inline Status IoError(std::string m) { return Status(StatusCode::kIoError, std::move(m)); }
inline Status InternalError(std::string m) { return Status(StatusCode::kInternal, std::move(m)); }

template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(Status status) : v_(std::move(status)) {}  // NOLINT: implicit by design
  StatusOr(T value) : v_(std::move(value)) {}         // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(v_); }
  Status status() const { return ok() ? Status() : std::get<Status>(v_); }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<Status, T> v_;
};

}  // namespace bgone

#define BG_CONCAT_INNER_(a, b) a##b
#define BG_CONCAT_(a, b) BG_CONCAT_INNER_(a, b)

#define BG_RETURN_IF_ERROR(expr)                \
  do {                                          \
    ::bgone::Status bg_status_ = (expr);        \
    if (!bg_status_.ok()) return bg_status_;    \
  } while (0)

#define BG_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()

#define BG_ASSIGN_OR_RETURN(lhs, expr) \
  BG_ASSIGN_OR_RETURN_IMPL_(BG_CONCAT_(bg_statusor_, __LINE__), lhs, expr)
