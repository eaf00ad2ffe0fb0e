#include "protocol/account_spec.h"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string>

namespace hostplane::protocol {
namespace {

AccountSpec ValidAccount() {
  AccountSpec s;
  s.login = "acme";
  s.uid = 20001;
  s.gid = 20002;
  s.status = "active";
  s.php = {"7.4", "8.2"};
  return s;
}

AccountRemoval ValidRemoval() { return AccountRemoval{"acme", 20001, 20002, true}; }

struct Case {
  const char* name;
  std::function<void(Json&)> mutate;
  std::string field;
  std::string code;
};

void ExpectRefused(const Case& c, const Result<AccountSpec>& s) {
  ASSERT_FALSE(s) << c.name;
  EXPECT_EQ(s.error().code, ErrorCode::kInvalid) << c.name;
  ASSERT_EQ(s.error().fields.count(c.field), 1u) << c.name << ": " << s.error().message;
  EXPECT_EQ(s.error().fields.at(c.field), c.code) << c.name << ": " << s.error().message;
  EXPECT_EQ(s.error().message.find('\n'), std::string::npos) << c.name;
}

TEST(AccountSpecTest, RoundTrips) {
  for (const char* status : {"active", "suspended"}) {
    for (auto php : {std::vector<std::string>{}, std::vector<std::string>{"8.2"},
                     std::vector<std::string>{"7.4", "8.10", "8.2"}}) {
      AccountSpec s = ValidAccount();
      s.status = status;
      s.php = php;
      auto back = AccountSpecFromJson(ToJson(s));
      ASSERT_TRUE(back) << back.error().message;
      EXPECT_EQ(*back, s);
    }
  }
}

TEST(AccountSpecTest, DecodesTheContractExample) {
  auto s = AccountSpecFromJson(Json::parse(
      R"({"login":"acme","uid":20001,"gid":20001,"status":"active","php":["8.2"],"x":1})"));
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(*s, (AccountSpec{"acme", 20001, 20001, "active", {"8.2"}, {}}));
}

TEST(AccountSpecTest, DefaultsAndSortsOptionalFields) {
  auto s = AccountSpecFromJson(Json{{"login", "acme"}, {"uid", 1000}, {"gid", 2147483647}});
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->status, "active");
  EXPECT_TRUE(s->php.empty());
  s = AccountSpecFromJson(
      Json{{"login", "acme"}, {"uid", 1000}, {"gid", 1000}, {"php", {"8.2", "7.4"}}});
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->php, (std::vector<std::string>{"7.4", "8.2"}));
}

TEST(AccountSpecTest, RefusesEveryViolationWithItsField) {
  const Case cases[] = {
      {"missing login", [](Json& j) { j.erase("login"); }, "login", "field.missing"},
      {"login wrong type", [](Json& j) { j["login"] = 5; }, "login", "field.type"},
      {"login null", [](Json& j) { j["login"] = nullptr; }, "login", "field.type"},
      {"login empty", [](Json& j) { j["login"] = ""; }, "login", "login.empty"},
      {"login digit", [](Json& j) { j["login"] = "0day"; }, "login", "login.starts_with_digit"},
      {"login uppercase", [](Json& j) { j["login"] = "Acme"; }, "login", "login.invalid_character"},
      {"login injection", [](Json& j) { j["login"] = "acme\nroot"; }, "login",
       "login.invalid_character"},
      {"login short", [](Json& j) { j["login"] = "ab"; }, "login", "login.too_short"},
      {"login long", [](Json& j) { j["login"] = "abcdefghijklmnopq"; }, "login", "login.too_long"},
      {"login root", [](Json& j) { j["login"] = "root"; }, "login", "login.reserved"},
      {"login www-data", [](Json& j) { j["login"] = "nobody"; }, "login", "login.reserved"},
      {"missing uid", [](Json& j) { j.erase("uid"); }, "uid", "field.missing"},
      {"uid string", [](Json& j) { j["uid"] = "20001"; }, "uid", "field.type"},
      {"uid float", [](Json& j) { j["uid"] = 20001.0; }, "uid", "field.type"},
      {"uid zero", [](Json& j) { j["uid"] = 0; }, "uid", "field.range"},
      {"uid negative", [](Json& j) { j["uid"] = -1; }, "uid", "field.range"},
      {"uid system", [](Json& j) { j["uid"] = 999; }, "uid", "field.range"},
      {"uid 2^31", [](Json& j) { j["uid"] = 2147483648LL; }, "uid", "field.range"},
      {"uid 2^32 (wraps to 0)", [](Json& j) { j["uid"] = 4294967296ULL; }, "uid", "field.range"},
      {"uid huge", [](Json& j) { j["uid"] = 18446744073709551615ULL; }, "uid", "field.range"},
      {"missing gid", [](Json& j) { j.erase("gid"); }, "gid", "field.missing"},
      {"gid zero", [](Json& j) { j["gid"] = 0; }, "gid", "field.range"},
      {"gid bool", [](Json& j) { j["gid"] = true; }, "gid", "field.type"},
      {"status unknown", [](Json& j) { j["status"] = "deleted"; }, "status", "status.invalid"},
      {"status wrong type", [](Json& j) { j["status"] = 1; }, "status", "field.type"},
      {"php not array", [](Json& j) { j["php"] = "8.2"; }, "php", "field.type"},
      {"php item not string",
       [](Json& j) {
         j["php"] = {"8.2", 7};
       },
       "php", "field.type"},
      {"php bad version",
       [](Json& j) {
         j["php"] = {"8.2", "8"};
       },
       "php[1]", "php.invalid"},
      {"php injection", [](Json& j) { j["php"] = {"8.2\n"}; }, "php[0]", "php.invalid"},
      {"php path", [](Json& j) { j["php"] = {"../8"}; }, "php[0]", "php.invalid"},
      {"php three digits", [](Json& j) { j["php"] = {"8.100"}; }, "php[0]", "php.invalid"},
      {"php twice",
       [](Json& j) {
         j["php"] = {"8.2", "8.2"};
       },
       "php[1]", "php.duplicate"},
  };
  for (const auto& c : cases) {
    Json j = ToJson(ValidAccount());
    c.mutate(j);
    ExpectRefused(c, AccountSpecFromJson(j));
  }
}

