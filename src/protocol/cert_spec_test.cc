#include "protocol/cert_spec.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>

namespace hostplane::protocol {
namespace {

CertSpec ValidCert() {
  CertSpec s;
  s.domain = "shop.acme.example";
  s.aliases = {"www.shop.acme.example", "xn--bcher-kva.example"};
  s.account = "acme";
  s.directory_url = "https://127.0.0.1:14000/dir";
  s.email = "hostmaster@acme.example";
  s.renew_before_days = 30;
  return s;
}

TEST(CertSpecTest, RoundTrips) {
  CertSpec s = ValidCert();
  auto back = CertSpecFromJson(ToJson(s));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, s);
  EXPECT_EQ(back->Names(), (std::vector<std::string>{"shop.acme.example", "www.shop.acme.example",
                                                     "xn--bcher-kva.example"}));
}

TEST(CertSpecTest, ParsesTheContractExampleAndDefaults) {
  auto s = CertSpecFromJson(Json::parse(R"({"domain":"shop.acme.example",
      "aliases":["www.shop.acme.example"],"account":"acme",
      "directory_url":"https://127.0.0.1:14000/dir","email":"hostmaster@acme.example",
      "renew_before_days":30, "future_member": 1})"));
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->aliases, std::vector<std::string>{"www.shop.acme.example"});

  auto minimal = CertSpecFromJson(Json::parse(R"({"domain":"b.example","account":"acme",
      "directory_url":"https://acme-v02.api.letsencrypt.org/directory","email":"a@b.example",
      "aliases":["z.b.example","a.b.example"]})"));
  ASSERT_TRUE(minimal) << minimal.error().message;
  EXPECT_EQ(minimal->renew_before_days, 30);
  EXPECT_EQ(minimal->aliases, (std::vector<std::string>{"a.b.example", "z.b.example"}));
}

// One bad member per row: the decoder names exactly that field and code.
TEST(CertSpecTest, RefusesEachBadField) {
  const struct {
    const char* name;
    std::string member;
    Json value;
    std::string field;
    std::string code;
  } cases[] = {
      {"missing domain", "domain", nullptr, "domain", "field.missing"},
      {"domain type", "domain", 5, "domain", "field.type"},
      {"domain grammar", "domain", "shop_x.example", "domain", "domain.invalid_character"},
      {"domain canonical", "domain", "Shop.Acme.Example", "domain", "domain.not_canonical"},
      {"domain localhost", "domain", "a.localhost", "domain", "domain.reserved"},
      {"alias grammar", "aliases", Json::array({"ok.example", "-bad.example"}), "aliases[1]",
       "domain.hyphen"},
      {"alias duplicate", "aliases", Json::array({"shop.acme.example"}), "aliases[0]",
       "domain.duplicate"},
      {"alias twice", "aliases", Json::array({"a.example", "a.example"}), "aliases[1]",
       "domain.duplicate"},
      {"aliases type", "aliases", "a.example", "aliases", "field.type"},
      {"alias not string", "aliases", Json::array({1}), "aliases", "field.type"},
      {"account grammar", "account", "0day", "account", "login.starts_with_digit"},
      {"account reserved", "account", "root", "account", "login.reserved"},
      {"missing url", "directory_url", nullptr, "directory_url", "field.missing"},
      {"url http", "directory_url", "http://127.0.0.1:14000/dir", "directory_url",
       "directory_url.scheme"},
      {"url space", "directory_url", "https://ca.example/ dir", "directory_url",
       "directory_url.invalid_character"},
      {"url quote", "directory_url", "https://ca.example/\"dir", "directory_url",
       "directory_url.invalid_character"},
      {"url newline", "directory_url", "https://ca.example/\ndir", "directory_url",
       "directory_url.invalid_character"},
      {"url dollar", "directory_url", "https://ca.example/$x", "directory_url",
       "directory_url.invalid_character"},
      {"url no host", "directory_url", "https:///dir", "directory_url", "directory_url.host"},
      {"url only port", "directory_url", "https://:14000/dir", "directory_url",
       "directory_url.host"},
      {"url userinfo", "directory_url", "https://user:pw@ca.example/dir", "directory_url",
       "directory_url.userinfo"},
      {"url port range", "directory_url", "https://ca.example:70000/dir", "directory_url",
       "directory_url.port"},
      {"url port empty", "directory_url", "https://ca.example:/dir", "directory_url",
       "directory_url.port"},
      {"url empty", "directory_url", "", "directory_url", "directory_url.empty"},
      {"email grammar", "email", "no-at-sign", "email", "email.invalid"},
      {"email canonical", "email", "a@B.example", "email", "email.not_canonical"},
      {"days zero", "renew_before_days", 0, "renew_before_days", "field.range"},
      {"days 61", "renew_before_days", 61, "renew_before_days", "field.range"},
      {"days negative", "renew_before_days", -3, "renew_before_days", "field.range"},
      {"days float", "renew_before_days", 30.5, "renew_before_days", "field.type"},
      {"days string", "renew_before_days", "30", "renew_before_days", "field.type"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    Json j = ToJson(ValidCert());
    if (c.value.is_null()) {
      j.erase(c.member);
    } else {
      j[c.member] = c.value;
    }
    auto s = CertSpecFromJson(j);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, ErrorCode::kInvalid);
    EXPECT_EQ(s.error().fields, (std::map<std::string, std::string>{{c.field, c.code}}));
  }
}

