// The controller's one mail sender (src/common/mail) against a real Postfix + Dovecot pair
// (MailInstance, the same private instance `hostplane up` runs) in a /tmp prefix on 127.0.0.1:
// a message is rendered, queued, submitted by the sender thread over SMTP with libcurl, delivered
// into a hostplane mailbox, and read back over IMAP with curl (credentials in a 0600 netrc file)
// and GMime's parser: its Message-ID and UTF-8 subject arrive intact. Then the relay's answers
// the outbox depends on: 550 for an unknown mailbox is permanent, a relay that is down is
// retryable; and STARTTLS + AUTH to a submission relay (a second Postfix with Dovecot SASL).
// CTest label: auth.

#include "common/mail/mail_sender.h"

#include <gmime/gmime.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <memory>
#include <thread>

#include "agent/batch_applier.h"
#include "agent/drivers/mail/mail_driver.h"
#include "agent/drivers/mail/mail_instance.h"
#include "agent/testing/driver_test_support.h"
#include "agent/testing/temp_root.h"
#include "common/mail/testing/memory_outbox_store.h"
#include "common/net/loopback.h"
#include "common/passwd/service_password.h"

namespace hostplane {
namespace {

using agent::testing::kCurl;
using agent::testing::WaitFor;
using agent::testing::WriteNetrc;
using namespace std::chrono_literals;

constexpr const char* kPassword = "CorrectHorseBatteryStaple9";
constexpr const char* kSubject = "Ihr Passwort zurücksetzen – gültig 1 Stunde ✓ 🔑";

// One Postfix + Dovecot for the suite (starting and stopping them takes most of ten seconds).
class MailSenderIntegrationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { lab_ = new Lab(); }
  static void TearDownTestSuite() {
    delete lab_;
    lab_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(lab_->ready) << lab_->why; }

  struct Lab {
    Lab();
    ~Lab() {
      if (instance_) instance_->Stop();
    }
    bool ready = false;
    std::string why;
    agent::testing::TempRoot root_;
    std::unique_ptr<PosixFilesystem> fs_;
    std::unique_ptr<PosixCommandRunner> runner_;
    agent::MailLayout layout_;
    std::unique_ptr<agent::MailInstance> instance_;
  };
  static Lab* lab_;

