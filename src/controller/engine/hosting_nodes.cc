// HostingService: the fleet. Servers join as nodes with one-time tokens, say hello (heartbeat) to
// stay up, and are emptied by drain (reachable) or loss (gone): everything they serve is placed
// on other nodes of the same roles, rebuilt there from the store, and the DNS follows.

#include <arpa/inet.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "common/crypto.h"
#include "common/passwd/bcrypt.h"
#include "controller/engine/hosting_service.h"
#include "controller/engine/hosting_support.h"
#include "controller/engine/task_engine.h"
#include "controller/store/entity_json.h"
#include "protocol/account_spec.h"
#include "protocol/cert_spec.h"
#include "protocol/database_spec.h"
#include "protocol/ftp_spec.h"
#include "protocol/mail_spec.h"
#include "protocol/messages.h"
#include "protocol/validate.h"
#include "protocol/zone_spec.h"

namespace hostplane::controller {
namespace {

using hosting::Append;
using hosting::Authorize;
using hosting::FieldError;
using hosting::NotFoundMessage;
using hosting::PlaceOnRole;
using hosting::PlaceOptions;
using namespace hosting::kinds;

constexpr const char* kJoinPrefix = "hpjoin.";
constexpr int64_t kMaxNodeCapacity = 1'000'000;
constexpr int kMaxDrainBatch = 1000;

std::string NodeObject(const std::string& name) { return "node:" + name; }

// An IP address in its canonical text form (inet_pton then inet_ntop), or nullopt.
std::optional<std::string> CheckAddress(int family, const std::string& text) {
  unsigned char buf[sizeof(struct in6_addr)];
  if (text.size() > 45 || inet_pton(family, text.c_str(), buf) != 1) return std::nullopt;
  char out[INET6_ADDRSTRLEN];
  if (inet_ntop(family, buf, out, sizeof out) == nullptr) return std::nullopt;
  return std::string(out);
}

const std::set<std::string> kAllRoles = {"web", "mail", "dns", "ftp", "db"};

// The role whose nodes serve a kind of object (resource kinds, and the "site" and "account" of
// task object keys).
const char* RoleOfKind(const std::string& kind) {
  if (kind == kMailDomain || kind == kMailbox || kind == kForwarder) return "mail";
  if (kind == kZone) return "dns";
  if (kind == kDatabase) return "db";
  return "web";  // sites, accounts, FTP users (their home is the account's), certificates
}

// The resource kinds served by roles (sites are asked for apart).
std::vector<std::string> KindsOfRoles(const std::set<std::string>& roles) {
  std::vector<std::string> kinds;
  for (const char* k : {kMailDomain, kMailbox, kForwarder, kZone, kFtpUser, kDatabase, kCert}) {
    if (roles.count(RoleOfKind(k)) != 0) kinds.push_back(k);
  }
  return kinds;
}

Result<std::vector<Resource>> OnNodeOf(StoreTxn& tx, const char* kind, int64_t customer_id,
                                       int64_t node_id) {
  ResourceFilter f;
  f.kind = kind;
  f.customer_id = customer_id;
  f.node_id = node_id;
  return tx.resources().List(Scope::All(), f);
}

}  // namespace

// ---- nodes ----

Result<Change<Node>> HostingService::CreateNode(const Actor& actor, const NodeInput& in,
                                                std::string* join_token) {
  protocol::FieldErrors errors;
  auto name = protocol::CheckNodeName(in.name);
  if (!name) errors.Add("name", name.error());
  std::vector<std::string> roles;
  if (in.roles.empty()) errors.Add("roles", {"roles.empty", "A node needs at least one role."});
  for (size_t i = 0; i < in.roles.size(); ++i) {
    if (kAllRoles.count(in.roles[i]) == 0) {
      errors.Add("roles[" + std::to_string(i) + "]",
                 {"role.unknown", "Roles are web, mail, dns, ftp and db."});
    } else if (std::find(roles.begin(), roles.end(), in.roles[i]) == roles.end()) {
      roles.push_back(in.roles[i]);
    }
  }
  std::string ipv4, ipv6;
  if (!in.ipv4.empty()) {
    if (auto a = CheckAddress(AF_INET, in.ipv4)) {
      ipv4 = *a;
    } else {
      errors.Add("ipv4", {"address.invalid", "ipv4 must be an IPv4 address like 192.0.2.10."});
    }
  }
  if (!in.ipv6.empty()) {
    if (auto a = CheckAddress(AF_INET6, in.ipv6)) {
      ipv6 = *a;
    } else {
      errors.Add("ipv6", {"address.invalid", "ipv6 must be an IPv6 address like 2001:db8::10."});
    }
  }
  for (const auto& [field, value] : {std::pair{"site", &in.site}, std::pair{"group", &in.group}}) {
    if (value->empty()) continue;
    if (auto v = protocol::CheckNodeName(*value); !v) {
      errors.Add(field, {std::string(field) + ".invalid",
                         std::string("A ") + field +
                             " name is lowercase letters, digits and '-' (at most 63), "
                             "starting with a letter."});
    }
  }
  if (in.capacity < 1 || in.capacity > kMaxNodeCapacity) {
    errors.Add("capacity", {"number.out_of_range", "The capacity must be between 1 and " +
                                                       std::to_string(kMaxNodeCapacity) + "."});
  }
  if (!errors.empty()) return Fail(errors.ToError());

  Change<Node> change;
  HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
    HP_TRY(Authorize(actor, "node.create", NodeObject(*name)));
    auto existing = tx.nodes().FindByName(*name);
    if (!existing) return Fail(existing.error());
    if (*existing) {
      return Fail(FieldError(ErrorCode::kConflict, {{"name", "node.taken"}},
                             "a node named '" + *name + "' exists"));
    }
    Node node;
    node.name = *name;
    node.roles = roles;
    node.capacity = in.capacity;
    node.ipv4 = ipv4;
    node.ipv6 = ipv6;
    node.site = in.site;
    node.group = in.group;
    auto stored = tx.nodes().Insert(node);
    if (!stored) return Fail(stored.error());
    auto audit = tx.audit().Append(
        {actor.name, "node.create", NodeObject(stored->name), nullptr, ToJson(*stored)});
    if (!audit) return Fail(audit.error());
    if (join_token && !options_.controller_key.empty()) {
      auto token = IssueJoinTokenIn(tx, *stored);
      if (!token) return Fail(token.error());
      *join_token = *token;
    }
    change = Change<Node>{std::move(*stored), {}, *audit};
    return Ok();
  }));
  return change;
}

