// A site's web settings (protocol/site_settings.h), what reaches the nginx vhost and PHP's admin
// values from a tenant: SiteSettingsFromJson on the fuzzed JSON. Accepted settings round-trip
// through ToJson to equal settings; the custom fallback is canonical (CheckFallback gives it back
// unchanged), 1-8 space-separated tokens, each "$uri", "$uri/" or a path starting with '/', of
// bytes that nginx's try_files reads as one token (no ';', '{', '}', quote, backslash or
// whitespace); the time zone has none of the bytes that would end PHP_ADMIN_VALUE's quoted
// string or start another value.

#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "protocol/site_settings.h"

using namespace hostplane;

namespace {

bool FallbackByte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("._=&-/?$").find(c) != std::string_view::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto json = nlohmann::json::parse(fuzz::Bytes(data, size), nullptr, false);
  if (json.is_discarded()) return 0;
  auto s = protocol::SiteSettingsFromJson(json);
  if (!s) {
    FUZZ_CHECK(s.error().code == ErrorCode::kInvalid && !s.error().fields.empty(),
               "refusal not kInvalid with a field");
    return 0;
  }
  auto again = protocol::SiteSettingsFromJson(protocol::ToJson(*s));
  FUZZ_CHECK(again.has_value() && *again == *s, "settings do not round-trip through ToJson");

  if (!s->fallback.empty()) {
    auto f = protocol::CheckFallback(s->fallback);
    FUZZ_CHECK(f.has_value() && *f == s->fallback, "fallback not canonical");
    size_t tokens = 0;
    size_t start = 0;
    while (true) {
      size_t sp = s->fallback.find(' ', start);
      std::string token = s->fallback.substr(start, sp - start);
      FUZZ_CHECK(!token.empty(), "an empty token");
      FUZZ_CHECK(token == "$uri" || token == "$uri/" || token.front() == '/', "token shape");
      for (char c : token) FUZZ_CHECK(FallbackByte(c), "a byte try_files would split at");
      ++tokens;
      if (sp == std::string::npos) break;
      start = sp + 1;
    }
    FUZZ_CHECK(tokens >= 1 && tokens <= 8, "token count");
  }
  for (char c : s->php_timezone) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '/' || c == '_' || c == '-' || c == '+';
    FUZZ_CHECK(ok, "a time zone byte outside [A-Za-z0-9/_+-]");
  }
  return 0;
}
