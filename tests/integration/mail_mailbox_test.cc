// A mailbox's life at the door and in the client (label mail): IMAP with STARTTLS and IMAPS, POP3
// with STARTTLS and POP3S, certificates verified against the node's CA (and refused against
// another); plaintext logins refused from a client that is not the server's own address; the
// domain's message size limit from its plan (a 20 MB attachment arrives, a message over the
// limit is refused at RCPT from its SIZE); a full mailbox refused at RCPT, before DATA.

#include <gtest/gtest.h>

#include "common/passwd/service_password.h"
#include "mail/mail_lab.h"

namespace hostplane::testing {
namespace {

using protocol::Json;

constexpr const char* kPassword = "CorrectHorseBatteryStaple9";

protocol::MailboxSpec Box(const std::string& local, const std::string& hash, int64_t quota_mb) {
  protocol::MailboxSpec m;
  m.local = local;
  m.password_hash = hash;
  m.quota_mb = quota_mb;
  return m;
}

class MailMailboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* bin : {"/usr/sbin/postfix", "/usr/sbin/dovecot", "/usr/lib/dovecot/pop3"}) {
      ASSERT_EQ(::access(bin, X_OK), 0) << bin << " is not installed (scripts/install-deps)";
    }
    ASSERT_EQ(::geteuid(), 0u) << "Postfix needs root";
    auto started = lab_.Start();
    ASSERT_TRUE(started) << started.error().message << lab_.Logs();
    const std::string hash = HashServicePassword(kPassword).value();
    protocol::MailDomainSpec acme;
    acme.domain = "acme.example";
    acme.account = "acme";
    acme.message_size_mb = 25;
    acme.mailboxes = {Box("info", hash, 200), Box("tiny", hash, 1)};
    ASSERT_TRUE(lab_.ApplyNode(lab_.DomainTask(acme))) << lab_.Logs();
    protocol::MailDomainSpec big;
    big.domain = "big.example";
    big.account = "big";
    big.message_size_mb = 50;
    big.mailboxes = {Box("box", hash, 200)};
    ASSERT_TRUE(lab_.ApplyNode(lab_.DomainTask(big))) << lab_.Logs();
  }

  // A message from the internet to the node's MX port (no AUTH, STARTTLS offered).
  Json Inbound(const std::string& to, const std::string& subject, int64_t body_bytes) {
    Json r = lab_.SendRequest(lab_.node().smtp_port, "starttls", "", "", "someone@outside.example",
                              {to}, subject);
    r["body_bytes"] = body_bytes;
    return lab_.Probe(r);
  }

  MailLab lab_;
};

TEST_F(MailMailboxTest, ImapAndPop3OverTlsWithVerifiedCertificatesAndNoPlaintextLogins) {
  const auto& n = lab_.node();
  Json sent = Inbound("info@acme.example", "hello-tls", 1000);
  ASSERT_TRUE(sent.value("ok", false)) << sent.dump() << lab_.Logs();
  Json got = lab_.WaitForMessage("info@acme.example", kPassword, "hello-tls");
  ASSERT_EQ(got.value("matches", 0), 1) << got.dump() << lab_.Logs();

  Json starttls = lab_.Probe(
      lab_.ImapRequest(n.imap_port, "starttls", "info@acme.example", kPassword, "hello-tls"));
  EXPECT_TRUE(starttls.value("ok", false)) << starttls.dump();
  EXPECT_EQ(starttls.value("matches", 0), 1) << starttls.dump();

  for (const std::string mode : {"implicit", "starttls"}) {
    Json pop = lab_.Probe({{"op", "pop3"},
                           {"port", mode == "implicit" ? n.pop3s_port : n.pop3_port},
                           {"mode", mode},
                           {"cafile", lab_.ca_file()},
                           {"user", "info@acme.example"},
                           {"password", kPassword}});
    EXPECT_TRUE(pop.value("ok", false)) << mode << pop.dump();
    EXPECT_EQ(pop.value("count", 0), 1) << mode << pop.dump();
  }

  // The certificate is checked for real: against another CA the handshake fails.
  Json foreign = lab_.ImapRequest(n.imaps_port, "implicit", "info@acme.example", kPassword);
  foreign["cafile"] = lab_.fs().HostPath(lab_.outside().private_ca_dir + "/ca.pem");
  Json refused_tls = lab_.Probe(foreign);
  EXPECT_FALSE(refused_tls.value("ok", false)) << refused_tls.dump();
  EXPECT_NE(refused_tls.value("error", "").find("CERTIFICATE_VERIFY_FAILED"), std::string::npos)
      << refused_tls.dump();

  // A client on another address than the server's own may not log in without TLS.
  Json plain = lab_.ImapRequest(n.imap_port, "plain", "info@acme.example", kPassword);
  plain["source"] = "127.0.0.2";
  Json refused = lab_.Probe(plain);
  EXPECT_FALSE(refused.value("ok", false)) << refused.dump();
  EXPECT_NE(refused.value("error", "").find("Plaintext authentication"), std::string::npos)
      << refused.dump();
  // The same client with STARTTLS may.
  Json secured = lab_.ImapRequest(n.imap_port, "starttls", "info@acme.example", kPassword);
  secured["source"] = "127.0.0.2";
  EXPECT_TRUE(lab_.Probe(secured).value("ok", false));
}

