// HostingService: mail. Mailboxes and forwarders are Resource rows under their mail domain; every
// change re-sends the whole domain as one maildomain.ensure (protocol/mail_spec.h) to its mail
// node, and the domain is removed with its last address. The mail domain is created (and placed
// on the least loaded mail node) with its first address.

#include <algorithm>
#include <utility>

#include "common/passwd/service_password.h"
#include "controller/engine/hosting_service.h"
#include "controller/engine/hosting_support.h"
#include "controller/engine/name_ownership.h"
#include "controller/engine/task_engine.h"
#include "controller/engine/zone_validity.h"
#include "controller/store/entity_json.h"
#include "protocol/mail_spec.h"
#include "protocol/validate.h"

namespace hostplane::controller {
namespace {

using hosting::Append;
using hosting::Authorize;
using hosting::CheckLimit;
using hosting::Children;
using hosting::CustomerObject;
using hosting::FieldError;
using hosting::NotFoundField;
using hosting::NotFoundMessage;
using hosting::NotifyNodes;
using hosting::Object;
using hosting::OwnerOf;
using hosting::PlacementFor;
using hosting::PlanOf;
using hosting::RequireCustomer;
using namespace hosting::kinds;

// "Local@domain" -> canonical parts; local "" for "@domain" (the catch-all), when allowed.
struct Address {
  std::string local;
  std::string domain;
  std::string text() const { return local + "@" + domain; }
};

std::optional<Address> CheckAddress(const std::string& field, const std::string& input,
                                    bool allow_catch_all, protocol::FieldErrors& errors) {
  auto at = input.rfind('@');
  if (at == std::string::npos) {
    errors.Add(field, {"address.invalid", "An address is local@domain, like info@example.com."});
    return std::nullopt;
  }
  Address a;
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

constexpr int64_t kDefaultQuotaMb = 1024;

std::string LocalPart(const std::string& address) { return address.substr(0, address.rfind('@')); }

// maildomain.ensure: every mailbox and forwarder of the domain.
Result<Json> MailDomainSpec(StoreTxn& tx, const Resource& domain, const Customer& owner) {
  auto boxes = Children(tx, kMailbox, domain.name);
  if (!boxes) return Fail(boxes.error());
  auto forwarders = Children(tx, kForwarder, domain.name);
  if (!forwarders) return Fail(forwarders.error());
  protocol::MailDomainSpec spec;
  spec.domain = domain.name;
  spec.account = owner.login;
  spec.status = hosting::SpecStatus(owner);
  spec.catch_all = domain.data.value("catch_all", "");
  for (const auto& b : *boxes) {
    spec.mailboxes.push_back({LocalPart(b.name), b.data.value("password_hash", ""),
                              b.data.value("quota_mb", kDefaultQuotaMb)});
  }
  for (const auto& f : *forwarders) {
    spec.forwarders.push_back(
        {LocalPart(f.name), f.data.value("targets", std::vector<std::string>{})});
  }
  return protocol::ToJson(spec);
}

Status SyncMailDomain(StoreTxn& tx, std::vector<TaskRecord>& tasks, const Resource& domain,
                      const Customer& owner, int64_t change_id) {
  auto spec = MailDomainSpec(tx, domain, owner);
  if (!spec) return Fail(spec.error());
  return Append(tx, tasks, domain.node_id, Object(kMailDomain, domain.name),
                protocol::kMailDomainEnsure, *spec, change_id);
}

// kConflict {address: address.taken} when address is a mailbox or a forwarder already.
Status CheckAddressFree(StoreTxn& tx, const std::string& address) {
  for (const char* kind : {kMailbox, kForwarder}) {
    auto taken = tx.resources().Find(kind, address);
    if (!taken) return Fail(taken.error());
    if (*taken) {
      return Fail(FieldError(ErrorCode::kConflict, {{"address", "address.taken"}},
                             "'" + address + "' exists already"));
    }
  }
  return Ok();
}

// The mail domain of address, created (placed on the least loaded mail node) when absent.
Result<Resource> EnsureMailDomain(StoreTxn& tx, const std::string& domain,
                                  const std::optional<std::string>& customer_login,
                                  const std::string& field, const HostingOptions& options) {
  auto existing = tx.resources().Find(kMailDomain, domain);
  if (!existing) return Fail(existing.error());
  if (*existing) {
    if (customer_login) {
      auto c = RequireCustomer(tx, *customer_login);
      if (!c) return Fail(c.error());
      if (c->id != (*existing)->customer_id) {
        return Fail(FieldError(ErrorCode::kConflict, {{field, "domain.owned_by_other_customer"}},
                               "'" + domain + "' belongs to another customer"));
      }
    }
    return **existing;
  }
  if (!customer_login) {
    return Fail(
        FieldError(ErrorCode::kInvalid, {{"customer", "field.missing"}},
                   "'" + domain + "' is not a mail domain yet: say which customer it belongs to"));
  }
  auto c = RequireCustomer(tx, *customer_login);
  if (!c) return Fail(c.error());
  HP_TRY(CheckNamesOwnable(tx, c->id, {{field, domain}}, options.reserved_names));
  auto counts = tx.resources().CountByNode(kMailDomain);
  if (!counts) return Fail(counts.error());
  auto plan = PlanOf(tx, *c);
  if (!plan) return Fail(plan.error());
  auto node = hosting::PlaceOnRole(tx, "mail", *counts, field, PlacementFor(*plan, options));
  if (!node) return Fail(node.error());
  Resource r;
  r.customer_id = c->id;
  r.kind = kMailDomain;
  r.name = domain;
  r.node_id = node->id;
  r.data = Json{{"catch_all", ""}};
  // A mail domain puts MX, SPF and a "mail" host into the customer's zone around it.
  auto zones = ZoneValidity::Before(tx, *c, options);
  if (!zones) return Fail(zones.error());
  auto stored = tx.resources().Insert(r);
  if (!stored) return Fail(stored.error());
  HP_TRY(zones->After(tx, {{field, domain}}, field));
  return stored;
}

// Removes the mail domain when it has nothing left; otherwise re-sends it.
Status SyncOrDropMailDomain(StoreTxn& tx, std::vector<TaskRecord>& tasks,
                            const std::string& domain_name, int64_t change_id,
                            const HostingOptions& options, int64_t now_ms) {
  auto domain = tx.resources().Find(kMailDomain, domain_name);
  if (!domain) return Fail(domain.error());
  if (!*domain) return Ok();
  auto owner = OwnerOf(tx, **domain);
  if (!owner) return Fail(owner.error());
  auto boxes = Children(tx, kMailbox, domain_name);
  if (!boxes) return Fail(boxes.error());
  auto forwarders = Children(tx, kForwarder, domain_name);
  if (!forwarders) return Fail(forwarders.error());
  if (boxes->empty() && forwarders->empty() && (*domain)->data.value("catch_all", "").empty()) {
    HP_TRY(tx.resources().Delete((*domain)->id));
    HP_TRY(Append(tx, tasks, (*domain)->node_id, Object(kMailDomain, domain_name),
                  protocol::kMailDomainRemove,
                  protocol::ToJson(protocol::MailDomainRemoval{domain_name, owner->login, true}),
                  change_id));
    return hosting::SyncZonesOf(tx, tasks, *owner, change_id, options, now_ms);
  }
  return SyncMailDomain(tx, tasks, **domain, *owner, change_id);
}

}  // namespace

// ---- mail ----

Result<Change<Resource>> HostingService::AddMailbox(const Actor& actor, const MailboxInput& in) {
  protocol::FieldErrors errors;
  auto address = CheckAddress("address", in.address, false, errors);
  // The password may be neither the address nor its local part (the login a client sends).
  const std::string local = in.address.substr(0, in.address.find('@'));
  auto password = protocol::CheckPassword(in.password, {in.address, local});
  if (!password) errors.Add("password", password.error());
  if (in.quota_mb && (*in.quota_mb < 1 || *in.quota_mb > protocol::kMaxQuotaMb)) {
    errors.Add("quota_mb",
               {"number.out_of_range",
                "The quota must be from 1 to " + std::to_string(protocol::kMaxQuotaMb) + " MB."});
  }
  if (in.customer) {
    if (auto c = protocol::CheckLoginGrammar(*in.customer); !c) errors.Add("customer", c.error());
  }
  if (!errors.empty()) return Fail(errors.ToError());
  auto hash = HashServicePassword(*password);  // slow on purpose: outside the write lock
  if (!hash) return Fail(hash.error());

  Change<Resource> change;
  HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
    HP_TRY(Authorize(actor, "mailbox.create", Object(kMailbox, address->text())));
    auto domain = EnsureMailDomain(tx, address->domain, in.customer, "address", options_);
    if (!domain) return Fail(domain.error());
    auto owner = OwnerOf(tx, *domain);
    if (!owner) return Fail(owner.error());
    auto plan = PlanOf(tx, *owner);
    if (!plan) return Fail(plan.error());
    HP_TRY(CheckAddressFree(tx, address->text()));
    HP_TRY(CheckLimit(tx, *owner, kMailbox, plan->max_mailboxes, "address", "plan.mailboxes_limit",
                      "mailboxes"));
    int64_t quota = in.quota_mb.value_or(plan->mailbox_quota_mb.value_or(kDefaultQuotaMb));
    if (plan->mailbox_quota_mb && quota > *plan->mailbox_quota_mb) {
      return Fail(FieldError(ErrorCode::kLimit, {{"quota_mb", "plan.mailbox_quota_limit"}},
                             "the plan allows mailboxes of " +
                                 std::to_string(*plan->mailbox_quota_mb) + " MB at most"));
    }
    Resource box;
    box.customer_id = owner->id;
    box.kind = kMailbox;
    box.name = address->text();
    box.parent = domain->name;
    box.node_id = domain->node_id;
    box.data = Json{{"password_hash", *hash}, {"quota_mb", quota}};
    auto inserted =
        hosting::InsertAudited(tx, actor, "mailbox.create", Object(kMailbox, box.name), box);
    if (!inserted) return Fail(inserted.error());
    change = std::move(*inserted);
    HP_TRY(SyncMailDomain(tx, change.tasks, *domain, *owner, change.change_id));
    return hosting::SyncZonesOf(tx, change.tasks, *owner, change.change_id, options_,
                                clock_.NowMillis());
  }));
  NotifyNodes(engine_, change.tasks);
  return change;
}

