// CheckLocalPart (protocol/validate.h): accepted local parts match
// ^[a-z0-9](?:[a-z0-9._-]{0,62}[a-z0-9])?$ without "..", no '+' (the recipient delimiter), and
// are accepted again unchanged; every refusal has a local_part.* code.

#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "protocol/validate.h"

using namespace hostplane;

namespace {
bool Alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = fuzz::Bytes(data, size);
  auto r = protocol::CheckLocalPart(in);
  if (!r) {
    FUZZ_CHECK(fuzz::WellFormed(r.error(), "local_part."), "refusal without a local_part.* code");
    return 0;
  }
  const std::string& l = *r;
  FUZZ_CHECK(!l.empty() && l.size() <= 64, "length");
  FUZZ_CHECK(Alnum(l.front()) && Alnum(l.back()), "first or last character");
  for (char c : l) FUZZ_CHECK(Alnum(c) || c == '.' || c == '_' || c == '-', "character");
  FUZZ_CHECK(l.find("..") == std::string::npos, "dot dot");
  auto again = protocol::CheckLocalPart(l);
  FUZZ_CHECK(again && *again == l, "not idempotent");
  return 0;
}
