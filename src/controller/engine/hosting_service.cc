#include "controller/engine/hosting_service.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "common/crypto.h"
#include "controller/engine/hosting_support.h"
#include "controller/engine/name_ownership.h"
#include "controller/engine/task_engine.h"
#include "controller/engine/zone_validity.h"
#include "controller/store/entity_json.h"
#include "protocol/messages.h"
#include "protocol/validate.h"

namespace hostplane::controller {
namespace {

using hosting::Append;
using hosting::Authorize;
using hosting::CustomerObject;
using hosting::FieldError;
using hosting::NotFoundMessage;
using hosting::NotifyNodes;
using hosting::SiteObject;

constexpr const char* kDefaultPlan = "default";
constexpr const char* kWebRole = "web";
constexpr size_t kMaxPlanNameLength = 32;

// The declared range of each plan limit, with its field path in a request.
struct LimitRule {
  const char* field;
  Limit PlanInput::*input;
  Limit Plan::*stored;
  int64_t min;
  int64_t max;
};
constexpr LimitRule kLimitRules[] = {
    {"limits.sites", &PlanInput::sites, &Plan::max_sites, 0, 1'000'000},
    {"limits.mailboxes", &PlanInput::mailboxes, &Plan::max_mailboxes, 0, 1'000'000},
    {"limits.mailbox_quota_mb", &PlanInput::mailbox_quota_mb, &Plan::mailbox_quota_mb, 1,
     10'485'760},
    {"limits.forwarders", &PlanInput::forwarders, &Plan::max_forwarders, 0, 1'000'000},
    {"limits.ftp_users", &PlanInput::ftp_users, &Plan::max_ftp_users, 0, 1'000'000},
    {"limits.dns_zones", &PlanInput::dns_zones, &Plan::max_dns_zones, 0, 1'000'000},
    {"limits.databases", &PlanInput::databases, &Plan::max_databases, 0, 1'000'000},
    {"limits.disk_mb", &PlanInput::disk_mb, &Plan::disk_mb, 1, 104'857'600},
};

// Every action Can() knows. Anything else is denied, whoever asks.
const std::set<std::string>& KnownActions() {
  static const std::set<std::string> kActions = {
      "customer.create", "customer.read",    "customer.list",    "customer.update",
      "customer.delete", "site.create",      "site.read",        "site.list",
      "site.update",     "site.remove",      "node.create",      "node.read",
      "node.list",       "plan.create",      "plan.read",        "plan.list",
      "task.read",       "task.list",        "audit.list",       "token.create",
      "metrics.read",    "customer.suspend", "customer.resume",  "mailbox.create",
      "mailbox.remove",  "mailbox.list",     "forwarder.create", "forwarder.remove",
      "forwarder.list",  "ftpuser.create",   "ftpuser.remove",   "ftpuser.list",
      "database.create", "database.remove",  "database.list",    "zone.create",
      "zone.remove",     "zone.list",        "zone.read",        "record.create",
      "record.remove",   "record.list",      "cert.create",      "cert.list",
      "maildomain.list", "node.token",       "node.drain",       "node.lost",
      "relay.read",
  };
  return kActions;
}

std::string PlanObject(const std::string& name) { return "plan:" + name; }

// A site's PHP version: "" (static) or one of the versions the web nodes offer.
std::optional<protocol::Violation> CheckPhp(const std::string& php,
                                            const std::vector<std::string>& offered) {
  if (php.empty() || std::find(offered.begin(), offered.end(), php) != offered.end()) {
    return std::nullopt;
  }
  std::string list;
  for (const auto& v : offered) list += (list.empty() ? "" : ", ") + v;
  return protocol::Violation{"php.unavailable", "PHP " + protocol::QuoteForMessage(php) +
                                                    " is not offered; choose one of: " + list +
                                                    " (or \"\" for none)."};
}

bool IsPlanNameChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }

// ^[a-z][a-z0-9-]{1,31}$
std::optional<protocol::Violation> CheckPlanName(const std::string& name) {
  bool ok = name.size() >= 2 && name.size() <= kMaxPlanNameLength && name[0] >= 'a' &&
            name[0] <= 'z' && std::all_of(name.begin(), name.end(), IsPlanNameChar);
  if (ok) return std::nullopt;
  return protocol::Violation{"plan.invalid_name",
                             "A plan name is 2 to 32 lowercase letters, digits and '-', starting "
                             "with a letter."};
}

// The plan's limit on sites, refused when the customer already has more sites than it allows.
Status CheckPlanCovers(StoreTxn& tx, const Customer& customer, const Plan& plan) {
  if (!plan.max_sites) return Ok();
  auto count = tx.sites().CountOfCustomer(customer.id);
  if (!count) return Fail(count.error());
  if (*count <= *plan.max_sites) return Ok();
  return Fail(FieldError(ErrorCode::kLimit, {{"plan", "plan.below_usage"}},
                         "the plan '" + plan.name + "' allows " + std::to_string(*plan.max_sites) +
                             " sites; '" + customer.login + "' has " + std::to_string(*count)));
}

// Aliases in canonical form, each with its field path in the request ("aliases[1]"), and the
// sorted list a site stores. Collisions with the domain or each other are field errors too.
struct CheckedAliases {
  std::vector<ClaimedName> by_field;
  std::vector<std::string> sorted;
};

CheckedAliases CheckAliases(const std::vector<std::string>& input, const std::string& domain,
                            protocol::FieldErrors& errors) {
  CheckedAliases out;
  std::set<std::string> seen = {domain};
  for (size_t i = 0; i < input.size(); ++i) {
    std::string field = "aliases[" + std::to_string(i) + "]";
    auto alias = protocol::CheckDomain(input[i]);
    if (!alias) {
      errors.Add(field, alias.error());
      continue;
    }
    if (!seen.insert(*alias).second) {
      errors.Add(field, {"domain.duplicate", "The name is listed twice for this site."});
      continue;
    }
    out.by_field.push_back({field, *alias});
    out.sorted.push_back(*alias);
  }
  std::sort(out.sorted.begin(), out.sorted.end());
  return out;
}

// Uniqueness of names a site wants to claim (inside the write transaction, so it holds at
// commit): a name belongs to one site. Names the site itself already owns (self_site_id) are
// fine. Ownership against other customers' names is CheckNamesOwnable's.
Status CheckNamesFree(StoreTxn& tx, const std::vector<ClaimedName>& names, int64_t self_site_id) {
  std::map<std::string, std::string> taken;
  std::string message;
  for (const auto& [field, name] : names) {
    auto owner = tx.sites().FindByName(name);
    if (!owner) return Fail(owner.error());
    if (*owner && (*owner)->id != self_site_id) {
      taken[field] = "domain.taken";
      message = "'" + name + "' is already a site name";
    }
  }
  if (taken.empty()) return Ok();
  return Fail(FieldError(ErrorCode::kConflict, std::move(taken), message));
}

// The least loaded web node with room, by the rules of the customer's plan.
Result<Node> PlaceSite(StoreTxn& tx, const hosting::PlaceOptions& place) {
  auto counts = tx.sites().CountByNode();
  if (!counts) return Fail(counts.error());
  return hosting::PlaceOnRole(tx, kWebRole, *counts, "domain", place);
}

}  // namespace

