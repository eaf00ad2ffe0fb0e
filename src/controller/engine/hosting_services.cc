// HostingService: the services beside sites (mail, FTP, DNS, databases, certificates). Each is a
// Resource row (store.h) and, on its node, the object of one level-triggered task:
//   mailbox / forwarder -> maildomain.ensure of their domain (the whole domain in one spec)
//   record              -> zone.ensure of their zone (the whole zone, serial increased)
//   ftpuser, database, cert -> their own ensure/remove task
// The specs are the contract of src/protocol/*_spec.h, re-validated by the agent.

#include <algorithm>
#include <ctime>
#include <set>
#include <utility>

#include "common/passwd/service_password.h"
#include "controller/engine/hosting_service.h"
#include "controller/engine/hosting_support.h"
#include "controller/engine/task_engine.h"
#include "controller/store/entity_json.h"
#include "protocol/database_spec.h"
#include "protocol/ftp_spec.h"
#include "protocol/messages.h"
#include "protocol/validate.h"
#include "protocol/zone_spec.h"

namespace hostplane::controller {
namespace {

using hosting::Append;
using hosting::Authorize;
using hosting::CustomerObject;
using hosting::FieldError;
using hosting::NotFoundField;
using hosting::NotFoundMessage;
using hosting::NotifyNodes;

constexpr const char* kMailDomain = "maildomain";
constexpr const char* kMailbox = "mailbox";
constexpr const char* kForwarder = "forwarder";
constexpr const char* kZone = "zone";
constexpr const char* kRecord = "record";
constexpr const char* kFtpUser = "ftpuser";
constexpr const char* kDatabase = "database";
constexpr const char* kCert = "cert";
constexpr int64_t kDefaultQuotaMb = 1024;
constexpr int64_t kMaxQuotaMb = 1'048'576;
constexpr size_t kMaxTargets = 50;

std::string Object(const char* kind, const std::string& name) {
  return std::string(kind) + ":" + name;
}

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

Result<Customer> RequireCustomer(StoreTxn& tx, const std::string& login) {
  auto c = tx.FindCustomer(login);
  if (!c) return Fail(c.error());
  if (!*c) return Fail(NotFoundField("customer", "customer", login));
  return **c;
}

Result<Customer> OwnerOf(StoreTxn& tx, const Resource& r) {
  auto c = tx.FindCustomerById(r.customer_id);
  if (!c) return Fail(c.error());
  if (!*c) return Fail(Error::Internal("the owner of " + r.kind + " '" + r.name + "' vanished"));
  return **c;
}

Result<Plan> PlanOf(StoreTxn& tx, const Customer& c) {
  auto p = tx.FindPlanById(c.plan_id);
  if (!p) return Fail(p.error());
  if (!*p) return Fail(Error::Internal("the plan of '" + c.login + "' vanished"));
  return **p;
}

// kLimit when the customer has `limit` or more resources of kind already.
Status CheckLimit(StoreTxn& tx, const Customer& c, const char* kind, const Limit& limit,
                  const std::string& field, const char* code, const char* what) {
  if (!limit) return Ok();
  auto count = tx.CountResources(kind, c.id);
  if (!count) return Fail(count.error());
  if (*count < *limit) return Ok();
  return Fail(FieldError(ErrorCode::kLimit, {{field, code}},
                         "the plan allows " + std::to_string(*limit) + " " + what));
}

// A domain a customer may use for mail or DNS: not another customer's site, zone or mail domain,
// nor under one of them.
Status CheckDomainIsTheirs(StoreTxn& tx, const Customer& c, const std::string& domain,
                           const std::string& field) {
  std::vector<std::string> names = {domain};
  for (size_t dot = domain.find('.'); dot != std::string::npos; dot = domain.find('.', dot + 1)) {
    std::string parent = domain.substr(dot + 1);
    if (parent.find('.') == std::string::npos) break;
    names.push_back(parent);
  }
  for (const auto& name : names) {
    auto site = tx.FindSiteByName(name);
    if (!site) return Fail(site.error());
    bool other = *site && (*site)->customer_id != c.id;
    for (const char* kind : {kZone, kMailDomain}) {
      if (other) break;
      auto r = tx.FindResource(kind, name);
      if (!r) return Fail(r.error());
      other = *r && (*r)->customer_id != c.id;
    }
    if (other) {
      return Fail(FieldError(ErrorCode::kConflict, {{field, "domain.owned_by_other_customer"}},
                             "'" + name + "' belongs to another customer"));
    }
  }
  return Ok();
}

Result<std::vector<Resource>> Children(StoreTxn& tx, const char* kind, const std::string& parent) {
  ResourceFilter f;
  f.kind = kind;
  f.parent = parent;
  return tx.ListResources(f);
}

// maildomain.ensure: every mailbox and forwarder of the domain.
Result<Json> MailDomainSpec(StoreTxn& tx, const Resource& domain, const Customer& owner) {
  auto boxes = Children(tx, kMailbox, domain.name);
  if (!boxes) return Fail(boxes.error());
  auto forwarders = Children(tx, kForwarder, domain.name);
  if (!forwarders) return Fail(forwarders.error());
  Json j{{"domain", domain.name},
         {"account", owner.login},
         {"status", hosting::SpecStatus(owner)},
         {"mailboxes", Json::array()},
         {"forwarders", Json::array()},
         {"catch_all", domain.data.value("catch_all", "")}};
  for (const auto& b : *boxes) {
    j["mailboxes"].push_back({{"local", b.name.substr(0, b.name.rfind('@'))},
                              {"password_hash", b.data.value("password_hash", "")},
                              {"quota_mb", b.data.value("quota_mb", kDefaultQuotaMb)}});
  }
  for (const auto& f : *forwarders) {
    j["forwarders"].push_back(
        {{"local", f.name.substr(0, f.name.rfind('@'))}, {"targets", f.data.at("targets")}});
  }
  return j;
}

Status SyncMailDomain(StoreTxn& tx, std::vector<TaskRecord>& tasks, const Resource& domain,
                      const Customer& owner, int64_t change_id) {
  auto spec = MailDomainSpec(tx, domain, owner);
  if (!spec) return Fail(spec.error());
  return Append(tx, tasks, domain.node_id, Object(kMailDomain, domain.name), "maildomain.ensure",
                *spec, change_id);
}

// The mail domain of address, created (placed on the least loaded mail node) when absent.
Result<Resource> EnsureMailDomain(StoreTxn& tx, const std::string& domain,
                                  const std::optional<std::string>& customer_login,
                                  const std::string& field) {
  auto existing = tx.FindResource(kMailDomain, domain);
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
  HP_TRY(CheckDomainIsTheirs(tx, *c, domain, field));
  auto counts = tx.ResourceCountByNode(kMailDomain);
  if (!counts) return Fail(counts.error());
  auto node = hosting::PlaceOnRole(tx, "mail", *counts, field);
  if (!node) return Fail(node.error());
  Resource r;
  r.customer_id = c->id;
  r.kind = kMailDomain;
  r.name = domain;
  r.node_id = node->id;
  r.data = Json{{"catch_all", ""}};
  return tx.InsertResource(r);
}

// Removes the mail domain when it has nothing left; otherwise re-sends it.
Status SyncOrDropMailDomain(StoreTxn& tx, std::vector<TaskRecord>& tasks,
                            const std::string& domain_name, int64_t change_id,
                            const HostingOptions& options, int64_t now_ms) {
  auto domain = tx.FindResource(kMailDomain, domain_name);
  if (!domain) return Fail(domain.error());
  if (!*domain) return Ok();
  auto owner = OwnerOf(tx, **domain);
  if (!owner) return Fail(owner.error());
  auto boxes = Children(tx, kMailbox, domain_name);
  if (!boxes) return Fail(boxes.error());
  auto forwarders = Children(tx, kForwarder, domain_name);
  if (!forwarders) return Fail(forwarders.error());
  if (boxes->empty() && forwarders->empty() && (*domain)->data.value("catch_all", "").empty()) {
    HP_TRY(tx.DeleteResource((*domain)->id));
    HP_TRY(
        Append(tx, tasks, (*domain)->node_id, Object(kMailDomain, domain_name), "maildomain.remove",
               Json{{"domain", domain_name}, {"account", owner->login}, {"remove_content", true}},
               change_id));
    return hosting::SyncZonesOf(tx, tasks, *owner, change_id, options, now_ms);
  }
  return SyncMailDomain(tx, tasks, **domain, *owner, change_id);
}

// "ns1.acme.example" style names are kept absolute with a trailing dot in records.
std::string Absolute(const std::string& name) {
  return name.empty() || name.back() == '.' ? name : name + ".";
}

// The name of `fqdn` relative to zone ("@" for the apex), or nullopt when it is outside.
std::optional<std::string> RelativeTo(const std::string& fqdn, const std::string& zone) {
  if (fqdn == zone) return std::string("@");
  if (fqdn.size() > zone.size() + 1 && fqdn.ends_with("." + zone)) {
    return fqdn.substr(0, fqdn.size() - zone.size() - 1);
  }
  return std::nullopt;
}

Result<std::optional<Node>> NodeById(StoreTxn& tx, int64_t id) {
  auto nodes = tx.ListNodes();
  if (!nodes) return Fail(nodes.error());
  for (const auto& n : *nodes) {
    if (n.id == id) return std::optional<Node>(n);
  }
  return std::optional<Node>();
}

// Default records of a zone: NS (with glue when the name server is inside the zone), A/AAAA of
// the customer's sites inside the zone, MX + SPF + the mail host for its mail domains.
Result<Json> DefaultRecords(StoreTxn& tx, const Resource& zone, const Customer& owner,
                            const HostingOptions& options) {
  Json records = Json::array();
  auto add = [&](const std::string& name, const char* type, const std::string& value) {
    records.push_back(
        {{"name", name}, {"type", type}, {"ttl", options.default_ttl}, {"value", value}});
  };
  auto address_records = [&](const std::string& name, const Node& n) {
    if (!n.ipv4.empty()) add(name, "A", n.ipv4);
    if (!n.ipv6.empty()) add(name, "AAAA", n.ipv6);
  };
  std::vector<std::string> nameservers = options.nameservers;
  if (nameservers.empty()) {
    nameservers.push_back("ns1." + zone.name);
    auto dns = NodeById(tx, zone.node_id);
    if (!dns) return Fail(dns.error());
    if (*dns) address_records("ns1", **dns);
  }
  for (const auto& ns : nameservers) add("@", "NS", Absolute(ns));

  auto sites = tx.SitesOfCustomer(owner.id);
  if (!sites) return Fail(sites.error());
  std::set<std::string> named;
  for (const auto& s : *sites) {
    auto node = NodeById(tx, s.node_id);
    if (!node) return Fail(node.error());
    if (!*node) continue;
    std::vector<std::string> names = s.aliases;
    names.push_back(s.domain);
    for (const auto& n : names) {
      auto rel = RelativeTo(n, zone.name);
      if (rel && named.insert(*rel).second) address_records(*rel, **node);
    }
  }
  ResourceFilter f;
  f.kind = kMailDomain;
  f.customer_id = owner.id;
  auto mail = tx.ListResources(f);
  if (!mail) return Fail(mail.error());
  bool mail_host = false;
  for (const auto& m : *mail) {
    auto rel = RelativeTo(m.name, zone.name);
    if (!rel) continue;
    add(*rel, "MX", "10 " + Absolute("mail." + zone.name));
    add(*rel, "TXT", "v=spf1 mx -all");
    if (!mail_host && named.count("mail") == 0) {
      auto node = NodeById(tx, m.node_id);
      if (!node) return Fail(node.error());
      if (*node) address_records("mail", **node);
      mail_host = true;
    }
  }
  return records;
}

Result<Json> ZoneSpec(StoreTxn& tx, const Resource& zone, const Customer& owner,
                      const HostingOptions& options) {
  auto records = DefaultRecords(tx, zone, owner, options);
  if (!records) return Fail(records.error());
  auto own = Children(tx, kRecord, zone.name);
  if (!own) return Fail(own.error());
  for (const auto& r : *own) {
    records->push_back({{"name", r.data.at("name")},
                        {"type", r.data.at("type")},
                        {"ttl", r.data.at("ttl")},
                        {"value", r.data.at("value")}});
  }
  std::string mname = options.nameservers.empty() ? "ns1." + zone.name : options.nameservers[0];
  return Json{{"zone", zone.name},
              {"account", owner.login},
              {"serial", zone.data.value("serial", int64_t{1})},
              {"default_ttl", options.default_ttl},
              {"soa",
               {{"mname", mname},  // SOA names without the trailing dot (zone_spec.h)
                {"rname", "hostmaster." + zone.name},
                {"refresh", 3600},
                {"retry", 600},
                {"expire", 1209600},
                {"minimum", 300}}},
              {"records", *records}};
}

// The next serial: YYYYMMDDnn of today, or one more than the last, whichever is larger.
int64_t NextSerial(int64_t last, int64_t now_ms) {
  std::time_t t = static_cast<std::time_t>(now_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  int64_t today =
      (static_cast<int64_t>(tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday) * 100;
  return std::min<int64_t>(std::max(today, last + 1), 4294967295);
}

Status SyncZone(StoreTxn& tx, std::vector<TaskRecord>& tasks, Resource zone, const Customer& owner,
                int64_t change_id, const HostingOptions& options, int64_t now_ms) {
  zone.data["serial"] = NextSerial(zone.data.value("serial", int64_t{0}), now_ms);
  HP_TRY(tx.UpdateResource(zone));
  auto spec = ZoneSpec(tx, zone, owner, options);
  if (!spec) return Fail(spec.error());
  return Append(tx, tasks, zone.node_id, Object(kZone, zone.name), "zone.ensure", *spec, change_id);
}

// The whole zone (defaults + the customer's records + one candidate) through the zone checker.
Status CheckZoneWith(StoreTxn& tx, const Resource& zone, const Customer& owner,
                     const HostingOptions& options, const std::optional<Json>& extra) {
  auto spec = ZoneSpec(tx, zone, owner, options);
  if (!spec) return Fail(spec.error());
  if (extra) (*spec)["records"].push_back(*extra);
  auto decoded = protocol::ZoneSpecFromJson(*spec);
  if (!decoded) {
    Error e = decoded.error();
    std::map<std::string, std::string> fields;
    for (const auto& [path, code] : e.fields)
      fields[path.rfind("records", 0) == 0 ? "value" : path] = code;
    e.fields = fields;
    return Fail(e);
  }
  return Ok();
}

Json CertSpec(const Site& site, const Customer& owner, const HostingOptions& options) {
  return Json{
      {"domain", site.domain},
      {"aliases", site.aliases},
      {"account", owner.login},
      {"directory_url", options.acme_directory},
      {"email", options.acme_email.empty() ? "hostmaster@" + site.domain : options.acme_email},
      {"renew_before_days", options.renew_before_days}};
}

// The node serving the customer's web content (its first site's), else the least loaded web node.
Result<Node> WebNodeOf(StoreTxn& tx, const Customer& c, const std::string& field) {
  auto sites = tx.SitesOfCustomer(c.id);
  if (!sites) return Fail(sites.error());
  if (!sites->empty()) {
    auto node = NodeById(tx, sites->front().node_id);
    if (!node) return Fail(node.error());
    if (*node) return **node;
  }
  auto counts = tx.SiteCountByNode();
  if (!counts) return Fail(counts.error());
  return hosting::PlaceOnRole(tx, "web", *counts, field);
}

Result<std::string> HashFor(const std::string& password) {
  auto hash = HashServicePassword(password);
  if (!hash) return Fail(hash.error());
  return *hash;
}

}  // namespace

namespace hosting {

Status SyncZonesOf(StoreTxn& tx, std::vector<TaskRecord>& tasks, const Customer& c,
                   int64_t change_id, const HostingOptions& options, int64_t now_ms) {
  ResourceFilter f;
  f.kind = kZone;
  f.customer_id = c.id;
  auto zones = tx.ListResources(f);
  if (!zones) return Fail(zones.error());
  for (const auto& z : *zones) {
    HP_TRY(SyncZone(tx, tasks, z, c, change_id, options, now_ms));
  }
  return Ok();
}

}  // namespace hosting

// ---- mail ----

Result<Change<Resource>> HostingService::AddMailbox(const Actor& actor, const MailboxInput& in) {
  protocol::FieldErrors errors;
  auto address = CheckAddress("address", in.address, false, errors);
  auto password = protocol::CheckPassword(in.password);
  if (!password) errors.Add("password", password.error());
  if (in.quota_mb && (*in.quota_mb < 1 || *in.quota_mb > kMaxQuotaMb)) {
    errors.Add("quota_mb", {"number.out_of_range",
                            "The quota must be from 1 to " + std::to_string(kMaxQuotaMb) + " MB."});
  }
  if (in.customer) {
    if (auto c = protocol::CheckLogin(*in.customer); !c) errors.Add("customer", c.error());
  }
  if (!errors.empty()) return Fail(errors.ToError());
  auto hash = HashFor(*password);  // slow on purpose: outside the write lock
  if (!hash) return Fail(hash.error());

  Change<Resource> change;
  HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
    HP_TRY(Authorize(actor, "mailbox.create", Object(kMailbox, address->text())));
    auto domain = EnsureMailDomain(tx, address->domain, in.customer, "address");
    if (!domain) return Fail(domain.error());
    auto owner = OwnerOf(tx, *domain);
    if (!owner) return Fail(owner.error());
    auto plan = PlanOf(tx, *owner);
    if (!plan) return Fail(plan.error());
    for (const char* kind : {kMailbox, kForwarder}) {
      auto taken = tx.FindResource(kind, address->text());
      if (!taken) return Fail(taken.error());
      if (*taken) {
        return Fail(FieldError(ErrorCode::kConflict, {{"address", "address.taken"}},
                               "'" + address->text() + "' exists already"));
      }
    }
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
    auto stored = tx.InsertResource(box);
    if (!stored) return Fail(stored.error());
    auto audit = tx.Audit(actor.name, "mailbox.create", Object(kMailbox, stored->name), nullptr,
                          ToJson(*stored));
    if (!audit) return Fail(audit.error());
    change = Change<Resource>{*stored, {}, *audit};
    HP_TRY(SyncMailDomain(tx, change.tasks, *domain, *owner, *audit));
    return hosting::SyncZonesOf(tx, change.tasks, *owner, *audit, options_, clock_.NowMillis());
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
  } else if (in.targets.size() > kMaxTargets) {
    errors.Add("targets", {"targets.too_many", "A forwarder has at most 50 targets."});
  }
  for (size_t i = 0; i < in.targets.size() && i < kMaxTargets; ++i) {
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
    if (auto c = protocol::CheckLogin(*in.customer); !c) errors.Add("customer", c.error());
  }
  if (!errors.empty()) return Fail(errors.ToError());
  std::string name = catch_all ? "@" + address->domain : address->text();

  Change<Resource> change;
  HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
    HP_TRY(Authorize(actor, "forwarder.create", Object(kForwarder, name)));
    auto domain = EnsureMailDomain(tx, address->domain, in.customer, "address");
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
      HP_TRY(tx.UpdateResource(updated));
      auto audit = tx.Audit(actor.name, "forwarder.create", Object(kForwarder, name),
                            ToJson(*domain), ToJson(updated));
      if (!audit) return Fail(audit.error());
      change = Change<Resource>{updated, {}, *audit};
      HP_TRY(SyncMailDomain(tx, change.tasks, updated, *owner, *audit));
      return hosting::SyncZonesOf(tx, change.tasks, *owner, *audit, options_, clock_.NowMillis());
    }
    for (const char* kind : {kMailbox, kForwarder}) {
      auto taken = tx.FindResource(kind, name);
      if (!taken) return Fail(taken.error());
      if (*taken) {
        return Fail(FieldError(ErrorCode::kConflict, {{"address", "address.taken"}},
                               "'" + name + "' exists already"));
      }
    }
    HP_TRY(CheckLimit(tx, *owner, kForwarder, plan->max_forwarders, "address",
                      "plan.forwarders_limit", "forwarders"));
    Resource fwd;
    fwd.customer_id = owner->id;
    fwd.kind = kForwarder;
    fwd.name = name;
    fwd.parent = domain->name;
    fwd.node_id = domain->node_id;
    fwd.data = Json{{"targets", targets}};
    auto stored = tx.InsertResource(fwd);
    if (!stored) return Fail(stored.error());
    auto audit = tx.Audit(actor.name, "forwarder.create", Object(kForwarder, name), nullptr,
                          ToJson(*stored));
    if (!audit) return Fail(audit.error());
    change = Change<Resource>{*stored, {}, *audit};
    HP_TRY(SyncMailDomain(tx, change.tasks, *domain, *owner, *audit));
    return hosting::SyncZonesOf(tx, change.tasks, *owner, *audit, options_, clock_.NowMillis());
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
      auto found = tx.FindResource(kMailDomain, *domain);
      if (!found) return Fail(found.error());
      if (!*found || (*found)->data.value("catch_all", "").empty()) {
        return Fail(Error::NotFound(NotFoundMessage("forwarder", "@" + *domain)));
      }
      Resource updated = **found;
      updated.data["catch_all"] = "";
      HP_TRY(tx.UpdateResource(updated));
      auto audit = tx.Audit(actor.name, "forwarder.remove", Object(kForwarder, "@" + *domain),
                            ToJson(**found), ToJson(updated));
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
    auto found = tx.FindResource(kind, parsed->text());
    if (!found) return Fail(found.error());
    if (!*found) return Fail(Error::NotFound(NotFoundMessage(kind, parsed->text())));
    HP_TRY(tx.DeleteResource((*found)->id));
    auto audit = tx.Audit(actor.name, std::string(kind) + ".remove", Object(kind, parsed->text()),
                          ToJson(**found), nullptr);
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

// ---- FTP ----

Result<Change<Resource>> HostingService::AddFtpUser(const Actor& actor, const FtpUserInput& in) {
  protocol::FieldErrors errors;
  auto login = protocol::CheckLogin(in.customer);
  if (!login) errors.Add("customer", login.error());
  std::string user;
  if (login) {
    auto u = protocol::CheckFtpUserName(*login, in.user);
    if (u) {
      user = *u;
    } else {
      errors.Add("user", u.error());
    }
  }
  std::string home;
  if (!in.home.empty()) {
    auto h = protocol::CheckRelativePath(in.home);
    if (h) {
      home = *h;
    } else {
      errors.Add("home", h.error());
    }
  }
  auto password = protocol::CheckPassword(in.password);
  if (!password) errors.Add("password", password.error());
  if (!errors.empty()) return Fail(errors.ToError());
  auto hash = HashFor(*password);
  if (!hash) return Fail(hash.error());

  Change<Resource> change;
  HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
    HP_TRY(Authorize(actor, "ftpuser.create", Object(kFtpUser, user)));
    auto owner = RequireCustomer(tx, *login);
    if (!owner) return Fail(owner.error());
    auto plan = PlanOf(tx, *owner);
    if (!plan) return Fail(plan.error());
    auto taken = tx.FindResource(kFtpUser, user);
    if (!taken) return Fail(taken.error());
    if (*taken) {
      return Fail(FieldError(ErrorCode::kConflict, {{"user", "ftp.taken"}},
                             "the FTP user '" + user + "' exists"));
    }
    HP_TRY(CheckLimit(tx, *owner, kFtpUser, plan->max_ftp_users, "user", "plan.ftp_users_limit",
                      "FTP users"));
    auto node = WebNodeOf(tx, *owner, "user");
    if (!node) return Fail(node.error());
    Resource r;
    r.customer_id = owner->id;
    r.kind = kFtpUser;
    r.name = user;
    r.node_id = node->id;
    r.data = Json{{"home", home}, {"password_hash", *hash}};
    auto stored = tx.InsertResource(r);
    if (!stored) return Fail(stored.error());
    auto audit =
        tx.Audit(actor.name, "ftpuser.create", Object(kFtpUser, user), nullptr, ToJson(*stored));
    if (!audit) return Fail(audit.error());
    change = Change<Resource>{*stored, {}, *audit};
    HP_TRY(hosting::SyncAccount(tx, change.tasks, *owner, node->id, *audit));
    return Append(tx, change.tasks, node->id, Object(kFtpUser, user), "ftpuser.ensure",
                  FtpUserSpec(*stored, *owner), *audit);
  }));
  NotifyNodes(engine_, change.tasks);
  return change;
}

