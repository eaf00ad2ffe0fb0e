#include "common/passwd/service_password.h"

#include <crypt.h>
#include <sodium.h>

#include <cstring>
#include <memory>

namespace hostplane {

Result<std::string> HashServicePassword(std::string_view password) {
  if (password.find('\0') != std::string_view::npos) {
    return Fail(Error::Invalid("a service password must not contain a NUL byte"));
  }
  char setting[CRYPT_GENSALT_OUTPUT_SIZE];
  if (crypt_gensalt_rn("$y$", 0, nullptr, 0, setting, sizeof setting) == nullptr) {
    return Fail(Error::Io(std::string("crypt_gensalt: ") + std::strerror(errno)));
  }
  auto data = std::make_unique<crypt_data>();
  std::memset(data.get(), 0, sizeof(crypt_data));
  std::string phrase(password);
  const char* out = crypt_r(phrase.c_str(), setting, data.get());
  std::memset(phrase.data(), 0, phrase.size());
  if (out == nullptr || out[0] == '*') {
    return Fail(Error::Io(std::string("crypt: ") + std::strerror(errno)));
  }
  std::string hash(out);
  std::memset(data.get(), 0, sizeof(crypt_data));
  return hash;
}

bool VerifyServicePassword(std::string_view password, const std::string& hash) {
  if (password.find('\0') != std::string_view::npos || !IsServicePasswordHash(hash)) return false;
  auto data = std::make_unique<crypt_data>();
  std::memset(data.get(), 0, sizeof(crypt_data));
  std::string phrase(password);
  const char* out = crypt_r(phrase.c_str(), hash.c_str(), data.get());
  std::memset(phrase.data(), 0, phrase.size());
  bool match = out != nullptr && out[0] != '*' && hash.size() == std::strlen(out) &&
               sodium_memcmp(out, hash.data(), hash.size()) == 0;
  return match;
}

bool IsServicePasswordHash(std::string_view hash) {
  if (!(hash.starts_with("$y$") || hash.starts_with("$6$"))) return false;
  std::string_view rest = hash.substr(3);
  if (rest.size() < 20 || rest.size() > 200) return false;
  for (char c : rest) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              c == '.' || c == '/' || c == '$';
    if (!ok) return false;
  }
  return true;
}

}  // namespace hostplane
