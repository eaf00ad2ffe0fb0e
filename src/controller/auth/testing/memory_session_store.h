#pragma once

// SessionStore in memory, for tests. Thread-safe.

#include <map>
#include <mutex>
#include <string>

#include "controller/auth/sessions.h"

namespace hostplane::auth::testing {

class MemorySessionStore final : public SessionStore {
 public:
  Status Insert(const SessionRecord& r) override {
    std::lock_guard lock(mu_);
    if (!rows_.emplace(r.id_hash, r).second) return Fail(Error::Conflict("duplicate session"));
    return Ok();
  }
  Result<std::optional<SessionRecord>> Find(std::string_view id_hash) override {
    std::lock_guard lock(mu_);
    auto it = rows_.find(std::string(id_hash));
    if (it == rows_.end()) return std::optional<SessionRecord>();
    return std::optional<SessionRecord>(it->second);
  }
  Status Touch(std::string_view id_hash, int64_t now_ms) override {
    std::lock_guard lock(mu_);
    auto it = rows_.find(std::string(id_hash));
    if (it != rows_.end()) it->second.last_seen_ms = now_ms;
    ++touches_;
    return Ok();
  }
  Result<bool> Remove(std::string_view id_hash) override {
    std::lock_guard lock(mu_);
    return rows_.erase(std::string(id_hash)) == 1;
  }
  Result<int> RemoveForUser(std::string_view user_id,
                            std::optional<std::string_view> keep) override {
    std::lock_guard lock(mu_);
    int n = 0;
    for (auto it = rows_.begin(); it != rows_.end();) {
      bool drop = it->second.user_id == user_id && !(keep && it->first == *keep);
      if (drop) ++n;
      it = drop ? rows_.erase(it) : std::next(it);
    }
    return n;
  }
  Result<std::vector<SessionRecord>> ListForUser(std::string_view user_id) override {
    std::lock_guard lock(mu_);
    std::vector<SessionRecord> out;
    for (const auto& [k, r] : rows_) {
      if (r.user_id == user_id) out.push_back(r);
    }
    return out;
  }
  size_t size() {
    std::lock_guard lock(mu_);
    return rows_.size();
  }
  int touches() {
    std::lock_guard lock(mu_);
    return touches_;
  }

 private:
  std::mutex mu_;
  std::map<std::string, SessionRecord> rows_;
  int touches_ = 0;
};

}  // namespace hostplane::auth::testing