Json HostingService::FtpUserSpec(const Resource& r, const Customer& owner) {
  return Json{{"user", r.name},
              {"account", owner.login},
              {"uid", owner.uid},
              {"gid", owner.uid},
              {"home", r.data.value("home", "")},
              {"password_hash", r.data.value("password_hash", "")},
              {"status", hosting::SpecStatus(owner)}};
}

Result<Change<Resource>> HostingService::RemoveFtpUser(const Actor& actor,
                                                       const std::string& user) {
  return RemoveSimple(actor, kFtpUser, user, "ftpuser.remove");
}

// ---- databases ----

Result<Change<Resource>> HostingService::AddDatabase(const Actor& actor, const DatabaseInput& in) {
  protocol::FieldErrors errors;
  auto login = protocol::CheckLogin(in.customer);
  if (!login) errors.Add("customer", login.error());
  std::string name;
  if (login) {
    auto n = protocol::CheckDatabaseName(*login, in.name);
    if (n) {
      name = *n;
    } else {
      errors.Add("name", n.error());
    }
  }
  auto password = protocol::CheckPassword(in.password);
  if (!password) errors.Add("password", password.error());
  if (!errors.empty()) return Fail(errors.ToError());
  auto hashed = protocol::MysqlNativePasswordHash(*password);
  if (!hashed) return Fail(hashed.error());
  const std::string hash = *hashed;

  Change<Resource> change;
  HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
    HP_TRY(Authorize(actor, "database.create", Object(kDatabase, name)));
    auto owner = RequireCustomer(tx, *login);
    if (!owner) return Fail(owner.error());
    auto plan = PlanOf(tx, *owner);
    if (!plan) return Fail(plan.error());
    auto taken = tx.FindResource(kDatabase, name);
    if (!taken) return Fail(taken.error());
    if (*taken) {
      return Fail(FieldError(ErrorCode::kConflict, {{"name", "db.taken"}},
                             "the database '" + name + "' exists"));
    }
    HP_TRY(CheckLimit(tx, *owner, kDatabase, plan->max_databases, "name", "plan.databases_limit",
                      "databases"));
    auto counts = tx.ResourceCountByNode(kDatabase);
    if (!counts) return Fail(counts.error());
    auto node = hosting::PlaceOnRole(tx, "db", *counts, "name");
    if (!node) return Fail(node.error());
    Resource r;
    r.customer_id = owner->id;
    r.kind = kDatabase;
    r.name = name;
    r.node_id = node->id;
    r.data = Json{{"password_hash", hash}};
    auto stored = tx.InsertResource(r);
    if (!stored) return Fail(stored.error());
    auto audit =
        tx.Audit(actor.name, "database.create", Object(kDatabase, name), nullptr, ToJson(*stored));
    if (!audit) return Fail(audit.error());
    change = Change<Resource>{*stored, {}, *audit};
    return Append(tx, change.tasks, node->id, Object(kDatabase, name), "database.ensure",
                  DatabaseSpec(*stored, *owner), *audit);
  }));
  NotifyNodes(engine_, change.tasks);
  return change;
}

