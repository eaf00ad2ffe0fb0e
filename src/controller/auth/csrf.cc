#include "controller/auth/csrf.h"

#include <sodium.h>

#include "common/crypto.h"
#include "controller/auth/base_url.h"
#include "controller/auth/secret_token.h"

namespace hostplane::auth {
namespace {

// The BLAKE2b key: domain separation only (the session token is the secret).
constexpr char kLabel[] = "hostplane.csrf.v1.domain.separation";

Error Refuse(const char* field, const char* code, const char* message) {
  return Error{ErrorCode::kForbidden, message, {{field, code}}};
}

}  // namespace

std::string CsrfTokenFor(std::string_view session_token) {
  (void)InitCrypto();
  unsigned char digest[32];
  crypto_generichash(
      digest, sizeof digest, reinterpret_cast<const unsigned char*>(session_token.data()),
      session_token.size(), reinterpret_cast<const unsigned char*>(kLabel), sizeof kLabel - 1);
  char b64[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  sodium_bin2base64(b64, sizeof b64, digest, sizeof digest,
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return b64;
}

bool IsSafeMethod(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS";
}

Status CheckRequestOrigin(std::string_view method, std::optional<std::string_view> origin,
                          std::optional<std::string_view> referer,
                          const std::vector<std::string>& allowed_origins) {
  if (IsSafeMethod(method)) return Ok();
  std::string seen;
  if (origin) {
    if (*origin == "null") {
      return Fail(Refuse("origin", "csrf.origin_null",
                         "The request comes from an opaque origin; it is refused."));
    }
    auto o = OriginOf(*origin);
    if (!o) {
      return Fail(Refuse("origin", "csrf.origin_mismatch",
                         "The request comes from a page of another site; it is refused."));
    }
    seen = *o;
  } else if (referer) {
    auto o = OriginOf(*referer);
    if (!o) {
      return Fail(Refuse("origin", "csrf.origin_missing",
                         "The request says neither where it comes from (Origin) nor which page "
                         "sent it (Referer); it is refused."));
    }
    seen = *o;
  } else {
    return Fail(Refuse("origin", "csrf.origin_missing",
                       "The request says neither where it comes from (Origin) nor which page "
                       "sent it (Referer); it is refused."));
  }
  for (const auto& allowed : allowed_origins) {
    if (seen == allowed) return Ok();
  }
  return Fail(Refuse("origin", "csrf.origin_mismatch",
                     "The request comes from a page of another site; it is refused."));
}

Status CheckCsrfToken(std::string_view method, std::string_view session_token,
                      std::optional<std::string_view> presented) {
  if (IsSafeMethod(method)) return Ok();
  if (!presented || presented->empty()) {
    return Fail(Refuse("csrf_token", "csrf.token_missing",
                       "The request has no X-CSRF-Token header; it is refused."));
  }
  if (session_token.empty() || !ConstantTimeEquals(CsrfTokenFor(session_token), *presented)) {
    return Fail(Refuse("csrf_token", "csrf.token_mismatch",
                       "The request's X-CSRF-Token does not belong to this session."));
  }
  return Ok();
}

Status CheckCsrf(std::string_view method, std::optional<std::string_view> origin,
                 std::optional<std::string_view> referer,
                 const std::vector<std::string>& allowed_origins, std::string_view session_token,
                 std::optional<std::string_view> presented_token) {
  HP_TRY(CheckRequestOrigin(method, origin, referer, allowed_origins));
  return CheckCsrfToken(method, session_token, presented_token);
}

}  // namespace hostplane::auth