TEST(CertSpecTest, AcceptsDirectoryUrls) {
  for (const char* url : {"https://127.0.0.1:14000/dir", "https://[::1]:14000/dir",
                          "https://acme-v02.api.letsencrypt.org/directory", "https://ca.example",
                          "https://ca.example:443/acme/dir?x=1"}) {
    auto v = CheckDirectoryUrl(url);
    EXPECT_TRUE(v) << url << ": " << v.error().code;
  }
  for (const char* url : {"https://[::1/dir", "https://[zz]/dir", "https://[::1]x/dir",
                          "https://.ca.example/", "https://ca..example/", "ftp://ca.example/"}) {
    EXPECT_FALSE(CheckDirectoryUrl(url)) << url;
  }
}

TEST(CertSpecTest, RefusesMoreThanTwentyNames) {
  CertSpec s = ValidCert();
  s.aliases.clear();
  for (int i = 0; i < 19; ++i) s.aliases.push_back("n" + std::to_string(i) + ".acme.example");
  EXPECT_TRUE(CertSpecFromJson(ToJson(s)));
  s.aliases.push_back("n19.acme.example");
  auto bad = CertSpecFromJson(ToJson(s));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().fields,
            (std::map<std::string, std::string>{{"aliases", "names.too_many"}}));
}

TEST(CertSpecTest, ReportsEveryViolationAtOnce) {
  Json j = {{"domain", "-x.example"},
            {"account", "Root"},
            {"directory_url", "http://x"},
            {"email", "x"},
            {"renew_before_days", 100}};
  auto s = CertSpecFromJson(j);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().fields.size(), 5u);
  EXPECT_FALSE(CertSpecFromJson(Json::array()));
}

TEST(CertRemovalTest, RoundTripsAndValidates) {
  CertRemoval r{"shop.acme.example", "acme"};
  auto back = CertRemovalFromJson(ToJson(r));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, r);

  auto bad = CertRemovalFromJson(Json{{"domain", "../etc"}, {"account", 7}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().fields.count("domain"), 1u);
  EXPECT_EQ(bad.error().fields.at("account"), "field.type");
  auto missing = CertRemovalFromJson(Json::object());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().fields,
            (std::map<std::string, std::string>{{"domain", "field.missing"},
                                                {"account", "field.missing"}}));
}

}  // namespace
}  // namespace hostplane::protocol