Result<Change<Resource>> HostingService::RemoveMailbox(const Actor& actor,
                                                       const std::string& address) {
  return RemoveChild(actor, kMailbox, address);
}

Result<Change<Resource>> HostingService::AddForwarder(const Actor& actor,
                                                      const ForwarderInput& in) {
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
  bool catch_all = address && address->local.empty();
  if (catch_all && targets.size() > 1) {
    errors.Add("targets", {"targets.too_many", "A catch-all forwards to exactly one address."});
  }
  if (in.customer) {
    if (auto c = protocol::CheckLoginGrammar(*in.customer); !c) errors.Add("customer", c.error());
  }
  if (!errors.empty()) return Fail(errors.ToError());
  std::string name = catch_all ? "@" + address->domain : address->text();

  Change<Resource> change;
  HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
    HP_TRY(Authorize(actor, "forwarder.create", Object(kForwarder, name)));
    auto domain = EnsureMailDomain(tx, address->domain, in.customer, "address", options_);
    if (!domain) return Fail(domain.error());
    auto owner = OwnerOf(tx, *domain);
    if (!owner) return Fail(owner.error());
    auto plan = PlanOf(tx, *owner);
    if (!plan) return Fail(plan.error());
    if (catch_all) {
      if (!domain->data.value("catch_all", "").empty()) {
        return Fail(FieldError(ErrorCode::kConflict, {{"address", "address.taken"}},
                               "'" + domain->name + "' has a catch-all already"));
      }
      Resource updated = *domain;
      updated.data["catch_all"] = targets.front();
      HP_TRY(tx.resources().Update(updated));
      auto audit = tx.audit().Append({actor.name, "forwarder.create", Object(kForwarder, name),
                                      ToJson(*domain), ToJson(updated)});
      if (!audit) return Fail(audit.error());
      change = Change<Resource>{updated, {}, *audit};
      HP_TRY(SyncMailDomain(tx, change.tasks, updated, *owner, *audit));
      return hosting::SyncZonesOf(tx, change.tasks, *owner, *audit, options_, clock_.NowMillis());
    }
    HP_TRY(CheckAddressFree(tx, name));
    HP_TRY(CheckLimit(tx, *owner, kForwarder, plan->max_forwarders, "address",
                      "plan.forwarders_limit", "forwarders"));
    Resource fwd;
    fwd.customer_id = owner->id;
    fwd.kind = kForwarder;
    fwd.name = name;
    fwd.parent = domain->name;
    fwd.node_id = domain->node_id;
    fwd.data = Json{{"targets", targets}};
    auto inserted =
        hosting::InsertAudited(tx, actor, "forwarder.create", Object(kForwarder, name), fwd);
    if (!inserted) return Fail(inserted.error());
    change = std::move(*inserted);
    HP_TRY(SyncMailDomain(tx, change.tasks, *domain, *owner, change.change_id));
    return hosting::SyncZonesOf(tx, change.tasks, *owner, change.change_id, options_,
                                clock_.NowMillis());
  }));
  NotifyNodes(engine_, change.tasks);
  return change;
}

