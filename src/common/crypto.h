#pragma once

// Secrets, with libsodium (never hand-rolled). Passwords: Argon2id in libsodium's modular string
// format. API tokens: 32 random bytes shown once as "hp_<base64url>", stored as a BLAKE2b-256 hash
// (a fast hash is right for high-entropy tokens; Argon2 is for human passwords).

#include <sodium.h>

#include <string>
#include <string_view>

#include "common/result.h"

namespace hostplane {

// Initialises libsodium; safe to call many times. Errors: kInternal.
[[nodiscard]] Status InitCrypto();

// Argon2id (interactive limits). Errors: kInternal when out of memory.
[[nodiscard]] Result<std::string> HashPassword(const std::string& password);
bool VerifyPassword(const std::string& hash, const std::string& password);

// n random bytes as unpadded base64url (secrets handed out once: tokens, passwords).
std::string RandomBase64Url(size_t n);

// A new API token: "hp_" + 43 characters of base64url.
std::string NewApiToken();
// Hex BLAKE2b-256 of a token, the form stored.
std::string HashApiToken(const std::string& token);

// Hex BLAKE2b-256 of arbitrary data (content hashes of managed files, for drift detection).
std::string Blake2bHex(const std::string& data);

// 32 hex characters (128 bits) of BLAKE2b over a public key's text ("ed25519:<base64>"): what a
// join token carries so the joining agent can check the key the controller hands it.
std::string KeyFingerprint(const std::string& key_text);

// n random bytes as lowercase hex.
std::string RandomHex(size_t n);

// Standard base64 with padding, for bytes carried in JSON messages (archive chunks).
std::string Base64Encode(std::string_view bytes);
// Errors: kInvalid when text is not standard padded base64.
[[nodiscard]] Result<std::string> Base64Decode(std::string_view text);

// Hex BLAKE2b-256 of data given in pieces (an archive streamed in chunks); the same digest as
// Blake2bHex over the pieces joined.
class Blake2bHasher {
 public:
  Blake2bHasher();
  void Update(std::string_view piece);
  std::string HexDigest();  // ends the hashing: call once

 private:
  crypto_generichash_state state_;
};

}  // namespace hostplane
