#include "protocol/zone_spec.h"

#include <arpa/inet.h>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "common/text/text.h"
#include "protocol/record_types.h"
#include "protocol/spec_reader.h"

namespace hostplane::protocol {
namespace {

using Json = nlohmann::json;

constexpr const char* kTypeUnsupported = "record.type_unsupported";
constexpr const char* kNameInvalid = "record.name_invalid";
constexpr const char* kValueInvalid = "record.value_invalid";
constexpr const char* kTtlRange = "record.ttl_range";
constexpr const char* kCnameConflict = "record.cname_conflict";
constexpr const char* kTxtTooLong = "record.txt_too_long";
constexpr const char* kDuplicate = "record.duplicate";
constexpr const char* kTtlMismatch = "record.ttl_mismatch";
constexpr const char* kTooMany = "record.too_many";
constexpr const char* kGlueMissing = "record.glue_missing";
constexpr const char* kNotCanonical = "record.not_canonical";

constexpr size_t kMaxName = 253;
constexpr size_t kMaxLabel = 63;
// Far above any valid field; bounds the work done on hostile input before it is refused.
constexpr size_t kMaxInput = 8192;
constexpr size_t kMaxCaaValue = 255;

constexpr std::array<std::string_view, 8> kTypes = {"A",  "AAAA", "CNAME", "NS",
                                                    "MX", "TXT",  "SRV",   "CAA"};

tl::unexpected<Violation> Refuse(const char* code, std::string message) {
  return tl::unexpected(Violation{code, std::move(message)});
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string AsciiUpper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

bool IsAscii(std::string_view s) {
  for (unsigned char c : s) {
    if (c >= 0x80) return false;
  }
  return true;
}

// One DNS label of a name or host: 1-63 of [a-z0-9_-] (already lowercased).
bool IsLabel(std::string_view label) {
  if (label.empty() || label.size() > kMaxLabel) return false;
  for (char c : label) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

bool IsIpLiteral(const std::string& s) {
  unsigned char buf[sizeof(struct in6_addr)];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

// Valid UTF-8 without control characters (C0, DEL, C1).
std::optional<std::string> TextProblem(std::string_view s) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(s.data());
  int32_t length = static_cast<int32_t>(s.size());
  for (int32_t i = 0; i < length;) {
    UChar32 c;
    U8_NEXT(bytes, i, length, c);
    if (c < 0) return "is not valid UTF-8";
    if (u_charType(c) == U_CONTROL_CHAR) return "contains a control character";
  }
  return std::nullopt;
}

Checked<std::string> CheckAddress(std::string_view input, int family) {
  const char* what = family == AF_INET ? "an IPv4 address" : "an IPv6 address";
  auto bad = [&] {
    return Refuse(kValueInvalid, "The value " + QuoteForMessage(input) + " is not " + what + ".");
  };
  if (input.size() > 64) return bad();
  std::string s(input);
  unsigned char buf[sizeof(struct in6_addr)];
  if (inet_pton(family, s.c_str(), buf) != 1) return bad();
  char text[INET6_ADDRSTRLEN];
  if (inet_ntop(family, buf, text, sizeof text) == nullptr) return bad();
  return std::string(text);
}

Checked<int64_t> Number(std::string_view input, int64_t max, const char* what) {
  auto n = CheckInteger(input, 0, max);
  if (!n) {
    return Refuse(kValueInvalid, std::string("The ") + what + " must be a whole number from 0 to " +
                                     std::to_string(max) + ", not " + QuoteForMessage(input) + ".");
  }
  return *n;
}

// A host or "." (the root: SRV "no service", null MX).
Checked<std::string> HostOrRoot(std::string_view zone, std::string_view input) {
  if (input == ".") return std::string(".");
  return CheckDnsHost(zone, input);
}

Checked<std::string> CheckMx(std::string_view zone, std::string_view input) {
  auto f = Fields(input);
  if (f.size() != 2) {
    return Refuse(kValueInvalid,
                  "An MX value is \"<preference> <host>\", not " + QuoteForMessage(input) + ".");
  }
  auto pref = Number(f[0], 65535, "MX preference");
  if (!pref) return tl::unexpected(pref.error());
  auto host = HostOrRoot(zone, f[1]);
  if (!host) return tl::unexpected(host.error());
  if (*host == "." && *pref != 0) {
    return Refuse(kValueInvalid, "A null MX (host \".\") must have preference 0.");
  }
  return std::to_string(*pref) + " " + *host;
}

Checked<std::string> CheckSrv(std::string_view zone, std::string_view input) {
  auto f = Fields(input);
  if (f.size() != 4) {
    return Refuse(kValueInvalid, "An SRV value is \"<priority> <weight> <port> <target>\", not " +
                                     QuoteForMessage(input) + ".");
  }
  std::string out;
  for (auto [i, what] : {std::pair{0, "SRV priority"}, {1, "SRV weight"}, {2, "SRV port"}}) {
    auto n = Number(f[i], 65535, what);
    if (!n) return tl::unexpected(n.error());
    out += std::to_string(*n) + " ";
  }
  auto target = HostOrRoot(zone, f[3]);
  if (!target) return tl::unexpected(target.error());
  return out + *target;
}

Checked<std::string> CheckCaa(std::string_view input) {
  // "<flags> <tag> <value>": the value is everything after the tag and may contain spaces.
  std::string_view rest = input;
  std::array<std::string_view, 2> head;
  for (auto& h : head) {
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    size_t sp = rest.find(' ');
    if (sp == std::string_view::npos) {
      return Refuse(kValueInvalid, "A CAA value is \"<flags> <tag> <value>\", not " +
                                       QuoteForMessage(input) + ".");
    }
    h = rest.substr(0, sp);
    rest.remove_prefix(sp + 1);
  }
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  while (!rest.empty() && rest.back() == ' ') rest.remove_suffix(1);
  auto flags = Number(head[0], 255, "CAA flags");
  if (!flags) return tl::unexpected(flags.error());
  std::string tag = AsciiLower(head[1]);
  if (tag != "issue" && tag != "issuewild" && tag != "iodef") {
    return Refuse(kValueInvalid, "The CAA tag must be issue, issuewild or iodef, not " +
                                     QuoteForMessage(head[1]) + ".");
  }
  // A value copied from a zone file arrives quoted: the quotes are not part of it.
  if (rest.size() >= 2 && rest.front() == '"' && rest.back() == '"') {
    rest = rest.substr(1, rest.size() - 2);
  }
  if (rest.size() > kMaxCaaValue) {
    return Refuse(kValueInvalid, "A CAA value must be at most 255 bytes.");
  }
  for (char c : rest) {
    if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
      return Refuse(kValueInvalid,
                    "A CAA value must be printable ASCII without quotes or backslashes, not " +
                        QuoteForMessage(rest) + ".");
    }
  }
  if (tag == "iodef" && !rest.starts_with("mailto:") && !rest.starts_with("https://") &&
      !rest.starts_with("http://")) {
    return Refuse(kValueInvalid, "A CAA iodef value must be a mailto:, http:// or https:// URL.");
  }
  return std::to_string(*flags) + " " + tag + " " + std::string(rest);
}

Checked<std::string> CheckTxt(std::string_view input) {
  if (input.size() > kMaxTxtBytes) {
    return Refuse(kTxtTooLong, "A TXT value must be at most 4000 bytes; this one has " +
                                   std::to_string(input.size()) + ".");
  }
  if (auto problem = TextProblem(input)) {
    return Refuse(kValueInvalid, "The TXT value " + QuoteForMessage(input) + " " + *problem + ".");
  }
  return std::string(input);
}

// The owner name of a relative name, absolute without the trailing dot.
std::string OwnerName(std::string_view zone, const std::string& name) {
  return name == "@" ? std::string(zone) : name + "." + std::string(zone);
}

// The relative name ("@" for the apex) of an absolute host ("a.b.zone."), when it lies at or
// below `owner` (an owner name without trailing dot) inside the zone; nullopt otherwise.
std::optional<std::string> InBailiwick(std::string_view zone, const std::string& owner,
                                       const std::string& host) {
  if (host.empty() || host.back() != '.') return std::nullopt;
  std::string h = host.substr(0, host.size() - 1);
  if (h != owner && !h.ends_with("." + owner)) return std::nullopt;
  if (h == zone) return std::string("@");
  return h.substr(0, h.size() - zone.size() - 1);
}

bool HasAddress(const std::vector<DnsRecord>& records, const std::string& name) {
  return std::any_of(records.begin(), records.end(), [&](const DnsRecord& r) {
    return r.name == name && (r.type == "A" || r.type == "AAAA");
  });
}

bool IsServiceLabel(std::string_view label) { return label.size() >= 2 && label.front() == '_'; }

// An integer member in [min, max], refused with `code` outside it. A JSON number too large for
// int64 is field.range, as for any member.
std::optional<int64_t> Ranged(const SpecReader& r, const char* key, int64_t min, int64_t max,
                              const char* code) {
  auto v = r.Integer(key);
  if (v && (*v < min || *v > max)) {
    r.Add(key, {code, "field \"" + r.Path(key) + "\" must be from " + std::to_string(min) + " to " +
                          std::to_string(max) + ", not " + std::to_string(*v) + "."});
    return std::nullopt;
  }
  return v;
}

// The zone and account of both specs.
void ReadOwner(const SpecReader& r, std::string& zone, std::string& account) {
  if (auto z = r.String("zone")) {
    zone = *z;
    r.CheckCanonical("zone", zone, CheckDomain(zone), "domain");
  }
  if (auto a = r.String("account")) {
    account = *a;
    r.CheckCanonical("account", account, CheckLoginGrammar(account), "login");
  }
}

// SOA names are stored like domains, without the trailing dot.
Checked<std::string> CheckSoaHost(std::string_view zone, std::string_view input) {
  auto host = CheckDnsHost(zone, input);
  if (!host) return tl::unexpected(Violation{"soa.host_invalid", host.error().message});
  return host->substr(0, host->size() - 1);
}

void ReadSoa(const SpecReader& r, const std::string& zone, SoaSpec& soa) {
  for (auto [key, target] : {std::pair{"mname", &soa.mname}, {"rname", &soa.rname}}) {
    if (auto v = r.String(key)) {
      *target = *v;
      r.CheckCanonical(key, *v, CheckSoaHost(zone, *v), "soa");
    }
  }
  struct Range {
    const char* key;
    int64_t* target;
    int64_t min, max;
  };
  for (const Range& n :
       {Range{"refresh", &soa.refresh, 60, 2419200}, Range{"retry", &soa.retry, 60, 2419200},
        Range{"expire", &soa.expire, 3600, 4838400}, Range{"minimum", &soa.minimum, 60, 86400}}) {
    if (auto v = Ranged(r, n.key, n.min, n.max, "soa.range")) *n.target = *v;
  }
}

// The first member of a record that differs from its canonical form, and the canonical text.
std::pair<const char*, std::string> FirstDifference(const DnsRecord& given,
                                                    const DnsRecord& canonical) {
  if (given.name != canonical.name) return {"name", canonical.name};
  if (given.type != canonical.type) return {"type", canonical.type};
  if (given.ttl != canonical.ttl) return {"ttl", std::to_string(canonical.ttl)};
  return {"value", canonical.value};
}

std::string RecordPath(size_t i, std::string_view field) {
  std::string p = "records[" + std::to_string(i) + "]";
  if (!field.empty()) p += "." + std::string(field);
  return p;
}

}  // namespace

const char* DnsRecordField(std::string_view code) {
  if (code == kNameInvalid) return "name";
  if (code == kTypeUnsupported) return "type";
  if (code == kTtlRange) return "ttl";
  if (code == kValueInvalid || code == kTxtTooLong) return "value";
  return ExtendedRecordField(code);
}

Checked<std::string> CheckDnsHost(std::string_view zone, std::string_view input) {
  auto bad = [&](const std::string& why) {
    return Refuse(kValueInvalid, "The host " + QuoteForMessage(input) + " " + why + ".");
  };
  if (input.empty()) return bad("is empty");
  if (input.size() > kMaxInput) return bad("is too long");
  if (input == "@") return std::string(zone) + ".";
  std::string host;
  if (!IsAscii(input)) {
    auto idna = CheckDomain(input);  // U-labels to A-labels
    if (!idna) return bad("is not a valid domain name: " + idna.error().message);
    host = *idna;
  } else {
    host = AsciiLower(input);
    if (host.back() == '.') host.pop_back();
  }
  if (host.empty()) return bad("is empty");
  if (host.size() > kMaxName) return bad("is longer than 253 bytes");
  if (IsIpLiteral(host)) return bad("is an address; a host name is needed here");
  auto labels = Split(host, '.');
  if (labels.size() < 2) {
    return bad("must be a fully qualified name (\"mail.example.com\"), or \"@\" for the zone");
  }
  for (std::string_view l : labels) {
    if (!IsLabel(l) || l.front() == '-' || l.back() == '-') {
      return bad(
          "must be labels of letters, digits, '-' and '_' (1 to 63 each, no '-' at "
          "either end)");
    }
  }
  return host + ".";
}

Checked<DnsRecord> CheckDnsRecord(std::string_view zone, std::string_view name,
                                  std::string_view type, std::string_view value, int64_t ttl) {
  DnsRecord r;
  r.type = AsciiUpper(type.substr(0, 16));
  if (type.size() <= 16 && IsReadOnlyRecordType(r.type)) {
    return Refuse("record.type_read_only",
                  "The " + r.type +
                      " records of a zone are made by the name servers when the "
                      "zone is signed (DNSSEC); they cannot be added by hand.");
  }
  if (type.size() > 16 || (std::find(kTypes.begin(), kTypes.end(), r.type) == kTypes.end() &&
                           !IsExtendedRecordType(r.type))) {
    return Refuse(kTypeUnsupported, "The record type " + QuoteForMessage(type) +
                                        " is not supported (A, AAAA, CNAME, NS, MX, TXT, SRV, "
                                        "CAA, HTTPS, SVCB, TLSA, DS).");
  }
  auto n = CheckDnsOwnerName(zone, name);
  if (!n) return tl::unexpected(n.error());
  r.name = *n;
  if (ttl < kMinRecordTtl || ttl > kMaxRecordTtl) {
    return Refuse(kTtlRange,
                  "The TTL must be from 60 to 604800 seconds, not " + std::to_string(ttl) + ".");
  }
  r.ttl = ttl;
  if (value.size() > kMaxInput) {
    return Refuse(r.type == "TXT" ? kTxtTooLong : kValueInvalid, "The value is too long.");
  }
  Checked<std::string> v;
  if (r.type == "A") {
    v = CheckAddress(value, AF_INET);
  } else if (r.type == "AAAA") {
    v = CheckAddress(value, AF_INET6);
  } else if (r.type == "CNAME") {
    if (r.name == "@") {
      return Refuse(
          kCnameConflict,
          "A CNAME cannot be at the zone apex \"@\", which holds the SOA and NS records.");
    }
    v = CheckDnsHost(zone, value);
  } else if (r.type == "NS") {
    v = CheckDnsHost(zone, value);
  } else if (r.type == "MX") {
    v = CheckMx(zone, value);
  } else if (r.type == "TXT") {
    v = CheckTxt(value);
  } else if (r.type == "SRV") {
    auto labels = Split(r.name, '.');
    if (labels.size() < 2 || !IsServiceLabel(labels[0]) || !IsServiceLabel(labels[1])) {
      return Refuse(kNameInvalid,
                    "An SRV record's name must be \"_service._proto\" (like "
                    "\"_sip._tcp\"), not " +
                        QuoteForMessage(r.name) + ".");
    }
    v = CheckSrv(zone, value);
  } else if (r.type == "CAA") {
    v = CheckCaa(value);
  } else {
    v = CheckExtendedRecord(zone, r.name, r.type, value);  // protocol/record_types.h
  }
  if (!v) return tl::unexpected(v.error());
  r.value = std::move(*v);
  return r;
}

std::vector<std::pair<size_t, Violation>> CheckZoneRecords(std::string_view zone,
                                                           const std::vector<DnsRecord>& records) {
  std::vector<std::pair<size_t, Violation>> out;
  std::map<std::string, std::vector<size_t>> by_name;
  for (size_t i = 0; i < records.size(); ++i) by_name[records[i].name].push_back(i);
  std::set<size_t> conflicting;
  for (const auto& [name, indexes] : by_name) {
    bool has_cname = false;
    for (size_t i : indexes) has_cname |= records[i].type == "CNAME";
    if (!has_cname || indexes.size() < 2) continue;
    for (size_t k = 1; k < indexes.size(); ++k) conflicting.insert(indexes[k]);
  }
  std::set<std::tuple<std::string, std::string, std::string>> seen;
  std::map<std::pair<std::string, std::string>, int64_t> ttls;
  for (size_t i = 0; i < records.size(); ++i) {
    const DnsRecord& r = records[i];
    if (i == kMaxZoneRecords) {
      out.push_back(
          {i,
           {kTooMany, "A zone can hold at most " + std::to_string(kMaxZoneRecords) + " records."}});
    }
    if (conflicting.count(i) != 0) {
      out.push_back({i,
                     {kCnameConflict, "The name " + QuoteForMessage(r.name) +
                                          " has a CNAME, so it can have no other record."}});
      continue;
    }
    if (!seen.insert({r.name, r.type, r.value}).second) {
      out.push_back({i,
                     {kDuplicate, "The " + r.type + " record " + QuoteForMessage(r.value) + " at " +
                                      QuoteForMessage(r.name) + " is listed twice."}});
      continue;
    }
    auto [it, inserted] = ttls.emplace(std::pair{r.name, r.type}, r.ttl);
    if (!inserted && it->second != r.ttl) {
      out.push_back(
          {i,
           {kTtlMismatch, "All " + r.type + " records at " + QuoteForMessage(r.name) +
                              " must have the same TTL (" + std::to_string(it->second) + ")."}});
      continue;
    }
    // A name server at or below the name it serves needs its address in this zone (glue),
    // as Knot's semantic checks require.
    if (r.type == "NS") {
      auto target = InBailiwick(zone, OwnerName(zone, r.name), r.value);
      if (target && !HasAddress(records, *target)) {
        out.push_back({i,
                       {kGlueMissing, "The name server " + QuoteForMessage(r.value) +
                                          " lies inside the zone: add an A or AAAA record "
                                          "for " +
                                          QuoteForMessage(*target) + "."}});
      }
    }
  }
  for (auto& violation : CheckExtendedZoneRules(zone, records)) out.push_back(std::move(violation));
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

Json ToJson(const ZoneSpec& z) {
  Json records = Json::array();
  for (const auto& r : z.records) {
    records.push_back(Json{{"name", r.name}, {"type", r.type}, {"ttl", r.ttl}, {"value", r.value}});
  }
  Json j = Json{{"zone", z.zone},
                {"account", z.account},
                {"serial", z.serial},
                {"default_ttl", z.default_ttl},
                {"soa",
                 {{"mname", z.soa.mname},
                  {"rname", z.soa.rname},
                  {"refresh", z.soa.refresh},
                  {"retry", z.soa.retry},
                  {"expire", z.soa.expire},
                  {"minimum", z.soa.minimum}}},
                {"records", std::move(records)}};
  AddZoneServersJson(z.servers, j);
  AddZoneDnssecJson(z.dnssec, j);
  return j;
}

Result<ZoneSpec> ZoneSpecFromJson(const Json& j, UnknownMembers unknown) {
  if (!j.is_object()) return Fail(Error::Invalid("ZoneSpec: the spec must be a JSON object"));
  FieldErrors errors;
  SpecReader r(j, errors, "", unknown);
  ZoneSpec z;
  ReadOwner(r, z.zone, z.account);
  const bool zone_ok = !z.zone.empty() && CheckDomain(z.zone).has_value();
  if (auto v = Ranged(r, "serial", 1, kMaxSerial, "zone.serial_range")) z.serial = *v;
  if (auto v = Ranged(r, "default_ttl", kMinRecordTtl, kMaxRecordTtl, kTtlRange)) {
    z.default_ttl = *v;
  }
  if (const Json* soa = r.Object("soa")) ReadSoa(r.Nested(*soa, "soa"), z.zone, z.soa);
  ReadZoneServers(r, z.servers);
  ReadZoneDnssec(r, j, z.dnssec);
  bool records_ok = true;
  if (const Json* records = r.Array("records")) {
    if (records->size() > kMaxZoneRecords) {
      errors.Add("records", {kTooMany, "A zone can hold at most " +
                                           std::to_string(kMaxZoneRecords) + " records."});
      records_ok = false;
    } else {
      for (size_t i = 0; i < records->size(); ++i) {
        auto rr = r.ObjectItem(*records, "records", i);
        if (!rr) {
          records_ok = false;
          continue;
        }
        DnsRecord given;
        auto name = rr->String("name");
        auto type = rr->String("type");
        auto ttl = rr->Integer("ttl");
        auto value = rr->String("value");
        if (!name || !type || !ttl || !value) {
          records_ok = false;
          continue;
        }
        given = DnsRecord{*name, *type, *ttl, *value};
        if (!zone_ok) continue;  // the zone's own error is reported; records need a zone
        auto checked = CheckDnsRecord(z.zone, given.name, given.type, given.value, given.ttl);
        if (!checked) {
          errors.Add(RecordPath(i, DnsRecordField(checked.error().code)), checked.error());
          records_ok = false;
          continue;
        }
        if (*checked != given) {
          auto [field, canonical] = FirstDifference(given, *checked);
          errors.Add(RecordPath(i, field),
                     {kNotCanonical, "Record " + std::to_string(i) + " is not in canonical form (" +
                                         field + " " + QuoteForMessage(canonical) + ")."});
          records_ok = false;
          continue;
        }
        z.records.push_back(std::move(given));
      }
    }
  } else {
    records_ok = false;
  }
  if (records_ok && zone_ok) {
    for (const auto& [i, v] : CheckZoneRecords(z.zone, z.records)) errors.Add(RecordPath(i, ""), v);
    // Without an apex NS among the records, the zone file names soa.mname as its name server.
    CheckZoneServers(r, z.zone, z.servers, z.records);
    CheckZoneDnssec(r, z.dnssec, z.servers, ZoneMaxTtl(z));
    bool apex_ns = !z.servers.name_servers.empty() ||
                   std::any_of(z.records.begin(), z.records.end(),
                               [](const DnsRecord& r) { return r.name == "@" && r.type == "NS"; });
    if (!apex_ns && !z.soa.mname.empty()) {
      auto target = InBailiwick(z.zone, z.zone, z.soa.mname + ".");
      if (target && !HasAddress(z.records, *target)) {
        errors.Add("soa.mname", {"soa.glue_missing",
                                 "The primary name server " + QuoteForMessage(z.soa.mname) +
                                     " lies inside the zone and the records name no other: add "
                                     "an A or AAAA record for " +
                                     QuoteForMessage(*target) + "."});
      }
    }
  }
  r.RecordUnknown();
  if (!errors.empty()) return Fail(errors.ToError());
  return z;
}

int64_t ZoneMaxTtl(const ZoneSpec& z) {
  int64_t max = z.default_ttl;
  for (const auto& r : z.records) max = std::max(max, r.ttl);
  if (z.dnssec.state != DnssecState::kOff) max = std::max(max, z.dnssec.dnskey_ttl);
  return max;
}

Json ToJson(const ZoneRemoval& z) { return Json{{"zone", z.zone}, {"account", z.account}}; }

Result<ZoneRemoval> ZoneRemovalFromJson(const Json& j, UnknownMembers unknown) {
  if (!j.is_object()) return Fail(Error::Invalid("ZoneRemoval: the spec must be a JSON object"));
  FieldErrors errors;
  SpecReader r(j, errors, "", unknown);
  ZoneRemoval z;
  ReadOwner(r, z.zone, z.account);
  r.RecordUnknown();
  if (!errors.empty()) return Fail(errors.ToError());
  return z;
}

}  // namespace hostplane::protocol
