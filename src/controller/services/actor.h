#pragma once

// Who is asking: the name the audit log shows and the role the Authorizer judges. Admin tokens
// are the only credentials today; resellers, customers and their users come with people and
// permissions (issue 14), behind the same Authorizer. A plain value.

#include <optional>
#include <string>
#include <string_view>

namespace hostplane::controller {

// kNone: an actor with no rights at all (anonymous, or a role this version does not know).
enum class Role { kNone, kAdmin, kReseller, kCustomer };

std::string_view Name(Role role);
// The role a stored name means; kNone for any other name (deny by default).
Role RoleFromName(std::string_view name);

struct Actor {
  std::string name;  // "token:admin", shown in the audit log
  Role role = Role::kNone;
};

}  // namespace hostplane::controller
