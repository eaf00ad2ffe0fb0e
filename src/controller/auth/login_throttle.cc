#include "controller/auth/login_throttle.h"

#include "common/crypto.h"

namespace hostplane::auth {
namespace {

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Domain-separated so a name can never produce the same key as a source.
std::string KeyOf(const char* kind, std::string_view a, std::string_view b = {}) {
  std::string material = std::string(kind) + '\0' + std::string(a) + '\0' + std::string(b);
  return std::string(kind) + ":" + Blake2bHex(material).substr(0, 40);
}

int64_t Millis(std::chrono::seconds s) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(s).count();
}

}  // namespace

Status ThrottlePolicy::Check() const {
  if (pair_failures < 1 || source_failures < 1) {
    return Fail(Error::Invalid("throttle counts must be at least 1"));
  }
  if (window.count() <= 0 || notice_interval.count() < 0) {
    return Fail(Error::Invalid("the throttle window must be positive"));
  }
  return Ok();
}

LoginThrottle::LoginThrottle(FailureLog& log, const Clock& clock, ThrottlePolicy policy)
    : log_(log), clock_(clock), policy_(policy) {}

Result<LoginThrottle::Keys> LoginThrottle::KeysFor(std::string_view name,
                                                   std::string_view source) const {
  auto prefix = SourcePrefix(source, policy_.prefixes);
  if (!prefix) return Fail(prefix.error());
  std::string lowered = LowerAscii(name);
  return Keys{KeyOf("pair", lowered, *prefix), KeyOf("src", *prefix), KeyOf("notice", lowered)};
}

Result<std::chrono::seconds> LoginThrottle::Blocked(const std::string& key, int limit,
                                                    int64_t now) {
  int64_t since = now - Millis(policy_.window) + 1;
  auto recent = log_.Since(key, since, static_cast<size_t>(limit));
  if (!recent) return Fail(recent.error());
  if (recent->size() < static_cast<size_t>(limit)) return std::chrono::seconds(0);
  int64_t oldest = recent->back();
  int64_t free_at = oldest + Millis(policy_.window);
  int64_t wait_ms = free_at - now;
  return std::chrono::seconds(wait_ms <= 0 ? 1 : (wait_ms + 999) / 1000);
}

Result<ThrottleDecision> LoginThrottle::Decide(const Keys& keys, int64_t now) {
  auto source = Blocked(keys.source, policy_.source_failures, now);
  if (!source) return Fail(source.error());
  auto pair = Blocked(keys.pair, policy_.pair_failures, now);
  if (!pair) return Fail(pair.error());
  ThrottleDecision d;
  if (source->count() > 0 && source->count() >= pair->count()) {
    d.scope = ThrottleScope::kSource;
    d.retry_after = *source;
  } else if (pair->count() > 0) {
    d.scope = ThrottleScope::kNameFromSource;
    d.retry_after = *pair;
  }
  return d;
}

Result<ThrottleDecision> LoginThrottle::Check(std::string_view name, std::string_view source) {
  auto keys = KeysFor(name, source);
  if (!keys) return Fail(keys.error());
  return Decide(*keys, clock_.NowMillis());
}

Result<FailureRecorded> LoginThrottle::RecordFailure(std::string_view name,
                                                     std::string_view source) {
  auto keys = KeysFor(name, source);
  if (!keys) return Fail(keys.error());
  int64_t now = clock_.NowMillis();
  auto before = Blocked(keys->pair, policy_.pair_failures, now);
  if (!before) return Fail(before.error());
  HP_TRY(log_.Add(keys->pair, now, static_cast<size_t>(policy_.pair_failures)));
  HP_TRY(log_.Add(keys->source, now, static_cast<size_t>(policy_.source_failures)));
  FailureRecorded out;
  auto after = Decide(*keys, now);
  if (!after) return Fail(after.error());
  out.after = *after;
  auto pair_after = Blocked(keys->pair, policy_.pair_failures, now);
  if (!pair_after) return Fail(pair_after.error());
  if (before->count() == 0 && pair_after->count() > 0) {
    // A notice at most once per notice_interval per name, across all sources.
    auto notices = log_.Since(keys->notice, now - Millis(policy_.notice_interval) + 1, 1);
    if (!notices) return Fail(notices.error());
    if (notices->empty()) {
      HP_TRY(log_.Add(keys->notice, now, 1));
      out.notify_owner = true;
    }
  }
  return out;
}

Status LoginThrottle::RecordSuccess(std::string_view name, std::string_view source) {
  auto keys = KeysFor(name, source);
  if (!keys) return Fail(keys.error());
  return log_.Clear(keys->pair);
}

}  // namespace hostplane::auth
