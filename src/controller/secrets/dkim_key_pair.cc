#include "controller/secrets/dkim_key_pair.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <memory>

#include "common/crypto.h"

namespace hostplane::controller {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};

}  // namespace

Result<DkimKeyPair> GenerateDkimKey() {
  std::unique_ptr<EVP_PKEY, PkeyFree> key(EVP_RSA_gen(kDkimKeyBits));
  if (!key) return Fail(Error::Internal("OpenSSL could not generate an RSA key"));
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_secmem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return Fail(Error::Internal("OpenSSL could not write the DKIM key as PEM"));
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  DkimKeyPair pair;
  pair.private_pem.assign(data, static_cast<size_t>(size));
  unsigned char* der = nullptr;
  const int der_size = i2d_PUBKEY(key.get(), &der);
  if (der_size <= 0) {
    OPENSSL_cleanse(pair.private_pem.data(), pair.private_pem.size());
    return Fail(Error::Internal("OpenSSL could not encode the DKIM public key"));
  }
  pair.public_key = Base64Encode(
      std::string_view(reinterpret_cast<const char*>(der), static_cast<size_t>(der_size)));
  OPENSSL_free(der);
  return pair;
}

std::string DkimRecordValue(const std::string& public_key) {
  return "v=DKIM1; k=rsa; p=" + public_key;
}

}  // namespace hostplane::controller
