#pragma once

// API tokens: only a hash of each is kept. Lives inside one StoreTxn; not thread-safe.

#include <optional>
#include <string>

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
  Result<std::optional<ApiToken>> FindByHash(const std::string& token_hash);
  [[nodiscard]] Status Touch(int64_t id, int64_t now);

 private:
  sql::Connection& db_;
  const Clock& clock_;
};

}  // namespace hostplane::controller
