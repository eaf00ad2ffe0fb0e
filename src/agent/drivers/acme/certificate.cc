#include "agent/drivers/acme/certificate.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <memory>

namespace hostplane::agent {
namespace {

template <auto Free>
struct Deleter {
  template <typename T>
  void operator()(T* p) const {
    Free(p);
  }
};
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using NamesPtr = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES_free>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;
using BnPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;

// The newest error on this thread's OpenSSL error queue, which is then cleared.
std::string OpenSslError() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof(buf));
  return buf;
}

BioPtr ReadBio(const std::string& pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

Result<X509Ptr> FirstCertificate(const std::string& chain_pem) {
  BioPtr bio = ReadBio(chain_pem);
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!cert) return Fail(Error::Invalid("no readable certificate: " + OpenSslError()));
  return cert;
}

std::string ToPem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

std::string ToPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

bool AddExtension(X509* cert, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

}  // namespace

Result<CertificateInfo> InspectCertificate(const std::string& chain_pem) {
  HP_ASSIGN_OR_RETURN(auto cert, FirstCertificate(chain_pem));
  CertificateInfo info;
  std::tm tm{};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(cert.get()), &tm) != 1) {
    return Fail(Error::Invalid("unreadable notAfter: " + OpenSslError()));
  }
  info.not_after = std::chrono::system_clock::from_time_t(::timegm(&tm));
  NamesPtr names(static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr)));
  for (int i = 0; names && i < sk_GENERAL_NAME_num(names.get()); ++i) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(names.get(), i);
    if (n->type != GEN_DNS) continue;
    const unsigned char* data = ASN1_STRING_get0_data(n->d.dNSName);
    std::string name(reinterpret_cast<const char*>(data),
                     static_cast<size_t>(ASN1_STRING_length(n->d.dNSName)));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    info.dns_names.push_back(std::move(name));
  }
  std::sort(info.dns_names.begin(), info.dns_names.end());
  BioPtr bio = ReadBio(chain_pem);
  while (X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr))) ++info.chain_length;
  ERR_clear_error();  // the end of the text is reported as an error
  return info;
}

Status CheckKeyMatchesCertificate(const std::string& chain_pem, const std::string& key_pem) {
  HP_ASSIGN_OR_RETURN(auto cert, FirstCertificate(chain_pem));
  BioPtr bio = ReadBio(key_pem);
  KeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!key) return Fail(Error::Invalid("no readable private key: " + OpenSslError()));
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    ERR_clear_error();
    return Fail(Error::Invalid("the private key does not belong to the certificate"));
  }
  return Ok();
}

Result<SelfSignedCertificate> MakeSelfSignedCertificate(
    const std::string& common_name, const std::vector<std::string>& dns_names,
    const std::vector<std::string>& ip_addresses, std::chrono::hours validity) {
  KeyPtr key(EVP_EC_gen("P-256"));
  X509Ptr cert(X509_new());
  BnPtr serial(BN_new());
  if (!key || !cert || !serial) return Fail(Error::Internal("OpenSSL: " + OpenSslError()));
  std::string san;
  for (const auto& d : dns_names) san += (san.empty() ? "DNS:" : ",DNS:") + d;
  for (const auto& ip : ip_addresses) san += (san.empty() ? "IP:" : ",IP:") + ip;
  X509_NAME* name = X509_get_subject_name(cert.get());
  bool ok = X509_set_version(cert.get(), 2) == 1 &&
            BN_rand(serial.get(), 64, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1 &&
            BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(cert.get())) != nullptr &&
            X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr &&
            X509_gmtime_adj(X509_getm_notAfter(cert.get()),
                            static_cast<long>(std::chrono::seconds(validity).count())) != nullptr &&
            X509_set_pubkey(cert.get(), key.get()) == 1 &&
            X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                       reinterpret_cast<const unsigned char*>(common_name.c_str()),
                                       -1, -1, 0) == 1 &&
            X509_set_issuer_name(cert.get(), name) == 1 &&
            AddExtension(cert.get(), NID_basic_constraints, "critical,CA:TRUE") &&
            AddExtension(cert.get(), NID_key_usage, "critical,digitalSignature,keyCertSign") &&
            AddExtension(cert.get(), NID_ext_key_usage, "serverAuth") &&
            (san.empty() || AddExtension(cert.get(), NID_subject_alt_name, san)) &&
            X509_sign(cert.get(), key.get(), EVP_sha256()) > 0;
  if (!ok) return Fail(Error::Internal("making a self-signed certificate: " + OpenSslError()));
  return SelfSignedCertificate{ToPem(cert.get()), ToPem(key.get())};
}

}  // namespace hostplane::agent
