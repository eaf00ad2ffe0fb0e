#include "controller/store/store_outbox.h"

namespace hostplane::controller {

Result<int64_t> StoreOutbox::Enqueue(const mail::OutboxEntry& entry) {
  int64_t id = 0;
  HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
    HP_ASSIGN_OR_RETURN(id, tx.outbox().Enqueue(entry));
    return Ok();
  }));
  return id;
}

Result<std::vector<mail::OutboxEntry>> StoreOutbox::Due(int64_t now_ms, size_t limit) {
  return store_.Read([&](StoreTxn& tx) { return tx.outbox().Due(now_ms, limit); });
}

Result<std::optional<int64_t>> StoreOutbox::NextAttempt() {
  return store_.Read([&](StoreTxn& tx) { return tx.outbox().NextAttempt(); });
}

Status StoreOutbox::MarkSent(int64_t id, int attempts, int64_t at_ms) {
  return store_.Write([&](StoreTxn& tx) { return tx.outbox().MarkSent(id, attempts, at_ms); });
}

Status StoreOutbox::MarkRetry(int64_t id, int attempts, int64_t next_attempt_ms,
                              const std::string& error) {
  return store_.Write(
      [&](StoreTxn& tx) { return tx.outbox().MarkRetry(id, attempts, next_attempt_ms, error); });
}

Status StoreOutbox::MarkFailed(int64_t id, int attempts, const std::string& error) {
  return store_.Write([&](StoreTxn& tx) { return tx.outbox().MarkFailed(id, attempts, error); });
}

}  // namespace hostplane::controller
