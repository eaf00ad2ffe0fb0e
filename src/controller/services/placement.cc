#include "controller/services/placement.h"

#include <algorithm>

#include "controller/services/service_support.h"

namespace hostplane::controller {

bool RunsAccounts(const Node& n) {
  return n.drivers.empty() ||
         std::find(n.drivers.begin(), n.drivers.end(), "account") != n.drivers.end();
}

PlaceOptions PlacementFor(const Plan& plan, const HostingOptions& options) {
  PlaceOptions p;
  p.site = plan.pin_site;
  p.group = plan.pin_group;
  p.down_after_ms = options.node_down_after_ms;
  return p;
}

std::string NodeHealth(const Node& n, int64_t now, int64_t down_after_ms) {
  if (!n.last_seen) return "new";
  if (down_after_ms > 0 && now - *n.last_seen > down_after_ms) return "down";
  return "up";
}

std::string DriverOfRole(const std::string& role) {
  if (role == "web") return "nginx";
  if (role == "db") return "mariadb";
  return role;  // mail, dns, ftp
}

Result<Node> PlaceOnRole(StoreTxn& tx, const std::string& role,
                         const std::map<int64_t, int64_t>& counts, const std::string& field,
                         const PlaceOptions& options) {
  HP_ASSIGN_OR_RETURN(const std::vector<Node> nodes, tx.nodes().List());
  const int64_t now = tx.NowMillis();
  const std::string driver = DriverOfRole(role);
  // Two contests: nodes whose agent has said hello, then nodes never heard from (added, agent not
  // joined yet). An empty new node would otherwise win every placement and hold new customers'
  // services until its agent joins; it is used only when no node that is up has room.
  const Node* best = nullptr;
  const Node* best_new = nullptr;
  const Node* preferred = nullptr;
  int64_t best_count = 0, best_new_count = 0;
  int with_role = 0, full = 0, down = 0, refusing = 0;
  for (const auto& n : nodes) {
    if (std::find(n.roles.begin(), n.roles.end(), role) == n.roles.end()) continue;
    if (n.status != NodeStatus::kActive || options.exclude.count(n.id) != 0) continue;
    if (!options.site.empty() && n.site != options.site) continue;
    if (!options.group.empty() && n.group != options.group) continue;
    ++with_role;
    const std::string health = NodeHealth(n, now, options.down_after_ms);
    if (health == "down") {
      ++down;
      continue;
    }
    // An agent that said hello without the role's driver cannot apply its tasks.
    if (!n.drivers.empty() &&
        std::find(n.drivers.begin(), n.drivers.end(), driver) == n.drivers.end()) {
      ++refusing;
      continue;
    }
    auto it = counts.find(n.id);
    int64_t count = it == counts.end() ? 0 : it->second;
    if (count >= n.capacity) {
      ++full;
      continue;
    }
    if (n.id == options.prefer) preferred = &n;
    // Lowest share of capacity in use: count/capacity < best_count/best->capacity.
    const Node*& winner = health == "new" ? best_new : best;
    int64_t& winner_count = health == "new" ? best_new_count : best_count;
    if (!winner || count * winner->capacity < winner_count * n.capacity) {
      winner = &n;
      winner_count = count;
    }
  }
  if (preferred) return *preferred;
  if (!best) best = best_new;
  if (!best) {
    std::string where;
    if (!options.site.empty()) where += " at site '" + options.site + "'";
    if (!options.group.empty()) where += " in group '" + options.group + "'";
    std::string why = with_role == 0
                          ? "there is none"
                          : std::to_string(with_role) + " considered: " + std::to_string(full) +
                                " full, " + std::to_string(down) + " down, " +
                                std::to_string(refusing) + " without the " + driver + " driver";
    return Fail(FieldError(
        ErrorCode::kUnavailable, {{field, "node.none_available"}},
        "no active " + role + " node" + where + " has room for another one (" + why + ")"));
  }
  return *best;
}

}  // namespace hostplane::controller
