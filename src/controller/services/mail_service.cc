#include "controller/services/mail_service.h"

#include <sodium.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

#include "common/passwd/service_password.h"
#include "controller/secrets/dkim_key_pair.h"
#include "controller/services/mail_client_task.h"
#include "controller/services/mail_dns_records.h"
#include "controller/services/name_ownership.h"
#include "controller/services/placement.h"
#include "controller/services/service_support.h"
#include "controller/services/task_specs.h"
#include "controller/services/zone_validity.h"
#include "controller/store/entity_json.h"
#include "protocol/mail_spec.h"
#include "protocol/validate.h"

namespace hostplane::controller {
namespace {

using namespace kinds;

constexpr int64_t kDefaultQuotaMb = 1024;

// "Local@domain" -> canonical parts; local "" for "@domain" (the catch-all), when allowed.
std::optional<MailAddress> CheckAddress(const std::string& field, const std::string& input,
                                        bool allow_catch_all, protocol::FieldErrors& errors) {
  auto at = input.rfind('@');
  if (at == std::string::npos) {
    errors.Add(field, {"address.invalid", "An address is local@domain, like info@example.com."});
    return std::nullopt;
  }
  MailAddress a;
  auto domain = protocol::CheckDomain(input.substr(at + 1));
  if (!domain) {
    errors.Add(field, domain.error());
    return std::nullopt;
  }
  a.domain = *domain;
  if (at == 0 && allow_catch_all) return a;
  auto local = protocol::CheckLocalPart(input.substr(0, at));
  if (!local) {
    errors.Add(field, local.error());
    return std::nullopt;
  }
  a.local = *local;
  return a;
}

std::string LocalPart(const std::string& address) { return address.substr(0, address.rfind('@')); }

std::string DkimSecretName(const std::string& domain, const std::string& selector) {
  return "dkim/" + domain + "/" + selector;
}

// kConflict {address: address.taken} when address is a mailbox or a forwarder already.
Status CheckAddressFree(StoreTxn& tx, const std::string& address) {
  for (const char* kind : {kMailbox, kForwarder}) {
    HP_ASSIGN_OR_RETURN(auto taken, tx.resources().Find(kind, address));
    if (taken) {
      return Fail(FieldError(ErrorCode::kConflict, {{"address", "address.taken"}},
                             "'" + address + "' exists already"));
    }
  }
  return Ok();
}

// The password may be neither the address nor its local part (the login a client sends).
std::optional<std::string> CheckMailboxPassword(const std::string& address,
                                                const std::string& input,
                                                protocol::FieldErrors& errors) {
  const std::string local = address.substr(0, address.find('@'));
  auto password = protocol::CheckPassword(input, {address, local});
  if (!password) {
    errors.Add("password", password.error());
    return std::nullopt;
  }
  return *password;
}

void CheckQuotaRange(const std::optional<int64_t>& quota_mb, protocol::FieldErrors& errors) {
  if (quota_mb && (*quota_mb < 1 || *quota_mb > protocol::kMaxQuotaMb)) {
    errors.Add("quota_mb",
               {"number.out_of_range",
                "The quota must be from 1 to " + std::to_string(protocol::kMaxQuotaMb) + " MB."});
  }
}

// kLimit {quota_mb: plan.mailbox_quota_limit} when the plan caps mailboxes below quota_mb.
Status CheckQuotaAllowed(const Plan& plan, int64_t quota_mb) {
  if (plan.mailbox_quota_mb && quota_mb > *plan.mailbox_quota_mb) {
    return Fail(FieldError(
        ErrorCode::kLimit, {{"quota_mb", "plan.mailbox_quota_limit"}},
        "the plan allows mailboxes of " + std::to_string(*plan.mailbox_quota_mb) + " MB at most"));
  }
  return Ok();
}

// What a mail address without its customer answers when its domain is not a mail domain.
Error CustomerMissing(const std::string& domain) {
  return FieldError(ErrorCode::kInvalid, {{"customer", "field.missing"}},
                    "'" + domain + "' is not a mail domain yet: say which customer it belongs to");
}

}  // namespace

Result<NewMailbox> MailService::CheckMailbox(const MailboxInput& in) {
  protocol::FieldErrors errors;
  auto address = CheckAddress("address", in.address, false, errors);
  auto password = CheckMailboxPassword(in.address, in.password, errors);
  CheckQuotaRange(in.quota_mb, errors);
  if (in.customer) {
    if (auto c = protocol::CheckLoginGrammar(*in.customer); !c) errors.Add("customer", c.error());
  }
  if (!errors.empty()) return Fail(errors.ToError());
  HP_ASSIGN_OR_RETURN(std::string hash, HashServicePassword(*password));
  return NewMailbox{*address, in.customer, std::move(hash), in.quota_mb};
}

Result<std::optional<MailboxUpdate>> MailService::CheckMailboxPatch(const std::string& address,
                                                                    const MailboxPatch& in) {
  protocol::FieldErrors ignored;
  auto parsed = CheckAddress("address", address, false, ignored);
  if (!parsed) return std::optional<MailboxUpdate>();
  if (!in.password && !in.quota_mb) {
    return Fail(Error::InvalidField("body", "patch.empty",
                                    "Give the mailbox a new password, a new quota_mb or both."));
  }
  protocol::FieldErrors errors;
  std::optional<std::string> password;
  if (in.password) password = CheckMailboxPassword(address, *in.password, errors);
  CheckQuotaRange(in.quota_mb, errors);
  if (!errors.empty()) return Fail(errors.ToError());
  MailboxUpdate out{*parsed, std::nullopt, in.quota_mb};
  if (password) {
    HP_ASSIGN_OR_RETURN(std::string hash, HashServicePassword(*password));
    out.password_hash = std::move(hash);
  }
  return std::optional<MailboxUpdate>(std::move(out));
}

Result<NewForwarder> MailService::CheckForwarder(const ForwarderInput& in) {
  protocol::FieldErrors errors;
  auto address = CheckAddress("address", in.address, true, errors);
  std::vector<std::string> targets;
  if (in.targets.empty()) {
    errors.Add("targets", {"targets.empty", "A forwarder needs at least one target address."});
  } else if (in.targets.size() > protocol::kMaxForwarderTargets) {
    errors.Add("targets", {"targets.too_many", "A forwarder has at most 50 targets."});
  }
  for (size_t i = 0; i < in.targets.size() && i < protocol::kMaxForwarderTargets; ++i) {
    auto t = CheckAddress("targets[" + std::to_string(i) + "]", in.targets[i], false, errors);
    if (t && std::find(targets.begin(), targets.end(), t->text()) == targets.end()) {
      targets.push_back(t->text());
    }
  }
  const bool catch_all = address && address->local.empty();
  if (catch_all && targets.size() > 1) {
    errors.Add("targets", {"targets.too_many", "A catch-all forwards to exactly one address."});
  }
  if (in.customer) {
    if (auto c = protocol::CheckLoginGrammar(*in.customer); !c) errors.Add("customer", c.error());
  }
  if (!errors.empty()) return Fail(errors.ToError());
  return NewForwarder{*address, std::move(targets), in.customer};
}

Result<Change<Resource>> MailService::AddMailbox(const Actor& actor, const MailboxInput& in) {
  HP_ASSIGN_OR_RETURN(NewMailbox box, CheckMailbox(in));
  return runner_.Run(actor, "mailbox.create",
                     [&](ChangeContext& change) { return AddMailbox(change, box); });
}

Result<Change<Resource>> MailService::RemoveMailbox(const Actor& actor,
                                                    const std::string& address) {
  protocol::FieldErrors errors;
  auto parsed = CheckAddress("address", address, false, errors);
  if (!parsed) return Fail(NotFound(kMailbox, address));
  return runner_.Run(actor, "mailbox.remove",
                     [&](ChangeContext& change) { return Remove(change, kMailbox, *parsed); });
}

Result<Change<Resource>> MailService::UpdateMailbox(const Actor& actor, const std::string& address,
                                                    const MailboxPatch& patch) {
  HP_ASSIGN_OR_RETURN(auto update, CheckMailboxPatch(address, patch));
  if (!update) return Fail(NotFound(kMailbox, address));
  return runner_.Run(actor, "mailbox.update",
                     [&](ChangeContext& change) { return UpdateMailbox(change, *update); });
}

Result<Resource> MailService::UpdateMailbox(ChangeContext& change, const MailboxUpdate& in) const {
  StoreTxn& tx = change.tx();
  const std::string name = in.address.text();
  HP_ASSIGN_OR_RETURN(Resource before, LoadResource(change, kMailbox, name, Action::kMailboxUpdate,
                                                    NotFound(kMailbox, name)));
  HP_ASSIGN_OR_RETURN(Customer owner, OwnerOf(tx, before));
  Resource after = before;
  if (in.quota_mb) {
    HP_ASSIGN_OR_RETURN(Plan plan, PlanOf(tx, owner));
    HP_TRY(CheckQuotaAllowed(plan, *in.quota_mb));
    after.data["quota_mb"] = *in.quota_mb;
  }
  if (in.password_hash) after.data["password_hash"] = *in.password_hash;
  HP_TRY(tx.resources().Update(after));
  // The hash never enters the audit log; that it changed does.
  Json audited = ToJson(after);
  if (in.password_hash) audited["password_changed"] = true;
  HP_TRY(
      change.Audit("mailbox.update", ObjectKey(kMailbox, name), ToJson(before), audited, owner.id));
  HP_ASSIGN_OR_RETURN(auto domain, tx.resources().Find(kMailDomain, before.parent));
  if (!domain) return Fail(Error::Internal("the mail domain of " + name + " vanished"));
  HP_TRY(Sync(change, *domain, owner));
  return after;
}

Result<Change<Resource>> MailService::AddForwarder(const Actor& actor, const ForwarderInput& in) {
  HP_ASSIGN_OR_RETURN(NewForwarder fwd, CheckForwarder(in));
  return runner_.Run(actor, "forwarder.create",
                     [&](ChangeContext& change) { return AddForwarder(change, fwd); });
}

Result<Change<Resource>> MailService::RemoveForwarder(const Actor& actor,
                                                      const std::string& address) {
  std::optional<MailAddress> parsed;
  if (address.starts_with("@")) {
    auto domain = protocol::CheckDomain(address.substr(1));
    if (domain) parsed = MailAddress{"", *domain};
  } else {
    protocol::FieldErrors errors;
    parsed = CheckAddress("address", address, false, errors);
  }
  if (!parsed) return Fail(NotFound(kForwarder, address));
  return runner_.Run(actor, "forwarder.remove",
                     [&](ChangeContext& change) { return Remove(change, kForwarder, *parsed); });
}

// The mail domain of a new address, created (placed on the least loaded mail node) when absent.
Result<Resource> MailService::EnsureDomain(ChangeContext& change, const std::string& domain,
                                           const std::optional<std::string>& customer,
                                           Action action) const {
  StoreTxn& tx = change.tx();
  HP_ASSIGN_OR_RETURN(auto existing, tx.resources().Find(kMailDomain, domain));
  if (existing) {
    if (!customer) {
      // An actor that may not see the domain gets what a domain that does not exist answers.
      HP_TRY(
          change.Allow(action, {kMailDomain, domain, OwnerOf(*existing)}, CustomerMissing(domain)));
      return std::move(*existing);
    }
    HP_ASSIGN_OR_RETURN(Customer c, LoadOwnerFor(change, *customer, action));
    if (c.id != existing->customer_id) {
      return Fail(FieldError(ErrorCode::kConflict, {{"address", "domain.owned_by_other_customer"}},
                             "'" + domain + "' belongs to another customer"));
    }
    return std::move(*existing);
  }
  if (!customer) return Fail(CustomerMissing(domain));
  HP_ASSIGN_OR_RETURN(Customer c, LoadOwnerFor(change, *customer, action));
  HP_TRY(CheckNamesOwnable(tx, c.id, {{"address", domain}}, options_.reserved_names));
  HP_ASSIGN_OR_RETURN(auto counts, tx.resources().CountByNode(kMailDomain));
  HP_ASSIGN_OR_RETURN(Plan plan, PlanOf(tx, c));
  HP_ASSIGN_OR_RETURN(Node node,
                      PlaceOnRole(tx, "mail", counts, "address", PlacementFor(plan, options_)));
  Resource r;
  r.customer_id = c.id;
  r.kind = kMailDomain;
  r.name = domain;
  r.node_id = node.id;
  r.data = Json{{"catch_all", ""}};
  HP_TRY(NewDkimKey(tx, r));
  // A mail domain puts MX, SPF, DKIM, DMARC and a "mail" host into the customer's zone around it.
  HP_ASSIGN_OR_RETURN(const ZoneValidity zones, ZoneValidity::Before(tx, c, options_));
  HP_ASSIGN_OR_RETURN(Resource stored, tx.resources().Insert(r));
  HP_TRY(zones.After(tx, {{"address", domain}}, "address"));
  return stored;
}

Result<Resource> MailService::AddMailbox(ChangeContext& change, const NewMailbox& in) const {
  StoreTxn& tx = change.tx();
  HP_ASSIGN_OR_RETURN(Resource domain,
                      EnsureDomain(change, in.address.domain, in.customer, Action::kMailboxCreate));
  HP_ASSIGN_OR_RETURN(Customer owner, OwnerOf(tx, domain));
  HP_ASSIGN_OR_RETURN(Plan plan, PlanOf(tx, owner));
  HP_TRY(CheckAddressFree(tx, in.address.text()));
  HP_TRY(CheckLimit(tx, owner, kMailbox, plan.max_mailboxes, "address", "plan.mailboxes_limit",
                    "mailboxes"));
  const int64_t quota = in.quota_mb.value_or(plan.mailbox_quota_mb.value_or(kDefaultQuotaMb));
  HP_TRY(CheckQuotaAllowed(plan, quota));
  Resource box;
  box.customer_id = owner.id;
  box.kind = kMailbox;
  box.name = in.address.text();
  box.parent = domain.name;
  box.node_id = domain.node_id;
  box.data = Json{{"password_hash", in.password_hash}, {"quota_mb", quota}};
  HP_ASSIGN_OR_RETURN(Resource stored,
                      InsertAudited(change, "mailbox.create", ObjectKey(kMailbox, box.name), box));
  HP_TRY(Sync(change, domain, owner));
  HP_TRY(dns_.SyncZonesOf(change, owner));
  HP_TRY(SyncAccount(change, owner));
  return stored;
}

Result<Resource> MailService::AddForwarder(ChangeContext& change, const NewForwarder& in) const {
  StoreTxn& tx = change.tx();
  const std::string name = in.catch_all() ? "@" + in.address.domain : in.address.text();
  HP_ASSIGN_OR_RETURN(Resource domain, EnsureDomain(change, in.address.domain, in.customer,
                                                    Action::kForwarderCreate));
  HP_ASSIGN_OR_RETURN(Customer owner, OwnerOf(tx, domain));
  HP_ASSIGN_OR_RETURN(Plan plan, PlanOf(tx, owner));
  if (in.catch_all()) {
    if (!domain.data.value("catch_all", "").empty()) {
      return Fail(FieldError(ErrorCode::kConflict, {{"address", "address.taken"}},
                             "'" + domain.name + "' has a catch-all already"));
    }
    Resource updated = domain;
    updated.data["catch_all"] = in.targets.front();
    HP_TRY(tx.resources().Update(updated));
    HP_TRY(change.Audit("forwarder.create", ObjectKey(kForwarder, name), ToJson(domain),
                        ToJson(updated), owner.id));
    HP_TRY(Sync(change, updated, owner));
    HP_TRY(dns_.SyncZonesOf(change, owner));
    HP_TRY(SyncAccount(change, owner));
    return updated;
  }
  HP_TRY(CheckAddressFree(tx, name));
  HP_TRY(CheckLimit(tx, owner, kForwarder, plan.max_forwarders, "address", "plan.forwarders_limit",
                    "forwarders"));
  Resource fwd;
  fwd.customer_id = owner.id;
  fwd.kind = kForwarder;
  fwd.name = name;
  fwd.parent = domain.name;
  fwd.node_id = domain.node_id;
  fwd.data = Json{{"targets", in.targets}};
  HP_ASSIGN_OR_RETURN(Resource stored,
                      InsertAudited(change, "forwarder.create", ObjectKey(kForwarder, name), fwd));
  HP_TRY(Sync(change, domain, owner));
  HP_TRY(dns_.SyncZonesOf(change, owner));
  HP_TRY(SyncAccount(change, owner));
  return stored;
}

Result<Resource> MailService::Remove(ChangeContext& change, const char* kind,
                                     const MailAddress& address) const {
  StoreTxn& tx = change.tx();
  const std::string action = std::string(kind) + ".remove";
  const Action allowed =
      std::string(kind) == kMailbox ? Action::kMailboxRemove : Action::kForwarderRemove;
  if (address.local.empty()) {  // the catch-all: a member of its mail domain
    const std::string name = "@" + address.domain;
    const Error missing = NotFound(kForwarder, name);
    HP_ASSIGN_OR_RETURN(auto found, tx.resources().Find(kMailDomain, address.domain));
    if (!found || found->data.value("catch_all", "").empty()) return Fail(missing);
    HP_TRY(change.Allow(allowed, {kForwarder, name, OwnerOf(*found)}, missing));
    Resource updated = *found;
    updated.data["catch_all"] = "";
    HP_TRY(tx.resources().Update(updated));
    HP_TRY(change.Audit(action, ObjectKey(kForwarder, name), ToJson(*found), ToJson(updated),
                        found->customer_id));
    HP_TRY(SyncOrDropDomain(change, address.domain));
    return updated;
  }
  const std::string name = address.text();
  HP_ASSIGN_OR_RETURN(auto found, LoadResource(change, kind, name, allowed, NotFound(kind, name)));
  HP_TRY(tx.resources().Delete(found.id));
  HP_TRY(change.Audit(action, ObjectKey(kind, name), ToJson(found), nullptr, found.customer_id));
  HP_TRY(SyncOrDropDomain(change, found.parent));
  return found;
}

// Removes the mail domain when it has nothing left; otherwise re-sends it.
Status MailService::SyncOrDropDomain(ChangeContext& change, const std::string& domain_name) const {
  StoreTxn& tx = change.tx();
  HP_ASSIGN_OR_RETURN(auto domain, tx.resources().Find(kMailDomain, domain_name));
  if (!domain) return Ok();
  HP_ASSIGN_OR_RETURN(Customer owner, OwnerOf(tx, *domain));
  HP_ASSIGN_OR_RETURN(const std::vector<Resource> boxes, Children(tx, kMailbox, domain_name));
  HP_ASSIGN_OR_RETURN(const std::vector<Resource> forwarders,
                      Children(tx, kForwarder, domain_name));
  if (boxes.empty() && forwarders.empty() && domain->data.value("catch_all", "").empty()) {
    HP_TRY(tx.resources().Delete(domain->id));
    const std::string selector = domain->data.value("dkim_selector", "");
    if (!selector.empty()) HP_TRY(vault_.Remove(tx, DkimSecretName(domain_name, selector)));
    HP_TRY(change.Append(
        {domain->node_id, ObjectKey(kMailDomain, domain_name), protocol::kMailDomainRemove,
         protocol::ToJson(protocol::MailDomainRemoval{domain_name, owner.login, true}), owner.id}));
    HP_TRY(
        change.Append({domain->node_id, MailClientObject(domain_name), protocol::kMailClientRemove,
                       MailClientSpecOf(*domain, owner), owner.id}));
    HP_TRY(dns_.SyncZonesOf(change, owner));
    return SyncAccount(change, owner);
  }
  HP_TRY(Sync(change, *domain, owner));
  return SyncAccount(change, owner);
}

Status MailService::SyncAccount(ChangeContext& change, const Customer& owner) const {
  HP_TRY(mail_accounts_.Sync(change, owner));
  return accounts_.SyncEverywhere(change, owner, std::nullopt);
}

Status MailService::Resend(ChangeContext& change, const Customer& c) const {
  HP_ASSIGN_OR_RETURN(const std::vector<Resource> domains,
                      OfCustomer(change.tx(), kMailDomain, c.id));
  for (const auto& d : domains) HP_TRY(Sync(change, d, c));
  return mail_accounts_.Sync(change, c);
}

Status MailService::Sync(ChangeContext& change, const Resource& domain,
                         const Customer& owner) const {
  Resource current = domain;
  if (current.data.value("dkim_selector", "").empty()) {
    // A mail domain from before DKIM (issue 16) gets its key at its next change.
    HP_TRY(NewDkimKey(change.tx(), current));
    HP_TRY(change.tx().resources().Update(current));
    HP_TRY(dns_.SyncZonesOf(change, owner));
  }
  HP_ASSIGN_OR_RETURN(Json spec, DomainSpec(change.tx(), current, owner, current.node_id));
  HP_TRY(change.Append({current.node_id, ObjectKey(kMailDomain, current.name),
                        protocol::kMailDomainEnsure, std::move(spec), owner.id}));
  // The mail client set-up its nginx serves, once per node: its spec never changes (the node
  // renders it from its own listeners).
  const std::string client = MailClientObject(current.name);
  HP_ASSIGN_OR_RETURN(auto last, change.tx().tasks().Latest(current.node_id, client));
  if (last && last->kind == protocol::kMailClientEnsure && last->state != TaskState::kFailed) {
    return Ok();
  }
  return change.Append({current.node_id, client, protocol::kMailClientEnsure,
                        MailClientSpecOf(current, owner), owner.id});
}

Status MailService::ResealFor(ChangeContext& change, const Node& node) const {
  StoreTxn& tx = change.tx();
  HP_ASSIGN_OR_RETURN(const std::vector<int64_t> customers,
                      tx.nodes().CustomersOn(node.id, false, {kMailDomain}, 1000000));
  for (int64_t id : customers) {
    HP_ASSIGN_OR_RETURN(auto c, tx.customers().FindById(id));
    if (!c) continue;
    HP_ASSIGN_OR_RETURN(const std::vector<Resource> domains, OfCustomer(tx, kMailDomain, id));
    for (const auto& d : domains) {
      if (d.node_id != node.id) continue;
      // Every task belongs to an audited change: this one is the node's new key.
      HP_TRY(change.Audit("maildomain.reseal", ObjectKey(kMailDomain, d.name), ToJson(d), ToJson(d),
                          c->id));
      HP_TRY(Sync(change, d, *c));
    }
  }
  return Ok();
}

Status MailService::MarkMoving(ChangeContext& change, const Resource& domain, const Customer& owner,
                               int64_t node_id) const {
  HP_ASSIGN_OR_RETURN(Json spec, DomainSpec(change.tx(), domain, owner, node_id));
  spec["status"] = Name(ServiceStatus::kMoving);
  return change.Append({node_id, ObjectKey(kMailDomain, domain.name), protocol::kMailDomainEnsure,
                        std::move(spec), owner.id});
}

// maildomain.ensure: every mailbox and forwarder of the domain, and its DKIM key sealed to the
// node. A node that has not announced its box key yet gets the domain unsigned (logged); its
// first hello re-sends it (ResealFor).
Result<Json> MailService::DomainSpec(StoreTxn& tx, const Resource& domain, const Customer& owner,
                                     int64_t node_id) const {
  HP_ASSIGN_OR_RETURN(const std::vector<Resource> boxes, Children(tx, kMailbox, domain.name));
  HP_ASSIGN_OR_RETURN(const std::vector<Resource> forwarders,
                      Children(tx, kForwarder, domain.name));
  protocol::MailDomainSpec spec;
  spec.domain = domain.name;
  spec.account = owner.login;
  spec.status = Name(SpecStatusOf(owner));
  spec.catch_all = domain.data.value("catch_all", "");
  for (const auto& b : boxes) {
    spec.mailboxes.push_back({LocalPart(b.name), b.data.value("password_hash", ""),
                              b.data.value("quota_mb", kDefaultQuotaMb)});
  }
  for (const auto& f : forwarders) {
    spec.forwarders.push_back(
        {LocalPart(f.name), f.data.value("targets", std::vector<std::string>{})});
  }
  const std::string selector = domain.data.value("dkim_selector", "");
  if (!selector.empty()) {
    HP_ASSIGN_OR_RETURN(auto node, tx.nodes().FindById(node_id));
    if (!node) return Fail(Error::NotFound("node " + std::to_string(node_id)));
    auto sealed = vault_.SealTo(tx, DkimSecretName(domain.name, selector), *node);
    if (sealed) {
      spec.dkim = protocol::DkimSpec{selector, std::move(*sealed)};
    } else if (sealed.error().code == ErrorCode::kUnavailable) {
      spdlog::warn("mail: {} goes to {} unsigned for now: {}", domain.name, node->name,
                   sealed.error().message);
    } else {
      return Fail(sealed.error().Wrap("the DKIM key of " + domain.name));
    }
  }
  return protocol::ToJson(spec);
}

Status MailService::NewDkimKey(StoreTxn& tx, Resource& domain) const {
  HP_ASSIGN_OR_RETURN(DkimKeyPair pair, GenerateDkimKey());
  const std::string old = domain.data.value("dkim_selector", "");
  const int64_t generation = domain.data.value("dkim_generation", int64_t{0}) + 1;
  const std::string selector = "hp" + std::to_string(generation);
  Status put = vault_.Put(tx, DkimSecretName(domain.name, selector), pair.private_pem);
  sodium_memzero(pair.private_pem.data(), pair.private_pem.size());
  HP_TRY(put);
  if (!old.empty() && old != selector) HP_TRY(vault_.Remove(tx, DkimSecretName(domain.name, old)));
  domain.data["dkim_selector"] = selector;
  domain.data["dkim_generation"] = generation;
  domain.data["dkim_public_key"] = pair.public_key;
  return Ok();
}

Result<Change<Resource>> MailService::RotateDkim(const Actor& actor, const std::string& domain) {
  auto canonical = protocol::CheckDomain(domain);
  if (!canonical) return Fail(NotFound(kMailDomain, domain));
  return runner_.Run(
      actor, "maildomain.dkim_rotate", [&](ChangeContext& change) -> Result<Resource> {
        StoreTxn& tx = change.tx();
        HP_ASSIGN_OR_RETURN(Resource found,
                            LoadResource(change, kMailDomain, *canonical, Action::kMailDomainUpdate,
                                         NotFound(kMailDomain, *canonical)));
        HP_ASSIGN_OR_RETURN(Customer owner, OwnerOf(tx, found));
        Resource updated = found;
        HP_TRY(NewDkimKey(tx, updated));
        HP_TRY(tx.resources().Update(updated));
        HP_TRY(change.Audit("maildomain.dkim_rotate", ObjectKey(kMailDomain, updated.name),
                            ToJson(found), ToJson(updated), owner.id));
        HP_TRY(Sync(change, updated, owner));
        HP_TRY(dns_.SyncZonesOf(change, owner));
        return updated;
      });
}

Result<Json> MailService::DnsRecords(const Actor& actor, const std::string& domain) {
  auto canonical = protocol::CheckDomain(domain);
  if (!canonical) return Fail(NotFound(kMailDomain, domain));
  Json out;
  HP_TRY(store_.Snapshot([&](StoreTxn& tx) -> Status {
    const Error missing = NotFound(kMailDomain, *canonical);
    HP_ASSIGN_OR_RETURN(auto found, tx.resources().Find(kMailDomain, *canonical));
    if (!found) return Fail(missing);
    HP_TRY(runner_.authorizer().Allow(actor, Action::kMailDomainRead,
                                      {kMailDomain, found->name, OwnerOf(*found)}, missing));
    HP_ASSIGN_OR_RETURN(auto node, tx.nodes().FindById(found->node_id));
    if (!node) return Fail(Error::NotFound("the mail node of " + found->name));
    // The customer's zone that serves the domain's records (the longest one around it), if any.
    HP_ASSIGN_OR_RETURN(const std::vector<Resource> zones,
                        OfCustomer(tx, kZone, found->customer_id));
    std::string zone;
    for (const auto& z : zones) {
      const bool around = found->name == z.name || found->name.ends_with("." + z.name);
      if (around && z.name.size() > zone.size()) zone = z.name;
    }
    const std::string mx_host = "mail." + (zone.empty() ? found->name : zone);
    Json records = Json::array();
    for (const auto& r : MailDomainRecords(*found, *node, mx_host, options_.default_ttl)) {
      records.push_back({{"name", r.name == "@" ? found->name : r.name + "." + found->name},
                         {"type", r.type},
                         {"ttl", r.ttl},
                         {"value", r.value}});
    }
    // The MX host's addresses, which the zone builder adds as "mail" when the zone is here.
    for (const auto& [type, address] :
         {std::pair{"A", node->ipv4}, std::pair{"AAAA", node->ipv6}}) {
      if (address.empty()) continue;
      records.push_back(
          {{"name", mx_host}, {"type", type}, {"ttl", options_.default_ttl}, {"value", address}});
    }
    out = {{"domain", found->name},
           {"zone", zone.empty() ? Json(nullptr) : Json(zone)},
           {"dkim_selector", found->data.value("dkim_selector", "")},
           {"records", std::move(records)}};
    return Ok();
  }));
  return out;
}

}  // namespace hostplane::controller