Json HostingService::DatabaseSpec(const Resource& r, const Customer& owner) {
  return Json{{"name", r.name},
              {"account", owner.login},
              {"password_hash", r.data.value("password_hash", "")},
              {"status", hosting::SpecStatus(owner)}};
}

Result<Change<Resource>> HostingService::RemoveDatabase(const Actor& actor,
                                                        const std::string& name) {
  return RemoveSimple(actor, kDatabase, name, "database.remove");
}

// Removes an FTP user, a database or a certificate: one object, one remove task.
Result<Change<Resource>> HostingService::RemoveSimple(const Actor& actor, const char* kind,
                                                      const std::string& name,
                                                      const char* task_kind) {
  Change<Resource> change;
  HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
    HP_TRY(Authorize(actor, std::string(kind) + ".remove", Object(kind, name)));
    auto found = tx.FindResource(kind, name);
    if (!found) return Fail(found.error());
    if (!*found) return Fail(Error::NotFound(NotFoundMessage(kind, name)));
    auto owner = OwnerOf(tx, **found);
    if (!owner) return Fail(owner.error());
    HP_TRY(tx.DeleteResource((*found)->id));
    auto audit = tx.Audit(actor.name, std::string(kind) + ".remove", Object(kind, name),
                          ToJson(**found), nullptr);
    if (!audit) return Fail(audit.error());
    change = Change<Resource>{**found, {}, *audit};
    Json spec = RemovalSpecOf(**found, *owner);
    return Append(tx, change.tasks, (*found)->node_id, Object(kind, name), task_kind, spec, *audit);
  }));
  NotifyNodes(engine_, change.tasks);
  return change;
}

