#include "protocol/cert_spec.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <optional>
#include <set>
#include <utility>

#include "protocol/spec_reader.h"

namespace hostplane::protocol {
namespace {

constexpr size_t kMaxDirectoryUrl = 512;

tl::unexpected<Violation> Refuse(const char* code, std::string message) {
  return tl::unexpected(Violation{code, std::move(message)});
}

bool IsHostChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-';
}

// RFC 3986 unreserved and reserved characters and '%', minus those a config file or a shell
// would treat specially (see CheckDirectoryUrl).
bool IsUrlChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return c != '\0' && std::strchr("-._~:/?#[]@!&()*+,=%", c) != nullptr;
}

}  // namespace

Checked<std::string> CheckDirectoryUrl(std::string_view input) {
  std::string quoted = QuoteForMessage(input);
  if (input.empty()) return Refuse("directory_url.empty", "The ACME directory URL is empty.");
  if (input.size() > kMaxDirectoryUrl) {
    return Refuse("directory_url.too_long", "The ACME directory URL is longer than " +
                                                std::to_string(kMaxDirectoryUrl) + " bytes.");
  }
  if (!std::all_of(input.begin(), input.end(), IsUrlChar)) {
    return Refuse("directory_url.invalid_character",
                  "The ACME directory URL " + quoted +
                      " contains a character not allowed in a URL here (spaces, quotes, "
                      "control characters, '$', ';', '<', '>', '{', '}' are refused).");
  }
  constexpr std::string_view kScheme = "https://";
  if (!input.starts_with(kScheme)) {
    return Refuse("directory_url.scheme",
                  "The ACME directory URL " + quoted + " must start with https://.");
  }
  std::string_view rest = input.substr(kScheme.size());
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos) {
    return Refuse("directory_url.userinfo",
                  "The ACME directory URL " + quoted + " must not contain a user name.");
  }
  std::string_view host = authority;
  std::string_view port;
  if (authority.starts_with("[")) {
    size_t close = authority.find(']');
    if (close == std::string_view::npos || close == 1) {
      return Refuse("directory_url.host", "The ACME directory URL " + quoted + " has no host.");
    }
    std::string_view ip6 = authority.substr(1, close - 1);
    bool ok = std::all_of(ip6.begin(), ip6.end(), [](char c) {
      return std::isxdigit(static_cast<unsigned char>(c)) || c == ':' || c == '.';
    });
    if (!ok) {
      return Refuse("directory_url.host",
                    "The ACME directory URL " + quoted + " has an invalid IPv6 host.");
    }
    host = authority.substr(0, close + 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return Refuse("directory_url.host",
                      "The ACME directory URL " + quoted + " has an invalid host.");
      }
      port = after.substr(1);
      if (port.empty()) {
        return Refuse("directory_url.port",
                      "The ACME directory URL " + quoted + " has an empty port.");
      }
    }
  } else {
    size_t colon = authority.find(':');
    if (colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
      if (port.empty()) {
        return Refuse("directory_url.port",
                      "The ACME directory URL " + quoted + " has an empty port.");
      }
    }
    if (host.empty() || !std::all_of(host.begin(), host.end(), IsHostChar) || host.front() == '.' ||
        host.front() == '-' || host.find("..") != std::string_view::npos) {
      return Refuse("directory_url.host",
                    "The ACME directory URL " + quoted + " has no valid host name.");
    }
  }
  if (!port.empty()) {
    auto p = CheckInteger(port, 1, 65535);
    if (!p) {
      return Refuse("directory_url.port",
                    "The port of the ACME directory URL " + quoted + " must be 1 to 65535.");
    }
  }
  return std::string(input);
}

std::vector<std::string> CertSpec::Names() const {
  std::vector<std::string> names = {domain};
  names.insert(names.end(), aliases.begin(), aliases.end());
  return names;
}

Json ToJson(const CertSpec& s) {
  return Json{{"domain", s.domain},   {"aliases", s.aliases},
              {"account", s.account}, {"directory_url", s.directory_url},
              {"email", s.email},     {"renew_before_days", s.renew_before_days}};
}

Result<CertSpec> CertSpecFromJson(const Json& j, UnknownMembers unknown) {
  if (!j.is_object()) return Fail(Error::Invalid("CertSpec: the spec must be a JSON object"));
  FieldErrors errors;
  SpecReader r(j, errors, "", unknown);
  CertSpec s;
  s.domain = r.Canonical("domain", CheckDomain, "domain");
  if (auto aliases = r.Strings("aliases", std::vector<std::string>{})) {
    std::set<std::string> seen = {s.domain};
    for (size_t i = 0; i < aliases->size(); ++i) {
      const std::string& alias = (*aliases)[i];
      std::string field = Indexed("aliases", i);
      auto checked = CheckDomain(alias);
      r.CheckCanonical(field, alias, checked, "domain");
      if (checked && !seen.insert(alias).second) {
        r.Add(field, {"domain.duplicate", "The name " + QuoteForMessage(alias) +
                                              " is listed twice for this certificate."});
      }
    }
    if (aliases->size() + 1 > kMaxCertNames) {
      errors.Add("aliases",
                 {"names.too_many", "A certificate holds at most " + std::to_string(kMaxCertNames) +
                                        " names (the domain and its aliases)."});
    }
    s.aliases = std::move(*aliases);
    std::sort(s.aliases.begin(), s.aliases.end());
  }
  s.account = r.Canonical("account", CheckLoginGrammar, "login");
  s.directory_url = r.Canonical("directory_url", CheckDirectoryUrl, "directory_url");
  s.email = r.Canonical("email", CheckEmail, "email");
  s.renew_before_days = static_cast<int>(
      r.Integer("renew_before_days", kMinRenewBeforeDays, kMaxRenewBeforeDays, 30).value_or(30));
  r.RecordUnknown();
  if (!errors.empty()) return Fail(errors.ToError());
  return s;
}

Json ToJson(const CertRemoval& s) { return Json{{"domain", s.domain}, {"account", s.account}}; }

Result<CertRemoval> CertRemovalFromJson(const Json& j, UnknownMembers unknown) {
  if (!j.is_object()) return Fail(Error::Invalid("CertRemoval: the spec must be a JSON object"));
  FieldErrors errors;
  SpecReader r(j, errors, "", unknown);
  CertRemoval s;
  s.domain = r.Canonical("domain", CheckDomain, "domain");
  s.account = r.Canonical("account", CheckLoginGrammar, "login");
  r.RecordUnknown();
  if (!errors.empty()) return Fail(errors.ToError());
  return s;
}

}  // namespace hostplane::protocol
