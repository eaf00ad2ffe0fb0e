#include "protocol/ftp_spec.h"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace hostplane::protocol {
namespace {

// A syntactically valid yescrypt hash (the decoder checks the grammar, not the password).
const std::string kHash =
    "$y$j9T$abcdefghijklmnopqrstuv$ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdef";

FtpUserSpec ValidUser() {
  FtpUserSpec s;
  s.user = "acme_web";
  s.account = "acme";
  s.uid = 20001;
  s.gid = 20002;
  s.home = "web/shop";
  s.password_hash = kHash;
  s.status = "active";
  return s;
}

TEST(CheckFtpUserNameTest, AcceptsAndCanonicalises) {
  const struct {
    std::string account, input, want;
  } cases[] = {
      {"acme", "acme_web", "acme_web"},
      {"acme", "acme_1", "acme_1"},
      {"acme", "ACME_Web2", "acme_web2"},
      {"acme", "acme_0123456789abcdef", "acme_0123456789abcdef"},  // 16: the longest suffix
      {"abc1", "abc1_x", "abc1_x"},
  };
  for (const auto& c : cases) {
    auto got = CheckFtpUserName(c.account, c.input);
    ASSERT_TRUE(got) << c.input << ": " << got.error().code;
    EXPECT_EQ(*got, c.want);
  }
}

TEST(CheckFtpUserNameTest, RefusesWithCode) {
  const struct {
    std::string account, input, code;
  } cases[] = {
      {"acme", "", "ftp.invalid"},
      {"acme", "acme_", "ftp.invalid"},
      {"acme", "acme_a_b", "ftp.invalid"},
      {"acme", "acme_we-b", "ftp.invalid"},
      {"acme", "acme_web\n", "ftp.invalid"},
      {"acme", "acme_a\nb", "ftp.invalid"},
      {"acme", "acme_a:b", "ftp.invalid"},
      {"acme", "acme_../x", "ftp.invalid"},
      {"acme", "acme_w\xc3\xa9", "ftp.invalid"},
      {"acme", std::string("acme_w\0b", 8), "ftp.invalid"},
      {"acme", "acme web", "ftp.invalid"},
      {"acme", "acmeweb", "ftp.prefix"},
      {"acme", "other_web", "ftp.prefix"},
      {"acme", "acm_web", "ftp.prefix"},
      {"acme", "_web", "ftp.prefix"},
      {"", "acme_web", "ftp.prefix"},
      {"acme", "acme_0123456789abcdefg", "ftp.too_long"},
  };
  for (const auto& c : cases) {
    auto got = CheckFtpUserName(c.account, c.input);
    ASSERT_FALSE(got) << QuoteForMessage(c.input);
    EXPECT_EQ(got.error().code, c.code) << QuoteForMessage(c.input);
    // The message never carries raw input (a newline would reach a log line).
    EXPECT_EQ(got.error().message.find('\n'), std::string::npos);
  }
}

TEST(FtpUserSpecTest, RoundTrips) {
  for (const char* status : {"active", "suspended"}) {
    for (const char* home : {"", "web/shop", "public_html"}) {
      FtpUserSpec s = ValidUser();
      s.status = status;
      s.home = home;
      auto back = FtpUserSpecFromJson(ToJson(s));
      ASSERT_TRUE(back) << back.error().message;
      EXPECT_EQ(*back, s);
    }
  }
  FtpUserRemoval r{"acme_web", "acme"};
  auto back = FtpUserRemovalFromJson(ToJson(r));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, r);
}

TEST(FtpUserSpecTest, StatusDefaultsToActiveAndUnknownMembersAreIgnored) {
  Json j = ToJson(ValidUser());
  j.erase("status");
  j["comment"] = "from a newer controller";
  auto s = FtpUserSpecFromJson(j);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->status, "active");
}