Json HostingService::RemovalSpecOf(const Resource& r, const Customer& owner) {
  if (r.kind == kFtpUser) return Json{{"user", r.name}, {"account", owner.login}};
  if (r.kind == kDatabase) return Json{{"name", r.name}, {"account", owner.login}};
  if (r.kind == kCert) return Json{{"domain", r.name}, {"account", owner.login}};
  if (r.kind == kZone) return Json{{"zone", r.name}, {"account", owner.login}};
  return Json{{"domain", r.name}, {"account", owner.login}, {"remove_content", true}};
}

// ---- DNS ----

Result<Change<Resource>> HostingService::AddZone(const Actor& actor, const ZoneInput& in) {
  protocol::FieldErrors errors;
  auto zone = protocol::CheckDomain(in.zone);
  if (!zone) errors.Add("zone", zone.error());
  auto login = protocol::CheckLogin(in.customer);
  if (!login) errors.Add("customer", login.error());
  if (!errors.empty()) return Fail(errors.ToError());

  Change<Resource> change;
  HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
    HP_TRY(Authorize(actor, "zone.create", Object(kZone, *zone)));
    auto owner = RequireCustomer(tx, *login);
    if (!owner) return Fail(owner.error());
    auto plan = PlanOf(tx, *owner);
    if (!plan) return Fail(plan.error());
    auto taken = tx.FindResource(kZone, *zone);
    if (!taken) return Fail(taken.error());
    if (*taken) {
      return Fail(FieldError(ErrorCode::kConflict, {{"zone", "zone.taken"}},
                             "the zone '" + *zone + "' exists"));
    }
    HP_TRY(CheckDomainIsTheirs(tx, *owner, *zone, "zone"));
    HP_TRY(CheckLimit(tx, *owner, kZone, plan->max_dns_zones, "zone", "plan.dns_zones_limit",
                      "DNS zones"));
    auto counts = tx.ResourceCountByNode(kZone);
    if (!counts) return Fail(counts.error());
    auto node = hosting::PlaceOnRole(tx, "dns", *counts, "zone");
    if (!node) return Fail(node.error());
    Resource r;
    r.customer_id = owner->id;
    r.kind = kZone;
    r.name = *zone;
    r.node_id = node->id;
    r.data = Json{{"serial", 0}};
    auto stored = tx.InsertResource(r);
    if (!stored) return Fail(stored.error());
    auto audit =
        tx.Audit(actor.name, "zone.create", Object(kZone, *zone), nullptr, ToJson(*stored));
    if (!audit) return Fail(audit.error());
    change = Change<Resource>{*stored, {}, *audit};
    return SyncZone(tx, change.tasks, *stored, *owner, *audit, options_, clock_.NowMillis());
  }));
  NotifyNodes(engine_, change.tasks);
  return change;
}

