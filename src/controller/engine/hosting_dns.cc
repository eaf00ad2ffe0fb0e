// HostingService: DNS. A zone is a Resource row and its records are rows under it; the spec the
// DNS node serves (protocol/zone_spec.h) is the zone's defaults, computed from the store (SOA,
// NS with glue, the customer's sites and mail inside the zone), plus the customer's records. Any
// change re-sends the whole zone with a higher serial; a record is accepted only when the whole
// zone with it passes the same checker the agent runs.

#include <algorithm>
#include <ctime>
#include <set>
#include <utility>

#include "controller/engine/hosting_service.h"
#include "controller/engine/hosting_support.h"
#include "controller/engine/name_ownership.h"
#include "controller/engine/task_engine.h"
#include "controller/engine/zone_validity.h"
#include "controller/store/entity_json.h"
#include "protocol/validate.h"
#include "protocol/zone_spec.h"

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
using hosting::OfCustomer;
using hosting::OwnerOf;
using hosting::PlanOf;
using hosting::RequireCustomer;
using namespace hosting::kinds;

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

Result<std::vector<protocol::DnsRecord>> DefaultRecords(StoreTxn& tx, const Resource& zone,
                                                        const Customer& owner,
                                                        const HostingOptions& options) {
  std::vector<protocol::DnsRecord> records;
  auto add = [&](const std::string& name, const char* type, const std::string& value) {
    records.push_back({name, type, options.default_ttl, value});
  };
  auto address_records = [&](const std::string& name, const Node& n) {
    if (!n.ipv4.empty()) add(name, "A", n.ipv4);
    if (!n.ipv6.empty()) add(name, "AAAA", n.ipv6);
  };
  std::vector<std::string> nameservers = options.nameservers;
  if (nameservers.empty()) {
    nameservers.push_back("ns1." + zone.name);
    auto dns = tx.nodes().FindById(zone.node_id);
    if (!dns) return Fail(dns.error());
    if (*dns) address_records("ns1", **dns);
  }
  for (const auto& ns : nameservers) add("@", "NS", Absolute(ns));

  auto sites = tx.sites().OfCustomer(owner.id);
  if (!sites) return Fail(sites.error());
  std::set<std::string> named;
  for (const auto& s : *sites) {
    auto node = tx.nodes().FindById(s.node_id);
    if (!node) return Fail(node.error());
    if (!*node) continue;
    std::vector<std::string> names = s.aliases;
    names.push_back(s.domain);
    for (const auto& n : names) {
      auto rel = RelativeTo(n, zone.name);
      if (rel && named.insert(*rel).second) address_records(*rel, **node);
    }
  }
  auto mail = OfCustomer(tx, kMailDomain, owner.id);
  if (!mail) return Fail(mail.error());
  bool mail_host = false;
  for (const auto& m : *mail) {
    auto rel = RelativeTo(m.name, zone.name);
    if (!rel) continue;
    add(*rel, "MX", "10 " + Absolute("mail." + zone.name));
    add(*rel, "TXT", "v=spf1 mx -all");
    if (!mail_host && named.count("mail") == 0) {
      auto node = tx.nodes().FindById(m.node_id);
      if (!node) return Fail(node.error());
      if (*node) address_records("mail", **node);
      mail_host = true;
    }
  }
  // db.<zone>: where the customer's databases are (placement keeps them on one node), so an
  // application configured with it follows them when a drain moves them.
  auto databases = OfCustomer(tx, kDatabase, owner.id);
  if (!databases) return Fail(databases.error());
  if (!databases->empty() && named.count("db") == 0) {
    auto node = tx.nodes().FindById(databases->front().node_id);
    if (!node) return Fail(node.error());
    if (*node) address_records("db", **node);
  }
  return records;
}

