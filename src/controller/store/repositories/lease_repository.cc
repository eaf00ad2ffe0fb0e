#include "controller/store/repositories/lease_repository.h"

#include <fmt/format.h>

namespace hostplane::controller {

Result<std::optional<int64_t>> LeaseRepository::Acquire(const std::string& name,
                                                        const std::string& holder, int64_t ttl_ms) {
  // "<identity>|<incarnation>": a controller with a lasting identity (LeaderLeaseOptions). Its
  // earlier incarnations are dead (each holds the data directory exclusively while it runs), so
  // their lease is taken at once. Only hexadecimal identities count (they go into LIKE).
  const size_t bar = holder.find('|');
  const bool has_prefix =
      bar != std::string::npos && bar > 0 && holder.find_first_not_of("0123456789abcdef") == bar;
  const std::string_view now = db_.dialect().NowMillis();
  const std::string earlier = has_prefix ? " OR leases.holder LIKE :earlier" : "";
  std::string sql = fmt::format(
      "INSERT INTO leases (name, holder, epoch, expires_at) VALUES (:name, :holder, 1, {0} + :ttl) "
      "ON CONFLICT (name) DO UPDATE SET "
      "epoch = CASE WHEN leases.holder = excluded.holder AND leases.expires_at > {0} "
      "THEN leases.epoch ELSE leases.epoch + 1 END, "
      "holder = excluded.holder, expires_at = excluded.expires_at "
      "WHERE leases.holder = excluded.holder OR leases.expires_at <= {0}{1} "
      "RETURNING epoch",
      now, earlier);
  sql::Params params{{"name", name}, {"holder", holder}, {"ttl", ttl_ms}};
  if (has_prefix) params.push_back({"earlier", holder.substr(0, bar + 1) + "%"});
  return sql::One<int64_t>(
      db_, sql, params, +[](const sql::Row& row) -> Result<int64_t> { return row.Int("epoch"); });
}

Status LeaseRepository::Hold(const std::string& name, const std::string& holder, int64_t epoch) {
  // An UPDATE rather than a SELECT: it locks the row in PostgreSQL until the commit.
  HP_TRY(sql::Exec(db_,
                   fmt::format("UPDATE leases SET expires_at = expires_at WHERE name = :name AND "
                               "holder = :holder AND epoch = :epoch AND expires_at > {}",
                               db_.dialect().NowMillis()),
                   {{"name", name}, {"holder", holder}, {"epoch", epoch}}));
  if (db_.Changes() == 1) return Ok();
  return Fail(Error{ErrorCode::kConflict,
                    fmt::format("the lease of job {} (epoch {}) is no longer this controller's: "
                                "its writes are refused",
                                name, epoch),
                    {{"lease", "lease.lost"}}});
}

Status LeaseRepository::Release(const std::string& name, const std::string& holder) {
  return sql::Exec(db_, "UPDATE leases SET expires_at = 0 WHERE name = :name AND holder = :holder",
                   {{"name", name}, {"holder", holder}});
}

}  // namespace hostplane::controller
