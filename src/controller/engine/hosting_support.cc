#include "controller/engine/hosting_support.h"

#include <algorithm>
#include <set>
#include <utility>

#include "controller/engine/task_engine.h"
#include "protocol/messages.h"

namespace hostplane::controller::hosting {

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
  auto task = tx.AppendTask(node_id, object, kind, spec, change_id);
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
  return c.status == "suspended" ? "suspended" : "active";
}

Json SiteEnsureSpec(const Site& s, const Customer& owner) {
  protocol::SiteSpec spec;
  spec.domain = s.domain;
  spec.aliases = s.aliases;
  std::sort(spec.aliases.begin(), spec.aliases.end());
  spec.account = s.customer_login;
  spec.docroot = s.docroot;
  spec.status = (s.status == "suspended" || owner.status == "suspended") ? "suspended" : "active";
  Json j = protocol::ToJson(spec);
  j["php"] = s.php;
  j["https"] = s.https;
  return j;
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
  auto sites = tx.SitesOfCustomer(c.id);
  if (!sites) return Fail(sites.error());
  std::set<std::string> php;
  for (const auto& s : *sites) {
    if (s.node_id == node_id && !s.php.empty()) php.insert(s.php);
  }
  return Json{{"login", c.login},
              {"uid", c.uid},
              {"gid", c.uid},
              {"status", SpecStatus(c)},
              {"php", std::vector<std::string>(php.begin(), php.end())}};
}

Status SyncAccount(StoreTxn& tx, std::vector<TaskRecord>& tasks, const Customer& c, int64_t node_id,
                   int64_t change_id) {
  // A node whose agent said it runs no account driver (a web server without Unix users per
  // account, as `hostplane agent` today) gets no account tasks; one not heard from yet does.
  auto nodes = tx.ListNodes();
  if (!nodes) return Fail(nodes.error());
  for (const auto& n : *nodes) {
    if (n.id == node_id && !n.drivers.empty() &&
        std::find(n.drivers.begin(), n.drivers.end(), "account") == n.drivers.end()) {
      return Ok();
    }
  }
  auto spec = AccountEnsureSpec(tx, c, node_id);
  if (!spec) return Fail(spec.error());
  // Level-triggered and idempotent, but only sent when it says something new.
  auto last = tx.LatestTask(node_id, AccountObject(c.login));
  if (!last) return Fail(last.error());
  if (*last && (*last)->kind == "account.ensure" && (*last)->spec == *spec &&
      (*last)->state != "failed") {
    return Ok();
  }
  return Append(tx, tasks, node_id, AccountObject(c.login), "account.ensure", *spec, change_id);
}

Result<Node> PlaceOnRole(StoreTxn& tx, const std::string& role,
                         const std::map<int64_t, int64_t>& counts, const std::string& field) {
  auto nodes = tx.ListNodes();
  if (!nodes) return Fail(nodes.error());
  const Node* best = nullptr;
  int64_t best_count = 0;
  for (const auto& n : *nodes) {
    if (n.status != "active") continue;
    if (std::find(n.roles.begin(), n.roles.end(), role) == n.roles.end()) continue;
    auto it = counts.find(n.id);
    int64_t count = it == counts.end() ? 0 : it->second;
    if (count >= n.capacity) continue;
    if (!best || count < best_count) {
      best = &n;
      best_count = count;
    }
  }
  if (!best) {
    return Fail(FieldError(ErrorCode::kUnavailable, {{field, "node.none_available"}},
                           "no active " + role + " node has room for another one"));
  }
  return *best;
}

}  // namespace hostplane::controller::hosting
