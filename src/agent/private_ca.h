#pragma once

// A private certificate authority kept in a directory, for the TLS of daemons that have no
// certificate of their own yet (the all-in-one's mail and FTP services, the tests): a root made
// once (EC P-256, 10 years; ca.pem public, ca.key 0600) and leaf certificates it issues for a
// host's names (EC P-256, 397 days, serverAuth, the names as subjectAltName). Clients verify
// against ca.pem (the tests, `curl --cacert`, Python's ssl, msmtp's tls_trust_file); production
// nodes use an ACME or a configured certificate instead (docs/architecture.md).
//
// Built on OpenSSL's libcrypto (Debian libssl-dev). Files go through the Filesystem (atomic,
// durable); keys are written 0600 and never logged. Not thread-safe; one owner at a time.

#include <string>
#include <vector>

#include "common/fs/filesystem.h"
#include "common/result.h"

namespace hostplane::agent {

class PrivateCa {
 public:
  // Loads the CA in `dir` (root-relative), or creates it there ("<name> private CA") when
  // neither file exists. Errors: kIo; kInvalid when one of the two files is missing or they do
  // not form a CA (the directory is then left as it is, for a person to look at).
  [[nodiscard]] static Result<PrivateCa> LoadOrCreate(Filesystem& fs, const std::string& dir,
                                                      const std::string& name);

  // Makes sure `cert` (leaf then CA, PEM) and `key` (0600) hold a certificate of this CA for
  // exactly `dns_names` (and `ips`, IPv4/IPv6 literals) that stays valid for 30 more days;
  // issues a new key and certificate otherwise. Returns true when it wrote new files.
  // Errors: kInvalid (no names, a name with characters outside [a-z0-9.-*]), kIo, kInternal.
  [[nodiscard]] Result<bool> EnsureLeaf(const std::vector<std::string>& dns_names,
                                        const std::vector<std::string>& ips,
                                        const std::string& cert, const std::string& key);

  // Root-relative path of the CA's certificate (what clients trust).
  std::string root_cert() const { return dir_ + "/ca.pem"; }

 private:
  PrivateCa(Filesystem& fs, std::string dir, std::string cert_pem, std::string key_pem)
      : fs_(&fs),
        dir_(std::move(dir)),
        cert_pem_(std::move(cert_pem)),
        key_pem_(std::move(key_pem)) {}

  Filesystem* fs_;
  std::string dir_;
  std::string cert_pem_;
  std::string key_pem_;
};

}  // namespace hostplane::agent