TEST(FtpUserSpecTest, RefusesEveryBadFieldWithItsCode) {
  const struct {
    std::string name;
    std::function<void(Json&)> mutate;
    std::string field, code;
  } cases[] = {
      {"user missing", [](Json& j) { j.erase("user"); }, "user", "field.missing"},
      {"user type", [](Json& j) { j["user"] = 5; }, "user", "field.type"},
      {"user prefix", [](Json& j) { j["user"] = "other_web"; }, "user", "ftp.prefix"},
      {"user newline", [](Json& j) { j["user"] = "acme_a\nb"; }, "user", "ftp.invalid"},
      {"user colon", [](Json& j) { j["user"] = "acme_a:0:0"; }, "user", "ftp.invalid"},
      {"user long", [](Json& j) { j["user"] = "acme_" + std::string(17, 'a'); }, "user",
       "ftp.too_long"},
      {"user case", [](Json& j) { j["user"] = "acme_Web"; }, "user", "ftp.not_canonical"},
      {"account missing", [](Json& j) { j.erase("account"); }, "account", "field.missing"},
      {"account null", [](Json& j) { j["account"] = nullptr; }, "account", "field.type"},
      {"account reserved", [](Json& j) { j["account"] = "root"; }, "account", "login.reserved"},
      {"account digit", [](Json& j) { j["account"] = "0day"; }, "account",
       "login.starts_with_digit"},
      {"uid missing", [](Json& j) { j.erase("uid"); }, "uid", "field.missing"},
      {"uid string", [](Json& j) { j["uid"] = "20001"; }, "uid", "field.type"},
      {"uid float", [](Json& j) { j["uid"] = 20001.0; }, "uid", "field.type"},
      {"uid root", [](Json& j) { j["uid"] = 0; }, "uid", "field.range"},
      {"uid system", [](Json& j) { j["uid"] = 999; }, "uid", "field.range"},
      {"uid negative", [](Json& j) { j["uid"] = -1; }, "uid", "field.range"},
      {"uid nobody", [](Json& j) { j["uid"] = 4294967294u; }, "uid", "field.range"},
      {"uid above accounts", [](Json& j) { j["uid"] = 2147483648; }, "uid", "field.range"},
      {"uid huge", [](Json& j) { j["uid"] = 18446744073709551615u; }, "uid", "field.range"},
      {"gid system", [](Json& j) { j["gid"] = 33; }, "gid", "field.range"},
      {"home missing", [](Json& j) { j.erase("home"); }, "home", "field.missing"},
      {"home dotdot", [](Json& j) { j["home"] = "../x"; }, "home", "path.dot_dot"},
      {"home inner dotdot", [](Json& j) { j["home"] = "web/../../x"; }, "home", "path.dot_dot"},
      {"home absolute", [](Json& j) { j["home"] = "/etc"; }, "home", "path.absolute"},
      {"home newline", [](Json& j) { j["home"] = "a\nb"; }, "home", "path.control_character"},
      {"home colon", [](Json& j) { j["home"] = "web:0:0"; }, "home", "path.invalid_character"},
      {"home backslash", [](Json& j) { j["home"] = "web\\x"; }, "home", "path.backslash"},
      {"home dot", [](Json& j) { j["home"] = "."; }, "home", "path.empty"},
      {"home not normalised", [](Json& j) { j["home"] = "web//shop/"; }, "home",
       "path.not_canonical"},
      {"hash missing", [](Json& j) { j.erase("password_hash"); }, "password_hash", "field.missing"},
      {"hash plain", [](Json& j) { j["password_hash"] = "secret"; }, "password_hash",
       "password_hash.invalid"},
      {"hash md5", [](Json& j) { j["password_hash"] = "$1$abcdefgh$abcdefghijklmnopqrstuv"; },
       "password_hash", "password_hash.invalid"},
      {"hash colon", [](Json& j) { j["password_hash"] = kHash + ":0:0"; }, "password_hash",
       "password_hash.invalid"},
      {"hash newline", [](Json& j) { j["password_hash"] = kHash + "\nroot:x"; }, "password_hash",
       "password_hash.invalid"},
      {"hash disabled", [](Json& j) { j["password_hash"] = "!"; }, "password_hash",
       "password_hash.invalid"},
      {"status", [](Json& j) { j["status"] = "deleted"; }, "status", "status.invalid"},
      {"status type", [](Json& j) { j["status"] = true; }, "status", "field.type"},
  };
  for (const auto& c : cases) {
    Json j = ToJson(ValidUser());
    c.mutate(j);
    auto s = FtpUserSpecFromJson(j);
    ASSERT_FALSE(s) << c.name;
    EXPECT_EQ(s.error().code, ErrorCode::kInvalid) << c.name;
    ASSERT_EQ(s.error().fields.count(c.field), 1u) << c.name << ": " << s.error().message;
    EXPECT_EQ(s.error().fields.at(c.field), c.code) << c.name << ": " << s.error().message;
    EXPECT_EQ(s.error().fields.size(), 1u) << c.name << ": " << s.error().message;
  }
}

TEST(FtpUserSpecTest, ReportsEveryViolationAtOnceAndNeverEchoesTheHash) {
  Json j = ToJson(ValidUser());
  j["user"] = "x";
  j["uid"] = 0;
  j["home"] = "/etc";
  j["password_hash"] = "hunter2hunter2";
  j["status"] = "gone";
  auto s = FtpUserSpecFromJson(j);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().fields, (std::map<std::string, std::string>{
                                  {"user", "ftp.prefix"},
                                  {"uid", "field.range"},
                                  {"home", "path.absolute"},
                                  {"password_hash", "password_hash.invalid"},
                                  {"status", "status.invalid"},
                              }));
  EXPECT_EQ(s.error().message.find("hunter2"), std::string::npos);
}

TEST(FtpUserSpecTest, UserIsCheckedEvenWhenTheAccountIsBad) {
  Json j = ToJson(ValidUser());
  j["account"] = "Bad Account";
  j["user"] = "bad_a\nb";
  auto s = FtpUserSpecFromJson(j);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().fields.at("account"), "login.invalid_character");
  EXPECT_EQ(s.error().fields.at("user"), "ftp.invalid");
}

TEST(FtpUserSpecTest, RefusesANonObject) {
  for (const Json& j : {Json::array(), Json("acme_web"), Json(nullptr)}) {
    EXPECT_FALSE(FtpUserSpecFromJson(j));
    EXPECT_FALSE(FtpUserRemovalFromJson(j));
  }
}

TEST(FtpUserRemovalTest, RefusesEveryBadFieldWithItsCode) {
  const struct {
    Json spec;
    std::map<std::string, std::string> fields;
  } cases[] = {
      {Json{{"account", "acme"}}, {{"user", "field.missing"}}},
      {Json{{"user", "acme_web"}}, {{"account", "field.missing"}}},
      {Json{{"user", "bob_web"}, {"account", "acme"}}, {{"user", "ftp.prefix"}}},
      {Json{{"user", "acme_../etc"}, {"account", "acme"}}, {{"user", "ftp.invalid"}}},
      {Json{{"user", "acme_web"}, {"account", "www-data"}},
       {{"account", "login.invalid_character"}}},
  };
  for (const auto& c : cases) {
    auto r = FtpUserRemovalFromJson(c.spec);
    ASSERT_FALSE(r) << c.spec.dump();
    EXPECT_EQ(r.error().fields, c.fields) << c.spec.dump() << ": " << r.error().message;
  }
}

}  // namespace
}  // namespace hostplane::protocol
