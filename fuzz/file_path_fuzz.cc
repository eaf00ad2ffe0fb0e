// CheckFilePath (protocol/file_path.h), every path of a file-manager request: an accepted path
// has no "..", "." or empty component, no NUL, control byte or backslash, valid UTF-8, names of
// at most kMaxNameBytes and a text of at most kMaxPathBytes; text() is accepted again and gives
// the same components; parent() and name() put it back together. Refusals are kInvalid with a
// path.* code at the field.

#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "protocol/file_path.h"

using namespace hostplane;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in = fuzz::Bytes(data, size);
  auto r = protocol::CheckFilePath("path", in);
  if (!r) {
    FUZZ_CHECK(r.error().code == ErrorCode::kInvalid, "refusal not kInvalid");
    return 0;
  }
  const protocol::FilePath& p = *r;
  FUZZ_CHECK(p.text().size() <= protocol::kMaxPathBytes, "path too long");
  for (const auto& part : p.parts) {
    FUZZ_CHECK(!part.empty() && part != "." && part != "..", "empty, . or .. component");
    FUZZ_CHECK(part.size() <= protocol::kMaxNameBytes, "name too long");
    for (unsigned char c : part) {
      FUZZ_CHECK(c >= 0x20 && c != 0x7f && c != '\\' && c != '/', "control byte, / or backslash");
    }
  }
  auto again = protocol::CheckFilePath("path", p.text());
  FUZZ_CHECK(again && again->parts == p.parts, "text() not accepted again unchanged");
  if (!p.home()) {
    std::string joined = p.parent().empty() ? p.name() : p.parent() + "/" + p.name();
    FUZZ_CHECK(joined == p.text(), "parent()/name() differ from text()");
    FUZZ_CHECK(protocol::CheckFileName("path", p.text()).has_value(), "CheckFileName refuses it");
  }
  return 0;
}
