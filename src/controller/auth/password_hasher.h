#pragma once

// Argon2id password hashes through libsodium (crypto_pwhash_str and friends), in libsodium's
// modular string format ("$argon2id$v=19$m=65536,t=2,p=1$salt$hash"), so the parameters travel
// with each hash and a change of parameters is detected per account (NeedsRehash) and applied at
// the next successful login. Parallelism is libsodium's fixed 1.
//
// The password policy of shared/SECURITY.md is protocol::CheckPassword; Hash applies it, Verify
// does not (a login compares whatever was typed).
//
// Hashing costs tens of milliseconds of CPU and tens of MiB of memory on purpose: never call Hash
// or Verify on a request thread; go through HashingGate. Immutable after Create; every method may
// be called from any thread at once.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace hostplane::auth {

// Argon2id cost. docs/benchmarks.md ("Argon2id") has the times measured at several settings.
struct Argon2Params {
  uint64_t ops_limit = 0;  // passes over memory (t)
  size_t mem_limit = 0;    // bytes (m)

  // The production choice: t=2, m=64 MiB (libsodium's INTERACTIVE): three times the memory of
  // OWASP's Argon2id floor (m=19 MiB, t=2), which is what makes GPU guessing expensive, for a
  // login of about 0.3-0.4 s p50 measured on the shared 2-core CI machine under load (less when
  // it is idle) and 64 MiB per hash in flight (HashingGate bounds how many).
  static Argon2Params Default();
  // libsodium's minimum (t=1, m=8 KiB): for unit tests only, a hash takes microseconds.
  static Argon2Params Cheapest();
};

enum class PasswordCheck {
  kMismatch,
  kMatch,
  kMatchNeedsRehash,  // right password, but the stored hash has other parameters: store Hash()
};

class PasswordHasher {
 public:
  // Errors: kInvalid when params are outside libsodium's limits; kInternal when the dummy hash
  // (see VerifyDummy) cannot be made (out of memory).
  [[nodiscard]] static Result<PasswordHasher> Create(Argon2Params params);

  // Applies protocol::CheckPassword, then hashes with a fresh random salt.
  // Errors: kInvalid with fields {field: "password.too_short" | "password.too_long" |
  // "password.invalid_utf8" | "password.control_character"}; kInternal when out of memory.
  [[nodiscard]] Result<std::string> Hash(std::string_view password,
                                         const std::string& field = "password") const;

  // Compares password with a stored hash (Argon2id, or an older Argon2i one, which always needs a
  // rehash). Errors: kInternal when stored_hash is not an Argon2 string (a damaged row); the same
  // work as a real verification is done first, so even that answer takes the usual time.
  [[nodiscard]] Result<PasswordCheck> Verify(std::string_view stored_hash,
                                             std::string_view password) const;

  // The work of Verify against a hash made at Create with the current parameters, for a login
  // name that matches no account: the answer (always kMismatch) and its time are those of a
  // wrong password, so a login does not reveal which names exist.
  PasswordCheck VerifyDummy(std::string_view password) const;

  // True when stored_hash was made with other parameters than this hasher's (or is not Argon2id).
  bool NeedsRehash(std::string_view stored_hash) const;

  const Argon2Params& params() const { return params_; }

 private:
  PasswordHasher(Argon2Params params, std::string dummy_hash)
      : params_(params), dummy_hash_(std::move(dummy_hash)) {}

  Argon2Params params_;
  std::string dummy_hash_;
};

}  // namespace hostplane::auth
