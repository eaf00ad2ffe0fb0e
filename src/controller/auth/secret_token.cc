#include "controller/auth/secret_token.h"

#include <sodium.h>

#include "common/crypto.h"

namespace hostplane::auth {
namespace {

constexpr size_t kRandomBytes = 32;
constexpr size_t kEncodedLength = 43;  // unpadded base64url of 32 bytes

const char* Prefix(SecretKind kind) {
  switch (kind) {
    case SecretKind::kSession:
      return "hps_";
    case SecretKind::kApiToken:
      return "hp_";
    case SecretKind::kPasswordReset:
      return "hpr_";
    case SecretKind::kEmailConfirmation:
      return "hpe_";
    case SecretKind::kOrderLink:
      return "hpo_";
  }
  return "hpx_";
}

bool Base64UrlChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

}  // namespace

IssuedSecret IssueSecret(SecretKind kind) {
  IssuedSecret s;
  s.token = Prefix(kind) + RandomBase64Url(kRandomBytes);
  s.hash = HashSecret(s.token);
  return s;
}

std::string HashSecret(std::string_view token) { return HashApiToken(std::string(token)); }

Status CheckSecretShape(std::string_view token, SecretKind kind) {
  std::string_view prefix = Prefix(kind);
  bool ok =
      token.size() == prefix.size() + kEncodedLength && token.substr(0, prefix.size()) == prefix;
  for (size_t i = prefix.size(); ok && i < token.size(); ++i) ok = Base64UrlChar(token[i]);
  if (!ok) {
    return Fail(
        Error{ErrorCode::kUnauthorized, "The token is not valid.", {{"token", "token.malformed"}}});
  }
  return Ok();
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace hostplane::auth
