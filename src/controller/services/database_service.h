#pragma once

// Customer databases: one Resource row each and, on a database node, one MariaDB database with
// its user of the same name (database.ensure / database.remove, protocol/database_spec.h).
// A customer's databases stay on one node while it has room, so db.<zone> in its zones names
// them all; the zones follow the first and the last database.
//
// Thread-safe; each ChangeContext is used by one thread.

#include <string>

#include "controller/services/change_runner.h"
#include "controller/services/dns_service.h"
#include "controller/services/hosting_options.h"

namespace hostplane::controller {

struct DatabaseInput {
  std::string name;  // <account>_<suffix>; its user has the same name
  std::string customer;
  std::string password;
};
// In canonical form, the password hashed as MariaDB stores it (Check).
struct NewDatabase {
  std::string name;
  std::string customer;
  std::string password_hash;
};

class DatabaseService {
 public:
  DatabaseService(ChangeRunner& runner, const DnsService& dns, const HostingOptions& options)
      : runner_(runner), dns_(dns), options_(options) {}

  // Operations, each one change of its own. Errors: kInvalid with a code per field; kNotFound
  // (customer, database; also one the actor may not see); kConflict {"name": "db.taken"}; kLimit
  // {"name": "plan.databases_limit"}; kUnavailable {"name": "node.none_available"}.
  Result<Change<Resource>> Add(const Actor& actor, const DatabaseInput& in);
  Result<Change<Resource>> Remove(const Actor& actor, const std::string& name);

  // Steps, inside a change (the caller commits).
  static Result<NewDatabase> Check(const DatabaseInput& in);
  Result<Resource> Add(ChangeContext& change, const NewDatabase& in) const;
  Result<Resource> Remove(ChangeContext& change, const std::string& name) const;
  // Re-sends database.ensure for every database of c.
  [[nodiscard]] Status Resend(ChangeContext& change, const Customer& c) const;

 private:
  ChangeRunner& runner_;
  const DnsService& dns_;
  const HostingOptions options_;
};

}  // namespace hostplane::controller
