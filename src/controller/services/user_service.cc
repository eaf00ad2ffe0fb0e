#include "controller/services/user_service.h"

#include <utility>

#include "common/crypto.h"
#include "controller/services/service_support.h"
#include "controller/store/people_json.h"
#include "protocol/validate.h"

namespace hostplane::controller {
namespace {

constexpr const char* kCustomerUser = "customer_user";

std::string UserObject(const std::string& login) { return "user:" + login; }

bool IsCustomersLogin(const User& u) { return u.role == kCustomerUser || u.role == "customer"; }

// Each site and mail domain granted is the customer's. Fields "sites[i]", "mail_domains[i]".
Status CheckGrants(StoreTxn& tx, const Customer& c, const UserInput& in) {
  protocol::FieldErrors errors;
  for (size_t i = 0; i < in.sites.size(); ++i) {
    HP_ASSIGN_OR_RETURN(auto site, tx.sites().FindByDomain(in.sites[i]));
    if (!site || site->customer_id != c.id) {
      errors.Add("sites[" + std::to_string(i) + "]",
                 {"grant.not_found", "The customer has no site of that name."});
    }
  }
  for (size_t i = 0; i < in.mail_domains.size(); ++i) {
    HP_ASSIGN_OR_RETURN(auto domain, tx.resources().Find(kinds::kMailDomain, in.mail_domains[i]));
    if (!domain || domain->customer_id != c.id) {
      errors.Add("mail_domains[" + std::to_string(i) + "]",
                 {"grant.not_found", "The customer has no mail domain of that name."});
    }
  }
  if (!errors.empty()) return Fail(errors.ToError());
  return Ok();
}

// A customer's login's owner chain: its customer and the customer's reseller (read now: the
// user row names only the customer).
Result<Owner> OwnerChain(StoreTxn& tx, const User& u) {
  if (!u.customer_id) return Owner{};
  HP_ASSIGN_OR_RETURN(auto c, tx.customers().FindById(*u.customer_id));
  if (!c) return Fail(Error::Internal("the customer of user '" + u.login + "' is gone"));
  return OwnerOf(*c);
}

}  // namespace

Status UserService::CheckLoginFree(StoreTxn& tx, const std::string& login) {
  HP_ASSIGN_OR_RETURN(auto reseller, tx.resellers().FindByLogin(login));
  HP_ASSIGN_OR_RETURN(auto customer, tx.customers().FindByLogin(login));
  HP_ASSIGN_OR_RETURN(auto user, tx.users().FindByLogin(login));
  if (!reseller && !customer && !user) return Ok();
  return Fail(FieldError(ErrorCode::kConflict, {{"login", "login.taken"}},
                         "the login '" + login + "' is taken"));
}

Result<Change<User>> UserService::Create(const Actor& actor, const UserInput& in) {
  HP_TRY(runner_.authorizer().AllowCollection(actor, Action::kUserCreate, "users"));
  protocol::FieldErrors errors;
  auto login = protocol::CheckLoginGrammar(in.login);
  if (!login) errors.Add("login", login.error());
  std::string name;
  if (in.name.empty()) {
    name = login ? *login : std::string();
  } else if (auto n = protocol::CheckDisplayName(in.name); n) {
    name = *n;
  } else {
    errors.Add("name", n.error());
  }
  auto email = protocol::CheckEmail(in.email);
  if (!email) errors.Add("email", email.error());
  std::optional<std::string> password;
  if (in.password) {
    if (auto p = protocol::CheckPassword(*in.password, {in.login, in.email}); p) {
      password = *p;
    } else {
      errors.Add("password", p.error());
    }
  }
  if (in.full_access && (!in.sites.empty() || !in.mail_domains.empty())) {
    errors.Add(in.sites.empty() ? "mail_domains" : "sites",
               {"grant.with_full_access",
                "A user with full access has no grants: it may work on everything."});
  }
  const std::string role = in.role.value_or(kCustomerUser);
  const bool staff = role == "admin" || role == "support";
  if (!staff && role != kCustomerUser) {
    errors.Add("role", {"role.invalid",
                        "The role must be \"customer_user\", \"admin\" or "
                        "\"support\", not " +
                            protocol::QuoteForMessage(role) + "."});
  } else if (staff) {
    if (in.customer) {
      errors.Add("customer", {"field.not_allowed", "Staff belong to no customer."});
    }
    if (in.full_access || !in.sites.empty() || !in.mail_domains.empty()) {
      errors.Add(in.full_access ? "full_access" : (in.sites.empty() ? "mail_domains" : "sites"),
                 {"field.not_allowed", "Staff have no grants: their role says what they may do."});
    }
  } else if (!in.customer && !actor.customer_id) {
    errors.Add("customer", {"field.required", "Name the customer whose user it is."});
  }
  if (!errors.empty()) return Fail(errors.ToError());
  if (staff && actor.role != Role::kAdmin) {
    // Support makes no administrators and no colleagues; nobody below staff makes staff.
    return Fail(Error{ErrorCode::kForbidden,
                      "Only an administrator makes staff logins.",
                      {{"role", "role.not_allowed"}}});
  }
  User user;
  user.login = *login;
  user.name = name;
  user.email = *email;
  user.role = role;
  user.full_access = in.full_access;
  for (const auto& site : in.sites) user.grants.push_back({"site", site});
  for (const auto& domain : in.mail_domains) user.grants.push_back({"maildomain", domain});
  if (password) {
    HP_TRY(InitCrypto());
    HP_ASSIGN_OR_RETURN(user.password_hash, HashPassword(*password));
  }
  if (staff) {
    return runner_.Run(actor, "user.create", [&](ChangeContext& change) -> Result<User> {
      HP_TRY(CheckLoginFree(change.tx(), user.login));
      HP_ASSIGN_OR_RETURN(User stored, change.tx().users().Insert(user));
      HP_TRY(change.Audit("user.create", UserObject(stored.login), nullptr, ToJson(stored),
                          std::nullopt));
      return stored;
    });
  }
  return runner_.Run(actor, "user.create", [&](ChangeContext& change) -> Result<User> {
    StoreTxn& tx = change.tx();
    std::string customer_login;
    if (in.customer) {
      customer_login = *in.customer;
    } else {
      HP_ASSIGN_OR_RETURN(auto own, tx.customers().FindById(*change.actor().customer_id));
      if (!own) return Fail(NotFoundField("customer", "customer", "of " + change.actor().name));
      customer_login = own->login;
    }
    HP_ASSIGN_OR_RETURN(const Customer c,
                        LoadOwnerFor(change, customer_login, Action::kUserCreate));
    HP_TRY(CheckLoginFree(tx, user.login));
    HP_TRY(CheckGrants(tx, c, in));
    User row = user;
    row.customer_id = c.id;  // its owner chain goes on through the customer (OwnerChain)
    HP_ASSIGN_OR_RETURN(User stored, tx.users().Insert(row));
    HP_TRY(change.Audit("user.create", UserObject(stored.login), nullptr, ToJson(stored), c.id));
    return stored;
  });
}

Result<std::vector<User>> UserService::List(const Actor& actor,
                                            const std::optional<std::string>& customer,
                                            const Page& page) {
  HP_ASSIGN_OR_RETURN(Scope scope, runner_.authorizer().ScopeOf(actor, Action::kUserList, "users"));
  return store_.Read([&](StoreTxn& tx) -> Result<std::vector<User>> {
    std::vector<User> users;
    if (customer) {
      const Error missing = NotFoundField("customer", "customer", *customer);
      HP_ASSIGN_OR_RETURN(auto c, tx.customers().FindByLogin(*customer));
      if (!c) return Fail(missing);
      HP_TRY(runner_.authorizer().Allow(actor, Action::kUserList,
                                        {"customer", c->login, OwnerOf(*c)}, missing));
      HP_ASSIGN_OR_RETURN(users, tx.users().List(std::nullopt, c->id, page));
    } else if (scope.kind == Scope::Kind::kAll) {
      HP_ASSIGN_OR_RETURN(users, tx.users().List(std::nullopt, std::nullopt, page));
    } else if (auto r = scope.reseller()) {
      HP_ASSIGN_OR_RETURN(users, tx.users().List(*r, std::nullopt, page));
    } else if (auto own = scope.customer()) {
      HP_ASSIGN_OR_RETURN(users, tx.users().List(std::nullopt, *own, page));
    }
    // Lists leave grants out; a limited user's are part of what it is.
    for (User& u : users) {
      if (u.full_access) continue;
      HP_ASSIGN_OR_RETURN(auto full, tx.users().FindById(u.id));
      if (full) u.grants = std::move(full->grants);
    }
    return users;
  });
}

Result<User> UserService::Get(const Actor& actor, const std::string& login) {
  const Error missing = NotFound("user", login);
  return store_.Read([&](StoreTxn& tx) -> Result<User> {
    HP_ASSIGN_OR_RETURN(auto u, tx.users().FindByLogin(login));
    if (!u || !IsCustomersLogin(*u)) return Fail(missing);
    HP_ASSIGN_OR_RETURN(Owner owner, OwnerChain(tx, *u));
    HP_TRY(runner_.authorizer().Allow(actor, Action::kUserRead, {"user", login, owner}, missing));
    return std::move(*u);
  });
}

Result<Change<User>> UserService::Delete(const Actor& actor, const std::string& login) {
  return runner_.Run(actor, "user.delete", [&](ChangeContext& change) -> Result<User> {
    StoreTxn& tx = change.tx();
    const Error missing = NotFound("user", login);
    HP_ASSIGN_OR_RETURN(auto u, tx.users().FindByLogin(login));
    if (!u || u->role != kCustomerUser) return Fail(missing);
    HP_ASSIGN_OR_RETURN(Owner owner, OwnerChain(tx, *u));
    HP_TRY(change.Allow(Action::kUserDelete, {"user", login, owner}, missing));
    HP_TRY(change.Audit("user.delete", UserObject(login), ToJson(*u), nullptr, u->customer_id));
    HP_TRY(tx.users().Delete(u->id));
    return std::move(*u);
  });
}

Result<Change<User>> UserService::ResetSecondFactor(const Actor& actor, const std::string& login) {
  return runner_.Run(actor, "user.reset_second_factor", [&](ChangeContext& change) -> Result<User> {
    StoreTxn& tx = change.tx();
    const Error missing = NotFound("user", login);
    HP_ASSIGN_OR_RETURN(auto u, tx.users().FindByLogin(login));
    if (!u) return Fail(missing);
    HP_ASSIGN_OR_RETURN(Owner owner, OwnerChain(tx, *u));
    HP_TRY(change.Allow(Action::kUserResetSecondFactor, {"user", login, owner}, missing));
    if (actor.user_id && *actor.user_id == u->id) {
      return Fail(
          Error::InvalidField("login", "second_factor.own",
                              "One's own second factor is turned off with one of its codes (POST "
                              "/api/v1/second-factor/disable), not reset."));
    }
    if (u->totp_secret.empty()) {
      return Fail(Error::InvalidField("login", "second_factor.none",
                                      "This login has no second factor to reset."));
    }
    const User before = *u;
    u->totp_secret.clear();
    HP_TRY(tx.users().Update(*u));
    HP_TRY(tx.second_factors().Forget(u->id));
    HP_TRY(change.Audit("user.reset_second_factor", UserObject(login), ToJson(before), ToJson(*u),
                        u->customer_id));
    return std::move(*u);
  });
}

}  // namespace hostplane::controller
