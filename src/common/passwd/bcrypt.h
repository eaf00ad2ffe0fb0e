#pragma once

// bcrypt password hashes ("$2b$11$<53 characters>") made by libxcrypt, for daemons that check
// bcrypt themselves: nats-server accepts a bcrypt hash in a user's `password` (it takes the
// prefixes $2a$, $2b$, $2x$ and $2y$; libxcrypt writes $2b$). The salt comes from libxcrypt's own
// random source. The password itself is never stored or logged here.

#include <string>
#include <string_view>

#include "common/result.h"

namespace hostplane {

// The cost BcryptHash uses unless told otherwise: 2^11 rounds, what `nats server passwd` uses;
// about 0.1 s per hash (and per login) on a 2-core machine.
inline constexpr int kBcryptDefaultCost = 11;

// Hashes password with bcrypt. Errors: kInvalid (a NUL byte, more than 72 bytes, which bcrypt
// would silently cut, or a cost outside 4-31), kIo (libxcrypt failed).
[[nodiscard]] Result<std::string> BcryptHash(std::string_view password,
                                             int cost = kBcryptDefaultCost);

// True when password matches the bcrypt hash. A malformed hash is false; never throws.
bool BcryptVerify(std::string_view password, const std::string& hash);

// The shape of a bcrypt hash that may go into a configuration: "$2a$", "$2b$" or "$2y$", a
// two-digit cost 04-31, "$", then 53 characters of bcrypt's base64 [./A-Za-z0-9].
bool IsBcryptHash(std::string_view hash);

}  // namespace hostplane
