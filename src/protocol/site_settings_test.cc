#include "protocol/site_settings.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hostplane::protocol {
namespace {

using Json = nlohmann::json;

// The field codes of applying patch to the defaults.
std::map<std::string, std::string> Codes(const Json& patch) {
  FieldErrors errors;
  (void)ApplySettings(SiteSettings{}, patch, "settings.", errors);
  if (errors.empty()) return {};
  std::map<std::string, std::string> out;
  for (const auto& [field, code] : errors.ToError().fields) out[field] = code;
  return out;
}

TEST(SiteSettingsTest, DefaultsRoundTripAndAnEmptyObjectIsTheDefaults) {
  auto back = SiteSettingsFromJson(ToJson(SiteSettings{}));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, SiteSettings{});
  auto empty = SiteSettingsFromJson(Json::object());
  ASSERT_TRUE(empty);
  EXPECT_EQ(*empty, SiteSettings{});
}

TEST(SiteSettingsTest, EveryAcceptedValueRoundTrips) {
  Json patch = {{"profile", "custom"},
                {"fallback", "$uri  $uri/ /app/start.php?route=$uri&$args"},
                {"upload_max_mb", 512},
                {"https_redirect", false},
                {"hsts", true},
                {"php_memory_limit_mb", 1024},
                {"php_max_execution_time", 1},
                {"php_max_input_time", 600},
                {"php_max_input_vars", 100000},
                {"php_display_errors", true},
                {"php_error_reporting", "errors"},
                {"php_timezone", "America/Argentina/Buenos_Aires"},
                {"php_session_gc_maxlifetime", 60},
                {"php_short_open_tag", true}};
  FieldErrors errors;
  SiteSettings s = ApplySettings(SiteSettings{}, patch, "settings.", errors);
  ASSERT_TRUE(errors.empty()) << errors.ToError().message;
  EXPECT_EQ(s.fallback, "$uri $uri/ /app/start.php?route=$uri&$args");  // canonical spacing
  auto back = SiteSettingsFromJson(ToJson(s));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, s);
}

