#pragma once

// Resellers: companies that sell the hosting company's service under their own plans to their own
// customers, within limits the company sets (docs/permissions.md). The company's staff create,
// change, suspend and delete them; a reseller reads its own record. A reseller's login is a user
// (role "reseller") with the reseller's name, made with it when a password is given.
//
// Suspending a reseller suspends every one of its active customers in the same change (their
// sites answer 503, their logins are refused by the drivers); resuming it resumes every one of
// its suspended customers. Deleting a reseller is refused while it has customers, unless they
// go with it (with_customers: each is deleted as CustomerService::Delete does, in the same
// change); its plans and logins go with it.
//
// Thread-safe; each ChangeContext is used by one thread.

#include <optional>
#include <string>
#include <vector>

#include "controller/services/change_runner.h"
#include "controller/services/customer_service.h"

namespace hostplane::controller {

struct ResellerInput {
  std::string login;  // the login grammar of customers (one namespace with every login)
  std::string name;   // defaults to login
  std::string email;
  std::optional<std::string> password;  // its login's; plain text, hashed before storing
  Limit max_customers;                  // nullopt: unlimited (a flag, never -1)
  Limit max_sites;
  bool overselling = false;
};

// A change to a reseller; absent fields stay as they are.
struct ResellerPatch {
  std::optional<std::string> name;
  std::optional<std::string> email;
  std::optional<Limit> max_customers;
  std::optional<Limit> max_sites;
  std::optional<bool> overselling;
};

class ResellerService {
 public:
  ResellerService(Store& store, ChangeRunner& runner, const CustomerService& customers)
      : store_(store), runner_(runner), customers_(customers) {}

  // Operations, each one change of its own. Errors: kInvalid with a code per field ("login":
  // "login.too_short", "limits.customers": "number.out_of_range"); kConflict {"login":
  // "login.taken"} when any login (reseller, customer or user) has the name; kNotFound (also for
  // a reseller the actor may not see); kForbidden for an actor that may not act on resellers;
  // kLimit {"limits.customers": "reseller.below_usage"} when a new limit is below what it has
  // already; kConflict {"reseller": "reseller.has_customers"} for Delete while it has customers
  // and with_customers is false. A patch or status that changes nothing writes nothing.
  Result<Change<Reseller>> Create(const Actor& actor, const ResellerInput& in);
  // Staff: every reseller, one page (keyset by id); a reseller: itself (a list of one).
  Result<std::vector<Reseller>> List(const Actor& actor, const Page& page);
  Result<Reseller> Get(const Actor& actor, const std::string& login);
  Result<Change<Reseller>> Update(const Actor& actor, const std::string& login,
                                  const ResellerPatch& patch);
  Result<Change<Reseller>> Suspend(const Actor& actor, const std::string& login);
  Result<Change<Reseller>> Resume(const Actor& actor, const std::string& login);
  Result<Change<Reseller>> Delete(const Actor& actor, const std::string& login, bool with_customers,
                                  bool remove_content);

 private:
  struct Checked {
    Reseller reseller;
    std::string password_hash;
  };
  static Result<Checked> Check(const ResellerInput& in);
  Result<Reseller> Load(ChangeContext& change, const std::string& login, Action action) const;
  Result<Change<Reseller>> SetStatus(const Actor& actor, const std::string& login,
                                     CustomerStatus status);

  Store& store_;
  ChangeRunner& runner_;
  const CustomerService& customers_;
};

}  // namespace hostplane::controller
