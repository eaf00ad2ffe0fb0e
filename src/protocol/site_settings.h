#pragma once

// A site's web settings (issue 15): what a customer may change about how its site is served,
// stored with the site in the controller and carried in its site.ensure spec ("settings",
// SiteSettingsOfSpec). The
// agent's nginx driver turns them into vhost directives and the site's per-request PHP values;
// nothing here is ever nginx or INI text from a tenant: every value is a number in a range, a
// boolean, a name from a fixed list, or (the custom fallback) tokens of a small grammar.
//
// As JSON, one flat object; every member is optional, an absent one keeps its current value
// (a patch) or its default (a spec). Codes, each under "settings.<key>": field.unknown,
// field.type, <key>.range (a number outside its range), profile.invalid, fallback.invalid,
// fallback.missing (profile "custom" without a fallback), error_reporting.invalid,
// timezone.invalid. The check that profile "php" needs the site's PHP is the caller's.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "protocol/validate.h"

namespace hostplane::protocol {

// What answers a request for a path that is not a file: "static" (404), "php" (the front
// controller /index.php?$args: WordPress, Laravel, Symfony, Drupal) or "custom" (fallback).
enum class AppProfile { kStatic, kPhp, kCustom };
const char* Name(AppProfile p);

// PHP's error_reporting, by name: all (E_ALL), production (E_ALL & ~E_DEPRECATED & ~E_STRICT),
// errors (fatal and user errors only), none (0).
enum class ErrorReporting { kAll, kProduction, kErrors, kNone };
const char* Name(ErrorReporting e);
int ErrorReportingValue(ErrorReporting e);

inline constexpr int kMinUploadMb = 1;
// The largest upload a site may accept while plans have no field for it.
inline constexpr int kMaxUploadMb = 512;

struct SiteSettings {
  AppProfile profile = AppProfile::kStatic;
  // profile custom: space-separated tokens, each "$uri", "$uri/" or a path inside the docroot
  // ("/index.php", "/app/start.php?route=$uri&$args": segments of [A-Za-z0-9._-] not starting
  // with '.', a query of [A-Za-z0-9._=&-] and the tokens $uri and $args). 1 to 8 tokens.
  std::string fallback;
  // nginx's client_max_body_size and PHP's upload_max_filesize and post_max_size, in MiB.
  int upload_max_mb = 32;
  bool https_redirect = true;  // with a certificate: HTTP answers 301 to HTTPS
  bool hsts = false;           // with a certificate: Strict-Transport-Security (one year)

  // PHP (sites with PHP): set per request as admin values, which .user.ini cannot change.
  int php_memory_limit_mb = 128;    // 16..1024
  int php_max_execution_time = 30;  // seconds, 1..600
  int php_max_input_time = 60;      // seconds, 1..600
  int php_max_input_vars = 1000;    // 100..100000
  bool php_display_errors = false;
  ErrorReporting php_error_reporting = ErrorReporting::kProduction;
  std::string php_timezone = "UTC";       // date.timezone: an IANA name (Area/Location)
  int php_session_gc_maxlifetime = 1440;  // seconds, 60..2592000
  bool php_short_open_tag = false;

  bool operator==(const SiteSettings&) const = default;
};

// Every member, defaults included.
nlohmann::json ToJson(const SiteSettings& s);
// Applies the members of patch (a JSON object) to base; every problem is added to errors under
// "<prefix><key>" and base keeps the value of each bad member.
SiteSettings ApplySettings(const SiteSettings& base, const nlohmann::json& patch,
                           const std::string& prefix, FieldErrors& errors);
// A complete settings object as a spec carries it (absent members: defaults).
[[nodiscard]] Result<SiteSettings> SiteSettingsFromJson(const nlohmann::json& j);
// The settings a site.ensure spec carries as its member "settings" beside SiteSpec's
// (protocol/messages.h; absent: every default), checked again: also "settings.profile":
// "profile.needs_php" when the spec's "php" is empty under the php profile.
[[nodiscard]] Result<SiteSettings> SiteSettingsOfSpec(const nlohmann::json& spec);
// profile custom needs a fallback ("fallback.missing"); added to errors.
void CheckSettingsComplete(const SiteSettings& s, const std::string& prefix, FieldErrors& errors);

// The custom fallback's grammar; the canonical form is the tokens joined by one space.
Checked<std::string> CheckFallback(std::string_view input);

// A value typed on a command line ("key=value") as the JSON the API expects for key: numbers
// and booleans (true/false, on/off, yes/no) for the keys that take them, else the text.
nlohmann::json SettingFromText(const std::string& key, const std::string& text);

}  // namespace hostplane::protocol
