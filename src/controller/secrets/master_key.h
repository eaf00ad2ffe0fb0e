#pragma once

// The controller's master key: the one key the secrets in the store (secret_vault.h) are
// encrypted with, so a copy of store.db alone reveals none of them. 32 random bytes in a file of
// its own, "secretbox-key:<base64>\n", created with mode 0600 at the controller's first start
// (<data_dir>/secrets.key unless configured; common/secret_file.h: whole or not at all, never
// replaced) and kept apart from backups of the store. Losing it loses every secret: DKIM keys are
// then rotated (new keys, new selectors), nothing else depends on them.
//
// Each value is sealed with libsodium's crypto_secretbox (XSalsa20-Poly1305, a random nonce per
// value) under a subkey derived from the master key and the value's name (BLAKE2b keyed with the
// master key), so a value copied to another name does not open. Text form of a sealed value:
// "sb1:<base64 of nonce and box>".
//
// Immutable once made; safe to share between threads. Never log it or what it opens.

#include <array>
#include <string>
#include <string_view>

#include "common/result.h"

namespace hostplane::controller {

class MasterKey {
 public:
  static constexpr const char* kFilePrefix = "secretbox-key:";
  static constexpr const char* kSealedPrefix = "sb1:";

  // A new random key. Errors: kInternal when libsodium cannot initialise.
  [[nodiscard]] static Result<MasterKey> Generate();
  // The key file's content. Errors: kInvalid (the message never echoes the content).
  [[nodiscard]] static Result<MasterKey> FromFileContent(std::string_view content);
  std::string FileContent() const;

  MasterKey(const MasterKey&) = default;
  MasterKey& operator=(const MasterKey&) = default;
  ~MasterKey();  // wipes the key

  // plaintext sealed for the value called name. Errors: kInvalid when plaintext is empty.
  [[nodiscard]] Result<std::string> Seal(std::string_view name, std::string_view plaintext) const;
  // The plaintext of a value Seal made for name under this key. Errors: kInvalid when it does
  // not open (another master key, another name, altered, not a sealed value: one message for
  // all, without the value).
  [[nodiscard]] Result<std::string> Open(std::string_view name, std::string_view sealed) const;

 private:
  MasterKey() = default;
  std::array<unsigned char, 32> Subkey(std::string_view name) const;
  std::array<unsigned char, 32> key_{};
};

// The key in the file at `path` (an absolute host path), created 0600 the first time. Errors:
// kIo; kInvalid when the file is not a master key file or is accessible by group or others.
[[nodiscard]] Result<MasterKey> LoadOrCreateMasterKey(const std::string& path);

}  // namespace hostplane::controller
