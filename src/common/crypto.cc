#include "common/crypto.h"

#include <sodium.h>

#include <vector>

namespace hostplane {

Status InitCrypto() {
  if (sodium_init() < 0) return Fail(Error::Internal("libsodium failed to initialise"));
  return Ok();
}

Result<std::string> HashPassword(const std::string& password) {
  HP_TRY(InitCrypto());
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return Fail(Error::Internal("out of memory while hashing a password"));
  }
  return std::string(out);
}

bool VerifyPassword(const std::string& hash, const std::string& password) {
  if (!InitCrypto()) return false;
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

std::string RandomBase64Url(size_t n) {
  (void)InitCrypto();
  std::vector<unsigned char> raw(n);
  randombytes_buf(raw.data(), raw.size());
  std::vector<char> b64(sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING));
  sodium_bin2base64(b64.data(), b64.size(), raw.data(), raw.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return std::string(b64.data());
}

std::string NewApiToken() { return "hp_" + RandomBase64Url(32); }

std::string HashApiToken(const std::string& token) {
  (void)InitCrypto();
  unsigned char digest[32];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(token.data()),
                     token.size(), nullptr, 0);
  char hex[65];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

std::string Blake2bHex(const std::string& data) { return HashApiToken(data); }

std::string RandomHex(size_t n) {
  (void)InitCrypto();
  std::vector<unsigned char> raw(n);
  randombytes_buf(raw.data(), n);
  std::vector<char> hex(2 * n + 1);
  sodium_bin2hex(hex.data(), hex.size(), raw.data(), n);
  return hex.data();
}

std::string KeyFingerprint(const std::string& key_text) {
  return Blake2bHex(key_text).substr(0, 32);
}

}  // namespace hostplane
