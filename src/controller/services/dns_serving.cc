#include "controller/services/dns_serving.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "controller/services/service_support.h"
#include "controller/services/zone_builder.h"

namespace hostplane::controller {
namespace {

constexpr const char* kNodes = "nodes";

void Summarize(Resource& r, const std::vector<Node>& servers) {
  const Json& nodes = r.data[kNodes];
  std::optional<int64_t> served;
  const Json* failed = nullptr;
  bool all_served = true;
  for (const auto& n : servers) {
    auto it = nodes.find(n.name);
    if (it == nodes.end() || !it->contains("served_serial")) all_served = false;
    if (it == nodes.end()) continue;
    if (it->contains("served_serial")) {
      const int64_t s = it->value("served_serial", int64_t{0});
      served = served ? std::min(*served, s) : s;
    }
    if (it->contains("failed_serial") && !failed) failed = &*it;
  }
  if (served) {
    r.data["served_serial"] = *served;
  } else {
    r.data.erase("served_serial");
  }
  if (failed) {
    r.status = ResourceStatus::kFailed;
    r.data["failed_serial"] = failed->value("failed_serial", int64_t{0});
    r.data["error"] = failed->value("error", "");
  } else {
    r.data.erase("failed_serial");
    r.data.erase("error");
    if (all_served) r.status = ResourceStatus::kActive;
  }
}

}  // namespace

bool RecordServedSerial(Resource& r, const std::vector<Node>& servers, const std::string& node,
                        int64_t serial, bool applied, const std::string& error) {
  if (!r.data.contains(kNodes) || !r.data[kNodes].is_object()) r.data[kNodes] = Json::object();
  Json& entry = r.data[kNodes][node];
  if (!entry.is_object()) entry = Json::object();
  const int64_t last =
      std::max(entry.value("served_serial", int64_t{0}), entry.value("failed_serial", int64_t{0}));
  if (serial < last) return false;
  if (applied) {
    entry["served_serial"] = serial;
    entry.erase("failed_serial");
    entry.erase("error");
  } else {
    entry["failed_serial"] = serial;
    entry["error"] = error;
  }
  // A node's result counts even when it no longer serves the zones (a draining node's last
  // answer): the summary is over the current servers, or this node when there are none.
  std::vector<Node> over = servers;
  if (over.empty()) {
    Node alone;
    alone.name = node;
    over.push_back(std::move(alone));
  }
  Summarize(r, over);
  return true;
}

void ForgetFormerServers(Resource& r, const std::vector<Node>& servers) {
  if (!r.data.contains(kNodes) || !r.data[kNodes].is_object()) return;
  Json& nodes = r.data[kNodes];
  for (auto it = nodes.begin(); it != nodes.end();) {
    const bool current = std::any_of(servers.begin(), servers.end(),
                                     [&](const Node& n) { return n.name == it.key(); });
    it = current ? std::next(it) : nodes.erase(it);
  }
}

Result<std::map<std::string, Node::DnsServing>> DnsServingByNode(StoreTxn& tx) {
  HP_ASSIGN_OR_RETURN(const std::vector<Node> servers, DnsServers(tx));
  std::map<std::string, Node::DnsServing> out;
  for (const auto& n : servers) out[n.name] = {};
  if (servers.empty()) return out;
  ResourceFilter f;
  f.kind = kinds::kZone;
  HP_ASSIGN_OR_RETURN(const std::vector<Resource> zones, tx.resources().List(Scope::All(), f));
  for (const auto& z : zones) {
    const int64_t serial = z.data.value("serial", int64_t{0});
    const Json nodes = z.data.value(kNodes, Json::object());
    for (auto& [name, serving] : out) {
      ++serving.zones;
      int64_t served = 0;
      if (auto it = nodes.find(name); it != nodes.end() && it->is_object()) {
        served = it->value("served_serial", int64_t{0});
      }
      if (served < serial) ++serving.lagging;
    }
  }
  return out;
}

}  // namespace hostplane::controller