bool Can(const Actor& actor, const std::string& action, const std::string& object) {
  if (KnownActions().count(action) == 0) return false;
  // Resellers and customers come with the panel; until their scoping exists they are denied.
  return actor.role == "admin";
}

HostingService::HostingService(Store& store, TaskEngine& engine, const Clock& clock,
                               HostingOptions options)
    : store_(store), engine_(engine), clock_(clock), options_(std::move(options)) {}

Result<Change<Customer>> HostingService::CreateCustomer(const Actor& actor,
                                                        const CustomerInput& in) {
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

  Customer customer;
  customer.login = *login;
  customer.name = name;
  customer.email = *email;
  if (password) {
    HP_TRY(InitCrypto());
    auto hash = HashPassword(*password);  // slow on purpose: outside the write lock
    if (!hash) return Fail(hash.error());
    customer.password_hash = *hash;
  }
  const std::string plan_name = in.plan.value_or(kDefaultPlan);

  Change<Customer> change;
  HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
    HP_TRY(Authorize(actor, "customer.create", CustomerObject(customer.login)));
    auto existing = tx.customers().FindByLogin(customer.login);
    if (!existing) return Fail(existing.error());
    if (*existing) {
      return Fail(FieldError(ErrorCode::kConflict, {{"login", "login.taken"}},
                             "the login '" + customer.login + "' is taken"));
    }
    auto plan = tx.plans().FindByName(plan_name);
    if (!plan) return Fail(plan.error());
    if (!*plan) {
      return Fail(Error::InvalidField("plan", "plan.unknown",
                                      "there is no plan named '" + plan_name + "'"));
    }
    customer.plan_id = (*plan)->id;
    auto uid = tx.counters().Next("uid", options_.uid_first);
    if (!uid) return Fail(uid.error());
    if (*uid > options_.uid_last) {
      return Fail(FieldError(ErrorCode::kUnavailable, {{"login", "uid.range_exhausted"}},
                             "every Unix uid of the configured range (" +
                                 std::to_string(options_.uid_first) + "-" +
                                 std::to_string(options_.uid_last) + ") has been given out"));
    }
    customer.uid = *uid;
    auto stored = tx.customers().Insert(customer);
    if (!stored) return Fail(stored.error());
    auto audit = tx.audit().Append(
        {actor.name, "customer.create", CustomerObject(stored->login), nullptr, ToJson(*stored)});
    if (!audit) return Fail(audit.error());
    change = Change<Customer>{std::move(*stored), {}, *audit};
    return Ok();
  }));
  return change;
}

