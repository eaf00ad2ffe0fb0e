// The members added to the mail specs for issue 16 (sending, DKIM, autoresponders, spam, the
// account's sending limit and app login, PHP's submission): defaults that keep older specs
// decoding unchanged, round trips, and a field code for every violation.

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <string>

#include "common/sealed_box.h"
#include "protocol/account_spec.h"
#include "protocol/mail_account_spec.h"
#include "protocol/mail_spec.h"

namespace hostplane::protocol {
namespace {

constexpr const char* kHash =
    "$y$j9T$abcdefghijklmnopqrstuv$ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789./a";

// Sealed once per secret: sealing is randomised, and the round trips compare equal values.
std::string Sealed(const std::string& secret) {
  static BoxKey key = BoxKey::Generate().value();
  static std::map<std::string, std::string> sealed;
  auto [it, fresh] = sealed.try_emplace(secret);
  if (fresh) it->second = key.public_key().Seal(secret).value();
  return it->second;
}

MailDomainSpec Full() {
  MailDomainSpec s;
  s.domain = "acme.example";
  s.account = "acme";
  MailboxSpec info{"info", kHash, 1024};
  info.send_as = {"sales@acme.example", "team@acme-shop.example"};
  info.spam_filter = true;
  info.autoresponder =
      AutoresponderSpec{"Away", "Back on Monday.\nRegards", "2026-12-01", "2026-12-24", 3};
  s.mailboxes = {info, {"office", kHash, 1}};
  s.forwarders = {{"sales", {"info@acme.example"}}};
  s.message_size_mb = 20;
  s.dkim = DkimSpec{"hp2026", Sealed("-----BEGIN PRIVATE KEY-----\n")};
  return s;
}

TEST(MailSpecV2Test, NewMembersRoundTrip) {
  auto s = MailDomainSpecFromJson(ToJson(Full()));
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(*s, Full());
}

TEST(MailSpecV2Test, ASpecWithoutTheNewMembersKeepsTheOldBehaviour) {
  Json j = Json::parse(R"({"domain":"acme.example","account":"acme",
      "mailboxes":[{"local":"info","password_hash":"$6$abcdefghijklmnopqrstuvwxyz","quota_mb":5}]})");
  auto s = MailDomainSpecFromJson(j);
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(s->message_size_mb, kDefaultMessageSizeMb);
  EXPECT_FALSE(s->dkim.has_value());
  EXPECT_TRUE(s->mailboxes[0].send_as.empty());
  EXPECT_FALSE(s->mailboxes[0].spam_filter);
  EXPECT_FALSE(s->mailboxes[0].autoresponder.has_value());
}

TEST(MailSpecV2Test, AutoresponderDefaultsAndOpenDates) {
  Json j = ToJson(Full());
  j["mailboxes"][0]["autoresponder"] = {{"subject", "Away"}, {"body", "x"}};
  auto s = MailDomainSpecFromJson(j);
  ASSERT_TRUE(s) << s.error().message;
  const auto& a = *s->mailboxes[0].autoresponder;
  EXPECT_EQ(a.days, 1);
  EXPECT_EQ(a.start, "");
  EXPECT_EQ(a.end, "");
}

struct Case {
  const char* name;
  std::function<void(Json&)> mutate;
  std::string field;
  std::string code;
};

void ExpectRefused(const Json& base, const Case& c,
                   const std::function<Result<bool>(const Json&)>& decode) {
  Json j = base;
  c.mutate(j);
  auto r = decode(j);
  ASSERT_FALSE(r) << c.name;
  EXPECT_EQ(r.error().code, ErrorCode::kInvalid) << c.name;
  ASSERT_EQ(r.error().fields.count(c.field), 1u) << c.name << ": " << r.error().message;
  EXPECT_EQ(r.error().fields.at(c.field), c.code) << c.name << ": " << r.error().message;
}

TEST(MailSpecV2Test, RefusesEveryViolationOfTheNewMembers) {
  auto box = [](Json& j) -> Json& { return j["mailboxes"][0]; };
  const Case cases[] = {
      {"size zero", [](Json& j) { j["message_size_mb"] = 0; }, "message_size_mb",
       "message_size.out_of_range"},
      {"size huge", [](Json& j) { j["message_size_mb"] = 1025; }, "message_size_mb",
       "message_size.out_of_range"},
      {"size string", [](Json& j) { j["message_size_mb"] = "50"; }, "message_size_mb",
       "field.type"},
      {"dkim null", [](Json& j) { j["dkim"] = nullptr; }, "dkim", "field.type"},
      {"dkim selector dot", [](Json& j) { j["dkim"]["selector"] = "a.b"; }, "dkim.selector",
       "dkim.selector_invalid"},
      {"dkim selector newline", [](Json& j) { j["dkim"]["selector"] = "a\nb"; }, "dkim.selector",
       "dkim.selector_invalid"},
      {"dkim selector hyphen", [](Json& j) { j["dkim"]["selector"] = "-a"; }, "dkim.selector",
       "dkim.selector_invalid"},
      {"dkim key plain", [](Json& j) { j["dkim"]["private_key"] = "-----BEGIN PRIVATE KEY-----"; },
       "dkim.private_key", "dkim.key_not_sealed"},
      {"dkim key missing", [](Json& j) { j["dkim"].erase("private_key"); }, "dkim.private_key",
       "field.missing"},
      {"send_as not address", [&](Json& j) { box(j)["send_as"][0] = "sales"; },
       "mailboxes[0].send_as[0]", "address.invalid"},
      {"send_as uppercase", [&](Json& j) { box(j)["send_as"][0] = "Sales@acme.example"; },
       "mailboxes[0].send_as[0]", "address.not_canonical"},
      {"send_as own", [&](Json& j) { box(j)["send_as"][0] = "info@acme.example"; },
       "mailboxes[0].send_as[0]", "address.duplicate"},
      {"send_as twice",
       [&](Json& j) {
         box(j)["send_as"] = {"a@acme.example", "a@acme.example"};
       },
       "mailboxes[0].send_as[1]", "address.duplicate"},
      {"send_as too many",
       [&](Json& j) {
         box(j)["send_as"] = Json::array();
         for (int i = 0; i < 51; ++i)
           box(j)["send_as"].push_back("a" + std::to_string(i) + "@x.example");
       },
       "mailboxes[0].send_as", "field.range"},
      {"spam string", [&](Json& j) { box(j)["spam_filter"] = "yes"; }, "mailboxes[0].spam_filter",
       "field.type"},
      {"autoresponder string", [&](Json& j) { box(j)["autoresponder"] = "away"; },
       "mailboxes[0].autoresponder", "field.type"},
      {"subject newline", [&](Json& j) { box(j)["autoresponder"]["subject"] = "a\nBcc: x@y.z"; },
       "mailboxes[0].autoresponder.subject", "autoresponder.subject.control_character"},
      {"subject empty", [&](Json& j) { box(j)["autoresponder"]["subject"] = ""; },
       "mailboxes[0].autoresponder.subject", "autoresponder.subject.empty"},
      {"subject long", [&](Json& j) { box(j)["autoresponder"]["subject"] = std::string(201, 'a'); },
       "mailboxes[0].autoresponder.subject", "autoresponder.subject.too_long"},
      {"body carriage return", [&](Json& j) { box(j)["autoresponder"]["body"] = "a\r\nb"; },
       "mailboxes[0].autoresponder.body", "autoresponder.body.control_character"},
      {"body bad utf8", [&](Json& j) { box(j)["autoresponder"]["body"] = "a\xff"; },
       "mailboxes[0].autoresponder.body", "autoresponder.body.invalid_utf8"},
      {"body missing", [&](Json& j) { box(j)["autoresponder"].erase("body"); },
       "mailboxes[0].autoresponder.body", "field.missing"},
      {"start not a date", [&](Json& j) { box(j)["autoresponder"]["start"] = "2026-02-30"; },
       "mailboxes[0].autoresponder.start", "autoresponder.date_invalid"},
      {"end format", [&](Json& j) { box(j)["autoresponder"]["end"] = "24.12.2026"; },
       "mailboxes[0].autoresponder.end", "autoresponder.date_invalid"},
      {"dates reversed", [&](Json& j) { box(j)["autoresponder"]["end"] = "2026-11-30"; },
       "mailboxes[0].autoresponder.end", "autoresponder.dates_reversed"},
      {"days zero", [&](Json& j) { box(j)["autoresponder"]["days"] = 0; },
       "mailboxes[0].autoresponder.days", "autoresponder.days_out_of_range"},
      {"days 31", [&](Json& j) { box(j)["autoresponder"]["days"] = 31; },
       "mailboxes[0].autoresponder.days", "autoresponder.days_out_of_range"},
  };
  for (const auto& c : cases) {
    ExpectRefused(ToJson(Full()), c, [](const Json& j) -> Result<bool> {
      auto s = MailDomainSpecFromJson(j);
      if (!s) return Fail(s.error());
      return true;
    });
  }
  // The sealed key is never quoted back, whatever is wrong around it.
  Json j = ToJson(Full());
  j["dkim"]["private_key"] = "leaked-secret-value";
  auto s = MailDomainSpecFromJson(j);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message.find("leaked-secret-value"), std::string::npos);
}

