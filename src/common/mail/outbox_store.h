#pragma once

// The storage seam of the mail outbox: rendered messages waiting for the relay. The store
// implements it later as a table in the controller's database, so a mail is enqueued in the same
// transaction as the change that causes it (a reset link with its token row) and survives a
// crash; testing/memory_outbox_store.h implements it for tests.
//
// Each method is atomic on its own. Called by the enqueuing request threads and by the sender's
// thread.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/mail/smtp_transport.h"
#include "common/result.h"

namespace hostplane::mail {

enum class OutboxState { kPending, kSent, kFailed };

struct OutboxEntry {
  int64_t id = 0;          // given by the store
  std::string message_id;  // the Message-ID inside `bytes`
  SmtpEnvelope envelope;
  std::string bytes;  // RenderMessage's output, sent as is on every attempt
  OutboxState state = OutboxState::kPending;
  int attempts = 0;
  int64_t created_at_ms = 0;
  int64_t next_attempt_ms = 0;
  int64_t sent_at_ms = 0;
  std::string last_error;  // the relay's answer of the last failed attempt
};

class OutboxStore {
 public:
  virtual ~OutboxStore() = default;
  // Stores a pending entry; returns its id. Errors for every method: the backend's.
  [[nodiscard]] virtual Result<int64_t> Enqueue(const OutboxEntry& entry) = 0;
  // Pending entries with next_attempt_ms <= now_ms, oldest first, at most limit.
  [[nodiscard]] virtual Result<std::vector<OutboxEntry>> Due(int64_t now_ms, size_t limit) = 0;
  // The earliest next_attempt_ms of any pending entry; nullopt when none is pending.
  [[nodiscard]] virtual Result<std::optional<int64_t>> NextAttempt() = 0;
  [[nodiscard]] virtual Status MarkSent(int64_t id, int attempts, int64_t at_ms) = 0;
  [[nodiscard]] virtual Status MarkRetry(int64_t id, int attempts, int64_t next_attempt_ms,
                                         const std::string& error) = 0;
  [[nodiscard]] virtual Status MarkFailed(int64_t id, int attempts, const std::string& error) = 0;
};

}  // namespace hostplane::mail
