#include "controller/store/repositories/secret_repository.h"

namespace hostplane::controller {

Status SecretRepository::Put(const std::string& name, const std::string& sealed) {
  return sql::Exec(db_,
                   "INSERT INTO secrets (name, sealed, created_at) VALUES (:name, :sealed, :now) "
                   "ON CONFLICT (name) DO UPDATE SET sealed = excluded.sealed, "
                   "created_at = excluded.created_at",
                   {{"name", name}, {"sealed", sealed}, {"now", clock_.NowMillis()}});
}

Result<std::optional<std::string>> SecretRepository::Find(const std::string& name) {
  return sql::One<std::string>(
      db_, "SELECT sealed FROM secrets WHERE name = :name", {{"name", name}},
      +[](const sql::Row& row) -> Result<std::string> { return row.Text("sealed"); });
}

Result<bool> SecretRepository::Remove(const std::string& name) {
  HP_TRY(sql::Exec(db_, "DELETE FROM secrets WHERE name = :name", {{"name", name}}));
  return db_.Changes() == 1;
}

}  // namespace hostplane::controller
