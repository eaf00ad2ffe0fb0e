#pragma once

// A domain's DKIM private key as it reaches the mail node: sealed to the node
// (common/sealed_box.h), opened with the node's box key, and checked to be what OpenDKIM signs
// with (rsa-sha256: an RSA key of 1024 to 4096 bits in PEM). The opened key is a secret: it is
// only ever written into a 0600 file owned by OpenDKIM's user, never logged, never quoted in an
// error. Free function; any thread.

#include <string>

#include "common/result.h"
#include "common/sealed_box.h"

namespace hostplane::agent {

// The PEM private key in `sealed`. Errors: kInvalid when it does not open with `key` (sealed to
// another node, or altered), or is not an RSA private key of 1024-4096 bits.
[[nodiscard]] Result<std::string> OpenDkimKey(const BoxKey& key, const std::string& sealed);

}  // namespace hostplane::agent
