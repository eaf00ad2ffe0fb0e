#pragma once

// OneTimeTokenStore in memory, for tests. Thread-safe.

#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "controller/auth/one_time_links.h"

namespace hostplane::auth::testing {

class MemoryOneTimeStore final : public OneTimeTokenStore {
 public:
  Status Insert(const OneTimeRecord& r) override {
    std::lock_guard lock(mu_);
    if (!rows_.emplace(std::make_pair(r.hash, r.purpose), r).second) {
      return Fail(Error::Conflict("duplicate one-time token hash"));
    }
    return Ok();
  }
  Result<std::optional<OneTimeRecord>> Find(std::string_view hash, LinkPurpose p) override {
    std::lock_guard lock(mu_);
    auto it = rows_.find({std::string(hash), p});
    if (it == rows_.end()) return std::optional<OneTimeRecord>();
    return std::optional<OneTimeRecord>(it->second);
  }
  Result<std::optional<OneTimeRecord>> Take(std::string_view hash, LinkPurpose p) override {
    std::lock_guard lock(mu_);
    auto it = rows_.find({std::string(hash), p});
    if (it == rows_.end()) return std::optional<OneTimeRecord>();
    OneTimeRecord r = std::move(it->second);
    rows_.erase(it);
    return std::optional<OneTimeRecord>(std::move(r));
  }
  Status RemoveSubject(std::string_view subject, LinkPurpose p) override {
    std::lock_guard lock(mu_);
    for (auto it = rows_.begin(); it != rows_.end();) {
      bool match = it->second.subject == subject && it->second.purpose == p;
      it = match ? rows_.erase(it) : std::next(it);
    }
    return Ok();
  }
  Status RemoveExpired(int64_t now_ms) override {
    std::lock_guard lock(mu_);
    for (auto it = rows_.begin(); it != rows_.end();) {
      it = it->second.expires_at_ms <= now_ms ? rows_.erase(it) : std::next(it);
    }
    return Ok();
  }
  size_t size() {
    std::lock_guard lock(mu_);
    return rows_.size();
  }
  std::vector<OneTimeRecord> All() {
    std::lock_guard lock(mu_);
    std::vector<OneTimeRecord> out;
    for (const auto& [k, v] : rows_) out.push_back(v);
    return out;
  }

 private:
  std::mutex mu_;
  std::map<std::pair<std::string, LinkPurpose>, OneTimeRecord> rows_;
};

}  // namespace hostplane::auth::testing
