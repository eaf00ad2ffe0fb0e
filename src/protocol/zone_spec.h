#pragma once

// The DNS zone of one customer domain as a task spec (kinds zone.ensure / zone.remove, object
// "zone:<zone>", dns nodes), and the grammar of its records. The controller's API checks every
// record a customer enters with CheckDnsRecord and a whole zone with CheckZoneRecords; the agent
// runs the same functions again through ZoneSpecFromJson before the zone file encoder sees a byte
// (shared/SECURITY.md rule 3, Plesk CVE-2026-65646: DNS zone injection).
//
// Canonical forms (what the controller stores and sends; the agent refuses anything else):
//  - name: the owner-name grammar of validate.h (CheckDnsOwnerName): "@" for the apex, otherwise
//    a name RELATIVE to the zone: lowercase labels of [a-z0-9_-], 1-63 bytes each, no '-' at
//    either end of a label, an optional leading "*." wildcard label ("*" alone too); the whole
//    owner name (name + "." + zone) at most 253 bytes. An absolute name inside the zone
//    ("www.acme.example.") is accepted at the API and canonicalised to "www"; anything else
//    that ends in a dot is refused.
//  - host names inside values (CNAME, NS, MX, SRV targets; SOA mname/rname): ALWAYS ABSOLUTE.
//    The one rule: a host value is a fully qualified name, with or without a trailing dot
//    ("mail.acme.example" and "mail.acme.example." are the same name; a value is never
//    appended to the zone); "@" stands for the zone apex. Canonical form: lowercase, trailing
//    dot ("mail.acme.example."). Non-ASCII hosts are converted to A-labels (CheckDomain). A
//    single-label host ("mail") is refused: it is almost always a relative name meant for the
//    zone, and guessing would point mail at the wrong server.
//  - type: uppercase, one of A AAAA CNAME NS MX TXT SRV CAA.
//  - value per type:
//      A, AAAA  the address in inet_ntop's canonical form ("2001:db8::1");
//      CNAME,NS the host;
//      MX       "<preference 0-65535> <host>"; host "." (null MX, RFC 7505) only with
//               preference 0;
//      TXT      the RAW text (not quoted, no escapes): valid UTF-8 without control characters,
//               at most 4000 bytes; quotes, semicolons and backslashes are plain characters.
//               The zone file encoder quotes, escapes and splits it into <= 255-byte strings;
//      SRV      "<priority> <weight> <port> <target>", each number 0-65535, target a host or
//               "."; the name must be "_service._proto" or below it ("_sip._tcp", "_sip._tcp.eu");
//      CAA      "<flags 0-255> <tag> <value>", tag issue|issuewild|iodef (lowercase), value the
//               raw text without quotes: printable ASCII other than '"' and '\', at most 255
//               bytes (an empty value after issue means "nobody may issue"); iodef values are
//               "mailto:" or "https:" URLs.
//    Numbers are strict decimals (no sign, no leading zeros); fields are separated by single
//    spaces in the canonical form.
//  - ttl: 60..604800 seconds.
// No value can produce a zone file directive: owner names allow no '$', every TXT and CAA
// string is quoted and escaped, and no field allows a control character.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "protocol/messages.h"
#include "protocol/validate.h"
#include "protocol/zone_dnssec.h"
#include "protocol/zone_servers.h"

