// ledge error policy (one for the whole project):
//  * Code on the request path and every parser of untrusted input (GGUF files,
//    JSON bodies, chat templates) reports failure by value: Status / Result<T>.
//    It never throws and never aborts on bad input.
//  * An Error's message names what was wrong and where ("tensor 'x': n_dims 7
//    > 4 at byte offset 1234"), so a user can act on it without a debugger.
//  * Exceptions are allowed only at the edges that cannot fail per request
//    (CLI argument parsing, start-up), and are turned into an exit code there.
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace ledge {

struct Error {
  std::string message;
};

// A success or an Error. Cheap to move; check ok() before value().
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error e) : error_(std::move(e.message)), failed_(true) {}  // NOLINT: implicit by design
  static Status Ok() { return Status(); }

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const std::string& message() const { return error_; }

 private:
  std::string error_;
  bool failed_ = false;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Error e) : v_(std::move(e)) {}      // NOLINT
  Result(Status s) : v_(Error{s.message()}) { assert(!s.ok()); }  // NOLINT: forward a failure

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const std::string& message() const { return std::get<Error>(v_).message; }
  Status status() const { return ok() ? Status() : Status(Error{message()}); }

 private:
  std::variant<T, Error> v_;
};

}  // namespace ledge

// Propagate a failed Status/Result from the enclosing function.
#define LEDGE_RETURN_IF_ERROR(expr)                                   \
  do {                                                                \
    auto ledge_status_ = (expr);                                      \
    if (!ledge_status_.ok()) return ::ledge::Error{ledge_status_.message()}; \
  } while (0)
