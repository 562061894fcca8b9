// Status and Result<T>: how groundswell reports expected failures (bad input, I/O, usage)
// without exceptions crossing module boundaries. Programmer errors are assertions instead.
//
//   Result<Store> s = Store::open(path);
//   if (!s) return s.status();
//
// Thread-safety: plain values; copy freely.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>

namespace groundswell {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // the user asked for something malformed (exit code 1)
  kBadInput,         // input data could not be read as promised (exit code 2 under --strict)
  kIoError,          // the file system said no
  kNotFound,
  kInternal,  // a bug or an unexpected library failure (exit code 3)
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }
  static Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
  static Status BadInput(std::string m) { return {StatusCode::kBadInput, std::move(m)}; }
  static Status IoError(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // The process exit code of docs/contract.md §6 for this status: 0 ok, 1 usage, 2 bad input, 3
  // internal.
  int exit_code() const {
    switch (code_) {
      case StatusCode::kOk: return 0;
      case StatusCode::kInvalidArgument:
      case StatusCode::kNotFound: return 1;
      case StatusCode::kBadInput: return 2;
      default: return 3;
    }
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) { assert(!status_.ok()); }  // NOLINT

  bool ok() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Status& status() const { return status_; }

  T& value() & { assert(ok()); return *value_; }
  const T& value() const& { assert(ok()); return *value_; }
  T&& value() && { assert(ok()); return std::move(*value_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }

 private:
  std::optional<T> value_;
  Status status_;
};

#define GS_RETURN_IF_ERROR(expr)              \
  do {                                        \
    ::groundswell::Status gs_status_ = (expr); \
    if (!gs_status_.ok()) return gs_status_;   \
  } while (0)

}  // namespace groundswell
