#pragma once

// Who serves a zone (zone.ensure, zone_spec.h): hostplane's own name servers (one per node with
// the dns role: NS, glue, and the addresses the nodes transfer between), the TSIG keys of the
// zone (company-wide and the zone's own, secrets sealed to the node), and the external
// secondaries that are sent NOTIFY and may transfer the zone with their key. Every member is
// optional on the wire: a spec without them is the one-server zone of before (apex NS from the
// records or soa.mname).
//
// Canonical forms and codes (paths like "name_servers[1].host"):
//  name_servers[]  at most 16, node names unique, hosts unique
//    node        CheckNodeName (node.*)
//    host        an absolute host with the trailing dot (CheckDnsHost: record.value_invalid)
//    addresses   1-8 IP literals in inet_ntop form (name_server.address_invalid), the glue when
//                host lies inside the zone and the address the other nodes transfer from
//    port        1-65535, default 53 (field.range)
//  tsig_keys[]     at most 16, names unique (tsig.duplicate)
//    name        the key's DNS name, lowercase labels of [a-z0-9-] (1-63, no '-' at either end)
//                with the trailing dot, at most 253 bytes (tsig.name_invalid): the name the
//                other server is configured with. A name always stands for one secret on a node
//                (every zone that uses it carries the same): rotating a key means a new name.
//    algorithm   hmac-sha256 | hmac-sha384 | hmac-sha512 (tsig.algorithm)
//    secret      "sealed:<base64>" (common/sealed_box.h) of the base64 secret (tsig.not_sealed)
//  transfer_key    the tsig_keys name hostplane's own servers sign their NOTIFY and transfers
//                  with, or "" (tsig.unknown_key)
//  secondaries[]   at most 16, names unique (secondary.duplicate)
//    name        ^[a-z0-9][a-z0-9-]{0,31}$ (secondary.name_invalid), a label for logs and ids
//    addresses   1-8 IP literals (secondary.address_invalid)
//    port        1-65535, default 53
//    key         a tsig_keys name (tsig.unknown_key): transfers are allowed only with it
//    notify      bool, default true: sent NOTIFY on every change
// With name_servers given, the records hold no apex NS (record.ns_managed) and no A/AAAA at the
// name of a name server inside the zone (record.glue_managed): both come from name_servers.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "protocol/validate.h"

namespace hostplane::protocol {

struct DnsRecord;  // zone_spec.h
class SpecReader;  // spec_reader.h

inline constexpr size_t kMaxNameServers = 16;
inline constexpr size_t kMaxTsigKeys = 16;
inline constexpr size_t kMaxSecondaries = 16;

struct NameServer {
  std::string node;
  std::string host;  // "ns1.hostco.example."
  std::vector<std::string> addresses;
  int64_t port = 53;
  bool operator==(const NameServer&) const = default;
};

struct TsigKey {
  std::string name;       // "xfr1.acme.example."
  std::string algorithm;  // "hmac-sha256"
  std::string secret;     // sealed
  bool operator==(const TsigKey&) const = default;
};

struct ExternalSecondary {
  std::string name;
  std::vector<std::string> addresses;
  int64_t port = 53;
  std::string key;
  bool notify = true;
  bool operator==(const ExternalSecondary&) const = default;
};

struct ZoneServers {
  std::vector<NameServer> name_servers;
  std::vector<TsigKey> tsig_keys;
  std::string transfer_key;
  std::vector<ExternalSecondary> secondaries;
  bool operator==(const ZoneServers&) const = default;
};

// The TSIG key name grammar. Code: tsig.name_invalid.
Checked<std::string> CheckTsigKeyName(std::string_view input);

// Reads the members above from a zone spec (every violation into r's errors).
void ReadZoneServers(const SpecReader& r, ZoneServers& out);
// Adds the members that are not empty to j.
void AddZoneServersJson(const ZoneServers& s, nlohmann::json& j);
// The rules between members and with the records (zone canonical, records canonical):
// tsig.unknown_key, record.ns_managed, record.glue_managed.
void CheckZoneServers(const SpecReader& r, std::string_view zone, const ZoneServers& s,
                      const std::vector<DnsRecord>& records);

}  // namespace hostplane::protocol
