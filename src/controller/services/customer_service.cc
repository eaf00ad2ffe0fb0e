#include "controller/services/customer_service.h"

#include <set>
#include <utility>

#include "common/crypto.h"
#include "common/failpoint.h"
#include "controller/services/mail_client_task.h"
#include "controller/services/reseller_limits.h"
#include "controller/services/service_support.h"
#include "controller/services/task_specs.h"
#include "controller/services/usage_lock.h"
#include "controller/services/zone_builder.h"
#include "controller/store/entity_json.h"
#include "protocol/cert_spec.h"
#include "protocol/database_spec.h"
#include "protocol/ftp_spec.h"
#include "protocol/mail_spec.h"
#include "protocol/messages.h"
#include "protocol/validate.h"
#include "protocol/zone_spec.h"

namespace hostplane::controller {
namespace {

// The ids every Linux system keeps for itself whatever the configured range: nobody/nogroup
// (65534), the 16-bit -1 (65535), and the 32-bit -2 and -1 (chown's "no change").
bool IsReservedUid(int64_t uid) {
  return uid == 65534 || uid == 65535 || uid == 4294967294LL || uid == 4294967295LL;
}

using namespace kinds;

constexpr const char* kDefaultPlan = "default";

// The plan's limit on sites, refused when the customer already has more sites than it allows.
Status CheckPlanCovers(StoreTxn& tx, const Customer& customer, const Plan& plan) {
  if (!plan.max_sites) return Ok();
  HP_TRY(HoldUsage(tx, customer));
  HP_ASSIGN_OR_RETURN(int64_t count, tx.sites().CountOfCustomer(customer.id));
  if (count <= *plan.max_sites) return Ok();
  return Fail(FieldError(ErrorCode::kLimit, {{"plan", "plan.below_usage"}},
                         "the plan '" + plan.name + "' allows " + std::to_string(*plan.max_sites) +
                             " sites; '" + customer.login + "' has " + std::to_string(count)));
}

}  // namespace

Result<NewCustomer> CustomerService::Check(const CustomerInput& in) {
  protocol::FieldErrors errors;
  auto login = protocol::CheckLogin(in.login);
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
    auto p = protocol::CheckPassword(*in.password, {in.login});
    if (p) {
      password = *p;
    } else {
      errors.Add("password", p.error());
    }
  }
  if (!errors.empty()) return Fail(errors.ToError());

  NewCustomer out;
  out.customer.login = *login;
  out.customer.name = name;
  out.customer.email = *email;
  if (password) {
    HP_TRY(InitCrypto());
    HP_ASSIGN_OR_RETURN(out.customer.password_hash, HashPassword(*password));
  }
  out.plan = in.plan.value_or(kDefaultPlan);
  return out;
}

Result<Change<Customer>> CustomerService::Create(const Actor& actor, const CustomerInput& in) {
  HP_ASSIGN_OR_RETURN(NewCustomer customer, Check(in));
  return runner_.Run(actor, "customer.create",
                     [&](ChangeContext& change) { return Create(change, customer); });
}

Result<std::vector<Customer>> CustomerService::List(const Actor& actor, const Page& page) {
  HP_ASSIGN_OR_RETURN(Scope scope,
                      runner_.authorizer().ScopeOf(actor, Action::kCustomerList, "customers"));
  return store_.Read([&](StoreTxn& tx) { return tx.customers().List(scope, page); });
}

Result<Customer> CustomerService::Get(const Actor& actor, const std::string& login) {
  const Error missing = NotFound("customer", login);
  HP_ASSIGN_OR_RETURN(auto c,
                      store_.Read([&](StoreTxn& tx) { return tx.customers().FindByLogin(login); }));
  if (!c) return Fail(missing);
  HP_TRY(runner_.authorizer().Allow(actor, Action::kCustomerRead, {"customer", login, OwnerOf(*c)},
                                    missing));
  return std::move(*c);
}

Result<Change<Customer>> CustomerService::Update(const Actor& actor, const std::string& login,
                                                 const CustomerPatch& patch) {
  return runner_.Run(actor, "customer.update",
                     [&](ChangeContext& change) { return Update(change, login, patch); });
}

Result<Change<Customer>> CustomerService::Suspend(const Actor& actor, const std::string& login) {
  return SetStatus(actor, login, CustomerStatus::kSuspended);
}

Result<Change<Customer>> CustomerService::Resume(const Actor& actor, const std::string& login) {
  return SetStatus(actor, login, CustomerStatus::kActive);
}

Result<Change<Customer>> CustomerService::SetStatus(const Actor& actor, const std::string& login,
                                                    CustomerStatus status) {
  const char* operation =
      status == CustomerStatus::kSuspended ? "customer.suspend" : "customer.resume";
  return runner_.Run(actor, operation,
                     [&](ChangeContext& change) { return SetStatus(change, login, status); });
}

