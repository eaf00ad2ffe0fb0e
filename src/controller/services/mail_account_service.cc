#include "controller/services/mail_account_service.h"

#include <sodium.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <set>

#include "common/crypto.h"
#include "common/passwd/service_password.h"
#include "controller/services/service_support.h"
#include "controller/services/task_specs.h"
#include "protocol/mail_account_spec.h"
#include "protocol/spec_reader.h"
#include "protocol/validate.h"

namespace hostplane::controller {
namespace {

using namespace kinds;

constexpr size_t kPasswordBytes = 24;  // 32 characters of base64url

std::string SecretName(const std::string& login) { return "mail-submission/" + login; }

// The customer's mail domains by name.
Result<std::vector<Resource>> DomainsOf(StoreTxn& tx, const Customer& c) {
  HP_ASSIGN_OR_RETURN(std::vector<Resource> domains, OfCustomer(tx, kMailDomain, c.id));
  std::sort(domains.begin(), domains.end(),
            [](const Resource& a, const Resource& b) { return a.name < b.name; });
  return domains;
}

// The endpoint a node announced, when it announced a valid one.
std::optional<protocol::SubmissionEndpoint> EndpointOf(const Node& node) {
  if (node.mail_submission.empty()) return std::nullopt;
  const Json j = Json::parse(node.mail_submission, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  protocol::FieldErrors errors;
  protocol::SpecReader r(j, errors);
  protocol::SubmissionEndpoint e = protocol::DecodeSubmissionEndpoint(r);
  if (!errors.empty()) return std::nullopt;
  if (e.host.empty()) e.host = node.ipv4;
  if (e.host.empty()) return std::nullopt;
  return e;
}

}  // namespace

Result<std::string> MailAccountService::HashOf(StoreTxn& tx, const Customer& c) const {
  const std::string password = SecretName(c.login);
  const std::string hash = password + "/hash";
  HP_ASSIGN_OR_RETURN(const bool has, vault_.Has(tx, hash));
  if (has) return vault_.Get(tx, hash);
  std::string made = RandomBase64Url(kPasswordBytes);
  // Hashing is slow on purpose; this runs once per account, inside its first mail domain's change.
  auto hashed = HashServicePassword(made);
  Status put = hashed ? vault_.Put(tx, password, made) : Ok();
  sodium_memzero(made.data(), made.size());
  if (!hashed) return Fail(hashed.error());
  HP_TRY(put);
  HP_TRY(vault_.Put(tx, hash, *hashed));
  return std::move(*hashed);
}

Result<std::optional<protocol::MailSubmissionSpec>> MailAccountService::SubmissionFor(
    StoreTxn& tx, const Customer& c, const Node& web) const {
  HP_ASSIGN_OR_RETURN(const std::vector<Resource> domains, DomainsOf(tx, c));
  for (const Resource& d : domains) {
    HP_ASSIGN_OR_RETURN(auto node, tx.nodes().FindById(d.node_id));
    if (!node) continue;
    const auto endpoint = EndpointOf(*node);
    if (!endpoint) continue;
    protocol::MailSubmissionSpec spec;
    spec.host = endpoint->host;
    spec.port = endpoint->port;
    spec.tls = endpoint->tls;
    spec.tls_name = endpoint->tls_name;
    // An address the app login owns: one with no mailbox of its own (a mailbox's address is its
    // mailbox's alone, mail_driver's sender login map).
    for (const char* local : {"noreply", "php-noreply"}) {
      spec.envelope_from = std::string(local) + "@" + d.name;
      HP_ASSIGN_OR_RETURN(auto taken, tx.resources().Find(kMailbox, spec.envelope_from));
      if (!taken) break;
    }
    HP_TRY(HashOf(tx, c));  // the app login exists
    auto sealed = vault_.SealTo(tx, SecretName(c.login), web);
    if (!sealed && sealed.error().code != ErrorCode::kUnavailable) return Fail(sealed.error());
    if (!sealed) {
      spdlog::warn("mail: PHP's mail() of {} on {} has no way out yet: {}", c.login, web.name,
                   sealed.error().message);
      return std::optional<protocol::MailSubmissionSpec>();
    }
    spec.password = std::move(*sealed);
    return std::optional(std::move(spec));
  }
  return std::optional<protocol::MailSubmissionSpec>();
}

Status MailAccountService::Sync(ChangeContext& change, const Customer& c) const {
  StoreTxn& tx = change.tx();
  HP_ASSIGN_OR_RETURN(const std::vector<Resource> domains, DomainsOf(tx, c));
  protocol::MailAccountSpec spec;
  spec.account = c.login;
  spec.status = Name(SpecStatusOf(c));
  HP_ASSIGN_OR_RETURN(const Plan plan, PlanOf(tx, c));
  spec.unlimited_sending = !plan.max_messages_per_hour.has_value();
  spec.messages_per_hour = plan.max_messages_per_hour.value_or(0);
  std::set<int64_t> serving;
  for (const auto& d : domains) {
    spec.sender_domains.push_back(d.name);
    serving.insert(d.node_id);
  }
  if (!domains.empty()) {
    HP_ASSIGN_OR_RETURN(spec.submission_password_hash, HashOf(tx, c));
  }
  const Json json = protocol::ToJson(spec);
  const std::string object = MailAccountObject(c.login);
  for (int64_t node : serving) {
    HP_ASSIGN_OR_RETURN(auto last, tx.tasks().Latest(node, object));
    if (last && last->kind == protocol::kMailAccountEnsure && last->spec == json &&
        last->state != TaskState::kFailed) {
      continue;
    }
    HP_TRY(change.Append({node, object, protocol::kMailAccountEnsure, json, c.id}));
  }
  HP_ASSIGN_OR_RETURN(const std::vector<int64_t> sent, tx.tasks().NodesWithObject(object));
  for (int64_t node : sent) {
    if (serving.count(node) > 0) continue;
    HP_ASSIGN_OR_RETURN(auto last, tx.tasks().Latest(node, object));
    if (last && last->kind == protocol::kMailAccountRemove) continue;
    HP_TRY(change.Append({node, object, protocol::kMailAccountRemove,
                          protocol::ToJson(protocol::MailAccountRemoval{c.login}), c.id}));
  }
  return Ok();
}

Status MailAccountService::Remove(ChangeContext& change, const Customer& c) const {
  StoreTxn& tx = change.tx();
  const std::string object = MailAccountObject(c.login);
  HP_ASSIGN_OR_RETURN(const std::vector<int64_t> sent, tx.tasks().NodesWithObject(object));
  for (int64_t node : sent) {
    HP_ASSIGN_OR_RETURN(auto last, tx.tasks().Latest(node, object));
    if (last && last->kind == protocol::kMailAccountRemove) continue;
    HP_TRY(change.Append({node, object, protocol::kMailAccountRemove,
                          protocol::ToJson(protocol::MailAccountRemoval{c.login}), c.id}));
  }
  for (const std::string& name : {SecretName(c.login), SecretName(c.login) + "/hash"}) {
    HP_TRY(vault_.Remove(tx, name));
  }
  return Ok();
}

}  // namespace hostplane::controller