Result<std::vector<Node>> HostingService::ListNodes(const Actor& actor) {
  HP_TRY(Authorize(actor, "node.list", "nodes"));
  return store_.ListNodes();
}

Result<Node> HostingService::GetNode(const Actor& actor, const std::string& name) {
  HP_TRY(Authorize(actor, "node.read", NodeObject(name)));
  auto node = store_.GetNode(name);
  if (!node) return Fail(node.error());
  if (!*node) return Fail(Error::NotFound(NotFoundMessage("node", name)));
  return std::move(**node);
}

std::string HostingService::Health(const Node& n) const {
  return hosting::NodeHealth(n, clock_.NowMillis(), options_.node_down_after_ms);
}

// ---- enrolment ----

Result<std::string> HostingService::IssueJoinToken(const Actor& actor, const std::string& name) {
  if (options_.controller_key.empty()) {
    return Fail(Error::Unavailable(
        "this controller has no bundle key to hand out (join needs `hostplane serve` or `up`)"));
  }
  std::string token;
  HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
    HP_TRY(Authorize(actor, "node.token", NodeObject(name)));
    auto node = tx.nodes().FindByName(name);
    if (!node) return Fail(node.error());
    if (!*node) return Fail(Error::NotFound(NotFoundMessage("node", name)));
    auto issued = IssueJoinTokenIn(tx, **node);
    if (!issued) return Fail(issued.error());
    token = *issued;
    auto audit = tx.audit().Append({actor.name, "node.token", NodeObject(name), nullptr,
                                    Json{{"expires_in_ms", options_.join_token_ttl_ms}}});
    if (!audit) return Fail(audit.error());
    return Ok();
  }));
  return token;
}

