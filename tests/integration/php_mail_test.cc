// Issue 16 / 15: PHP's mail() on a hostplane site leaves through the account's own submission
// login, against the real daemons of `hostplane up` (nginx, PHP-FPM, msmtp, Postfix submission
// with STARTTLS, Dovecot): a site's mail() reaches a hostplane mailbox, read over IMAP; over the
// plan's hourly limit mail() is refused; an account with no mail domain is refused with a line in
// its logs/mail.log, never handed to the machine's sendmail. CTest label: webapps.

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "service_clients.h"
#include "test_support.h"

namespace hostplane::testing {
namespace {

constexpr const char* kSite = "shop.acme.example";
constexpr const char* kMailbox = "info@acme.example";

// A plan that allows everything but 3 messages an hour.
Json TinyPlan() {
  Json limits = Json::object();
  for (const char* l : {"sites", "mailboxes", "mailbox_quota_mb", "forwarders", "ftp_users",
                        "dns_zones", "databases", "disk_mb"}) {
    limits[l] = {{"unlimited", true}};
  }
  limits["messages_per_hour"] = 3;
  return {{"name", "tiny"}, {"limits", limits}};
}

class PhpMail : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::geteuid(), 0u) << "Unix users, Postfix and Dovecot need root";
    UpOptions options;
    options.all_services = true;
    up_ = std::make_unique<UpInstance>(options);
    ASSERT_OK(up_->Start());
    Call("POST", "/api/v1/plans", TinyPlan());
    Call("POST", "/api/v1/customers",
         {{"login", "acme"}, {"email", "ops@acme.example"}, {"plan", "tiny"}});
    Call("POST", "/api/v1/sites", {{"domain", kSite}, {"customer", "acme"}, {"php", "8.2"}});
    ASSERT_FALSE(HasFailure()) << up_->log();
    WriteSiteFile(*up_, "acme", kSite, "mail.php",
                  "<?php\n"
                  "$n = $_GET['n'] ?? '0';\n"
                  "$ok = mail('info@acme.example', \"hello $n\", \"PHP mail() number $n\");\n"
                  "echo $ok ? 'sent' : 'refused';\n");
  }
  void TearDown() override {
    if (up_) up_->RemoveAccounts();
  }
  void Call(const std::string& method, const std::string& path, const Json& body) {
    auto r = up_->Api(method, path, body);
    EXPECT_TRUE(r.status == 200 || r.status == 201 || r.status == 202)
        << method << " " << path << ": " << r.status << " " << r.body;
    for (const auto& t : WaitOrFail(*up_, UpInstance::TaskIds(r.json()))) {
      EXPECT_EQ(t["state"], "applied") << t.dump();
    }
  }
  // What the site's mail.php answers: "sent" when mail() returned true.
  std::string Mail(int n) { return up_->Curl(kSite, "/mail.php?n=" + std::to_string(n)).body; }
  std::string MailLog() { return ReadFile(up_->data_dir() + "/home/acme/logs/mail.log"); }

  std::unique_ptr<UpInstance> up_;
};

TEST_F(PhpMail, ReachesAMailboxOverSubmissionAndStopsAtThePlansHourlyLimit) {
  // No mail domain yet: refused, and the account's log says why.
  EXPECT_EQ(Mail(0), "refused");
  EXPECT_NE(MailLog().find("PHP mail() of account acme refused: the account has no mail domain"),
            std::string::npos)
      << MailLog();

  Call("POST", "/api/v1/mailboxes",
       {{"address", kMailbox}, {"customer", "acme"}, {"password", kMailPassword}});
  ASSERT_TRUE(WaitConverged(*up_));
  ASSERT_FALSE(HasFailure()) << up_->log();
  ASSERT_EQ(Mail(1), "sent") << MailLog() << up_->log();
  ASSERT_TRUE(WaitForMail(*up_, kMailbox, kMailPassword)) << up_->log();
  const std::string message = ImapFetch(*up_, kMailbox, kMailPassword, 1);
  EXPECT_NE(message.find("Subject: hello 1"), std::string::npos) << message;
  EXPECT_NE(message.find("PHP mail() number 1"), std::string::npos) << message;
  // Its envelope sender is an address of the account's domain that is no mailbox's.
  EXPECT_NE(message.find("Return-Path: <noreply@acme.example>"), std::string::npos) << message;

  // The plan allows 3 an hour: the 4th is refused.
  EXPECT_EQ(Mail(2), "sent");
  EXPECT_EQ(Mail(3), "sent");
  EXPECT_EQ(Mail(4), "refused");
}

}  // namespace
}  // namespace hostplane::testing
