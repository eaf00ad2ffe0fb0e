#pragma once

// TotpReplayGuard in memory, for tests. Thread-safe.

#include <map>
#include <mutex>
#include <string>

#include "controller/auth/totp.h"

namespace hostplane::auth::testing {

class MemoryTotpGuard final : public TotpReplayGuard {
 public:
  Result<bool> Claim(std::string_view user_key, int64_t step) override {
    std::lock_guard lock(mu_);
    auto [it, inserted] = last_.emplace(std::string(user_key), step);
    if (inserted) return true;
    if (step <= it->second) return false;
    it->second = step;
    return true;
  }

 private:
  std::mutex mu_;
  std::map<std::string, int64_t> last_;
};

}  // namespace hostplane::auth::testing
