#include "protocol/site_settings.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>

namespace hostplane::protocol {
namespace {

using Json = nlohmann::json;

struct IntKey {
  int SiteSettings::*member;
  int min;
  int max;
  const char* unit;
};

const std::map<std::string, IntKey>& IntKeys() {
  static const std::map<std::string, IntKey> kKeys = {
      {"upload_max_mb", {&SiteSettings::upload_max_mb, kMinUploadMb, kMaxUploadMb, "MiB"}},
      {"php_memory_limit_mb", {&SiteSettings::php_memory_limit_mb, 16, 1024, "MiB"}},
      {"php_max_execution_time", {&SiteSettings::php_max_execution_time, 1, 600, "seconds"}},
      {"php_max_input_time", {&SiteSettings::php_max_input_time, 1, 600, "seconds"}},
      {"php_max_input_vars", {&SiteSettings::php_max_input_vars, 100, 100000, ""}},
      {"php_session_gc_maxlifetime",
       {&SiteSettings::php_session_gc_maxlifetime, 60, 2592000, "seconds"}},
  };
  return kKeys;
}

const std::map<std::string, bool SiteSettings::*>& BoolKeys() {
  static const std::map<std::string, bool SiteSettings::*> kKeys = {
      {"https_redirect", &SiteSettings::https_redirect},
      {"hsts", &SiteSettings::hsts},
      {"php_display_errors", &SiteSettings::php_display_errors},
      {"php_short_open_tag", &SiteSettings::php_short_open_tag},
  };
  return kKeys;
}

constexpr const char* kProfileKey = "profile";
constexpr const char* kFallbackKey = "fallback";
constexpr const char* kErrorReportingKey = "php_error_reporting";
constexpr const char* kTimezoneKey = "php_timezone";

std::optional<AppProfile> ProfileNamed(const std::string& s) {
  for (auto p : {AppProfile::kStatic, AppProfile::kPhp, AppProfile::kCustom}) {
    if (s == Name(p)) return p;
  }
  return std::nullopt;
}

std::optional<ErrorReporting> ErrorReportingNamed(const std::string& s) {
  for (auto e : {ErrorReporting::kAll, ErrorReporting::kProduction, ErrorReporting::kErrors,
                 ErrorReporting::kNone}) {
    if (s == Name(e)) return e;
  }
  return std::nullopt;
}

bool PathChar(unsigned char c) { return std::isalnum(c) || c == '.' || c == '_' || c == '-'; }

// "/seg/seg.php" with an optional "?query": segments of [A-Za-z0-9._-] not starting with '.'
// (no "..", no hidden file), the query of [A-Za-z0-9._=&-] and the variables $uri and $args.
bool PathToken(std::string_view t) {
  if (t.empty() || t[0] != '/') return false;
  size_t q = t.find('?');
  std::string_view path = t.substr(0, q);
  size_t i = 1;
  while (i < path.size()) {
    size_t end = path.find('/', i);
    if (end == std::string_view::npos) end = path.size();
    std::string_view seg = path.substr(i, end - i);
    if (seg.empty() || seg[0] == '.') return false;
    for (unsigned char c : seg) {
      if (!PathChar(c)) return false;
    }
    i = end + 1;
    if (end == path.size() - 1) break;  // a trailing '/'
  }
  if (q == std::string_view::npos) return true;
  std::string_view query = t.substr(q + 1);
  for (size_t k = 0; k < query.size();) {
    if (query[k] == '$') {
      if (query.substr(k, 5) == "$args") {
        k += 5;
      } else if (query.substr(k, 4) == "$uri") {
        k += 4;
      } else {
        return false;
      }
      if (k < query.size() &&
          (std::isalnum(static_cast<unsigned char>(query[k])) || query[k] == '_')) {
        return false;  // "$argsx" would be another nginx variable
      }
      continue;
    }
    unsigned char c = query[k];
    if (!std::isalnum(c) && c != '.' && c != '_' && c != '=' && c != '&' && c != '-') return false;
    ++k;
  }
  return true;
}

// IANA time zone names: "UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires", "Etc/GMT+5".
bool TimezoneName(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  size_t parts = 0;
  size_t i = 0;
  while (i <= s.size()) {
    size_t end = s.find('/', i);
    if (end == std::string::npos) end = s.size();
    std::string part = s.substr(i, end - i);
    if (part.empty() || !std::isalpha(static_cast<unsigned char>(part[0]))) return false;
    for (unsigned char c : part) {
      if (!std::isalnum(c) && c != '_' && c != '-' && c != '+') return false;
    }
    ++parts;
    i = end + 1;
  }
  return parts <= 3;
}

void TypeError(FieldErrors& errors, const std::string& field, const char* what) {
  errors.Add(field, {"field.type", fmt::format("{} must be {}.", field, what)});
}

}  // namespace

const char* Name(AppProfile p) {
  switch (p) {
    case AppProfile::kStatic:
      return "static";
    case AppProfile::kPhp:
      return "php";
    case AppProfile::kCustom:
      return "custom";
  }
  return "static";
}

const char* Name(ErrorReporting e) {
  switch (e) {
    case ErrorReporting::kAll:
      return "all";
    case ErrorReporting::kProduction:
      return "production";
    case ErrorReporting::kErrors:
      return "errors";
    case ErrorReporting::kNone:
      return "none";
  }
  return "production";
}

int ErrorReportingValue(ErrorReporting e) {
  switch (e) {
    case ErrorReporting::kAll:
      return 32767;  // E_ALL
    case ErrorReporting::kProduction:
      return 22527;  // E_ALL & ~E_DEPRECATED & ~E_STRICT
    case ErrorReporting::kErrors:
      return 4437;  // E_ERROR | E_PARSE | E_CORE_ERROR | E_COMPILE_ERROR | E_USER_ERROR |
                    // E_RECOVERABLE_ERROR
    case ErrorReporting::kNone:
      return 0;
  }
  return 22527;
}

Checked<std::string> CheckFallback(std::string_view input) {
  std::vector<std::string> tokens;
  size_t i = 0;
  while (i < input.size()) {
    if (input[i] == ' ') {
      ++i;
      continue;
    }
    size_t end = input.find(' ', i);
    if (end == std::string_view::npos) end = input.size();
    tokens.emplace_back(input.substr(i, end - i));
    i = end;
  }
  if (tokens.empty() || tokens.size() > 8) {
    return tl::unexpected(Violation{"fallback.invalid", "The fallback is 1 to 8 tokens."});
  }
  std::string out;
  for (const auto& t : tokens) {
    if (t != "$uri" && t != "$uri/" && !PathToken(t)) {
      return tl::unexpected(
          Violation{"fallback.invalid", "The fallback token " + QuoteForMessage(t) +
                                            " is neither $uri, $uri/ nor a path inside the docroot "
                                            "(\"/index.php?$args\")."});
    }
    out += (out.empty() ? "" : " ") + t;
  }
  return out;
}

Json ToJson(const SiteSettings& s) {
  Json j = Json::object();
  j[kProfileKey] = Name(s.profile);
  j[kFallbackKey] = s.fallback;
  for (const auto& [key, k] : IntKeys()) j[key] = s.*(k.member);
  for (const auto& [key, member] : BoolKeys()) j[key] = s.*member;
  j[kErrorReportingKey] = Name(s.php_error_reporting);
  j[kTimezoneKey] = s.php_timezone;
  return j;
}

SiteSettings ApplySettings(const SiteSettings& base, const Json& patch, const std::string& prefix,
                           FieldErrors& errors) {
  SiteSettings s = base;
  if (!patch.is_object()) {
    TypeError(errors, prefix.empty() ? "settings" : prefix.substr(0, prefix.size() - 1),
              "an object");
    return s;
  }
  for (const auto& [key, value] : patch.items()) {
    const std::string field = prefix + key;
    if (auto it = IntKeys().find(key); it != IntKeys().end()) {
      const IntKey& k = it->second;
      if (!value.is_number_integer()) {
        TypeError(errors, field, "an integer");
        continue;
      }
      auto v = value.get<int64_t>();
      if (v < k.min || v > k.max) {
        errors.Add(field, {key + ".range", fmt::format("{} must be from {} to {}{}{}.", key, k.min,
                                                       k.max, *k.unit ? " " : "", k.unit)});
        continue;
      }
      s.*(k.member) = static_cast<int>(v);
    } else if (auto b = BoolKeys().find(key); b != BoolKeys().end()) {
      if (!value.is_boolean()) {
        TypeError(errors, field, "true or false");
        continue;
      }
      s.*(b->second) = value.get<bool>();
    } else if (key == kProfileKey) {
      if (!value.is_string()) {
        TypeError(errors, field, "a string");
        continue;
      }
      auto p = ProfileNamed(value.get<std::string>());
      if (!p) {
        errors.Add(field,
                   {"profile.invalid", "The profile " + QuoteForMessage(value.get<std::string>()) +
                                           " is not one of static, php, custom."});
        continue;
      }
      s.profile = *p;
    } else if (key == kFallbackKey) {
      if (!value.is_string()) {
        TypeError(errors, field, "a string");
        continue;
      }
      const auto text = value.get<std::string>();
      if (text.empty()) {
        s.fallback.clear();
        continue;
      }
      auto f = CheckFallback(text);
      if (!f) {
        errors.Add(field, f.error());
        continue;
      }
      s.fallback = *f;
    } else if (key == kErrorReportingKey) {
      auto e = value.is_string() ? ErrorReportingNamed(value.get<std::string>()) : std::nullopt;
      if (!e) {
        errors.Add(field, {"error_reporting.invalid",
                           "php_error_reporting is one of all, production, errors, none."});
        continue;
      }
      s.php_error_reporting = *e;
    } else if (key == kTimezoneKey) {
      if (!value.is_string() || !TimezoneName(value.get<std::string>())) {
        errors.Add(field, {"timezone.invalid",
                           "php_timezone is a time zone name such as Europe/Berlin or UTC."});
        continue;
      }
      s.php_timezone = value.get<std::string>();
    } else {
      errors.Add(field,
                 {"field.unknown", "There is no site setting " + QuoteForMessage(key) + "."});
    }
  }
  return s;
}

void CheckSettingsComplete(const SiteSettings& s, const std::string& prefix, FieldErrors& errors) {
  if (s.profile == AppProfile::kCustom && s.fallback.empty()) {
    errors.Add(prefix + kFallbackKey,
               {"fallback.missing", "The profile custom needs a fallback (\"$uri /app.php\")."});
  }
}

Result<SiteSettings> SiteSettingsFromJson(const Json& j) {
  FieldErrors errors;
  SiteSettings s = ApplySettings(SiteSettings{}, j, "settings.", errors);
  CheckSettingsComplete(s, "settings.", errors);
  if (!errors.empty()) return Fail(errors.ToError());
  return s;
}

Result<SiteSettings> SiteSettingsOfSpec(const Json& spec) {
  if (!spec.is_object()) return Fail(Error::Invalid("the site spec must be a JSON object"));
  FieldErrors errors;
  SiteSettings s;
  if (auto it = spec.find("settings"); it != spec.end()) {
    s = ApplySettings(SiteSettings{}, *it, "settings.", errors);
    CheckSettingsComplete(s, "settings.", errors);
  }
  auto php = spec.find("php");
  const bool has_php = php != spec.end() && php->is_string() && !php->get<std::string>().empty();
  if (s.profile == AppProfile::kPhp && !has_php) {
    errors.Add("settings.profile", {"profile.needs_php", "The profile php needs a site with PHP."});
  }
  if (!errors.empty()) return Fail(errors.ToError());
  return s;
}

Json SettingFromText(const std::string& key, const std::string& text) {
  if (IntKeys().count(key) != 0 && !text.empty() && text.size() <= 9 &&
      std::all_of(text.begin(), text.end(),
                  [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    return std::stoll(text);
  }
  if (BoolKeys().count(key) != 0) {
    if (text == "true" || text == "on" || text == "yes") return true;
    if (text == "false" || text == "off" || text == "no") return false;
  }
  return text;
}

}  // namespace hostplane::protocol
