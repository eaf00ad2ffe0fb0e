#include "controller/auth/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace hostplane::auth {

Status BucketPolicy::Check() const {
  if (!(capacity > 0) || !(refill_per_second > 0) || max_keys == 0) {
    return Fail(
        Error::Invalid("a rate limit needs a positive capacity, refill rate and key count"));
  }
  return Ok();
}

RateLimiter::RateLimiter(const Clock& clock, BucketPolicy policy)
    : clock_(clock), policy_(policy) {}

RateDecision RateLimiter::Take(std::string_view key_view, double cost) {
  auto now = clock_.Steady();
  std::string key(key_view);
  std::lock_guard lock(mu_);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    if (buckets_.size() >= policy_.max_keys) {
      buckets_.erase(lru_.back());
      lru_.pop_back();
    }
    lru_.push_front(key);
    it = buckets_.emplace(key, Bucket{policy_.capacity, now, lru_.begin()}).first;
  } else {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
  }
  Bucket& b = it->second;
  double elapsed = std::chrono::duration<double>(now - b.updated).count();
  if (elapsed > 0) {
    b.tokens = std::min(policy_.capacity, b.tokens + elapsed * policy_.refill_per_second);
    b.updated = now;
  }
  RateDecision d;
  if (cost <= b.tokens) {
    b.tokens -= cost;
    d.allowed = true;
    return d;
  }
  double missing = std::min(cost, policy_.capacity) - b.tokens;
  double wait_ms = std::ceil(missing / policy_.refill_per_second * 1000.0);
  d.retry_after = std::chrono::milliseconds(static_cast<int64_t>(std::max(1.0, wait_ms)));
  return d;
}

size_t RateLimiter::keys() const {
  std::lock_guard lock(mu_);
  return buckets_.size();
}

}  // namespace hostplane::auth
