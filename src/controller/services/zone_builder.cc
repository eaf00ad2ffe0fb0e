#include "controller/services/zone_builder.h"

#include <algorithm>
#include <ctime>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "controller/services/mail_dns_records.h"
#include "controller/services/service_support.h"

namespace hostplane::controller {
namespace {

using namespace kinds;

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
                                                        const HostingOptions& options,
                                                        bool has_name_servers) {
  std::vector<protocol::DnsRecord> records;
  auto add = [&](const std::string& name, const char* type, const std::string& value) {
    records.push_back({name, type, options.default_ttl, value});
  };
  auto address_records = [&](const std::string& name, const Node& n) {
    if (!n.ipv4.empty()) add(name, "A", n.ipv4);
    if (!n.ipv6.empty()) add(name, "AAAA", n.ipv6);
  };
  // Without name servers (no dns node with an address) and without configured names, the
  // zone names ns1.<zone> as before issue 17, glued to its node's address if it has one.
  if (!has_name_servers) {
    std::vector<std::string> nameservers = options.nameservers;
    if (nameservers.empty()) {
      nameservers.push_back("ns1." + zone.name);
      HP_ASSIGN_OR_RETURN(auto dns, tx.nodes().FindById(zone.node_id));
      if (dns) address_records("ns1", *dns);
    }
    for (const auto& ns : nameservers) add("@", "NS", Absolute(ns));
  }

  HP_ASSIGN_OR_RETURN(const std::vector<Site> sites, tx.sites().OfCustomer(owner.id));
  std::set<std::string> named;
  for (const auto& s : sites) {
    HP_ASSIGN_OR_RETURN(auto node, tx.nodes().FindById(s.node_id));
    if (!node) continue;
    std::vector<std::string> names = s.aliases;
    names.push_back(s.domain);
    for (const auto& n : names) {
      auto rel = RelativeTo(n, zone.name);
      if (rel && named.insert(*rel).second) address_records(*rel, *node);
    }
  }
  HP_ASSIGN_OR_RETURN(const std::vector<Resource> mail, OfCustomer(tx, kMailDomain, owner.id));
  bool mail_host = false;
  for (const auto& m : mail) {
    auto rel = RelativeTo(m.name, zone.name);
    if (!rel) continue;
    HP_ASSIGN_OR_RETURN(auto node, tx.nodes().FindById(m.node_id));
    if (!node) continue;
    // MX, SPF, the DKIM key and DMARC (mail_dns_records.h).
    for (auto r : MailDomainRecords(m, *node, "mail." + zone.name, options.default_ttl)) {
      r.name = Beneath(r.name, *rel);
      // A site of the customer's own at autoconfig.<domain> keeps its address.
      if ((r.type == "A" || r.type == "AAAA") && named.count(r.name) != 0) continue;
      records.push_back(std::move(r));
    }
    if (!mail_host && named.count("mail") == 0) {
      address_records("mail", *node);
      mail_host = true;
    }
  }
  // db.<zone>: where the customer's databases are (placement keeps them on one node), so an
  // application configured with it follows them when a drain moves them.
  HP_ASSIGN_OR_RETURN(const std::vector<Resource> databases, OfCustomer(tx, kDatabase, owner.id));
  if (!databases.empty() && named.count("db") == 0) {
    HP_ASSIGN_OR_RETURN(auto node, tx.nodes().FindById(databases.front().node_id));
    if (node) address_records("db", *node);
  }
  return records;
}

}  // namespace

Result<std::vector<Node>> DnsServers(StoreTxn& tx) {
  HP_ASSIGN_OR_RETURN(std::vector<Node> nodes, tx.nodes().List());
  std::erase_if(nodes, [](const Node& n) {
    return n.status != NodeStatus::kActive ||
           std::find(n.roles.begin(), n.roles.end(), "dns") == n.roles.end();
  });
  return nodes;
}

Result<std::vector<int64_t>> ZoneNodes(StoreTxn& tx, const Resource& zone, bool with_home) {
  HP_ASSIGN_OR_RETURN(const std::vector<Node> servers, DnsServers(tx));
  std::vector<int64_t> ids;
  for (const auto& n : servers) ids.push_back(n.id);
  if ((ids.empty() || with_home) && zone.node_id != 0 &&
      std::find(ids.begin(), ids.end(), zone.node_id) == ids.end()) {
    ids.push_back(zone.node_id);
  }
  return ids;
}

std::optional<protocol::NameServer> NameServerOf(const Node& n, size_t index,
                                                 const std::string& zone) {
  protocol::NameServer ns;
  ns.node = n.name;
  ns.host = Absolute(n.ns_name.empty() ? "ns" + std::to_string(index + 1) + "." + zone : n.ns_name);
  for (const std::string* a : {&n.ipv4, &n.ipv6}) {
    if (!a->empty()) ns.addresses.push_back(*a);
  }
  if (ns.addresses.empty()) return std::nullopt;
  return ns;
}

Result<protocol::ZoneSpec> BuildZoneSpec(StoreTxn& tx, const Resource& zone, const Customer& owner,
                                         const HostingOptions& options) {
  protocol::ZoneSpec spec;
  // The operator's configured names replace the nodes' (--nameserver): listed as plain NS.
  if (options.nameservers.empty()) {
    HP_ASSIGN_OR_RETURN(const std::vector<Node> servers, DnsServers(tx));
    for (size_t i = 0; i < servers.size(); ++i) {
      if (auto ns = NameServerOf(servers[i], i, zone.name)) {
        spec.servers.name_servers.push_back(std::move(*ns));
      }
    }
  }
  const bool has_name_servers = !spec.servers.name_servers.empty();
  HP_ASSIGN_OR_RETURN(std::vector<protocol::DnsRecord> records,
                      DefaultRecords(tx, zone, owner, options, has_name_servers));
  HP_ASSIGN_OR_RETURN(const std::vector<Resource> own, Children(tx, kRecord, zone.name));
  spec.zone = zone.name;
  spec.account = owner.login;
  spec.serial = zone.data.value("serial", int64_t{1});
  spec.default_ttl = options.default_ttl;
  // SOA names without the trailing dot (zone_spec.h); timers are SoaSpec's defaults.
  if (has_name_servers) {
    const std::string& host = spec.servers.name_servers.front().host;
    spec.soa.mname = host.substr(0, host.size() - 1);
  } else {
    spec.soa.mname = options.nameservers.empty() ? "ns1." + zone.name : options.nameservers[0];
  }
  spec.soa.rname = "hostmaster." + zone.name;
  // A name may have one SPF and one DMARC policy: the customer's own TXT record replaces the
  // default one at its name (two would make receivers ignore both).
  auto policy = [](const protocol::DnsRecord& r) -> std::string {
    if (r.type != "TXT") return "";
    for (const char* tag : {"v=spf1", "v=DMARC1"}) {
      if (r.value.starts_with(tag)) return r.name + " " + tag;
    }
    return "";
  };
  std::set<std::string> own_policies;
  for (const auto& r : own) {
    const std::string p =
        policy({r.data.value("name", ""), r.data.value("type", ""), 0, r.data.value("value", "")});
    if (!p.empty()) own_policies.insert(p);
  }
  std::erase_if(records, [&](const protocol::DnsRecord& r) {
    const std::string p = policy(r);
    return !p.empty() && own_policies.count(p) > 0;
  });
  spec.records = std::move(records);
  for (const auto& r : own) {
    spec.records.push_back({r.data.value("name", ""), r.data.value("type", ""),
                            r.data.value("ttl", options.default_ttl), r.data.value("value", "")});
  }
  return spec;
}

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

}  // namespace hostplane::controller
