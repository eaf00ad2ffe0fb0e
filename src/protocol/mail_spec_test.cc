#include "protocol/mail_spec.h"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string>

namespace hostplane::protocol {
namespace {

constexpr const char* kHash =
    "$y$j9T$abcdefghijklmnopqrstuv$ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789./a";

MailDomainSpec ValidDomain() {
  MailDomainSpec s;
  s.domain = "acme.example";
  s.account = "acme";
  s.status = "active";
  s.mailboxes = {{"info", kHash, 1024}, {"office", kHash, 1}};
  s.forwarders = {{"sales", {"info@acme.example", "boss@other.example"}}};
  s.catch_all = "";
  return s;
}

TEST(MailDomainSpecTest, RoundTrips) {
  auto s = MailDomainSpecFromJson(ToJson(ValidDomain()));
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(*s, ValidDomain());
}

TEST(MailDomainSpecTest, DecodesTheContractExample) {
  Json j = Json::parse(R"({"domain":"acme.example","account":"acme","status":"active",
      "mailboxes":[{"local":"info","password_hash":"$6$abcdefghijklmnopqrstuvwxyz","quota_mb":1024}],
      "forwarders":[{"local":"sales","targets":["info@acme.example","boss@other.example"]}],
      "catch_all":"", "some_future_member": 1})");
  auto s = MailDomainSpecFromJson(j);
  ASSERT_TRUE(s) << s.error().message;
  ASSERT_EQ(s->mailboxes.size(), 1u);
  EXPECT_EQ(s->mailboxes[0].quota_mb, 1024);
  ASSERT_EQ(s->forwarders.size(), 1u);
  EXPECT_EQ(s->forwarders[0].targets[1], "boss@other.example");
}

TEST(MailDomainSpecTest, DefaultsOptionalMembersAndSortsLists) {
  Json j = {{"domain", "acme.example"},
            {"account", "acme"},
            {"mailboxes",
             {{{"local", "zed"}, {"password_hash", kHash}, {"quota_mb", 5}},
              {{"local", "abe"}, {"password_hash", kHash}, {"quota_mb", 6}}}}};
  auto s = MailDomainSpecFromJson(j);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->status, "active");
  EXPECT_EQ(s->catch_all, "");
  EXPECT_TRUE(s->forwarders.empty());
  ASSERT_EQ(s->mailboxes.size(), 2u);
  EXPECT_EQ(s->mailboxes[0].local, "abe");
  EXPECT_EQ(s->mailboxes[1].local, "zed");
}

TEST(MailDomainSpecTest, AcceptsACatchAllAndSuspended) {
  Json j = ToJson(ValidDomain());
  j["catch_all"] = "info@acme.example";
  j["status"] = "suspended";
  auto s = MailDomainSpecFromJson(j);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->catch_all, "info@acme.example");
  EXPECT_EQ(s->status, "suspended");
  j["status"] = "moving";
  auto moving = MailDomainSpecFromJson(j);
  ASSERT_TRUE(moving) << moving.error().message;
  EXPECT_EQ(moving->status, "moving");
}

struct SpecCase {
  const char* name;
  std::function<void(Json&)> mutate;
  std::string field;
  std::string code;
};