TEST(AccountSpecTest, ReportsAllViolationsAtOnce) {
  auto s =
      AccountSpecFromJson(Json{{"login", "1x"}, {"uid", 0}, {"status", "gone"}, {"php", {"x"}}});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().fields,
            (std::map<std::string, std::string>{{"login", "login.starts_with_digit"},
                                                {"uid", "field.range"},
                                                {"gid", "field.missing"},
                                                {"status", "status.invalid"},
                                                {"php[0]", "php.invalid"}}));
}

TEST(AccountSpecTest, RefusesANonObject) {
  for (const Json& j : {Json(nullptr), Json::array(), Json("acme"), Json(3)}) {
    auto s = AccountSpecFromJson(j);
    ASSERT_FALSE(s) << j.dump();
    EXPECT_EQ(s.error().code, ErrorCode::kInvalid);
    auto r = AccountRemovalFromJson(j);
    ASSERT_FALSE(r) << j.dump();
    EXPECT_EQ(r.error().code, ErrorCode::kInvalid);
  }
}

TEST(AccountRemovalTest, RoundTripsAndDefaults) {
  for (bool remove : {false, true}) {
    AccountRemoval r = ValidRemoval();
    r.remove_home = remove;
    auto back = AccountRemovalFromJson(ToJson(r));
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(*back, r);
  }
  auto r = AccountRemovalFromJson(Json{{"login", "acme"}, {"uid", 20001}, {"gid", 20001}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_FALSE(r->remove_home);
}

TEST(AccountRemovalTest, RefusesEveryViolationWithItsField) {
  const Case cases[] = {
      {"missing login", [](Json& j) { j.erase("login"); }, "login", "field.missing"},
      {"login reserved", [](Json& j) { j["login"] = "root"; }, "login", "login.reserved"},
      {"login slash", [](Json& j) { j["login"] = "a/../b"; }, "login", "login.invalid_character"},
      {"missing uid", [](Json& j) { j.erase("uid"); }, "uid", "field.missing"},
      {"uid zero", [](Json& j) { j["uid"] = 0; }, "uid", "field.range"},
      {"gid negative", [](Json& j) { j["gid"] = -5; }, "gid", "field.range"},
      {"gid string", [](Json& j) { j["gid"] = "1000"; }, "gid", "field.type"},
      {"remove_home string", [](Json& j) { j["remove_home"] = "true"; }, "remove_home",
       "field.type"},
      {"remove_home null", [](Json& j) { j["remove_home"] = nullptr; }, "remove_home",
       "field.type"},
  };
  for (const auto& c : cases) {
    Json j = ToJson(ValidRemoval());
    c.mutate(j);
    auto r = AccountRemovalFromJson(j);
    ASSERT_FALSE(r) << c.name;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalid) << c.name;
    ASSERT_EQ(r.error().fields.count(c.field), 1u) << c.name << ": " << r.error().message;
    EXPECT_EQ(r.error().fields.at(c.field), c.code) << c.name;
  }
}

TEST(PhpVersionTest, Grammar) {
  for (const char* ok : {"8.2", "7.4", "0.0", "8.10", "9.99"}) EXPECT_TRUE(IsPhpVersion(ok)) << ok;
  for (const char* bad : {"", "8", "8.", ".2", "82", "10.2", "8.2.1", "8.100", "a.b", "8,2", " 8.2",
                          "8.2 ", "8.-1"}) {
    EXPECT_FALSE(IsPhpVersion(bad)) << bad;
  }
}

}  // namespace
}  // namespace hostplane::protocol
