#include "controller/auth/base_url.h"

#include <curl/curl.h>

#include <memory>

namespace hostplane::auth {
namespace {

using CurlUrl = std::unique_ptr<CURLU, decltype(&curl_url_cleanup)>;

// One part of a parsed URL; empty when absent.
std::string Part(CURLU* u, CURLUPart part, unsigned flags = 0) {
  char* value = nullptr;
  if (curl_url_get(u, part, &value, flags) != CURLUE_OK || value == nullptr) return {};
  std::string out(value);
  curl_free(value);
  return out;
}

std::string Lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

struct Parsed {
  CurlUrl url{nullptr, &curl_url_cleanup};
  std::string scheme;
  std::string host;
  std::string port;  // "" when default
};

Result<Parsed> ParseHttpUrl(std::string_view text) {
  Parsed p;
  p.url.reset(curl_url());
  if (!p.url) return Fail(Error::Internal("out of memory"));
  std::string copy(text);
  if (copy.empty() || copy.find('\0') != std::string::npos ||
      curl_url_set(p.url.get(), CURLUPART_URL, copy.c_str(), 0) != CURLUE_OK) {
    return Fail(Error::InvalidField("base_url", "base_url.invalid", "Not an absolute URL."));
  }
  p.scheme = Lower(Part(p.url.get(), CURLUPART_SCHEME));
  p.host = Lower(Part(p.url.get(), CURLUPART_HOST));
  if (p.scheme != "http" && p.scheme != "https") {
    return Fail(Error::InvalidField("base_url", "base_url.scheme", "The URL is not http(s)."));
  }
  if (p.host.empty()) {
    return Fail(Error::InvalidField("base_url", "base_url.invalid", "The URL has no host."));
  }
  std::string port = Part(p.url.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT);
  bool default_port =
      (p.scheme == "https" && port == "443") || (p.scheme == "http" && port == "80");
  if (!default_port) p.port = port;
  return p;
}

std::string OriginText(const Parsed& p) {
  return p.scheme + "://" + p.host + (p.port.empty() ? "" : ":" + p.port);
}

bool Loopback(const std::string& host) {
  return host == "localhost" || host == "[::1]" || host.rfind("127.", 0) == 0;
}

std::string Escape(const std::string& s) {
  char* e = curl_easy_escape(nullptr, s.data(), static_cast<int>(s.size()));
  if (e == nullptr) return {};
  std::string out(e);
  curl_free(e);
  return out;
}

}  // namespace

Result<BaseUrl> BaseUrl::Parse(std::string_view text, bool allow_http) {
  auto p = ParseHttpUrl(text);
  if (!p) return Fail(p.error());
  CURLU* u = p->url.get();
  if (!Part(u, CURLUPART_USER).empty() || !Part(u, CURLUPART_PASSWORD).empty()) {
    return Fail(Error::InvalidField("base_url", "base_url.userinfo",
                                    "The base URL must not hold a user name or password."));
  }
  // curl keeps a lone '?' or '#' as an empty part; the raw text decides.
  if (!Part(u, CURLUPART_QUERY).empty() || text.find('?') != std::string_view::npos) {
    return Fail(
        Error::InvalidField("base_url", "base_url.query", "The base URL must not have a query."));
  }
  if (!Part(u, CURLUPART_FRAGMENT).empty() || text.find('#') != std::string_view::npos) {
    return Fail(Error::InvalidField("base_url", "base_url.fragment",
                                    "The base URL must not have a fragment."));
  }
  if (p->scheme == "http" && !allow_http && !Loopback(p->host)) {
    return Fail(Error::InvalidField(
        "base_url", "base_url.insecure",
        "The base URL is plain http to a host other than this machine; use https."));
  }
  BaseUrl b;
  b.origin_ = OriginText(*p);
  b.path_ = Part(u, CURLUPART_PATH);
  while (!b.path_.empty() && b.path_.back() == '/') b.path_.pop_back();
  b.secure_ = p->scheme == "https";
  return b;
}

Result<std::string> BaseUrl::Link(
    std::string_view path, const std::vector<std::pair<std::string, std::string>>& query) const {
  bool ok = !path.empty() && path.front() == '/' && path.find("//") == std::string_view::npos &&
            path.find("..") == std::string_view::npos;
  for (char c : path) {
    ok = ok && !(c == '?' || c == '#' || c == '\\' || c == '%' || c == ' ' ||
                 static_cast<unsigned char>(c) < 0x20 || c == 0x7f);
  }
  if (!ok) return Fail(Error::Invalid("not a link path: " + std::string(path.substr(0, 64))));
  std::string out = origin_ + path_ + std::string(path);
  char sep = '?';
  for (const auto& [k, v] : query) {
    out += sep + Escape(k) + "=" + Escape(v);
    sep = '&';
  }
  return out;
}

Result<std::string> OriginOf(std::string_view url) {
  auto p = ParseHttpUrl(url);
  if (!p) return Fail(Error::Invalid("not an absolute http(s) URL"));
  return OriginText(*p);
}

}  // namespace hostplane::auth