Result<std::string> HostingService::IssueJoinTokenIn(StoreTxn& tx, const Node& node) {
  if (node.status == NodeStatus::kLost || node.status == NodeStatus::kDrained) {
    return Fail(FieldError(ErrorCode::kConflict, {{"name", "node.retired"}},
                           "node '" + node.name + "' is " + std::string(Name(node.status)) +
                               "; add the server again under a new name"));
  }
  std::string token =
      kJoinPrefix + RandomBase64Url(32) + "." + KeyFingerprint(options_.controller_key);
  HP_TRY(tx.nodes().InsertJoinToken(node.id, HashApiToken(token),
                                    tx.NowMillis() + options_.join_token_ttl_ms));
  return token;
}

Result<JoinGrant> HostingService::Join(const std::string& token) {
  // One answer for every bad token: a caller learns nothing about which tokens exist.
  const Error refused = FieldError(ErrorCode::kUnauthorized, {{"token", "token.invalid"}},
                                   "the join token is unknown, used or expired; ask for a new "
                                   "one with `hostplane node token NAME`");
  if (token.rfind(kJoinPrefix, 0) != 0 || token.size() > 200) return Fail(refused);
  const std::string password = RandomBase64Url(24);
  auto hash = BcryptHash(password);
  if (!hash) return Fail(hash.error());

  JoinGrant grant;
  HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
    auto found = tx.nodes().FindJoinToken(HashApiToken(token));
    if (!found) return Fail(found.error());
    const int64_t now = tx.NowMillis();
    if (!*found || (*found)->used_at || (*found)->expires_at < now) return Fail(refused);
    auto used = tx.nodes().UseJoinToken((*found)->id, now);
    if (!used) return Fail(used.error());
    if (!*used) return Fail(refused);  // another join won the race
    auto node = tx.nodes().FindById((*found)->node_id);
    if (!node) return Fail(node.error());
    if (!*node) return Fail(refused);
    Node before = **node;
    Node after = before;
    after.nats_password_hash = *hash;
    after.enrolled_at = now;
    HP_TRY(tx.nodes().Update(after));
    auto audit = tx.audit().Append(
        {"node:" + after.name, "node.join", NodeObject(after.name), ToJson(before), ToJson(after)});
    if (!audit) return Fail(audit.error());
    grant.node = after.name;
    grant.roles = after.roles;
    grant.site = after.site;
    return Ok();
  }));
  grant.controller_key = options_.controller_key;
  grant.nats_servers = options_.nats_servers;
  grant.nats_user = grant.node;
  grant.nats_password = password;
  return grant;
}

Result<Json> HostingService::RelayUsers(const Actor& actor, const std::string& site) {
  HP_TRY(Authorize(actor, "relay.read", "relay:" + site));
  if (!protocol::CheckNodeName(site)) {
    return Fail(FieldError(ErrorCode::kInvalid, {{"site", "site.invalid"}},
                           "a site name is lowercase letters, digits and '-', starting with a "
                           "letter"));
  }
  auto nodes = store_.ListNodes();
  if (!nodes) return Fail(nodes.error());
  Json users = Json::array();
  for (const auto& n : *nodes) {
    if (n.site != site || n.nats_password_hash.empty() || n.status == NodeStatus::kLost) continue;
    users.push_back({{"node", n.name}, {"password_hash", n.nats_password_hash}});
  }
  return Json{{"site", site}, {"nodes", users}};
}

// ---- drain and loss ----

