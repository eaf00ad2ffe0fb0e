#pragma once

// The MailSender's OutboxStore over the store's mail_outbox table (MailOutboxRepository): each
// method is one transaction of its own. Mails that must commit with a change are enqueued with
// tx.outbox().Enqueue inside that change instead, then MailSender::Wake. Thread-safe.

#include "common/mail/outbox_store.h"
#include "controller/store/store.h"

namespace hostplane::controller {

class StoreOutbox final : public mail::OutboxStore {
 public:
  explicit StoreOutbox(Store& store) : store_(store) {}
  Result<int64_t> Enqueue(const mail::OutboxEntry& entry) override;
  Result<std::vector<mail::OutboxEntry>> Due(int64_t now_ms, size_t limit) override;
  Result<std::optional<int64_t>> NextAttempt() override;
  Status MarkSent(int64_t id, int attempts, int64_t at_ms) override;
  Status MarkRetry(int64_t id, int attempts, int64_t next_attempt_ms,
                   const std::string& error) override;
  Status MarkFailed(int64_t id, int attempts, const std::string& error) override;

 private:
  Store& store_;
};

}  // namespace hostplane::controller
