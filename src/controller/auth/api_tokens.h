#pragma once

// API tokens of users (the CLI's `hostplane login`, scripts): an opaque secret ("hp_...",
// secret_token.h) shown once at creation, stored only as its hash with the user, a name, its
// scopes (token_scopes.h), an optional expiry and the time of its last use (written at most once
// per `touch_interval`, so a busy script does not turn every read into a write).
//
// Any thread, if the store is thread-safe. Clock injected.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/result.h"

namespace hostplane::auth {

struct ApiTokenRecord {
  std::string hash;  // HashSecret(token); also the handle by which the user lists and revokes
  std::string user_id;
  std::string name;  // the user's label ("deploy from CI"), 1-64 printable characters
  std::vector<std::string> scopes;
  int64_t created_at_ms = 0;
  std::optional<int64_t> expires_at_ms;  // none: until revoked
  std::optional<int64_t> last_used_ms;
};

// The storage seam. Errors for every method: the backend's.
class ApiTokenStore {
 public:
  virtual ~ApiTokenStore() = default;
  [[nodiscard]] virtual Status Insert(const ApiTokenRecord& record) = 0;
  [[nodiscard]] virtual Result<std::optional<ApiTokenRecord>> Find(std::string_view hash) = 0;
  [[nodiscard]] virtual Status Touch(std::string_view hash, int64_t now_ms) = 0;
  // False when the user has no token with this hash.
  [[nodiscard]] virtual Result<bool> Remove(std::string_view user_id, std::string_view hash) = 0;
  [[nodiscard]] virtual Result<std::vector<ApiTokenRecord>> ListForUser(
      std::string_view user_id) = 0;
};

struct CreatedApiToken {
  std::string token;  // show once
  ApiTokenRecord record;
};

class ApiTokens {
 public:
  ApiTokens(ApiTokenStore& store, const Clock& clock,
            std::chrono::seconds touch_interval = std::chrono::seconds(60));

  // Errors: kInvalid with field "name" (token.name_invalid: empty, over 64 bytes, or holding a
  // control character), the CheckScopes errors, field "expires_in" (token.expiry_invalid: not
  // positive, or over 5 years); the store's.
  [[nodiscard]] Result<CreatedApiToken> Create(std::string_view user_id, std::string_view name,
                                               const std::vector<std::string>& scopes,
                                               std::optional<std::chrono::seconds> ttl);
  // The record of a bearer token. Errors: kUnauthorized with field "token" and token.malformed
  // (CheckSecretShape), token.invalid (unknown or revoked) or token.expired; the store's.
  [[nodiscard]] Result<ApiTokenRecord> Authenticate(std::string_view token);
  [[nodiscard]] Result<std::vector<ApiTokenRecord>> List(std::string_view user_id);
  // Errors: kNotFound when the user has no such token; the store's.
  [[nodiscard]] Status Revoke(std::string_view user_id, std::string_view hash);

 private:
  ApiTokenStore& store_;
  const Clock& clock_;
  std::chrono::seconds touch_interval_;
};

}  // namespace hostplane::auth