Status HostingService::MoveCustomerOff(StoreTxn& tx, std::vector<TaskRecord>& tasks,
                                       const Customer& c, const Node& from,
                                       const std::set<std::string>& roles, bool lost,
                                       int64_t change_id, std::vector<std::string>& unrecoverable) {
  auto plan = hosting::PlanOf(tx, c);
  if (!plan) return Fail(plan.error());
  PlaceOptions place = hosting::PlacementFor(*plan, options_);
  place.exclude.insert(from.id);
  // One new node per role for the customer: its sites stay together, and its FTP users and
  // certificates go where its sites go.
  std::map<std::string, int64_t> target;
  auto choose = [&](const std::string& role, const char* count_kind,
                    const std::string& field) -> Result<int64_t> {
    if (auto it = target.find(role); it != target.end()) return it->second;
    auto counts = role == "web" ? tx.sites().CountByNode() : tx.resources().CountByNode(count_kind);
    if (!counts) return Fail(counts.error());
    auto node = PlaceOnRole(tx, role, *counts, field, place);
    if (!node) return Fail(node.error());
    target[role] = node->id;
    return node->id;
  };

  // What moved, with its new node: mail domains and databases, whose content is copied.
  std::vector<std::pair<std::string, int64_t>> moved_mail;
  std::vector<std::pair<std::string, int64_t>> moved_databases;
  std::vector<Resource> moved_ftp;  // FTP users that moved with the sites
  auto sites = tx.sites().OfCustomer(c.id);
  if (!sites) return Fail(sites.error());
  std::erase_if(*sites, [&](const Site& s) { return s.node_id != from.id; });
  for (Site s : *sites) {
    if (s.node_id != from.id || roles.count("web") == 0) continue;
    auto to = choose("web", nullptr, "site:" + s.domain);
    if (!to) return Fail(to.error());
    s.node_id = *to;
    // The certificate is issued anew on the new node; HTTPS returns when it is applied there.
    s.https = false;
    HP_TRY(tx.sites().Update(s));
    if (lost) unrecoverable.push_back("site files of " + s.domain);
  }
  for (const char* kind : {kMailDomain, kZone, kFtpUser, kDatabase, kCert}) {
    if (roles.count(RoleOfKind(kind)) == 0) continue;
    auto rows = OnNodeOf(tx, kind, c.id, from.id);
    if (!rows) return Fail(rows.error());
    for (Resource r : *rows) {
      const std::string role = RoleOfKind(r.kind);
      if (r.kind == kCert) {
        auto site = tx.sites().FindByDomain(r.name);
        if (!site) return Fail(site.error());
        if (!*site) continue;
        r.node_id = (*site)->node_id;
        r.status = ResourceStatus::kPending;
        r.data["error"] = "";
      } else {
        auto to = choose(role, role == "web" ? nullptr : r.kind.c_str(), r.kind + ":" + r.name);
        if (!to) return Fail(to.error());
        r.node_id = *to;
      }
      if (r.kind == kFtpUser) moved_ftp.push_back(r);
      HP_TRY(tx.resources().Update(r));
      if (r.kind == kMailDomain) {
        moved_mail.emplace_back(r.name, r.node_id);
        for (const char* child : {kMailbox, kForwarder}) {
          auto children = hosting::Children(tx, child, r.name);
          if (!children) return Fail(children.error());
          for (Resource ch : *children) {
            ch.node_id = r.node_id;
            HP_TRY(tx.resources().Update(ch));
          }
        }
        if (lost) unrecoverable.push_back("mail stored for " + r.name);
      }
      if (r.kind == kDatabase) {
        moved_databases.emplace_back(r.name, r.node_id);
        if (lost) unrecoverable.push_back("contents of database " + r.name);
      }
      if (r.kind == kCert) {
        auto site = tx.sites().FindByDomain(r.name);
        if (!site) return Fail(site.error());
        HP_TRY(Append(tx, tasks, r.node_id, hosting::Object(kCert, r.name), protocol::kCertEnsure,
                      CertSpecFor(**site, c, options_), change_id));
      }
    }
  }
  // Everything the customer has, sent where it now lives; the source keeps serving its copy until
  // it is emptied (its account is not touched, so its PHP pools stay).
  HP_TRY(ResendCustomer(tx, tasks, c, change_id, from.id));
  // The content the store cannot rebuild, copied from the source while it is reachable: the
  // account's home (docroots, FTP files) where its sites went, each mail domain's Maildirs, each
  // database's contents.
  bool copying = false;
  if (!lost) {
    if (auto web = target.find("web"); web != target.end() && !sites->empty()) {
      // The old server's FTP logins are refused before the home is packed: an upload there
      // would miss the copy. (What the sites' own code writes there meanwhile is not copied.)
      for (const Resource& f : moved_ftp) {
        Json spec = FtpUserSpec(f, c);
        spec["status"] = Name(ServiceStatus::kSuspended);
        HP_TRY(Append(tx, tasks, from.id, hosting::Object(kFtpUser, f.name),
                      protocol::kFtpUserEnsure, spec, change_id));
      }
      HP_TRY(StartCopy(tx, tasks, c, "home", c.login, from.id, web->second, change_id));
      copying = true;
    }
    for (const auto& [domain, to] : moved_mail) {
      // First the old server stops taking the domain's mail (in the same bundle, before the
      // export job starts), then its Maildirs are packed.
      auto r = tx.resources().Find(kMailDomain, domain);
      if (!r) return Fail(r.error());
      if (*r) HP_TRY(MarkMailDomainMoving(tx, tasks, **r, c, from.id, change_id));
      HP_TRY(StartCopy(tx, tasks, c, "mail", domain, from.id, to, change_id));
      copying = true;
    }
    for (const auto& [database, to] : moved_databases) {
      HP_TRY(StartCopy(tx, tasks, c, "database", database, from.id, to, change_id));
      copying = true;
    }
  }
  // The zones: their default records follow the sites' and mail's new addresses, at once when
  // nothing is copied, else when the last copy has ended (OnContentResult), so the DNS never
  // sends visitors to an empty docroot.
  if (copying) return Ok();
  return hosting::SyncZonesOf(tx, tasks, c, change_id, options_, tx.NowMillis());
}

