// The per-account sending limit counts every way mail leaves the node (label mail): a mailbox
// submitting (587), PHP's mail() (the real php8.2 CLI, its sendmail_path running msmtp with the
// configuration the account driver's encoder writes, authenticated as the account's app login),
// and a forwarder to an outside address. Message limit + 1 is refused with a clear reply on each
// path; the counters are what the customer is shown.

#include <gtest/gtest.h>

#include "agent/drivers/account/msmtp_config.h"
#include "common/passwd/service_password.h"
#include "mail/mail_lab.h"

namespace hostplane::testing {
namespace {

using protocol::Json;

constexpr const char* kPassword = "CorrectHorseBatteryStaple9";
constexpr const char* kAppPassword = "AppLoginPasswordForPhp1";
constexpr const char* kBobPassword = "OutsideBobPassword42";

protocol::MailboxSpec Box(const std::string& local, const std::string& hash) {
  protocol::MailboxSpec m;
  m.local = local;
  m.password_hash = hash;
  m.quota_mb = 100;
  return m;
}

protocol::MailAccountSpec Account(const std::string& name, int64_t limit) {
  protocol::MailAccountSpec a;
  a.account = name;
  a.messages_per_hour = limit;
  return a;
}

class MailSendingLimitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::geteuid(), 0u) << "Postfix needs root";
    auto started = lab_.Start();
    ASSERT_TRUE(started) << started.error().message << lab_.Logs();
    protocol::MailDomainSpec outside;
    outside.domain = "outside.example";
    outside.account = "outside";
    outside.mailboxes = {Box("bob", HashServicePassword(kBobPassword).value())};
    ASSERT_TRUE(lab_.ApplyOutside(lab_.DomainTask(outside)));
    const std::string hash = HashServicePassword(kPassword).value();
    // acme: one mailbox, 3 messages an hour.
    protocol::MailDomainSpec acme;
    acme.domain = "acme.example";
    acme.account = "acme";
    acme.mailboxes = {Box("info", hash)};
    ASSERT_TRUE(lab_.ApplyNode(lab_.DomainTask(acme))) << lab_.Logs();
    ASSERT_TRUE(lab_.ApplyNode(lab_.AccountTask(Account("acme", 3))));
    // shop: PHP sends through the account's app login, 2 an hour.
    auto shop = Account("shop", 2);
    shop.submission_password_hash = HashServicePassword(kAppPassword).value();
    shop.sender_domains = {"shop.example"};
    ASSERT_TRUE(lab_.ApplyNode(lab_.AccountTask(shop))) << lab_.Logs();
    // lists: a forwarder to the internet, 2 an hour.
    protocol::MailDomainSpec lists;
    lists.domain = "lists.example";
    lists.account = "lists";
    lists.mailboxes = {Box("admin", hash)};
    lists.forwarders = {{"team", {"bob@outside.example"}}};
    ASSERT_TRUE(lab_.ApplyNode(lab_.DomainTask(lists))) << lab_.Logs();
    ASSERT_TRUE(lab_.ApplyNode(lab_.AccountTask(Account("lists", 2))));
  }

  Json Submit(const std::string& user, const std::string& password, const std::string& from,
              const std::string& subject) {
    return lab_.Probe(lab_.SendRequest(lab_.node().submission_port, "starttls", user, password,
                                       from, {"bob@outside.example"}, subject));
  }

  // PHP's mail() as a site calls it; true when mail() returned true. The msmtp configuration is
  // what AccountDriver writes for an account with mail_submission (here owned by root, who runs
  // PHP in this test: msmtp only reads a configuration its own user owns).
  bool PhpMail(const std::string& subject, const std::string& extra, std::string* stderr_out) {
    protocol::MailSubmissionSpec spec{"127.0.0.1", lab_.node().submission_port,
                                      "starttls",  MailLab::kNodeName,
                                      "",          "wordpress@shop.example"};
    auto conf = agent::RenderMsmtpConfig(spec, {"shop", kAppPassword, lab_.ca_file()});
    EXPECT_TRUE(conf) << conf.error().message;
    EXPECT_TRUE(lab_.fs().WriteFileAtomic("msmtp/shop.conf", *conf, 0600));
    Command cmd;
    cmd.argv = {"/usr/bin/php8.2",
                "-n",
                "-d",
                "sendmail_path=" + agent::MsmtpSendmailPath("/usr/bin/msmtp",
                                                            lab_.fs().HostPath("msmtp/shop.conf")),
                "-r",
                "exit(mail('bob@outside.example', '" + subject +
                    "', 'Your order', 'From: wordpress@shop.example', '" + extra + "') ? 0 : 3);"};
    auto out = lab_.runner().Run(cmd);
    EXPECT_TRUE(out) << out.error().message;
    if (stderr_out) *stderr_out = out ? out->err + out->out : "";
    return out && out->exit_code == 0;
  }

  MailLab lab_;
};

