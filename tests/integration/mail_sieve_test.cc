// A mailbox's Sieve (label mail): the autoresponder answers a sender once per period, and its
// reply leaves through submission (counted for the account, like any mail that goes out); with
// the spam filter on, SpamAssassin's verdict files spam into Junk, other mail into INBOX; with
// it off, spam stays in INBOX.

#include <gtest/gtest.h>

#include "common/passwd/service_password.h"
#include "mail/mail_lab.h"

namespace hostplane::testing {
namespace {

using protocol::Json;

constexpr const char* kPassword = "CorrectHorseBatteryStaple9";
constexpr const char* kBobPassword = "OutsideBobPassword42";
// SpamAssassin's test string (GTUBE): any message containing it is spam.
constexpr const char* kGtube =
    "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";

protocol::MailboxSpec Box(const std::string& local, const std::string& hash) {
  protocol::MailboxSpec m;
  m.local = local;
  m.password_hash = hash;
  m.quota_mb = 100;
  return m;
}

class MailSieveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* bin : {"/usr/sbin/spamd", "/usr/bin/spamc", "/usr/bin/msmtp"}) {
      ASSERT_EQ(::access(bin, X_OK), 0) << bin << " is not installed (scripts/install-deps)";
    }
    ASSERT_EQ(::geteuid(), 0u) << "Postfix needs root";
    auto started = lab_.Start();
    ASSERT_TRUE(started) << started.error().message << lab_.Logs();
    protocol::MailDomainSpec outside;
    outside.domain = "outside.example";
    outside.account = "outside";
    outside.mailboxes = {Box("bob", HashServicePassword(kBobPassword).value())};
    ASSERT_TRUE(lab_.ApplyOutside(lab_.DomainTask(outside)));
    const std::string hash = HashServicePassword(kPassword).value();
    protocol::MailDomainSpec acme;
    acme.domain = "acme.example";
    acme.account = "acme";
    auto info = Box("info", hash);
    info.autoresponder = protocol::AutoresponderSpec{
        "Out of office", "I am away until Monday.\n\"Quotes\" and \\backslashes\\ stay as typed.",
        "2000-01-01", "2999-12-31", 7};
    auto guarded = Box("guarded", hash);
    guarded.spam_filter = true;
    acme.mailboxes = {info, guarded, Box("open", hash)};
    ASSERT_TRUE(lab_.ApplyNode(lab_.DomainTask(acme))) << lab_.Logs();
    protocol::MailAccountSpec account;
    account.account = "acme";
    account.messages_per_hour = 10;
    ASSERT_TRUE(lab_.ApplyNode(lab_.AccountTask(account)));
  }

  Json FromBob(const std::string& to, const std::string& subject, const std::string& body = "") {
    Json r = lab_.SendRequest(lab_.node().smtp_port, "starttls", "", "", "bob@outside.example",
                              {to}, subject);
    if (!body.empty()) r["body"] = body;
    return lab_.Probe(r);
  }

  MailLab lab_{MailLabOptions{.spam = true}};
};

TEST_F(MailSieveTest, AutoresponderAnswersOncePerSenderThroughSubmission) {
  ASSERT_TRUE(FromBob("info@acme.example", "question-1").value("ok", false)) << lab_.Logs();
  Json reply = lab_.WaitForMessage("bob@outside.example", kBobPassword, "Out of office", "INBOX",
                                   /*outside=*/true);
  ASSERT_EQ(reply.value("matches", 0), 1) << reply.dump() << lab_.Logs();
  const std::string text = reply["messages"][0].get<std::string>();
  EXPECT_NE(text.find("\"Quotes\" and \\backslashes\\ stay as typed."), std::string::npos) << text;
  EXPECT_NE(text.find("From: <info@acme.example>"), std::string::npos) << text;
  // It left through the node's submission listener as Dovecot's own login, and was counted.
  auto log = lab_.fs().ReadFile(lab_.node().postfix_log);
  ASSERT_TRUE(log && log->has_value());
  EXPECT_NE((**log).find("sasl_username=sieve@hostplane.internal"), std::string::npos);
  EXPECT_EQ(lab_.policy().SentLastHour("acme").value(), 1);

  // A second message from the same sender within the period: delivered, not answered again.
  ASSERT_TRUE(FromBob("info@acme.example", "question-2").value("ok", false));
  ASSERT_EQ(lab_.WaitForMessage("info@acme.example", kPassword, "question-2").value("matches", 0),
            1);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  Json replies =
      lab_.WaitForMessage("bob@outside.example", kBobPassword, "Out of office", "INBOX", true, 1);
  EXPECT_EQ(replies.value("matches", 0), 1) << replies.dump();
}

TEST_F(MailSieveTest, SpamGoesToJunkOnlyWhereTheFilterIsOn) {
  ASSERT_TRUE(FromBob("guarded@acme.example", "buy-now", std::string("Hello\r\n") + kGtube + "\r\n")
                  .value("ok", false));
  ASSERT_TRUE(FromBob("guarded@acme.example", "lunch").value("ok", false));
  ASSERT_TRUE(FromBob("open@acme.example", "buy-now", std::string("Hello\r\n") + kGtube + "\r\n")
                  .value("ok", false));
  Json junk = lab_.WaitForMessage("guarded@acme.example", kPassword, "buy-now", "Junk");
  ASSERT_EQ(junk.value("matches", 0), 1) << junk.dump() << lab_.Logs();
  EXPECT_NE(junk["messages"][0].get<std::string>().find("X-Spam-Flag: YES"), std::string::npos);
  Json inbox = lab_.WaitForMessage("guarded@acme.example", kPassword, "lunch");
  EXPECT_EQ(inbox.value("matches", 0), 1) << inbox.dump();
  EXPECT_EQ(inbox.value("count", 0), 1) << inbox.dump();  // the spam is not in INBOX
  Json open = lab_.WaitForMessage("open@acme.example", kPassword, "buy-now");
  EXPECT_EQ(open.value("matches", 0), 1) << open.dump();
}

}  // namespace
}  // namespace hostplane::testing
