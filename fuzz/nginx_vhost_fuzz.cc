// nginx's vhost (agent/drivers/nginx/nginx_vhost.h, RenderVhost after ApplySettings) of a
// site.ensure spec the agent's decoders accept (SiteSpecFromJson and SiteSettingsOfSpec on the
// fuzzed JSON), with host paths as NginxDriver makes them. Structural round trip: one directive
// or brace per line, every line ending in ';', '{' or '}', quotes paired on each line, braces
// balanced with one server block (two with https); server_name lists exactly the domain and its
// aliases, root and try_files read back as given, and PHP_ADMIN_VALUE's quoted string splits
// back into exactly the admin values. No value adds a directive, a block or a line.

#include <cstdint>
#include <string>
#include <vector>

#include "agent/drivers/nginx/nginx_vhost.h"
#include "fuzz_check.h"
#include "protocol/messages.h"
#include "protocol/site_settings.h"

using namespace hostplane;

namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  for (size_t start = 0; start < text.size();) {
    size_t nl = text.find('\n', start);
    FUZZ_CHECK(nl != std::string::npos, "no final newline");
    std::string line = text.substr(start, nl - start);
    size_t first = line.find_first_not_of(' ');
    out.push_back(first == std::string::npos ? "" : line.substr(first));
    start = nl + 1;
  }
  return out;
}

size_t Count(const std::vector<std::string>& lines, const std::string& line) {
  size_t n = 0;
  for (const auto& l : lines) n += l == line;
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto json = nlohmann::json::parse(fuzz::Bytes(data, size), nullptr, false);
  if (json.is_discarded()) return 0;
  auto site = protocol::SiteSpecFromJson(json);
  if (!site) return 0;
  auto settings = protocol::SiteSettingsOfSpec(json);
  if (!settings) return 0;

  agent::VhostParams p;
  p.domain = site->domain;
  p.aliases = site->aliases;
  p.suspended = site->status == "suspended";
  p.listen_address = "127.0.0.1";
  p.http_port = 8080;
  p.home = "/srv/hostplane/home/" + site->account;
  p.root = p.home + "/" + site->docroot;
  p.access_log = "/var/log/hostplane/nginx/$server_name.access.log";
  p.error_log = "/var/log/hostplane/nginx/" + site->account + ".error.log";
  p.acme_root = "/var/lib/hostplane/acme";
  p.suspended_page = "/var/lib/hostplane/pages/suspended.html";
  if (!site->php.empty())
    p.php_socket = "/run/hostplane/php/" + site->account + "-" + site->php + ".sock";
  p.https = site->https;
  p.https_port = 8443;
  if (p.https) {
    p.ssl_certificate = "/etc/hostplane/certs/" + site->domain + "/fullchain.pem";
    p.ssl_certificate_key = "/etc/hostplane/certs/" + site->domain + "/privkey.pem";
  }
  if (!agent::ApplySettings(*settings, p)) return 0;  // refused: nothing is rendered

  std::vector<std::string> lines = Lines(agent::RenderVhost(p));
  int depth = 0;
  size_t servers = 0;
  for (const auto& l : lines) {
    FUZZ_CHECK(!l.empty(), "an empty line");
    if (l.front() == '#') continue;
    char last = l.back();
    FUZZ_CHECK(last == ';' || last == '{' || last == '}', "a line that ends no directive");
    size_t quotes = 0;
    for (size_t i = 0; i < l.size(); ++i) {
      if (l[i] == '\\') {
        ++i;
        continue;
      }
      if (l[i] == '"') ++quotes;
      if (quotes % 2 == 1) continue;
      if (l[i] == '{') ++depth;
      if (l[i] == '}') --depth;
      FUZZ_CHECK(depth >= 0, "a '}' closes more than was opened");
      if (l[i] == ';') FUZZ_CHECK(i == l.size() - 1, "two directives on one line");
    }
    FUZZ_CHECK(quotes % 2 == 0, "an unpaired quote");
    if (l == "server {") {
      FUZZ_CHECK(depth == 1, "a server block inside another block");
      ++servers;
    }
  }
  FUZZ_CHECK(depth == 0, "unbalanced braces");
  FUZZ_CHECK(servers == (p.https ? 2u : 1u), "wrong number of server blocks");

  std::string names = p.domain;
  for (const auto& a : p.aliases) names += " " + a;
  FUZZ_CHECK(Count(lines, "server_name " + names + ";") == servers, "server_name");
  if (!p.suspended && (!p.https || !p.https_redirect || p.https)) {
    size_t bodies = p.https ? 1 + (p.https_redirect ? 0 : 1) : 1;
    FUZZ_CHECK(Count(lines, "root \"" + p.root + "\";") == bodies, "root");
    FUZZ_CHECK(Count(lines, "try_files " + p.try_files + ";") == bodies, "try_files");
    if (!p.php_admin_values.empty()) {
      std::string joined;
      for (const auto& v : p.php_admin_values) joined += (joined.empty() ? "" : "\\n") + v;
      FUZZ_CHECK(Count(lines, "fastcgi_param PHP_ADMIN_VALUE \"" + joined + "\";") == bodies,
                 "PHP_ADMIN_VALUE");
      for (const auto& v : p.php_admin_values) {
        FUZZ_CHECK(v.find_first_of("\"\\;{}\n") == std::string::npos, "an admin value's byte");
      }
    }
  }
  return 0;
}
