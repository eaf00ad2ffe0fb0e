#include "protocol/zone_servers.h"

#include <arpa/inet.h>

#include <algorithm>
#include <set>

#include "common/sealed_box.h"
#include "protocol/spec_reader.h"
#include "protocol/zone_spec.h"

namespace hostplane::protocol {
namespace {

using Json = nlohmann::json;

constexpr size_t kMaxAddresses = 8;

bool IsKeyLabel(std::string_view l) {
  if (l.empty() || l.size() > 63 || l.front() == '-' || l.back() == '-') return false;
  return std::all_of(l.begin(), l.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

// An IP literal in its inet_ntop form.
std::optional<std::string> CanonicalIp(const std::string& s) {
  unsigned char buf[sizeof(struct in6_addr)];
  char text[INET6_ADDRSTRLEN];
  for (int family : {AF_INET, AF_INET6}) {
    if (s.size() <= 64 && inet_pton(family, s.c_str(), buf) == 1 &&
        inet_ntop(family, buf, text, sizeof text) != nullptr) {
      return std::string(text);
    }
  }
  return std::nullopt;
}

// 1-8 canonical IP literals under `key`; `code` for a bad one.
std::vector<std::string> ReadAddresses(const SpecReader& r, const char* key, const char* code) {
  auto list = r.Strings(key);
  if (!list) return {};
  if (list->empty() || list->size() > kMaxAddresses) {
    r.Add(key, {code, "list 1 to " + std::to_string(kMaxAddresses) + " addresses."});
    return {};
  }
  for (size_t i = 0; i < list->size(); ++i) {
    auto ip = CanonicalIp((*list)[i]);
    if (!ip || *ip != (*list)[i]) {
      r.Add(Indexed(key, i),
            {code, QuoteForMessage((*list)[i]) + " is not an IP address in canonical form."});
    }
  }
  return *list;
}

// Reads the array member `key` of at most `max` objects with `read` for each element.
template <typename T, typename Read>
std::vector<T> ReadList(const SpecReader& r, const char* key, size_t max, const char* too_many,
                        Read read) {
  std::vector<T> out;
  const Json* array = r.Array(key, /*optional=*/true);
  if (array == nullptr) return out;
  if (array->size() > max) {
    r.Add(key, {too_many, "at most " + std::to_string(max) + " entries."});
    return out;
  }
  for (size_t i = 0; i < array->size(); ++i) {
    auto item = r.ObjectItem(*array, key, i);
    if (!item) continue;
    out.push_back(read(*item));
  }
  return out;
}

bool IsSecondaryName(std::string_view s) {
  if (s.empty() || s.size() > 32 || s.front() == '-') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

}  // namespace

Checked<std::string> CheckTsigKeyName(std::string_view input) {
  auto bad = [&] {
    return tl::unexpected(Violation{
        "tsig.name_invalid", "The key name " + QuoteForMessage(input) +
                                 " must be lowercase labels of letters, digits and '-' ending "
                                 "in a dot, like \"xfr1.acme.example.\"."});
  };
  if (input.size() < 2 || input.size() > 254 || input.back() != '.') return bad();
  std::string_view name = input.substr(0, input.size() - 1);
  size_t start = 0;
  for (;;) {
    size_t dot = name.find('.', start);
    if (!IsKeyLabel(name.substr(start, dot == std::string_view::npos ? dot : dot - start))) {
      return bad();
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return std::string(input);
}

void ReadZoneServers(const SpecReader& r, ZoneServers& out) {
  out.name_servers = ReadList<NameServer>(
      r, "name_servers", kMaxNameServers, "name_server.too_many", [](const SpecReader& n) {
        NameServer ns;
        ns.node = n.Canonical("node", CheckNodeName, "node");
        if (auto host = n.String("host")) {
          ns.host = *host;
          auto checked = CheckDnsHost("hostplane.invalid", *host);
          n.CheckCanonical("host", *host, checked, "record");
        }
        ns.addresses = ReadAddresses(n, "addresses", "name_server.address_invalid");
        if (auto port = n.Integer("port", 1, 65535, 53)) ns.port = *port;
        return ns;
      });
  out.tsig_keys =
      ReadList<TsigKey>(r, "tsig_keys", kMaxTsigKeys, "tsig.too_many", [](const SpecReader& k) {
        TsigKey key;
        key.name = k.Canonical("name", CheckTsigKeyName, "tsig");
        if (auto a = k.String("algorithm")) {
          key.algorithm = *a;
          if (*a != "hmac-sha256" && *a != "hmac-sha384" && *a != "hmac-sha512") {
            k.Add("algorithm", {"tsig.algorithm",
                                "The TSIG algorithm must be hmac-sha256, "
                                "hmac-sha384 or hmac-sha512, not " +
                                    QuoteForMessage(*a) + "."});
          }
        }
        if (auto s = k.String("secret")) {
          key.secret = *s;
          if (!IsSealedText(*s)) {
            k.Add("secret", {"tsig.not_sealed",
                             "A TSIG secret travels sealed to the node (\"sealed:...\")."});
          }
        }
        return key;
      });
  if (auto t = r.String("transfer_key", "")) out.transfer_key = *t;
  out.secondaries = ReadList<ExternalSecondary>(
      r, "secondaries", kMaxSecondaries, "secondary.too_many", [](const SpecReader& s) {
        ExternalSecondary sec;
        if (auto name = s.String("name")) {
          sec.name = *name;
          if (!IsSecondaryName(*name)) {
            s.Add("name", {"secondary.name_invalid",
                           "A secondary's name is 1 to 32 of lowercase letters, digits and "
                           "'-', not " +
                               QuoteForMessage(*name) + "."});
          }
        }
        sec.addresses = ReadAddresses(s, "addresses", "secondary.address_invalid");
        if (auto port = s.Integer("port", 1, 65535, 53)) sec.port = *port;
        if (auto key = s.String("key")) sec.key = *key;
        if (auto notify = s.Bool("notify", true)) sec.notify = *notify;
        return sec;
      });
}

void AddZoneServersJson(const ZoneServers& s, Json& j) {
  if (!s.name_servers.empty()) {
    Json list = Json::array();
    for (const auto& ns : s.name_servers) {
      list.push_back(
          {{"node", ns.node}, {"host", ns.host}, {"addresses", ns.addresses}, {"port", ns.port}});
    }
    j["name_servers"] = std::move(list);
  }
  if (!s.tsig_keys.empty()) {
    Json list = Json::array();
    for (const auto& k : s.tsig_keys) {
      list.push_back({{"name", k.name}, {"algorithm", k.algorithm}, {"secret", k.secret}});
    }
    j["tsig_keys"] = std::move(list);
  }
  if (!s.transfer_key.empty()) j["transfer_key"] = s.transfer_key;
  if (!s.secondaries.empty()) {
    Json list = Json::array();
    for (const auto& sec : s.secondaries) {
      list.push_back({{"name", sec.name},
                      {"addresses", sec.addresses},
                      {"port", sec.port},
                      {"key", sec.key},
                      {"notify", sec.notify}});
    }
    j["secondaries"] = std::move(list);
  }
}

void CheckZoneServers(const SpecReader& r, std::string_view zone, const ZoneServers& s,
                      const std::vector<DnsRecord>& records) {
  std::set<std::string> nodes, hosts, keys, secondaries;
  for (size_t i = 0; i < s.name_servers.size(); ++i) {
    const auto& ns = s.name_servers[i];
    if (!nodes.insert(ns.node).second || !hosts.insert(ns.host).second) {
      r.Add(Indexed("name_servers", i),
            {"name_server.duplicate", "The node " + QuoteForMessage(ns.node) + " or host " +
                                          QuoteForMessage(ns.host) + " is listed twice."});
    }
  }
  for (size_t i = 0; i < s.tsig_keys.size(); ++i) {
    if (!keys.insert(s.tsig_keys[i].name).second) {
      r.Add(Indexed("tsig_keys", i),
            {"tsig.duplicate",
             "The key " + QuoteForMessage(s.tsig_keys[i].name) + " is listed twice."});
    }
  }
  auto unknown_key = [&](const std::string& path, const std::string& key) {
    r.Add(path, {"tsig.unknown_key",
                 "The key " + QuoteForMessage(key) + " is not one of the zone's tsig_keys."});
  };
  if (!s.transfer_key.empty() && keys.count(s.transfer_key) == 0) {
    unknown_key("transfer_key", s.transfer_key);
  }
  for (size_t i = 0; i < s.secondaries.size(); ++i) {
    const auto& sec = s.secondaries[i];
    if (keys.count(sec.key) == 0) unknown_key(Indexed("secondaries", i) + ".key", sec.key);
    if (!secondaries.insert(sec.name).second) {
      r.Add(Indexed("secondaries", i) + ".name",
            {"secondary.duplicate",
             "The secondary " + QuoteForMessage(sec.name) + " is listed twice."});
    }
  }
  if (s.name_servers.empty()) return;
  // The zone's own NS and their glue come from name_servers only.
  std::set<std::string> glue_names;
  const std::string suffix = "." + std::string(zone) + ".";
  for (const auto& host : hosts) {
    if (host.size() > suffix.size() && host.ends_with(suffix)) {
      glue_names.insert(host.substr(0, host.size() - suffix.size()));
    }
  }
  for (size_t i = 0; i < records.size(); ++i) {
    const DnsRecord& rec = records[i];
    std::string path = "records[" + std::to_string(i) + "]";
    if (rec.name == "@" && rec.type == "NS") {
      r.Add(path, {"record.ns_managed",
                   "The zone's name servers are hostplane's (name_servers): no NS record at "
                   "\"@\"."});
    } else if ((rec.type == "A" || rec.type == "AAAA") && glue_names.count(rec.name) != 0) {
      r.Add(path,
            {"record.glue_managed", "The address of the name server " + QuoteForMessage(rec.name) +
                                        " comes from name_servers; it cannot be a record too."});
    }
  }
}

}  // namespace hostplane::protocol
