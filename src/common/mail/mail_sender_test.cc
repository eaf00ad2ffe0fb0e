#include "common/mail/mail_sender.h"

#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <mutex>

#include "common/mail/testing/memory_outbox_store.h"

namespace hostplane::mail {
namespace {

using namespace std::chrono_literals;

// Answers from a script: each Send pops the next answer (Ok when the script is empty).
class ScriptedTransport final : public SmtpTransport {
 public:
  Status Send(const SmtpEnvelope& envelope, std::string_view message) override {
    std::lock_guard lock(mu_);
    ++calls;
    last_envelope = envelope;
    last_message = std::string(message);
    if (script.empty()) return Ok();
    Status s = script.front();
    script.pop_front();
    return s;
  }
  std::mutex mu_;
  std::deque<Status> script;
  std::atomic<int> calls{0};
  SmtpEnvelope last_envelope;
  std::string last_message;
};

MailMessage Notice() {
  MailMessage m;
  m.from = {"Hosting", "noreply@panel.example.com"};
  m.to = {{"", "alice@example.org"}};
  m.subject = "Anmeldeversuche gesperrt";
  m.text_body = "Five failed logins from 192.0.2.7.\n";
  m.message_id = "feedfacefeedfacefeedfacefeedface@panel.example.com";
  m.date_ms = 1'765'000'000'000;
  return m;
}

class MailSenderTest : public ::testing::Test {
 protected:
  ManualClock clock_{1'765'000'000'000};
  testing::MemoryOutboxStore store_;
  ScriptedTransport transport_;
  MailSender sender_{store_, transport_, clock_, SenderPolicy{}};
};

TEST_F(MailSenderTest, EnqueueRendersOnceAndAPassSendsIt) {
  auto id = sender_.Enqueue(Notice());
  ASSERT_TRUE(id);
  auto queued = store_.Get(*id);
  EXPECT_EQ(queued.state, OutboxState::kPending);
  EXPECT_EQ(queued.message_id, Notice().message_id);
  EXPECT_EQ(queued.envelope.mail_from, "noreply@panel.example.com");
  EXPECT_EQ(queued.envelope.rcpt_to, std::vector<std::string>{"alice@example.org"});
  EXPECT_EQ(queued.bytes, RenderMessage(Notice()).value());
  auto pass = sender_.RunOnce();
  ASSERT_TRUE(pass);
  EXPECT_EQ(pass->sent, 1);
  EXPECT_EQ(transport_.last_message, queued.bytes);
  auto sent = store_.Get(*id);
  EXPECT_EQ(sent.state, OutboxState::kSent);
  EXPECT_EQ(sent.attempts, 1);
  EXPECT_EQ(sent.sent_at_ms, clock_.NowMillis());
  EXPECT_EQ(sender_.RunOnce()->sent, 0) << "sent once";
}

TEST_F(MailSenderTest, ARelayThatIsDownIsRetriedWithGrowingBackoffThenTheMailGoes) {
  for (int i = 0; i < 3; ++i) {
    transport_.script.push_back(Fail(Error::Unavailable("connection refused")));
  }
  auto id = sender_.Enqueue(Notice()).value();
  int64_t expected_delay_s = 30;
  for (int attempt = 1; attempt <= 3; ++attempt) {
    auto pass = sender_.RunOnce().value();
    EXPECT_EQ(pass.retried, 1) << attempt;
    auto e = store_.Get(id);
    EXPECT_EQ(e.state, OutboxState::kPending);
    EXPECT_EQ(e.attempts, attempt);
    EXPECT_EQ(e.last_error, "connection refused");
    int64_t delay = e.next_attempt_ms - clock_.NowMillis();
    EXPECT_GE(delay, expected_delay_s * 900) << attempt;
    EXPECT_LE(delay, expected_delay_s * 1100) << attempt;
    // Not due yet: nothing is sent.
    clock_.Advance(std::chrono::milliseconds(delay - 1));
    EXPECT_EQ(sender_.RunOnce()->retried + sender_.RunOnce()->sent, 0);
    clock_.Advance(1ms);
    expected_delay_s *= 2;
  }
  EXPECT_EQ(sender_.RunOnce()->sent, 1);
  EXPECT_EQ(store_.Get(id).state, OutboxState::kSent);
  EXPECT_EQ(store_.Get(id).attempts, 4);
  EXPECT_EQ(transport_.calls.load(), 4);
}

TEST_F(MailSenderTest, APermanentRefusalFailsAtOnce) {
  transport_.script.push_back(Fail(Error::Invalid("550 5.1.1 no such user")));
  auto id = sender_.Enqueue(Notice()).value();
  EXPECT_EQ(sender_.RunOnce()->failed, 1);
  auto e = store_.Get(id);
  EXPECT_EQ(e.state, OutboxState::kFailed);
  EXPECT_EQ(e.last_error, "550 5.1.1 no such user");
  clock_.Advance(24h);
  EXPECT_EQ(sender_.RunOnce()->sent, 0);
  EXPECT_EQ(transport_.calls.load(), 1);
}

TEST_F(MailSenderTest, BackoffIsCappedAndTheSenderGivesUpAfterThreeDays) {
  for (int i = 0; i < 100; ++i) transport_.script.push_back(Fail(Error::Unavailable("down")));
  auto id = sender_.Enqueue(Notice()).value();
  int passes = 0;
  while (store_.Get(id).state == OutboxState::kPending && passes < 200) {
    ASSERT_TRUE(sender_.RunOnce());
    auto e = store_.Get(id);
    if (e.state != OutboxState::kPending) break;
    EXPECT_LE(e.next_attempt_ms - clock_.NowMillis(), 3'960'000) << "at most an hour (+10%)";
    clock_.Advance(std::chrono::milliseconds(e.next_attempt_ms - clock_.NowMillis()));
    ++passes;
  }
  auto e = store_.Get(id);
  EXPECT_EQ(e.state, OutboxState::kFailed);
  EXPECT_GE(clock_.NowMillis() - e.created_at_ms, 3 * 24 * 3600 * 1000LL);
  EXPECT_LT(passes, 90) << "an hour apart after the first few";
}

TEST_F(MailSenderTest, BadMessagesAreNeverQueued) {
  MailMessage m = Notice();
  m.subject = "x\r\nBcc: eve@evil.example";
  auto r = sender_.Enqueue(m);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().fields.at("subject"), "mail.header_control_character");
  EXPECT_FALSE(store_.NextAttempt().value());
}

TEST(MailSenderThread, AnEnqueuedMessageIsSentWithoutAnyoneCallingRunOnce) {
  SystemClock clock;
  testing::MemoryOutboxStore store;
  ScriptedTransport transport;
  MailSender sender(store, transport, clock, SenderPolicy{});
  sender.Start();
  auto id = sender.Enqueue(Notice()).value();
  for (int i = 0; i < 200 && store.Get(id).state != OutboxState::kSent; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(store.Get(id).state, OutboxState::kSent);
  sender.Stop();
  sender.Stop();
}

TEST(SmtpRelayConfig, ChecksItsFields) {
  EXPECT_TRUE(SmtpRelayConfig{}.Check());
  SmtpRelayConfig c;
  c.host = "relay.example.com\r\nX";
  EXPECT_EQ(c.Check().error().fields.at("smtp.host"), "smtp.invalid");
  c = {};
  c.port = 0;
  EXPECT_FALSE(c.Check());
  c = {};
  c.host = "relay.example.com";
  c.username = "hostplane";
  c.password = "secret";
  EXPECT_EQ(c.Check().error().fields.at("smtp.security"), "smtp.invalid")
      << "no password to a remote relay in clear";
  c.security = SmtpSecurity::kStartTls;
  EXPECT_TRUE(c.Check());
  c.password.clear();
  EXPECT_FALSE(c.Check());
}

}  // namespace
}  // namespace hostplane::mail
