#pragma once

// Customers: the accounts every other object belongs to, with their owner chain (a reseller, or
// the company). Lives inside one StoreTxn; not thread-safe.

#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "controller/store/entities.h"
#include "controller/store/sql.h"

namespace hostplane::controller {

class CustomerRepository {
 public:
  CustomerRepository(sql::Connection& db, const Clock& clock) : db_(db), clock_(clock) {}

  Result<std::optional<Customer>> FindByLogin(const std::string& login);
  Result<std::optional<Customer>> FindById(int64_t id);
  // The customers in scope, lowest id first, one page (page.search: in the login).
  Result<std::vector<Customer>> List(const Scope& scope, const Page& page);
  // Returns the stored row. Errors: kConflict when the login exists.
  Result<Customer> Insert(const Customer& c);
  // Name, email, password hash, status, plan (login, uid and owner never change here).
  // Errors: kNotFound.
  [[nodiscard]] Status Update(const Customer& c);
  // Errors: kNotFound; kConflict while rows still refer to it.
  [[nodiscard]] Status Delete(int64_t id);
  // Holds the customer's row until the transaction ends, before counting what it owns against
  // its plan: two controllers creating at its limit take turns, and the second counts the
  // first's row (services/usage_lock.h). Lock a reseller's row first, then its customer's.
  [[nodiscard]] Status LockForUsage(int64_t id);

 private:
  sql::Connection& db_;
  const Clock& clock_;
};

}  // namespace hostplane::controller
