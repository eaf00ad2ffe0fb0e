#include "controller/store/repositories/counter_repository.h"

namespace hostplane::controller {

Result<int64_t> CounterRepository::Next(const std::string& name, int64_t first) {
  // Two statements, not ... RETURNING: see sql::Connection::Insert.
  HP_TRY(sql::Exec(db_,
                   "INSERT INTO counters (name, value) VALUES (:name, :first) "
                   "ON CONFLICT (name) DO UPDATE SET value = counters.value + 1",
                   {{"name", name}, {"first", first}}));
  auto value =
      sql::Scalar(db_, "SELECT value FROM counters WHERE name = :name", {{"name", name}}, "value");
  if (!value && value.error().code == ErrorCode::kInternal) {
    return Fail(Error::Internal("counter '" + name + "' returned no row"));
  }
  return value;
}

}  // namespace hostplane::controller
