#pragma once

// The second factor's state beside users.totp_secret (issue 14): the secret being enrolled
// (pending until a code made from it is confirmed), the last TOTP step accepted per user (replay
// refusal that survives a restart and holds across controllers sharing the store), and the hashes
// of the unused recovery codes. Lives inside one StoreTxn; not thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "controller/store/sql.h"

namespace hostplane::controller {

struct PendingSecondFactor {
  std::string secret_base32;
  int64_t started_at = 0;  // ms since the epoch
};

class SecondFactorRepository {
 public:
  SecondFactorRepository(sql::Connection& db, const Clock& clock) : db_(db), clock_(clock) {}

  // Stores (or replaces) the secret a user is enrolling.
  [[nodiscard]] Status SetPending(int64_t user_id, const std::string& secret_base32);
  Result<std::optional<PendingSecondFactor>> Pending(int64_t user_id);
  [[nodiscard]] Status ClearPending(int64_t user_id);

  // When step is above the user's last accepted step (or none was), stores it and returns true;
  // else false and nothing changes. One statement, so two controllers cannot both accept a step.
  Result<bool> ClaimStep(int64_t user_id, int64_t step);

  // Replaces the user's recovery code hashes (none: the set is emptied).
  [[nodiscard]] Status ReplaceRecoveryCodes(int64_t user_id,
                                            const std::vector<std::string>& hashes);
  // Removes the hash from the user's set; false when it was not there.
  Result<bool> ConsumeRecoveryCode(int64_t user_id, const std::string& hash);
  Result<int> RecoveryCodesLeft(int64_t user_id);

  // Everything of the user's second factor but users.totp_secret (a reset, or disabling it).
  [[nodiscard]] Status Forget(int64_t user_id);

 private:
  sql::Connection& db_;
  const Clock& clock_;
};

}  // namespace hostplane::controller
