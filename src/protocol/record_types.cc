#include "protocol/record_types.h"

#include <arpa/inet.h>
#include <sodium.h>

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <set>

#include "common/text/text.h"
#include "protocol/zone_spec.h"

namespace hostplane::protocol {
namespace {

constexpr std::array<std::string_view, 4> kExtended = {"HTTPS", "SVCB", "TLSA", "DS"};
constexpr std::array<std::string_view, 7> kReadOnly = {"DNSKEY",     "RRSIG", "NSEC",   "NSEC3",
                                                       "NSEC3PARAM", "CDS",   "CDNSKEY"};
constexpr size_t kMaxTlsaFullHex = 8192;
constexpr size_t kMaxHints = 8;
constexpr size_t kMaxAlpnId = 255;
constexpr size_t kMaxEchBytes = 4096;

// The SvcParamKeys of RFC 9460 section 14.3.2, by number.
constexpr std::array<std::string_view, 7> kSvcKeys = {
    "mandatory", "alpn", "no-default-alpn", "port", "ipv4hint", "ech", "ipv6hint"};

tl::unexpected<Violation> Refuse(const char* code, std::string message) {
  return tl::unexpected(Violation{code, std::move(message)});
}

std::optional<int64_t> Decimal(std::string_view s, int64_t max) {
  auto n = CheckInteger(s, 0, max);
  if (!n) return std::nullopt;
  return *n;
}

// Lowercase hex of an even length in [min, max] characters; nullopt when it is not hex.
std::optional<std::string> Hex(std::string_view s) {
  if (s.empty() || s.size() % 2 != 0) return std::nullopt;
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    if (!ok) return std::nullopt;
  }
  return out;
}

// Standard, padded base64 in its one spelling; the decoded length, or nullopt.
std::optional<size_t> Base64Length(std::string_view s, size_t max_bytes) {
  if (s.empty() || s.size() > (max_bytes + 2) / 3 * 4 || sodium_init() < 0) return std::nullopt;
  std::string bin(s.size(), '\0');
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(bin.data()), bin.size(), s.data(),
                        s.size(), nullptr, &len, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != s.data() + s.size() || len == 0) {
    return std::nullopt;
  }
  std::string again(sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(again.data(), again.size(), reinterpret_cast<unsigned char*>(bin.data()), len,
                    sodium_base64_VARIANT_ORIGINAL);
  again.resize(again.size() - 1);  // the terminating NUL
  if (again != s) return std::nullopt;
  return len;
}

bool IsServiceLabel(std::string_view l) { return l.size() >= 2 && l.front() == '_'; }

// "_<port>._<tcp|udp|sctp>" at the start of a TLSA name.
bool IsTlsaName(std::string_view name) {
  auto labels = Split(name, '.');
  if (labels.size() < 2 || !IsServiceLabel(labels[0])) return false;
  if (!Decimal(labels[0].substr(1), 65535)) return false;
  return labels[1] == "_tcp" || labels[1] == "_udp" || labels[1] == "_sctp";
}

Checked<std::string> CheckTlsa(std::string_view name, std::string_view value) {
  if (!IsTlsaName(name)) {
    return Refuse("record.name_invalid",
                  "A TLSA record's name must be \"_<port>._<tcp|udp|sctp>\" (like \"_443._tcp\" "
                  "or \"_25._tcp.mail\"), not " +
                      QuoteForMessage(name) + ".");
  }
  auto f = Fields(value);
  if (f.size() != 4) {
    return Refuse("record.value_invalid",
                  "A TLSA value is \"<usage> <selector> <matching type> <hex data>\", not " +
                      QuoteForMessage(value) + ".");
  }
  auto usage = Decimal(f[0], 3);
  if (!usage) {
    return Refuse("record.tlsa_usage", "The TLSA certificate usage must be 0, 1, 2 or 3, not " +
                                           QuoteForMessage(f[0]) + ".");
  }
  auto selector = Decimal(f[1], 1);
  if (!selector) {
    return Refuse("record.tlsa_selector",
                  "The TLSA selector must be 0 (certificate) or 1 (public key), not " +
                      QuoteForMessage(f[1]) + ".");
  }
  auto matching = Decimal(f[2], 2);
  if (!matching) {
    return Refuse("record.tlsa_matching_type",
                  "The TLSA matching type must be 0 (full), 1 (SHA-256) or 2 (SHA-512), not " +
                      QuoteForMessage(f[2]) + ".");
  }
  auto hex = Hex(f[3]);
  if (!hex) {
    return Refuse("record.tlsa_data", "The TLSA data must be hexadecimal digits in pairs, not " +
                                          QuoteForMessage(f[3].substr(0, 80)) + ".");
  }
  size_t want = *matching == 1 ? 64 : *matching == 2 ? 128 : 0;
  if ((want != 0 && hex->size() != want) || (want == 0 && hex->size() > kMaxTlsaFullHex)) {
    return Refuse("record.tlsa_data",
                  want != 0
                      ? "A TLSA " + std::string(*matching == 1 ? "SHA-256" : "SHA-512") +
                            " digest has " + std::to_string(want) +
                            " hexadecimal digits; this one has " + std::to_string(hex->size()) + "."
                      : "Full TLSA data has at most " + std::to_string(kMaxTlsaFullHex) +
                            " hexadecimal digits.");
  }
  return std::to_string(*usage) + " " + std::to_string(*selector) + " " +
         std::to_string(*matching) + " " + *hex;
}

bool IsDnssecAlgorithm(int64_t a) {
  return a == 5 || a == 7 || a == 8 || a == 10 || a == 13 || a == 14 || a == 15 || a == 16;
}

// The byte length of an IPv4 or IPv6 list "a,b,c" in canonical text, or the violation.
Checked<std::string> AddressList(std::string_view key, std::string_view list, int family) {
  auto bad = [&](const std::string& why) {
    return Refuse("record.svcb_param_value",
                  "The " + std::string(key) + " value " + QuoteForMessage(list) + " " + why + ".");
  };
  auto items = Split(list, ',');
  if (list.empty() || items.size() > kMaxHints) {
    return bad("must list 1 to " + std::to_string(kMaxHints) + " addresses, comma separated");
  }
  std::string out;
  for (std::string_view item : items) {
    std::string s(item);
    unsigned char buf[sizeof(struct in6_addr)];
    char text[INET6_ADDRSTRLEN];
    if (s.size() > 64 || inet_pton(family, s.c_str(), buf) != 1 ||
        inet_ntop(family, buf, text, sizeof text) == nullptr) {
      return bad(std::string("holds ") + QuoteForMessage(item) + ", which is not an " +
                 (family == AF_INET ? "IPv4" : "IPv6") + " address");
    }
    if (!out.empty()) out += ',';
    out += text;
  }
  return out;
}

bool IsAlpnChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '/' || c == '+' || c == '-';
}

