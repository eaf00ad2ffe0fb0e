#pragma once

// FailureLog in memory, for tests (and a reference for the store's implementation). Thread-safe.

#include <algorithm>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "controller/auth/failure_log.h"

namespace hostplane::auth::testing {

class MemoryFailureLog final : public FailureLog {
 public:
  Status Add(std::string_view key, int64_t at_ms, size_t keep) override {
    std::lock_guard lock(mu_);
    auto& v = entries_[std::string(key)];
    v.insert(std::upper_bound(v.begin(), v.end(), at_ms), at_ms);  // ascending
    if (v.size() > keep) v.erase(v.begin(), v.end() - static_cast<std::ptrdiff_t>(keep));
    return Ok();
  }
  Result<std::vector<int64_t>> Since(std::string_view key, int64_t since_ms,
                                     size_t limit) override {
    std::lock_guard lock(mu_);
    std::vector<int64_t> out;
    auto it = entries_.find(std::string(key));
    if (it == entries_.end()) return out;
    for (auto r = it->second.rbegin(); r != it->second.rend() && out.size() < limit; ++r) {
      if (*r < since_ms) break;
      out.push_back(*r);
    }
    return out;
  }
  Status Clear(std::string_view key) override {
    std::lock_guard lock(mu_);
    entries_.erase(std::string(key));
    return Ok();
  }
  Status Prune(int64_t before_ms) override {
    std::lock_guard lock(mu_);
    for (auto it = entries_.begin(); it != entries_.end();) {
      auto& v = it->second;
      v.erase(v.begin(), std::lower_bound(v.begin(), v.end(), before_ms));
      it = v.empty() ? entries_.erase(it) : std::next(it);
    }
    return Ok();
  }
  size_t keys() const {
    std::lock_guard lock(mu_);
    return entries_.size();
  }
  // Every key, for tests that check no name or address is stored in clear.
  std::vector<std::string> Keys() const {
    std::lock_guard lock(mu_);
    std::vector<std::string> out;
    for (const auto& [k, v] : entries_) out.push_back(k);
    return out;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::vector<int64_t>> entries_;
};

}  // namespace hostplane::auth::testing
