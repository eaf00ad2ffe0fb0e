#pragma once

// Resellers: their limits and overselling setting, and what counts against those limits (their
// customers, their customers' sites, the sites their customers' plans promise). Counted inside
// the caller's write transaction, so a limit holds under concurrent creates (writers are
// serialised by the store). Lives inside one StoreTxn; not thread-safe.

#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "controller/store/entities.h"
#include "controller/store/sql.h"

namespace hostplane::controller {

class ResellerRepository {
 public:
  ResellerRepository(sql::Connection& db, const Clock& clock) : db_(db), clock_(clock) {}

  Result<std::optional<Reseller>> FindByLogin(const std::string& login);
  Result<std::optional<Reseller>> FindById(int64_t id);
  // Lowest id first, one page.
  Result<std::vector<Reseller>> List(const Page& page);
  // Returns the stored row. Errors: kConflict when the login exists.
  Result<Reseller> Insert(const Reseller& r);
  // Name, email, status, limits, overselling. Errors: kNotFound.
  [[nodiscard]] Status Update(const Reseller& r);
  // Errors: kNotFound; kConflict while customers, plans or users still refer to it.
  [[nodiscard]] Status Delete(int64_t id);

  // Holds the reseller's row until the transaction ends, before counting against its limits
  // (as CustomerRepository::LockForUsage; the reseller's row first, then a customer's).
  [[nodiscard]] Status LockForUsage(int64_t id);
  Result<int64_t> CountCustomers(int64_t reseller_id);
  Result<int64_t> CountSites(int64_t reseller_id);
  // The sites the plans of its customers promise, in sum, but for one customer (nullopt: none
  // left out); nullopt when one of those plans is unlimited.
  Result<std::optional<int64_t>> PromisedSites(int64_t reseller_id,
                                               std::optional<int64_t> except_customer);

 private:
  sql::Connection& db_;
  const Clock& clock_;
};

}  // namespace hostplane::controller
