#pragma once

// Secrets that travel to one node (shared brief "secrets that travel to nodes"): a DKIM private
// key, a customer's TLS key, an account's submission password. The controller seals each one to
// the node's X25519 public key with libsodium's crypto_box_seal (an anonymous sender: an
// ephemeral key per message); only the node's secret key opens it, so neither a relay, nor the
// bus, nor a copy of the store can read it. The sealed blob sits inside the signed task spec, so
// it is also authenticated as coming from the controller.
//
// Text forms: a public key is "x25519:<base64 of 32 bytes>" (standard alphabet, padded; one
// spelling), a sealed secret is "sealed:<base64>" (crypto_box_SEALBYTES + the plaintext). The
// secret half is only ever in the node's key file, "x25519-secret:<base64 of 32 bytes>\n" (0600,
// <state_dir>/node-box.key, created at the agent's first start and never replaced), read and
// written by LoadOrCreateBoxKey alone. Never log it, never put it or an opened secret in argv.
//
// Both types are immutable values, safe to share between threads.

#include <array>
#include <string>
#include <string_view>

#include "common/result.h"

namespace hostplane {

inline constexpr const char* kSealedPrefix = "sealed:";
// The largest secret one sealed value carries (a 4096-bit RSA key in PEM is about 3.3 KiB).
inline constexpr size_t kMaxSealedPlaintext = 16384;

class BoxPublicKey {
 public:
  static constexpr const char* kPrefix = "x25519:";

  // Parses "x25519:<base64>". Errors: kInvalid (wrong prefix, not the canonical base64 of 32
  // bytes); the message never echoes the input.
  [[nodiscard]] static Result<BoxPublicKey> Parse(std::string_view text);
  std::string ToString() const;

  // "sealed:<base64>" that only the matching BoxKey opens. Errors: kInvalid when plaintext is
  // empty or longer than kMaxSealedPlaintext; kInternal when libsodium cannot initialise.
  [[nodiscard]] Result<std::string> Seal(std::string_view plaintext) const;

  bool operator==(const BoxPublicKey&) const = default;

 private:
  friend class BoxKey;
  BoxPublicKey() = default;
  std::array<unsigned char, 32> bytes_{};
};

// Whether text has the shape of a sealed value ("sealed:" and canonical base64 of more than
// crypto_box_SEALBYTES and at most that plus kMaxSealedPlaintext bytes). Only the node can tell
// whether it opens; the protocol decoders check the shape.
bool IsSealedText(std::string_view text);

class BoxKey {
 public:
  // A new random key pair. Errors: kInternal when libsodium cannot initialise.
  [[nodiscard]] static Result<BoxKey> Generate();
  // The key file's one line. Errors: kInvalid (the message never echoes the content).
  [[nodiscard]] static Result<BoxKey> FromSecretFileContent(std::string_view content);
  std::string SecretFileContent() const;

  BoxKey(const BoxKey&) = default;
  BoxKey& operator=(const BoxKey&) = default;
  ~BoxKey();  // wipes the secret

  const BoxPublicKey& public_key() const { return public_; }

  // The plaintext of a "sealed:<base64>" value sealed to this key. Errors: kInvalid when the text
  // is not a sealed value, or was sealed to another key or altered (one message for both: the
  // caller cannot tell them apart and must not try). The plaintext is a secret: wipe it when done.
  [[nodiscard]] Result<std::string> Open(std::string_view sealed) const;

 private:
  BoxKey() = default;
  std::array<unsigned char, 32> secret_{};
  BoxPublicKey public_;
};

// The node's key in the file at `path` (absolute host path), created with mode 0600 the first
// time (whole or not at all, never replaced: common/secret_file.h). Errors: kIo; kInvalid when
// the file is not a box key file or is accessible by group or others.
[[nodiscard]] Result<BoxKey> LoadOrCreateBoxKey(const std::string& path);

}  // namespace hostplane