Result<Change<Customer>> CustomerService::Delete(const Actor& actor, const std::string& login,
                                                 bool remove_content) {
  return runner_.Run(actor, "customer.delete",
                     [&](ChangeContext& change) { return Delete(change, login, remove_content); });
}

Result<Customer> CustomerService::Create(ChangeContext& change, const NewCustomer& in) const {
  StoreTxn& tx = change.tx();
  HP_TRY(change.AllowCollection(Action::kCustomerCreate, "customers"));
  Customer customer = in.customer;
  HP_ASSIGN_OR_RETURN(auto existing, tx.customers().FindByLogin(customer.login));
  if (existing) {
    return Fail(FieldError(ErrorCode::kConflict, {{"login", "login.taken"}},
                           "the login '" + customer.login + "' is taken"));
  }
  // A reseller's customers are its own, on its own plans, within its limits.
  const Actor& actor = change.actor();
  if (actor.role == Role::kReseller) customer.reseller_id = actor.reseller_id;
  HP_ASSIGN_OR_RETURN(auto plan, tx.plans().FindByName(in.plan));
  if (!plan || plan->reseller_id != customer.reseller_id) {
    return Fail(
        Error::InvalidField("plan", "plan.unknown", "there is no plan named '" + in.plan + "'"));
  }
  HP_TRY(CheckRoomForCustomer(tx, customer.reseller_id));
  HP_TRY(CheckPlanFits(tx, customer.reseller_id, std::nullopt, *plan));
  customer.plan_id = plan->id;
  HP_ASSIGN_OR_RETURN(int64_t uid, tx.counters().Next("uid", options_.uid_first));
  while (IsReservedUid(uid)) {  // skipped for good: the counter moves past it
    HP_ASSIGN_OR_RETURN(uid, tx.counters().Next("uid", options_.uid_first));
  }
  if (uid > options_.uid_last) {
    return Fail(FieldError(ErrorCode::kUnavailable, {{"login", "uid.range_exhausted"}},
                           "every Unix uid of the configured range (" +
                               std::to_string(options_.uid_first) + "-" +
                               std::to_string(options_.uid_last) + ") has been given out"));
  }
  customer.uid = uid;
  HP_ASSIGN_OR_RETURN(Customer stored, tx.customers().Insert(customer));
  if (!stored.password_hash.empty()) {
    // Its own login: the same name, one namespace with every other login.
    HP_ASSIGN_OR_RETURN(auto taken, tx.users().FindByLogin(stored.login));
    if (taken) {
      return Fail(FieldError(ErrorCode::kConflict, {{"login", "login.taken"}},
                             "the login '" + customer.login + "' is taken"));
    }
    User login;
    login.login = stored.login;
    login.email = stored.email;
    login.name = stored.name;
    login.password_hash = stored.password_hash;
    login.role = "customer";
    login.customer_id = stored.id;
    HP_TRY(tx.users().Insert(login));
  }
  HP_TRY(change.Audit("customer.create", CustomerObject(stored.login), nullptr, ToJson(stored),
                      stored.id));
  return stored;
}

Result<Customer> CustomerService::Update(ChangeContext& change, const std::string& login,
                                         const CustomerPatch& patch) const {
  StoreTxn& tx = change.tx();
  HP_ASSIGN_OR_RETURN(const Customer before, LoadCustomer(change, login, Action::kCustomerUpdate,
                                                          NotFound("customer", login)));
  Customer after = before;
  if (patch.plan) {
    HP_ASSIGN_OR_RETURN(auto plan, tx.plans().FindByName(*patch.plan));
    if (!plan || plan->reseller_id != before.reseller_id) {
      return Fail(
          Error::InvalidField("plan", "plan.unknown",
                              "there is no plan named " + protocol::QuoteForMessage(*patch.plan)));
    }
    if (plan->id != before.plan_id) {
      HP_TRY(CheckPlanCovers(tx, before, *plan));
      HP_TRY(CheckPlanFits(tx, before.reseller_id, before.id, *plan));
    }
    after.plan_id = plan->id;
  }
  if (after.plan_id == before.plan_id) return before;  // nothing to change
  HP_TRY(tx.customers().Update(after));
  HP_ASSIGN_OR_RETURN(auto stored, tx.customers().FindByLogin(login));
  if (!stored) return Fail(Error::Internal("customer '" + login + "' vanished"));
  HP_TRY(change.Audit("customer.update", CustomerObject(login), ToJson(before), ToJson(*stored),
                      before.id));
  return std::move(*stored);
}

