#include "controller/services/actor.h"

namespace hostplane::controller {

std::string_view Name(Role role) {
  switch (role) {
    case Role::kNone:
      return "none";
    case Role::kAdmin:
      return "admin";
    case Role::kSupport:
      return "support";
    case Role::kReseller:
      return "reseller";
    case Role::kCustomer:
      return "customer";
    case Role::kCustomerUser:
      return "customer_user";
  }
  return "none";
}

Role RoleFromName(std::string_view name) {
  for (Role r :
       {Role::kAdmin, Role::kSupport, Role::kReseller, Role::kCustomer, Role::kCustomerUser}) {
    if (Name(r) == name) return r;
  }
  return Role::kNone;
}

std::string Actor::AuditName() const {
  if (acting_for.empty()) return name;
  return acting_for + " as " + name;
}

Actor ActorOf(const User& user) {
  Actor a("user:" + user.login, RoleFromName(user.role));
  a.user_id = user.id;
  a.reseller_id = user.reseller_id;
  a.customer_id = user.customer_id;
  a.full_access = user.full_access;
  a.grants = user.grants;
  return a;
}

}  // namespace hostplane::controller