Checked<std::string> CheckSvcb(std::string_view zone, std::string_view type,
                               std::string_view value) {
  auto f = Fields(value);
  if (f.size() < 2) {
    return Refuse("record.value_invalid", "An " + std::string(type) +
                                              " value is \"<priority> <target> [key=value ...]\", "
                                              "not " +
                                              QuoteForMessage(value) + ".");
  }
  auto priority = Decimal(f[0], 65535);
  if (!priority) {
    return Refuse("record.svcb_priority",
                  "The priority must be a whole number from 0 (alias) to 65535, not " +
                      QuoteForMessage(f[0]) + ".");
  }
  std::string target = ".";
  if (f[1] != ".") {
    auto host = CheckDnsHost(zone, f[1]);
    if (!host) return Refuse("record.svcb_target", host.error().message);
    target = *host;
  }
  if (*priority == 0 && f.size() > 2) {
    return Refuse(
        "record.svcb_alias_params",
        "A priority 0 (AliasMode) record has no parameters: remove " + QuoteForMessage(f[2]) + ".");
  }
  std::map<size_t, std::string> params;  // key number -> canonical "key=value"
  std::vector<std::string_view> mandatory;
  for (size_t i = 2; i < f.size(); ++i) {
    std::string_view p = f[i];
    size_t eq = p.find('=');
    std::string_view key = p.substr(0, eq);
    std::string_view v = eq == std::string_view::npos ? std::string_view() : p.substr(eq + 1);
    auto it = std::find(kSvcKeys.begin(), kSvcKeys.end(), key);
    if (it == kSvcKeys.end()) {
      return Refuse("record.svcb_param_unknown",
                    "The parameter " + QuoteForMessage(key.substr(0, 40)) +
                        " is not one of mandatory, alpn, no-default-alpn, port, ipv4hint, ech, "
                        "ipv6hint.");
    }
    size_t number = static_cast<size_t>(it - kSvcKeys.begin());
    if (params.count(number) != 0) {
      return Refuse("record.svcb_param_duplicate",
                    "The parameter " + std::string(key) + " is given twice.");
    }
    auto bad_value = [&](const std::string& why) {
      return Refuse("record.svcb_param_value", "The " + std::string(key) + " value " +
                                                   QuoteForMessage(v.substr(0, 80)) + " " + why +
                                                   ".");
    };
    if (key == "no-default-alpn") {
      if (eq != std::string_view::npos) return bad_value("must be absent (no-default-alpn alone)");
      params[number] = "no-default-alpn";
      continue;
    }
    if (eq == std::string_view::npos || v.empty()) return bad_value("is missing");
    std::string canonical;
    if (key == "mandatory") {
      for (std::string_view k : Split(v, ',')) mandatory.push_back(k);
      continue;  // written once every key is known
    } else if (key == "alpn") {
      for (std::string_view id : Split(v, ',')) {
        if (id.empty() || id.size() > kMaxAlpnId ||
            !std::all_of(id.begin(), id.end(), IsAlpnChar)) {
          return bad_value(
              "must be protocol ids such as h2,h3 (1 to 255 of letters, digits, '.', '_', "
              "'/', '+' and '-', comma separated)");
        }
      }
      canonical = std::string(v);
    } else if (key == "port") {
      auto port = Decimal(v, 65535);
      if (!port) return bad_value("must be a port from 0 to 65535");
      canonical = std::to_string(*port);
    } else if (key == "ipv4hint" || key == "ipv6hint") {
      auto list = AddressList(key, v, key == "ipv4hint" ? AF_INET : AF_INET6);
      if (!list) return tl::unexpected(list.error());
      canonical = *list;
    } else {  // ech
      auto len = Base64Length(v, kMaxEchBytes);
      if (!len || *len < 2) return bad_value("must be an ECHConfigList in base64");
      canonical = std::string(v);
    }
    params[number] = std::string(key) + "=" + canonical;
  }
  if (!mandatory.empty()) {
    std::set<size_t> listed;
    for (std::string_view k : mandatory) {
      auto it = std::find(kSvcKeys.begin(), kSvcKeys.end(), k);
      size_t number = static_cast<size_t>(it - kSvcKeys.begin());
      if (it == kSvcKeys.end() || number == 0 || params.count(number) == 0 ||
          !listed.insert(number).second) {
        return Refuse("record.svcb_mandatory",
                      "mandatory lists " + QuoteForMessage(k.substr(0, 40)) +
                          ", which must be another parameter of this record, listed once.");
      }
    }
    std::string keys;
    for (size_t n : listed) keys += (keys.empty() ? "" : ",") + std::string(kSvcKeys[n]);
    params[0] = "mandatory=" + keys;
  }
  if (params.count(2) != 0 && params.count(1) == 0) {
    return Refuse("record.svcb_no_default_alpn",
                  "no-default-alpn needs an alpn parameter in the same record.");
  }
  std::string out = std::to_string(*priority) + " " + target;
  for (const auto& [n, p] : params) out += " " + p;
  return out;
}

}  // namespace

