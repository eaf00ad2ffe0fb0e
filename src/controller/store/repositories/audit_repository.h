#pragma once

// The audit log: one entry per change, who did what to which object, before and after. An
// entry's id is the change id its tasks carry. Lives inside one StoreTxn; not thread-safe.

#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "controller/store/entities.h"
#include "controller/store/sql.h"

namespace hostplane::controller {

// What an audit entry records (the store stamps its time).
struct NewAuditEntry {
  std::string actor;
  std::string action;
  std::string object;
  Json before;  // null when created
  Json after;   // null when deleted
  std::optional<int64_t> customer_id;
};

class AuditRepository {
 public:
  AuditRepository(sql::Connection& db, const Clock& clock) : db_(db), clock_(clock) {}

  // Returns the entry's id.
  Result<int64_t> Append(const NewAuditEntry& entry);
  // The entries in scope (of one object when given), lowest id first, one page.
  Result<std::vector<AuditEntry>> List(const Scope& scope, const Page& page,
                                       const std::optional<std::string>& object);

 private:
  sql::Connection& db_;
  const Clock& clock_;
};

}  // namespace hostplane::controller
