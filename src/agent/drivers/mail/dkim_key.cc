#include "agent/drivers/mail/dkim_key.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium.h>

namespace hostplane::agent {

Result<std::string> OpenDkimKey(const BoxKey& key, const std::string& sealed) {
  auto pem = key.Open(sealed);
  if (!pem) return Fail(pem.error().Wrap("the DKIM private key"));
  BIO* bio = BIO_new_mem_buf(pem->data(), static_cast<int>(pem->size()));
  EVP_PKEY* pkey = bio ? PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr) : nullptr;
  BIO_free(bio);
  const bool rsa = pkey != nullptr && EVP_PKEY_base_id(pkey) == EVP_PKEY_RSA;
  const int bits = pkey != nullptr ? EVP_PKEY_bits(pkey) : 0;
  EVP_PKEY_free(pkey);
  if (!rsa || bits < 1024 || bits > 4096) {
    sodium_memzero(pem->data(), pem->size());
    return Fail(Error::InvalidField("dkim.private_key", "dkim.key_invalid",
                                    "the DKIM private key is not an RSA key of 1024 to 4096 bits "
                                    "in PEM"));
  }
  return pem;
}

}  // namespace hostplane::agent
