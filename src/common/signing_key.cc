#include "common/signing_key.h"

#include <sodium.h>

#include <utility>

#include "common/crypto.h"
#include "common/secret_file.h"

namespace hostplane {
namespace {

constexpr int kBase64 = sodium_base64_VARIANT_ORIGINAL;
constexpr std::string_view kSecretPrefix = "ed25519-secret:";

std::string ToBase64(const unsigned char* data, size_t n) {
  std::string out(sodium_base64_ENCODED_LEN(n, kBase64), '\0');
  sodium_bin2base64(out.data(), out.size(), data, n, kBase64);
  out.resize(out.size() - 1);  // ENCODED_LEN counts the terminating NUL
  return out;
}

// Decodes exactly n bytes from their canonical base64 text (padded, no spaces, zero trailing
// bits), so one key or signature has one spelling.
bool FromBase64(std::string_view text, unsigned char* out, size_t n) {
  if (text.size() != sodium_base64_ENCODED_LEN(n, kBase64) - 1) return false;
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(out, n, text.data(), text.size(), nullptr, &len, &end, kBase64) != 0) {
    return false;
  }
  if (end != text.data() + text.size() || len != n) return false;
  return ToBase64(out, n) == text;
}

}  // namespace

Result<PublicKey> PublicKey::Parse(std::string_view text) {
  HP_TRY(InitCrypto());
  const std::string_view prefix = kPrefix;
  if (text.substr(0, prefix.size()) != prefix) {
    return Fail(Error::Invalid("a public key must start with \"ed25519:\""));
  }
  PublicKey key;
  if (!FromBase64(text.substr(prefix.size()), key.bytes_.data(), key.bytes_.size())) {
    return Fail(Error::Invalid(
        "a public key must be \"ed25519:\" followed by the base64 of 32 bytes (44 characters)"));
  }
  return key;
}

std::string PublicKey::ToString() const { return kPrefix + ToBase64(bytes_.data(), bytes_.size()); }

bool PublicKey::Verify(std::string_view message, std::string_view signature) const {
  if (!InitCrypto()) return false;
  unsigned char sig[crypto_sign_BYTES];
  if (!FromBase64(signature, sig, sizeof sig)) return false;
  return crypto_sign_verify_detached(sig, reinterpret_cast<const unsigned char*>(message.data()),
                                     message.size(), bytes_.data()) == 0;
}

Result<SigningKey> SigningKey::Generate() {
  HP_TRY(InitCrypto());
  SigningKey key;
  crypto_sign_keypair(key.public_.bytes_.data(), key.secret_.data());
  return key;
}

Result<SigningKey> SigningKey::FromSecretFileContent(std::string_view content) {
  HP_TRY(InitCrypto());
  if (!content.empty() && content.back() == '\n') content.remove_suffix(1);
  unsigned char seed[crypto_sign_SEEDBYTES];
  if (content.substr(0, kSecretPrefix.size()) != kSecretPrefix ||
      !FromBase64(content.substr(kSecretPrefix.size()), seed, sizeof seed)) {
    sodium_memzero(seed, sizeof seed);
    return Fail(Error::Invalid(
        "not a hostplane key file (one line: \"ed25519-secret:\" and the base64 of 32 bytes)"));
  }
  SigningKey key;
  crypto_sign_seed_keypair(key.public_.bytes_.data(), key.secret_.data(), seed);
  sodium_memzero(seed, sizeof seed);
  return key;
}

std::string SigningKey::SecretFileContent() const {
  unsigned char seed[crypto_sign_SEEDBYTES];
  crypto_sign_ed25519_sk_to_seed(seed, secret_.data());
  std::string out = std::string(kSecretPrefix) + ToBase64(seed, sizeof seed) + "\n";
  sodium_memzero(seed, sizeof seed);
  return out;
}

SigningKey::~SigningKey() { sodium_memzero(secret_.data(), secret_.size()); }

std::string SigningKey::Sign(std::string_view message) const {
  unsigned char sig[crypto_sign_BYTES];
  crypto_sign_detached(sig, nullptr, reinterpret_cast<const unsigned char*>(message.data()),
                       message.size(), secret_.data());
  return ToBase64(sig, sizeof sig);
}

Result<SigningKey> LoadOrCreateSigningKey(const std::string& path) {
  HP_TRY(InitCrypto());
  HP_ASSIGN_OR_RETURN(auto content, LoadOrCreatePrivateFile(path, [] {
                        auto fresh = SigningKey::Generate();
                        return fresh ? fresh->SecretFileContent() : std::string();
                      }));
  auto key = SigningKey::FromSecretFileContent(content);
  sodium_memzero(content.data(), content.size());
  if (!key) return Fail(key.error().Wrap(path));
  return key;
}

}  // namespace hostplane
