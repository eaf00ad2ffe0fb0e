#include "controller/services/actor.h"

namespace hostplane::controller {

std::string_view Name(Role role) {
  switch (role) {
    case Role::kNone:
      return "none";
    case Role::kAdmin:
      return "admin";
    case Role::kReseller:
      return "reseller";
    case Role::kCustomer:
      return "customer";
  }
  return "none";
}

Role RoleFromName(std::string_view name) {
  for (Role r : {Role::kAdmin, Role::kReseller, Role::kCustomer}) {
    if (Name(r) == name) return r;
  }
  return Role::kNone;
}

}  // namespace hostplane::controller
