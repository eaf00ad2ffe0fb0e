#include "controller/services/acting_as.h"

#include <memory>

namespace hostplane::controller {
namespace {

// Higher acts for lower; kNone ranks below everyone and acts for nobody.
int Rank(Role role) {
  switch (role) {
    case Role::kAdmin:
      return 5;
    case Role::kSupport:
      return 4;
    case Role::kReseller:
      return 3;
    case Role::kCustomer:
      return 2;
    case Role::kCustomerUser:
      return 1;
    case Role::kNone:
      return 0;
  }
  return 0;
}

Error Refused(ErrorCode code, const char* reason, const std::string& message) {
  return Error{code, message, {{"login", reason}}};
}

}  // namespace

Result<Owner> LoginOwnerChain(StoreTxn& tx, const User& u) {
  if (!u.customer_id) return Owner{std::nullopt, u.reseller_id};
  HP_ASSIGN_OR_RETURN(auto c, tx.customers().FindById(*u.customer_id));
  if (!c) return Fail(Error::Internal("the customer of login '" + u.login + "' is gone"));
  return OwnerOf(*c);
}

Status MayActAs(const Actor& person, const User& target, const Owner& owner) {
  if (!person.user_id || person.acting_person || Rank(person.role) <= Rank(Role::kCustomer)) {
    return Fail(Refused(ErrorCode::kForbidden, "acting_as.not_allowed",
                        "Only staff and resellers, logged in as themselves, may act for someone."));
  }
  const AuthTarget object{"user", target.login, owner};
  if (!Authorizer().Can(person, Action::kActAs, object)) {
    return Fail(Refused(ErrorCode::kNotFound, "user.not_found",
                        "There is no login '" + target.login + "'."));
  }
  if (*person.user_id == target.id) {
    return Fail(Refused(ErrorCode::kInvalid, "acting_as.self", "One does not act for oneself."));
  }
  const Role role = RoleFromName(target.role);
  if (Rank(role) > Rank(person.role)) {
    return Fail(
        Refused(ErrorCode::kForbidden, "acting_as.upward",
                "'" + target.login + "' has more rights than you: you may not act for it."));
  }
  if (Rank(role) == Rank(person.role)) {
    return Fail(
        Refused(ErrorCode::kForbidden, "acting_as.sideways",
                "'" + target.login + "' has the same role as you: you may not act for it."));
  }
  return Ok();
}

Actor ActingActor(const Actor& person, const User& target, int64_t until_ms) {
  Actor a = ActorOf(target);
  a.acting_for = person.name;
  a.acting_until = until_ms;
  a.acting_person = std::make_shared<const Actor>(person);
  return a;
}

}  // namespace hostplane::controller
