#pragma once

// What a DNS zone serves, computed from the store: its default records (the addresses of the
// customer's sites and mail inside the zone, MX, SPF, DKIM and DMARC for its mail domains
// (mail_dns_records.h), db.<zone> for its databases) plus the customer's own records, and its
// name servers: every dns node (DnsServers) with its name-server name and address as NS and glue
// (protocol/zone_servers.h), as the zone.ensure spec (protocol/zone_spec.h). Every dns node is
// sent the same spec. Reads inside one transaction or snapshot; pure otherwise.

#include <optional>
#include <string>
#include <vector>

#include "controller/services/hosting_options.h"
#include "controller/store/store.h"
#include "protocol/zone_spec.h"

namespace hostplane::controller {

// The nodes that serve every zone: active, with the dns role, by id. A node that is down stays
// one (it lags until it is back); a draining, drained, lost or disabled one is not.
Result<std::vector<Node>> DnsServers(StoreTxn& tx);

// The nodes a zone's tasks go to: every dns server, or the zone's home node (node_id) when there
// is none; with_home, the home node too (a removal reaches a home that stopped serving).
Result<std::vector<int64_t>> ZoneNodes(StoreTxn& tx, const Resource& zone, bool with_home);

// The name server a dns node is in every zone: its ns_name, or ns<k>.<zone> (k = index + 1, its
// place among servers) glued to its ipv4/ipv6. nullopt for a node without an address (it still
// serves the zones, but is not listed: NS without an address nobody can reach).
std::optional<protocol::NameServer> NameServerOf(const Node& n, size_t index,
                                                 const std::string& zone);

Result<protocol::ZoneSpec> BuildZoneSpec(StoreTxn& tx, const Resource& zone, const Customer& owner,
                                         const HostingOptions& options);

// The next serial: YYYYMMDDnn of today, or one more than the last, whichever is larger.
int64_t NextSerial(int64_t last, int64_t now_ms);

// A record's Resource name: unique per zone, name, type and value.
std::string RecordKey(const std::string& zone, const protocol::DnsRecord& r);

}  // namespace hostplane::controller
