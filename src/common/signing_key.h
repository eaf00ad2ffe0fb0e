#pragma once

// Ed25519 keys (libsodium crypto_sign_*) for the signatures the controller puts on task bundles
// (shared/SECURITY.md rule 9): the controller holds a SigningKey, each agent pins the matching
// PublicKey and applies only what it verifies, so a relay on the bus cannot inject work.
//
// Text forms: a public key is "ed25519:<base64 of 32 bytes>" (standard alphabet, padded) and a
// signature is the base64 of its 64 bytes. Both parsers accept exactly the canonical encoding.
// The secret half has no printable form except the content of its key file (SecretFileContent),
// which LoadOrCreateSigningKey alone writes and reads: never log it, never put it in argv.
//
// Both types are immutable values, safe to share between threads.

#include <array>
#include <string>
#include <string_view>

#include "common/result.h"

namespace hostplane {

class PublicKey {
 public:
  static constexpr const char* kPrefix = "ed25519:";

  // Parses "ed25519:<base64>". Errors: kInvalid (wrong prefix, not canonical base64, not 32
  // bytes); the message never echoes the input.
  [[nodiscard]] static Result<PublicKey> Parse(std::string_view text);

  std::string ToString() const;  // "ed25519:<base64>"

  // True only when `signature` (the base64 text Sign returns) is this key's signature of
  // `message`. A malformed signature is simply false.
  bool Verify(std::string_view message, std::string_view signature) const;

  bool operator==(const PublicKey&) const = default;

 private:
  friend class SigningKey;
  PublicKey() = default;
  std::array<unsigned char, 32> bytes_{};
};

class SigningKey {
 public:
  // A new random key. Errors: kInternal when libsodium cannot initialise.
  [[nodiscard]] static Result<SigningKey> Generate();

  // The key file's format, one line: "ed25519-secret:<base64 of the 32-byte seed>\n".
  // Errors: kInvalid (the message never echoes the content).
  [[nodiscard]] static Result<SigningKey> FromSecretFileContent(std::string_view content);
  std::string SecretFileContent() const;

  SigningKey(const SigningKey&) = default;
  SigningKey& operator=(const SigningKey&) = default;
  ~SigningKey();  // wipes the secret

  const PublicKey& public_key() const { return public_; }

  // The detached signature of message, as base64 text (88 characters).
  std::string Sign(std::string_view message) const;

 private:
  SigningKey() = default;
  std::array<unsigned char, 64> secret_{};  // libsodium's form: seed followed by the public key
  PublicKey public_;
};

// The controller's key in the file at `path` (an absolute host path; `<data-dir>/controller.key`).
// When the file does not exist, generates a key and creates the file with mode 0600: written to
// a temporary file (O_EXCL, fsync) that is then hard-linked into place, so the key file appears
// whole or not at all and an existing one is never replaced (two racing starts end up with the
// same key). Errors: kIo (reading, creating, a directory that does not exist); kInvalid when the
// file is not a key file or is readable or writable by group or others (it must be 0600 or
// stricter: chmod 600 it).
[[nodiscard]] Result<SigningKey> LoadOrCreateSigningKey(const std::string& path);

}  // namespace hostplane