Result<protocol::ZoneSpec> BuildZoneSpec(StoreTxn& tx, const Resource& zone, const Customer& owner,
                                         const HostingOptions& options) {
  auto records = DefaultRecords(tx, zone, owner, options);
  if (!records) return Fail(records.error());
  auto own = Children(tx, kRecord, zone.name);
  if (!own) return Fail(own.error());
  protocol::ZoneSpec spec;
  spec.zone = zone.name;
  spec.account = owner.login;
  spec.serial = zone.data.value("serial", int64_t{1});
  spec.default_ttl = options.default_ttl;
  // SOA names without the trailing dot (zone_spec.h); timers are SoaSpec's defaults.
  spec.soa.mname = options.nameservers.empty() ? "ns1." + zone.name : options.nameservers[0];
  spec.soa.rname = "hostmaster." + zone.name;
  spec.records = std::move(*records);
  for (const auto& r : *own) {
    spec.records.push_back({r.data.value("name", ""), r.data.value("type", ""),
                            r.data.value("ttl", options.default_ttl), r.data.value("value", "")});
  }
  return spec;
}

// The next serial: YYYYMMDDnn of today, or one more than the last, whichever is larger.
// A record's Resource name: unique per zone, name, type and value.
std::string RecordKey(const std::string& zone, const protocol::DnsRecord& r) {
  return zone + " " + r.name + " " + r.type + " " + r.value;
}

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
  HP_TRY(tx.resources().Update(zone));
  auto spec = BuildZoneSpec(tx, zone, owner, options);
  if (!spec) return Fail(spec.error());
  return Append(tx, tasks, zone.node_id, Object(kZone, zone.name), protocol::kZoneEnsure,
                protocol::ToJson(*spec), change_id);
}

// A record answers for its owner name; an NS record (a delegation) and a wildcard for everything
// under it too. None may reach a name another customer holds (name_ownership.h).
Status CheckRecordOwnable(StoreTxn& tx, const Customer& owner, const std::string& zone,
                          const protocol::DnsRecord& record, const HostingOptions& options) {
  std::string name = record.name;
  bool tree = record.type == "NS";
  if (name == "*" || name.starts_with("*.")) {
    name = name == "*" ? "@" : name.substr(2);
    tree = true;
  }
  const std::string owner_name = name == "@" ? zone : name + "." + zone;
  return CheckNamesOwnable(tx, owner.id, {{"name", owner_name}}, options.reserved_names,
                           tree ? ClaimReach::kTree : ClaimReach::kName);
}

}  // namespace

namespace hosting {

Result<protocol::ZoneSpec> ZoneAsServed(StoreTxn& tx, const Resource& zone, const Customer& owner,
                                        const HostingOptions& options) {
  return BuildZoneSpec(tx, zone, owner, options);
}

Status RecordZoneResult(StoreTxn& tx, const TaskRecord& task, TaskState state,
                        const std::string& error) {
  const std::string name = task.spec.value("zone", "");
  auto zone = tx.resources().Find(kZone, name);
  if (!zone) return Fail(zone.error());
  if (!*zone || (*zone)->node_id != task.node_id) return Ok();  // removed or moved meanwhile
  Resource r = **zone;
  const int64_t serial = task.spec.value("serial", int64_t{0});
  const int64_t last = std::max(r.data.value("served_serial", int64_t{0}),
                                r.data.value("failed_serial", int64_t{0}));
  if (serial < last) return Ok();
  if (state == TaskState::kApplied) {
    r.status = ResourceStatus::kActive;
    r.data["served_serial"] = serial;
    r.data.erase("failed_serial");
    r.data.erase("error");
  } else {
    r.status = ResourceStatus::kFailed;
    r.data["failed_serial"] = serial;
    r.data["error"] = error;
  }
  return tx.resources().Update(r);
}

Status SyncZonesOf(StoreTxn& tx, std::vector<TaskRecord>& tasks, const Customer& c,
                   int64_t change_id, const HostingOptions& options, int64_t now_ms) {
  ResourceFilter f;
  f.kind = kZone;
  f.customer_id = c.id;
  auto zones = tx.resources().List(Scope::All(), f);
  if (!zones) return Fail(zones.error());
  for (const auto& z : *zones) {
    HP_TRY(SyncZone(tx, tasks, z, c, change_id, options, now_ms));
  }
  return Ok();
}

}  // namespace hosting

// ---- DNS ----

