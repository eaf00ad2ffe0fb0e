// MariaDB identifier quoting (agent/drivers/mariadb/mariadb_sql.h). For any bytes: Identifier()
// is one backtick-quoted identifier that reads back (inner backticks undoubled) as the input,
// with no lone backtick inside; GrantPattern() escapes every '\', '_' and '%' and reads back as
// the input. For a name CheckDatabaseName accepts: the DDL statements hold it only as that one
// quoted identifier, with no ';', quote or line break anywhere.

#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <string>

#include "agent/drivers/mariadb/mariadb_sql.h"
#include "fuzz_check.h"
#include "protocol/database_spec.h"

using namespace hostplane;
namespace sql = hostplane::agent::sql;

namespace {

std::string Unquote(const std::string& quoted) {
  FUZZ_CHECK(quoted.size() >= 2 && quoted.front() == '`' && quoted.back() == '`', "not quoted");
  std::string out;
  for (size_t i = 1; i + 1 < quoted.size(); ++i) {
    if (quoted[i] == '`') {
      FUZZ_CHECK(i + 2 < quoted.size() && quoted[i + 1] == '`', "a lone backtick inside");
      ++i;
    }
    out += quoted[i];
  }
  return out;
}

std::string Unescape(const std::string& pattern) {
  std::string out;
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '\\') {
      FUZZ_CHECK(i + 1 < pattern.size(), "a trailing backslash");
      char next = pattern[++i];
      FUZZ_CHECK(next == '\\' || next == '_' || next == '%', "an escape of another character");
      out += next;
      continue;
    }
    FUZZ_CHECK(c != '_' && c != '%', "an unescaped wildcard");
    out += c;
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  std::string account = in.ConsumeRandomLengthString(24);
  std::string raw = in.ConsumeRemainingBytesAsString();

  FUZZ_CHECK(Unquote(sql::Identifier(raw)) == raw, "Identifier does not read back");
  FUZZ_CHECK(Unescape(sql::GrantPattern(raw)) == raw, "GrantPattern does not read back");

  if (!protocol::CheckLoginGrammar(account)) return 0;
  auto name = protocol::CheckDatabaseName(account, raw);
  if (!name) return 0;
  std::string quoted = sql::Identifier(*name);
  for (const std::string& stmt : {sql::CreateDatabase(*name), sql::DropDatabase(*name)}) {
    FUZZ_CHECK(stmt.find(quoted) != std::string::npos, "the statement lacks the identifier");
    FUZZ_CHECK(stmt.find_first_of(";'\"\n\r\\") == std::string::npos, "a separator or quote");
    FUZZ_CHECK(stmt.find('`') == stmt.find(quoted) &&
                   stmt.rfind('`') == stmt.find(quoted) + quoted.size() - 1,
               "a backtick outside the identifier");
  }
  return 0;
}
