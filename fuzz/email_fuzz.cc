// CheckEmail (protocol/validate.h): an accepted address is local@domain: a canonical domain
// after the one '@' (CheckDomain accepts it unchanged), a local part of printable ASCII
// without space, quotes, <>, ',' or ';' (nothing a header or a map line would split at), and is
// accepted again unchanged. Exactly one '@'. Refusals carry an email.* or domain.* code.

#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "protocol/validate.h"

using namespace hostplane;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = fuzz::Bytes(data, size);
  auto r = protocol::CheckEmail(in);
  if (!r) {
    FUZZ_CHECK(fuzz::WellFormed(r.error(), "email.") || fuzz::WellFormed(r.error(), "domain."),
               "refusal without an email.* or domain.* code");
    return 0;
  }
  const std::string& e = *r;
  size_t at = e.rfind('@');
  FUZZ_CHECK(at != std::string::npos && at > 0, "no local part");
  std::string local = e.substr(0, at);
  std::string domain = e.substr(at + 1);
  for (unsigned char c : local) {
    FUZZ_CHECK(c > 0x20 && c < 0x7f, "local part byte outside printable ASCII");
    FUZZ_CHECK(std::string_view("()<>[]:;@\\,\"").find(static_cast<char>(c)) ==
                   std::string_view::npos,
               "a special character in the local part");
  }
  auto d = protocol::CheckDomain(domain);
  FUZZ_CHECK(d && *d == domain, "domain not canonical");
  auto again = protocol::CheckEmail(e);
  FUZZ_CHECK(again && *again == e, "not idempotent");
  return 0;
}