Result<Change<Resource>> HostingService::RemoveForwarder(const Actor& actor,
                                                         const std::string& address) {
  if (address.starts_with("@")) {
    auto domain = protocol::CheckDomain(address.substr(1));
    if (!domain) return Fail(Error::NotFound(NotFoundMessage("forwarder", address)));
    Change<Resource> change;
    HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
      HP_TRY(Authorize(actor, "forwarder.remove", Object(kForwarder, "@" + *domain)));
      auto found = tx.resources().Find(kMailDomain, *domain);
      if (!found) return Fail(found.error());
      if (!*found || (*found)->data.value("catch_all", "").empty()) {
        return Fail(Error::NotFound(NotFoundMessage("forwarder", "@" + *domain)));
      }
      Resource updated = **found;
      updated.data["catch_all"] = "";
      HP_TRY(tx.resources().Update(updated));
      auto audit =
          tx.audit().Append({actor.name, "forwarder.remove", Object(kForwarder, "@" + *domain),
                             ToJson(**found), ToJson(updated)});
      if (!audit) return Fail(audit.error());
      change = Change<Resource>{updated, {}, *audit};
      return SyncOrDropMailDomain(tx, change.tasks, *domain, *audit, options_, clock_.NowMillis());
    }));
    NotifyNodes(engine_, change.tasks);
    return change;
  }
  return RemoveChild(actor, kForwarder, address);
}

