#pragma once

// What the acme driver needs to know about a PEM certificate and key, read with OpenSSL's
// libcrypto (never parsed by hand): the names and expiry of a chain's first certificate, whether
// a key belongs to it, and a self-signed certificate for a private ACME test CA's own HTTPS
// listener (PebbleInstance). Pure functions, thread-safe. This file and certificate.cc are the
// only ones in the agent that include OpenSSL headers.

#include <chrono>
#include <string>
#include <vector>

#include "common/result.h"

namespace hostplane::agent {

struct CertificateInfo {
  std::vector<std::string> dns_names;  // subjectAltName dNSName entries, lowercased, sorted
  std::chrono::system_clock::time_point not_after;
  int chain_length = 0;  // certificates in the PEM text (leaf + issuers)
};

// Reads the first certificate of a PEM chain (the leaf) and counts the chain.
// Errors: kInvalid (no certificate, or one OpenSSL cannot read).
[[nodiscard]] Result<CertificateInfo> InspectCertificate(const std::string& chain_pem);

// Ok when key_pem holds the private key of the first certificate of chain_pem.
// Errors: kInvalid (unreadable, or the key does not match).
[[nodiscard]] Status CheckKeyMatchesCertificate(const std::string& chain_pem,
                                                const std::string& key_pem);

struct SelfSignedCertificate {
  std::string cert_pem;
  std::string key_pem;  // PKCS#8, unencrypted: write it 0600
};

// A new P-256 key and a self-signed certificate for it (CA:TRUE, serverAuth) with the given
// DNS and IP subjectAltNames, valid from an hour ago for `validity`. Errors: kInternal.
[[nodiscard]] Result<SelfSignedCertificate> MakeSelfSignedCertificate(
    const std::string& common_name, const std::vector<std::string>& dns_names,
    const std::vector<std::string>& ip_addresses, std::chrono::hours validity);

}  // namespace hostplane::agent