  mail::SmtpRelayConfig Relay() const;
  mail::MailMessage Message(const std::string& to) const;
  std::string Fetch(const std::string& message_id);
  std::string Logs();
};

MailSenderIntegrationTest::Lab* MailSenderIntegrationTest::lab_ = nullptr;

MailSenderIntegrationTest::Lab::Lab() {
  if (::geteuid() != 0) {
    why = "Postfix needs root";
    return;
  }
  for (const char* bin : {"/usr/sbin/postfix", "/usr/sbin/dovecot", "/usr/sbin/postmap",
                          "/usr/bin/doveconf", kCurl}) {
    if (::access(bin, X_OK) != 0) {
      why = std::string(bin) + " is missing: run scripts/install-deps";
      return;
    }
  }
  fs_ = std::make_unique<PosixFilesystem>(root_.path());
  runner_ = std::make_unique<PosixCommandRunner>(
      std::set<std::string>{"/usr/sbin/postfix", "/usr/sbin/postmap", "/usr/bin/doveconf", kCurl});
  layout_.postfix_config_dir = "pf/etc";
  layout_.postfix_queue_dir = "pf/q";
  layout_.postfix_data_dir = "pf/data";
  layout_.postfix_log = "log/postfix.log";
  layout_.map_dir = "pf/maps";
  layout_.dovecot_conf = "dc/dovecot.conf";
  layout_.dovecot_base_dir = "dc/run";
  layout_.dovecot_state_dir = "dc/state";
  layout_.dovecot_log = "log/dovecot.log";
  layout_.dovecot_users_dir = "dc/users";
  layout_.dovecot_instance_name = "hpt-" + std::filesystem::path(root_.path()).filename().string();
  layout_.vmail_root = "vmail";
  passwd* pw = ::getpwnam("hpt_vmail");
  if (pw == nullptr) pw = ::getpwnam("nobody");
  layout_.vmail_uid = pw->pw_uid;
  layout_.vmail_gid = pw->pw_gid;
  layout_.smtp_port = FreeLoopbackPort().value();
  layout_.imap_port = FreeLoopbackPort().value();
  while (layout_.imap_port == layout_.smtp_port) layout_.imap_port = FreeLoopbackPort().value();
  // The mailbox is read with curl over plain IMAP on loopback (this suite tests the sender, not
  // the mail node's TLS: tests/integration/mail does), so only the MX and IMAP ports listen; the
  // instance still wants a certificate, issued from a private CA in the prefix.
  layout_.submission_port = 0;
  layout_.smtps_port = 0;
  layout_.imaps_port = 0;
  layout_.pop3_port = 0;
  layout_.pop3s_port = 0;
  layout_.allow_plaintext_auth = true;
  layout_.tls_cert = "tls/mail.pem";
  layout_.tls_key = "tls/mail.key";
  layout_.private_ca_dir = "ca";
  // Each daemon's directory of its own, as tests/integration/mail/mail_lab.cc lays them out.
  layout_.sieve_dir = "sieve";
  layout_.dkim_dir = "dkim";
  layout_.opendkim_socket_dir = "dkr";
  layout_.spamd_dir = "spamd";
  layout_.relay_socket_dir = "relay";
  layout_.policy_socket = "";
  layout_.policy_counters = "policy.db";
  instance_ = std::make_unique<agent::MailInstance>(layout_, *fs_, *runner_);
  auto started = instance_->Start();
  if (!started) {
    why = started.error().message;
    return;
  }

  // One hostplane mailbox, made by the mail driver as on a real node.
  agent::MailDriver driver(layout_, *fs_, *runner_);
  agent::BatchApplier applier(*fs_, "agent");
  protocol::MailDomainSpec spec;
  spec.domain = "acme.example";
  spec.account = "acme";
  spec.mailboxes.push_back({"info", HashServicePassword(kPassword).value(), 100});
  auto task = agent::testing::MakeTask(1, "maildomain:acme.example", protocol::kMailDomainEnsure,
                                       protocol::ToJson(spec));
  auto out = applier.Apply(driver, {task});
  if (out.results.size() != 1 || out.results[0].outcome != protocol::TaskOutcome::kApplied) {
    why = "the mailbox was not made: " + (out.results.empty() ? "" : out.results[0].detail);
    return;
  }
  ready = true;
}

mail::SmtpRelayConfig MailSenderIntegrationTest::Relay() const {
  mail::SmtpRelayConfig c;
  c.host = "127.0.0.1";
  c.port = lab_->layout_.smtp_port;
  c.security = mail::SmtpSecurity::kNone;
  c.helo_name = "panel.example.com";
  c.timeout = 20s;
  return c;
}

mail::MailMessage MailSenderIntegrationTest::Message(const std::string& to) const {
  mail::MailMessage m;
  m.from = {"Hébergement Exemple", "noreply@panel.example.com"};
  m.to = {{"Zoë Info", to}};
  m.subject = kSubject;
  m.text_body = "Grüß Gott,\n\nhttps://panel.example.com/reset?token=hpr_x\n.\nEnde\n";
  m.message_id = mail::NewMessageId("panel.example.com").value();
  m.date_ms = SystemClock().NowMillis();
  return m;
}

// The message with this Message-ID in the mailbox's INBOX, fetched whole over IMAP; "" while
// it is not there.
std::string MailSenderIntegrationTest::Fetch(const std::string& message_id) {
  EXPECT_TRUE(WriteNetrc(*lab_->fs_, "netrc", "info@acme.example", kPassword));
  std::string inbox = "imap://127.0.0.1:" + std::to_string(lab_->layout_.imap_port) + "/INBOX";
  auto imap = [&](std::vector<std::string> args) -> std::string {
    Command cmd;
    cmd.argv = {kCurl, "-sS", "--max-time", "10", "--netrc-file", lab_->fs_->HostPath("netrc")};
    cmd.argv.insert(cmd.argv.end(), args.begin(), args.end());
    auto out = lab_->runner_->Run(cmd);
    return out && out->ok() ? out->out : std::string();
  };
  std::string found = imap({inbox, "-X", "UID SEARCH HEADER Message-ID " + message_id});
  auto at = found.find("* SEARCH ");
  if (at == std::string::npos) return {};
  std::string uid;
  for (size_t i = at + 9; i < found.size() && std::isdigit(found[i]); ++i) uid += found[i];
  if (uid.empty()) return {};
  return imap({inbox + "/;UID=" + uid});
}

std::string MailSenderIntegrationTest::Logs() {
  auto t = lab_->fs_->ReadFile("log/postfix.log");
  return t && t->has_value() ? **t : std::string();
}

TEST_F(MailSenderIntegrationTest, AQueuedMessageArrivesIntactInARealMailbox) {
  SystemClock clock;
  mail::testing::MemoryOutboxStore outbox;
  mail::CurlSmtpTransport transport(Relay());
  mail::MailSender sender(outbox, transport, clock);
  sender.Start();
  mail::MailMessage m = Message("info@acme.example");
  auto id = sender.Enqueue(m);
  ASSERT_TRUE(id) << id.error().message;
  ASSERT_TRUE(WaitFor([&] { return outbox.Get(*id).state != mail::OutboxState::kPending; }, 20s));
  sender.Stop();
  auto entry = outbox.Get(*id);
  ASSERT_EQ(entry.state, mail::OutboxState::kSent) << entry.last_error << Logs();
  EXPECT_EQ(entry.attempts, 1);

  std::string fetched;
  ASSERT_TRUE(WaitFor(
      [&] {
        fetched = Fetch(m.message_id);
        return !fetched.empty();
      },
      15s))
      << Logs();
  // Read it as a mail client would.
  g_mime_init();
  GMimeStream* stream = g_mime_stream_mem_new_with_buffer(fetched.data(), fetched.size());
  GMimeParser* parser = g_mime_parser_new_with_stream(stream);
  GMimeMessage* got = g_mime_parser_construct_message(parser, nullptr);
  g_object_unref(parser);
  g_object_unref(stream);
  ASSERT_NE(got, nullptr) << fetched;
  EXPECT_EQ(std::string(g_mime_message_get_message_id(got)), m.message_id);
  EXPECT_EQ(std::string(g_mime_message_get_subject(got)), kSubject);
  char* text = g_mime_text_part_get_text(GMIME_TEXT_PART(g_mime_message_get_mime_part(got)));
  std::string body = text;
  g_free(text);
  g_object_unref(got);
  EXPECT_NE(body.find("Grüß Gott,"), std::string::npos) << body;
  EXPECT_NE(body.find("\r\n.\r\nEnde"), std::string::npos) << "the lone dot survived: " << body;
  // Postfix added its Received line above ours; the rest is what we queued.
  EXPECT_NE(fetched.find(entry.bytes.substr(entry.bytes.find("Message-Id:"))), std::string::npos);
}

TEST_F(MailSenderIntegrationTest, TheRelaysAnswersDecidePermanentOrRetry) {
  mail::CurlSmtpTransport transport(Relay());
  auto bytes = mail::RenderMessage(Message("nobody-here@acme.example")).value();
  auto unknown = transport.Send({"noreply@panel.example.com", {"nobody-here@acme.example"}}, bytes);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kInvalid) << unknown.error().message;
  EXPECT_FALSE(unknown.error().retryable());
  EXPECT_NE(unknown.error().message.find("550"), std::string::npos) << unknown.error().message;

