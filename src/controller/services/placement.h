#pragma once

// Placement: the one rule that picks the node for a new object of any kind (role, status, pins,
// liveness, drivers, room, least share of capacity), and node health from heartbeats. Pure
// functions over the rows a transaction reads.

#include <map>
#include <set>
#include <string>

#include "controller/services/hosting_options.h"
#include "controller/store/store.h"

namespace hostplane::controller {

// Where a new object may go besides role and room.
struct PlaceOptions {
  std::string site;           // the plan's pin: only nodes at this site ("" = any)
  std::string group;          // the plan's pin: only nodes of this group ("" = any)
  std::set<int64_t> exclude;  // nodes being emptied (drain, loss)
  int64_t down_after_ms = 0;  // a node not heard from for longer is down (0: not checked)
  // Taken whenever it passes every other rule, however loaded (a customer's databases stay on
  // one node, so db.<zone> names them all); 0: none.
  int64_t prefer = 0;
};

// The placement rules for a customer's new objects: its plan's pins and the liveness window.
PlaceOptions PlacementFor(const Plan& plan, const HostingOptions& options);

// "up" (heard from within down_after_ms), "down" (not), or "new" (its agent never said hello).
std::string NodeHealth(const Node& n, int64_t now, int64_t down_after_ms);

// False when the node's agent said hello without the account driver (no Unix users per account
// there): it gets no account tasks. A node not heard from yet is assumed to run it.
bool RunsAccounts(const Node& n);

// The agent driver that serves a role ("web" -> "nginx", "db" -> "mariadb", ...).
std::string DriverOfRole(const std::string& role);

// The least loaded node for a new object of `role`: active, with the role, matching the pins, not
// excluded, not down, not refusing (its agent's hello lists no driver for the role), and with
// room (counts: node id -> objects of that kind, below its capacity). Least loaded is the lowest
// share of its capacity in use; lowest id on a tie; a node whose agent never said hello only when
// no node that is up has room. field names the request field for the kUnavailable error, which
// says why nothing fits.
Result<Node> PlaceOnRole(StoreTxn& tx, const std::string& role,
                         const std::map<int64_t, int64_t>& counts, const std::string& field,
                         const PlaceOptions& options = {});

}  // namespace hostplane::controller
