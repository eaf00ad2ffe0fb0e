#pragma once

// One password login, from the name and password typed to an answer the API can send, built so
// that the answer does not tell whether the name exists:
//   1. the throttle is asked first (LoginThrottle: per name+source and per source);
//   2. the account is looked up through CredentialLookup;
//   3. the password is checked on the HashingGate, against the account's hash or, for a name
//      with no account, against the hasher's dummy hash (the same Argon2id work);
//   4. a failure is recorded for the name as typed either way; a success clears the name+source
//      counter and, when the hash's parameters are old, makes the new hash in the same job.
// Unknown name and wrong password give the same kRefused; throttled gives kThrottled with the
// Retry-After, before any hashing; a full gate gives kBusy (503 + Retry-After) at once.
//
// Attempt never blocks its caller on a hash: it returns after the throttle check and the lookup,
// and `done` runs on a gate thread (or on the calling thread, before Attempt returns, for
// kThrottled, kBusy and errors). `done` is called exactly once. Any thread; no state of its own.
// The audit entry, the owner's notice mail and the second factor are the caller's (the outcome
// carries what they need).

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "controller/auth/hashing_gate.h"
#include "controller/auth/login_throttle.h"

namespace hostplane::auth {

struct Credential {
  std::string user_id;
  std::string password_hash;  // Argon2id string
};

// The storage seam: the account a login name (or e-mail address) designates.
class CredentialLookup {
 public:
  virtual ~CredentialLookup() = default;
  // nullopt when no account has this name. Errors: the backend's (kIo, kUnavailable).
  [[nodiscard]] virtual Result<std::optional<Credential>> Find(std::string_view login) = 0;
};

enum class LoginResult {
  kAccepted,
  kRefused,    // wrong password or unknown name: one answer for both (401)
  kThrottled,  // 429 with Retry-After
  kBusy,       // the hashing gate is full: 503 with Retry-After
};

struct LoginOutcome {
  LoginResult result = LoginResult::kRefused;
  std::string user_id;                  // kAccepted only
  std::optional<std::string> new_hash;  // kAccepted with an old hash: store this one
  std::chrono::seconds retry_after{0};  // kThrottled and kBusy
  ThrottleScope throttle_scope = ThrottleScope::kNone;  // kThrottled, and kRefused when it began
  // kRefused: this failure started a throttle of the name and the name has an account: tell its
  // owner (notify_user_id) by mail. Never set for unknown names.
  bool notify_owner = false;
  std::string notify_user_id;
};

class PasswordLogin {
 public:
  // All three must outlive this object.
  PasswordLogin(CredentialLookup& accounts, HashingGate& gate, LoginThrottle& throttle);

  // `source` is the client address (SourcePrefix). `done` gets the outcome, or an error: the
  // throttle's or lookup's (kInvalid for a bad source, kIo/kUnavailable from the store),
  // kInternal for a damaged stored hash, kUnavailable when the gate stopped.
  void Attempt(std::string login, std::string password, std::string source,
               std::function<void(Result<LoginOutcome>)> done);

 private:
  CredentialLookup& accounts_;
  HashingGate& gate_;
  LoginThrottle& throttle_;
};

}  // namespace hostplane::auth