TEST(MailSpecV2Test, CalendarDates) {
  EXPECT_TRUE(IsCalendarDate("2028-02-29"));
  EXPECT_FALSE(IsCalendarDate("2026-02-29"));
  EXPECT_TRUE(IsCalendarDate("2000-02-29"));
  EXPECT_FALSE(IsCalendarDate("2100-02-29"));
  EXPECT_FALSE(IsCalendarDate("2026-13-01"));
  EXPECT_FALSE(IsCalendarDate("2026-00-10"));
  EXPECT_FALSE(IsCalendarDate("1999-01-01"));
  EXPECT_FALSE(IsCalendarDate("2026-1-01"));
  EXPECT_FALSE(IsCalendarDate(""));
}

MailAccountSpec Account() {
  MailAccountSpec s;
  s.account = "acme";
  s.messages_per_hour = 100;
  s.submission_password_hash = kHash;
  s.sender_domains = {"acme-shop.example", "acme.example"};
  return s;
}

TEST(MailAccountSpecTest, RoundTripsAndDefaults) {
  auto s = MailAccountSpecFromJson(ToJson(Account()));
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(*s, Account());
  auto minimal = MailAccountSpecFromJson(Json{{"account", "acme"}, {"messages_per_hour", 5}});
  ASSERT_TRUE(minimal) << minimal.error().message;
  EXPECT_EQ(minimal->status, "active");
  EXPECT_EQ(minimal->submission_password_hash, "");
  EXPECT_TRUE(minimal->sender_domains.empty());
  auto unlimited = MailAccountSpecFromJson(Json{{"account", "acme"}, {"unlimited_sending", true}});
  ASSERT_TRUE(unlimited) << unlimited.error().message;
  EXPECT_TRUE(unlimited->unlimited_sending);
  auto sorted = MailAccountSpecFromJson(Json{{"account", "acme"},
                                             {"messages_per_hour", 5},
                                             {"sender_domains", {"b.example", "a.example"}}});
  ASSERT_TRUE(sorted);
  EXPECT_EQ(sorted->sender_domains, (std::vector<std::string>{"a.example", "b.example"}));
}

