#include "controller/api/api_error.h"

namespace hostplane::controller {
namespace {

bool IsInvalidJson(const Error& e) {
  return e.code == ErrorCode::kInvalid && e.fields.size() == 1 &&
         e.fields.begin()->second == kInvalidJsonCode;
}

}  // namespace

Error InvalidJsonError(const std::string& parser_message) {
  return Error::InvalidField("body", kInvalidJsonCode,
                             "the request body is not valid JSON: " + parser_message);
}

int HttpStatusFor(const Error& e) {
  switch (e.code) {
    case ErrorCode::kInvalid:
      return IsInvalidJson(e) ? 400 : 422;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kConflict:
      return 409;
    case ErrorCode::kLimit:
      return 409;
    case ErrorCode::kUnauthorized:
      return 401;
    case ErrorCode::kForbidden:
      return 403;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kTimeout:
      return 504;
    case ErrorCode::kIo:
    case ErrorCode::kValidation:
    case ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

nlohmann::json ErrorJson(const Error& e) {
  nlohmann::json fields = nlohmann::json::object();
  for (const auto& [path, code] : e.fields) fields[path] = code;
  return {{"error",
           {{"code", IsInvalidJson(e) ? kInvalidJsonCode : ErrorCodeName(e.code)},
            {"message", e.message},
            {"fields", std::move(fields)}}}};
}

}  // namespace hostplane::controller
