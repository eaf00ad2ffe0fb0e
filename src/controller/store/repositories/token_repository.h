#pragma once

// API tokens: only a hash of each is kept. Lives inside one StoreTxn; not thread-safe.

#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "controller/store/entities.h"
#include "controller/store/sql.h"

namespace hostplane::controller {

class TokenRepository {
 public:
  TokenRepository(sql::Connection& db, const Clock& clock) : db_(db), clock_(clock) {}

  // Errors: kConflict when the hash exists.
  Result<ApiToken> Insert(const std::string& name, const std::string& token_hash,
                          const std::string& role);
  // A user's token with its scopes and expiry (token.user_id set). Errors: kConflict.
  Result<ApiToken> Insert(const ApiToken& token, const std::string& token_hash);
  Result<std::optional<ApiToken>> FindByHash(const std::string& token_hash);
  // A user's tokens (nullopt: the company's), oldest first.
  Result<std::vector<ApiToken>> ListOfUser(std::optional<int64_t> user_id);
  // Revokes one token of the user (nullopt: a company token). Errors: kNotFound.
  [[nodiscard]] Status Delete(std::optional<int64_t> user_id, int64_t id);
  [[nodiscard]] Status Touch(int64_t id, int64_t now);

 private:
  sql::Connection& db_;
  const Clock& clock_;
};

}  // namespace hostplane::controller
