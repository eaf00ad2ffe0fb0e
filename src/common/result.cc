#include "common/result.h"

#include <cstring>

namespace hostplane {

const char* ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalid:
      return "invalid";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kConflict:
      return "conflict";
    case ErrorCode::kUnauthorized:
      return "unauthorized";
    case ErrorCode::kForbidden:
      return "forbidden";
    case ErrorCode::kLimit:
      return "limit_reached";
    case ErrorCode::kUnavailable:
      return "unavailable";
    case ErrorCode::kTimeout:
      return "timeout";
    case ErrorCode::kIo:
      return "io";
    case ErrorCode::kValidation:
      return "validation";
    case ErrorCode::kInternal:
      return "internal";
  }
  return "internal";
}

Error Error::FromErrno(const std::string& context, int err) {
  return {ErrorCode::kIo, context + ": " + std::strerror(err), {}};
}

}  // namespace hostplane
