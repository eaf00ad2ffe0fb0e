#pragma once

// A token-bucket rate limiter keyed by string: each key (an address prefix from SourcePrefix, an
// e-mail address, "order:<ip>") has a bucket of `capacity` tokens that refills at
// `refill_per_second`; a request takes `cost` tokens or is refused with the time until enough
// have come back. Bursts up to capacity pass, the long-run rate is the refill rate.
//
// In memory, per process (a restart refills every bucket, which only errs towards letting
// through). Memory is bounded: beyond `max_keys` the least recently used key is dropped, which
// gives that key a full bucket again; size max_keys above the number of keys active within
// capacity/refill seconds. For counters that must survive restarts use LoginThrottle.
//
// Thread-safe (one mutex; O(1) per call). Clock injected (steady time).

#include <chrono>
#include <cstddef>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/clock.h"
#include "common/result.h"

namespace hostplane::auth {

struct BucketPolicy {
  double capacity = 10;
  double refill_per_second = 1;
  size_t max_keys = 100'000;

  // Errors: kInvalid when capacity or refill is not positive, or max_keys is 0.
  [[nodiscard]] Status Check() const;
};

struct RateDecision {
  bool allowed = false;
  std::chrono::milliseconds retry_after{0};  // refused: when `cost` tokens will be there
};

class RateLimiter {
 public:
  // The policy must pass BucketPolicy::Check (configuration is checked at load).
  RateLimiter(const Clock& clock, BucketPolicy policy);

  // Takes cost tokens from key's bucket if it has them. A cost above capacity is never allowed
  // (retry_after is then the time to fill the bucket).
  RateDecision Take(std::string_view key, double cost = 1);

  size_t keys() const;

 private:
  struct Bucket {
    double tokens;
    std::chrono::steady_clock::time_point updated;
    std::list<std::string>::iterator lru;
  };

  const Clock& clock_;
  BucketPolicy policy_;
  mutable std::mutex mu_;
  std::list<std::string> lru_;  // most recent first
  std::unordered_map<std::string, Bucket> buckets_;
};

}  // namespace hostplane::auth