TEST_F(MailMailboxTest, MessageSizeFromThePlanAndQuotaAreCheckedAtTheDoor) {
  constexpr int64_t kMb = 1024 * 1024;
  // A 20 MB attachment to a 25 MB domain arrives (through submission, as a client sends it).
  Json sent = lab_.Probe([&] {
    Json r = lab_.SendRequest(lab_.node().submission_port, "starttls", "info@acme.example",
                              kPassword, "info@acme.example", {"info@acme.example"}, "twenty-mb");
    r["body_bytes"] = 20 * kMb;
    return r;
  }());
  ASSERT_TRUE(sent.value("ok", false)) << sent.dump() << lab_.Logs();
  EXPECT_EQ(lab_.WaitForMessage("info@acme.example", kPassword, "twenty-mb").value("matches", 0), 1)
      << lab_.Logs();

  // 30 MB: over the 25 MB domain's limit, refused at RCPT from its SIZE, before any data;
  // a 50 MB plan's domain takes it.
  Json too_big = Inbound("info@acme.example", "thirty-mb", 30 * kMb);
  EXPECT_FALSE(too_big.value("ok", false)) << too_big.dump();
  EXPECT_EQ(too_big.value("stage", ""), "rcpt") << too_big.dump();
  EXPECT_EQ(too_big.value("code", 0), 552) << too_big.dump();
  EXPECT_NE(too_big.value("reply", "").find("25 MB"), std::string::npos) << too_big.dump();
  Json fits = Inbound("box@big.example", "thirty-mb", 30 * kMb);
  ASSERT_TRUE(fits.value("ok", false)) << fits.dump() << lab_.Logs();
  EXPECT_EQ(lab_.WaitForMessage("box@big.example", kPassword, "thirty-mb").value("matches", 0), 1);

  // Quota (1 MB): a message larger than what is left is refused at RCPT...
  Json over = Inbound("tiny@acme.example", "over-quota", 2 * kMb);
  EXPECT_EQ(over.value("stage", ""), "rcpt") << over.dump();
  EXPECT_EQ(over.value("code", 0), 552) << over.dump();
  EXPECT_NE(over.value("reply", "").find("Mailbox is full"), std::string::npos) << over.dump();
  // ...one that fits arrives, and once the mailbox is full even a small one is refused at RCPT.
  Json fill = Inbound("tiny@acme.example", "fills-it", 1000 * 1024);
  ASSERT_TRUE(fill.value("ok", false)) << fill.dump();
  ASSERT_EQ(lab_.WaitForMessage("tiny@acme.example", kPassword, "fills-it").value("matches", 0), 1);
  Json full = Inbound("tiny@acme.example", "one-more", 100 * 1024);
  EXPECT_FALSE(full.value("ok", false)) << full.dump();
  EXPECT_EQ(full.value("stage", ""), "rcpt") << full.dump();
  EXPECT_EQ(full.value("code", 0) / 100, 5) << full.dump();
}

}  // namespace
}  // namespace hostplane::testing
