#include "controller/services/account_service.h"

#include <string>

#include "controller/services/placement.h"
#include "controller/services/service_support.h"
#include "controller/services/task_specs.h"
#include "protocol/account_spec.h"
#include "protocol/messages.h"

namespace hostplane::controller {

namespace {

// The spec as compared with the last one sent: the sealed password differs at every sealing.
Json Comparable(Json spec) {
  if (spec.contains("mail_submission")) spec["mail_submission"].erase("password");
  return spec;
}

}  // namespace

Result<Json> AccountService::EnsureSpec(StoreTxn& tx, const Customer& c, const Node& node) const {
  HP_ASSIGN_OR_RETURN(const std::vector<Site> sites, tx.sites().OfCustomer(c.id));
  std::set<std::string> php;
  for (const auto& s : sites) {
    if (s.node_id == node.id && !s.php.empty()) php.insert(s.php);
  }
  protocol::AccountSpec spec;
  spec.login = c.login;
  spec.uid = spec.gid = c.uid;
  spec.status = Name(SpecStatusOf(c));
  spec.php.assign(php.begin(), php.end());
  if (mail_ != nullptr) {
    HP_ASSIGN_OR_RETURN(spec.mail_submission, mail_->SubmissionFor(tx, c, node));
  }
  return protocol::ToJson(spec);
}

Status AccountService::Sync(ChangeContext& change, const Customer& c, int64_t node_id,
                            bool reseal) const {
  StoreTxn& tx = change.tx();
  // A node whose agent said it runs no account driver (a web server without Unix users per
  // account, as `hostplane agent` today) gets no account tasks; one not heard from yet does.
  HP_ASSIGN_OR_RETURN(auto node, tx.nodes().FindById(node_id));
  if (node && !RunsAccounts(*node)) return Ok();
  if (!node) return Fail(Error::NotFound("node " + std::to_string(node_id)));
  HP_ASSIGN_OR_RETURN(Json spec, EnsureSpec(tx, c, *node));
  // Level-triggered and idempotent, but only sent when it says something new.
  HP_ASSIGN_OR_RETURN(auto last, tx.tasks().Latest(node_id, AccountObject(c.login)));
  if (!reseal && last && last->kind == protocol::kAccountEnsure &&
      Comparable(last->spec) == Comparable(spec) && last->state != TaskState::kFailed) {
    return Ok();
  }
  return change.Append(
      {node_id, AccountObject(c.login), protocol::kAccountEnsure, std::move(spec), c.id});
}

Result<std::set<int64_t>> AccountService::Nodes(StoreTxn& tx, const Customer& c) {
  HP_ASSIGN_OR_RETURN(const std::vector<int64_t> sent,
                      tx.tasks().NodesWithObject(AccountObject(c.login)));
  std::set<int64_t> nodes(sent.begin(), sent.end());
  HP_ASSIGN_OR_RETURN(const std::vector<Site> sites, tx.sites().OfCustomer(c.id));
  for (const auto& s : sites) nodes.insert(s.node_id);
  HP_ASSIGN_OR_RETURN(const std::vector<Resource> ftp, OfCustomer(tx, kinds::kFtpUser, c.id));
  for (const auto& f : ftp) nodes.insert(f.node_id);
  return nodes;
}

Status AccountService::SyncEverywhere(ChangeContext& change, const Customer& c,
                                      std::optional<int64_t> skip) const {
  HP_ASSIGN_OR_RETURN(const std::set<int64_t> nodes, Nodes(change.tx(), c));
  for (int64_t node : nodes) {
    if (node == skip) continue;
    HP_TRY(Sync(change, c, node));
  }
  return Ok();
}

Status AccountService::ResealFor(ChangeContext& change, const Node& node) const {
  StoreTxn& tx = change.tx();
  using namespace kinds;
  HP_ASSIGN_OR_RETURN(const std::vector<int64_t> web,
                      tx.nodes().CustomersOn(node.id, true, {kFtpUser}, 1000000));
  HP_ASSIGN_OR_RETURN(const std::vector<int64_t> mail,
                      tx.nodes().CustomersOn(node.id, false, {kMailDomain}, 1000000));
  std::set<int64_t> ids(web.begin(), web.end());
  ids.insert(mail.begin(), mail.end());
  for (int64_t id : ids) {
    HP_ASSIGN_OR_RETURN(auto c, tx.customers().FindById(id));
    if (!c) continue;
    // Every task belongs to an audited change: this one is the node's new key or endpoint.
    HP_TRY(change.Audit("account.reseal", AccountObject(c->login), nullptr, nullptr, c->id));
    HP_ASSIGN_OR_RETURN(const std::set<int64_t> nodes, Nodes(tx, *c));
    for (int64_t n : nodes) HP_TRY(Sync(change, *c, n, n == node.id));
  }
  return Ok();
}

Status AccountService::Remove(ChangeContext& change, const Customer& c, int64_t node_id,
                              bool remove_home) const {
  HP_ASSIGN_OR_RETURN(auto node, change.tx().nodes().FindById(node_id));
  if (!node || !RunsAccounts(*node)) return Ok();
  return change.Append(
      {node_id, AccountObject(c.login), protocol::kAccountRemove,
       protocol::ToJson(protocol::AccountRemoval{c.login, c.uid, c.uid, remove_home}), c.id});
}

}  // namespace hostplane::controller
