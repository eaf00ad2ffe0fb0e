#pragma once

// RecoveryCodeStore in memory, for tests. Thread-safe.

#include <map>
#include <mutex>
#include <set>
#include <string>

#include "controller/auth/recovery_codes.h"

namespace hostplane::auth::testing {

class MemoryRecoveryStore final : public RecoveryCodeStore {
 public:
  Status Replace(std::string_view user_id, const std::vector<std::string>& hashes) override {
    std::lock_guard lock(mu_);
    sets_[std::string(user_id)] = std::set<std::string>(hashes.begin(), hashes.end());
    return Ok();
  }
  Result<bool> Consume(std::string_view user_id, std::string_view hash) override {
    std::lock_guard lock(mu_);
    auto it = sets_.find(std::string(user_id));
    return it != sets_.end() && it->second.erase(std::string(hash)) == 1;
  }
  Result<int> Remaining(std::string_view user_id) override {
    std::lock_guard lock(mu_);
    auto it = sets_.find(std::string(user_id));
    return it == sets_.end() ? 0 : static_cast<int>(it->second.size());
  }
  // Everything stored for a user, to check that no code is kept in clear.
  std::set<std::string> Stored(std::string_view user_id) {
    std::lock_guard lock(mu_);
    return sets_[std::string(user_id)];
  }

 private:
  std::mutex mu_;
  std::map<std::string, std::set<std::string>> sets_;
};

}  // namespace hostplane::auth::testing
