#include "common/pg/migrate.h"

#include <string>

namespace hostplane::pg {
namespace {

// The advisory lock key the migrations take turns on ("hpmigr" in ASCII).
constexpr const char* kLock = "SELECT pg_advisory_xact_lock(6854592346825842)";

Status ApplyOne(Connection& db, const Migration& m) {
  HP_TRY(db.Exec("BEGIN"));
  auto run = [&]() -> Status {
    HP_TRY(db.Exec(kLock));
    HP_ASSIGN_OR_RETURN(ResultSet done,
                        db.Query("SELECT 1 FROM schema_migrations WHERE version = $1",
                                 {std::to_string(m.version)}));
    if (done.Rows() > 0) return Ok();
    HP_TRY(db.Exec(m.sql));
    HP_ASSIGN_OR_RETURN(ResultSet recorded,
                        db.Query("INSERT INTO schema_migrations (version) VALUES ($1)",
                                 {std::to_string(m.version)}));
    return Ok();
  };
  if (Status s = run(); !s) {
    (void)db.Exec("ROLLBACK");
    return Fail(s.error().Wrap("migration " + std::to_string(m.version)));
  }
  return db.Exec("COMMIT");
}

}  // namespace

Status Migrate(Connection& db, const std::vector<Migration>& migrations) {
  // In one statement batch, so the lock is held while the table is created (two processes
  // creating it at once would collide in the catalog).
  if (Status s =
          db.Exec(std::string("BEGIN; ") + kLock +
                  "; CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY "
                  "KEY, applied_at BIGINT NOT NULL DEFAULT extract(epoch FROM now())::bigint);"
                  " COMMIT");
      !s) {
    (void)db.Exec("ROLLBACK");
    return Fail(s.error().Wrap("creating schema_migrations"));
  }
  for (const Migration& m : migrations) HP_TRY(ApplyOne(db, m));
  return Ok();
}

}  // namespace hostplane::pg
