#include "controller/store/repositories/second_factor_repository.h"

namespace hostplane::controller {

Status SecondFactorRepository::SetPending(int64_t user_id, const std::string& secret_base32) {
  return sql::Exec(db_,
                   "INSERT INTO second_factors (user_id, pending, pending_at) "
                   "VALUES (:user_id, :pending, :now) ON CONFLICT (user_id) DO UPDATE SET "
                   "pending = excluded.pending, pending_at = excluded.pending_at",
                   {{"user_id", user_id}, {"pending", secret_base32}, {"now", clock_.NowMillis()}});
}

Result<std::optional<PendingSecondFactor>> SecondFactorRepository::Pending(int64_t user_id) {
  return sql::One<PendingSecondFactor>(
      db_,
      "SELECT pending, pending_at FROM second_factors WHERE user_id = :user_id AND pending <> ''",
      {{"user_id", user_id}}, +[](const sql::Row& row) -> Result<PendingSecondFactor> {
        return PendingSecondFactor{row.Text("pending"), row.Int("pending_at")};
      });
}

Status SecondFactorRepository::ClearPending(int64_t user_id) {
  return sql::Exec(db_,
                   "UPDATE second_factors SET pending = '', pending_at = 0 "
                   "WHERE user_id = :user_id",
                   {{"user_id", user_id}});
}

Result<bool> SecondFactorRepository::ClaimStep(int64_t user_id, int64_t step) {
  HP_TRY(sql::Exec(db_,
                   "INSERT INTO second_factors (user_id, last_step) VALUES (:user_id, :step) "
                   "ON CONFLICT (user_id) DO UPDATE SET last_step = excluded.last_step "
                   "WHERE second_factors.last_step < excluded.last_step",
                   {{"user_id", user_id}, {"step", step}}));
  return db_.Changes() == 1;
}

Status SecondFactorRepository::ReplaceRecoveryCodes(int64_t user_id,
                                                    const std::vector<std::string>& hashes) {
  HP_TRY(sql::Exec(db_, "DELETE FROM recovery_codes WHERE user_id = :user_id",
                   {{"user_id", user_id}}));
  for (const std::string& hash : hashes) {
    HP_TRY(sql::Exec(db_, "INSERT INTO recovery_codes (user_id, hash) VALUES (:user_id, :hash)",
                     {{"user_id", user_id}, {"hash", hash}}));
  }
  return Ok();
}

Result<bool> SecondFactorRepository::ConsumeRecoveryCode(int64_t user_id, const std::string& hash) {
  HP_TRY(sql::Exec(db_, "DELETE FROM recovery_codes WHERE user_id = :user_id AND hash = :hash",
                   {{"user_id", user_id}, {"hash", hash}}));
  return db_.Changes() == 1;
}

Result<int> SecondFactorRepository::RecoveryCodesLeft(int64_t user_id) {
  HP_ASSIGN_OR_RETURN(auto n,
                      sql::One<int64_t>(
                          db_, "SELECT COUNT(*) AS n FROM recovery_codes WHERE user_id = :user_id",
                          {{"user_id", user_id}},
                          +[](const sql::Row& row) -> Result<int64_t> { return row.Int("n"); }));
  return static_cast<int>(n.value_or(0));
}

Status SecondFactorRepository::Forget(int64_t user_id) {
  HP_TRY(sql::Exec(db_, "DELETE FROM recovery_codes WHERE user_id = :user_id",
                   {{"user_id", user_id}}));
  // last_step stays: a code of a secret that was reset must not become valid again.
  return ClearPending(user_id);
}

}  // namespace hostplane::controller
