#include "controller/auth/totp.h"

#include <curl/curl.h>
#include <liboath/oath.h>
#include <sodium.h>

#include <cstdlib>
#include <mutex>

#include "common/crypto.h"

namespace hostplane::auth {
namespace {

void InitOath() {
  static std::once_flag once;
  std::call_once(once, [] { oath_init(); });
}

int OathFlags(TotpAlgorithm a) {
  switch (a) {
    case TotpAlgorithm::kSha1:
      return 0;
    case TotpAlgorithm::kSha256:
      return OATH_TOTP_HMAC_SHA256;
    case TotpAlgorithm::kSha512:
      return OATH_TOTP_HMAC_SHA512;
  }
  return 0;
}

const char* AlgorithmName(TotpAlgorithm a) {
  switch (a) {
    case TotpAlgorithm::kSha1:
      return "SHA1";
    case TotpAlgorithm::kSha256:
      return "SHA256";
    case TotpAlgorithm::kSha512:
      return "SHA512";
  }
  return "SHA1";
}

Status CheckParams(const TotpParams& p) {
  if (p.digits < 6 || p.digits > 8) return Fail(Error::Invalid("TOTP codes have 6 to 8 digits"));
  if (p.period_seconds <= 0) return Fail(Error::Invalid("the TOTP period must be positive"));
  if (p.window < 0 || p.window > 10) return Fail(Error::Invalid("the TOTP window must be 0-10"));
  return Ok();
}

// libcurl's percent-encoding (everything but RFC 3986 unreserved characters).
std::string Escape(std::string_view s) {
  char* e = curl_easy_escape(nullptr, s.data(), static_cast<int>(s.size()));
  if (e == nullptr) return {};
  std::string out(e);
  curl_free(e);
  return out;
}

bool HasControl(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

}  // namespace

std::string NewTotpSecret() {
  (void)InitCrypto();
  std::string secret(20, '\0');
  randombytes_buf(secret.data(), secret.size());
  return secret;
}

int64_t TotpStep(int64_t unix_seconds, const TotpParams& params) {
  int64_t p = params.period_seconds > 0 ? params.period_seconds : 30;
  return unix_seconds >= 0 ? unix_seconds / p : -((-unix_seconds + p - 1) / p);
}

Result<std::string> TotpCode(std::string_view secret, int64_t unix_seconds,
                             const TotpParams& params) {
  HP_TRY(CheckParams(params));
  if (secret.empty()) return Fail(Error::Invalid("the TOTP secret is empty"));
  InitOath();
  char out[16] = {};
  int rc =
      oath_totp_generate2(secret.data(), secret.size(), static_cast<time_t>(unix_seconds),
                          static_cast<unsigned>(params.period_seconds), 0,
                          static_cast<unsigned>(params.digits), OathFlags(params.algorithm), out);
  if (rc != OATH_OK) {
    return Fail(Error::Internal(std::string("liboath: ") + oath_strerror(rc)));
  }
  return std::string(out);
}

Result<int64_t> MatchTotp(std::string_view secret, std::string_view code, int64_t unix_seconds,
                          const TotpParams& params) {
  HP_TRY(CheckParams(params));
  std::string typed;
  for (char c : code) {
    if (c == ' ') continue;
    if (c < '0' || c > '9' || typed.size() > 8) {
      return Fail(Error::InvalidField("code", "totp.format", "The code is not a number."));
    }
    typed.push_back(c);
  }
  if (typed.size() != static_cast<size_t>(params.digits)) {
    return Fail(Error::InvalidField("code", "totp.format",
                                    "The code has " + std::to_string(params.digits) + " digits."));
  }
  int64_t now_step = TotpStep(unix_seconds, params);
  int64_t matched = -1;
  bool found = false;
  // Every candidate is computed and compared, so the time does not depend on which one matches.
  for (int64_t s = now_step - params.window; s <= now_step + params.window; ++s) {
    auto candidate = TotpCode(secret, s * params.period_seconds, params);
    if (!candidate) return Fail(candidate.error());
    bool same = sodium_memcmp(candidate->data(), typed.data(), typed.size()) == 0;
    if (same && !found) {
      matched = s;
      found = true;
    }
  }
  if (!found) {
    return Fail(
        Error{ErrorCode::kUnauthorized, "The code is not right.", {{"code", "totp.mismatch"}}});
  }
  return matched;
}

std::string TotpSecretBase32(std::string_view secret) {
  InitOath();
  char* out = nullptr;
  size_t len = 0;
  if (oath_base32_encode(secret.data(), secret.size(), &out, &len) != OATH_OK || out == nullptr) {
    return {};
  }
  std::string text(out, len);
  std::free(out);
  while (!text.empty() && text.back() == '=') text.pop_back();
  return text;
}

Result<std::string> TotpSecretFromBase32(std::string_view text) {
  InitOath();
  std::string clean;
  for (char c : text) {
    if (c == ' ' || c == '=') continue;
    clean.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
  }
  // liboath wants whole 8-character groups: pad what the otpauth form leaves out.
  while (clean.size() % 8 != 0) clean.push_back('=');
  char* out = nullptr;
  size_t len = 0;
  if (clean.empty() || oath_base32_decode(clean.data(), clean.size(), &out, &len) != OATH_OK) {
    return Fail(Error::InvalidField("secret", "totp.secret_base32", "The key is not base32."));
  }
  std::string secret(out, len);
  sodium_memzero(out, len);
  std::free(out);
  return secret;
}

Result<std::string> OtpauthUri(std::string_view issuer, std::string_view account,
                               std::string_view secret, const TotpParams& params) {
  HP_TRY(CheckParams(params));
  if (issuer.empty() || account.empty() || HasControl(issuer) || HasControl(account)) {
    return Fail(Error::Invalid("the issuer and account of a TOTP key must be non-empty text"));
  }
  if (secret.empty()) return Fail(Error::Invalid("the TOTP secret is empty"));
  return "otpauth://totp/" + Escape(issuer) + ":" + Escape(account) +
         "?secret=" + TotpSecretBase32(secret) + "&issuer=" + Escape(issuer) +
         "&algorithm=" + AlgorithmName(params.algorithm) +
         "&digits=" + std::to_string(params.digits) +
         "&period=" + std::to_string(params.period_seconds);
}

TotpVerifier::TotpVerifier(TotpReplayGuard& guard, const Clock& clock, TotpParams params)
    : guard_(guard), clock_(clock), params_(params) {}

Status TotpVerifier::Verify(std::string_view user_key, std::string_view secret,
                            std::string_view code) {
  auto step = MatchTotp(secret, code, clock_.NowMillis() / 1000, params_);
  if (!step) return Fail(step.error());
  auto claimed = guard_.Claim(user_key, *step);
  if (!claimed) return Fail(claimed.error());
  if (!*claimed) {
    return Fail(Error{ErrorCode::kUnauthorized,
                      "This code was used already; wait for the next one.",
                      {{"code", "totp.replayed"}}});
  }
  return Ok();
}

}  // namespace hostplane::auth
