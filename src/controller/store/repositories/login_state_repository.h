#pragma once

// The login state of people and permissions: browser sessions (only their ids' hashes) and the
// failed-login log of the throttle (opaque keys, no name or address in clear). The rows behind
// auth::SessionStore and auth::FailureLog (store/auth_stores.h). Lives inside one StoreTxn; not
// thread-safe.

#include <optional>
#include <string>
#include <vector>

#include "controller/auth/sessions.h"
#include "controller/store/sql.h"

namespace hostplane::controller {

class LoginStateRepository {
 public:
  explicit LoginStateRepository(sql::Connection& db) : db_(db) {}

  [[nodiscard]] Status InsertSession(const auth::SessionRecord& r);
  Result<std::optional<auth::SessionRecord>> FindSession(const std::string& id_hash);
  [[nodiscard]] Status TouchSession(const std::string& id_hash, int64_t now_ms);
  // False when there was none.
  Result<bool> RemoveSession(const std::string& id_hash);
  // The user's sessions but keep; how many went.
  Result<int> RemoveSessionsOf(const std::string& user_id, const std::optional<std::string>& keep);
  // Oldest first.
  Result<std::vector<auth::SessionRecord>> SessionsOf(const std::string& user_id);

  [[nodiscard]] Status AddFailure(const std::string& key, int64_t at_ms, int64_t keep);
  // Newest first.
  Result<std::vector<int64_t>> FailuresSince(const std::string& key, int64_t since_ms,
                                             int64_t limit);
  [[nodiscard]] Status ClearFailures(const std::string& key);
  [[nodiscard]] Status PruneFailures(int64_t before_ms);

 private:
  sql::Connection& db_;
};

}  // namespace hostplane::controller
