#pragma once

// Opaque secrets handed to a person or a program once: session ids, API tokens, one-time links
// (password reset, e-mail confirmation, order links). Each is 32 random bytes from libsodium
// (256 bits) as unpadded base64url behind a prefix naming its kind ("hps_" session, "hp_" API
// token — the admin tokens of crypto.h have this form —, "hpr_" reset, "hpe_" e-mail
// confirmation, "hpo_" order link), so a leaked one is recognisable by secret scanners and a
// token of one kind is never accepted as another. Only HashSecret(token), a BLAKE2b-256 hex
// digest, is stored: with 256 bits of entropy a fast hash is enough (Argon2 is for passwords a
// person chooses), and a stored row lets nobody sign in. Stores look rows up by that hash; any
// comparison of secrets done in memory uses ConstantTimeEquals. Pure functions; any thread.

#include <string>
#include <string_view>

#include "common/result.h"

namespace hostplane::auth {

enum class SecretKind {
  kSession,
  kApiToken,
  kPasswordReset,
  kEmailConfirmation,
  kOrderLink,
};

struct IssuedSecret {
  std::string token;  // give it to the holder once; never store or log it
  std::string hash;   // HashSecret(token): the only form stored
};

IssuedSecret IssueSecret(SecretKind kind);

// Hex BLAKE2b-256 (the same digest crypto.h's HashApiToken stores for admin tokens).
std::string HashSecret(std::string_view token);

// Checks that token has the shape of a secret of `kind` (prefix, length, alphabet) before any
// lookup. Errors: kUnauthorized ("token.malformed") otherwise; the message never quotes it.
[[nodiscard]] Status CheckSecretShape(std::string_view token, SecretKind kind);

// Equal length and bytes, in time that depends only on the lengths (sodium_memcmp).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace hostplane::auth
