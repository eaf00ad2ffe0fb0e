#pragma once

// One-time links (controller/auth/one_time_links.h) in the store: the hash of each link's secret
// (never the secret), its purpose, subject and expiry. Lives inside one StoreTxn; not
// thread-safe. StoreOneTimeTokens (controller/store/store_one_time_tokens.h) is the
// OneTimeTokenStore over it.

#include <optional>
#include <string>

#include "controller/auth/one_time_links.h"
#include "controller/store/sql.h"

namespace hostplane::controller {

class OneTimeLinkRepository {
 public:
  explicit OneTimeLinkRepository(sql::Connection& db) : db_(db) {}

  // Errors: kConflict for a hash already there; the backend's.
  [[nodiscard]] Status Insert(const auth::OneTimeRecord& record);
  Result<std::optional<auth::OneTimeRecord>> Find(const std::string& hash,
                                                  auth::LinkPurpose purpose);
  // Whether a row was removed.
  Result<bool> Remove(const std::string& hash, auth::LinkPurpose purpose);
  [[nodiscard]] Status RemoveSubject(const std::string& subject, auth::LinkPurpose purpose);
  [[nodiscard]] Status RemoveExpired(int64_t now_ms);
  // Links of a subject and purpose that are there (tests).
  Result<int64_t> CountOf(const std::string& subject, auth::LinkPurpose purpose);

 private:
  sql::Connection& db_;
};

}  // namespace hostplane::controller
