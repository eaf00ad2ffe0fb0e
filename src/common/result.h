#pragma once

// Errors are values. Result<T> is tl::expected<T, Error> (Debian's libexpected-dev; std::expected
// needs C++23). Status is Result<void>. Error codes map once to HTTP statuses (controller/api) and
// to task outcomes (agent).

#include <map>
#include <string>
#include <tl/expected.hpp>
#include <utility>

namespace hostplane {

enum class ErrorCode {
  kInvalid,       // bad input; 400/422
  kNotFound,      // 404
  kConflict,      // already exists / taken; 409
  kUnauthorized,  // 401
  kForbidden,     // 403
  kLimit,         // plan limit reached; 409
  kUnavailable,   // a peer (daemon, bus, store) is not answering; retryable
  kTimeout,       // deadline passed; retryable
  kIo,            // filesystem or OS error; retryable
  kValidation,    // a daemon's own validator refused the config; not retryable
  kInternal,      // a bug or an unexpected state
};

// A short, stable name for a code ("not_found"): used in JSON and logs.
const char* ErrorCodeName(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  // For kInvalid (and kConflict/kLimit on a field): field path -> machine-readable code,
  // e.g. {"domain": "domain.label_too_long", "aliases[1]": "domain.taken"}.
  std::map<std::string, std::string> fields;

  static Error Invalid(std::string m) { return {ErrorCode::kInvalid, std::move(m), {}}; }
  static Error InvalidField(std::string field, std::string code, std::string m) {
    return {ErrorCode::kInvalid, std::move(m), {{std::move(field), std::move(code)}}};
  }
  static Error NotFound(std::string m) { return {ErrorCode::kNotFound, std::move(m), {}}; }
  static Error Conflict(std::string m) { return {ErrorCode::kConflict, std::move(m), {}}; }
  static Error Unauthorized(std::string m) { return {ErrorCode::kUnauthorized, std::move(m), {}}; }
  static Error Forbidden(std::string m) { return {ErrorCode::kForbidden, std::move(m), {}}; }
  static Error Limit(std::string m) { return {ErrorCode::kLimit, std::move(m), {}}; }
  static Error Unavailable(std::string m) { return {ErrorCode::kUnavailable, std::move(m), {}}; }
  static Error Timeout(std::string m) { return {ErrorCode::kTimeout, std::move(m), {}}; }
  static Error Io(std::string m) { return {ErrorCode::kIo, std::move(m), {}}; }
  static Error Validation(std::string m) { return {ErrorCode::kValidation, std::move(m), {}}; }
  static Error Internal(std::string m) { return {ErrorCode::kInternal, std::move(m), {}}; }

  // Errnos become kIo with "context: strerror".
  static Error FromErrno(const std::string& context, int err);

  // Transient errors worth retrying with backoff (a task in state "retry").
  bool retryable() const {
    return code == ErrorCode::kUnavailable || code == ErrorCode::kTimeout || code == ErrorCode::kIo;
  }
  // Prefixes the message with context: "writing x.conf: No space left on device".
  Error Wrap(const std::string& context) const { return {code, context + ": " + message, fields}; }
};

// [[nodiscard]]: a Result that is dropped is a bug (an error nobody sees). Discard one on
// purpose with (void). Result<T> is a tl::expected<T, Error> in every other respect.
template <typename T>
class [[nodiscard]] Result : public tl::expected<T, Error> {
 public:
  using Base = tl::expected<T, Error>;
  using Base::Base;
  Result(const Base& b) : Base(b) {}
  Result(Base&& b) : Base(std::move(b)) {}
};
using Status = Result<void>;

inline tl::unexpected<Error> Fail(Error e) { return tl::unexpected<Error>(std::move(e)); }
inline Status Ok() { return {}; }

}  // namespace hostplane

#define HP_RESULT_CONCAT_INNER(a, b) a##b
#define HP_RESULT_CONCAT(a, b) HP_RESULT_CONCAT_INNER(a, b)

// Returns the error of an expression that yields a Result or Status from the enclosing function
// (which returns a Result or Status), and goes on otherwise. The value, if any, is dropped.
#define HP_TRY(expr)                                                                  \
  do {                                                                                \
    auto hp_try_result_ = (expr);                                                     \
    if (!hp_try_result_) return ::hostplane::Fail(std::move(hp_try_result_.error())); \
  } while (0)

// Declares or assigns lhs from the value of expr (a Result<T>), or returns its error:
//   HP_ASSIGN_OR_RETURN(auto customer, tx.customers().FindByLogin(login));
//   HP_ASSIGN_OR_RETURN(plan, PlanOf(tx, customer));   // an existing variable
// lhs must not be a structured binding. It expands to several statements: never the body of an
// unbraced if or loop.
#define HP_ASSIGN_OR_RETURN(lhs, expr) \
  HP_ASSIGN_OR_RETURN_IMPL(HP_RESULT_CONCAT(hp_assign_result_, __LINE__), lhs, expr)
#define HP_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr)              \
  auto tmp = (expr);                                          \
  if (!tmp) return ::hostplane::Fail(std::move(tmp).error()); \
  lhs = std::move(*tmp)
