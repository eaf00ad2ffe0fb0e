#include "controller/auth/password_login.h"

#include <sodium.h>

#include <memory>

namespace hostplane::auth {
namespace {

// How long a client is told to wait when the gate is full: about one queue's worth of hashes.
constexpr std::chrono::seconds kBusyRetryAfter{1};

}  // namespace

PasswordLogin::PasswordLogin(CredentialLookup& accounts, HashingGate& gate, LoginThrottle& throttle)
    : accounts_(accounts), gate_(gate), throttle_(throttle) {}

void PasswordLogin::Attempt(std::string login, std::string password, std::string source,
                            std::function<void(Result<LoginOutcome>)> done) {
  auto decision = throttle_.Check(login, source);
  if (!decision) return done(Fail(decision.error()));
  if (decision->throttled()) {
    LoginOutcome out;
    out.result = LoginResult::kThrottled;
    out.retry_after = decision->retry_after;
    out.throttle_scope = decision->scope;
    return done(out);
  }
  auto found = accounts_.Find(login);
  if (!found) return done(Fail(found.error()));

  // Shared by the job and its abandon path; exactly one of them calls it.
  auto cb = std::make_shared<std::function<void(Result<LoginOutcome>)>>(std::move(done));
  auto account = std::make_shared<std::optional<Credential>>(std::move(*found));
  // The password travels in the job's capture; the gate's own Submit* wipe theirs, here it is
  // wiped when the job ends.
  struct Secret {
    std::string value;
    ~Secret() { sodium_memzero(value.data(), value.size()); }
  };
  auto pw = std::make_shared<Secret>(Secret{std::move(password)});

  auto run = [this, cb, account, pw, login, source] {
    const PasswordHasher& hasher = gate_.hasher();
    Result<PasswordCheck> check = account->has_value()
                                      ? hasher.Verify((*account)->password_hash, pw->value)
                                      : Result<PasswordCheck>(hasher.VerifyDummy(pw->value));
    if (!check) return (*cb)(Fail(check.error()));
    LoginOutcome out;
    if (*check == PasswordCheck::kMismatch) {
      auto recorded = throttle_.RecordFailure(login, source);
      if (!recorded) return (*cb)(Fail(recorded.error()));
      out.result = LoginResult::kRefused;
      out.throttle_scope = recorded->after.scope;
      if (recorded->notify_owner && account->has_value()) {
        out.notify_owner = true;
        out.notify_user_id = (*account)->user_id;
      }
      return (*cb)(out);
    }
    auto cleared = throttle_.RecordSuccess(login, source);
    if (!cleared) return (*cb)(Fail(cleared.error()));
    out.result = LoginResult::kAccepted;
    out.user_id = (*account)->user_id;
    if (*check == PasswordCheck::kMatchNeedsRehash) {
      // The password is right, so the policy check inside Hash can only fail for a password set
      // before the policy existed; then the old hash stays and the login still succeeds.
      auto rehashed = hasher.Hash(pw->value);
      if (rehashed) out.new_hash = std::move(*rehashed);
    }
    (*cb)(out);
  };
  auto abandon = [cb] { (*cb)(Fail(Error::Unavailable("the hashing gate is stopping"))); };
  auto submitted = gate_.Submit(std::move(run), std::move(abandon));
  if (!submitted) {
    if (submitted.error().code != ErrorCode::kUnavailable) return (*cb)(Fail(submitted.error()));
    LoginOutcome out;
    out.result = LoginResult::kBusy;
    out.retry_after = kBusyRetryAfter;
    (*cb)(out);
  }
}

}  // namespace hostplane::auth