TEST(SiteSettingsTest, HostileValuesAreRefusedWithAFieldCode) {
  struct Case {
    Json patch;
    std::string field;
    std::string code;
  };
  const std::vector<Case> cases = {
      {{{"profile", "wordpress"}}, "settings.profile", "profile.invalid"},
      {{{"profile", 1}}, "settings.profile", "field.type"},
      {{{"fallback", "/index.php; return 200"}}, "settings.fallback", "fallback.invalid"},
      {{{"fallback", "/index.php;"}}, "settings.fallback", "fallback.invalid"},
      {{{"fallback", "/../etc/passwd"}}, "settings.fallback", "fallback.invalid"},
      {{{"fallback", "/.env"}}, "settings.fallback", "fallback.invalid"},
      {{{"fallback", "$document_root"}}, "settings.fallback", "fallback.invalid"},
      {{{"fallback", "/a.php?$argsx"}}, "settings.fallback", "fallback.invalid"},
      {{{"fallback", "/a.php?$request_uri"}}, "settings.fallback", "fallback.invalid"},
      {{{"fallback", "/x{y}"}}, "settings.fallback", "fallback.invalid"},
      {{{"fallback", "\"/x\""}}, "settings.fallback", "fallback.invalid"},
      {{{"fallback", "/x\n}"}}, "settings.fallback", "fallback.invalid"},
      {{{"fallback", "relative.php"}}, "settings.fallback", "fallback.invalid"},
      {{{"fallback", "=404"}}, "settings.fallback", "fallback.invalid"},
      {{{"fallback", "a b c d e f g h i"}}, "settings.fallback", "fallback.invalid"},
      {{{"upload_max_mb", 0}}, "settings.upload_max_mb", "upload_max_mb.range"},
      {{{"upload_max_mb", 513}}, "settings.upload_max_mb", "upload_max_mb.range"},
      {{{"upload_max_mb", -1}}, "settings.upload_max_mb", "upload_max_mb.range"},
      {{{"upload_max_mb", 8.5}}, "settings.upload_max_mb", "field.type"},
      {{{"upload_max_mb", "8M"}}, "settings.upload_max_mb", "field.type"},
      {{{"upload_max_mb", 99999999999LL}}, "settings.upload_max_mb", "upload_max_mb.range"},
      {{{"https_redirect", "yes"}}, "settings.https_redirect", "field.type"},
      {{{"hsts", 1}}, "settings.hsts", "field.type"},
      {{{"php_memory_limit_mb", 15}}, "settings.php_memory_limit_mb", "php_memory_limit_mb.range"},
      {{{"php_memory_limit_mb", 1025}},
       "settings.php_memory_limit_mb",
       "php_memory_limit_mb.range"},
      {{{"php_max_execution_time", 0}},
       "settings.php_max_execution_time",
       "php_max_execution_time.range"},
      {{{"php_max_input_time", -1}}, "settings.php_max_input_time", "php_max_input_time.range"},
      {{{"php_max_input_vars", 99}}, "settings.php_max_input_vars", "php_max_input_vars.range"},
      {{{"php_display_errors", "stderr"}}, "settings.php_display_errors", "field.type"},
      {{{"php_error_reporting", "E_ALL"}},
       "settings.php_error_reporting",
       "error_reporting.invalid"},
      {{{"php_error_reporting", 32767}}, "settings.php_error_reporting", "error_reporting.invalid"},
      {{{"php_timezone", "Europe/Berlin\nopen_basedir=/"}},
       "settings.php_timezone",
       "timezone.invalid"},
      {{{"php_timezone", "../../etc/passwd"}}, "settings.php_timezone", "timezone.invalid"},
      {{{"php_timezone", "UTC;"}}, "settings.php_timezone", "timezone.invalid"},
      {{{"php_timezone", ""}}, "settings.php_timezone", "timezone.invalid"},
      {{{"php_session_gc_maxlifetime", 59}},
       "settings.php_session_gc_maxlifetime",
       "php_session_gc_maxlifetime.range"},
      {{{"php_short_open_tag", "On"}}, "settings.php_short_open_tag", "field.type"},
      {{{"open_basedir", "/"}}, "settings.open_basedir", "field.unknown"},
      {{{"disable_functions", ""}}, "settings.disable_functions", "field.unknown"},
      {{{"sendmail_path", "/usr/sbin/sendmail -t -i"}}, "settings.sendmail_path", "field.unknown"},
  };
  for (const auto& c : cases) {
    auto codes = Codes(c.patch);
    ASSERT_EQ(codes.size(), 1u) << c.patch.dump();
    EXPECT_EQ(codes.begin()->first, c.field) << c.patch.dump();
    EXPECT_EQ(codes.begin()->second, c.code) << c.patch.dump();
  }
}

TEST(SiteSettingsTest, CustomNeedsAFallbackAndASpecChecksThePhpProfile) {
  auto custom = SiteSettingsFromJson({{"profile", "custom"}});
  ASSERT_FALSE(custom);
  EXPECT_EQ(custom.error().fields.at("settings.fallback"), "fallback.missing");

  Json spec = {{"domain", "shop.acme.example"},
               {"account", "acme"},
               {"docroot", "web"},
               {"settings", {{"profile", "php"}}}};
  auto no_php = SiteSettingsOfSpec(spec);
  ASSERT_FALSE(no_php);
  EXPECT_EQ(no_php.error().fields.at("settings.profile"), "profile.needs_php");
  spec["php"] = "8.2";
  auto with_php = SiteSettingsOfSpec(spec);
  ASSERT_TRUE(with_php) << with_php.error().message;
  EXPECT_EQ(with_php->profile, AppProfile::kPhp);
  // A spec without settings (an older controller's) has the defaults.
  spec.erase("settings");
  EXPECT_EQ(*SiteSettingsOfSpec(spec), SiteSettings{});
  EXPECT_FALSE(SiteSettingsOfSpec({{"settings", {{"upload_max_mb", 0}}}}));
}

TEST(SiteSettingsTest, CommandLineValuesAreTypedByKey) {
  EXPECT_EQ(SettingFromText("upload_max_mb", "8"), Json(8));
  EXPECT_EQ(SettingFromText("upload_max_mb", "8M"), Json("8M"));
  EXPECT_EQ(SettingFromText("hsts", "on"), Json(true));
  EXPECT_EQ(SettingFromText("https_redirect", "false"), Json(false));
  EXPECT_EQ(SettingFromText("hsts", "maybe"), Json("maybe"));
  EXPECT_EQ(SettingFromText("profile", "1"), Json("1"));
}

}  // namespace
}  // namespace hostplane::protocol