Result<Change<Resource>> HostingService::RemoveZone(const Actor& actor, const std::string& zone) {
  auto canonical = protocol::CheckDomain(zone);
  if (!canonical) return Fail(Error::NotFound(NotFoundMessage("zone", zone)));
  Change<Resource> change;
  HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
    HP_TRY(Authorize(actor, "zone.remove", Object(kZone, *canonical)));
    auto found = tx.FindResource(kZone, *canonical);
    if (!found) return Fail(found.error());
    if (!*found) return Fail(Error::NotFound(NotFoundMessage("zone", *canonical)));
    auto owner = OwnerOf(tx, **found);
    if (!owner) return Fail(owner.error());
    auto records = Children(tx, kRecord, *canonical);
    if (!records) return Fail(records.error());
    for (const auto& r : *records) HP_TRY(tx.DeleteResource(r.id));
    HP_TRY(tx.DeleteResource((*found)->id));
    auto audit =
        tx.Audit(actor.name, "zone.remove", Object(kZone, *canonical), ToJson(**found), nullptr);
    if (!audit) return Fail(audit.error());
    change = Change<Resource>{**found, {}, *audit};
    return Append(tx, change.tasks, (*found)->node_id, Object(kZone, *canonical), "zone.remove",
                  RemovalSpecOf(**found, *owner), *audit);
  }));
  NotifyNodes(engine_, change.tasks);
  return change;
}