Result<Customer> CustomerService::SetStatus(ChangeContext& change, const std::string& login,
                                            CustomerStatus status) const {
  const bool suspend = status == CustomerStatus::kSuspended;
  const Action action = suspend ? Action::kCustomerSuspend : Action::kCustomerResume;
  HP_ASSIGN_OR_RETURN(const Customer before,
                      LoadCustomer(change, login, action, NotFound("customer", login)));
  if (before.status == status) return before;  // nothing to change
  Customer after = before;
  after.status = status;
  HP_TRY(change.tx().customers().Update(after));
  HP_TRY(
      change.Audit(Name(action), CustomerObject(login), ToJson(before), ToJson(after), before.id));
  HP_TRY(Resend(change, after, std::nullopt));
  return after;
}

Status CustomerService::Resend(ChangeContext& change, const Customer& c,
                               std::optional<int64_t> skip_account_node) const {
  HP_TRY(parts_.accounts.SyncEverywhere(change, c, skip_account_node));
  HP_TRY(parts_.sites.Resend(change, c));
  HP_TRY(parts_.ftp.Resend(change, c));
  HP_TRY(parts_.databases.Resend(change, c));
  return parts_.mail.Resend(change, c);
}

Result<Customer> CustomerService::Delete(ChangeContext& change, const std::string& login,
                                         bool remove_content) const {
  StoreTxn& tx = change.tx();
  HP_ASSIGN_OR_RETURN(const Customer c, LoadCustomer(change, login, Action::kCustomerDelete,
                                                     NotFound("customer", login)));
  HP_ASSIGN_OR_RETURN(const std::vector<Site> sites, tx.sites().OfCustomer(c.id));
  HP_ASSIGN_OR_RETURN(const std::set<int64_t> nodes, AccountService::Nodes(tx, c));

  Json before = ToJson(c);
  before["sites"] = Json::array();
  for (const auto& s : sites) before["sites"].push_back(s.domain);
  HP_TRY(change.Audit("customer.delete", CustomerObject(login), before, nullptr, c.id));

  // Reverse order of creation: what depends on a site or the account goes first.
  struct Step {
    const char* kind;
    const char* task;
  };
  for (const Step& step :
       {Step{kCert, protocol::kCertRemove}, Step{kDatabase, protocol::kDatabaseRemove},
        Step{kFtpUser, protocol::kFtpUserRemove}, Step{kZone, protocol::kZoneRemove},
        Step{kMailDomain, protocol::kMailDomainRemove}}) {
    HP_ASSIGN_OR_RETURN(const std::vector<Resource> rows, OfCustomer(tx, step.kind, c.id));
    for (const auto& r : rows) {
      Json spec = RemovalSpecOf(r, c);
      if (r.kind == kMailDomain) spec["remove_content"] = remove_content;
      // A zone is on every dns node (zone_builder.h).
      std::vector<int64_t> nodes = {r.node_id};
      if (r.kind == kZone) {
        HP_ASSIGN_OR_RETURN(nodes, ZoneNodes(tx, r, true));
      }
      for (int64_t node : nodes) {
        HP_TRY(change.Append({node, ObjectKey(r.kind, r.name), step.task, spec, c.id}));
      }
      if (r.kind == kMailDomain) {
        HP_TRY(change.Append({r.node_id, MailClientObject(r.name), protocol::kMailClientRemove,
                              MailClientSpecOf(r, c), c.id}));
      }
    }
  }
  for (const char* kind :
       {kRecord, kMailbox, kForwarder, kCert, kDatabase, kFtpUser, kZone, kMailDomain}) {
    HP_ASSIGN_OR_RETURN(const std::vector<Resource> rows, OfCustomer(tx, kind, c.id));
    for (const auto& r : rows) HP_TRY(tx.resources().Delete(r.id));
  }
  for (const auto& s : sites) {
    HP_TRY(tx.sites().Delete(s.id));
    HP_TRY(change.Append({s.node_id, SiteObject(s.domain), protocol::kSiteRemove,
                          SiteRemovalSpec(s, remove_content), c.id}));
  }
  // Everything that lived in the account is on its way out; the account goes last.
  HP_FAILPOINT("customer.delete.before_accounts");
  for (int64_t node : nodes) HP_TRY(parts_.accounts.Remove(change, c, node, remove_content));
  HP_TRY(parts_.mail_accounts.Remove(change, c));
  // Its logins go with it (their grants and tokens too).
  HP_ASSIGN_OR_RETURN(auto logins, tx.users().List(std::nullopt, c.id, Page{0, 10'000}));
  for (const User& u : logins) HP_TRY(tx.users().Delete(u.id));
  HP_TRY(tx.customers().Delete(c.id));
  return c;
}

}  // namespace hostplane::controller