// Removes a mailbox or forwarder and re-sends (or removes) its domain.
Result<Change<Resource>> HostingService::RemoveChild(const Actor& actor, const char* kind,
                                                     const std::string& address) {
  protocol::FieldErrors errors;
  auto parsed = CheckAddress("address", address, false, errors);
  if (!parsed) return Fail(Error::NotFound(NotFoundMessage(kind, address)));
  Change<Resource> change;
  HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
    HP_TRY(Authorize(actor, std::string(kind) + ".remove", Object(kind, parsed->text())));
    auto found = tx.resources().Find(kind, parsed->text());
    if (!found) return Fail(found.error());
    if (!*found) return Fail(Error::NotFound(NotFoundMessage(kind, parsed->text())));
    HP_TRY(tx.resources().Delete((*found)->id));
    auto audit = tx.audit().Append({actor.name, std::string(kind) + ".remove",
                                    Object(kind, parsed->text()), ToJson(**found), nullptr});
    if (!audit) return Fail(audit.error());
    change = Change<Resource>{**found, {}, *audit};
    return SyncOrDropMailDomain(tx, change.tasks, (*found)->parent, *audit, options_,
                                clock_.NowMillis());
  }));
  NotifyNodes(engine_, change.tasks);
  return change;
}

Status HostingService::SyncMailDomainOf(StoreTxn& tx, std::vector<TaskRecord>& tasks,
                                        const Resource& domain, const Customer& owner,
                                        int64_t change_id) {
  return SyncMailDomain(tx, tasks, domain, owner, change_id);
}

Status HostingService::MarkMailDomainMoving(StoreTxn& tx, std::vector<TaskRecord>& tasks,
                                            const Resource& domain, const Customer& owner,
                                            int64_t node_id, int64_t change_id) {
  auto spec = MailDomainSpec(tx, domain, owner);
  if (!spec) return Fail(spec.error());
  (*spec)["status"] = Name(ServiceStatus::kMoving);
  return Append(tx, tasks, node_id, Object(kMailDomain, domain.name), protocol::kMailDomainEnsure,
                *spec, change_id);
}

}  // namespace hostplane::controller