Result<std::vector<Customer>> HostingService::ListCustomers(const Actor& actor, const Page& page) {
  HP_TRY(Authorize(actor, "customer.list", "customers"));
  return store_.ListCustomers(page);
}

Result<Customer> HostingService::GetCustomer(const Actor& actor, const std::string& login) {
  HP_TRY(Authorize(actor, "customer.read", CustomerObject(login)));
  auto c = store_.GetCustomer(login);
  if (!c) return Fail(c.error());
  if (!*c) return Fail(Error::NotFound(NotFoundMessage("customer", login)));
  return std::move(**c);
}

Result<Change<Customer>> HostingService::UpdateCustomer(const Actor& actor,
                                                        const std::string& login,
                                                        const CustomerPatch& patch) {
  Change<Customer> change;
  HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
    HP_TRY(Authorize(actor, "customer.update", CustomerObject(login)));
    auto found = tx.customers().FindByLogin(login);
    if (!found) return Fail(found.error());
    if (!*found) return Fail(Error::NotFound(NotFoundMessage("customer", login)));
    const Customer before = **found;
    Customer after = before;
    if (patch.plan) {
      auto plan = tx.plans().FindByName(*patch.plan);
      if (!plan) return Fail(plan.error());
      if (!*plan) {
        return Fail(Error::InvalidField(
            "plan", "plan.unknown",
            "there is no plan named " + protocol::QuoteForMessage(*patch.plan)));
      }
      if ((*plan)->id != before.plan_id) HP_TRY(CheckPlanCovers(tx, before, **plan));
      after.plan_id = (*plan)->id;
    }
    if (after.plan_id == before.plan_id) {
      change = Change<Customer>{before, {}, 0};  // nothing to change
      return Ok();
    }
    HP_TRY(tx.customers().Update(after));
    auto stored = tx.customers().FindByLogin(login);
    if (!stored) return Fail(stored.error());
    if (!*stored) return Fail(Error::Internal("customer '" + login + "' vanished"));
    auto audit = tx.audit().Append(
        {actor.name, "customer.update", CustomerObject(login), ToJson(before), ToJson(**stored)});
    if (!audit) return Fail(audit.error());
    change = Change<Customer>{**stored, {}, *audit};
    return Ok();
  }));
  return change;
}