TEST(MailDomainSpecTest, RefusesEveryViolationWithItsField) {
  const SpecCase cases[] = {
      {"missing domain", [](Json& j) { j.erase("domain"); }, "domain", "field.missing"},
      {"domain null", [](Json& j) { j["domain"] = nullptr; }, "domain", "field.type"},
      {"domain injection", [](Json& j) { j["domain"] = "a.example\nrelay"; }, "domain",
       "domain.invalid_character"},
      {"domain not canonical", [](Json& j) { j["domain"] = "ACME.example"; }, "domain",
       "domain.not_canonical"},
      {"domain reserved", [](Json& j) { j["domain"] = "mx.hostplane.internal"; }, "domain",
       "domain.reserved"},
      {"missing account", [](Json& j) { j.erase("account"); }, "account", "field.missing"},
      {"account reserved", [](Json& j) { j["account"] = "root"; }, "account", "login.reserved"},
      {"account digit", [](Json& j) { j["account"] = "0day"; }, "account",
       "login.starts_with_digit"},
      {"status unknown", [](Json& j) { j["status"] = "deleted"; }, "status", "status.invalid"},
      {"mailboxes not array", [](Json& j) { j["mailboxes"] = "info"; }, "mailboxes", "field.type"},
      {"mailbox not object", [](Json& j) { j["mailboxes"][1] = "x"; }, "mailboxes[1]",
       "field.type"},
      {"local missing", [](Json& j) { j["mailboxes"][1].erase("local"); }, "mailboxes[1].local",
       "field.missing"},
      {"local injection", [](Json& j) { j["mailboxes"][1]["local"] = "a b"; }, "mailboxes[1].local",
       "local_part.invalid"},
      {"local newline", [](Json& j) { j["mailboxes"][1]["local"] = "a\nb"; }, "mailboxes[1].local",
       "local_part.invalid"},
      {"local colon", [](Json& j) { j["mailboxes"][1]["local"] = "a:b"; }, "mailboxes[1].local",
       "local_part.invalid"},
      {"local plus", [](Json& j) { j["mailboxes"][1]["local"] = "a+b"; }, "mailboxes[1].local",
       "local_part.plus_reserved"},
      {"local uppercase", [](Json& j) { j["mailboxes"][1]["local"] = "Office"; },
       "mailboxes[1].local", "local_part.not_canonical"},
      {"local duplicate", [](Json& j) { j["mailboxes"][1]["local"] = "info"; },
       "mailboxes[1].local", "local_part.duplicate"},
      {"hash missing", [](Json& j) { j["mailboxes"][0].erase("password_hash"); },
       "mailboxes[0].password_hash", "field.missing"},
      {"hash plain", [](Json& j) { j["mailboxes"][0]["password_hash"] = "secret"; },
       "mailboxes[0].password_hash", "password_hash.invalid"},
      {"hash with colon",
       [](Json& j) {
         j["mailboxes"][0]["password_hash"] = "$y$j9T$abcdefghijklmnopqrstuv:0:0::/:/bin/sh";
       },
       "mailboxes[0].password_hash", "password_hash.invalid"},
      {"hash with newline",
       [](Json& j) {
         j["mailboxes"][0]["password_hash"] = "$6$abcdefghijklmnopqrstuvwxyz\nx@y:{PLAIN}x";
       },
       "mailboxes[0].password_hash", "password_hash.invalid"},
      {"quota zero", [](Json& j) { j["mailboxes"][0]["quota_mb"] = 0; }, "mailboxes[0].quota_mb",
       "quota.out_of_range"},
      {"quota negative", [](Json& j) { j["mailboxes"][0]["quota_mb"] = -5; },
       "mailboxes[0].quota_mb", "quota.out_of_range"},
      {"quota too big", [](Json& j) { j["mailboxes"][0]["quota_mb"] = 1048577; },
       "mailboxes[0].quota_mb", "quota.out_of_range"},
      {"quota float", [](Json& j) { j["mailboxes"][0]["quota_mb"] = 10.5; },
       "mailboxes[0].quota_mb", "field.type"},
      {"quota string", [](Json& j) { j["mailboxes"][0]["quota_mb"] = "10"; },
       "mailboxes[0].quota_mb", "field.type"},
      {"quota missing", [](Json& j) { j["mailboxes"][0].erase("quota_mb"); },
       "mailboxes[0].quota_mb", "field.missing"},
      {"forwarder clashes with mailbox", [](Json& j) { j["forwarders"][0]["local"] = "office"; },
       "forwarders[0].local", "local_part.duplicate"},
      {"forwarder local invalid", [](Json& j) { j["forwarders"][0]["local"] = "-x"; },
       "forwarders[0].local", "local_part.invalid"},
      {"targets missing", [](Json& j) { j["forwarders"][0].erase("targets"); },
       "forwarders[0].targets", "field.missing"},
      {"targets empty", [](Json& j) { j["forwarders"][0]["targets"] = Json::array(); },
       "forwarders[0].targets", "forwarder.no_targets"},
      {"targets too many",
       [](Json& j) {
         Json t = Json::array();
         for (int i = 0; i < 51; ++i) t.push_back("u" + std::to_string(i) + "@acme.example");
         j["forwarders"][0]["targets"] = t;
       },
       "forwarders[0].targets", "forwarder.too_many_targets"},
      {"target no at", [](Json& j) { j["forwarders"][0]["targets"][1] = "boss"; },
       "forwarders[0].targets[1]", "address.invalid"},
      {"target bare domain", [](Json& j) { j["forwarders"][0]["targets"][1] = "@other.example"; },
       "forwarders[0].targets[1]", "address.invalid"},
      {"target bad local", [](Json& j) { j["forwarders"][0]["targets"][1] = "a,b@other.example"; },
       "forwarders[0].targets[1]", "local_part.invalid"},
      {"target bad domain",
       [](Json& j) { j["forwarders"][0]["targets"][0] = "info@acme.example\nx OK"; },
       "forwarders[0].targets[0]", "domain.invalid_character"},
      {"target two ats", [](Json& j) { j["forwarders"][0]["targets"][0] = "a@b@acme.example"; },
       "forwarders[0].targets[0]", "local_part.invalid"},
      {"target not canonical",
       [](Json& j) { j["forwarders"][0]["targets"][0] = "Info@ACME.example"; },
       "forwarders[0].targets[0]", "address.not_canonical"},
      {"target twice", [](Json& j) { j["forwarders"][0]["targets"][1] = "info@acme.example"; },
       "forwarders[0].targets[1]", "address.duplicate"},
      {"target not string", [](Json& j) { j["forwarders"][0]["targets"][1] = 3; },
       "forwarders[0].targets[1]", "field.type"},
      {"catch_all invalid", [](Json& j) { j["catch_all"] = "everyone"; }, "catch_all",
       "address.invalid"},
      {"catch_all wildcard", [](Json& j) { j["catch_all"] = "@acme.example"; }, "catch_all",
       "address.invalid"},
      {"catch_all null", [](Json& j) { j["catch_all"] = nullptr; }, "catch_all", "field.type"},
  };
  for (const auto& c : cases) {
    Json j = ToJson(ValidDomain());
    c.mutate(j);
    auto s = MailDomainSpecFromJson(j);
    ASSERT_FALSE(s) << c.name;
    EXPECT_EQ(s.error().code, ErrorCode::kInvalid) << c.name;
    ASSERT_EQ(s.error().fields.count(c.field), 1u) << c.name << ": " << s.error().message;
    EXPECT_EQ(s.error().fields.at(c.field), c.code) << c.name << ": " << s.error().message;
    EXPECT_EQ(s.error().message.find('\n'), std::string::npos) << c.name;
  }
}

