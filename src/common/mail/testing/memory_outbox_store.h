#pragma once

// OutboxStore in memory, for tests. Thread-safe.

#include <map>
#include <mutex>

#include "common/mail/outbox_store.h"

namespace hostplane::mail::testing {

class MemoryOutboxStore final : public OutboxStore {
 public:
  Result<int64_t> Enqueue(const OutboxEntry& entry) override {
    std::lock_guard lock(mu_);
    OutboxEntry e = entry;
    e.id = ++last_id_;
    e.state = OutboxState::kPending;
    rows_[e.id] = e;
    return e.id;
  }
  Result<std::vector<OutboxEntry>> Due(int64_t now_ms, size_t limit) override {
    std::lock_guard lock(mu_);
    std::vector<OutboxEntry> out;
    for (const auto& [id, e] : rows_) {
      if (out.size() == limit) break;
      if (e.state == OutboxState::kPending && e.next_attempt_ms <= now_ms) out.push_back(e);
    }
    return out;
  }
  Result<std::optional<int64_t>> NextAttempt() override {
    std::lock_guard lock(mu_);
    std::optional<int64_t> next;
    for (const auto& [id, e] : rows_) {
      if (e.state == OutboxState::kPending && (!next || e.next_attempt_ms < *next)) {
        next = e.next_attempt_ms;
      }
    }
    return next;
  }
  Status MarkSent(int64_t id, int attempts, int64_t at_ms) override {
    std::lock_guard lock(mu_);
    auto& e = rows_.at(id);
    e.state = OutboxState::kSent;
    e.attempts = attempts;
    e.sent_at_ms = at_ms;
    return Ok();
  }
  Status MarkRetry(int64_t id, int attempts, int64_t next_ms, const std::string& error) override {
    std::lock_guard lock(mu_);
    auto& e = rows_.at(id);
    e.attempts = attempts;
    e.next_attempt_ms = next_ms;
    e.last_error = error;
    return Ok();
  }
  Status MarkFailed(int64_t id, int attempts, const std::string& error) override {
    std::lock_guard lock(mu_);
    auto& e = rows_.at(id);
    e.state = OutboxState::kFailed;
    e.attempts = attempts;
    e.last_error = error;
    return Ok();
  }
  OutboxEntry Get(int64_t id) {
    std::lock_guard lock(mu_);
    return rows_.at(id);
  }

 private:
  std::mutex mu_;
  int64_t last_id_ = 0;
  std::map<int64_t, OutboxEntry> rows_;
};

}  // namespace hostplane::mail::testing