Status HostingService::EmptyNode(StoreTxn& tx, std::vector<TaskRecord>& tasks, const Node& node,
                                 const std::set<std::string>& roles, int64_t change_id) {
  auto held = tx.tasks().LatestOnNode(node.id);
  if (!held) return Fail(held.error());
  for (const auto& t : *held) {
    const auto colon = t.object_key.find(':');
    if (colon == std::string::npos) continue;
    const std::string kind = t.object_key.substr(0, colon);
    const std::string name = t.object_key.substr(colon + 1);
    if (roles.count(RoleOfKind(kind)) == 0) continue;
    if (t.kind == protocol::kSiteEnsure) {
      auto site = tx.sites().FindByDomain(name);
      if (!site) return Fail(site.error());
      if (!*site || (*site)->node_id == node.id) continue;
      HP_TRY(Append(tx, tasks, node.id, t.object_key, protocol::kSiteRemove,
                    hosting::SiteRemovalSpec(**site, false), change_id));
    } else if (t.kind == protocol::kAccountEnsure) {
      auto c = tx.customers().FindByLogin(name);
      if (!c) return Fail(c.error());
      if (!*c) continue;
      HP_TRY(Append(
          tx, tasks, node.id, t.object_key, protocol::kAccountRemove,
          protocol::ToJson(protocol::AccountRemoval{(*c)->login, (*c)->uid, (*c)->uid, false}),
          change_id));
    } else {
      static const std::map<std::string, const char*> kRemovalOf = {
          {protocol::kMailDomainEnsure, protocol::kMailDomainRemove},
          {protocol::kZoneEnsure, protocol::kZoneRemove},
          {protocol::kFtpUserEnsure, protocol::kFtpUserRemove},
          {protocol::kDatabaseEnsure, protocol::kDatabaseRemove},
          {protocol::kCertEnsure, protocol::kCertRemove},
      };
      auto removal = kRemovalOf.find(t.kind);
      if (removal == kRemovalOf.end()) continue;  // already a removal
      // A mail domain that moved keeps being deferred here (451, status "moving"), not removed:
      // a sender still using the old MX record from its DNS cache retries until it has the new
      // one, where removal would bounce its mail (554).
      if (t.kind == protocol::kMailDomainEnsure &&
          t.spec.value("status", "") == Name(ServiceStatus::kMoving)) {
        continue;
      }
      auto r = tx.resources().Find(kind, name);
      if (!r) return Fail(r.error());
      if (!*r || (*r)->node_id == node.id) continue;
      auto owner = hosting::OwnerOf(tx, **r);
      if (!owner) return Fail(owner.error());
      Json spec = RemovalSpecOf(**r, *owner);
      // The mail was not copied: the server's Maildirs stay for the operator.
      if ((*r)->kind == kMailDomain) spec["remove_content"] = false;
      HP_TRY(Append(tx, tasks, node.id, t.object_key, removal->second, spec, change_id));
    }
  }
  return Ok();
}

