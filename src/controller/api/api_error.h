#pragma once

// How an Error leaves the REST API: the one mapping from ErrorCode to HTTP status, and the one
// JSON shape every error body has: {"error": {"code", "message", "fields": {path: code}}}.
// A request body that is not JSON at all is the single case that does not come from an
// ErrorCode: it is a 400 with code "invalid_json" (InvalidJsonError builds it, and
// HttpStatusFor recognises it), so that clients can tell "fix your encoder" from "fix a field".

#include <nlohmann/json.hpp>
#include <string>

#include "common/result.h"

namespace hostplane::controller {

inline constexpr const char* kInvalidJsonCode = "invalid_json";

// kInvalid with fields {"body": "invalid_json"}; mapped to 400.
Error InvalidJsonError(const std::string& parser_message);

// The HTTP status for an error: kInvalid 422 (400 for invalid JSON), kNotFound 404, kConflict and
// kLimit 409, kUnauthorized 401, kForbidden 403, kUnavailable 503, kTimeout 504, others 500.
int HttpStatusFor(const Error& e);

// {"error": {"code": ErrorCodeName (or "invalid_json"), "message", "fields"}}.
nlohmann::json ErrorJson(const Error& e);

}  // namespace hostplane::controller