Result<Change<Resource>> HostingService::AddZone(const Actor& actor, const ZoneInput& in) {
  protocol::FieldErrors errors;
  auto zone = protocol::CheckDomain(in.zone);
  if (!zone) errors.Add("zone", zone.error());
  auto login = protocol::CheckLoginGrammar(in.customer);
  if (!login) errors.Add("customer", login.error());
  if (!errors.empty()) return Fail(errors.ToError());

  Change<Resource> change;
  HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
    HP_TRY(Authorize(actor, "zone.create", Object(kZone, *zone)));
    auto owner = RequireCustomer(tx, *login);
    if (!owner) return Fail(owner.error());
    auto plan = PlanOf(tx, *owner);
    if (!plan) return Fail(plan.error());
    auto taken = tx.resources().Find(kZone, *zone);
    if (!taken) return Fail(taken.error());
    if (*taken) {
      return Fail(FieldError(ErrorCode::kConflict, {{"zone", "zone.taken"}},
                             "the zone '" + *zone + "' exists"));
    }
    HP_TRY(CheckNamesOwnable(tx, owner->id, {{"zone", *zone}}, options_.reserved_names));
    auto zones = ZoneValidity::Before(tx, *owner, options_);
    if (!zones) return Fail(zones.error());
    HP_TRY(CheckLimit(tx, *owner, kZone, plan->max_dns_zones, "zone", "plan.dns_zones_limit",
                      "DNS zones"));
    auto counts = tx.resources().CountByNode(kZone);
    if (!counts) return Fail(counts.error());
    auto node =
        hosting::PlaceOnRole(tx, "dns", *counts, "zone", hosting::PlacementFor(*plan, options_));
    if (!node) return Fail(node.error());
    Resource r;
    r.customer_id = owner->id;
    r.kind = kZone;
    r.name = *zone;
    r.node_id = node->id;
    r.data = Json{{"serial", 0}};
    auto inserted = hosting::InsertAudited(tx, actor, "zone.create", Object(kZone, *zone), r);
    if (!inserted) return Fail(inserted.error());
    HP_TRY(zones->After(tx, {}, "zone"));
    change = std::move(*inserted);
    return SyncZone(tx, change.tasks, change.object, *owner, change.change_id, options_,
                    clock_.NowMillis());
  }));
  NotifyNodes(engine_, change.tasks);
  return change;
}

Result<Change<Resource>> HostingService::RemoveZone(const Actor& actor, const std::string& zone) {
  auto canonical = protocol::CheckDomain(zone);
  if (!canonical) return Fail(Error::NotFound(NotFoundMessage("zone", zone)));
  Change<Resource> change;
  HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
    HP_TRY(Authorize(actor, protocol::kZoneRemove, Object(kZone, *canonical)));
    auto found = tx.resources().Find(kZone, *canonical);
    if (!found) return Fail(found.error());
    if (!*found) return Fail(Error::NotFound(NotFoundMessage("zone", *canonical)));
    auto owner = OwnerOf(tx, **found);
    if (!owner) return Fail(owner.error());
    auto records = Children(tx, kRecord, *canonical);
    if (!records) return Fail(records.error());
    for (const auto& r : *records) HP_TRY(tx.resources().Delete(r.id));
    HP_TRY(tx.resources().Delete((*found)->id));
    auto audit = tx.audit().Append(
        {actor.name, protocol::kZoneRemove, Object(kZone, *canonical), ToJson(**found), nullptr});
    if (!audit) return Fail(audit.error());
    change = Change<Resource>{**found, {}, *audit};
    return Append(tx, change.tasks, (*found)->node_id, Object(kZone, *canonical),
                  protocol::kZoneRemove, RemovalSpecOf(**found, *owner), *audit);
  }));
  NotifyNodes(engine_, change.tasks);
  return change;
}

// The record's canonical form, through the same grammar the agent applies.
Result<protocol::DnsRecord> HostingService::CheckRecordInput(const RecordInput& in,
                                                             std::string* zone_out) {
  protocol::FieldErrors errors;
  auto zone = protocol::CheckDomain(in.zone);
  if (!zone) {
    errors.Add("zone", zone.error());
    return Fail(errors.ToError());
  }
  *zone_out = *zone;
  auto record = protocol::CheckDnsRecord(*zone, in.name, in.type, in.value,
                                         in.ttl.value_or(options_.default_ttl));
  if (!record) {
    const char* field = protocol::DnsRecordField(record.error().code);
    errors.Add(*field != '\0' ? field : "value", record.error());
    return Fail(errors.ToError());
  }
  return *record;
}

