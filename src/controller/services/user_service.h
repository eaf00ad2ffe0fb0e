#pragma once

// A customer's own users: people who log in to work on the customer's hosting, either with the
// customer's rights on everything it has (full access, but not its users) or only on the sites
// and mail domains granted to them (a web designer on one site). The customer's own login, its
// reseller and the company's staff manage them (docs/permissions.md); a user never sees another
// customer's. Logins are one namespace with every other login (customers, resellers, staff).
//
// Thread-safe; each ChangeContext is used by one thread.

#include <optional>
#include <string>
#include <vector>

#include "controller/services/change_runner.h"

namespace hostplane::controller {

struct UserInput {
  std::string login;  // ^[a-z][a-z0-9]{2,15}$
  std::string name;   // defaults to login
  std::string email;
  std::optional<std::string> password;  // plain text, hashed (Argon2id) before storing
  // Whose user (a customer's login). A customer's own login may leave it out: its own.
  std::optional<std::string> customer;
  bool full_access = false;
  // Without full access: the sites and mail domains of that customer the user may work on.
  std::vector<std::string> sites;
  std::vector<std::string> mail_domains;
  // "customer_user" (the default), or a staff login: "admin" or "support" (only an administrator
  // makes one; staff belong to no customer and have no grants).
  std::optional<std::string> role;
};

class UserService {
 public:
  UserService(Store& store, ChangeRunner& runner) : store_(store), runner_(runner) {}

  // Errors: kInvalid with a code per field ("login": "login.too_short", "sites[0]":
  // "grant.not_found" for a site or mail domain the customer does not have, "sites":
  // "grant.with_full_access"); kConflict {"login": "login.taken"}; kNotFound {"customer":
  // "customer.not_found"} (also for a customer the actor may not see); kForbidden for an actor
  // that may not manage users.
  Result<Change<User>> Create(const Actor& actor, const UserInput& in);
  // One customer's users and own login (customer given, or the actor's own customer); without
  // a customer, staff get the staff logins and a reseller its own logins. Oldest first, a page.
  Result<std::vector<User>> List(const Actor& actor, const std::optional<std::string>& customer,
                                 const Page& page);
  // A customer's user or own login. Errors: kNotFound (also one the actor may not see).
  Result<User> Get(const Actor& actor, const std::string& login);
  // A customer's user (not its own login: that goes with the customer), with its grants, its
  // sessions' rights and its tokens. Errors: kNotFound.
  Result<Change<User>> Delete(const Actor& actor, const std::string& login);
  // A lost second factor taken off someone else's login (its TOTP secret, a pending enrolment
  // and its recovery codes): it then signs in with its password alone until it enrols again.
  // Staff for anyone (support not for staff), a reseller for its own and its customers' logins,
  // a customer's own login for its users. Errors: kNotFound (also when not the actor's to
  // reset); kInvalid with field "login": second_factor.own (one's own login needs a code:
  // POST /second-factor/disable), second_factor.none.
  Result<Change<User>> ResetSecondFactor(const Actor& actor, const std::string& login);

  // kConflict {"login": "login.taken"} when a reseller, a customer or a user has the login.
  [[nodiscard]] static Status CheckLoginFree(StoreTxn& tx, const std::string& login);

 private:
  Store& store_;
  ChangeRunner& runner_;
};

}  // namespace hostplane::controller
