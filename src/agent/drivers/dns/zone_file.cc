#include "agent/drivers/dns/zone_file.h"

#include <fmt/format.h>

#include <algorithm>
#include <tuple>
#include <vector>

namespace hostplane::agent {
namespace {

constexpr const char* kTestConflictName = "hostplane-test-conflict";
constexpr size_t kTxtChunk = 255;

// RDATA of one canonical record (the value grammar of zone_spec.h).
std::string Rdata(const protocol::DnsRecord& r) {
  if (r.type == "TXT") return EncodeTxt(r.value);
  if (r.type == "CAA") {
    // "<flags> <tag> <value>": flags and tag are grammar tokens, the value is quoted.
    size_t first = r.value.find(' ');
    size_t second = r.value.find(' ', first + 1);
    return r.value.substr(0, second) + " " + EncodeTxt(r.value.substr(second + 1));
  }
  return r.value;  // addresses, absolute hosts and numbers: nothing to quote
}

// Apex first, then names, types and values in byte order: one zone, one byte sequence.
bool RecordLess(const protocol::DnsRecord& a, const protocol::DnsRecord& b) {
  return std::make_tuple(a.name != "@", a.name, a.type, a.value, a.ttl) <
         std::make_tuple(b.name != "@", b.name, b.type, b.value, b.ttl);
}

}  // namespace

std::string EncodeTxt(std::string_view raw) {
  std::string out;
  size_t pos = 0;
  do {
    std::string_view chunk = raw.substr(pos, kTxtChunk);
    pos += chunk.size();
    if (!out.empty()) out += ' ';
    out += '"';
    for (unsigned char c : chunk) {
      if (c == '"' || c == '\\') {
        out += '\\';
        out += static_cast<char>(c);
      } else if (c < 0x20 || c >= 0x7f) {
        out += fmt::format("\\{:03d}", c);
      } else {
        out += static_cast<char>(c);
      }
    }
    out += '"';
  } while (pos < raw.size());
  return out;
}

std::string RenderZoneFile(const protocol::ZoneSpec& z, bool test_break) {
  std::string out = fmt::format(
      "; managed by hostplane: zone {}; edits are overwritten\n"
      "$ORIGIN {}.\n"
      "$TTL {}\n",
      z.zone, z.zone, z.default_ttl);
  const auto& s = z.soa;
  out += fmt::format("@ {} IN SOA {}. {}. {} {} {} {} {}\n", z.default_ttl, s.mname, s.rname,
                     z.serial, s.refresh, s.retry, s.expire, s.minimum);
  std::vector<protocol::DnsRecord> records = z.records;
  // Every name server, with its addresses as glue when its host lies inside the zone (the
  // decoder refused records that would say the same).
  const std::string suffix = "." + z.zone + ".";
  for (const auto& ns : z.servers.name_servers) {
    records.push_back({"@", "NS", z.default_ttl, ns.host});
    if (ns.host.size() <= suffix.size() || !ns.host.ends_with(suffix)) continue;
    std::string name = ns.host.substr(0, ns.host.size() - suffix.size());
    for (const auto& a : ns.addresses) {
      records.push_back({name, a.find(':') == std::string::npos ? "A" : "AAAA", z.default_ttl, a});
    }
  }
  bool apex_ns = std::any_of(records.begin(), records.end(), [](const protocol::DnsRecord& r) {
    return r.name == "@" && r.type == "NS";
  });
  if (!apex_ns) records.push_back({"@", "NS", z.default_ttl, s.mname + "."});
  std::sort(records.begin(), records.end(), RecordLess);
  for (const auto& r : records) {
    out += fmt::format("{} {} IN {} {}\n", r.name, r.ttl, r.type, Rdata(r));
  }
  if (test_break) {
    out += fmt::format("{} {} IN CNAME {}.\n", kTestConflictName, z.default_ttl, z.zone);
    out += fmt::format("{} {} IN TXT \"conflict\"\n", kTestConflictName, z.default_ttl);
  }
  return out;
}

}  // namespace hostplane::agent
