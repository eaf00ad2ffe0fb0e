#include "controller/auth/recovery_codes.h"

#include <sodium.h>

#include "common/crypto.h"

namespace hostplane::auth {
namespace {

constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";  // Crockford's base32
constexpr size_t kLength = 16;

Error Invalid() {
  return Error{ErrorCode::kUnauthorized,
               "The recovery code is not valid.",
               {{"code", "recovery_code.invalid"}}};
}

}  // namespace

std::string NormaliseRecoveryCode(std::string_view typed) {
  std::string out;
  for (char c : typed) {
    if (c == '-' || c == ' ') continue;
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c == 'O') c = '0';
    if (c == 'I' || c == 'L') c = '1';
    bool in_alphabet = false;
    for (const char* a = kAlphabet; *a != '\0'; ++a) in_alphabet |= (*a == c);
    if (!in_alphabet || out.size() == kLength) return {};
    out.push_back(c);
  }
  return out.size() == kLength ? out : std::string();
}

std::string HashRecoveryCode(std::string_view typed) {
  std::string canonical = NormaliseRecoveryCode(typed);
  if (canonical.empty()) return {};
  return Blake2bHex("hostplane.recovery_code\n" + canonical);
}

RecoveryCodes::RecoveryCodes(RecoveryCodeStore& store, int count) : store_(store), count_(count) {}

Result<std::vector<std::string>> RecoveryCodes::Regenerate(std::string_view user_id) {
  HP_TRY(InitCrypto());
  std::vector<std::string> codes;
  std::vector<std::string> hashes;
  while (codes.size() < static_cast<size_t>(count_)) {
    std::string raw;
    for (size_t i = 0; i < kLength; ++i) raw.push_back(kAlphabet[randombytes_uniform(32)]);
    std::string hash = HashRecoveryCode(raw);
    bool repeated = false;
    for (const auto& h : hashes) repeated |= (h == hash);
    if (repeated) continue;  // 2^-80: only so that a set never holds one code twice
    codes.push_back(raw.substr(0, 4) + "-" + raw.substr(4, 4) + "-" + raw.substr(8, 4) + "-" +
                    raw.substr(12, 4));
    hashes.push_back(std::move(hash));
  }
  HP_TRY(store_.Replace(user_id, hashes));
  return codes;
}

Status RecoveryCodes::Redeem(std::string_view user_id, std::string_view typed) {
  std::string hash = HashRecoveryCode(typed);
  if (hash.empty()) return Fail(Invalid());
  auto consumed = store_.Consume(user_id, hash);
  if (!consumed) return Fail(consumed.error());
  if (!*consumed) return Fail(Invalid());
  return Ok();
}

}  // namespace hostplane::auth