Result<DrainStep> HostingService::DrainNode(const Actor& actor, const std::string& name, int batch,
                                            bool lost, const std::string& role) {
  if (batch < 1 || batch > kMaxDrainBatch) {
    return Fail(FieldError(ErrorCode::kInvalid, {{"batch", "number.out_of_range"}},
                           "batch must be from 1 to " + std::to_string(kMaxDrainBatch)));
  }
  if (!role.empty() && (lost || kAllRoles.count(role) == 0)) {
    return Fail(FieldError(ErrorCode::kInvalid, {{"role", "role.unknown"}},
                           lost ? "a lost node loses every role: no role may be named"
                                : "roles are web, mail, dns, ftp and db"));
  }
  const char* action = lost ? "node.lost" : "node.drain";
  DrainStep step;
  HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
    step = DrainStep{};
    HP_TRY(Authorize(actor, action, NodeObject(name)));
    auto found = tx.nodes().FindByName(name);
    if (!found) return Fail(found.error());
    if (!*found) return Fail(Error::NotFound(NotFoundMessage("node", name)));
    Node node = **found;
    if (!lost && node.status == NodeStatus::kLost) {
      return Fail(FieldError(ErrorCode::kConflict, {{"name", "node.lost"}},
                             "node '" + name + "' is lost: there is nothing left to drain from"));
    }
    auto audit = tx.audit().Append({actor.name, action, NodeObject(name), ToJson(node),
                                    role.empty() ? Json(nullptr) : Json{{"role", role}}});
    if (!audit) return Fail(audit.error());
    step.change_id = *audit;

    // What leaves: one role (taken off the node, which keeps its others), or everything.
    std::set<std::string> leaving = kAllRoles;
    const bool whole = role.empty() || node.roles == std::vector<std::string>{role};
    if (!whole) {
      leaving = {role};
      auto it = std::find(node.roles.begin(), node.roles.end(), role);
      if (it != node.roles.end()) {
        node.roles.erase(it);
        HP_TRY(tx.nodes().Update(node));
      }
    } else {
      const NodeStatus target_status = lost ? NodeStatus::kLost : NodeStatus::kDraining;
      if (node.status != target_status && node.status != NodeStatus::kDrained) {
        node.status = target_status;
        HP_TRY(tx.nodes().Update(node));
      }
    }
    const bool sites = leaving.count("web") != 0;
    const std::vector<std::string> kinds = KindsOfRoles(leaving);
    auto customers = tx.nodes().CustomersOn(node.id, sites, kinds, batch);
    if (!customers) return Fail(customers.error());
    for (int64_t id : *customers) {
      auto c = tx.customers().FindById(id);
      if (!c) return Fail(c.error());
      if (!*c) continue;
      HP_TRY(MoveCustomerOff(tx, step.tasks, **c, node, leaving, lost, *audit, step.unrecoverable));
      step.moved.push_back((*c)->login);
    }
    auto left = tx.nodes().CustomersOn(node.id, sites, kinds, kMaxDrainBatch + 1);
    if (!left) return Fail(left.error());
    step.remaining_customers = static_cast<int64_t>(left->size());
    // A lost node's copies in progress, from it or to it, can never finish.
    if (lost) HP_TRY(FailCopiesOfLostNode(tx, node));
    HP_TRY(CopiesFrom(tx, node, step));
    // Nothing left to move, but content still being copied off the node: this step waits for
    // those copies (their current tasks; an export's import follows in the next step).
    if (step.moved.empty() && step.remaining_customers == 0 && step.copies.open > 0) {
      auto waiting = OpenCopyTasks(tx, node);
      if (!waiting) return Fail(waiting.error());
      step.tasks = std::move(*waiting);
    }
    // The last step (one that found nothing to move and no copy under way, so everything before
    // it was waited for): a drained node is sent the removal of everything of the leaving roles
    // it holds (its configuration; its copy of the content stays for the operator), except the
    // mail domains that moved, which it goes on deferring; a lost one gets nothing.
    if (step.moved.empty() && step.remaining_customers == 0 && step.copies.open == 0) {
      if (!lost) HP_TRY(EmptyNode(tx, step.tasks, node, leaving, *audit));
      if (!lost && whole && node.status == NodeStatus::kDraining) {
        node.status = NodeStatus::kDrained;
        HP_TRY(tx.nodes().Update(node));
      }
      step.emptied = true;
    }
    step.node = node;
    return Ok();
  }));
  hosting::NotifyNodes(engine_, step.tasks);
  return step;
}

}  // namespace hostplane::controller