TEST(MailAccountSpecTest, RefusesEveryViolation) {
  const Case cases[] = {
      {"limit missing", [](Json& j) { j.erase("messages_per_hour"); }, "messages_per_hour",
       "field.missing"},
      {"limit -1", [](Json& j) { j["messages_per_hour"] = -1; }, "messages_per_hour",
       "sending_limit.out_of_range"},
      {"limit zero", [](Json& j) { j["messages_per_hour"] = 0; }, "messages_per_hour",
       "sending_limit.out_of_range"},
      {"status", [](Json& j) { j["status"] = "moving"; }, "status", "status.invalid"},
      {"hash", [](Json& j) { j["submission_password_hash"] = "x:y"; }, "submission_password_hash",
       "password_hash.invalid"},
      {"domain", [](Json& j) { j["sender_domains"][0] = "a b.example"; }, "sender_domains[0]",
       "domain.invalid_character"},
      {"domain twice",
       [](Json& j) {
         j["sender_domains"] = {"a.example", "a.example"};
       },
       "sender_domains[1]", "domain.duplicate"},
      {"account", [](Json& j) { j["account"] = "root"; }, "account", "login.reserved"},
  };
  for (const auto& c : cases) {
    ExpectRefused(ToJson(Account()), c, [](const Json& j) -> Result<bool> {
      auto s = MailAccountSpecFromJson(j);
      if (!s) return Fail(s.error());
      return true;
    });
  }
}

