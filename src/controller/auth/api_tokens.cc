#include "controller/auth/api_tokens.h"

#include "controller/auth/secret_token.h"
#include "controller/auth/token_scopes.h"

namespace hostplane::auth {
namespace {

constexpr std::chrono::seconds kMaxTtl{5LL * 366 * 24 * 3600};

Error Unauthorized(const char* code, const char* message) {
  return Error{ErrorCode::kUnauthorized, message, {{"token", code}}};
}

}  // namespace

ApiTokens::ApiTokens(ApiTokenStore& store, const Clock& clock, std::chrono::seconds touch_interval)
    : store_(store), clock_(clock), touch_interval_(touch_interval) {}

Result<CreatedApiToken> ApiTokens::Create(std::string_view user_id, std::string_view name,
                                          const std::vector<std::string>& scopes,
                                          std::optional<std::chrono::seconds> ttl) {
  bool name_ok = !name.empty() && name.size() <= 64;
  for (unsigned char c : name) name_ok = name_ok && c >= 0x20 && c != 0x7f;
  if (!name_ok) {
    return Fail(Error::InvalidField("name", "token.name_invalid",
                                    "A token's name is 1-64 characters without control "
                                    "characters."));
  }
  auto checked = CheckScopes(scopes);
  if (!checked) return Fail(checked.error());
  if (ttl && (ttl->count() <= 0 || *ttl > kMaxTtl)) {
    return Fail(Error::InvalidField("expires_in", "token.expiry_invalid",
                                    "A token expires after a positive time of at most 5 years."));
  }
  if (user_id.empty()) return Fail(Error::Invalid("a token needs a user"));
  IssuedSecret secret = IssueSecret(SecretKind::kApiToken);
  ApiTokenRecord r;
  r.hash = secret.hash;
  r.user_id = std::string(user_id);
  r.name = std::string(name);
  r.scopes = std::move(*checked);
  r.created_at_ms = clock_.NowMillis();
  if (ttl) r.expires_at_ms = r.created_at_ms + std::chrono::milliseconds(*ttl).count();
  HP_TRY(store_.Insert(r));
  return CreatedApiToken{std::move(secret.token), std::move(r)};
}

Result<ApiTokenRecord> ApiTokens::Authenticate(std::string_view token) {
  HP_TRY(CheckSecretShape(token, SecretKind::kApiToken));
  std::string hash = HashSecret(token);
  auto found = store_.Find(hash);
  if (!found) return Fail(found.error());
  if (!*found) return Fail(Unauthorized("token.invalid", "The token is not valid."));
  ApiTokenRecord r = std::move(**found);
  int64_t now = clock_.NowMillis();
  if (r.expires_at_ms && now >= *r.expires_at_ms) {
    return Fail(Unauthorized("token.expired", "The token has expired."));
  }
  if (!r.last_used_ms ||
      now - *r.last_used_ms >= std::chrono::milliseconds(touch_interval_).count()) {
    HP_TRY(store_.Touch(hash, now));
    r.last_used_ms = now;
  }
  return r;
}

Result<std::vector<ApiTokenRecord>> ApiTokens::List(std::string_view user_id) {
  return store_.ListForUser(user_id);
}

Status ApiTokens::Revoke(std::string_view user_id, std::string_view hash) {
  auto removed = store_.Remove(user_id, hash);
  if (!removed) return Fail(removed.error());
  if (!*removed) return Fail(Error::NotFound("no such token"));
  return Ok();
}

}  // namespace hostplane::auth
