#include "controller/http/http_message.h"

#include <boost/beast/core/string.hpp>
#include <cctype>

namespace hostplane::controller::http {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX escapes decoded (an invalid one stays as it is); with plus_is_space, '+' is ' ' (queries).
std::string Decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = HexValue(s[i + 1]);
      int lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += (plus_is_space && s[i] == '+') ? ' ' : s[i];
  }
  return out;
}

}  // namespace

std::string HttpRequest::get_param_value(const std::string& name) const {
  auto it = params.find(name);
  return it == params.end() ? std::string() : it->second;
}

std::string HttpRequest::get_header_value(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (boost::beast::iequals(key, name)) return value;
  }
  return "";
}

void ParseTarget(std::string_view target, HttpRequest& request) {
  size_t question = target.find('?');
  std::string_view raw_path = target.substr(0, question);
  request.segments.clear();
  request.path.clear();
  // "/a/b" -> "a", "b"; a trailing '/' makes an empty last segment, as it is a different path.
  size_t start = raw_path.empty() || raw_path.front() != '/' ? 0 : 1;
  if (!raw_path.empty()) {
    while (true) {
      size_t slash = raw_path.find('/', start);
      std::string_view part = raw_path.substr(
          start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
      request.segments.push_back(Decode(part, false));
      request.path += "/" + request.segments.back();
      if (slash == std::string_view::npos) break;
      start = slash + 1;
    }
  }
  request.params.clear();
  if (question == std::string_view::npos) return;
  std::string_view query = target.substr(question + 1);
  size_t pos = 0;
  while (pos <= query.size()) {
    size_t amp = query.find('&', pos);
    std::string_view pair =
        query.substr(pos, amp == std::string_view::npos ? std::string_view::npos : amp - pos);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      std::string key = Decode(pair.substr(0, eq), true);
      std::string value =
          eq == std::string_view::npos ? std::string() : Decode(pair.substr(eq + 1), true);
      request.params.emplace(std::move(key), std::move(value));
    }
    if (amp == std::string_view::npos) break;
    pos = amp + 1;
  }
}

}  // namespace hostplane::controller::http
