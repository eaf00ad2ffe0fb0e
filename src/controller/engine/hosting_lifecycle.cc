// HostingService: an account's lifecycle. Suspend and resume re-send the spec of every object the
// customer has with the new status (the drivers turn "suspended" into a 503 page, refused logins
// and locked database users, keeping every file and row). Delete removes every service on every
// node in the reverse order of creation, the account's Unix user last.

#include <set>
#include <utility>

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
#include "protocol/zone_spec.h"

namespace hostplane::controller {
namespace {

using hosting::Append;
using hosting::Authorize;
using hosting::CustomerObject;
using hosting::NotFoundMessage;
using hosting::OfCustomer;
using namespace hosting::kinds;

std::string Object(const std::string& kind, const std::string& name) { return kind + ":" + name; }

// The nodes holding the account's Unix user: those of its sites and FTP users, and every node it
// was ever sent to (its last site there may be gone, its user and home are not).
Result<std::set<int64_t>> AccountNodes(StoreTxn& tx, const Customer& c) {
  auto sent = tx.tasks().NodesWithObject(hosting::AccountObject(c.login));
  if (!sent) return Fail(sent.error());
  std::set<int64_t> nodes(sent->begin(), sent->end());
  auto sites = tx.sites().OfCustomer(c.id);
  if (!sites) return Fail(sites.error());
  for (const auto& s : *sites) nodes.insert(s.node_id);
  auto ftp = OfCustomer(tx, "ftpuser", c.id);
  if (!ftp) return Fail(ftp.error());
  for (const auto& f : *ftp) nodes.insert(f.node_id);
  return nodes;
}

}  // namespace

Result<Change<Customer>> HostingService::SuspendCustomer(const Actor& actor,
                                                         const std::string& login) {
  return SetCustomerStatus(actor, login, CustomerStatus::kSuspended);
}

Result<Change<Customer>> HostingService::ResumeCustomer(const Actor& actor,
                                                        const std::string& login) {
  return SetCustomerStatus(actor, login, CustomerStatus::kActive);
}

Result<Change<Customer>> HostingService::SetCustomerStatus(const Actor& actor,
                                                           const std::string& login,
                                                           CustomerStatus status) {
  const std::string action =
      status == CustomerStatus::kSuspended ? "customer.suspend" : "customer.resume";
  Change<Customer> change;
  HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
    HP_TRY(Authorize(actor, action, CustomerObject(login)));
    auto found = tx.customers().FindByLogin(login);
    if (!found) return Fail(found.error());
    if (!*found) return Fail(Error::NotFound(NotFoundMessage("customer", login)));
    const Customer before = **found;
    if (before.status == status) {
      change = Change<Customer>{before, {}, 0};  // nothing to change
      return Ok();
    }
    Customer after = before;
    after.status = status;
    HP_TRY(tx.customers().Update(after));
    auto audit = tx.audit().Append(
        {actor.name, action, CustomerObject(login), ToJson(before), ToJson(after)});
    if (!audit) return Fail(audit.error());
    change = Change<Customer>{after, {}, *audit};
    return ResendCustomer(tx, change.tasks, after, *audit, std::nullopt);
  }));
  hosting::NotifyNodes(engine_, change.tasks);
  return change;
}

Status HostingService::ResendCustomer(StoreTxn& tx, std::vector<TaskRecord>& tasks,
                                      const Customer& c, int64_t change_id,
                                      std::optional<int64_t> skip_account_node) {
  auto nodes = AccountNodes(tx, c);
  if (!nodes) return Fail(nodes.error());
  for (int64_t node : *nodes) {
    if (node == skip_account_node) continue;
    HP_TRY(hosting::SyncAccount(tx, tasks, c, node, change_id));
  }
  auto sites = tx.sites().OfCustomer(c.id);
  if (!sites) return Fail(sites.error());
  for (const auto& s : *sites) {
    HP_TRY(Append(tx, tasks, s.node_id, hosting::SiteObject(s.domain), protocol::kSiteEnsure,
                  hosting::SiteEnsureSpec(s, c), change_id));
  }
  auto ftp = OfCustomer(tx, "ftpuser", c.id);
  if (!ftp) return Fail(ftp.error());
  for (const auto& f : *ftp) {
    HP_TRY(Append(tx, tasks, f.node_id, Object("ftpuser", f.name), protocol::kFtpUserEnsure,
                  FtpUserSpec(f, c), change_id));
  }
  auto dbs = OfCustomer(tx, "database", c.id);
  if (!dbs) return Fail(dbs.error());
  for (const auto& d : *dbs) {
    HP_TRY(Append(tx, tasks, d.node_id, Object("database", d.name), protocol::kDatabaseEnsure,
                  DatabaseSpec(d, c), change_id));
  }
  auto mail = OfCustomer(tx, "maildomain", c.id);
  if (!mail) return Fail(mail.error());
  for (const auto& m : *mail) HP_TRY(SyncMailDomainOf(tx, tasks, m, c, change_id));
  return Ok();
}

