#include <gtest/gtest.h>
#include <pwd.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "protocol/messages.h"
#include "protocol/validate.h"

namespace hostplane::protocol {
namespace {

// A login that exists on no test machine and is not reserved.
constexpr const char* kAccount = "acme";

SiteSpec ValidSite() {
  SiteSpec s;
  s.domain = "shop.acme.example";
  s.aliases = {"a.acme.example", "xn--bcher-kva.example"};
  s.account = kAccount;
  s.docroot = "web/shop/public";
  s.status = "active";
  return s;
}

TEST(SiteSpecTest, RoundTrips) {
  for (const char* status : {"active", "suspended"}) {
    for (const char* php : {"", "8.2", "7.4", "8.10"}) {
      for (bool https : {false, true}) {
        SiteSpec s = ValidSite();
        s.status = status;
        s.php = php;
        s.https = https;
        auto back = SiteSpecFromJson(ToJson(s));
        ASSERT_TRUE(back) << back.error().message;
        EXPECT_EQ(*back, s);
      }
    }
  }
}

// The account's own Unix user exists on a web node: the site decoder checks the login grammar
// only, not this machine's user database.
TEST(SiteSpecTest, AcceptsAnAccountWhoseUnixUserExists) {
  int tried = 0;
  ::setpwent();
  while (passwd* pw = ::getpwent()) {
    std::string name = pw->pw_name;
    if (!CheckLoginGrammar(name) || CheckLogin(name)) continue;  // only existing, grammar-valid
    ++tried;
    SiteSpec s = ValidSite();
    s.account = name;
    auto back = SiteSpecFromJson(ToJson(s));
    EXPECT_TRUE(back) << name << ": " << back.error().message;
    auto removal = SiteRemovalFromJson(ToJson(SiteRemoval{s.domain, name, s.docroot, false}));
    EXPECT_TRUE(removal) << name;
  }
  ::endpwent();
  if (tried == 0) GTEST_SKIP() << "no grammar-valid existing user on this machine";
}

TEST(SiteSpecTest, WritesTheDocumentedFieldNames) {
  Json j = ToJson(ValidSite());
  for (const char* key : {"domain", "aliases", "account", "docroot", "status", "php", "https"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
}

TEST(SiteSpecTest, DefaultsAndSortsOptionalFields) {
  Json j = {{"domain", "shop.acme.example"},
            {"account", kAccount},
            {"docroot", "public"},
            {"future_field", {1, 2}}};
  auto s = SiteSpecFromJson(j);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_TRUE(s->aliases.empty());
  EXPECT_EQ(s->status, "active");
  EXPECT_EQ(s->php, "");
  EXPECT_FALSE(s->https);

  j["aliases"] = {"z.acme.example", "b.acme.example"};
  s = SiteSpecFromJson(j);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->aliases, (std::vector<std::string>{"b.acme.example", "z.acme.example"}));
}

struct SpecCase {
  const char* name;
  std::function<void(Json&)> mutate;
  std::string field;
  std::string code;
};

TEST(SiteSpecTest, RefusesEveryViolationWithItsField) {
  const SpecCase cases[] = {
      {"missing domain", [](Json& j) { j.erase("domain"); }, "domain", "field.missing"},
      {"domain wrong type", [](Json& j) { j["domain"] = 5; }, "domain", "field.type"},
      {"domain null", [](Json& j) { j["domain"] = nullptr; }, "domain", "field.type"},
      {"domain injection", [](Json& j) { j["domain"] = "a.example;\n}"; }, "domain",
       "domain.invalid_character"},
      {"domain not canonical", [](Json& j) { j["domain"] = "Shop.ACME.example."; }, "domain",
       "domain.not_canonical"},
      {"domain U-label", [](Json& j) { j["domain"] = "bücher.example"; }, "domain",
       "domain.not_canonical"},
      {"domain ip", [](Json& j) { j["domain"] = "10.0.0.1"; }, "domain", "domain.ip_literal"},
      {"aliases not array", [](Json& j) { j["aliases"] = "a.acme.example"; }, "aliases",
       "field.type"},
      {"alias not string",
       [](Json& j) {
         j["aliases"] = {"a.acme.example", 7};
       },
       "aliases", "field.type"},
      {"alias invalid",
       [](Json& j) {
         j["aliases"] = {"a.acme.example", "-x.example"};
       },
       "aliases[1]", "domain.hyphen"},
      {"alias equals domain", [](Json& j) { j["aliases"] = {"shop.acme.example"}; }, "aliases[0]",
       "domain.duplicate"},
      {"alias twice",
       [](Json& j) {
         j["aliases"] = {"a.acme.example", "a.acme.example"};
       },
       "aliases[1]", "domain.duplicate"},
      {"missing account", [](Json& j) { j.erase("account"); }, "account", "field.missing"},
      {"account reserved", [](Json& j) { j["account"] = "root"; }, "account", "login.reserved"},
      {"account uppercase", [](Json& j) { j["account"] = "Acme"; }, "account",
       "login.invalid_character"},
      {"missing docroot", [](Json& j) { j.erase("docroot"); }, "docroot", "field.missing"},
      {"docroot escapes", [](Json& j) { j["docroot"] = "../other/public"; }, "docroot",
       "path.dot_dot"},
      {"docroot absolute", [](Json& j) { j["docroot"] = "/etc"; }, "docroot", "path.absolute"},
      {"docroot not normalised", [](Json& j) { j["docroot"] = "web//public/"; }, "docroot",
       "path.not_canonical"},
      {"status unknown", [](Json& j) { j["status"] = "deleted"; }, "status", "status.invalid"},
      {"status wrong type", [](Json& j) { j["status"] = true; }, "status", "field.type"},
      {"php wrong type", [](Json& j) { j["php"] = 8.2; }, "php", "field.type"},
      {"php null", [](Json& j) { j["php"] = nullptr; }, "php", "field.type"},
      {"php no dot", [](Json& j) { j["php"] = "82"; }, "php", "php.invalid"},
      {"php two digit major", [](Json& j) { j["php"] = "10.1"; }, "php", "php.invalid"},
      {"php three digit minor", [](Json& j) { j["php"] = "8.123"; }, "php", "php.invalid"},
      {"php injection", [](Json& j) { j["php"] = "8.2;\n"; }, "php", "php.invalid"},
      {"php path", [](Json& j) { j["php"] = "../8.2"; }, "php", "php.invalid"},
      {"php trailing dot", [](Json& j) { j["php"] = "8."; }, "php", "php.invalid"},
      {"https wrong type", [](Json& j) { j["https"] = "yes"; }, "https", "field.type"},
      {"https number", [](Json& j) { j["https"] = 1; }, "https", "field.type"},
  };
  for (const auto& c : cases) {
    Json j = ToJson(ValidSite());
    c.mutate(j);
    auto s = SiteSpecFromJson(j);
    ASSERT_FALSE(s) << c.name;
    EXPECT_EQ(s.error().code, ErrorCode::kInvalid) << c.name;
    ASSERT_EQ(s.error().fields.count(c.field), 1u) << c.name << ": " << s.error().message;
    EXPECT_EQ(s.error().fields.at(c.field), c.code) << c.name << ": " << s.error().message;
    EXPECT_FALSE(s.error().message.empty()) << c.name;
    EXPECT_EQ(s.error().message.find('\n'), std::string::npos) << c.name;
  }
}

TEST(SiteSpecTest, ReportsAllViolationsAtOnce) {
  Json j = {{"domain", "localhost"}, {"account", "1abc"}, {"docroot", "a\\b"}};
  auto s = SiteSpecFromJson(j);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().fields,
            (std::map<std::string, std::string>{{"domain", "domain.reserved"},
                                                {"account", "login.starts_with_digit"},
                                                {"docroot", "path.backslash"}}));
}

TEST(SiteSpecTest, RefusesANonObject) {
  for (const Json& j : {Json(nullptr), Json::array(), Json("site"), Json(3)}) {
    auto s = SiteSpecFromJson(j);
    ASSERT_FALSE(s) << j.dump();
    EXPECT_EQ(s.error().code, ErrorCode::kInvalid);
  }
}

TEST(SiteRemovalTest, RoundTrips) {
  for (bool remove : {false, true}) {
    SiteRemoval r{"shop.acme.example", kAccount, "web/shop", remove};
    auto back = SiteRemovalFromJson(ToJson(r));
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(*back, r);
  }
}

TEST(SiteRemovalTest, RefusesEveryViolationWithItsField) {
  const SpecCase cases[] = {
      {"missing domain", [](Json& j) { j.erase("domain"); }, "domain", "field.missing"},
      {"domain reserved", [](Json& j) { j["domain"] = "x.hostplane.internal"; }, "domain",
       "domain.reserved"},
      {"account too short", [](Json& j) { j["account"] = "ab"; }, "account", "login.too_short"},
      {"docroot control", [](Json& j) { j["docroot"] = "a\nb"; }, "docroot",
       "path.control_character"},
      {"remove_content string", [](Json& j) { j["remove_content"] = "yes"; }, "remove_content",
       "field.type"},
  };
  for (const auto& c : cases) {
    Json j = ToJson(SiteRemoval{"shop.acme.example", kAccount, "web/shop", true});
    c.mutate(j);
    auto s = SiteRemovalFromJson(j);
    ASSERT_FALSE(s) << c.name;
    ASSERT_EQ(s.error().fields.count(c.field), 1u) << c.name << ": " << s.error().message;
    EXPECT_EQ(s.error().fields.at(c.field), c.code) << c.name;
  }
  auto defaulted = SiteRemovalFromJson(
      Json{{"domain", "shop.acme.example"}, {"account", kAccount}, {"docroot", "web"}});
  ASSERT_TRUE(defaulted) << defaulted.error().message;
  EXPECT_FALSE(defaulted->remove_content);
}

}  // namespace
}  // namespace hostplane::protocol