AccountSpec WebAccount() {
  AccountSpec s;
  s.login = "acme";
  s.uid = 20001;
  s.gid = 20001;
  s.php = {"8.2"};
  s.mail_submission = MailSubmissionSpec{"192.0.2.10",
                                         587,
                                         "starttls",
                                         "mx1.hostplane.internal",
                                         Sealed("abcdefghijklmnopqrstuvwxyz012345"),
                                         "wordpress@acme.example"};
  return s;
}

TEST(MailSubmissionSpecTest, RoundTripsInTheAccountSpecAndIsOptional) {
  auto s = AccountSpecFromJson(ToJson(WebAccount()));
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(*s, WebAccount());
  AccountSpec without = WebAccount();
  without.mail_submission.reset();
  Json j = ToJson(without);
  EXPECT_FALSE(j.contains("mail_submission"));
  auto old = AccountSpecFromJson(j);
  ASSERT_TRUE(old) << old.error().message;
  EXPECT_FALSE(old->mail_submission.has_value());
}

TEST(MailSubmissionSpecTest, RefusesEveryViolation) {
  const Case cases[] = {
      {"null", [](Json& j) { j["mail_submission"] = nullptr; }, "mail_submission", "field.type"},
      {"host", [](Json& j) { j["mail_submission"]["host"] = "999.1.1.1"; }, "mail_submission.host",
       "submission.host_invalid"},
      {"host injection", [](Json& j) { j["mail_submission"]["host"] = "a.example\nuser x"; },
       "mail_submission.host", "submission.host_invalid"},
      {"port", [](Json& j) { j["mail_submission"]["port"] = 0; }, "mail_submission.port",
       "field.range"},
      {"tls", [](Json& j) { j["mail_submission"]["tls"] = "none"; }, "mail_submission.tls",
       "submission.tls_invalid"},
      {"tls name", [](Json& j) { j["mail_submission"]["tls_name"] = "localhost"; },
       "mail_submission.tls_name", "submission.tls_name_invalid"},
      {"password plain",
       [](Json& j) { j["mail_submission"]["password"] = "hunter2hunter2hunter2"; },
       "mail_submission.password", "submission.password_not_sealed"},
      {"from", [](Json& j) { j["mail_submission"]["envelope_from"] = "wordpress"; },
       "mail_submission.envelope_from", "address.invalid"},
  };
  for (const auto& c : cases) {
    ExpectRefused(ToJson(WebAccount()), c, [](const Json& j) -> Result<bool> {
      auto s = AccountSpecFromJson(j);
      if (!s) return Fail(s.error());
      return true;
    });
  }
  EXPECT_TRUE(IsHostName("mx.hostplane.internal"));
  EXPECT_FALSE(IsHostName("1.2.3.4"));
  EXPECT_TRUE(IsSubmissionPassword("abcdefghijklmnop"));
  EXPECT_FALSE(IsSubmissionPassword("abcdefghijklmno"));
  EXPECT_FALSE(IsSubmissionPassword("abcdefghijklmnop p"));
  EXPECT_FALSE(IsSubmissionPassword("abcdefghijklmnop\""));
}

}  // namespace
}  // namespace hostplane::protocol
