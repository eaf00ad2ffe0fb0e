#include "common/passwd/bcrypt.h"

#include <crypt.h>
#include <sodium.h>

#include <cerrno>
#include <cstring>
#include <memory>

namespace hostplane {
namespace {

// crypt_rn's working area, wiped when done: it held the password.
struct CryptData {
  CryptData() : data(std::make_unique<crypt_data>()) { std::memset(data.get(), 0, sizeof *data); }
  ~CryptData() { sodium_memzero(data.get(), sizeof *data); }
  std::unique_ptr<crypt_data> data;
};

}  // namespace

Result<std::string> BcryptHash(std::string_view password, int cost) {
  if (password.find('\0') != std::string_view::npos) {
    return Fail(Error::Invalid("a password for bcrypt must not contain a NUL byte"));
  }
  if (password.size() > 72) {
    return Fail(Error::Invalid("bcrypt uses only the first 72 bytes of a password"));
  }
  if (cost < 4 || cost > 31) return Fail(Error::Invalid("a bcrypt cost is 4-31"));
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  if (crypt_gensalt_rn("$2b$", static_cast<unsigned long>(cost), nullptr, 0, setting,
                       sizeof setting) == nullptr) {
    return Fail(Error::Io(std::string("crypt_gensalt: ") + std::strerror(errno)));
  }
  CryptData work;
  std::string phrase(password);
  const char* out = crypt_rn(phrase.c_str(), setting, work.data.get(), sizeof(crypt_data));
  sodium_memzero(phrase.data(), phrase.size());
  if (out == nullptr || !IsBcryptHash(out)) {
    return Fail(Error::Io(std::string("crypt: ") + std::strerror(errno)));
  }
  return std::string(out);
}

bool BcryptVerify(std::string_view password, const std::string& hash) {
  if (password.find('\0') != std::string_view::npos || !IsBcryptHash(hash)) return false;
  CryptData work;
  std::string phrase(password);
  const char* out = crypt_rn(phrase.c_str(), hash.c_str(), work.data.get(), sizeof(crypt_data));
  sodium_memzero(phrase.data(), phrase.size());
  return out != nullptr && hash.size() == std::strlen(out) &&
         sodium_memcmp(out, hash.data(), hash.size()) == 0;
}

bool IsBcryptHash(std::string_view hash) {
  if (hash.size() != 60) return false;
  if (!(hash.starts_with("$2a$") || hash.starts_with("$2b$") || hash.starts_with("$2y$"))) {
    return false;
  }
  if (hash[4] < '0' || hash[4] > '3' || hash[5] < '0' || hash[5] > '9' || hash[6] != '$') {
    return false;
  }
  int cost = (hash[4] - '0') * 10 + (hash[5] - '0');
  if (cost < 4 || cost > 31) return false;
  for (char c : hash.substr(7)) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              c == '.' || c == '/';
    if (!ok) return false;
  }
  return true;
}

}  // namespace hostplane