Result<Change<Resource>> HostingService::AddRecord(const Actor& actor, const RecordInput& in) {
  std::string zone;
  auto record = CheckRecordInput(in, &zone);
  if (!record) return Fail(record.error());
  const std::string name = RecordKey(zone, *record);
  Change<Resource> change;
  HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
    HP_TRY(Authorize(actor, "record.create", Object(kZone, zone)));
    auto z = tx.resources().Find(kZone, zone);
    if (!z) return Fail(z.error());
    if (!*z) return Fail(NotFoundField("zone", "zone", zone));
    auto owner = OwnerOf(tx, **z);
    if (!owner) return Fail(owner.error());
    auto taken = tx.resources().Find(kRecord, name);
    if (!taken) return Fail(taken.error());
    if (*taken) {
      return Fail(FieldError(ErrorCode::kConflict, {{"value", "record.duplicate"}},
                             "the zone has this record already"));
    }
    HP_TRY(CheckRecordOwnable(tx, *owner, zone, *record, options_));
    auto zones = ZoneValidity::Before(tx, *owner, options_);
    if (!zones) return Fail(zones.error());
    Resource r;
    r.customer_id = owner->id;
    r.kind = kRecord;
    r.name = name;
    r.parent = zone;
    r.data = Json{{"name", record->name},
                  {"type", record->type},
                  {"ttl", record->ttl},
                  {"value", record->value}};
    auto inserted = hosting::InsertAudited(tx, actor, "record.create", Object(kZone, zone), r);
    if (!inserted) return Fail(inserted.error());
    HP_TRY(zones->After(tx, {}, "value"));
    change = std::move(*inserted);
    return SyncZone(tx, change.tasks, **z, *owner, change.change_id, options_, clock_.NowMillis());
  }));
  NotifyNodes(engine_, change.tasks);
  return change;
}

Result<Change<Resource>> HostingService::RemoveRecord(const Actor& actor, const RecordInput& in) {
  std::string zone;
  auto record = CheckRecordInput(in, &zone);
  if (!record) return Fail(Error::NotFound("no such record in '" + in.zone + "'"));
  const std::string name = RecordKey(zone, *record);
  Change<Resource> change;
  HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
    HP_TRY(Authorize(actor, "record.remove", Object(kZone, zone)));
    auto found = tx.resources().Find(kRecord, name);
    if (!found) return Fail(found.error());
    if (!*found) return Fail(Error::NotFound("no such record in '" + zone + "'"));
    auto z = tx.resources().Find(kZone, zone);
    if (!z) return Fail(z.error());
    if (!*z) return Fail(Error::Internal("the zone of a record vanished"));
    auto owner = OwnerOf(tx, **z);
    if (!owner) return Fail(owner.error());
    HP_TRY(tx.resources().Delete((*found)->id));
    auto audit = tx.audit().Append(
        {actor.name, "record.remove", Object(kZone, zone), ToJson(**found), nullptr});
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
  HP_TRY(store_.Snapshot([&](StoreTxn& tx) -> Status {
    auto z = tx.resources().Find(kZone, *canonical);
    if (!z) return Fail(z.error());
    if (!*z) return Fail(Error::NotFound(NotFoundMessage("zone", *canonical)));
    auto owner = OwnerOf(tx, **z);
    if (!owner) return Fail(owner.error());
    auto s = BuildZoneSpec(tx, **z, *owner, options_);
    if (!s) return Fail(s.error());
    spec = protocol::ToJson(*s);
    // What the DNS node made of it (RecordZoneResult): the serial it serves, and why the last
    // change failed there, if it did.
    spec["status"] = std::string(Name((*z)->status));
    for (const char* key : {"served_serial", "failed_serial", "error"}) {
      if ((*z)->data.contains(key)) spec[key] = (*z)->data[key];
    }
    return Ok();
  }));
  return spec;
}

}  // namespace hostplane::controller
