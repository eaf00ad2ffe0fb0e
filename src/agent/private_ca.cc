#include "agent/private_ca.h"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <memory>
#include <set>

namespace hostplane::agent {
namespace {

template <typename T, void (*F)(T*)>
struct Deleter {
  void operator()(T* p) const { F(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using Cert = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using Bio = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;

constexpr long kCaDays = 3650;
constexpr long kLeafDays = 397;
constexpr long kRenewDays = 30;

Error Ssl(const std::string& what) { return Error::Internal("OpenSSL: " + what + " failed"); }

Result<Pkey> NewKey() {
  Pkey key(EVP_EC_gen("P-256"));
  if (!key) return Fail(Ssl("EC key generation"));
  return key;
}

std::string BioText(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

Result<std::string> KeyPem(EVP_PKEY* key) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return Fail(Ssl("writing a key"));
  }
  return BioText(bio.get());
}

Result<std::string> CertPem(X509* cert) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) return Fail(Ssl("writing a certificate"));
  return BioText(bio.get());
}

Cert ParseCert(const std::string& pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return Cert(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
}

Pkey ParseKey(const std::string& pem) {
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  return Pkey(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr);
}

bool AddExt(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (ext == nullptr) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

// A certificate for `subject_cn` with `key`'s public half, signed by issuer_key (self-signed
// when issuer is null).
Result<Cert> Issue(EVP_PKEY* key, const std::string& subject_cn, X509* issuer, EVP_PKEY* issuer_key,
                   long days, const std::vector<std::pair<int, std::string>>& exts) {
  Cert cert(X509_new());
  if (!cert) return Fail(Ssl("X509_new"));
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) return Fail(Ssl("RAND_bytes"));
  serial[0] &= 0x7f;  // a positive serial
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  bool ok = bn != nullptr && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get())) != nullptr;
  BN_free(bn);
  X509_NAME* name = X509_get_subject_name(cert.get());
  ok = ok && X509_set_version(cert.get(), 2) == 1 &&
       X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                  reinterpret_cast<const unsigned char*>(subject_cn.c_str()), -1,
                                  -1, 0) == 1 &&
       X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name) == 1 &&
       X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600) != nullptr &&
       X509_gmtime_adj(X509_getm_notAfter(cert.get()), days * 86400) != nullptr &&
       X509_set_pubkey(cert.get(), key) == 1;
  if (!ok) return Fail(Ssl("building a certificate"));
  for (const auto& [nid, value] : exts) {
    if (!AddExt(cert.get(), issuer ? issuer : cert.get(), nid, value)) {
      return Fail(Ssl("adding extension " + value));
    }
  }
  if (X509_sign(cert.get(), issuer_key, EVP_sha256()) <= 0) return Fail(Ssl("signing"));
  return cert;
}

bool PlainName(const std::string& n) {
  return !n.empty() && n.size() <= 253 && std::all_of(n.begin(), n.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '*';
  });
}

bool PlainIp(const std::string& n) {
  return !n.empty() && n.size() <= 45 && std::all_of(n.begin(), n.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || c == '.' || c == ':';
  });
}

// The subjectAltName entries of cert as "DNS:x" / "IP Address:y" text, sorted.
std::set<std::string> AltNames(X509* cert) {
  std::set<std::string> out;
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) return out;
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* g = sk_GENERAL_NAME_value(names, i);
    if (g->type == GEN_DNS) {
      const ASN1_IA5STRING* s = g->d.dNSName;
      out.insert("DNS:" + std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                      static_cast<size_t>(ASN1_STRING_length(s))));
    } else if (g->type == GEN_IPADD) {
      const ASN1_OCTET_STRING* ip = g->d.iPAddress;
      int len = ASN1_STRING_length(ip);
      char text[INET6_ADDRSTRLEN] = {};
      if ((len == 4 || len == 16) &&
          ::inet_ntop(len == 4 ? AF_INET : AF_INET6, ASN1_STRING_get0_data(ip), text,
                      sizeof text) != nullptr) {
        out.insert(std::string("IP:") + text);
      }
    }
  }
  GENERAL_NAMES_free(names);
  return out;
}

}  // namespace

