#include "protocol/database_spec.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace hostplane::protocol {
namespace {

using namespace std::string_literals;  // "a\0b"s keeps the NUL

TEST(CheckDatabaseNameTest, AcceptsCanonicalAndRefusesEveryCode) {
  struct Case {
    std::string account;
    std::string input;
    std::string want;  // canonical form when code is empty
    std::string code;
  };
  const std::string suffix32(32, 'a');
  for (const Case& c : std::vector<Case>{
           {"acme", "acme_shop", "acme_shop", ""},
           {"acme", "acme_1", "acme_1", ""},
           {"acme", "ACME_Shop", "acme_shop", ""},
           {"acme", "acme_" + suffix32, "acme_" + suffix32, ""},
           {"abcdefghijklmnop", "abcdefghijklmnop_" + suffix32, "abcdefghijklmnop_" + suffix32, ""},
           {"acme", "", "", "db.invalid"},
           {"acme", "acme_", "", "db.invalid"},
           {"acme", "acme_x`; DROP DATABASE mysql; --", "", "db.invalid"},
           {"acme", "acme_%", "", "db.invalid"},
           {"acme", "acme_s_p", "", "db.invalid"},
           {"acme", "acme_sh op", "", "db.invalid"},
           {"acme", "acme_sh\nop", "", "db.invalid"},
           {"acme", "acme_sh\0op"s, "", "db.invalid"},
           {"acme", "acme_sh\\op", "", "db.invalid"},
           {"acme", "acme_sh'op", "", "db.invalid"},
           {"acme", "acme_shöp", "", "db.invalid"},
           {"acme", "other_db", "", "db.prefix"},
           {"acme", "acme", "", "db.prefix"},
           {"acme", "acmeshop", "", "db.prefix"},
           {"acme", "acm_shop", "", "db.prefix"},
           {"acme", "acme1_shop", "", "db.prefix"},
           {"acme", "_acme_shop", "", "db.prefix"},
           {"", "_shop", "", "db.prefix"},
           {"ac%", "ac%_shop", "", "db.prefix"},
           {"acme", "acme_" + suffix32 + "a", "", "db.too_long"},
       }) {
    SCOPED_TRACE(QuoteForMessage(c.account) + " " + QuoteForMessage(c.input));
    auto got = CheckDatabaseName(c.account, c.input);
    if (c.code.empty()) {
      ASSERT_TRUE(got) << got.error().code << ": " << got.error().message;
      EXPECT_EQ(*got, c.want);
    } else {
      ASSERT_FALSE(got) << "accepted as " << *got;
      EXPECT_EQ(got.error().code, c.code) << got.error().message;
      for (char ch : got.error().message) {
        EXPECT_FALSE(static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f) << got.error().message;
      }
    }
  }
}

TEST(CheckMysqlPasswordHashTest, Grammar) {
  const std::string good = "*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19";
  EXPECT_TRUE(CheckMysqlPasswordHash(good));
  for (const std::string& bad : {
           std::string(""), std::string("password"),
           good.substr(1),                                // no star
           good.substr(0, 40),                            // too short
           good + "0",                                    // too long
           "*2470c0c06dee42fd1618bb99005adca2ec9d1e19"s,  // lowercase
           "*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E1G"s,  // not hex
           "*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E'"s,   // quote
           "$y$j9T$abc"s,                                 // a service hash, wrong scheme
       }) {
    SCOPED_TRACE(QuoteForMessage(bad));
    auto got = CheckMysqlPasswordHash(bad);
    ASSERT_FALSE(got);
    EXPECT_EQ(got.error().code, "password_hash.invalid");
    // The value is a password equivalent: never echoed.
    EXPECT_EQ(got.error().message.find("2470"), std::string::npos);
    EXPECT_EQ(got.error().message.find("2470c0"), std::string::npos);
  }
}

TEST(MysqlNativePasswordHashTest, KnownAnswers) {
  // As MariaDB's PASSWORD() and the mysql_native_password documentation give them (the
  // integration test also logs in with a hash made here).
  struct Case {
    std::string password;
    std::string hash;
  };
  for (const Case& c : std::vector<Case>{
           {"password", "*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19"},
           {"", "*BE1BDEC0AA74B4DCB079943E70528096CCA985F8"},
           {"correct horse battery staple", "*F4AF2E5D85456A908E0F552F0366375B06267295"},
       }) {
    auto got = MysqlNativePasswordHash(c.password);
    ASSERT_TRUE(got) << got.error().message;
    EXPECT_EQ(*got, c.hash) << c.password;
    EXPECT_TRUE(CheckMysqlPasswordHash(*got));
  }
}

Json GoodSpec() {
  return Json{{"name", "acme_shop"},
              {"account", "acme"},
              {"password_hash", "*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19"},
              {"status", "active"}};
}

TEST(DatabaseSpecTest, RoundTripsAndDefaults) {
  auto s = DatabaseSpecFromJson(GoodSpec());
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->name, "acme_shop");
  EXPECT_EQ(s->account, "acme");
  EXPECT_EQ(s->password_hash, "*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19");
  EXPECT_EQ(s->status, "active");
  auto again = DatabaseSpecFromJson(ToJson(*s));
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *s);

  Json j = GoodSpec();
  j.erase("status");
  j["newer_field"] = 7;  // ignored
  auto d = DatabaseSpecFromJson(j);
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ(d->status, "active");

  j["status"] = "suspended";
  EXPECT_EQ(DatabaseSpecFromJson(j).value().status, "suspended");
  EXPECT_EQ(DatabaseObjectKey("acme_shop"), "database:acme_shop");
}

