#include "controller/store/repositories/counter_repository.h"

namespace hostplane::controller {

Result<int64_t> CounterRepository::Next(const std::string& name, int64_t first) {
  auto value = sql::Scalar(db_,
                           "INSERT INTO counters (name, value) VALUES (:name, :first) "
                           "ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 "
                           "RETURNING value",
                           {{"name", name}, {"first", first}}, "value");
  if (!value && value.error().code == ErrorCode::kInternal) {
    return Fail(Error::Internal("counter '" + name + "' returned no row"));
  }
  return value;
}

}  // namespace hostplane::controller
