#pragma once

// How many messages each account sent, per minute, in an SQLite file of the agent's state
// (agent/drivers/mail/sending_policy.h counts through it). Kept on disk so an agent restart does
// not hand a hacked site a fresh hour. Durable per increment (WAL; a crash loses nothing that was
// answered "DUNNO" after it). Rows older than two hours are pruned as it goes.
//
// Not thread-safe: the SendingPolicyService serialises its callers.

#include <cstdint>
#include <string>

#include "common/result.h"
#include "common/sqlite/database.h"

namespace hostplane::agent {

class SendingCounters {
 public:
  // Opens (creating) the file at `path` (absolute host path; ":memory:" for tests).
  // Errors: kIo.
  [[nodiscard]] static Result<SendingCounters> Open(const std::string& path);

  // Messages the account sent in the minutes [since_minute, now]. Errors: kIo.
  [[nodiscard]] Result<int64_t> Count(const std::string& account, int64_t since_minute);
  // Adds n messages to the account's count for `minute`. Errors: kIo.
  [[nodiscard]] Status Add(const std::string& account, int64_t minute, int64_t n);

 private:
  explicit SendingCounters(sqlite::Database db) : db_(std::move(db)) {}
  sqlite::Database db_;
  int64_t pruned_minute_ = 0;
};

}  // namespace hostplane::agent
