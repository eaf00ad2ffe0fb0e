#include "controller/services/drain_service.h"

#include <algorithm>
#include <map>
#include <utility>

#include "common/failpoint.h"
#include "controller/services/mail_client_task.h"
#include "controller/services/placement.h"
#include "controller/services/service_support.h"
#include "controller/services/task_specs.h"
#include "controller/store/entity_json.h"
#include "protocol/account_spec.h"
#include "protocol/cert_spec.h"
#include "protocol/database_spec.h"
#include "protocol/ftp_spec.h"
#include "protocol/mail_spec.h"
#include "protocol/messages.h"
#include "protocol/zone_spec.h"

namespace hostplane::controller {
namespace {

using namespace kinds;

constexpr int kMaxDrainBatch = 1000;

bool IsRole(const std::string& role) {
  const auto& all = AllRoles();
  return std::find(all.begin(), all.end(), role) != all.end();
}

// The role whose nodes serve a kind of object (resource kinds, and the "site" and "account" of
// task object keys).
const char* RoleOfKind(const std::string& kind) {
  if (kind == kMailDomain || kind == kMailbox || kind == kForwarder) return "mail";
  if (kind == "mailclient") return "mail";  // a mail domain's client set-up (MailClientObject)
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

// Active with the dns role: one of the nodes that serve every zone (zone_builder.h DnsServers).
bool ServesZones(const Node& n) {
  return n.status == NodeStatus::kActive &&
         std::find(n.roles.begin(), n.roles.end(), "dns") != n.roles.end();
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

Result<DrainStep> DrainService::Drain(const Actor& actor, const std::string& name, int batch,
                                      bool lost, const std::string& role) {
  if (batch < 1 || batch > kMaxDrainBatch) {
    return Fail(FieldError(ErrorCode::kInvalid, {{"batch", "number.out_of_range"}},
                           "batch must be from 1 to " + std::to_string(kMaxDrainBatch)));
  }
  if (!role.empty() && (lost || !IsRole(role))) {
    return Fail(FieldError(ErrorCode::kInvalid, {{"role", "role.unknown"}},
                           lost ? "a lost node loses every role: no role may be named"
                                : "roles are web, mail, dns, ftp and db"));
  }
  auto step = runner_.Run(actor, lost ? "node.lost" : "node.drain", [&](ChangeContext& change) {
    return Drain(change, name, batch, lost, role);
  });
  if (!step) return Fail(step.error());
  // A step that waits for copies names their current tasks: ring their nodes too.
  if (step->object.tasks.size() != step->tasks.size()) runner_.Ring(step->object.tasks);
  return std::move(step->object);
}

Result<DrainStep> DrainService::Drain(ChangeContext& change, const std::string& name, int batch,
                                      bool lost, const std::string& role) const {
  StoreTxn& tx = change.tx();
  const Action action = lost ? Action::kNodeLost : Action::kNodeDrain;
  const Error missing = NotFound("node", name);
  HP_ASSIGN_OR_RETURN(auto found, tx.nodes().FindByName(name));
  if (!found) return Fail(missing);
  HP_TRY(change.Allow(action, {"node", name, {}}, missing));
  Node node = *found;
  if (!lost && node.status == NodeStatus::kLost) {
    return Fail(FieldError(ErrorCode::kConflict, {{"name", "node.lost"}},
                           "node '" + name + "' is lost: there is nothing left to drain from"));
  }
  DrainStep step;
  HP_TRY(change.Audit(Name(action), NodeObject(name), ToJson(node),
                      role.empty() ? Json(nullptr) : Json{{"role", role}}, std::nullopt));
  step.change_id = change.change_id();

  // What leaves: one role (taken off the node, which keeps its others), or everything.
  const auto& all = AllRoles();
  std::set<std::string> leaving(all.begin(), all.end());
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
  // A dns node that stops serving the zones leaves every zone's NS at once (its own copies are
  // removed when it is emptied).
  if (leaving.count("dns") != 0 && ServesZones(*found) && !ServesZones(node)) {
    HP_TRY(parts_.dns.SyncAllZones(change));
  }
  const bool sites = leaving.count("web") != 0;
  const std::vector<std::string> kinds = KindsOfRoles(leaving);
  HP_ASSIGN_OR_RETURN(const std::vector<int64_t> customers,
                      tx.nodes().CustomersOn(node.id, sites, kinds, batch));
  for (int64_t id : customers) {
    HP_ASSIGN_OR_RETURN(auto c, tx.customers().FindById(id));
    if (!c) continue;
    HP_TRY(MoveCustomerOff(change, *c, node, leaving, lost, step.unrecoverable));
    step.moved.push_back(c->login);
    HP_FAILPOINT("node.drain.after_customer");  // a step is all its customers or none
  }
  HP_ASSIGN_OR_RETURN(const std::vector<int64_t> left,
                      tx.nodes().CustomersOn(node.id, sites, kinds, kMaxDrainBatch + 1));
  step.remaining_customers = static_cast<int64_t>(left.size());
  // A lost node's copies in progress, from it or to it, can never finish.
  if (lost) HP_TRY(ContentCopyService::FailCopiesOfLostNode(tx, node));
  HP_ASSIGN_OR_RETURN(step.copies, ContentCopyService::CopiesFrom(tx, node));
  // Nothing left to move, but content still being copied off the node: this step waits for
  // those copies (their current tasks; an export's import follows in the next step).
  const bool nothing_left = step.moved.empty() && step.remaining_customers == 0;
  std::optional<std::vector<TaskRecord>> waiting;
  if (nothing_left && step.copies.open > 0) {
    HP_ASSIGN_OR_RETURN(waiting, ContentCopyService::OpenCopyTasks(tx, node));
  }
  // The last step (one that found nothing to move and no copy under way, so everything before
  // it was waited for): a drained node is sent the removal of everything of the leaving roles
  // it holds (its configuration; its copy of the content stays for the operator), except the
  // mail domains that moved, which it goes on deferring; a lost one gets nothing.
  if (nothing_left && step.copies.open == 0) {
    if (!lost) HP_TRY(EmptyNode(change, node, leaving));
    if (!lost && whole && node.status == NodeStatus::kDraining) {
      node.status = NodeStatus::kDrained;
      HP_TRY(tx.nodes().Update(node));
    }
    step.emptied = true;
  }
  step.node = node;
  step.tasks = waiting ? std::move(*waiting) : change.tasks();
  return step;
}

Status DrainService::MoveCustomerOff(ChangeContext& change, const Customer& c, const Node& from,
                                     const std::set<std::string>& roles, bool lost,
                                     std::vector<std::string>& unrecoverable) const {
  StoreTxn& tx = change.tx();
  HP_ASSIGN_OR_RETURN(Plan plan, PlanOf(tx, c));
  PlaceOptions place = PlacementFor(plan, options_);
  place.exclude.insert(from.id);
  // One new node per role for the customer: its sites stay together, and its FTP users and
  // certificates go where its sites go.
  std::map<std::string, int64_t> target;
  auto choose = [&](const std::string& role, const char* count_kind,
                    const std::string& field) -> Result<int64_t> {
    if (auto it = target.find(role); it != target.end()) return it->second;
    HP_ASSIGN_OR_RETURN(auto counts, role == "web" ? tx.sites().CountByNode()
                                                   : tx.resources().CountByNode(count_kind));
    HP_ASSIGN_OR_RETURN(Node node, PlaceOnRole(tx, role, counts, field, place));
    target[role] = node.id;
    return node.id;
  };

  // What moved, with its new node: mail domains and databases, whose content is copied.
  std::vector<std::pair<std::string, int64_t>> moved_mail;
  std::vector<std::pair<std::string, int64_t>> moved_databases;
  std::vector<Resource> moved_ftp;  // FTP users that moved with the sites
  HP_ASSIGN_OR_RETURN(std::vector<Site> sites, tx.sites().OfCustomer(c.id));
  std::erase_if(sites, [&](const Site& s) { return s.node_id != from.id; });
  for (Site s : sites) {
    if (s.node_id != from.id || roles.count("web") == 0) continue;
    HP_ASSIGN_OR_RETURN(s.node_id, choose("web", nullptr, "site:" + s.domain));
    // The certificate is issued anew on the new node; HTTPS returns when it is applied there.
    s.https = false;
    HP_TRY(tx.sites().Update(s));
    if (lost) unrecoverable.push_back("site files of " + s.domain);
  }
  for (const char* kind : {kMailDomain, kZone, kFtpUser, kDatabase, kCert}) {
    if (roles.count(RoleOfKind(kind)) == 0) continue;
    HP_ASSIGN_OR_RETURN(const std::vector<Resource> rows, OnNodeOf(tx, kind, c.id, from.id));
    for (Resource r : rows) {
      const std::string role = RoleOfKind(r.kind);
      if (r.kind == kCert) {
        HP_ASSIGN_OR_RETURN(auto site, tx.sites().FindByDomain(r.name));
        if (!site) continue;
        r.node_id = site->node_id;
        r.status = ResourceStatus::kPending;
        r.data["error"] = "";
      } else {
        HP_ASSIGN_OR_RETURN(r.node_id, choose(role, role == "web" ? nullptr : r.kind.c_str(),
                                              r.kind + ":" + r.name));
      }
      if (r.kind == kFtpUser) moved_ftp.push_back(r);
      HP_TRY(tx.resources().Update(r));
      if (r.kind == kMailDomain) {
        moved_mail.emplace_back(r.name, r.node_id);
        for (const char* child : {kMailbox, kForwarder}) {
          HP_ASSIGN_OR_RETURN(const std::vector<Resource> children, Children(tx, child, r.name));
          for (Resource ch : children) {
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
        HP_ASSIGN_OR_RETURN(auto site, tx.sites().FindByDomain(r.name));
        if (!site) return Fail(Error::Internal("the site of certificate " + r.name + " vanished"));
        HP_TRY(change.Append({r.node_id, ObjectKey(kCert, r.name), protocol::kCertEnsure,
                              CertSpec(*site, c, options_), c.id}));
      }
    }
  }
  // Everything the customer has, sent where it now lives; the source keeps serving its copy until
  // it is emptied (its account is not touched, so its PHP pools stay).
  HP_TRY(parts_.customers.Resend(change, c, from.id));
  // The content the store cannot rebuild, copied from the source while it is reachable: the
  // account's home (docroots, FTP files) where its sites went, each mail domain's Maildirs, each
  // database's contents.
  bool copying = false;
  if (!lost) {
    if (auto web = target.find("web"); web != target.end() && !sites.empty()) {
      // The old server's FTP logins are refused before the home is packed: an upload there
      // would miss the copy. (What the sites' own code writes there meanwhile is not copied.)
      for (const Resource& f : moved_ftp) {
        Json spec = FtpUserSpec(f, c);
        spec["status"] = Name(ServiceStatus::kSuspended);
        HP_TRY(change.Append(
            {from.id, ObjectKey(kFtpUser, f.name), protocol::kFtpUserEnsure, spec, c.id}));
      }
      HP_TRY(parts_.copies.Start(change, c, "home", c.login, from.id, web->second));
      copying = true;
    }
    for (const auto& [domain, to] : moved_mail) {
      // First the old server stops taking the domain's mail (in the same bundle, before the
      // export job starts), then its Maildirs are packed.
      HP_ASSIGN_OR_RETURN(auto r, tx.resources().Find(kMailDomain, domain));
      if (r) HP_TRY(parts_.mail.MarkMoving(change, *r, c, from.id));
      HP_TRY(parts_.copies.Start(change, c, "mail", domain, from.id, to));
      copying = true;
    }
    for (const auto& [database, to] : moved_databases) {
      HP_TRY(parts_.copies.Start(change, c, "database", database, from.id, to));
      copying = true;
    }
  }
  // The zones: their default records follow the sites' and mail's new addresses, at once when
  // nothing is copied, else when the last copy has ended (ContentCopyService::OnResult), so the
  // DNS never sends visitors to an empty docroot.
  if (copying) return Ok();
  return parts_.dns.SyncZonesOf(change, c);
}

Status DrainService::EmptyNode(ChangeContext& change, const Node& node,
                               const std::set<std::string>& roles) const {
  StoreTxn& tx = change.tx();
  HP_ASSIGN_OR_RETURN(const std::vector<TaskRecord> held, tx.tasks().LatestOnNode(node.id));
  for (const auto& t : held) {
    const auto colon = t.object_key.find(':');
    if (colon == std::string::npos) continue;
    const std::string kind = t.object_key.substr(0, colon);
    const std::string name = t.object_key.substr(colon + 1);
    if (roles.count(RoleOfKind(kind)) == 0) continue;
    if (t.kind == protocol::kSiteEnsure) {
      HP_ASSIGN_OR_RETURN(auto site, tx.sites().FindByDomain(name));
      if (!site || site->node_id == node.id) continue;
      HP_TRY(change.Append({node.id, t.object_key, protocol::kSiteRemove,
                            SiteRemovalSpec(*site, false), site->customer_id}));
    } else if (t.kind == protocol::kMailClientEnsure) {
      // Served where the mail domain is: gone from here once the domain moved or went.
      HP_ASSIGN_OR_RETURN(auto r, tx.resources().Find(kMailDomain, name));
      if (r && r->node_id == node.id) continue;
      HP_TRY(change.Append(
          {node.id, t.object_key, protocol::kMailClientRemove, t.spec, t.customer_id}));
    } else if (t.kind == protocol::kAccountEnsure) {
      HP_ASSIGN_OR_RETURN(auto c, tx.customers().FindByLogin(name));
      if (!c) continue;
      HP_TRY(change.Append(
          {node.id, t.object_key, protocol::kAccountRemove,
           protocol::ToJson(protocol::AccountRemoval{c->login, c->uid, c->uid, false}), c->id}));
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
      HP_ASSIGN_OR_RETURN(auto r, tx.resources().Find(kind, name));
      if (!r || r->node_id == node.id) continue;
      HP_ASSIGN_OR_RETURN(Customer owner, OwnerOf(tx, *r));
      Json spec = RemovalSpecOf(*r, owner);
      // The mail was not copied: the server's Maildirs stay for the operator.
      if (r->kind == kMailDomain) spec["remove_content"] = false;
      HP_TRY(change.Append({node.id, t.object_key, removal->second, spec, owner.id}));
    }
  }
  return Ok();
}

}  // namespace hostplane::controller