Result<Change<Site>> HostingService::CreateSite(const Actor& actor, const SiteInput& in) {
  protocol::FieldErrors errors;
  auto domain = protocol::CheckDomain(in.domain);
  if (!domain) errors.Add("domain", domain.error());
  auto login = protocol::CheckLoginGrammar(in.customer);
  if (!login) errors.Add("customer", login.error());
  CheckedAliases aliases = CheckAliases(in.aliases, domain ? *domain : std::string(), errors);
  std::string docroot;
  if (in.docroot) {
    auto d = protocol::CheckRelativePath(*in.docroot);
    if (d) {
      docroot = *d;
    } else {
      errors.Add("docroot", d.error());
    }
  } else if (domain) {
    docroot = "sites/" + *domain + "/public";
  }
  std::string php;
  if (in.php) {
    if (auto v = CheckPhp(*in.php, options_.php_versions)) {
      errors.Add("php", *v);
    } else {
      php = *in.php;
    }
  }
  if (!errors.empty()) return Fail(errors.ToError());

  Change<Site> change;
  HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
    HP_TRY(Authorize(actor, "site.create", SiteObject(*domain)));
    auto customer = tx.customers().FindByLogin(*login);
    if (!customer) return Fail(customer.error());
    if (!*customer) {
      return Fail(FieldError(ErrorCode::kNotFound, {{"customer", "customer.not_found"}},
                             NotFoundMessage("customer", *login)));
    }
    std::vector<ClaimedName> names = {{"domain", *domain}};
    names.insert(names.end(), aliases.by_field.begin(), aliases.by_field.end());
    HP_TRY(CheckNamesFree(tx, names, 0));
    HP_TRY(CheckNamesOwnable(tx, (*customer)->id, names, options_.reserved_names));

    auto plan = tx.plans().FindById((*customer)->plan_id);
    if (!plan) return Fail(plan.error());
    if (*plan && (*plan)->max_sites) {
      auto count = tx.sites().CountOfCustomer((*customer)->id);
      if (!count) return Fail(count.error());
      if (*count >= *(*plan)->max_sites) {
        return Fail(FieldError(ErrorCode::kLimit, {{"domain", "plan.sites_limit"}},
                               "the plan '" + (*plan)->name + "' allows " +
                                   std::to_string(*(*plan)->max_sites) + " sites"));
      }
    }
    auto plan_of = hosting::PlanOf(tx, **customer);
    if (!plan_of) return Fail(plan_of.error());
    auto node = PlaceSite(tx, hosting::PlacementFor(*plan_of, options_));
    if (!node) return Fail(node.error());

    Site site;
    site.customer_id = (*customer)->id;
    site.domain = *domain;
    site.aliases = aliases.sorted;
    site.docroot = docroot;
    site.php = php;
    site.node_id = node->id;
    auto zones = ZoneValidity::Before(tx, **customer, options_);
    if (!zones) return Fail(zones.error());
    auto stored = tx.sites().Insert(site);
    if (!stored) return Fail(stored.error());
    HP_TRY(zones->After(tx, names, "domain"));
    auto audit = tx.audit().Append(
        {actor.name, "site.create", SiteObject(stored->domain), nullptr, ToJson(*stored)});
    if (!audit) return Fail(audit.error());
    change = Change<Site>{*stored, {}, *audit};
    // The account's user (and PHP pool) first: the site's files belong to it.
    HP_TRY(hosting::SyncAccount(tx, change.tasks, **customer, stored->node_id, *audit));
    HP_TRY(Append(tx, change.tasks, stored->node_id, SiteObject(stored->domain),
                  protocol::kSiteEnsure, hosting::SiteEnsureSpec(*stored, **customer), *audit));
    return hosting::SyncZonesOf(tx, change.tasks, **customer, *audit, options_, clock_.NowMillis());
  }));
  NotifyNodes(engine_, change.tasks);
  return change;
}

Result<std::vector<Site>> HostingService::ListSites(const Actor& actor,
                                                    std::optional<std::string> customer,
                                                    const Page& page) {
  HP_TRY(Authorize(actor, "site.list", customer ? CustomerObject(*customer) : "sites"));
  return store_.ListSites(std::move(customer), page);
}

Result<Site> HostingService::GetSite(const Actor& actor, const std::string& domain) {
  auto canonical = protocol::CheckDomain(domain);
  std::string name = canonical ? *canonical : domain;
  HP_TRY(Authorize(actor, "site.read", SiteObject(name)));
  if (!canonical) return Fail(Error::NotFound(NotFoundMessage("site", domain)));
  auto site = store_.GetSite(name);
  if (!site) return Fail(site.error());
  if (!*site) return Fail(Error::NotFound(NotFoundMessage("site", name)));
  return std::move(**site);
}

