#pragma once

// The controller's configured public address, the only source of links it sends out (password
// reset, e-mail confirmation, order links) and of the origins it accepts (CSRF): never the Host
// header or anything else a client sends (shared/SECURITY.md rule 6). URLs are parsed and
// assembled with libcurl's URL API; query values are percent-encoded by libcurl.
//
// Immutable after Parse; any thread.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace hostplane::auth {

class BaseUrl {
 public:
  // "https://panel.example.com" or "https://example.com/hosting" (a path prefix). http is accepted
  // for loopback hosts (127.0.0.0/8, ::1, localhost), or anywhere when allow_http is set (a
  // deliberate choice: cookies then lose Secure).
  // Errors: kInvalid with field "base_url" and one of base_url.invalid (not an absolute URL),
  // base_url.scheme (not https/http), base_url.insecure (http to a non-loopback host without
  // allow_http), base_url.userinfo, base_url.query, base_url.fragment.
  [[nodiscard]] static Result<BaseUrl> Parse(std::string_view text, bool allow_http = false);

  // "https://panel.example.com" (lowercase, default port left out): what browsers send in Origin.
  const std::string& origin() const { return origin_; }
  // The path prefix without a trailing slash ("" or "/hosting").
  const std::string& path() const { return path_; }
  bool secure() const { return secure_; }

  // origin + path prefix + `path` + "?k=v&..." with each key and value percent-encoded.
  // Errors: kInvalid when path does not start with '/', or holds "//", "..", '?', '#', '\\',
  // '%', or a control character or space (paths are the controller's own constants).
  [[nodiscard]] Result<std::string> Link(
      std::string_view path,
      const std::vector<std::pair<std::string, std::string>>& query = {}) const;

 private:
  std::string origin_;
  std::string path_;
  bool secure_ = true;
};

// The origin ("scheme://host[:port]", lowercase, default port left out) of an absolute http or
// https URL, as browsers serialise it in the Origin header. Errors: kInvalid when text is not an
// absolute http(s) URL with a host.
[[nodiscard]] Result<std::string> OriginOf(std::string_view url);

}  // namespace hostplane::auth
