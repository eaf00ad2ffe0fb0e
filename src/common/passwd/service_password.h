#pragma once

// Password hashes for the hosting services (Dovecot's passwd-file, pure-ftpd's puredb): crypt(3)
// strings from libxcrypt, the scheme both daemons verify through the system's crypt(). The panel's
// own logins use Argon2id (common/crypto.h); service passwords must be checkable by the daemons.
//
// The hash is yescrypt ("$y$...", Debian's default for /etc/shadow since bookworm), with a fresh
// salt from libxcrypt's own random source. The password itself is never stored or logged.

#include <string>
#include <string_view>

#include "common/result.h"

namespace hostplane {

// Hashes password for a service. Errors: kInvalid (a NUL byte: crypt(3) would cut it there),
// kIo (libxcrypt failed).
[[nodiscard]] Result<std::string> HashServicePassword(std::string_view password);

// True when password matches hash (any scheme libxcrypt knows). Never throws; a malformed hash
// is false.
bool VerifyServicePassword(std::string_view password, const std::string& hash);

// The grammar every stored service hash must match before it reaches a daemon's file:
// "$y$" or "$6$" followed by 20-200 characters of [./0-9A-Za-z$] (no ':', newline or space,
// which would break a passwd-file line).
bool IsServicePasswordHash(std::string_view hash);

}  // namespace hostplane