TEST(MailDomainSpecTest, ReportsAllViolationsAtOnce) {
  Json j = ToJson(ValidDomain());
  j["domain"] = "localhost";
  j["account"] = "1abc";
  j["mailboxes"][0]["quota_mb"] = 0;
  j["mailboxes"][1]["local"] = "info";
  j["forwarders"][0]["targets"] = Json::array();
  auto s = MailDomainSpecFromJson(j);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().fields, (std::map<std::string, std::string>{
                                  {"domain", "domain.reserved"},
                                  {"account", "login.starts_with_digit"},
                                  {"mailboxes[0].quota_mb", "quota.out_of_range"},
                                  {"mailboxes[1].local", "local_part.duplicate"},
                                  {"forwarders[0].targets", "forwarder.no_targets"}}));
}

TEST(MailDomainSpecTest, NeverQuotesAPasswordHash) {
  Json j = ToJson(ValidDomain());
  j["mailboxes"][0]["password_hash"] = "$y$leaked-secret-value";
  auto s = MailDomainSpecFromJson(j);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message.find("leaked-secret-value"), std::string::npos);
}

TEST(MailDomainSpecTest, RefusesANonObject) {
  EXPECT_FALSE(MailDomainSpecFromJson(Json::array()));
  EXPECT_FALSE(MailDomainRemovalFromJson("x"));
}

TEST(MailDomainRemovalTest, RoundTripsAndDefaults) {
  MailDomainRemoval r{"acme.example", "acme", true};
  auto back = MailDomainRemovalFromJson(ToJson(r));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(*back, r);
  auto d = MailDomainRemovalFromJson(Json{{"domain", "acme.example"}, {"account", "acme"}});
  ASSERT_TRUE(d);
  EXPECT_FALSE(d->remove_content);
}

TEST(MailDomainRemovalTest, RefusesEveryViolation) {
  auto s = MailDomainRemovalFromJson(
      Json{{"domain", "../etc"}, {"account", "Root"}, {"remove_content", "yes"}});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().fields.count("domain"), 1u);
  EXPECT_EQ(s.error().fields.at("account"), "login.invalid_character");
  EXPECT_EQ(s.error().fields.at("remove_content"), "field.type");
}

TEST(CheckMailAddressTest, CanonicalisesBothHalves) {
  auto a = CheckMailAddress("Info@ACME.Example.");
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, "info@acme.example");
  EXPECT_FALSE(CheckMailAddress("info@"));
  EXPECT_FALSE(CheckMailAddress("info"));
  EXPECT_FALSE(CheckMailAddress("in fo@acme.example"));
}

}  // namespace
}  // namespace hostplane::protocol