bool IsExtendedRecordType(std::string_view type) {
  return std::find(kExtended.begin(), kExtended.end(), type) != kExtended.end();
}

bool IsReadOnlyRecordType(std::string_view type) {
  return std::find(kReadOnly.begin(), kReadOnly.end(), type) != kReadOnly.end();
}

Checked<std::string> CheckDsValue(std::string_view value, bool allow_delete) {
  if (allow_delete && value == "0 0 0 00") return std::string(value);
  auto f = Fields(value);
  if (f.size() != 4) {
    return Refuse("record.value_invalid",
                  "A DS value is \"<key tag> <algorithm> <digest type> <hex digest>\", not " +
                      QuoteForMessage(value.substr(0, 200)) + ".");
  }
  auto tag = Decimal(f[0], 65535);
  if (!tag) {
    return Refuse("record.ds_key_tag",
                  "The DS key tag must be a whole number from 0 to 65535, "
                  "not " +
                      QuoteForMessage(f[0]) + ".");
  }
  auto algorithm = Decimal(f[1], 255);
  if (!algorithm || !IsDnssecAlgorithm(*algorithm)) {
    return Refuse("record.ds_algorithm",
                  "The DS algorithm must be one of 5, 7, 8, 10, 13, 14, 15, 16, not " +
                      QuoteForMessage(f[1]) + ".");
  }
  auto digest_type = Decimal(f[2], 255);
  if (!digest_type || (*digest_type != 1 && *digest_type != 2 && *digest_type != 4)) {
    return Refuse("record.ds_digest_type",
                  "The DS digest type must be 1 (SHA-1), 2 (SHA-256) or 4 (SHA-384), not " +
                      QuoteForMessage(f[2]) + ".");
  }
  size_t want = *digest_type == 1 ? 40 : *digest_type == 2 ? 64 : 96;
  auto hex = Hex(f[3]);
  if (!hex || hex->size() != want) {
    return Refuse("record.ds_digest", "A digest of type " + std::to_string(*digest_type) + " is " +
                                          std::to_string(want) + " hexadecimal digits, not " +
                                          QuoteForMessage(f[3].substr(0, 100)) + ".");
  }
  return std::to_string(*tag) + " " + std::to_string(*algorithm) + " " +
         std::to_string(*digest_type) + " " + *hex;
}