  mail::SmtpRelayConfig down = Relay();
  down.port = FreeLoopbackPort().value();  // nobody listens there
  mail::CurlSmtpTransport nowhere(down);
  auto refused = nowhere.Send({"noreply@panel.example.com", {"info@acme.example"}}, bytes);
  ASSERT_FALSE(refused);
  EXPECT_TRUE(refused.error().retryable()) << refused.error().message;

  // The outbox keeps it pending with a retry time, then delivers once the relay answers.
  ManualClock clock(SystemClock().NowMillis());
  mail::testing::MemoryOutboxStore outbox;
  mail::MailSender against_down(outbox, nowhere, clock);
  auto id = against_down.Enqueue(Message("info@acme.example")).value();
  EXPECT_EQ(against_down.RunOnce()->retried, 1);
  EXPECT_EQ(outbox.Get(id).state, mail::OutboxState::kPending);
  mail::MailSender against_up(outbox, transport, clock);
  clock.Advance(40s);
  EXPECT_EQ(against_up.RunOnce()->sent, 1) << outbox.Get(id).last_error;
}

}  // namespace
}  // namespace hostplane

namespace hostplane {
namespace {

// A submission relay as a hosting company runs one: a second private Postfix that demands
// STARTTLS (a self-signed certificate made with openssl) and AUTH (Dovecot's SASL over a unix
// socket, from an auth-only Dovecot with one user), and relays what it accepts to the mail
// instance of the suite. Test-only.
class SubmissionRelay {
 public:
  static constexpr const char* kUser = "hostplane@relay.test";
  static constexpr const char* kPassword = "RelayPassword-2026";

