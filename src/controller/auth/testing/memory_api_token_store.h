#pragma once

// ApiTokenStore in memory, for tests. Thread-safe.

#include <map>
#include <mutex>
#include <string>

#include "controller/auth/api_tokens.h"

namespace hostplane::auth::testing {

class MemoryApiTokenStore final : public ApiTokenStore {
 public:
  Status Insert(const ApiTokenRecord& r) override {
    std::lock_guard lock(mu_);
    if (!rows_.emplace(r.hash, r).second) return Fail(Error::Conflict("duplicate token"));
    return Ok();
  }
  Result<std::optional<ApiTokenRecord>> Find(std::string_view hash) override {
    std::lock_guard lock(mu_);
    auto it = rows_.find(std::string(hash));
    if (it == rows_.end()) return std::optional<ApiTokenRecord>();
    return std::optional<ApiTokenRecord>(it->second);
  }
  Status Touch(std::string_view hash, int64_t now_ms) override {
    std::lock_guard lock(mu_);
    auto it = rows_.find(std::string(hash));
    if (it != rows_.end()) it->second.last_used_ms = now_ms;
    ++touches_;
    return Ok();
  }
  Result<bool> Remove(std::string_view user_id, std::string_view hash) override {
    std::lock_guard lock(mu_);
    auto it = rows_.find(std::string(hash));
    if (it == rows_.end() || it->second.user_id != user_id) return false;
    rows_.erase(it);
    return true;
  }
  Result<std::vector<ApiTokenRecord>> ListForUser(std::string_view user_id) override {
    std::lock_guard lock(mu_);
    std::vector<ApiTokenRecord> out;
    for (const auto& [k, r] : rows_) {
      if (r.user_id == user_id) out.push_back(r);
    }
    return out;
  }
  int touches() {
    std::lock_guard lock(mu_);
    return touches_;
  }

 private:
  std::mutex mu_;
  std::map<std::string, ApiTokenRecord> rows_;
  int touches_ = 0;
};

}  // namespace hostplane::auth::testing
