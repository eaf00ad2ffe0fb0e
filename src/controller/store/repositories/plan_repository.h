#pragma once

// Plans: the limits and placement pins customers are sold. Company-level objects (a reseller's
// own plans come with people and permissions). Lives inside one StoreTxn; not thread-safe.

#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "controller/store/entities.h"
#include "controller/store/sql.h"

namespace hostplane::controller {

class PlanRepository {
 public:
  PlanRepository(sql::Connection& db, const Clock& clock) : db_(db), clock_(clock) {}

  Result<std::optional<Plan>> FindByName(const std::string& name);
  Result<std::optional<Plan>> FindById(int64_t id);
  // Oldest first: every plan, or only one reseller's own (in the query).
  Result<std::vector<Plan>> List(std::optional<int64_t> reseller = std::nullopt);
  // Returns the stored row. Errors: kConflict when the name exists.
  Result<Plan> Insert(const Plan& p);

 private:
  sql::Connection& db_;
  const Clock& clock_;
};

}  // namespace hostplane::controller
