#pragma once

// What each dns node serves of the zones. Every dns node serves every zone (dns_service.h); the
// result of each zone.ensure task is the node's report of the serial it serves (its driver
// confirms with `knotc zone-status` that Knot serves the spec's serial before the task counts as
// applied). The zone's row keeps them per node in data.nodes:
//   {"<node>": {"served_serial": N, "failed_serial": M, "error": "..."}}
// and, over the current dns nodes, the zone's own served_serial (the lowest any of them serves),
// and status failed with failed_serial and error while a node's newest result failed. A node
// lags on a zone while the serial it serves is below the zone's; `node list` shows it.
//
// Pure functions over rows, except DnsServingByNode, which reads inside one transaction.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "controller/store/store.h"

namespace hostplane::controller {

// Records node's result for serial on the zone row r, then the zone's summary over servers.
// Returns false (r unchanged) for a result older than what the node reported already.
bool RecordServedSerial(Resource& r, const std::vector<Node>& servers, const std::string& node,
                        int64_t serial, bool applied, const std::string& error);

// Drops from r's per-node record the nodes that are not among servers.
void ForgetFormerServers(Resource& r, const std::vector<Node>& servers);

// Per dns node (by name, every node DnsServers lists): the zones and the ones it lags on.
Result<std::map<std::string, Node::DnsServing>> DnsServingByNode(StoreTxn& tx);

}  // namespace hostplane::controller