namespace hostplane::protocol {

inline constexpr const char* kZoneEnsure = "zone.ensure";
inline constexpr const char* kZoneRemove = "zone.remove";

inline constexpr int64_t kMinRecordTtl = 60;
inline constexpr int64_t kMaxRecordTtl = 604800;
inline constexpr int64_t kMaxSerial = 4294967295;
inline constexpr size_t kMaxTxtBytes = 4000;
inline constexpr size_t kMaxZoneRecords = 5000;

// One resource record in canonical form.
struct DnsRecord {
  std::string name;  // "@" or relative
  std::string type;  // "A", "MX", ...
  int64_t ttl = 3600;
  std::string value;  // canonical RDATA text as described above (TXT: raw text)
  bool operator==(const DnsRecord&) const = default;
};

// Checks one record of `zone` (a canonical domain, CheckDomain) and returns its canonical form.
// Codes: record.type_unsupported, record.name_invalid (also "@" for SRV, a '$', a control
// character), record.value_invalid, record.ttl_range, record.txt_too_long, record.cname_conflict
// (a CNAME at the apex, which always holds SOA and NS).
Checked<DnsRecord> CheckDnsRecord(std::string_view zone, std::string_view name,
                                  std::string_view type, std::string_view value, int64_t ttl);

// The rules that span records of one zone (records already canonical): a CNAME shares its name
// with no other record (record.cname_conflict, reported on every record of that name but the
// first), a record listed twice (record.duplicate), records of one name and type with different
// TTLs (record.ttl_mismatch), an NS record whose target lies at or below its own name without an
// A or AAAA record for that target (record.glue_missing, as Knot's semantic checks), more than
// kMaxZoneRecords records (record.too_many, index kMaxZoneRecords). Returns (record index,
// violation) pairs in index order; empty when sound.
std::vector<std::pair<size_t, Violation>> CheckZoneRecords(std::string_view zone,
                                                           const std::vector<DnsRecord>& records);

// The field of a record a CheckDnsRecord code belongs to ("name", "type", "ttl", "value"), for
// field paths like "records[3].value"; "" for codes about the record as a whole.
const char* DnsRecordField(std::string_view code);

// An absolute host name: the value grammar of CNAME/NS/MX/SRV targets ("@" = the zone apex).
// Returns the canonical form with a trailing dot. Codes: record.value_invalid.
Checked<std::string> CheckDnsHost(std::string_view zone, std::string_view input);

struct SoaSpec {
  std::string mname;       // the primary name server, a domain without trailing dot (CheckDnsHost)
  std::string rname;       // the contact mailbox in domain form ("hostmaster.acme.example")
  int64_t refresh = 3600;  // 60..2419200
  int64_t retry = 600;     // 60..2419200
  int64_t expire = 1209600;  // 3600..4838400
  int64_t minimum = 300;     // 60..86400 (negative-answer TTL)
  bool operator==(const SoaSpec&) const = default;
};

// kind zone.ensure: the full content of one zone. ZoneSpecFromJson runs every field through the
// grammars again and refuses values that are valid but not canonical ("<grammar>.not_canonical",
// records: record.not_canonical); every violation is reported at once, paths like
// "records[3].value", "soa.retry". Codes beyond the record codes: zone.serial_range (1 ..
// 4294967295), soa.host_invalid (mname, rname), soa.range, soa.glue_missing (no apex NS among the
// records, so the zone file names soa.mname, which lies inside the zone without an address), the
// domain.* and login.* codes, and the field.* shape codes of messages.h. Records come back in the
// order given.
struct ZoneSpec {
  std::string zone;     // canonical domain
  std::string account;  // login (CheckLoginGrammar)
  int64_t serial = 1;
  int64_t default_ttl = 3600;  // the zone file's $TTL, 60..604800 (record.ttl_range)
  SoaSpec soa;
  std::vector<DnsRecord> records;
  // Optional (absent in a spec of before): the name servers, TSIG keys and external secondaries
  // (zone_servers.h) and the DNSSEC state (zone_dnssec.h), each with its own codes.
  ZoneServers servers;
  DnssecSpec dnssec;
  bool operator==(const ZoneSpec&) const = default;
};
nlohmann::json ToJson(const ZoneSpec& z);
[[nodiscard]] Result<ZoneSpec> ZoneSpecFromJson(const Json& j,
                                                UnknownMembers unknown = UnknownMembers::kIgnore);
// The largest TTL the zone file holds: default_ttl (SOA, NS and glue), every record's, and the
// DNSKEY TTL when signed. Knot's signing policy is told it (zone-max-ttl).
int64_t ZoneMaxTtl(const ZoneSpec& z);

// kind zone.remove.
struct ZoneRemoval {
  std::string zone;
  std::string account;
  bool operator==(const ZoneRemoval&) const = default;
};
nlohmann::json ToJson(const ZoneRemoval& z);
[[nodiscard]] Result<ZoneRemoval> ZoneRemovalFromJson(
    const Json& j, UnknownMembers unknown = UnknownMembers::kIgnore);

}  // namespace hostplane::protocol
