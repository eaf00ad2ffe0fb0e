#pragma once

// Leases for the jobs that must run once among the controllers sharing a store (issue 22): one
// row per job name with its holder, an epoch that grows with every change of holder (the fencing
// token) and the lease's end, all timed by the database's own clock (Dialect::NowMillis), so the
// controllers' clocks do not matter. A job re-checks its lease with Hold in the same transaction
// as its writes (store/lease_fence.h does that for every Store::Write of a job): a holder that
// paused past its lease and woke up finds the lease gone and its writes roll back.
// Lives inside one StoreTxn; not thread-safe.

#include <cstdint>
#include <optional>
#include <string>

#include "controller/store/sql.h"

namespace hostplane::controller {

class LeaseRepository {
 public:
  explicit LeaseRepository(sql::Connection& db) : db_(db) {}

  // Takes or renews lease name for holder until ttl_ms from the database's now; returns its epoch:
  // the same when holder renews a lease it holds, the next when it takes one nobody holds, whose
  // end passed, or of an earlier incarnation ("<hex id>|…" holders with the same id: one process
  // per data directory). nullopt while another's runs. One statement: never two holders.
  Result<std::optional<int64_t>> Acquire(const std::string& name, const std::string& holder,
                                         int64_t ttl_ms);
  // Ok when holder still holds name at epoch and its lease has not ended; else kConflict with
  // field "lease" (lease.lost). In PostgreSQL the row stays locked until the transaction ends,
  // so nobody takes the lease between this check and the commit.
  [[nodiscard]] Status Hold(const std::string& name, const std::string& holder, int64_t epoch);
  // Ends holder's lease now (a clean stop), so that another controller takes it at once.
  [[nodiscard]] Status Release(const std::string& name, const std::string& holder);

 private:
  sql::Connection& db_;
};

}  // namespace hostplane::controller
