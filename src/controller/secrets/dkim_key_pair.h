#pragma once

// A mail domain's DKIM key pair, made on the controller: RSA-2048, not Ed25519. OpenDKIM (the
// node's signer, agent/drivers/mail/README.md) signs rsa-sha256 only, and Ed25519 DKIM
// (RFC 8463) is still not verified by much of the receiving world, so an Ed25519-only signature
// would count as none; 2048 bits is what RFC 8301 asks for and fits one DKIM TXT record. The
// private half goes into the SecretVault, the public half into the zone as
// "<selector>._domainkey TXT v=DKIM1; k=rsa; p=<base64 SubjectPublicKeyInfo>".
// Free functions; any thread.

#include <string>

#include "common/result.h"

namespace hostplane::controller {

inline constexpr int kDkimKeyBits = 2048;

struct DkimKeyPair {
  std::string private_pem;  // PKCS#8 PEM: a secret (wipe it, never log it)
  std::string public_key;   // base64 of the DER SubjectPublicKeyInfo (the record's p=)
};

// A new key pair (OpenSSL's RSA key generation; tens of milliseconds). Errors: kInternal.
[[nodiscard]] Result<DkimKeyPair> GenerateDkimKey();

// The TXT value that publishes public_key: "v=DKIM1; k=rsa; p=<public_key>".
std::string DkimRecordValue(const std::string& public_key);

}  // namespace hostplane::controller
