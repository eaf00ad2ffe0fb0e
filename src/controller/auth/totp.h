#pragma once

// Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP) with liboath: code generation
// (HMAC-SHA1/256/512 and dynamic truncation are liboath's), its base32 codec for the secret, and
// the otpauth:// enrolment URI authenticator apps read (label and parameters escaped by libcurl).
// Checking is ours: the current step +- `window` steps, each candidate compared in constant time
// (liboath's own validators use strcmp), and replay refusal through TotpReplayGuard: a step that
// was accepted once for a user, or any earlier step, is refused after.
//
// Why liboath rather than libcrypto's HMAC: it is the packaged implementation of exactly these
// RFCs (and its base32), so nothing of the algorithm is written here.
//
// A six-digit code can be guessed in a million tries: the caller throttles TOTP attempts like
// passwords (LoginThrottle with the user id as name). Pure functions; TotpVerifier is thread-safe
// if its guard is.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/result.h"

namespace hostplane::auth {

enum class TotpAlgorithm { kSha1, kSha256, kSha512 };

struct TotpParams {
  TotpAlgorithm algorithm = TotpAlgorithm::kSha1;  // what every authenticator app supports
  int digits = 6;                                  // 6, 7 or 8
  int period_seconds = 30;
  int window = 1;  // steps accepted on either side of the current one (clock drift)
};

// A new secret: 20 random bytes (160 bits, RFC 4226 section 4's recommendation).
std::string NewTotpSecret();

// The step that holds unix_seconds (floor(t / period)).
int64_t TotpStep(int64_t unix_seconds, const TotpParams& params);

// The code for the step holding unix_seconds. Errors: kInvalid when digits is not 6-8, the
// period is not positive or the secret is empty; kInternal for liboath's other failures.
[[nodiscard]] Result<std::string> TotpCode(std::string_view secret, int64_t unix_seconds,
                                           const TotpParams& params);

// The step whose code equals `code` among the current step +- window, compared in constant time.
// Errors: kInvalid (field "code", "totp.format") when code is not `digits` decimal digits (spaces
// are dropped first); kUnauthorized ("totp.mismatch") when no step matches; TotpCode's errors.
[[nodiscard]] Result<int64_t> MatchTotp(std::string_view secret, std::string_view code,
                                        int64_t unix_seconds, const TotpParams& params);

// RFC 4648 base32 without padding, uppercase (the form in otpauth URIs).
std::string TotpSecretBase32(std::string_view secret);
// Reads base32 typed by a person: case-insensitive, spaces and '=' ignored.
// Errors: kInvalid ("totp.secret_base32") when it is not base32.
[[nodiscard]] Result<std::string> TotpSecretFromBase32(std::string_view text);

// otpauth://totp/<issuer>:<account>?secret=...&issuer=...&algorithm=...&digits=...&period=...
// Errors: kInvalid when issuer or account is empty or holds a control character.
[[nodiscard]] Result<std::string> OtpauthUri(std::string_view issuer, std::string_view account,
                                             std::string_view secret, const TotpParams& params);

// The storage seam for replay refusal: the last step accepted per user.
class TotpReplayGuard {
 public:
  virtual ~TotpReplayGuard() = default;
  // Atomically: when `step` is greater than the user's last accepted step (or the user has none),
  // stores it and returns true; otherwise returns false and changes nothing. (The store: UPDATE
  // ... SET last_step = ? WHERE user = ? AND last_step < ?, then the changed-row count.)
  // Errors: the backend's.
  [[nodiscard]] virtual Result<bool> Claim(std::string_view user_key, int64_t step) = 0;
};

// Checks a code typed by a user against their secret at the clock's time, once.
class TotpVerifier {
 public:
  TotpVerifier(TotpReplayGuard& guard, const Clock& clock, TotpParams params = {});
  // Errors: MatchTotp's ("totp.format", "totp.mismatch"); kUnauthorized ("totp.replayed") when
  // the matching step, or a later one, was already accepted for user_key; the guard's errors.
  [[nodiscard]] Status Verify(std::string_view user_key, std::string_view secret,
                              std::string_view code);
  const TotpParams& params() const { return params_; }

 private:
  TotpReplayGuard& guard_;
  const Clock& clock_;
  TotpParams params_;
};

}  // namespace hostplane::auth