Result<Change<Customer>> HostingService::DeleteCustomer(const Actor& actor,
                                                        const std::string& login,
                                                        bool remove_content) {
  Change<Customer> change;
  HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
    HP_TRY(Authorize(actor, "customer.delete", CustomerObject(login)));
    auto customer = tx.customers().FindByLogin(login);
    if (!customer) return Fail(customer.error());
    if (!*customer) return Fail(Error::NotFound(NotFoundMessage("customer", login)));
    const Customer& c = **customer;
    auto sites = tx.sites().OfCustomer(c.id);
    if (!sites) return Fail(sites.error());
    auto nodes = AccountNodes(tx, c);
    if (!nodes) return Fail(nodes.error());

    Json before = ToJson(c);
    before["sites"] = Json::array();
    for (const auto& s : *sites) before["sites"].push_back(s.domain);
    auto audit =
        tx.audit().Append({actor.name, "customer.delete", CustomerObject(login), before, nullptr});
    if (!audit) return Fail(audit.error());
    change = Change<Customer>{c, {}, *audit};
    auto& tasks = change.tasks;

    // Reverse order of creation: what depends on a site or the account goes first.
    struct Step {
      const char* kind;
      const char* task;
    };
    for (const Step& step :
         {Step{kCert, protocol::kCertRemove}, Step{kDatabase, protocol::kDatabaseRemove},
          Step{kFtpUser, protocol::kFtpUserRemove}, Step{kZone, protocol::kZoneRemove},
          Step{kMailDomain, protocol::kMailDomainRemove}}) {
      auto rows = OfCustomer(tx, step.kind, c.id);
      if (!rows) return Fail(rows.error());
      for (const auto& r : *rows) {
        Json spec = RemovalSpecOf(r, c);
        if (r.kind == "maildomain") spec["remove_content"] = remove_content;
        HP_TRY(Append(tx, tasks, r.node_id, Object(r.kind, r.name), step.task, spec, *audit));
      }
    }
    for (const char* kind :
         {"record", "mailbox", "forwarder", "cert", "database", "ftpuser", "zone", "maildomain"}) {
      auto rows = OfCustomer(tx, kind, c.id);
      if (!rows) return Fail(rows.error());
      for (const auto& r : *rows) HP_TRY(tx.resources().Delete(r.id));
    }
    for (const auto& s : *sites) {
      HP_TRY(tx.sites().Delete(s.id));
      HP_TRY(Append(tx, tasks, s.node_id, hosting::SiteObject(s.domain), protocol::kSiteRemove,
                    hosting::SiteRemovalSpec(s, remove_content), *audit));
    }
    for (int64_t node : *nodes) {
      auto n = tx.nodes().FindById(node);
      if (!n) return Fail(n.error());
      if (!*n || !hosting::RunsAccounts(**n)) continue;
      HP_TRY(
          Append(tx, tasks, node, hosting::AccountObject(c.login), protocol::kAccountRemove,
                 protocol::ToJson(protocol::AccountRemoval{c.login, c.uid, c.uid, remove_content}),
                 *audit));
    }
    return tx.customers().Delete(c.id);
  }));
  hosting::NotifyNodes(engine_, change.tasks);
  return change;
}

}  // namespace hostplane::controller
