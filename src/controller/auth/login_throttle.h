#pragma once

// Login throttling. Failed logins are counted per (login name, source prefix) and per source
// prefix (SourcePrefix: IPv4 /32, IPv6 /64), in a sliding window:
//   - after `pair_failures` failures of one name from one source within `window`, that name is
//     throttled *from that source only* until the oldest of those failures leaves the window;
//   - after `source_failures` failures from one source (any names: password spraying), that
//     source is throttled for every name.
// Nothing is ever counted per name alone, so a flood from one address cannot lock the owner out
// from another address. The name is taken as typed (ASCII-lowercased), whether or not an account
// has it, so throttling answers the same for existing and unknown names.
//
// RecordFailure says when a failure is the one that starts a throttle for a name, at most once
// per `notice_interval` per name: the moment to mail the owner (the caller looks the account up;
// nothing is sent for unknown names).
//
// Keys in the FailureLog are BLAKE2b hashes, so stored counters name no one. Owned by the
// controller's runtime; any thread (state is in the FailureLog). Clock injected.

#include <chrono>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/result.h"
#include "controller/auth/failure_log.h"
#include "controller/auth/source_address.h"

namespace hostplane::auth {

struct ThrottlePolicy {
  int pair_failures = 5;     // per (name, source) within window
  int source_failures = 50;  // per source over all names within window
  std::chrono::seconds window{15 * 60};
  std::chrono::seconds notice_interval{60 * 60};  // owner notices per name, at most one per this
  PrefixLengths prefixes;

  // Errors: kInvalid when a count is < 1 or the window is not positive.
  [[nodiscard]] Status Check() const;
};

enum class ThrottleScope {
  kNone,
  kNameFromSource,  // this name from this source
  kSource,          // everything from this source
};

struct ThrottleDecision {
  ThrottleScope scope = ThrottleScope::kNone;
  std::chrono::seconds retry_after{0};  // > 0 when throttled: the value of Retry-After
  bool throttled() const { return scope != ThrottleScope::kNone; }
};

struct FailureRecorded {
  ThrottleDecision after;     // the decision for the next attempt
  bool notify_owner = false;  // this failure started a throttle of the name: mail the owner
};

class LoginThrottle {
 public:
  // Errors of the policy are programming errors here; check ThrottlePolicy::Check at config load.
  LoginThrottle(FailureLog& log, const Clock& clock, ThrottlePolicy policy = {});

  // Before checking a password. Errors: kInvalid ("source.invalid_address"), the log's errors.
  [[nodiscard]] Result<ThrottleDecision> Check(std::string_view name, std::string_view source);
  // After a wrong password (or an unknown name). Errors as Check.
  [[nodiscard]] Result<FailureRecorded> RecordFailure(std::string_view name,
                                                      std::string_view source);
  // After a right password: forgets the (name, source) failures; the source's count stays.
  // Errors as Check.
  [[nodiscard]] Status RecordSuccess(std::string_view name, std::string_view source);

  const ThrottlePolicy& policy() const { return policy_; }

 private:
  struct Keys {
    std::string pair;
    std::string source;
    std::string notice;
  };
  Result<Keys> KeysFor(std::string_view name, std::string_view source) const;
  // Throttled when `limit` entries lie inside the window; retry after the oldest of them leaves.
  Result<std::chrono::seconds> Blocked(const std::string& key, int limit, int64_t now);
  Result<ThrottleDecision> Decide(const Keys& keys, int64_t now);

  FailureLog& log_;
  const Clock& clock_;
  ThrottlePolicy policy_;
};

}  // namespace hostplane::auth
