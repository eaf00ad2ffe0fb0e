// The controller's one mail sender (src/common/mail) against a real Postfix + Dovecot pair
// (MailInstance, the same private instance `hostplane up` runs) in a /tmp prefix on 127.0.0.1:
// a message is rendered, queued, submitted by the sender thread over SMTP with libcurl, delivered
// into a hostplane mailbox, and read back over IMAP with curl (credentials in a 0600 netrc file)
// and GMime's parser: its Message-ID and UTF-8 subject arrive intact. Then the relay's answers
// the outbox depends on: 550 for an unknown mailbox is permanent, a relay that is down is
// retryable. CTest label: auth.

#include "common/mail/mail_sender.h"

#include <gmime/gmime.h>
#include <gtest/gtest.h>
#include <pwd.h>
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
