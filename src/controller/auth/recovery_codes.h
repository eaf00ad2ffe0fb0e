#pragma once

// Second-factor recovery codes: `count` codes of 16 characters of Crockford's base32 (80 bits
// each), shown once as XXXX-XXXX-XXXX-XXXX, stored only as BLAKE2b hashes (80 random bits need
// no slow hash), each accepted once. Typing is forgiving the way Crockford's alphabet intends:
// case, dashes and spaces are ignored, O reads as 0 and I/L as 1.
//
// Regenerating replaces the whole set (the old codes stop working). The caller throttles
// redemption attempts like logins. Any thread, if the store is thread-safe.

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace hostplane::auth {

// The storage seam: a user's set of unused code hashes.
class RecoveryCodeStore {
 public:
  virtual ~RecoveryCodeStore() = default;
  // Replaces the user's set. Errors: the backend's.
  [[nodiscard]] virtual Status Replace(std::string_view user_id,
                                       const std::vector<std::string>& hashes) = 0;
  // Atomically removes `hash` from the user's set; false when it is not there (never issued,
  // or used). Errors: the backend's.
  [[nodiscard]] virtual Result<bool> Consume(std::string_view user_id, std::string_view hash) = 0;
  // How many unused codes the user has left. Errors: the backend's.
  [[nodiscard]] virtual Result<int> Remaining(std::string_view user_id) = 0;
};

// The canonical form of a typed code (16 characters, no dashes), or "" when it cannot be one.
std::string NormaliseRecoveryCode(std::string_view typed);
// BLAKE2b-256 hex of the canonical form; "" for a code that cannot be one.
std::string HashRecoveryCode(std::string_view typed);

class RecoveryCodes {
 public:
  explicit RecoveryCodes(RecoveryCodeStore& store, int count = 10);

  // A new set: stores the hashes, returns the codes to show once. Errors: the store's.
  [[nodiscard]] Result<std::vector<std::string>> Regenerate(std::string_view user_id);
  // Accepts a code once. Errors: kUnauthorized ("recovery_code.invalid") when it is malformed,
  // unknown or used (one answer for all three); the store's.
  [[nodiscard]] Status Redeem(std::string_view user_id, std::string_view typed);
  [[nodiscard]] Result<int> Remaining(std::string_view user_id) {
    return store_.Remaining(user_id);
  }

 private:
  RecoveryCodeStore& store_;
  int count_;
};

}  // namespace hostplane::auth
