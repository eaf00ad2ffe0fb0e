#include "controller/engine/hosting_support.h"

#include <algorithm>
#include <set>
#include <utility>

#include "controller/engine/task_engine.h"
#include "controller/store/entity_json.h"
#include "protocol/account_spec.h"
#include "protocol/messages.h"

namespace hostplane::controller::hosting {

using namespace kinds;

Status Authorize(const Actor& actor, const std::string& action, const std::string& object) {
  if (Can(actor, action, object)) return Ok();
  return Fail(Error::Forbidden("'" + actor.name + "' may not " + action + " " + object));
}

Error FieldError(ErrorCode code, std::map<std::string, std::string> fields, std::string message) {
  return Error{code, std::move(message), std::move(fields)};
}

std::string NotFoundMessage(const char* what, const std::string& name) {
  return std::string(what) + " '" + name + "' not found";
}

Error NotFoundField(const std::string& field, const char* what, const std::string& name) {
  return FieldError(ErrorCode::kNotFound, {{field, std::string(what) + ".not_found"}},
                    NotFoundMessage(what, name));
}

Status Append(StoreTxn& tx, std::vector<TaskRecord>& tasks, int64_t node_id,
              const std::string& object, const char* kind, const Json& spec, int64_t change_id) {
  auto task = tx.tasks().Append({node_id, object, kind, spec, change_id});
  if (!task) return Fail(task.error());
  tasks.push_back(std::move(*task));
  return Ok();
}

void NotifyNodes(TaskEngine& engine, const std::vector<TaskRecord>& tasks) {
  std::map<std::string, int64_t> heads;
  for (const auto& t : tasks) heads[t.node_name] = std::max(heads[t.node_name], t.revision);
  for (const auto& [node, head] : heads) engine.Notify(node, head);
}

std::string SpecStatus(const Customer& c) {
  return std::string(Name(c.status == CustomerStatus::kSuspended ? ServiceStatus::kSuspended
                                                                 : ServiceStatus::kActive));
}

Json SiteEnsureSpec(const Site& s, const Customer& owner) {
  protocol::SiteSpec spec;
  spec.domain = s.domain;
  spec.aliases = s.aliases;
  std::sort(spec.aliases.begin(), spec.aliases.end());
  spec.account = s.customer_login;
  spec.docroot = s.docroot;
  spec.status =
      Name((s.status == SiteStatus::kSuspended || owner.status == CustomerStatus::kSuspended)
               ? ServiceStatus::kSuspended
               : ServiceStatus::kActive);
  spec.php = s.php;
  spec.https = s.https;
  return protocol::ToJson(spec);
}

Json SiteRemovalSpec(const Site& s, bool remove_content) {
  protocol::SiteRemoval removal;
  removal.domain = s.domain;
  removal.account = s.customer_login;
  removal.docroot = s.docroot;
  removal.remove_content = remove_content;
  return protocol::ToJson(removal);
}

Result<Json> AccountEnsureSpec(StoreTxn& tx, const Customer& c, int64_t node_id) {
  auto sites = tx.sites().OfCustomer(c.id);
  if (!sites) return Fail(sites.error());
  std::set<std::string> php;
  for (const auto& s : *sites) {
    if (s.node_id == node_id && !s.php.empty()) php.insert(s.php);
  }
  protocol::AccountSpec spec;
  spec.login = c.login;
  spec.uid = spec.gid = c.uid;
  spec.status = SpecStatus(c);
  spec.php.assign(php.begin(), php.end());
  return protocol::ToJson(spec);
}

Status SyncAccount(StoreTxn& tx, std::vector<TaskRecord>& tasks, const Customer& c, int64_t node_id,
                   int64_t change_id) {
  // A node whose agent said it runs no account driver (a web server without Unix users per
  // account, as `hostplane agent` today) gets no account tasks; one not heard from yet does.
  auto node = tx.nodes().FindById(node_id);
  if (!node) return Fail(node.error());
  if (*node && !RunsAccounts(**node)) return Ok();
  auto spec = AccountEnsureSpec(tx, c, node_id);
  if (!spec) return Fail(spec.error());
  // Level-triggered and idempotent, but only sent when it says something new.
  auto last = tx.tasks().Latest(node_id, AccountObject(c.login));
  if (!last) return Fail(last.error());
  if (*last && (*last)->kind == protocol::kAccountEnsure && (*last)->spec == *spec &&
      (*last)->state != TaskState::kFailed) {
    return Ok();
  }
  return Append(tx, tasks, node_id, AccountObject(c.login), protocol::kAccountEnsure, *spec,
                change_id);
}

bool RunsAccounts(const Node& n) {
  return n.drivers.empty() ||
         std::find(n.drivers.begin(), n.drivers.end(), "account") != n.drivers.end();
}

PlaceOptions PlacementFor(const Plan& plan, const HostingOptions& options) {
  PlaceOptions p;
  p.site = plan.pin_site;
  p.group = plan.pin_group;
  p.down_after_ms = options.node_down_after_ms;
  return p;
}

std::string NodeHealth(const Node& n, int64_t now, int64_t down_after_ms) {
  if (!n.last_seen) return "new";
  if (down_after_ms > 0 && now - *n.last_seen > down_after_ms) return "down";
  return "up";
}

std::string DriverOfRole(const std::string& role) {
  if (role == "web") return "nginx";
  if (role == "db") return "mariadb";
  return role;  // mail, dns, ftp
}

Result<Node> PlaceOnRole(StoreTxn& tx, const std::string& role,
                         const std::map<int64_t, int64_t>& counts, const std::string& field,
                         const PlaceOptions& options) {
  auto nodes = tx.nodes().List();
  if (!nodes) return Fail(nodes.error());
  const int64_t now = tx.NowMillis();
  const std::string driver = DriverOfRole(role);
  // Two contests: nodes whose agent has said hello, then nodes never heard from (added, agent not
  // joined yet). An empty new node would otherwise win every placement and hold new customers'
  // services until its agent joins; it is used only when no node that is up has room.
  const Node* best = nullptr;
  const Node* best_new = nullptr;
  const Node* preferred = nullptr;
  int64_t best_count = 0, best_new_count = 0;
  int with_role = 0, full = 0, down = 0, refusing = 0;
  for (const auto& n : *nodes) {
    if (std::find(n.roles.begin(), n.roles.end(), role) == n.roles.end()) continue;
    if (n.status != NodeStatus::kActive || options.exclude.count(n.id) != 0) continue;
    if (!options.site.empty() && n.site != options.site) continue;
    if (!options.group.empty() && n.group != options.group) continue;
    ++with_role;
    const std::string health = NodeHealth(n, now, options.down_after_ms);
    if (health == "down") {
      ++down;
      continue;
    }
    // An agent that said hello without the role's driver cannot apply its tasks.
    if (!n.drivers.empty() &&
        std::find(n.drivers.begin(), n.drivers.end(), driver) == n.drivers.end()) {
      ++refusing;
      continue;
    }
    auto it = counts.find(n.id);
    int64_t count = it == counts.end() ? 0 : it->second;
    if (count >= n.capacity) {
      ++full;
      continue;
    }
    if (n.id == options.prefer) preferred = &n;
    // Lowest share of capacity in use: count/capacity < best_count/best->capacity.
    const Node*& winner = health == "new" ? best_new : best;
    int64_t& winner_count = health == "new" ? best_new_count : best_count;
    if (!winner || count * winner->capacity < winner_count * n.capacity) {
      winner = &n;
      winner_count = count;
    }
  }
  if (preferred) return *preferred;
  if (!best) best = best_new;
  if (!best) {
    std::string where;
    if (!options.site.empty()) where += " at site '" + options.site + "'";
    if (!options.group.empty()) where += " in group '" + options.group + "'";
    std::string why = with_role == 0
                          ? "there is none"
                          : std::to_string(with_role) + " considered: " + std::to_string(full) +
                                " full, " + std::to_string(down) + " down, " +
                                std::to_string(refusing) + " without the " + driver + " driver";
    return Fail(FieldError(
        ErrorCode::kUnavailable, {{field, "node.none_available"}},
        "no active " + role + " node" + where + " has room for another one (" + why + ")"));
  }
  return *best;
}

Result<std::vector<Resource>> OfCustomer(StoreTxn& tx, const char* kind, int64_t customer_id) {
  ResourceFilter f;
  f.kind = kind;
  f.customer_id = customer_id;
  return tx.resources().List(Scope::All(), f);
}

Result<Customer> RequireCustomer(StoreTxn& tx, const std::string& login) {
  auto c = tx.customers().FindByLogin(login);
  if (!c) return Fail(c.error());
  if (!*c) return Fail(NotFoundField("customer", "customer", login));
  return **c;
}

Result<Customer> OwnerOf(StoreTxn& tx, const Resource& r) {
  auto c = tx.customers().FindById(r.customer_id);
  if (!c) return Fail(c.error());
  if (!*c) return Fail(Error::Internal("the owner of " + r.kind + " '" + r.name + "' vanished"));
  return **c;
}

Result<Plan> PlanOf(StoreTxn& tx, const Customer& c) {
  auto p = tx.plans().FindById(c.plan_id);
  if (!p) return Fail(p.error());
  if (!*p) return Fail(Error::Internal("the plan of '" + c.login + "' vanished"));
  return **p;
}

// kLimit when the customer has `limit` or more resources of kind already.
Status CheckLimit(StoreTxn& tx, const Customer& c, const char* kind, const Limit& limit,
                  const std::string& field, const char* code, const char* what) {
  if (!limit) return Ok();
  auto count = tx.resources().Count(kind, c.id);
  if (!count) return Fail(count.error());
  if (*count < *limit) return Ok();
  return Fail(FieldError(ErrorCode::kLimit, {{field, code}},
                         "the plan allows " + std::to_string(*limit) + " " + what));
}

// A domain a customer may use for mail or DNS: not another customer's site, zone or mail domain,
// nor under one of them.
Result<std::vector<Resource>> Children(StoreTxn& tx, const char* kind, const std::string& parent) {
  ResourceFilter f;
  f.kind = kind;
  f.parent = parent;
  return tx.resources().List(Scope::All(), f);
}

// Default records of a zone: NS (with glue when the name server is inside the zone), A/AAAA of

Result<Change<Resource>> InsertAudited(StoreTxn& tx, const Actor& actor, const std::string& action,
                                       const std::string& object, const Resource& r) {
  auto stored = tx.resources().Insert(r);
  if (!stored) return Fail(stored.error());
  auto audit = tx.audit().Append({actor.name, action, object, nullptr, ToJson(*stored)});
  if (!audit) return Fail(audit.error());
  return Change<Resource>{std::move(*stored), {}, *audit};
}

}  // namespace hostplane::controller::hosting