// The record's canonical form, through the same grammar the agent applies.
Result<Json> HostingService::CheckRecordInput(const RecordInput& in, std::string* zone_out) {
  protocol::FieldErrors errors;
  auto zone = protocol::CheckDomain(in.zone);
  if (!zone) {
    errors.Add("zone", zone.error());
    return Fail(errors.ToError());
  }
  *zone_out = *zone;
  int64_t ttl = in.ttl.value_or(options_.default_ttl);
  auto record = protocol::CheckDnsRecord(*zone, in.name, in.type, in.value, ttl);
  if (!record) {
    const auto& v = record.error();
    std::string field = "value";
    if (v.code.rfind("record.name", 0) == 0) field = "name";
    if (v.code.rfind("record.type", 0) == 0) field = "type";
    if (v.code.rfind("record.ttl", 0) == 0) field = "ttl";
    errors.Add(field, v);
    return Fail(errors.ToError());
  }
  return Json{{"name", record->name},
              {"type", record->type},
              {"ttl", record->ttl},
              {"value", record->value}};
}

Result<Change<Resource>> HostingService::AddRecord(const Actor& actor, const RecordInput& in) {
  std::string zone;
  auto record = CheckRecordInput(in, &zone);
  if (!record) return Fail(record.error());
  std::string name = zone + " " + (*record)["name"].get<std::string>() + " " +
                     (*record)["type"].get<std::string>() + " " +
                     (*record)["value"].get<std::string>();
  Change<Resource> change;
  HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
    HP_TRY(Authorize(actor, "record.create", Object(kZone, zone)));
    auto z = tx.FindResource(kZone, zone);
    if (!z) return Fail(z.error());
    if (!*z) return Fail(NotFoundField("zone", "zone", zone));
    auto owner = OwnerOf(tx, **z);
    if (!owner) return Fail(owner.error());
    auto taken = tx.FindResource(kRecord, name);
    if (!taken) return Fail(taken.error());
    if (*taken) {
      return Fail(FieldError(ErrorCode::kConflict, {{"value", "record.duplicate"}},
                             "the zone has this record already"));
    }
    HP_TRY(CheckZoneWith(tx, **z, *owner, options_, *record));
    Resource r;
    r.customer_id = owner->id;
    r.kind = kRecord;
    r.name = name;
    r.parent = zone;
    r.data = *record;
    auto stored = tx.InsertResource(r);
    if (!stored) return Fail(stored.error());
    auto audit =
        tx.Audit(actor.name, "record.create", Object(kZone, zone), nullptr, ToJson(*stored));
    if (!audit) return Fail(audit.error());
    change = Change<Resource>{*stored, {}, *audit};
    return SyncZone(tx, change.tasks, **z, *owner, *audit, options_, clock_.NowMillis());
  }));
  NotifyNodes(engine_, change.tasks);
  return change;
}

