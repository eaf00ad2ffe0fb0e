#pragma once

// The storage seam of login throttling: timestamps of failed logins under opaque keys (hashes
// that LoginThrottle makes; no login name or address is stored in clear). The store implements it
// later as one table (key, at_ms) so counters survive a restart; tests use
// testing/memory_failure_log.h.
//
// Each call must be atomic on its own (two threads adding under one key both count). Called from
// request threads and the hashing gate's threads at once.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace hostplane::auth {

class FailureLog {
 public:
  virtual ~FailureLog() = default;
  // Appends a failure at at_ms under key, then keeps only the newest `keep` entries of that key.
  // Errors: kIo/kUnavailable from the backend.
  [[nodiscard]] virtual Status Add(std::string_view key, int64_t at_ms, size_t keep) = 0;
  // The key's entries at or after since_ms, newest first, at most `limit`. Errors as Add.
  [[nodiscard]] virtual Result<std::vector<int64_t>> Since(std::string_view key, int64_t since_ms,
                                                           size_t limit) = 0;
  // Forgets the key. Errors as Add.
  [[nodiscard]] virtual Status Clear(std::string_view key) = 0;
  // Forgets every entry older than before_ms (housekeeping, e.g. hourly). Errors as Add.
  [[nodiscard]] virtual Status Prune(int64_t before_ms) = 0;
};

}  // namespace hostplane::auth
