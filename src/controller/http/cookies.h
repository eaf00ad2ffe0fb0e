#pragma once

// Reading a cookie from a request's Cookie headers (RFC 6265 section 5.4: "name=value" pairs
// separated by "; "). Only the controller's own session cookie is ever read, by exact name. Pure
// functions; any thread.

#include <optional>
#include <string>
#include <string_view>

#include "controller/http/http_message.h"

namespace hostplane::controller::http {

// The value of the first cookie called `name` in any Cookie header of the request (quotes
// around the value removed), or nullopt when none is. Names are compared exactly.
std::optional<std::string> CookieValue(const HttpRequest& request, std::string_view name);

}  // namespace hostplane::controller::http
