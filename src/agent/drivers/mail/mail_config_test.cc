// The base configuration of a mail node (MailConfig) and what lets mail out (the sending
// encoders): golden files, and the values that must never reach a config raw.

#include "agent/drivers/mail/mail_config.h"

#include <gtest/gtest.h>

#include "agent/drivers/account/msmtp_config.h"
#include "agent/drivers/mail/mail_sending_render.h"
#include "agent/testing/driver_test_support.h"

namespace hostplane::agent {
namespace {

using testing::ExpectGolden;

constexpr const char* kHash =
    "$y$j9T$abcdefghijklmnopqrstuv$ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789./a";

MailLayout GoldenLayout() {
  MailLayout l;
  l.vmail_uid = 5000;
  l.vmail_gid = 5000;
  l.hostname = "mx1.hosting.example";
  l.smarthost = "[192.0.2.25]:587";
  return l;
}

// A filesystem whose root is a fixed name: the encoders only ask it for host paths.
PosixFilesystem& GoldenFs() {
  static PosixFilesystem fs("/hp");
  return fs;
}

TEST(MailConfigTest, Golden) {
  MailConfig config(GoldenLayout(), GoldenFs(),
                    {.outbound = true, .dkim = true, .spam = true, .relay = true});
  ExpectGolden("node.main.cf", config.MainCf().value());
  ExpectGolden("node.master.cf", config.MasterCf().value());
  ExpectGolden("node.dovecot.conf", config.DovecotConf().value());
  ExpectGolden("node.dovecot-sql.conf.ext", config.DovecotSqlConf().value());
  ExpectGolden("node.opendkim.conf", config.OpenDkimConf().value());
  ExpectGolden("node.relay.msmtp", config.RelayMsmtpConf("relayrelayrelayrelay1234").value());
}

TEST(MailConfigTest, AnInstanceWithoutSubmissionHasNoneOfItsParameters) {
  MailLayout l = GoldenLayout();
  l.submission_port = 0;
  l.smtps_port = 0;
  l.smarthost = "";
  MailConfig config(l, GoldenFs(), {.outbound = false});
  std::string main_cf = config.MainCf().value();
  EXPECT_EQ(main_cf.find("hp_submission"), std::string::npos);
  EXPECT_NE(main_cf.find("default_transport = error:"), std::string::npos);
  EXPECT_EQ(main_cf.find("relayhost"), std::string::npos);
  std::string master = config.MasterCf().value();
  EXPECT_EQ(master.find("smtpd_sasl_auth_enable=yes"), std::string::npos);
  EXPECT_EQ(config.DovecotConf()->find("sendmail_path"), std::string::npos);
}

TEST(MailConfigTest, RefusesLayoutValuesThatWouldBreakAConfig) {
  struct Case {
    const char* name;
    void (*mutate)(MailLayout&);
  };
  const Case cases[] = {
      {"smarthost name", [](MailLayout& l) { l.smarthost = "relay.example:25"; }},
      {"smarthost injection", [](MailLayout& l) { l.smarthost = "[192.0.2.1]:25\nrelayhost"; }},
      {"smarthost port", [](MailLayout& l) { l.smarthost = "[192.0.2.1]:99999"; }},
      {"tls path space", [](MailLayout& l) { l.tls_cert = "etc/my cert.pem"; }},
      {"sieve path brace", [](MailLayout& l) { l.sieve_dir = "etc/}sieve"; }},
      {"hostname comma", [](MailLayout& l) { l.hostname = "a.example,b"; }},
      {"size", [](MailLayout& l) { l.max_message_size_mb = 0; }},
      {"smtp off", [](MailLayout& l) { l.smtp_port = 0; }},
      {"long socket", [](MailLayout& l) { l.policy_socket = std::string(120, 'a') + "/p.sock"; }},
  };
  for (const auto& c : cases) {
    MailLayout l = GoldenLayout();
    c.mutate(l);
    MailConfig config(l, GoldenFs(), {});
    EXPECT_FALSE(config.MainCf()) << c.name;
    EXPECT_FALSE(config.DovecotConf()) << c.name;
  }
  MailConfig config(GoldenLayout(), GoldenFs(), {.relay = true});
  EXPECT_FALSE(config.RelayMsmtpConf("short"));
  EXPECT_FALSE(config.RelayMsmtpConf("relayrelayrelayrelay\npassword x"));
}

protocol::MailDomainSpec Acme() {
  protocol::MailDomainSpec s;
  s.domain = "acme.example";
  s.account = "acme";
  protocol::MailboxSpec info("info", kHash, 100);
  info.send_as = {"sales@acme.example", "team@acme-shop.example"};
  info.spam_filter = true;
  info.autoresponder = protocol::AutoresponderSpec{
      "Away \"till\" Monday", "Back on Monday.\nUrgent? Call \\ us.", "2026-12-01", "", 3};
  protocol::MailboxSpec office("office", kHash, 100);
  office.send_as = {"sales@acme.example"};
  protocol::MailboxSpec plain("plain", kHash, 100);
  plain.autoresponder = protocol::AutoresponderSpec{"Gone", "Gone.", "", "", 1};
  s.mailboxes = {info, office, plain};
  s.forwarders = {{"sales", {"info@acme.example", "boss@other.example"}}};
  return s;
}

TEST(MailSendingRenderTest, Golden) {
  auto s = Acme();
  ExpectGolden("acme.senders", RenderSenderLogins(s));
  ExpectGolden("acme.policy", RenderDomainPolicy(s));
  ExpectGolden("acme.info.sieve", RenderSieveScript(s, s.mailboxes[0], "/hp/run/spamd.sock"));
  ExpectGolden("acme.plain.sieve", RenderSieveScript(s, s.mailboxes[2], "/hp/run/spamd.sock"));
  EXPECT_EQ(RenderSieveScript(s, s.mailboxes[1], "/hp/run/spamd.sock"), "");

  protocol::MailAccountSpec a;
  a.account = "shop";
  a.messages_per_hour = 250;
  a.submission_password_hash = kHash;
  a.sender_domains = {"shop.example", "shop-mail.example"};
  ExpectGolden("shop.account.policy", RenderAccountPolicy(a));
  ExpectGolden("shop.account.senders", RenderAccountSenderLogins(a));
  ExpectGolden("shop.account.passwd", RenderAccountPasswd(a).value());
  a.status = "suspended";
  EXPECT_NE(RenderAccountPasswd(a)->find("::::::nologin\n"), std::string::npos);
  a.submission_password_hash = "";
  EXPECT_EQ(RenderAccountPasswd(a).value(), "");
  EXPECT_EQ(RenderAccountSenderLogins(a), "");
  a.submission_password_hash = "x:0:0::/root::";
  EXPECT_FALSE(RenderAccountPasswd(a));
}

TEST(MailSendingRenderTest, SieveStringsCannotEndEarly) {
  // Whatever the customer typed, the script holds one string per value: the quote and the
  // backslash are escaped, so no text can close the string and add a command.
  EXPECT_EQ(SieveString("a\"; redirect \"x@evil.example"),
            "\"a\\\"; redirect \\\"x@evil.example\"");
  EXPECT_EQ(SieveString("back\\slash"), "\"back\\\\slash\"");
  auto s = Acme();
  s.mailboxes[2].autoresponder->body = "\"; redirect \"evil@x.example\"; #";
  std::string script = RenderSieveScript(s, s.mailboxes[2], "/hp/run/spamd.sock");
  EXPECT_EQ(script.find("\nredirect"), std::string::npos);
  EXPECT_NE(script.find("\\\"; redirect \\\"evil@x.example\\\"; #\";"), std::string::npos)
      << script;
}

TEST(MsmtpConfigTest, GoldenAndRefusals) {
  protocol::MailSubmissionSpec spec{"192.0.2.10",         587,
                                    "starttls",           "mx1.hosting.example",
                                    "sealed:unused-here", "wordpress@shop.example"};
  MsmtpParams p{"shop", "abcdefghijklmnopqrstuvwx", "/etc/ssl/certs/ca-certificates.crt"};
  ExpectGolden("shop.msmtp", RenderMsmtpConfig(spec, p).value());
  EXPECT_EQ(MsmtpSendmailPath("/usr/bin/msmtp", "/etc/hostplane/msmtp/shop.conf"),
            "/usr/bin/msmtp -C /etc/hostplane/msmtp/shop.conf -t -i");
  spec.tls = "implicit";
  EXPECT_NE(RenderMsmtpConfig(spec, p)->find("tls_starttls off\n"), std::string::npos);
  MsmtpParams bad = p;
  bad.password = "short";
  auto refused = RenderMsmtpConfig(spec, bad);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message.find("short"), std::string::npos);
  bad.password = "abcdefghijklmnopqrstuvwx\nhost evil.example";
  EXPECT_FALSE(RenderMsmtpConfig(spec, bad));
  bad = p;
  bad.ca_file = "/etc/my ca.pem";
  EXPECT_FALSE(RenderMsmtpConfig(spec, bad));
}

}  // namespace
}  // namespace hostplane::agent