Checked<std::string> CheckDnskeyValue(std::string_view value, bool allow_delete) {
  if (allow_delete && value == "0 3 0 AA==") return std::string(value);
  auto bad = [&] {
    return Refuse("record.dnskey_invalid",
                  "A DNSKEY value is \"<flags 256|257> 3 <algorithm> <base64 key>\", not " +
                      QuoteForMessage(value.substr(0, 200)) + ".");
  };
  auto f = Fields(value);
  if (f.size() != 4) return bad();
  auto flags = Decimal(f[0], 65535);
  auto algorithm = Decimal(f[2], 255);
  if (!flags || (*flags != 256 && *flags != 257) || f[1] != "3" || !algorithm ||
      !IsDnssecAlgorithm(*algorithm) || !Base64Length(f[3], 4096)) {
    return bad();
  }
  return std::to_string(*flags) + " 3 " + std::to_string(*algorithm) + " " + std::string(f[3]);
}

Checked<std::string> CheckExtendedRecord(std::string_view zone, std::string_view name,
                                         std::string_view type, std::string_view value) {
  if (type == "TLSA") return CheckTlsa(name, value);
  if (type == "DS") {
    if (name == "@") {
      return Refuse("record.name_invalid",
                    "A DS record belongs to a delegated child zone, not to the apex \"@\": the "
                    "apex's DS is published by the registrar.");
    }
    return CheckDsValue(value);
  }
  return CheckSvcb(zone, type, value);  // HTTPS, SVCB
}

std::vector<std::pair<size_t, Violation>> CheckExtendedZoneRules(
    std::string_view zone, const std::vector<DnsRecord>& records) {
  (void)zone;
  std::vector<std::pair<size_t, Violation>> out;
  std::set<std::string> delegations;
  std::map<std::pair<std::string, std::string>, bool> alias_mode;  // (name, type) -> first mode
  for (const auto& r : records) {
    if (r.type == "NS" && r.name != "@") delegations.insert(r.name);
  }
  for (size_t i = 0; i < records.size(); ++i) {
    const DnsRecord& r = records[i];
    if (r.type == "DS" && delegations.count(r.name) == 0) {
      out.push_back({i,
                     {"record.ds_without_delegation",
                      "A DS record needs an NS record at the same name " + QuoteForMessage(r.name) +
                          " (it signs the delegation of a child zone)."}});
    }
    if (r.type == "HTTPS" || r.type == "SVCB") {
      bool alias = r.value.starts_with("0 ");
      auto [it, inserted] = alias_mode.emplace(std::pair{r.name, r.type}, alias);
      if (!inserted && it->second != alias) {
        out.push_back({i,
                       {"record.svcb_mode_mixed",
                        "The " + r.type + " records at " + QuoteForMessage(r.name) +
                            " mix priority 0 (AliasMode) with ServiceMode: use one or the "
                            "other."}});
      }
    }
  }
  return out;
}

const char* ExtendedRecordField(std::string_view code) {
  if (code == "record.name_invalid") return "name";
  if (code == "record.type_read_only") return "type";
  if (code == "record.ds_without_delegation" || code == "record.svcb_mode_mixed") return "";
  if (code.starts_with("record.tlsa_") || code.starts_with("record.ds_") ||
      code.starts_with("record.svcb_") || code == "record.dnskey_invalid") {
    return "value";
  }
  return "";
}

}  // namespace hostplane::protocol
