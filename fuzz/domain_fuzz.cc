// CheckDomain (protocol/validate.h): any bytes in; what it accepts is canonical, i.e. accepted
// again unchanged (idempotent), and has the canonical shape: lowercase A-labels of [a-z0-9-],
// 1-63 bytes, no '-' at a label's ends, at least two labels, at most 253 bytes, no trailing dot.
// A refusal has a domain.* code and a sentence, and the sentence never carries a control byte.

#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "protocol/validate.h"

using namespace hostplane;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = fuzz::Bytes(data, size);
  auto r = protocol::CheckDomain(in);
  if (!r) {
    FUZZ_CHECK(fuzz::WellFormed(r.error(), "domain."), "refusal without a domain.* code");
    for (unsigned char c : r.error().message)
      FUZZ_CHECK(c >= 0x20 && c != 0x7f, "raw byte in message");
    return 0;
  }
  const std::string& d = *r;
  FUZZ_CHECK(!d.empty() && d.size() <= 253, "length");
  FUZZ_CHECK(d.back() != '.' && d.front() != '.', "dot at an end");
  size_t labels = 0;
  size_t start = 0;
  while (true) {
    size_t dot = d.find('.', start);
    std::string_view label(d.data() + start, (dot == std::string::npos ? d.size() : dot) - start);
    FUZZ_CHECK(!label.empty() && label.size() <= 63, "label length");
    FUZZ_CHECK(label.front() != '-' && label.back() != '-', "hyphen at a label's end");
    for (char c : label) {
      FUZZ_CHECK((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-', "label byte");
    }
    ++labels;
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  FUZZ_CHECK(labels >= 2, "single label");
  auto again = protocol::CheckDomain(d);
  FUZZ_CHECK(again && *again == d, "not idempotent");
  return 0;
}
