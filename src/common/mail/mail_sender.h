#pragma once

// The one mail sender of the controller: Enqueue renders a MailMessage and stores it in the
// outbox (OutboxStore); a sender thread takes due entries and submits them through an
// SmtpTransport. An entry is marked sent only after the relay's 250 to its data. A retryable
// failure (relay down, 4xx) is retried with exponential back-off (first_retry, doubling, at most
// max_retry, with +-10% jitter so a queue does not hammer a relay in step) until give_up_after
// since it was queued; a permanent one (5xx) fails at once. Failed entries stay in the store with
// the relay's answer for an administrator.
//
// Delivery is at least once: a crash between the relay's 250 and MarkSent sends the message again
// at the next start, with the same Message-ID, so the recipient can tell.
//
// Owned by the controller's runtime. Enqueue and Wake may be called from any thread; RunOnce
// from one thread at a time (the sender thread, or a test driving it with a ManualClock).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "common/clock.h"
#include "common/job_gate.h"
#include "common/mail/mail_message.h"
#include "common/mail/outbox_store.h"
#include "common/mail/smtp_transport.h"
#include "common/result.h"

namespace hostplane::mail {

struct SenderPolicy {
  std::chrono::seconds first_retry{30};
  std::chrono::seconds max_retry{60 * 60};
  std::chrono::seconds give_up_after{3 * 24 * 60 * 60};
  size_t batch = 20;                   // entries per pass
  std::chrono::seconds idle_poll{60};  // the thread looks at the store at least this often
  // The thread's passes go through it: with several controllers on one store, only the one
  // holding the outbox's lease sends (common/job_gate.h). Empty: every pass runs.
  JobGate gate;
};

struct PassResult {
  int sent = 0;
  int retried = 0;
  int failed = 0;
};

class MailSender {
 public:
  // All three must outlive the sender.
  MailSender(OutboxStore& store, SmtpTransport& transport, const Clock& clock,
             SenderPolicy policy = {});
  ~MailSender();  // Stop()
  MailSender(const MailSender&) = delete;
  MailSender& operator=(const MailSender&) = delete;

  // Renders and stores the message (due now) and wakes the thread. The envelope is the From
  // address and the To addresses. Returns the outbox id. Errors: RenderMessage's kInvalid; the
  // store's.
  [[nodiscard]] Result<int64_t> Enqueue(const MailMessage& message);

  // One pass over the due entries. Errors: the store's (the pass stops there).
  [[nodiscard]] Result<PassResult> RunOnce();

  // The thread: RunOnce whenever woken, when the next retry is due, or every idle_poll.
  void Start();
  // Stops the thread after the message in flight, if any. Idempotent.
  void Stop();
  // After an enqueue committed elsewhere (in the caller's transaction).
  void Wake();

 private:
  std::chrono::milliseconds Backoff(int attempts) const;
  void Loop();

  OutboxStore& store_;
  SmtpTransport& transport_;
  const Clock& clock_;
  SenderPolicy policy_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  bool woken_ = false;
  std::thread thread_;
};

}  // namespace hostplane::mail
