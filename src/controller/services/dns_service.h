#pragma once

// DNS: zones and their records. A zone is a Resource row and its records are rows under it; every
// dns node (DnsServers) serves every zone as zone_builder.h computes it, so any change re-sends
// the whole zone with a higher serial as one zone.ensure task per dns node (the same spec and
// serial on each), and a record is accepted only when the whole zone with it passes the checker
// the agent runs. The zone's node_id is where placement put it (its home, which a drain moves);
// the zone is served by all dns nodes regardless. The customer's other services call SyncZonesOf
// when what the zones say of them changes (sites, mail, databases, a drain's moves).
//
// Thread-safe; each ChangeContext is used by one thread.

#include <optional>
#include <string>

#include "controller/services/change_runner.h"
#include "controller/services/hosting_options.h"
#include "protocol/zone_spec.h"

namespace hostplane::controller {

struct ZoneInput {
  std::string zone;
  std::string customer;
};
struct RecordInput {
  std::string zone;
  std::string name;  // "@" or relative
  std::string type;
  std::string value;
  std::optional<int64_t> ttl;
};

// Inputs in canonical form (Check*).
struct NewZone {
  std::string zone;
  std::string customer;
};
struct CheckedRecord {
  std::string zone;
  protocol::DnsRecord record;
};

class DnsService {
 public:
  DnsService(Store& store, ChangeRunner& runner, const HostingOptions& options)
      : store_(store), runner_(runner), options_(options) {}

  // Operations, each one change of its own. Errors: kInvalid with a code per field; kNotFound
  // (zone, customer; also for one the actor may not see); kConflict {"zone": "zone.taken"} or
  // {"value": "record.duplicate"}; kLimit {"zone": "plan.dns_zones_limit"}; kUnavailable
  // {"zone": "node.none_available"}.
  Result<Change<Resource>> AddZone(const Actor& actor, const ZoneInput& in);
  Result<Change<Resource>> RemoveZone(const Actor& actor, const std::string& zone);
  Result<Change<Resource>> AddRecord(const Actor& actor, const RecordInput& in);
  Result<Change<Resource>> RemoveRecord(const Actor& actor, const RecordInput& in);
  // The zone's records as served: the defaults (SOA, NS, sites, mail) and the customer's.
  Result<Json> ZoneRecords(const Actor& actor, const std::string& zone);

  // Steps, inside a change (the caller commits).
  static Result<NewZone> CheckZone(const ZoneInput& in);
  Result<CheckedRecord> CheckRecord(const RecordInput& in) const;
  Result<Resource> AddZone(ChangeContext& change, const NewZone& in) const;
  Result<Resource> RemoveZone(ChangeContext& change, const std::string& zone) const;
  Result<Resource> AddRecord(ChangeContext& change, const CheckedRecord& in) const;
  Result<Resource> RemoveRecord(ChangeContext& change, const CheckedRecord& in) const;
  // Re-sends zone.ensure (serial increased) for every zone of c: its default records follow c's
  // sites, mail domains and databases.
  [[nodiscard]] Status SyncZonesOf(ChangeContext& change, const Customer& c) const;
  // Re-sends every zone (serial increased) to every dns node: the name servers changed (a dns node
  // added, its name or address set, drained or lost), so every zone's NS and glue did.
  [[nodiscard]] Status SyncAllZones(ChangeContext& change) const;
  // Records on the zone's row what a dns node did with a zone.ensure task (the result hook,
  // dns_serving.h), so the customer sees it where they look (GET /zones/{zone}, `dns zone list`,
  // `dns record list`) and the operator in `node list`: per node (data.nodes) the serial it
  // serves, or the serial that failed there and its words; the zone's own served_serial is the
  // serial every dns node serves, status failed (with failed_serial and error) while a node's
  // newest result failed. A result older than what that node reported already changes nothing.
  [[nodiscard]] Status OnZoneResult(ChangeContext& change, const TaskRecord& task, TaskState state,
                                    const std::string& error) const;

 private:
  [[nodiscard]] Status SyncZone(ChangeContext& change, Resource zone, const Customer& owner) const;

  Store& store_;
  ChangeRunner& runner_;
  const HostingOptions options_;
};

}  // namespace hostplane::controller
