#pragma once

// The specs of the cert.ensure / cert.remove tasks (object "cert:<domain>", web nodes): a TLS
// certificate for one site's names, obtained over ACME HTTP-01 by the agent's acme driver.
//
//   ensure {"domain":"shop.acme.example","aliases":["www.shop.acme.example"],"account":"acme",
//           "directory_url":"https://127.0.0.1:14000/dir","email":"hostmaster@acme.example",
//           "renew_before_days":30}
//   remove {"domain":"shop.acme.example","account":"acme"}
//
// The decoders re-validate every field with validate.h (SECURITY rule 3) and report every
// violation at once as kInvalid with fields {path: code}, like SiteSpecFromJson: field.missing,
// field.type, field.range, the validate.h codes, "<grammar>.not_canonical" for a valid value not
// in canonical form, domain.duplicate (a name listed twice), names.too_many (more than
// kMaxCertNames names) and the directory_url.* codes of CheckDirectoryUrl. Members nobody reads
// are ignored (field.unknown with UnknownMembers::kRefuse).

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "protocol/messages.h"
#include "protocol/validate.h"

namespace hostplane::protocol {

inline constexpr const char* kCertEnsure = "cert.ensure";
inline constexpr const char* kCertRemove = "cert.remove";

// Names on one certificate (the domain plus its aliases), as Let's Encrypt's SAN limit is 100
// and a site rarely has more than a handful.
inline constexpr size_t kMaxCertNames = 20;
inline constexpr int kMinRenewBeforeDays = 1;
inline constexpr int kMaxRenewBeforeDays = 60;

// An ACME directory URL: "https://" then a host (a DNS name, an IPv4 literal or a bracketed
// IPv6 literal) with an optional port 1-65535, then an optional path of URL characters; at most
// 512 bytes. It travels only in argv (never in a config file), yet no space, quote, backslash,
// control character, '$', ';', '<', '>', '{' or '}' is accepted, and no "user@" part (credentials
// would end up in argv). Codes: directory_url.empty, directory_url.too_long,
// directory_url.scheme, directory_url.invalid_character, directory_url.userinfo,
// directory_url.host, directory_url.port.
Checked<std::string> CheckDirectoryUrl(std::string_view input);

// kind cert.ensure: a certificate for exactly {domain} + aliases, valid for more than
// renew_before_days, installed on the node.
struct CertSpec {
  std::string domain;                // canonical A-label form; names the installed files
  std::vector<std::string> aliases;  // canonical, sorted (optional)
  std::string account;               // the customer's login (CheckLoginGrammar)
  std::string directory_url;         // the ACME directory (CheckDirectoryUrl)
  std::string email;                 // the ACME account contact (CheckEmail, canonical)
  int renew_before_days = 30;        // 1-60 (optional)
  bool operator==(const CertSpec&) const = default;

  // domain first, then the aliases.
  std::vector<std::string> Names() const;
};
Json ToJson(const CertSpec& s);
[[nodiscard]] Result<CertSpec> CertSpecFromJson(const Json& j,
                                                UnknownMembers unknown = UnknownMembers::kIgnore);

// kind cert.remove: the installed certificate and the ACME client's state for it are deleted.
struct CertRemoval {
  std::string domain;
  std::string account;
  bool operator==(const CertRemoval&) const = default;
};
Json ToJson(const CertRemoval& s);
[[nodiscard]] Result<CertRemoval> CertRemovalFromJson(
    const Json& j, UnknownMembers unknown = UnknownMembers::kIgnore);

}  // namespace hostplane::protocol
