#include "controller/services/reseller_service.h"

#include <utility>

#include "common/crypto.h"
#include "controller/services/service_support.h"
#include "controller/services/user_service.h"
#include "controller/store/people_json.h"
#include "protocol/validate.h"

namespace hostplane::controller {
namespace {

constexpr int64_t kMaxLimit = 10'000'000;
constexpr int kCustomersPerRead = 10'000;

std::string ResellerObject(const std::string& login) { return "reseller:" + login; }

std::optional<protocol::Violation> CheckLimitValue(const Limit& limit) {
  if (!limit || (*limit >= 0 && *limit <= kMaxLimit)) return std::nullopt;
  return protocol::Violation{
      "number.out_of_range",
      "A reseller's limit must be from 0 to " + std::to_string(kMaxLimit) + ", or unlimited."};
}

// kLimit {field: "reseller.below_usage"} when limit is below what the reseller has.
Status CheckCovers(const Limit& limit, int64_t used, const std::string& field, const char* what) {
  if (!limit || *limit >= used) return Ok();
  return Fail(FieldError(ErrorCode::kLimit, {{field, "reseller.below_usage"}},
                         "the reseller already has " + std::to_string(used) + " " + what +
                             "; the limit cannot be " + std::to_string(*limit)));
}

// Every customer of the reseller, oldest first, read a page at a time.
Result<std::vector<Customer>> CustomersOf(StoreTxn& tx, int64_t reseller_id) {
  std::vector<Customer> out;
  Page page{0, kCustomersPerRead};
  for (;;) {
    HP_ASSIGN_OR_RETURN(auto rows, tx.customers().List(Scope::Reseller(reseller_id), page));
    if (rows.empty()) return out;
    page.after_id = rows.back().id;
    for (Customer& c : rows) out.push_back(std::move(c));
  }
}

}  // namespace

Result<ResellerService::Checked> ResellerService::Check(const ResellerInput& in) {
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
  if (auto v = CheckLimitValue(in.max_customers)) errors.Add("limits.customers", *v);
  if (auto v = CheckLimitValue(in.max_sites)) errors.Add("limits.sites", *v);
  std::optional<std::string> password;
  if (in.password) {
    auto p = protocol::CheckPassword(*in.password, {in.login, in.email});
    if (p) {
      password = *p;
    } else {
      errors.Add("password", p.error());
    }
  }
  if (!errors.empty()) return Fail(errors.ToError());

  Checked out;
  out.reseller.login = *login;
  out.reseller.name = name;
  out.reseller.email = *email;
  out.reseller.max_customers = in.max_customers;
  out.reseller.max_sites = in.max_sites;
  out.reseller.overselling = in.overselling;
  if (password) {
    HP_TRY(InitCrypto());
    HP_ASSIGN_OR_RETURN(out.password_hash, HashPassword(*password));
  }
  return out;
}

Result<Change<Reseller>> ResellerService::Create(const Actor& actor, const ResellerInput& in) {
  // Refused before the (slow) hash for an actor that may never create one.
  HP_TRY(runner_.authorizer().AllowCollection(actor, Action::kResellerCreate, "resellers"));
  HP_ASSIGN_OR_RETURN(Checked checked, Check(in));
  return runner_.Run(actor, "reseller.create", [&](ChangeContext& change) -> Result<Reseller> {
    StoreTxn& tx = change.tx();
    HP_TRY(change.AllowCollection(Action::kResellerCreate, "resellers"));
    HP_TRY(UserService::CheckLoginFree(tx, checked.reseller.login));
    HP_ASSIGN_OR_RETURN(Reseller stored, tx.resellers().Insert(checked.reseller));
    if (!checked.password_hash.empty()) {
      User login;
      login.login = stored.login;
      login.email = stored.email;
      login.name = stored.name;
      login.password_hash = checked.password_hash;
      login.role = "reseller";
      login.reseller_id = stored.id;
      HP_TRY(tx.users().Insert(login));
    }
    HP_TRY(change.Audit("reseller.create", ResellerObject(stored.login), nullptr, ToJson(stored),
                        std::nullopt));
    return stored;
  });
}

Result<std::vector<Reseller>> ResellerService::List(const Actor& actor, const Page& page) {
  HP_ASSIGN_OR_RETURN(Scope scope,
                      runner_.authorizer().ScopeOf(actor, Action::kResellerList, "resellers"));
  return store_.Read([&](StoreTxn& tx) -> Result<std::vector<Reseller>> {
    std::vector<Reseller> out;
    if (scope.kind == Scope::Kind::kAll) return tx.resellers().List(page);
    if (auto own = scope.reseller(); own && *own > page.after_id) {
      // A reseller's list is its own record, read by its id.
      HP_ASSIGN_OR_RETURN(auto r, tx.resellers().FindById(*own));
      if (r) out.push_back(std::move(*r));
    }
    return out;
  });
}

Result<Reseller> ResellerService::Get(const Actor& actor, const std::string& login) {
  const Error missing = NotFound("reseller", login);
  HP_ASSIGN_OR_RETURN(auto r,
                      store_.Read([&](StoreTxn& tx) { return tx.resellers().FindByLogin(login); }));
  if (!r) return Fail(missing);
  HP_TRY(runner_.authorizer().Allow(actor, Action::kResellerRead, {"reseller", login, OwnerOf(*r)},
                                    missing));
  return std::move(*r);
}

Result<Reseller> ResellerService::Load(ChangeContext& change, const std::string& login,
                                       Action action) const {
  const Error missing = NotFound("reseller", login);
  HP_ASSIGN_OR_RETURN(auto r, change.tx().resellers().FindByLogin(login));
  if (!r) return Fail(missing);
  HP_TRY(change.Allow(action, {"reseller", login, OwnerOf(*r)}, missing));
  return std::move(*r);
}

Result<Change<Reseller>> ResellerService::Update(const Actor& actor, const std::string& login,
                                                 const ResellerPatch& patch) {
  protocol::FieldErrors errors;
  std::optional<std::string> name, email;
  if (patch.name) {
    if (auto n = protocol::CheckDisplayName(*patch.name); n) {
      name = *n;
    } else {
      errors.Add("name", n.error());
    }
  }
  if (patch.email) {
    if (auto e = protocol::CheckEmail(*patch.email); e) {
      email = *e;
    } else {
      errors.Add("email", e.error());
    }
  }
  if (patch.max_customers) {
    if (auto v = CheckLimitValue(*patch.max_customers)) errors.Add("limits.customers", *v);
  }
  if (patch.max_sites) {
    if (auto v = CheckLimitValue(*patch.max_sites)) errors.Add("limits.sites", *v);
  }
  if (!errors.empty()) return Fail(errors.ToError());
  return runner_.Run(actor, "reseller.update", [&](ChangeContext& change) -> Result<Reseller> {
    StoreTxn& tx = change.tx();
    HP_ASSIGN_OR_RETURN(const Reseller before, Load(change, login, Action::kResellerUpdate));
    Reseller after = before;
    if (name) after.name = *name;
    if (email) after.email = *email;
    if (patch.max_customers) after.max_customers = *patch.max_customers;
    if (patch.max_sites) after.max_sites = *patch.max_sites;
    if (patch.overselling) after.overselling = *patch.overselling;
    if (after.name == before.name && after.email == before.email &&
        after.max_customers == before.max_customers && after.max_sites == before.max_sites &&
        after.overselling == before.overselling) {
      return before;  // nothing to change
    }
    // A limit never drops below what exists; without overselling, the plans already given out
    // must fit the new site limit.
    HP_ASSIGN_OR_RETURN(int64_t customers, tx.resellers().CountCustomers(before.id));
    HP_TRY(CheckCovers(after.max_customers, customers, "limits.customers", "customers"));
    HP_ASSIGN_OR_RETURN(int64_t sites, tx.resellers().CountSites(before.id));
    HP_TRY(CheckCovers(after.max_sites, sites, "limits.sites", "sites"));
    if (!after.overselling && after.max_sites) {
      HP_ASSIGN_OR_RETURN(auto promised, tx.resellers().PromisedSites(before.id, std::nullopt));
      if (!promised || *promised > *after.max_sites) {
        return Fail(FieldError(ErrorCode::kLimit, {{"limits.sites", "reseller.oversold"}},
                               "the plans of the reseller's customers promise more sites than " +
                                   std::to_string(*after.max_sites) +
                                   " (allow overselling or raise the limit)"));
      }
    }
    HP_TRY(tx.resellers().Update(after));
    HP_ASSIGN_OR_RETURN(auto stored, tx.resellers().FindById(before.id));
    if (!stored) return Fail(Error::Internal("reseller '" + login + "' vanished"));
    HP_TRY(change.Audit("reseller.update", ResellerObject(login), ToJson(before), ToJson(*stored),
                        std::nullopt));
    return std::move(*stored);
  });
}

Result<Change<Reseller>> ResellerService::Suspend(const Actor& actor, const std::string& login) {
  return SetStatus(actor, login, CustomerStatus::kSuspended);
}

Result<Change<Reseller>> ResellerService::Resume(const Actor& actor, const std::string& login) {
  return SetStatus(actor, login, CustomerStatus::kActive);
}

Result<Change<Reseller>> ResellerService::SetStatus(const Actor& actor, const std::string& login,
                                                    CustomerStatus status) {
  const bool suspend = status == CustomerStatus::kSuspended;
  const char* operation = suspend ? "reseller.suspend" : "reseller.resume";
  return runner_.Run(actor, operation, [&](ChangeContext& change) -> Result<Reseller> {
    StoreTxn& tx = change.tx();
    HP_ASSIGN_OR_RETURN(const Reseller before, Load(change, login, Action::kResellerUpdate));
    if (before.status == status) return before;  // nothing to change
    Reseller after = before;
    after.status = status;
    HP_TRY(tx.resellers().Update(after));
    HP_TRY(change.Audit(operation, ResellerObject(login), ToJson(before), ToJson(after),
                        std::nullopt));
    // Its customers follow, each audited and re-sent in this one change.
    HP_ASSIGN_OR_RETURN(auto customers, CustomersOf(tx, before.id));
    for (const Customer& c : customers) {
      if (c.status == status) continue;
      HP_TRY(customers_.SetStatus(change, c.login, status));
    }
    return after;
  });
}

Result<Change<Reseller>> ResellerService::Delete(const Actor& actor, const std::string& login,
                                                 bool with_customers, bool remove_content) {
  return runner_.Run(actor, "reseller.delete", [&](ChangeContext& change) -> Result<Reseller> {
    StoreTxn& tx = change.tx();
    HP_ASSIGN_OR_RETURN(const Reseller r, Load(change, login, Action::kResellerDelete));
    HP_ASSIGN_OR_RETURN(auto customers, CustomersOf(tx, r.id));
    if (!customers.empty() && !with_customers) {
      return Fail(
          FieldError(ErrorCode::kConflict, {{"reseller", "reseller.has_customers"}},
                     "the reseller '" + login + "' has " + std::to_string(customers.size()) +
                         " customers: move them to another owner first, or delete them with it"));
    }
    Json before = ToJson(r);
    before["customers"] = Json::array();
    for (const Customer& c : customers) before["customers"].push_back(c.login);
    HP_TRY(change.Audit("reseller.delete", ResellerObject(login), before, nullptr, std::nullopt));
    for (const Customer& c : customers) HP_TRY(customers_.Delete(change, c.login, remove_content));
    HP_TRY(tx.resellers().Delete(r.id));
    return r;
  });
}

}  // namespace hostplane::controller
