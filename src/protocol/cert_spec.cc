#include "protocol/cert_spec.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <optional>
#include <set>
#include <utility>

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

// Reads spec members with the same rules as messages.cc: a present member must have its type
// (null is a wrong type), absent optional members take their default, every violation is
// recorded under the member's name.
class SpecReader {
 public:
  SpecReader(const Json& j, FieldErrors& errors) : j_(j), errors_(errors) {}

  std::optional<std::string> String(const char* key, bool required) {
    auto it = j_.find(key);
    if (it == j_.end()) {
      if (required) Missing(key);
      return std::nullopt;
    }
    if (!it->is_string()) {
      errors_.Add(key, {"field.type", "field \"" + std::string(key) + "\" must be a string"});
      return std::nullopt;
    }
    return it->get<std::string>();
  }

  // A required string in the canonical form of its grammar.
  template <typename Check>
  std::string Canonical(const char* key, Check check, const char* grammar) {
    auto v = String(key, true);
    if (!v) return {};
    CheckCanonical(key, *v, check(*v), grammar);
    return *v;
  }

  void CheckCanonical(const std::string& field, const std::string& value,
                      const Checked<std::string>& checked, const char* grammar) {
    if (!checked) {
      errors_.Add(field, checked.error());
    } else if (*checked != value) {
      errors_.Add(field, {std::string(grammar) + ".not_canonical",
                          "The value " + QuoteForMessage(value) + " is not in canonical form (" +
                              QuoteForMessage(*checked) + ")."});
    }
  }

  // An optional array of strings; nullopt (recorded) when it has the wrong type.
  std::optional<std::vector<std::string>> Strings(const char* key) {
    auto it = j_.find(key);
    if (it == j_.end()) return std::vector<std::string>{};
    bool ok = it->is_array() && std::all_of(it->begin(), it->end(),
                                            [](const Json& item) { return item.is_string(); });
    if (!ok) {
      errors_.Add(key,
                  {"field.type", "field \"" + std::string(key) + "\" must be an array of strings"});
      return std::nullopt;
    }
    return it->get<std::vector<std::string>>();
  }

  // An optional integer in [min, max]. Floats and strings are wrong types.
  int Integer(const char* key, int fallback, int min, int max) {
    auto it = j_.find(key);
    if (it == j_.end()) return fallback;
    if (!it->is_number_integer()) {
      errors_.Add(key, {"field.type", "field \"" + std::string(key) + "\" must be an integer"});
      return fallback;
    }
    bool in_range;
    if (it->is_number_unsigned()) {
      uint64_t u = it->get<uint64_t>();
      in_range = u <= static_cast<uint64_t>(max) && static_cast<int64_t>(u) >= min;
    } else {
      int64_t v = it->get<int64_t>();
      in_range = v >= min && v <= max;
    }
    if (!in_range) {
      errors_.Add(key,
                  {"field.range", "field \"" + std::string(key) + "\" must be an integer from " +
                                      std::to_string(min) + " to " + std::to_string(max)});
      return fallback;
    }
    return static_cast<int>(it->get<int64_t>());
  }

 private:
  void Missing(const char* key) {
    errors_.Add(key, {"field.missing", "required field \"" + std::string(key) + "\" is missing"});
  }

  const Json& j_;
  FieldErrors& errors_;
};

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

Result<CertSpec> CertSpecFromJson(const Json& j) {
  if (!j.is_object()) return Fail(Error::Invalid("CertSpec: the spec must be a JSON object"));
  FieldErrors errors;
  SpecReader r(j, errors);
  CertSpec s;
  s.domain = r.Canonical("domain", CheckDomain, "domain");
  if (auto aliases = r.Strings("aliases")) {
    std::set<std::string> seen = {s.domain};
    for (size_t i = 0; i < aliases->size(); ++i) {
      const std::string& alias = (*aliases)[i];
      std::string field = "aliases[" + std::to_string(i) + "]";
      auto checked = CheckDomain(alias);
      r.CheckCanonical(field, alias, checked, "domain");
      if (checked && !seen.insert(alias).second) {
        errors.Add(field, {"domain.duplicate", "The name " + QuoteForMessage(alias) +
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
  s.renew_before_days =
      r.Integer("renew_before_days", 30, kMinRenewBeforeDays, kMaxRenewBeforeDays);
  if (!errors.empty()) return Fail(errors.ToError());
  return s;
}

Json ToJson(const CertRemoval& s) { return Json{{"domain", s.domain}, {"account", s.account}}; }

Result<CertRemoval> CertRemovalFromJson(const Json& j) {
  if (!j.is_object()) return Fail(Error::Invalid("CertRemoval: the spec must be a JSON object"));
  FieldErrors errors;
  SpecReader r(j, errors);
  CertRemoval s;
  s.domain = r.Canonical("domain", CheckDomain, "domain");
  s.account = r.Canonical("account", CheckLoginGrammar, "login");
  if (!errors.empty()) return Fail(errors.ToError());
  return s;
}

}  // namespace hostplane::protocol