TEST_F(MailSendingLimitTest, LimitPlusOneIsRefusedOnEveryPathOut) {
  // Submission by a mailbox: 3 leave, the 4th is refused at DATA with the reason.
  for (int i = 1; i <= 3; ++i) {
    Json sent =
        Submit("info@acme.example", kPassword, "info@acme.example", "acme-" + std::to_string(i));
    ASSERT_TRUE(sent.value("ok", false)) << i << sent.dump() << lab_.Logs();
  }
  Json fourth = Submit("info@acme.example", kPassword, "info@acme.example", "acme-4");
  EXPECT_FALSE(fourth.value("ok", false)) << fourth.dump();
  EXPECT_EQ(fourth.value("stage", ""), "data") << fourth.dump();
  EXPECT_EQ(fourth.value("code", 0), 450) << fourth.dump();
  EXPECT_NE(fourth.value("reply", "").find("Sending limit reached: account acme may send 3"),
            std::string::npos)
      << fourth.dump();

  // PHP's mail() through msmtp and the account's app login: as any address of its sender domains,
  // 2 leave, the 3rd is refused (msmtp says why, mail() returns false); another domain's address
  // is refused whatever the count.
  std::string said;
  for (int i = 1; i <= 2; ++i) {
    EXPECT_TRUE(PhpMail("shop-" + std::to_string(i), "", &said)) << i << said << lab_.Logs();
  }
  EXPECT_FALSE(PhpMail("shop-3", "", &said));
  EXPECT_NE(said.find("Sending limit reached: account shop may send 2"), std::string::npos) << said;
  EXPECT_FALSE(PhpMail("shop-foreign", "-f info@acme.example", &said));
  EXPECT_NE(said.find("not owned"), std::string::npos) << said;

  // A forwarder to the internet: each message forwarded out counts; the 3rd is refused at RCPT
  // (the sending server keeps it and retries later).
  for (int i = 1; i <= 3; ++i) {
    Json r = lab_.SendRequest(lab_.node().smtp_port, "starttls", "", "", "friend@elsewhere.example",
                              {"team@lists.example"}, "fwd-" + std::to_string(i));
    Json sent = lab_.Probe(r);
    if (i <= 2) {
      ASSERT_TRUE(sent.value("ok", false)) << i << sent.dump() << lab_.Logs();
    } else {
      EXPECT_EQ(sent.value("stage", ""), "rcpt") << sent.dump();
      EXPECT_EQ(sent.value("code", 0), 450) << sent.dump();
      EXPECT_NE(sent.value("reply", "").find("account lists may send 2"), std::string::npos);
    }
  }
  // Mail to the domain's own mailbox is not mail going out: not counted, not refused.
  Json local =
      lab_.Probe(lab_.SendRequest(lab_.node().smtp_port, "starttls", "", "",
                                  "friend@elsewhere.example", {"admin@lists.example"}, "local"));
  EXPECT_TRUE(local.value("ok", false)) << local.dump();

  // What went out reached the internet (3 + 2 + 2), and the counters say what each account sent.
  Json bob = lab_.WaitForMessage("bob@outside.example", kBobPassword, "fwd-2", "INBOX", true);
  ASSERT_EQ(bob.value("matches", 0), 1) << bob.dump() << lab_.Logs();
  Json all = lab_.Probe([&] {
    Json r =
        lab_.ImapRequest(lab_.outside().imap_port, "plain", "bob@outside.example", kBobPassword);
    return r;
  }());
  EXPECT_EQ(all.value("count", 0), 7) << all.dump();
  EXPECT_EQ(lab_.policy().SentLastHour("acme").value(), 3);
  EXPECT_EQ(lab_.policy().SentLastHour("shop").value(), 2);
  EXPECT_EQ(lab_.policy().SentLastHour("lists").value(), 2);
}

}  // namespace
}  // namespace hostplane::testing
