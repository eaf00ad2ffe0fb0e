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

std::string Base64Encode(std::string_view bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

Result<std::string> Base64Decode(std::string_view text) {
  std::string out(text.size() / 4 * 3 + 3, '\0');
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &len, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size()) {
    return Fail(Error::Invalid("not base64"));
  }
  out.resize(len);
  return out;
}

Blake2bHasher::Blake2bHasher() {
  (void)InitCrypto();
  crypto_generichash_init(&state_, nullptr, 0, 32);
}

void Blake2bHasher::Update(std::string_view piece) {
  crypto_generichash_update(&state_, reinterpret_cast<const unsigned char*>(piece.data()),
                            piece.size());
}

std::string Blake2bHasher::HexDigest() {
  unsigned char digest[32];
  crypto_generichash_final(&state_, digest, sizeof digest);
  char hex[65];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return hex;
}

std::string KeyFingerprint(const std::string& key_text) {
  return Blake2bHex(key_text).substr(0, 32);
}

}  // namespace hostplane
