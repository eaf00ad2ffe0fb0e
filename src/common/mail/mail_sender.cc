#include "common/mail/mail_sender.h"

#include <sodium.h>

#include <algorithm>

namespace hostplane::mail {

MailSender::MailSender(OutboxStore& store, SmtpTransport& transport, const Clock& clock,
                       SenderPolicy policy)
    : store_(store), transport_(transport), clock_(clock), policy_(policy) {}

MailSender::~MailSender() { Stop(); }

Result<int64_t> MailSender::Enqueue(const MailMessage& message) {
  auto bytes = RenderMessage(message);
  if (!bytes) return Fail(bytes.error());
  OutboxEntry e;
  e.message_id = message.message_id;
  e.envelope.mail_from = message.from.address;
  for (const auto& to : message.to) e.envelope.rcpt_to.push_back(to.address);
  e.bytes = std::move(*bytes);
  e.created_at_ms = clock_.NowMillis();
  e.next_attempt_ms = e.created_at_ms;
  HP_ASSIGN_OR_RETURN(auto id, store_.Enqueue(e));
  Wake();
  return id;
}

std::chrono::milliseconds MailSender::Backoff(int attempts) const {
  auto delay = std::chrono::milliseconds(policy_.first_retry);
  for (int i = 1; i < attempts && delay < policy_.max_retry; ++i) delay *= 2;
  delay = std::min<std::chrono::milliseconds>(delay, policy_.max_retry);
  // +-10% jitter.
  int64_t tenth = delay.count() / 10;
  if (tenth > 0) {
    delay += std::chrono::milliseconds(
        static_cast<int64_t>(randombytes_uniform(static_cast<uint32_t>(2 * tenth + 1))) - tenth);
  }
  return delay;
}

Result<PassResult> MailSender::RunOnce() {
  PassResult pass;
  HP_ASSIGN_OR_RETURN(auto due, store_.Due(clock_.NowMillis(), policy_.batch));
  for (const auto& e : due) {
    int attempts = e.attempts + 1;
    auto sent = transport_.Send(e.envelope, e.bytes);
    int64_t now = clock_.NowMillis();
    if (sent) {
      HP_TRY(store_.MarkSent(e.id, attempts, now));
      ++pass.sent;
      continue;
    }
    const Error& err = sent.error();
    bool too_old =
        now - e.created_at_ms >= std::chrono::milliseconds(policy_.give_up_after).count();
    if (!err.retryable() || too_old) {
      HP_TRY(store_.MarkFailed(e.id, attempts, err.message));
      ++pass.failed;
    } else {
      HP_TRY(store_.MarkRetry(e.id, attempts, now + Backoff(attempts).count(), err.message));
      ++pass.retried;
    }
  }
  return pass;
}

void MailSender::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { Loop(); });
}

void MailSender::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void MailSender::Wake() {
  {
    std::lock_guard lock(mu_);
    woken_ = true;
  }
  cv_.notify_all();
}

void MailSender::Loop() {
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (stopping_) return;
      woken_ = false;
    }
    // A store error leaves the entries where they are; the next pass tries again.
    RunGated(policy_.gate, [this] { (void)RunOnce(); });
    auto wait = std::chrono::milliseconds(policy_.idle_poll);
    auto next = store_.NextAttempt();
    if (next && *next) {
      auto until = std::chrono::milliseconds(**next - clock_.NowMillis());
      wait = std::clamp(until, std::chrono::milliseconds(0), wait);
    }
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, wait, [this] { return stopping_ || woken_; });
  }
}

}  // namespace hostplane::mail
