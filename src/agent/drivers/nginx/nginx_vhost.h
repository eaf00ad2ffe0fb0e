#pragma once

// The one encoder of nginx's vhost syntax for sites and mail client set-up hosts
// (shared/SECURITY.md rule 3): pure functions of values that passed the protocol grammars again
// in the agent (NginxDriver builds VhostParams; ApplySettings adds a site's checked settings).
// Fuzzed with a structural round trip (fuzz/nginx_vhost_fuzz.cc).

#include <string>
#include <vector>

#include "common/result.h"
#include "protocol/site_settings.h"

namespace hostplane::agent {

// The validated values of one vhost: absolute host paths and canonical names only.
struct VhostParams {
  std::string domain;
  std::vector<std::string> aliases;
  bool suspended = false;
  std::string listen_address;
  int http_port = 80;
  std::string root;  // absolute host path of the docroot
  // Absolute host path of the account's home. Below it nginx follows a symbolic link only when
  // the link and its target have the same owner (disable_symlinks if_not_owner): a tenant's link
  // to another tenant's file is not served, while the web server's group may read every home.
  std::string home;
  std::string access_log;  // absolute host paths
  std::string error_log;
  std::string acme_root;       // absolute <acme_webroot>
  std::string suspended_page;  // absolute path of the 503 page
  std::string php_socket;      // absolute path of the PHP-FPM socket; "" = static site
  bool https = false;
  int https_port = 443;
  std::string ssl_certificate;  // absolute paths (https only)
  std::string ssl_certificate_key;
  bool test_break = false;  // render the test hook's invalid directive
  // Issue 15, from the site's settings (protocol/site_settings.h), already checked.
  // try_files of "location /": "$uri $uri/ =404" (static), "$uri $uri/ /index.php?$args" (php),
  // or the custom fallback's tokens (with =404 after a last $uri or $uri/).
  std::string try_files = "$uri $uri/ =404";
  int upload_max_mb = 32;      // client_max_body_size (and PHP's limits in php_admin_values)
  bool https_redirect = true;  // https only: the http server answers 301 (except ACME)
  bool hsts = false;           // https only: Strict-Transport-Security
  // PHP sites: "name=value" lines for PHP-FPM's PHP_ADMIN_VALUE, every allowed setting each
  // time (an admin value stays in the pool's worker, so no site may inherit another's).
  std::vector<std::string> php_admin_values;
};

// A site's settings (decoded and checked by protocol::SiteSettingsOfSpec) onto p, whose
// php_socket is already set. kInvalid with a field code when a value is not canonical.
[[nodiscard]] Status ApplySettings(const protocol::SiteSettings& s, VhostParams& p);
// The encoder of a site's vhost.
std::string RenderVhost(const VhostParams& p);
// The validated values of a mail domain's client set-up vhost (mailclient.ensure).
struct MailClientVhostParams {
  std::string domain;  // canonical
  std::string listen_address;
  int http_port = 80;
  std::string acme_root;          // absolute <acme_webroot>
  std::string autoconfig_file;    // absolute path of <domain>.config-v1.1.xml
  std::string autodiscover_file;  // absolute path of <domain>.autodiscover.xml
};
// The encoder of that vhost: autoconfig.<domain> and autodiscover.<domain> on http_port answer
// the two documents (autodiscover to POST too, as Outlook asks) and ACME challenges; every other
// path is 404.
std::string RenderMailClientVhost(const MailClientVhostParams& p);

}  // namespace hostplane::agent