Result<Change<Resource>> HostingService::RemoveRecord(const Actor& actor, const RecordInput& in) {
  std::string zone;
  auto record = CheckRecordInput(in, &zone);
  if (!record) return Fail(Error::NotFound("no such record in '" + in.zone + "'"));
  std::string name = zone + " " + (*record)["name"].get<std::string>() + " " +
                     (*record)["type"].get<std::string>() + " " +
                     (*record)["value"].get<std::string>();
  Change<Resource> change;
  HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
    HP_TRY(Authorize(actor, "record.remove", Object(kZone, zone)));
    auto found = tx.FindResource(kRecord, name);
    if (!found) return Fail(found.error());
    if (!*found) return Fail(Error::NotFound("no such record in '" + zone + "'"));
    auto z = tx.FindResource(kZone, zone);
    if (!z) return Fail(z.error());
    if (!*z) return Fail(Error::Internal("the zone of a record vanished"));
    auto owner = OwnerOf(tx, **z);
    if (!owner) return Fail(owner.error());
    HP_TRY(tx.DeleteResource((*found)->id));
    auto audit =
        tx.Audit(actor.name, "record.remove", Object(kZone, zone), ToJson(**found), nullptr);
    if (!audit) return Fail(audit.error());
    change = Change<Resource>{**found, {}, *audit};
    return SyncZone(tx, change.tasks, **z, *owner, *audit, options_, clock_.NowMillis());
  }));
  NotifyNodes(engine_, change.tasks);
  return change;
}

Result<Json> HostingService::ZoneRecords(const Actor& actor, const std::string& zone) {
  auto canonical = protocol::CheckDomain(zone);
  if (!canonical) return Fail(Error::NotFound(NotFoundMessage("zone", zone)));
  HP_TRY(Authorize(actor, "zone.read", Object(kZone, *canonical)));
  Json spec;
  // A read that needs the store's transaction helpers: run it as a write that changes nothing.
  HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
    auto z = tx.FindResource(kZone, *canonical);
    if (!z) return Fail(z.error());
    if (!*z) return Fail(Error::NotFound(NotFoundMessage("zone", *canonical)));
    auto owner = OwnerOf(tx, **z);
    if (!owner) return Fail(owner.error());
    auto s = ZoneSpec(tx, **z, *owner, options_);
    if (!s) return Fail(s.error());
    spec = std::move(*s);
    return Ok();
  }));
  return spec;
}

// ---- certificates ----

