#pragma once

// The mail outbox in the store (common/mail/outbox_store.h's rows): a mail is enqueued in the
// transaction of the change that causes it (an order's welcome mail with the order going
// active), so it is sent if and only if the change committed. One row per Message-ID: enqueuing
// the same Message-ID again does nothing, which is how a step repeated after a crash sends its
// mail once. Lives inside one StoreTxn; not thread-safe. StoreOutbox (controller/store/
// store_outbox.h) is the MailSender's OutboxStore over it.

#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/mail/outbox_store.h"
#include "controller/store/sql.h"

namespace hostplane::controller {

class MailOutboxRepository {
 public:
  MailOutboxRepository(sql::Connection& db, const Clock& clock) : db_(db), clock_(clock) {}

  // The entry's id: a new row, or the existing row with the same message_id.
  Result<int64_t> Enqueue(const mail::OutboxEntry& entry);
  Result<std::optional<mail::OutboxEntry>> FindByMessageId(const std::string& message_id);
  // Every entry to one recipient address, oldest first (tests and support).
  Result<std::vector<mail::OutboxEntry>> ListTo(const std::string& address);
  Result<std::vector<mail::OutboxEntry>> Due(int64_t now_ms, size_t limit);
  Result<std::optional<int64_t>> NextAttempt();
  [[nodiscard]] Status MarkSent(int64_t id, int attempts, int64_t at_ms);
  [[nodiscard]] Status MarkRetry(int64_t id, int attempts, int64_t next_attempt_ms,
                                 const std::string& error);
  [[nodiscard]] Status MarkFailed(int64_t id, int attempts, const std::string& error);

 private:
  sql::Connection& db_;
  const Clock& clock_;
};

}  // namespace hostplane::controller