Result<Change<Site>> HostingService::UpdateSite(const Actor& actor, const std::string& domain,
                                                const SitePatch& patch) {
  auto canonical = protocol::CheckDomain(domain);
  if (!canonical) return Fail(Error::NotFound(NotFoundMessage("site", domain)));
  protocol::FieldErrors errors;
  std::optional<CheckedAliases> aliases;
  if (patch.aliases) aliases = CheckAliases(*patch.aliases, *canonical, errors);
  std::optional<std::string> docroot;
  if (patch.docroot) {
    auto d = protocol::CheckRelativePath(*patch.docroot);
    if (d) {
      docroot = *d;
    } else {
      errors.Add("docroot", d.error());
    }
  }
  if (patch.php) {
    if (auto v = CheckPhp(*patch.php, options_.php_versions)) errors.Add("php", *v);
  }
  if (!errors.empty()) return Fail(errors.ToError());

  Change<Site> change;
  HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
    HP_TRY(Authorize(actor, "site.update", SiteObject(*canonical)));
    auto found = tx.sites().FindByDomain(*canonical);
    if (!found) return Fail(found.error());
    if (!*found) return Fail(Error::NotFound(NotFoundMessage("site", *canonical)));
    const Site before = **found;
    Site after = before;
    if (aliases) after.aliases = aliases->sorted;
    if (docroot) after.docroot = *docroot;
    if (patch.php) after.php = *patch.php;
    if (after.aliases == before.aliases && after.docroot == before.docroot &&
        after.php == before.php) {
      change = Change<Site>{before, {}, 0};  // nothing to change, nothing to apply
      return Ok();
    }
    if (aliases) HP_TRY(CheckNamesFree(tx, aliases->by_field, before.id));
    if (aliases) {
      HP_TRY(CheckNamesOwnable(tx, before.customer_id, aliases->by_field, options_.reserved_names));
    }
    auto owner = tx.customers().FindById(before.customer_id);
    if (!owner) return Fail(owner.error());
    if (!*owner) return Fail(Error::Internal("the owner of '" + before.domain + "' vanished"));
    auto zones = ZoneValidity::Before(tx, **owner, options_);
    if (!zones) return Fail(zones.error());
    HP_TRY(tx.sites().Update(after));
    HP_TRY(zones->After(tx, aliases ? aliases->by_field : std::vector<ClaimedName>{}, "aliases"));
    auto stored = tx.sites().FindByDomain(before.domain);
    if (!stored) return Fail(stored.error());
    if (!*stored) return Fail(Error::Internal("site '" + before.domain + "' vanished"));
    auto audit = tx.audit().Append(
        {actor.name, "site.update", SiteObject(before.domain), ToJson(before), ToJson(**stored)});
    if (!audit) return Fail(audit.error());
    change = Change<Site>{**stored, {}, *audit};
    if (after.php != before.php) {
      HP_TRY(hosting::SyncAccount(tx, change.tasks, **owner, before.node_id, *audit));
    }
    HP_TRY(Append(tx, change.tasks, (*stored)->node_id, SiteObject(before.domain),
                  protocol::kSiteEnsure, hosting::SiteEnsureSpec(**stored, **owner), *audit));
    return hosting::SyncZonesOf(tx, change.tasks, **owner, *audit, options_, clock_.NowMillis());
  }));
  NotifyNodes(engine_, change.tasks);
  return change;
}

Result<Change<Site>> HostingService::RemoveSite(const Actor& actor, const std::string& domain,
                                                bool remove_content) {
  auto canonical = protocol::CheckDomain(domain);
  if (!canonical) return Fail(Error::NotFound(NotFoundMessage("site", domain)));
  Change<Site> change;
  HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
    HP_TRY(Authorize(actor, "site.remove", SiteObject(*canonical)));
    auto found = tx.sites().FindByDomain(*canonical);
    if (!found) return Fail(found.error());
    if (!*found) return Fail(Error::NotFound(NotFoundMessage("site", *canonical)));
    const Site& site = **found;
    HP_TRY(tx.sites().Delete(site.id));
    auto audit = tx.audit().Append(
        {actor.name, "site.remove", SiteObject(site.domain), ToJson(site), nullptr});
    if (!audit) return Fail(audit.error());
    change = Change<Site>{site, {}, *audit};
    HP_TRY(Append(tx, change.tasks, site.node_id, SiteObject(site.domain), protocol::kSiteRemove,
                  hosting::SiteRemovalSpec(site, remove_content), *audit));
    auto owner = tx.customers().FindById(site.customer_id);
    if (!owner) return Fail(owner.error());
    if (!*owner) return Ok();
    if (!site.php.empty()) {
      HP_TRY(hosting::SyncAccount(tx, change.tasks, **owner, site.node_id, *audit));
    }
    return hosting::SyncZonesOf(tx, change.tasks, **owner, *audit, options_, clock_.NowMillis());
  }));
  NotifyNodes(engine_, change.tasks);
  return change;
}

