#include "controller/store/positional_sql.h"

#include <algorithm>

namespace hostplane::controller {
namespace {

bool NameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool NameChar(char c) { return NameStart(c) || (c >= '0' && c <= '9'); }

}  // namespace

PositionalSql ToPositional(std::string_view sql) {
  PositionalSql out;
  out.text.reserve(sql.size());
  size_t i = 0;
  while (i < sql.size()) {
    const char c = sql[i];
    if (c == '\'' || c == '"') {  // a quoted literal or identifier; doubled quotes stay inside
      const size_t end = sql.find(c, i + 1);
      const size_t stop = end == std::string_view::npos ? sql.size() : end + 1;
      out.text.append(sql.substr(i, stop - i));
      i = stop;
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      const size_t end = sql.find('\n', i);
      const size_t stop = end == std::string_view::npos ? sql.size() : end;
      out.text.append(sql.substr(i, stop - i));
      i = stop;
    } else if (c == ':' && i + 1 < sql.size() && sql[i + 1] == ':') {
      out.text.append("::");
      i += 2;
    } else if (c == ':' && i + 1 < sql.size() && NameStart(sql[i + 1])) {
      size_t end = i + 1;
      while (end < sql.size() && NameChar(sql[end])) ++end;
      const std::string name(sql.substr(i + 1, end - i - 1));
      auto at = std::find(out.names.begin(), out.names.end(), name);
      if (at == out.names.end()) at = out.names.insert(out.names.end(), name);
      out.text += "$" + std::to_string(at - out.names.begin() + 1);
      i = end;
    } else {
      out.text.push_back(c);
      ++i;
    }
  }
  return out;
}

}  // namespace hostplane::controller
