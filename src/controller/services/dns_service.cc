#include "controller/services/dns_service.h"

#include <algorithm>
#include <utility>

#include "controller/services/dns_serving.h"
#include "controller/services/name_ownership.h"
#include "controller/services/placement.h"
#include "controller/services/service_support.h"
#include "controller/services/task_specs.h"
#include "controller/services/zone_builder.h"
#include "controller/services/zone_validity.h"
#include "controller/store/entity_json.h"
#include "protocol/validate.h"

namespace hostplane::controller {

using namespace kinds;

namespace {

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

Result<NewZone> DnsService::CheckZone(const ZoneInput& in) {
  protocol::FieldErrors errors;
  auto zone = protocol::CheckDomain(in.zone);
  if (!zone) errors.Add("zone", zone.error());
  auto login = protocol::CheckLoginGrammar(in.customer);
  if (!login) errors.Add("customer", login.error());
  if (!errors.empty()) return Fail(errors.ToError());
  return NewZone{*zone, *login};
}

// The record's canonical form, through the same grammar the agent applies.
Result<CheckedRecord> DnsService::CheckRecord(const RecordInput& in) const {
  protocol::FieldErrors errors;
  auto zone = protocol::CheckDomain(in.zone);
  if (!zone) {
    errors.Add("zone", zone.error());
    return Fail(errors.ToError());
  }
  auto record = protocol::CheckDnsRecord(*zone, in.name, in.type, in.value,
                                         in.ttl.value_or(options_.default_ttl));
  if (!record) {
    const char* field = protocol::DnsRecordField(record.error().code);
    errors.Add(*field != '\0' ? field : "value", record.error());
    return Fail(errors.ToError());
  }
  return CheckedRecord{*zone, *record};
}

Result<Change<Resource>> DnsService::AddZone(const Actor& actor, const ZoneInput& in) {
  HP_ASSIGN_OR_RETURN(NewZone zone, CheckZone(in));
  return runner_.Run(actor, "zone.create",
                     [&](ChangeContext& change) { return AddZone(change, zone); });
}

Result<Change<Resource>> DnsService::RemoveZone(const Actor& actor, const std::string& zone) {
  auto canonical = protocol::CheckDomain(zone);
  if (!canonical) return Fail(NotFound("zone", zone));
  return runner_.Run(actor, "zone.remove",
                     [&](ChangeContext& change) { return RemoveZone(change, *canonical); });
}

Result<Change<Resource>> DnsService::AddRecord(const Actor& actor, const RecordInput& in) {
  HP_ASSIGN_OR_RETURN(CheckedRecord record, CheckRecord(in));
  return runner_.Run(actor, "record.create",
                     [&](ChangeContext& change) { return AddRecord(change, record); });
}

Result<Change<Resource>> DnsService::RemoveRecord(const Actor& actor, const RecordInput& in) {
  auto record = CheckRecord(in);
  if (!record) return Fail(Error::NotFound("no such record in '" + in.zone + "'"));
  return runner_.Run(actor, "record.remove",
                     [&](ChangeContext& change) { return RemoveRecord(change, *record); });
}

Result<Json> DnsService::ZoneRecords(const Actor& actor, const std::string& zone) {
  auto canonical = protocol::CheckDomain(zone);
  if (!canonical) return Fail(NotFound("zone", zone));
  Json spec;
  HP_TRY(store_.Snapshot([&](StoreTxn& tx) -> Status {
    const Error missing = NotFound("zone", *canonical);
    HP_ASSIGN_OR_RETURN(auto z, tx.resources().Find(kZone, *canonical));
    if (!z) return Fail(missing);
    HP_TRY(runner_.authorizer().Allow(actor, Action::kZoneRead, {kZone, z->name, OwnerOf(*z)},
                                      missing));
    HP_ASSIGN_OR_RETURN(Customer owner, OwnerOf(tx, *z));
    HP_ASSIGN_OR_RETURN(protocol::ZoneSpec s, BuildZoneSpec(tx, *z, owner, options_));
    spec = protocol::ToJson(s);
    // What the DNS node made of it (RecordZoneResult): the serial it serves, and why the last
    // change failed there, if it did.
    spec["status"] = std::string(Name(z->status));
    for (const char* key : {"served_serial", "failed_serial", "error"}) {
      if (z->data.contains(key)) spec[key] = z->data[key];
    }
    return Ok();
  }));
  return spec;
}

Result<Resource> DnsService::AddZone(ChangeContext& change, const NewZone& in) const {
  StoreTxn& tx = change.tx();
  HP_ASSIGN_OR_RETURN(Customer owner, LoadOwnerFor(change, in.customer, Action::kZoneCreate));
  HP_ASSIGN_OR_RETURN(Plan plan, PlanOf(tx, owner));
  HP_ASSIGN_OR_RETURN(auto taken, tx.resources().Find(kZone, in.zone));
  if (taken) {
    return Fail(FieldError(ErrorCode::kConflict, {{"zone", "zone.taken"}},
                           "the zone '" + in.zone + "' exists"));
  }
  HP_TRY(CheckNamesOwnable(tx, owner.id, {{"zone", in.zone}}, options_.reserved_names));
  HP_ASSIGN_OR_RETURN(const ZoneValidity zones, ZoneValidity::Before(tx, owner, options_));
  HP_TRY(CheckLimit(tx, owner, kZone, plan.max_dns_zones, "zone", "plan.dns_zones_limit",
                    "DNS zones"));
  HP_ASSIGN_OR_RETURN(auto counts, tx.resources().CountByNode(kZone));
  HP_ASSIGN_OR_RETURN(Node node,
                      PlaceOnRole(tx, "dns", counts, "zone", PlacementFor(plan, options_)));
  Resource r;
  r.customer_id = owner.id;
  r.kind = kZone;
  r.name = in.zone;
  r.node_id = node.id;
  r.data = Json{{"serial", 0}};
  HP_ASSIGN_OR_RETURN(Resource stored,
                      InsertAudited(change, "zone.create", ObjectKey(kZone, in.zone), r));
  HP_TRY(zones.After(tx, {}, "zone"));
  HP_TRY(SyncZone(change, stored, owner));
  return stored;
}

Result<Resource> DnsService::RemoveZone(ChangeContext& change, const std::string& zone) const {
  StoreTxn& tx = change.tx();
  HP_ASSIGN_OR_RETURN(
      auto found, LoadResource(change, kZone, zone, Action::kZoneRemove, NotFound("zone", zone)));
  HP_ASSIGN_OR_RETURN(Customer owner, OwnerOf(tx, found));
  HP_ASSIGN_OR_RETURN(const std::vector<Resource> records, Children(tx, kRecord, zone));
  for (const auto& r : records) HP_TRY(tx.resources().Delete(r.id));
  HP_TRY(tx.resources().Delete(found.id));
  HP_TRY(change.Audit("zone.remove", ObjectKey(kZone, zone), ToJson(found), nullptr, owner.id));
  HP_ASSIGN_OR_RETURN(const std::vector<int64_t> nodes, ZoneNodes(tx, found, true));
  for (int64_t node : nodes) {
    HP_TRY(change.Append({node, ObjectKey(kZone, zone), protocol::kZoneRemove,
                          RemovalSpecOf(found, owner), owner.id}));
  }
  return found;
}

Result<Resource> DnsService::AddRecord(ChangeContext& change, const CheckedRecord& in) const {
  StoreTxn& tx = change.tx();
  const std::string name = RecordKey(in.zone, in.record);
  HP_ASSIGN_OR_RETURN(auto zone, LoadResource(change, kZone, in.zone, Action::kRecordCreate,
                                              NotFoundField("zone", "zone", in.zone)));
  HP_ASSIGN_OR_RETURN(Customer owner, OwnerOf(tx, zone));
  HP_ASSIGN_OR_RETURN(auto taken, tx.resources().Find(kRecord, name));
  if (taken) {
    return Fail(FieldError(ErrorCode::kConflict, {{"value", "record.duplicate"}},
                           "the zone has this record already"));
  }
  HP_TRY(CheckRecordOwnable(tx, owner, in.zone, in.record, options_));
  // A record is in its zone's spec alone.
  HP_ASSIGN_OR_RETURN(const ZoneValidity zones,
                      ZoneValidity::BeforeOne(tx, owner, options_, in.zone));
  Resource r;
  r.customer_id = owner.id;
  r.kind = kRecord;
  r.name = name;
  r.parent = in.zone;
  r.data = Json{{"name", in.record.name},
                {"type", in.record.type},
                {"ttl", in.record.ttl},
                {"value", in.record.value}};
  HP_ASSIGN_OR_RETURN(Resource stored,
                      InsertAudited(change, "record.create", ObjectKey(kZone, in.zone), r));
  HP_TRY(zones.After(tx, {}, "value"));
  HP_TRY(SyncZone(change, zone, owner));
  return stored;
}

Result<Resource> DnsService::RemoveRecord(ChangeContext& change, const CheckedRecord& in) const {
  StoreTxn& tx = change.tx();
  const std::string name = RecordKey(in.zone, in.record);
  HP_ASSIGN_OR_RETURN(auto found,
                      LoadResource(change, kRecord, name, Action::kRecordRemove,
                                   Error::NotFound("no such record in '" + in.zone + "'")));
  HP_ASSIGN_OR_RETURN(auto zone, tx.resources().Find(kZone, in.zone));
  if (!zone) return Fail(Error::Internal("the zone of a record vanished"));
  HP_ASSIGN_OR_RETURN(Customer owner, OwnerOf(tx, *zone));
  HP_TRY(tx.resources().Delete(found.id));
  HP_TRY(
      change.Audit("record.remove", ObjectKey(kZone, in.zone), ToJson(found), nullptr, owner.id));
  HP_TRY(SyncZone(change, *zone, owner));
  return found;
}

Status DnsService::OnZoneResult(ChangeContext& change, const TaskRecord& task, TaskState state,
                                const std::string& error) const {
  StoreTxn& tx = change.tx();
  const std::string name = task.spec.value("zone", "");
  HP_ASSIGN_OR_RETURN(auto zone, tx.resources().Find(kZone, name));
  if (!zone) return Ok();  // removed meanwhile
  HP_ASSIGN_OR_RETURN(auto node, tx.nodes().FindById(task.node_id));
  if (!node) return Ok();
  HP_ASSIGN_OR_RETURN(const std::vector<Node> servers, DnsServers(tx));
  Resource r = *zone;
  if (!RecordServedSerial(r, servers, node->name, task.spec.value("serial", int64_t{0}),
                          state == TaskState::kApplied, error)) {
    return Ok();
  }
  return tx.resources().Update(r);
}

Status DnsService::SyncZonesOf(ChangeContext& change, const Customer& c) const {
  HP_ASSIGN_OR_RETURN(const std::vector<Resource> zones, OfCustomer(change.tx(), kZone, c.id));
  for (const auto& z : zones) HP_TRY(SyncZone(change, z, c));
  return Ok();
}

Status DnsService::SyncAllZones(ChangeContext& change) const {
  StoreTxn& tx = change.tx();
  ResourceFilter f;
  f.kind = kZone;
  HP_ASSIGN_OR_RETURN(const std::vector<Resource> zones, tx.resources().List(Scope::All(), f));
  for (const auto& z : zones) {
    HP_ASSIGN_OR_RETURN(Customer owner, OwnerOf(tx, z));
    HP_TRY(SyncZone(change, z, owner));
  }
  return Ok();
}

Status DnsService::SyncZone(ChangeContext& change, Resource zone, const Customer& owner) const {
  StoreTxn& tx = change.tx();
  zone.data["serial"] = NextSerial(zone.data.value("serial", int64_t{0}), change.NowMillis());
  HP_ASSIGN_OR_RETURN(const std::vector<Node> servers, DnsServers(tx));
  // Nodes that no longer serve the zones leave its per-node record (their lag means nothing).
  ForgetFormerServers(zone, servers);
  HP_TRY(tx.resources().Update(zone));
  HP_ASSIGN_OR_RETURN(protocol::ZoneSpec spec, BuildZoneSpec(tx, zone, owner, options_));
  const Json json = protocol::ToJson(spec);
  // Every dns node gets the same spec (one serial everywhere); with none active, the zone's home.
  HP_ASSIGN_OR_RETURN(const std::vector<int64_t> targets, ZoneNodes(tx, zone, false));
  for (int64_t node : targets) {
    HP_TRY(
        change.Append({node, ObjectKey(kZone, zone.name), protocol::kZoneEnsure, json, owner.id}));
  }
  return Ok();
}

}  // namespace hostplane::controller