  SubmissionRelay(const std::string& prefix, int next_hop_port) : prefix_(prefix) {
    fs_ = std::make_unique<PosixFilesystem>(prefix);
    runner_ = std::make_unique<PosixCommandRunner>(
        std::set<std::string>{"/usr/sbin/postfix", "/usr/bin/openssl"});
    port_ = FreeLoopbackPort().value();
    next_hop_port_ = next_hop_port;
  }
  ~SubmissionRelay() { Stop(); }

  Status Start() {
    for (const char* d : {"r/etc", "r/q", "r/data", "ra/run", "ra/state", "tls", "log"}) {
      HP_TRY(fs_->MakeDirs(d, 0755));
    }
    passwd* postfix = ::getpwnam("postfix");
    if (postfix == nullptr) return Fail(Error::Internal("no postfix user"));
    if (::chown(fs_->HostPath("r/data").c_str(), postfix->pw_uid, static_cast<gid_t>(-1)) != 0) {
      return Fail(Error::FromErrno("chown r/data", errno));
    }
    Command req;
    req.argv = {"/usr/bin/openssl",
                "req",
                "-x509",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:prime256v1",
                "-nodes",
                "-keyout",
                fs_->HostPath("tls/key.pem"),
                "-out",
                fs_->HostPath("tls/cert.pem"),
                "-days",
                "2",
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1"};
    auto cert = runner_->Run(req);
    if (!cert || !cert->ok()) return Fail(Error::Internal("openssl req failed"));
    HP_TRY(fs_->WriteFileAtomic(
        "ra/users", std::string(kUser) + ":" + HashServicePassword(kPassword).value() + "\n",
        0644));
    HP_TRY(fs_->WriteFileAtomic("ra/dovecot.conf", DovecotConf(), 0644));
    HP_TRY(fs_->WriteFileAtomic("r/etc/main.cf", MainCf(), 0644));
    HP_TRY(fs_->WriteFileAtomic("r/etc/master.cf", MasterCf(), 0644));
    auto dovecot =
        ChildProcess::Start({"/usr/sbin/dovecot", "-F", "-c", fs_->HostPath("ra/dovecot.conf")},
                            fs_->HostPath("log/relay-dovecot.out"));
    if (!dovecot) return Fail(dovecot.error());
    dovecot_ = std::move(*dovecot);
    auto postfix_child =
        ChildProcess::Start({"/usr/sbin/postfix", "-c", fs_->HostPath("r/etc"), "start-fg"},
                            fs_->HostPath("log/relay-postfix.out"));
    if (!postfix_child) return Fail(postfix_child.error());
    postfix_ = std::move(*postfix_child);
    postfix_started_ = true;
    for (int i = 0; i < 1000; ++i) {
      if (!dovecot_.Running() || !postfix_.Running()) {
        return Fail(Error::Unavailable("the relay exited: " + Logs()));
      }
      if (LoopbackAccepts(port_) && fs_->Exists("ra/run/auth-postfix")) return Ok();
      std::this_thread::sleep_for(20ms);
    }
    return Fail(Error::Timeout("the relay did not answer: " + Logs()));
  }

  void Stop() {
    if (postfix_started_) {
      Command stop;
      stop.argv = {"/usr/sbin/postfix", "-c", fs_->HostPath("r/etc"), "stop"};
      (void)runner_->Run(stop);
      postfix_.Stop(SIGTERM, 10'000ms);
      postfix_started_ = false;
    }
    if (dovecot_.pid() > 0) dovecot_.Stop(SIGTERM, 10'000ms);
  }

  int port() const { return port_; }
  std::string ca_file() const { return fs_->HostPath("tls/cert.pem"); }
  std::string Logs() {
    std::string out;
    for (const char* f : {"log/relay.log", "log/relay-auth.log", "log/relay-postfix.out"}) {
      auto t = fs_->ReadFile(f);
      if (t && t->has_value()) out += std::string("--- ") + f + "\n" + **t;
    }
    return out;
  }

 private:
  std::string DovecotConf() const {
    return "instance_name = hpt-relay-" + std::filesystem::path(prefix_).filename().string() +
           "\nbase_dir = " + fs_->HostPath("ra/run") +
           "\nstate_dir = " + fs_->HostPath("ra/state") +
           "\nlog_path = " + fs_->HostPath("log/relay-auth.log") +
           "\nprotocols =\nssl = no\ndisable_plaintext_auth = no\nauth_mechanisms = plain login\n"
           "passdb {\n  driver = passwd-file\n  args = scheme=CRYPT " +
           fs_->HostPath("ra/users") +
           "\n}\nuserdb {\n  driver = static\n  args = uid=nobody gid=nogroup "
           "home=/nonexistent\n}\n"
           "service auth {\n  unix_listener auth-postfix {\n    mode = 0660\n    user = postfix\n"
           "    group = postfix\n  }\n}\n";
  }
  std::string MainCf() const {
    std::string p = prefix_;
    return "compatibility_level = 3.6\nqueue_directory = " + p + "/r/q\ndata_directory = " + p +
           "/r/data\nmaillog_file = " + p + "/log/relay.log\nmaillog_file_prefixes = " + p +
           "/log\nmail_owner = postfix\nsetgid_group = postdrop\nmyhostname = relay.hpt.test\n"
           "mydestination =\ninet_interfaces = 127.0.0.1\ninet_protocols = ipv4\n"
           "mynetworks =\nalias_maps =\nalias_database =\nlocal_recipient_maps =\n"
           "smtpd_peername_lookup = no\nsmtp_host_lookup = native\n"
           "relayhost = [127.0.0.1]:" +
           std::to_string(next_hop_port_) +
           "\nsmtpd_relay_restrictions = permit_sasl_authenticated, reject\n"
           "smtpd_tls_cert_file = " +
           p + "/tls/cert.pem\nsmtpd_tls_key_file = " + p +
           "/tls/key.pem\nsmtpd_tls_security_level = encrypt\nsmtpd_tls_auth_only = yes\n"
           "smtpd_tls_loglevel = 1\n"
           "smtpd_sasl_auth_enable = yes\nsmtpd_sasl_type = dovecot\nsmtpd_sasl_path = " +
           p + "/ra/run/auth-postfix\nsmtpd_sasl_security_options = noanonymous\n";
  }
  std::string MasterCf() const {
    return "127.0.0.1:" + std::to_string(port_) +
           " inet n - n - - smtpd\n"
           "pickup unix n - n 60 1 pickup\ncleanup unix n - n - 0 cleanup\n"
           "qmgr unix n - n 300 1 qmgr\ntlsmgr unix - - n 1000? 1 tlsmgr\n"
           "rewrite unix - - n - - trivial-rewrite\nbounce unix - - n - 0 bounce\n"
           "defer unix - - n - 0 bounce\ntrace unix - - n - 0 bounce\n"
           "verify unix - - n - 1 verify\nflush unix n - n 1000? 0 flush\n"
           "proxymap unix - - n - - proxymap\nsmtp unix - - n - - smtp\n"
           "relay unix - - n - - smtp\nshowq unix n - n - - showq\n"
           "error unix - - n - - error\nretry unix - - n - - error\n"
           "discard unix - - n - - discard\nanvil unix - - n - 1 anvil\n"
           "scache unix - - n - 1 scache\npostlog unix-dgram n - n - 1 postlogd\n";
  }

  std::string prefix_;
  std::unique_ptr<PosixFilesystem> fs_;
  std::unique_ptr<PosixCommandRunner> runner_;
  int port_ = 0;
  int next_hop_port_ = 0;
  ChildProcess dovecot_;
  ChildProcess postfix_;
  bool postfix_started_ = false;
};

TEST_F(MailSenderIntegrationTest, StartTlsAndAuthToASubmissionRelay) {
  agent::testing::TempRoot prefix;
  SubmissionRelay relay(prefix.path(), lab_->layout_.smtp_port);
  auto started = relay.Start();
  ASSERT_TRUE(started) << started.error().message;

  mail::SmtpRelayConfig config;
  config.host = "127.0.0.1";
  config.port = relay.port();
  config.security = mail::SmtpSecurity::kStartTls;
  config.ca_file = relay.ca_file();
  config.username = SubmissionRelay::kUser;
  config.password = SubmissionRelay::kPassword;
  config.helo_name = "panel.example.com";
  config.timeout = 20s;
  ASSERT_TRUE(config.Check());

  // Through STARTTLS and AUTH, relayed on to the mailbox.
  mail::MailMessage m = Message("info@acme.example");
  auto bytes = mail::RenderMessage(m).value();
  mail::CurlSmtpTransport transport(config);
  auto sent = transport.Send({"noreply@panel.example.com", {"info@acme.example"}}, bytes);
  ASSERT_TRUE(sent) << sent.error().message << relay.Logs();
  std::string fetched;
  ASSERT_TRUE(WaitFor(
      [&] {
        fetched = Fetch(m.message_id);
        return !fetched.empty();
      },
      20s))
      << relay.Logs() << Logs();
  EXPECT_NE(fetched.find("relay.hpt.test"), std::string::npos) << "came through the relay";
  EXPECT_NE(relay.Logs().find("TLS connection established from"), std::string::npos);
  EXPECT_NE(relay.Logs().find("sasl_username=hostplane@relay.test"), std::string::npos);

  // A wrong password, no TLS, or a certificate we do not trust: refused, and each is retryable
  // (the relay's configuration, not this message).
  auto wrong = config;
  wrong.password = "not-the-password";
  auto no_tls = config;
  no_tls.security = mail::SmtpSecurity::kNone;
  auto untrusted = config;
  untrusted.ca_file.clear();  // the system's CAs do not know the self-signed certificate
  for (const auto& [name, c] : {std::pair{"wrong password", wrong}, std::pair{"no TLS", no_tls},
                                std::pair{"untrusted", untrusted}}) {
    mail::CurlSmtpTransport t(c);
    auto r = t.Send({"noreply@panel.example.com", {"info@acme.example"}}, bytes);
    ASSERT_FALSE(r) << name;
    EXPECT_EQ(r.error().code, ErrorCode::kUnavailable) << name << ": " << r.error().message;
    EXPECT_EQ(r.error().message.find(SubmissionRelay::kPassword), std::string::npos);
  }
}

}  // namespace
}  // namespace hostplane
