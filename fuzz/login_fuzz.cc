// CheckLoginGrammar (protocol/validate.h): accepted logins match ^[a-z][a-z0-9]{2,15}$ exactly
// and are accepted again unchanged; every refusal has a login.* code.

#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "protocol/validate.h"

using namespace hostplane;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = fuzz::Bytes(data, size);
  auto r = protocol::CheckLoginGrammar(in);
  if (!r) {
    FUZZ_CHECK(fuzz::WellFormed(r.error(), "login."), "refusal without a login.* code");
    return 0;
  }
  const std::string& l = *r;
  FUZZ_CHECK(l.size() >= 3 && l.size() <= 16, "length");
  FUZZ_CHECK(l[0] >= 'a' && l[0] <= 'z', "first character");
  for (char c : l) FUZZ_CHECK((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'), "character");
  FUZZ_CHECK(l == in, "the grammar changed an accepted login");
  auto again = protocol::CheckLoginGrammar(l);
  FUZZ_CHECK(again && *again == l, "not idempotent");
  return 0;
}