Result<Change<Plan>> HostingService::CreatePlan(const Actor& actor, const PlanInput& in) {
  protocol::FieldErrors errors;
  if (auto v = CheckPlanName(in.name)) errors.Add("name", *v);
  Plan plan;
  plan.name = in.name;
  for (const LimitRule& rule : kLimitRules) {
    const Limit& value = in.*rule.input;
    if (value && (*value < rule.min || *value > rule.max)) {
      errors.Add(rule.field,
                 {"number.out_of_range", std::string("The limit ") + rule.field + " must be from " +
                                             std::to_string(rule.min) + " to " +
                                             std::to_string(rule.max) + ", or unlimited."});
    }
    plan.*rule.stored = value;
  }
  for (const auto& [field, value] :
       {std::pair{"placement.site", &in.pin_site}, std::pair{"placement.group", &in.pin_group}}) {
    if (!value->empty() && !protocol::CheckNodeName(*value)) {
      errors.Add(field, {"placement.invalid", std::string(field) +
                                                  " is a site or group name: lowercase letters, "
                                                  "digits and '-', starting with a letter."});
    }
  }
  plan.pin_site = in.pin_site;
  plan.pin_group = in.pin_group;
  if (!errors.empty()) return Fail(errors.ToError());

  Change<Plan> change;
  HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
    HP_TRY(Authorize(actor, "plan.create", PlanObject(plan.name)));
    auto existing = tx.plans().FindByName(plan.name);
    if (!existing) return Fail(existing.error());
    if (*existing) {
      return Fail(FieldError(ErrorCode::kConflict, {{"name", "plan.taken"}},
                             "a plan named '" + plan.name + "' exists"));
    }
    auto stored = tx.plans().Insert(plan);
    if (!stored) return Fail(stored.error());
    auto audit = tx.audit().Append(
        {actor.name, "plan.create", PlanObject(stored->name), nullptr, ToJson(*stored)});
    if (!audit) return Fail(audit.error());
    change = Change<Plan>{std::move(*stored), {}, *audit};
    return Ok();
  }));
  return change;
}

Result<Plan> HostingService::GetPlan(const Actor& actor, const std::string& name) {
  HP_TRY(Authorize(actor, "plan.read", PlanObject(name)));
  auto plan = store_.GetPlan(name);
  if (!plan) return Fail(plan.error());
  if (!*plan) return Fail(Error::NotFound(NotFoundMessage("plan", name)));
  return std::move(**plan);
}

Result<std::vector<Plan>> HostingService::ListPlans(const Actor& actor) {
  HP_TRY(Authorize(actor, "plan.list", "plans"));
  return store_.ListPlans();
}

Result<std::vector<TaskRecord>> HostingService::ListTasks(const Actor& actor,
                                                          const TaskFilter& filter) {
  HP_TRY(Authorize(actor, "task.list", "tasks"));
  return store_.ListTasks(filter);
}

Result<TaskRecord> HostingService::GetTask(const Actor& actor, int64_t id) {
  HP_TRY(Authorize(actor, "task.read", "task:" + std::to_string(id)));
  auto task = store_.GetTask(id);
  if (!task) return Fail(task.error());
  if (!*task) return Fail(Error::NotFound("task " + std::to_string(id) + " not found"));
  return std::move(**task);
}

Result<TaskRecord> HostingService::WaitTask(const Actor& actor, int64_t id,
                                            std::chrono::milliseconds timeout) {
  HP_TRY(Authorize(actor, "task.read", "task:" + std::to_string(id)));
  return engine_.Wait(id, timeout);
}

Result<std::vector<AuditEntry>> HostingService::ListAudit(const Actor& actor, const Page& page,
                                                          std::optional<std::string> object) {
  HP_TRY(Authorize(actor, "audit.list", "audit"));
  return store_.ListAudit(page, std::move(object));
}

}  // namespace hostplane::controller
