// CheckRelativePath (protocol/validate.h), the docroot and FTP home grammar: an accepted path is
// normalised (accepted again unchanged), relative, at most 255 bytes, components of
// [A-Za-z0-9._-] that are neither empty, "." nor "..", and none starts with '-'. Refusals carry a
// path.* code.

#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "protocol/validate.h"

using namespace hostplane;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = fuzz::Bytes(data, size);
  auto r = protocol::CheckRelativePath(in);
  if (!r) {
    FUZZ_CHECK(fuzz::WellFormed(r.error(), "path."), "refusal without a path.* code");
    return 0;
  }
  const std::string& p = *r;
  FUZZ_CHECK(!p.empty() && p.size() <= 255, "length");
  FUZZ_CHECK(p.front() != '/', "absolute");
  size_t start = 0;
  while (true) {
    size_t slash = p.find('/', start);
    std::string_view part(p.data() + start,
                          (slash == std::string::npos ? p.size() : slash) - start);
    FUZZ_CHECK(!part.empty() && part != "." && part != "..", "empty, . or .. component");
    FUZZ_CHECK(part.front() != '-', "leading hyphen");
    for (char c : part) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '.' || c == '_' || c == '-';
      FUZZ_CHECK(ok, "component byte");
    }
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  auto again = protocol::CheckRelativePath(p);
  FUZZ_CHECK(again && *again == p, "not idempotent");
  return 0;
}
