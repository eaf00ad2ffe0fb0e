#include "common/sealed_box.h"

#include <sodium.h>

#include <algorithm>
#include <optional>
#include <vector>

#include "common/crypto.h"
#include "common/secret_file.h"

namespace hostplane {
namespace {

constexpr std::string_view kSecretPrefix = "x25519-secret:";

// The canonical padded base64 of exactly 32 bytes into out.
bool Decode32(std::string_view text, std::array<unsigned char, 32>& out) {
  if (text.size() != 44) return false;
  auto bytes = Base64Decode(text);
  if (!bytes || bytes->size() != out.size() || Base64Encode(*bytes) != text) return false;
  std::copy(bytes->begin(), bytes->end(), out.begin());
  sodium_memzero(bytes->data(), bytes->size());
  return true;
}

std::string Encode32(const std::array<unsigned char, 32>& bytes) {
  return Base64Encode(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

// The sealed bytes of "sealed:<base64>", or nullopt when the text does not have that shape.
std::optional<std::string> SealedBytes(std::string_view text) {
  const std::string_view prefix = kSealedPrefix;
  if (text.substr(0, prefix.size()) != prefix) return std::nullopt;
  text.remove_prefix(prefix.size());
  if (text.size() > (crypto_box_SEALBYTES + kMaxSealedPlaintext) / 3 * 4 + 4) return std::nullopt;
  auto bytes = Base64Decode(text);
  if (!bytes || bytes->size() <= crypto_box_SEALBYTES ||
      bytes->size() > crypto_box_SEALBYTES + kMaxSealedPlaintext || Base64Encode(*bytes) != text) {
    return std::nullopt;
  }
  return std::move(*bytes);
}

}  // namespace

Result<BoxPublicKey> BoxPublicKey::Parse(std::string_view text) {
  HP_TRY(InitCrypto());
  const std::string_view prefix = kPrefix;
  BoxPublicKey key;
  if (text.substr(0, prefix.size()) != prefix ||
      !Decode32(text.substr(prefix.size()), key.bytes_)) {
    return Fail(Error::Invalid(
        "a node box key must be \"x25519:\" followed by the base64 of 32 bytes (44 characters)"));
  }
  return key;
}

std::string BoxPublicKey::ToString() const { return kPrefix + Encode32(bytes_); }

Result<std::string> BoxPublicKey::Seal(std::string_view plaintext) const {
  HP_TRY(InitCrypto());
  if (plaintext.empty() || plaintext.size() > kMaxSealedPlaintext) {
    return Fail(Error::Invalid("a sealed secret holds 1 to " + std::to_string(kMaxSealedPlaintext) +
                               " bytes"));
  }
  std::vector<unsigned char> out(crypto_box_SEALBYTES + plaintext.size());
  if (crypto_box_seal(out.data(), reinterpret_cast<const unsigned char*>(plaintext.data()),
                      plaintext.size(), bytes_.data()) != 0) {
    return Fail(Error::Internal("crypto_box_seal failed"));
  }
  return kSealedPrefix +
         Base64Encode(std::string_view(reinterpret_cast<const char*>(out.data()), out.size()));
}

bool IsSealedText(std::string_view text) { return SealedBytes(text).has_value(); }

Result<BoxKey> BoxKey::Generate() {
  HP_TRY(InitCrypto());
  BoxKey key;
  crypto_box_keypair(key.public_.bytes_.data(), key.secret_.data());
  return key;
}

Result<BoxKey> BoxKey::FromSecretFileContent(std::string_view content) {
  HP_TRY(InitCrypto());
  if (!content.empty() && content.back() == '\n') content.remove_suffix(1);
  BoxKey key;
  if (content.substr(0, kSecretPrefix.size()) != kSecretPrefix ||
      !Decode32(content.substr(kSecretPrefix.size()), key.secret_)) {
    return Fail(Error::Invalid(
        "not a node box key file (one line: \"x25519-secret:\" and the base64 of 32 bytes)"));
  }
  crypto_scalarmult_base(key.public_.bytes_.data(), key.secret_.data());
  return key;
}

std::string BoxKey::SecretFileContent() const {
  return std::string(kSecretPrefix) + Encode32(secret_) + "\n";
}

BoxKey::~BoxKey() { sodium_memzero(secret_.data(), secret_.size()); }

Result<std::string> BoxKey::Open(std::string_view sealed) const {
  HP_TRY(InitCrypto());
  auto bytes = SealedBytes(sealed);
  const auto refused = Error::Invalid(
      "the sealed secret does not open with this node's key (sealed to another node, or "
      "altered)");
  if (!bytes) return Fail(refused);
  std::string out(bytes->size() - crypto_box_SEALBYTES, '\0');
  if (crypto_box_seal_open(reinterpret_cast<unsigned char*>(out.data()),
                           reinterpret_cast<const unsigned char*>(bytes->data()), bytes->size(),
                           public_.bytes_.data(), secret_.data()) != 0) {
    return Fail(refused);
  }
  return out;
}

Result<BoxKey> LoadOrCreateBoxKey(const std::string& path) {
  HP_TRY(InitCrypto());
  auto content = LoadOrCreatePrivateFile(path, [] {
    auto fresh = BoxKey::Generate();
    return fresh ? fresh->SecretFileContent() : std::string();
  });
  if (!content) return Fail(content.error());
  auto key = BoxKey::FromSecretFileContent(*content);
  sodium_memzero(content->data(), content->size());
  if (!key) return Fail(key.error().Wrap(path));
  return key;
}

}  // namespace hostplane
