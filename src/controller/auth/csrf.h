#pragma once

// Cross-site request forgery defences for requests that carry a session cookie (bearer-token
// requests are exempt: a browser never adds a bearer token on its own). Two independent checks,
// both required on every state-changing method (anything but GET, HEAD, OPTIONS):
//   1. Origin: the Origin header must be one of the allowed origins (the configured base URL's,
//      BaseUrl::origin()); without Origin, the Referer's origin must be; with neither, or with
//      "Origin: null", the request is refused.
//   2. Token: the X-CSRF-Token header must equal CsrfTokenFor(session token), a keyed BLAKE2b of
//      the session secret, so the server needs no extra state and a page can only learn it from
//      the API (the session cookie itself is HttpOnly and SameSite=Strict).
// Pure functions; any thread.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace hostplane::auth {

// The header the panel sends the token in.
inline constexpr const char* kCsrfHeader = "X-CSRF-Token";

// base64url of BLAKE2b-256 keyed with a fixed domain-separation label over the session token:
// not the session id, not derivable from the stored session hash.
std::string CsrfTokenFor(std::string_view session_token);

// True for GET, HEAD and OPTIONS (methods that must not change state), case-sensitive as HTTP.
bool IsSafeMethod(std::string_view method);

// Check 1. Errors: kForbidden with field "origin" and csrf.origin_mismatch (an origin not
// allowed), csrf.origin_null ("Origin: null"), csrf.origin_missing (neither header, or a Referer
// that is not an absolute URL). Safe methods always pass.
[[nodiscard]] Status CheckRequestOrigin(std::string_view method,
                                        std::optional<std::string_view> origin,
                                        std::optional<std::string_view> referer,
                                        const std::vector<std::string>& allowed_origins);

// Check 2. Errors: kForbidden with field "csrf_token" and csrf.token_missing or
// csrf.token_mismatch. Safe methods always pass.
[[nodiscard]] Status CheckCsrfToken(std::string_view method, std::string_view session_token,
                                    std::optional<std::string_view> presented);

// Both checks, origin first: what the API runs on every cookie-authenticated request.
[[nodiscard]] Status CheckCsrf(std::string_view method, std::optional<std::string_view> origin,
                               std::optional<std::string_view> referer,
                               const std::vector<std::string>& allowed_origins,
                               std::string_view session_token,
                               std::optional<std::string_view> presented_token);

}  // namespace hostplane::auth
