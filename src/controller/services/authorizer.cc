#include "controller/services/authorizer.h"

#include <algorithm>
#include <array>

#include "controller/auth/token_scopes.h"

namespace hostplane::controller {
namespace {

// What an action is about, for the matrix.
enum class Kind {
  kCompany,   // nodes and the relay: the company's machines
  kMetrics,   // the controller's own numbers
  kPlan,      // plans: the company's or a reseller's own
  kReseller,  // resellers themselves
  kAccount,   // a customer account (create, read, change, suspend, delete)
  kOwned,     // an object of a customer (site, mail, DNS, FTP, database, certificate)
  kHistory,   // tasks and audit entries (scoped by their customer)
  kUsers,     // the people who log in
  kTokens,    // one's own API tokens
  kMove,      // a customer moved between owners
  kActAs,     // acting for a customer
  kOrder,     // orders: the company's, or a reseller's (on its plans)
};

struct Traits {
  Action action;
  std::string_view name;
  std::string_view area;  // the API token scope's area
  bool write;
  Kind kind;
};

constexpr std::array<Traits, 78> kTraits = {{
    {Action::kCustomerCreate, "customer.create", "customers", true, Kind::kAccount},
    {Action::kCustomerRead, "customer.read", "customers", false, Kind::kAccount},
    {Action::kCustomerList, "customer.list", "customers", false, Kind::kAccount},
    {Action::kCustomerUpdate, "customer.update", "customers", true, Kind::kAccount},
    {Action::kCustomerDelete, "customer.delete", "customers", true, Kind::kAccount},
    {Action::kCustomerSuspend, "customer.suspend", "customers", true, Kind::kAccount},
    {Action::kCustomerResume, "customer.resume", "customers", true, Kind::kAccount},
    {Action::kSiteCreate, "site.create", "sites", true, Kind::kOwned},
    {Action::kSiteRead, "site.read", "sites", false, Kind::kOwned},
    {Action::kSiteList, "site.list", "sites", false, Kind::kOwned},
    {Action::kSiteUpdate, "site.update", "sites", true, Kind::kOwned},
    {Action::kSiteRemove, "site.remove", "sites", true, Kind::kOwned},
    {Action::kNodeCreate, "node.create", "nodes", true, Kind::kCompany},
    {Action::kNodeRead, "node.read", "nodes", false, Kind::kCompany},
    {Action::kNodeList, "node.list", "nodes", false, Kind::kCompany},
    {Action::kNodeToken, "node.token", "nodes", true, Kind::kCompany},
    {Action::kNodeUpdate, "node.update", "nodes", true, Kind::kCompany},
    {Action::kNodeDrain, "node.drain", "nodes", true, Kind::kCompany},
    {Action::kNodeLost, "node.lost", "nodes", true, Kind::kCompany},
    // The relay's users carry the nodes' password hashes: a write-level secret to read.
    {Action::kRelayRead, "relay.read", "nodes", true, Kind::kCompany},
    {Action::kPlanCreate, "plan.create", "plans", true, Kind::kPlan},
    {Action::kPlanRead, "plan.read", "plans", false, Kind::kPlan},
    {Action::kPlanList, "plan.list", "plans", false, Kind::kPlan},
    {Action::kTaskRead, "task.read", "tasks", false, Kind::kHistory},
    {Action::kTaskList, "task.list", "tasks", false, Kind::kHistory},
    {Action::kAuditList, "audit.list", "tasks", false, Kind::kHistory},
    {Action::kTokenCreate, "token.create", "tokens", true, Kind::kTokens},
    {Action::kMetricsRead, "metrics.read", "nodes", false, Kind::kMetrics},
    {Action::kMailDomainList, "maildomain.list", "mail", false, Kind::kOwned},
    {Action::kMailboxCreate, "mailbox.create", "mail", true, Kind::kOwned},
    {Action::kMailboxRemove, "mailbox.remove", "mail", true, Kind::kOwned},
    {Action::kMailboxList, "mailbox.list", "mail", false, Kind::kOwned},
    {Action::kForwarderCreate, "forwarder.create", "mail", true, Kind::kOwned},
    {Action::kForwarderRemove, "forwarder.remove", "mail", true, Kind::kOwned},
    {Action::kForwarderList, "forwarder.list", "mail", false, Kind::kOwned},
    {Action::kFtpUserCreate, "ftpuser.create", "ftp", true, Kind::kOwned},
    {Action::kFtpUserRemove, "ftpuser.remove", "ftp", true, Kind::kOwned},
    {Action::kFtpUserList, "ftpuser.list", "ftp", false, Kind::kOwned},
    {Action::kDatabaseCreate, "database.create", "databases", true, Kind::kOwned},
    {Action::kDatabaseRemove, "database.remove", "databases", true, Kind::kOwned},
    {Action::kDatabaseList, "database.list", "databases", false, Kind::kOwned},
    {Action::kZoneCreate, "zone.create", "dns", true, Kind::kOwned},
    {Action::kZoneRead, "zone.read", "dns", false, Kind::kOwned},
    {Action::kZoneRemove, "zone.remove", "dns", true, Kind::kOwned},
    {Action::kZoneList, "zone.list", "dns", false, Kind::kOwned},
    {Action::kRecordCreate, "record.create", "dns", true, Kind::kOwned},
    {Action::kRecordRemove, "record.remove", "dns", true, Kind::kOwned},
    {Action::kRecordList, "record.list", "dns", false, Kind::kOwned},
    {Action::kCertCreate, "cert.create", "certificates", true, Kind::kOwned},
    {Action::kCertList, "cert.list", "certificates", false, Kind::kOwned},
    {Action::kResellerCreate, "reseller.create", "resellers", true, Kind::kReseller},
    {Action::kResellerRead, "reseller.read", "resellers", false, Kind::kReseller},
    {Action::kResellerList, "reseller.list", "resellers", false, Kind::kReseller},
    {Action::kResellerUpdate, "reseller.update", "resellers", true, Kind::kReseller},
    {Action::kResellerDelete, "reseller.delete", "resellers", true, Kind::kReseller},
    {Action::kUserCreate, "user.create", "users", true, Kind::kUsers},
    {Action::kUserRead, "user.read", "users", false, Kind::kUsers},
    {Action::kUserList, "user.list", "users", false, Kind::kUsers},
    {Action::kUserUpdate, "user.update", "users", true, Kind::kUsers},
    {Action::kUserDelete, "user.delete", "users", true, Kind::kUsers},
    {Action::kUserResetSecondFactor, "user.reset_second_factor", "users", true, Kind::kUsers},
    {Action::kTokenList, "token.list", "tokens", false, Kind::kTokens},
    {Action::kTokenRevoke, "token.revoke", "tokens", true, Kind::kTokens},
    {Action::kCustomerMove, "customer.move", "customers", true, Kind::kMove},
    {Action::kActAs, "customer.act_as", "customers", true, Kind::kActAs},
    {Action::kMailDomainRead, "maildomain.read", "mail", false, Kind::kOwned},
    {Action::kMailDomainUpdate, "maildomain.update", "mail", true, Kind::kOwned},
    {Action::kOrderList, "order.list", "orders", false, Kind::kOrder},
    {Action::kOrderRead, "order.read", "orders", false, Kind::kOrder},
    {Action::kOrderAccept, "order.accept", "orders", true, Kind::kOrder},
    {Action::kOrderReject, "order.reject", "orders", true, Kind::kOrder},
    {Action::kOrderMarkPaid, "order.mark_paid", "orders", true, Kind::kOrder},
    // Asked on the customer (kind "customer"): no grant of a limited user covers its home.
    {Action::kFileRead, "file.read", "files", false, Kind::kOwned},
    {Action::kFileWrite, "file.write", "files", true, Kind::kOwned},
    // Re-sends a task's desired state: whoever may read the task may ask again (a customer its
    // own, a reseller its customers'); the company's own tasks (no customer) stay the staff's.
    {Action::kTaskRetry, "task.retry", "tasks", true, Kind::kHistory},
    {Action::kMailboxUpdate, "mailbox.update", "mail", true, Kind::kOwned},
    {Action::kFtpUserUpdate, "ftpuser.update", "ftp", true, Kind::kOwned},
    {Action::kPlanUpdate, "plan.update", "plans", true, Kind::kPlan},
}};

const Traits* Find(Action action) {
  const auto i = static_cast<size_t>(action);
  if (i < kTraits.size() && kTraits[i].action == action) return &kTraits[i];
  return nullptr;
}

bool IsCollection(const AuthTarget& t) { return t.name.empty(); }

bool SameReseller(const Actor& a, const Owner& o) {
  return a.reseller_id && o.reseller_id && *a.reseller_id == *o.reseller_id;
}

bool SameCustomer(const Actor& a, const Owner& o) {
  return a.customer_id && o.customer_id && *a.customer_id == *o.customer_id;
}

// The domain a limited user's grant must name for an object: a site's domain (also for its
// certificate), a mail domain, the domain of a mailbox or forwarder address; "" for any other
// kind of object, which no grant covers.
std::pair<std::string_view, std::string> GrantKey(const AuthTarget& t) {
  if (t.kind == "site") return {"site", t.name};
  if (t.kind == "maildomain") return {"maildomain", t.name};
  if (t.kind == "mailbox" || t.kind == "forwarder") {
    const size_t at = t.name.rfind('@');
    if (at == std::string::npos) return {"", ""};
    return {"maildomain", t.name.substr(at + 1)};
  }
  return {"", ""};
}

bool Granted(const Actor& a, const AuthTarget& t) {
  auto [kind, name] = GrantKey(t);
  if (kind.empty()) return false;
  return std::any_of(a.grants.begin(), a.grants.end(),
                     [&](const UserGrant& g) { return g.kind == kind && g.name == name; });
}

bool StaffSupport(const Traits& tr, const AuthTarget& t) {
  switch (tr.kind) {
    case Kind::kCompany:
    case Kind::kPlan:
    case Kind::kReseller:
    case Kind::kOrder:
      return !tr.write;
    case Kind::kMetrics:
    case Kind::kAccount:
    case Kind::kOwned:
    case Kind::kHistory:
    case Kind::kTokens:
    case Kind::kActAs:
      return true;
    case Kind::kUsers:
      // Staff logins are the admins' to manage; anyone else's may be helped with.
      return !tr.write || IsCollection(t) || t.owner.customer_id || t.owner.reseller_id;
    case Kind::kMove:
      return false;
  }
  return false;
}

bool ResellerMay(const Actor& a, const Traits& tr, const AuthTarget& t) {
  if (!a.reseller_id) return false;
  switch (tr.kind) {
    case Kind::kCompany:
    case Kind::kMetrics:
    case Kind::kMove:
      return false;
    case Kind::kReseller:  // itself, read only
      return tr.action == Action::kResellerRead && SameReseller(a, t.owner);
    case Kind::kPlan:
    case Kind::kAccount:
    case Kind::kOwned:
    case Kind::kHistory:
    case Kind::kUsers:
      return IsCollection(t) || SameReseller(a, t.owner);
    case Kind::kTokens:  // its own (a token's owner is its user's)
      return IsCollection(t) || SameReseller(a, t.owner);
    case Kind::kActAs:
      return !IsCollection(t) && SameReseller(a, t.owner);
    case Kind::kOrder:  // the orders for its own plans
      return IsCollection(t) || SameReseller(a, t.owner);
  }
  return false;
}

bool CustomerMay(const Actor& a, const Traits& tr, const AuthTarget& t) {
  if (!a.customer_id) return false;
  const bool limited = a.role == Role::kCustomerUser && !a.full_access;
  switch (tr.kind) {
    case Kind::kCompany:
    case Kind::kMetrics:
    case Kind::kPlan:
    case Kind::kReseller:
    case Kind::kMove:
    case Kind::kActAs:
    case Kind::kOrder:
      return false;
    case Kind::kTokens:  // its own (a token's owner is its user's)
      return IsCollection(t) || SameCustomer(a, t.owner);
    case Kind::kAccount:
      if (limited) return false;
      if (tr.action == Action::kCustomerList) return IsCollection(t);
      return tr.action == Action::kCustomerRead && SameCustomer(a, t.owner);
    case Kind::kUsers:  // the customer's own login manages its users
      if (a.role != Role::kCustomer) return false;
      return IsCollection(t) || SameCustomer(a, t.owner);
    case Kind::kHistory:
      if (limited) return false;
      return IsCollection(t) || SameCustomer(a, t.owner);
    case Kind::kOwned:
      if (!limited) return IsCollection(t) || SameCustomer(a, t.owner);
      // A limited user lists sites and mail (its grants, in the query) and acts on the objects
      // of its grants; it creates nothing at the customer's level.
      if (IsCollection(t)) {
        return tr.action == Action::kSiteList || tr.action == Action::kMailDomainList ||
               tr.action == Action::kMailboxList || tr.action == Action::kForwarderList;
      }
      return SameCustomer(a, t.owner) && Granted(a, t);
  }
  return false;
}

}  // namespace

std::string_view Name(Action action) {
  const Traits* tr = Find(action);
  return tr ? tr->name : "";
}

ScopeNeed ScopeNeeded(Action action) {
  const Traits* tr = Find(action);
  if (!tr) return {"admin", true};
  return {tr->area, tr->write};
}

Owner OwnerOf(const Plan& p) { return {std::nullopt, p.reseller_id}; }
Owner OwnerOf(const Reseller& r) { return {std::nullopt, r.id}; }
Owner OwnerOf(const User& u) { return {u.customer_id, u.reseller_id}; }
Owner OwnerOf(const Customer& c) { return {c.id, c.reseller_id}; }
Owner OwnerOf(const Site& s) { return {s.customer_id, s.reseller_id}; }
Owner OwnerOf(const Resource& r) { return {r.customer_id, r.reseller_id}; }

bool Authorizer::Can(const Actor& actor, Action action, const AuthTarget& target) const {
  const Traits* tr = Find(action);
  if (!tr) return false;
  // Acting for someone ("log in as"): never more than the acting person may do.
  if (actor.acting_person && !Can(*actor.acting_person, action, target)) return false;
  if (actor.scopes && !auth::ScopesAllow(*actor.scopes, tr->area,
                                         tr->write ? auth::Access::kWrite : auth::Access::kRead)) {
    return false;
  }
  switch (actor.role) {
    case Role::kNone:
      return false;
    case Role::kAdmin:
      return true;
    case Role::kSupport:
      return StaffSupport(*tr, target);
    case Role::kReseller:
      return ResellerMay(actor, *tr, target);
    case Role::kCustomer:
    case Role::kCustomerUser:
      return CustomerMay(actor, *tr, target);
  }
  return false;
}

Status Authorizer::Allow(const Actor& actor, Action action, const AuthTarget& target,
                         const Error& not_found) const {
  if (Can(actor, action, target)) return Ok();
  return Fail(not_found);
}

Status Authorizer::AllowCollection(const Actor& actor, Action action,
                                   std::string_view collection) const {
  if (Can(actor, action, AuthTarget{collection, "", {}})) return Ok();
  return Fail(Error::Forbidden("'" + actor.name + "' may not " + std::string(Name(action)) + " " +
                               std::string(collection)));
}

Result<Scope> Authorizer::ScopeOf(const Actor& actor, Action list_action,
                                  std::string_view collection) const {
  HP_TRY(AllowCollection(actor, list_action, collection));
  switch (actor.role) {
    case Role::kAdmin:
    case Role::kSupport:
      return Scope::All();
    case Role::kReseller:
      if (actor.reseller_id) return Scope::Reseller(*actor.reseller_id);
      break;
    case Role::kCustomer:
    case Role::kCustomerUser:
      if (!actor.customer_id) break;
      if (actor.role == Role::kCustomerUser && !actor.full_access) {
        if (!actor.user_id) break;
        return Scope::LimitedUser(*actor.customer_id, *actor.user_id);
      }
      return Scope::Customer(*actor.customer_id);
    case Role::kNone:
      break;
  }
  // Allowed without an owner chain to scope by: a malformed actor. Fail closed.
  return Fail(Error::Forbidden("'" + actor.name + "' may not " + std::string(Name(list_action)) +
                               " " + std::string(collection)));
}

bool Can(const Actor& actor, std::string_view action, std::string_view object) {
  auto known = Parse<Action>(action);
  if (!known) return false;
  const size_t colon = object.find(':');
  AuthTarget target;
  target.kind = object.substr(0, colon);
  if (colon != std::string_view::npos) target.name = std::string(object.substr(colon + 1));
  return Authorizer().Can(actor, *known, target);
}

}  // namespace hostplane::controller
