#include "controller/secrets/master_key.h"

#include <sodium.h>

#include <algorithm>

#include "common/crypto.h"
#include "common/secret_file.h"

namespace hostplane::controller {
namespace {

Error NotOpened(std::string_view name) {
  return Error::Invalid("the secret '" + std::string(name) +
                        "' does not open with this master key (another key file, or altered)");
}

}  // namespace

Result<MasterKey> MasterKey::Generate() {
  HP_TRY(InitCrypto());
  MasterKey key;
  crypto_secretbox_keygen(key.key_.data());
  return key;
}

Result<MasterKey> MasterKey::FromFileContent(std::string_view content) {
  HP_TRY(InitCrypto());
  const std::string_view prefix = kFilePrefix;
  if (!content.empty() && content.back() == '\n') content.remove_suffix(1);
  const Error invalid = Error::Invalid(
      "a master key file holds \"secretbox-key:\" and the base64 of 32 bytes on one line");
  if (content.substr(0, prefix.size()) != prefix) return Fail(invalid);
  content.remove_prefix(prefix.size());
  auto bytes = Base64Decode(content);
  if (!bytes || bytes->size() != 32 || Base64Encode(*bytes) != content) {
    if (bytes) sodium_memzero(bytes->data(), bytes->size());
    return Fail(invalid);
  }
  MasterKey key;
  std::copy(bytes->begin(), bytes->end(), key.key_.begin());
  sodium_memzero(bytes->data(), bytes->size());
  return key;
}

std::string MasterKey::FileContent() const {
  return kFilePrefix +
         Base64Encode(std::string_view(reinterpret_cast<const char*>(key_.data()), key_.size())) +
         "\n";
}

MasterKey::~MasterKey() { sodium_memzero(key_.data(), key_.size()); }

std::array<unsigned char, 32> MasterKey::Subkey(std::string_view name) const {
  const std::string message = "hostplane secret " + std::string(name);
  std::array<unsigned char, 32> subkey{};
  crypto_generichash(subkey.data(), subkey.size(),
                     reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                     key_.data(), key_.size());
  return subkey;
}

Result<std::string> MasterKey::Seal(std::string_view name, std::string_view plaintext) const {
  if (plaintext.empty()) return Fail(Error::Invalid("an empty secret is not stored"));
  auto subkey = Subkey(name);
  std::string out(crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + plaintext.size(), '\0');
  auto* nonce = reinterpret_cast<unsigned char*>(out.data());
  randombytes_buf(nonce, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(nonce + crypto_secretbox_NONCEBYTES,
                        reinterpret_cast<const unsigned char*>(plaintext.data()), plaintext.size(),
                        nonce, subkey.data());
  sodium_memzero(subkey.data(), subkey.size());
  return kSealedPrefix + Base64Encode(out);
}

Result<std::string> MasterKey::Open(std::string_view name, std::string_view sealed) const {
  const std::string_view prefix = kSealedPrefix;
  if (sealed.substr(0, prefix.size()) != prefix) return Fail(NotOpened(name));
  auto bytes = Base64Decode(sealed.substr(prefix.size()));
  if (!bytes || bytes->size() <= crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES) {
    return Fail(NotOpened(name));
  }
  auto subkey = Subkey(name);
  const auto* nonce = reinterpret_cast<const unsigned char*>(bytes->data());
  const size_t box = bytes->size() - crypto_secretbox_NONCEBYTES;
  std::string plain(box - crypto_secretbox_MACBYTES, '\0');
  const int rc =
      crypto_secretbox_open_easy(reinterpret_cast<unsigned char*>(plain.data()),
                                 nonce + crypto_secretbox_NONCEBYTES, box, nonce, subkey.data());
  sodium_memzero(subkey.data(), subkey.size());
  if (rc != 0) return Fail(NotOpened(name));
  return plain;
}

Result<MasterKey> LoadOrCreateMasterKey(const std::string& path) {
  HP_TRY(InitCrypto());  // so Generate cannot fail inside the generator
  auto content = LoadOrCreatePrivateFile(path, [] { return MasterKey::Generate()->FileContent(); });
  if (!content) return Fail(content.error().Wrap("the master key " + path));
  auto key = MasterKey::FromFileContent(*content);
  sodium_memzero(content->data(), content->size());
  if (!key) return Fail(key.error().Wrap("the master key " + path));
  return key;
}

}  // namespace hostplane::controller