Result<Change<Resource>> HostingService::IssueCertificate(const Actor& actor,
                                                          const std::string& domain) {
  auto canonical = protocol::CheckDomain(domain);
  if (!canonical) {
    protocol::FieldErrors errors;
    errors.Add("domain", canonical.error());
    return Fail(errors.ToError());
  }
  if (options_.acme_directory.empty()) {
    return Fail(FieldError(ErrorCode::kUnavailable, {{"domain", "acme.not_configured"}},
                           "certificates are off: the controller has no ACME directory "
                           "(--acme-directory)"));
  }
  Change<Resource> change;
  HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
    HP_TRY(Authorize(actor, "cert.create", Object(kCert, *canonical)));
    auto site = tx.FindSite(*canonical);
    if (!site) return Fail(site.error());
    if (!*site) return Fail(NotFoundField("domain", "site", *canonical));
    auto owner = tx.FindCustomerById((*site)->customer_id);
    if (!owner) return Fail(owner.error());
    if (!*owner) return Fail(Error::Internal("the owner of a site vanished"));
    auto existing = tx.FindResource(kCert, *canonical);
    if (!existing) return Fail(existing.error());
    Resource r;
    if (*existing) {
      r = **existing;
      r.status = "pending";
      r.data["error"] = "";
      HP_TRY(tx.UpdateResource(r));
    } else {
      r.customer_id = (*owner)->id;
      r.kind = kCert;
      r.name = *canonical;
      r.node_id = (*site)->node_id;
      r.status = "pending";
      r.data = Json{{"names", (*site)->aliases}, {"error", ""}};
      auto stored = tx.InsertResource(r);
      if (!stored) return Fail(stored.error());
      r = *stored;
    }
    auto audit = tx.Audit(actor.name, "cert.create", Object(kCert, *canonical), nullptr, ToJson(r));
    if (!audit) return Fail(audit.error());
    change = Change<Resource>{r, {}, *audit};
    return Append(tx, change.tasks, (*site)->node_id, Object(kCert, *canonical), "cert.ensure",
                  CertSpec(**site, **owner, options_), *audit);
  }));
  NotifyNodes(engine_, change.tasks);
  return change;
}

Result<int> HostingService::RenewCertificates() {
  int sent = 0;
  std::vector<TaskRecord> tasks;
  HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
    tasks.clear();
    sent = 0;
    ResourceFilter f;
    f.kind = kCert;
    auto certs = tx.ListResources(f);
    if (!certs) return Fail(certs.error());
    std::optional<int64_t> audit;
    for (const auto& c : *certs) {
      if (c.status != "issued") continue;
      if (!audit) {
        auto a = tx.Audit("controller", "cert.renew", "certs", nullptr, nullptr);
        if (!a) return Fail(a.error());
        audit = *a;
      }
      auto site = tx.FindSite(c.name);
      if (!site) return Fail(site.error());
      if (!*site) continue;
      auto owner = OwnerOf(tx, c);
      if (!owner) return Fail(owner.error());
      HP_TRY(Append(tx, tasks, c.node_id, Object(kCert, c.name), "cert.ensure",
                    CertSpec(**site, *owner, options_), *audit));
      ++sent;
    }
    return Ok();
  }));
  NotifyNodes(engine_, tasks);
  return sent;
}

Status HostingService::OnTaskResult(StoreTxn& tx, const TaskRecord& task, const std::string& state,
                                    const std::string& error, std::vector<TaskRecord>& appended) {
  if (task.kind != "cert.ensure") return Ok();
  const std::string domain = task.object_key.substr(std::string("cert:").size());
  auto cert = tx.FindResource(kCert, domain);
  if (!cert) return Fail(cert.error());
  if (!*cert) return Ok();  // removed meanwhile
  Resource updated = **cert;
  if (state == "failed") {
    // A failed renewal of a certificate that is installed keeps the site on HTTPS.
    if (updated.status != "issued") updated.status = "failed";
    updated.data["error"] = error;
    return tx.UpdateResource(updated);
  }
  updated.status = "issued";
  updated.data["error"] = "";
  updated.data["issued_at"] = clock_.NowMillis();
  HP_TRY(tx.UpdateResource(updated));
  auto site = tx.FindSite(domain);
  if (!site) return Fail(site.error());
  if (!*site || (*site)->https) return Ok();
  Site on = **site;
  on.https = true;
  HP_TRY(tx.UpdateSite(on));
  auto owner = tx.FindCustomerById(on.customer_id);
  if (!owner) return Fail(owner.error());
  if (!*owner) return Ok();
  auto stored = tx.FindSite(domain);
  if (!stored) return Fail(stored.error());
  if (!*stored) return Ok();
  auto audit = tx.Audit("node:" + task.node_name, "site.https", hosting::SiteObject(domain),
                        nullptr, Json{{"https", true}});
  if (!audit) return Fail(audit.error());
  return Append(tx, appended, on.node_id, hosting::SiteObject(domain), protocol::kSiteEnsure,
                hosting::SiteEnsureSpec(**stored, **owner), *audit);
}

Result<std::vector<Resource>> HostingService::ListResources(const Actor& actor,
                                                            const std::string& kind,
                                                            std::optional<std::string> customer,
                                                            std::optional<std::string> parent) {
  static const std::set<std::string> kKinds = {kMailDomain, kMailbox, kForwarder, kZone,
                                               kRecord,     kFtpUser, kDatabase,  kCert};
  if (kKinds.count(kind) == 0) return Fail(Error::Invalid("unknown kind '" + kind + "'"));
  HP_TRY(Authorize(actor, kind + ".list", customer ? CustomerObject(*customer) : kind + "s"));
  ResourceFilter f;
  f.kind = kind;
  f.parent = std::move(parent);
  if (customer) {
    auto c = store_.GetCustomer(*customer);
    if (!c) return Fail(c.error());
    if (!*c) return Fail(NotFoundField("customer", "customer", *customer));
    f.customer_id = (*c)->id;
  }
  return store_.ListResources(f);
}

}  // namespace hostplane::controller
