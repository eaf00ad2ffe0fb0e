#include "controller/auth/password_hasher.h"

#include <sodium.h>

#include <cstring>

#include "common/crypto.h"
#include "protocol/validate.h"

namespace hostplane::auth {
namespace {

// crypto_pwhash_str_* read a NUL-terminated string of at most crypto_pwhash_STRBYTES bytes.
struct HashBuffer {
  char text[crypto_pwhash_STRBYTES] = {};
  bool ok = false;
  explicit HashBuffer(std::string_view stored) {
    if (stored.size() >= sizeof text || stored.find('\0') != std::string_view::npos) return;
    std::memcpy(text, stored.data(), stored.size());
    ok = true;
  }
};

}  // namespace

Argon2Params Argon2Params::Default() {
  return {crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE};
}

Argon2Params Argon2Params::Cheapest() {
  return {crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN};
}

Result<PasswordHasher> PasswordHasher::Create(Argon2Params params) {
  HP_TRY(InitCrypto());
  if (params.ops_limit < crypto_pwhash_OPSLIMIT_MIN ||
      params.ops_limit > crypto_pwhash_OPSLIMIT_MAX ||
      params.mem_limit < crypto_pwhash_MEMLIMIT_MIN ||
      params.mem_limit > crypto_pwhash_MEMLIMIT_MAX) {
    return Fail(Error::Invalid("Argon2id parameters outside libsodium's limits (t >= " +
                               std::to_string(crypto_pwhash_OPSLIMIT_MIN) +
                               ", m >= " + std::to_string(crypto_pwhash_MEMLIMIT_MIN) + " bytes)"));
  }
  // The dummy hash's password is random and thrown away: nothing typed can match it.
  std::string throwaway = RandomBase64Url(32);
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, throwaway.data(), throwaway.size(), params.ops_limit,
                        params.mem_limit) != 0) {
    return Fail(Error::Internal("out of memory while making the dummy password hash"));
  }
  sodium_memzero(throwaway.data(), throwaway.size());
  return PasswordHasher(params, std::string(out));
}

Result<std::string> PasswordHasher::Hash(std::string_view password,
                                         const std::string& field) const {
  auto checked = protocol::CheckPassword(password);
  if (!checked) {
    return Fail(Error::InvalidField(field, checked.error().code, checked.error().message));
  }
  sodium_memzero(checked->data(), checked->size());
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), params_.ops_limit,
                        params_.mem_limit) != 0) {
    return Fail(Error::Internal("out of memory while hashing a password"));
  }
  return std::string(out);
}

Result<PasswordCheck> PasswordHasher::Verify(std::string_view stored_hash,
                                             std::string_view password) const {
  HashBuffer stored(stored_hash);
  if (!stored.ok ||
      crypto_pwhash_str_needs_rehash(stored.text, params_.ops_limit, params_.mem_limit) < 0) {
    (void)VerifyDummy(password);
    return Fail(Error::Internal("the stored password hash is not an Argon2 string"));
  }
  if (crypto_pwhash_str_verify(stored.text, password.data(), password.size()) != 0) {
    return PasswordCheck::kMismatch;
  }
  return NeedsRehash(stored_hash) ? PasswordCheck::kMatchNeedsRehash : PasswordCheck::kMatch;
}

PasswordCheck PasswordHasher::VerifyDummy(std::string_view password) const {
  // Nothing typed matches the dummy hash; the result is the work, not the answer.
  int ignored = crypto_pwhash_str_verify(dummy_hash_.c_str(), password.data(), password.size());
  (void)ignored;
  return PasswordCheck::kMismatch;
}

bool PasswordHasher::NeedsRehash(std::string_view stored_hash) const {
  HashBuffer stored(stored_hash);
  if (!stored.ok) return true;
  return crypto_pwhash_str_needs_rehash(stored.text, params_.ops_limit, params_.mem_limit) != 0;
}

}  // namespace hostplane::auth