TEST(DatabaseSpecTest, ReportsEveryViolation) {
  struct Case {
    std::string what;
    Json spec;
    std::map<std::string, std::string> fields;
  };
  auto with = [](const char* key, Json value) {
    Json j = GoodSpec();
    j[key] = std::move(value);
    return j;
  };
  auto without = [](const char* key) {
    Json j = GoodSpec();
    j.erase(key);
    return j;
  };
  for (const Case& c : std::vector<Case>{
           {"hostile name", with("name", "acme_x`; DROP"), {{"name", "db.invalid"}}},
           {"wildcard", with("name", "acme_%"), {{"name", "db.invalid"}}},
           {"other prefix", with("name", "other_db"), {{"name", "db.prefix"}}},
           {"too long", with("name", "acme_" + std::string(33, 'x')), {{"name", "db.too_long"}}},
           {"not canonical", with("name", "ACME_shop"), {{"name", "db.not_canonical"}}},
           {"bad account", with("account", "Acme;"), {{"account", "login.invalid_character"}}},
           {"reserved account", with("account", "root"), {{"account", "login.reserved"}}},
           {"bad hash",
            with("password_hash", "secret"),
            {{"password_hash", "password_hash.invalid"}}},
           {"bad status", with("status", "paused"), {{"status", "status.invalid"}}},
           {"null status", with("status", nullptr), {{"status", "field.type"}}},
           {"number name", with("name", 5), {{"name", "field.type"}}},
           {"missing", without("password_hash"), {{"password_hash", "field.missing"}}},
           {"everything",
            Json{{"name", "x"}, {"account", 1}, {"status", "gone"}},
            {{"account", "field.type"},
             {"password_hash", "field.missing"},
             {"status", "status.invalid"}}},
           {"several",
            Json{{"name", "acme_%"}, {"account", "acme"}, {"password_hash", "x"}},
            {{"name", "db.invalid"}, {"password_hash", "password_hash.invalid"}}},
       }) {
    SCOPED_TRACE(c.what);
    auto s = DatabaseSpecFromJson(c.spec);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, ErrorCode::kInvalid);
    EXPECT_EQ(s.error().fields, c.fields) << s.error().message;
  }
  EXPECT_FALSE(DatabaseSpecFromJson(Json::array()));
  // The hash is a password equivalent: never echoed in the error.
  auto s = DatabaseSpecFromJson(with("password_hash", "*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E1"));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message.find("2470C0C0"), std::string::npos);
}

TEST(DatabaseRemovalTest, DecodesAndValidates) {
  auto r = DatabaseRemovalFromJson(Json{{"name", "acme_shop"}, {"account", "acme"}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, (DatabaseRemoval{"acme_shop", "acme"}));
  EXPECT_EQ(DatabaseRemovalFromJson(ToJson(*r)).value(), *r);

  struct Case {
    Json spec;
    std::map<std::string, std::string> fields;
  };
  for (const Case& c : std::vector<Case>{
           {Json{{"name", "other_shop"}, {"account", "acme"}}, {{"name", "db.prefix"}}},
           {Json{{"name", "acme_a`b"}, {"account", "acme"}}, {{"name", "db.invalid"}}},
           {Json{{"account", "acme"}}, {{"name", "field.missing"}}},
           {Json{{"name", "acme_shop"}}, {{"account", "field.missing"}}},
           {Json{{"name", "acme_shop"}, {"account", "www-data"}},
            {{"account", "login.invalid_character"}}},
       }) {
    SCOPED_TRACE(c.spec.dump());
    auto got = DatabaseRemovalFromJson(c.spec);
    ASSERT_FALSE(got);
    EXPECT_EQ(got.error().fields, c.fields) << got.error().message;
  }
}

}  // namespace
}  // namespace hostplane::protocol