Result<PrivateCa> PrivateCa::LoadOrCreate(Filesystem& fs, const std::string& dir,
                                          const std::string& name) {
  auto cert = fs.ReadFile(dir + "/ca.pem");
  if (!cert) return Fail(cert.error());
  auto key = fs.ReadFile(dir + "/ca.key");
  if (!key) return Fail(key.error());
  if (cert->has_value() && key->has_value()) {
    Cert c = ParseCert(**cert);
    Pkey k = ParseKey(**key);
    if (!c || !k || X509_check_private_key(c.get(), k.get()) != 1) {
      return Fail(Error::Invalid("the private CA in " + fs.HostPath(dir) +
                                 " is not a certificate and its key"));
    }
    return PrivateCa(fs, dir, **cert, **key);
  }
  if (cert->has_value() || key->has_value()) {
    return Fail(Error::Invalid("the private CA in " + fs.HostPath(dir) +
                               " has only one of ca.pem and ca.key"));
  }
  auto ca_key = NewKey();
  if (!ca_key) return Fail(ca_key.error());
  auto ca = Issue(ca_key->get(), name + " private CA", nullptr, ca_key->get(), kCaDays,
                  {{NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
                   {NID_key_usage, "critical,keyCertSign,cRLSign"},
                   {NID_subject_key_identifier, "hash"}});
  if (!ca) return Fail(ca.error());
  auto key_pem = KeyPem(ca_key->get());
  if (!key_pem) return Fail(key_pem.error());
  auto cert_pem = CertPem(ca->get());
  if (!cert_pem) return Fail(cert_pem.error());
  HP_TRY(fs.MakeDirs(dir, 0755));
  // The key first: a crash between the two leaves only the key, which the next start reports.
  HP_TRY(fs.WriteFileAtomic(dir + "/ca.key", *key_pem, 0600));
  HP_TRY(fs.WriteFileAtomic(dir + "/ca.pem", *cert_pem, 0644));
  return PrivateCa(fs, dir, *cert_pem, *key_pem);
}

Result<bool> PrivateCa::EnsureLeaf(const std::vector<std::string>& dns_names,
                                   const std::vector<std::string>& ips, const std::string& cert,
                                   const std::string& key) {
  if (dns_names.empty()) return Fail(Error::Invalid("a leaf certificate needs a host name"));
  std::set<std::string> wanted;
  std::string san;
  for (const auto& n : dns_names) {
    if (!PlainName(n)) return Fail(Error::Invalid("not a host name: " + n));
    wanted.insert("DNS:" + n);
    san += (san.empty() ? "" : ",") + ("DNS:" + n);
  }
  for (const auto& ip : ips) {
    if (!PlainIp(ip)) return Fail(Error::Invalid("not an IP address: " + ip));
    wanted.insert("IP:" + ip);
    san += ",IP:" + ip;
  }
  Cert ca = ParseCert(cert_pem_);
  Pkey ca_key = ParseKey(key_pem_);
  if (!ca || !ca_key) return Fail(Error::Internal("the private CA no longer parses"));

  auto live_cert = fs_->ReadFile(cert);
  if (!live_cert) return Fail(live_cert.error());
  auto live_key = fs_->ReadFile(key);
  if (!live_key) return Fail(live_key.error());
  if (live_cert->has_value() && live_key->has_value()) {
    Cert c = ParseCert(**live_cert);
    Pkey k = ParseKey(**live_key);
    time_t renew = time(nullptr) + kRenewDays * 86400;
    if (c && k && X509_check_private_key(c.get(), k.get()) == 1 &&
        X509_verify(c.get(), ca_key.get()) == 1 &&
        X509_cmp_time(X509_get0_notAfter(c.get()), &renew) > 0 && AltNames(c.get()) == wanted) {
      return false;
    }
  }
  auto leaf_key = NewKey();
  if (!leaf_key) return Fail(leaf_key.error());
  auto leaf = Issue(leaf_key->get(), dns_names.front(), ca.get(), ca_key.get(), kLeafDays,
                    {{NID_basic_constraints, "critical,CA:FALSE"},
                     {NID_key_usage, "critical,digitalSignature,keyEncipherment"},
                     {NID_ext_key_usage, "serverAuth"},
                     {NID_subject_alt_name, san},
                     {NID_authority_key_identifier, "keyid:always"}});
  if (!leaf) return Fail(leaf.error());
  auto key_pem = KeyPem(leaf_key->get());
  if (!key_pem) return Fail(key_pem.error());
  auto leaf_pem = CertPem(leaf->get());
  if (!leaf_pem) return Fail(leaf_pem.error());
  std::vector<FileWrite> writes = {{key, *key_pem, 0600}, {cert, *leaf_pem + cert_pem_, 0644}};
  HP_TRY(fs_->ApplyFiles(writes));
  return true;
}

}  // namespace hostplane::agent
