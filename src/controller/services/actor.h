#pragma once

// Who is asking: the name the audit log shows, the role the Authorizer judges and the owner chain
// it is judged against (its reseller, its customer), a limited user's grants, and a token's
// scopes. Made by the API from a session or an API token (and its user), by the CLI's commands
// that run in-process, and by the controller itself ("controller", an admin). When staff or a
// reseller act for a customer ("log in as"), the actor is the customer's, and `acting_for` names
// who really asks: the audit log records both. A plain value.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "controller/store/entities.h"

namespace hostplane::controller {

// kNone: an actor with no rights at all (anonymous, or a role this version does not know).
// Staff: kAdmin (everything), kSupport (sees everything, acts on customers and their objects,
// not on nodes, plans, resellers or staff). kReseller: its own plans, customers and their
// objects. kCustomer: its own objects. kCustomerUser: a customer's user, with the customer's
// rights on its objects (full access) or only on the sites and mail domains granted to it.
enum class Role { kNone, kAdmin, kSupport, kReseller, kCustomer, kCustomerUser };

std::string_view Name(Role role);
// The role a stored name means ("customer_user" for kCustomerUser); kNone for any other name
// (deny by default).
Role RoleFromName(std::string_view name);

struct Actor {
  Actor() = default;
  Actor(std::string name_, Role role_) : name(std::move(name_)), role(role_) {}

  std::string name;  // "token:admin", "user:ann", shown in the audit log
  Role role = Role::kNone;
  std::optional<int64_t> user_id;      // the person (nullopt: a company token, the controller)
  std::optional<int64_t> reseller_id;  // kReseller: which reseller it is
  std::optional<int64_t> customer_id;  // kCustomer, kCustomerUser: which customer
  // kCustomerUser without full access: only these sites and mail domains.
  bool full_access = true;
  std::vector<UserGrant> grants;
  // A token's scopes (auth/token_scopes.h): they only narrow the user's rights. nullopt: a
  // session, with all of them.
  std::optional<std::vector<std::string>> scopes;
  // Who acts for the customer (staff or its reseller, "user:ann"); empty when nobody does.
  std::string acting_for;
  std::optional<int64_t> acting_until;  // ms since the epoch: when acting for it ends
  // The person who acts for this actor, with their own rights (set with acting_for): the
  // Authorizer allows only what both may, so acting never gives more than the person has.
  std::shared_ptr<const Actor> acting_person;

  // Who really asks: the acting person, or this actor itself.
  const Actor& Person() const { return acting_person ? *acting_person : *this; }

  // "user:ann (acting as customer acme)" style: the name the audit log records.
  std::string AuditName() const;
};

// The actor a logged-in user is ("user:<login>"), with the rights of its role, owner chain and
// grants; no token scopes (a session). A user whose stored role is unknown gets kNone.
Actor ActorOf(const User& user);

}  // namespace hostplane::controller
