#pragma once

// Content copies of drains (entities.h Transfer), oldest first. Internal objects of the engine:
// never listed to customers. Lives inside one StoreTxn; not thread-safe.

#include <optional>
#include <vector>

#include "common/clock.h"
#include "controller/store/entities.h"
#include "controller/store/sql.h"

namespace hostplane::controller {

class TransferRepository {
 public:
  TransferRepository(sql::Connection& db, const Clock& clock) : db_(db), clock_(clock) {}

  Result<Transfer> Insert(const Transfer& t);
  Result<std::optional<Transfer>> Find(int64_t id);
  // State, chunks, bytes, digest and error. Errors: kNotFound.
  [[nodiscard]] Status Update(const Transfer& t);
  Result<std::vector<Transfer>> List(const TransferFilter& filter);

 private:
  sql::Connection& db_;
  const Clock& clock_;
};

}  // namespace hostplane::controller
