#include "agent/drivers/nginx/nginx_vhost.h"

#include <fmt/format.h>

#include <cctype>

namespace hostplane::agent {
namespace {

constexpr const char* kIndent = "    ";

// The FastCGI parameters of Debian's /etc/nginx/fastcgi.conf, written out so a vhost does not
// depend on the host's nginx configuration; HTTP_PROXY is emptied (httpoxy).
constexpr const char* kFastcgiParams[][2] = {
    {"SCRIPT_FILENAME", "$document_root$fastcgi_script_name"},
    {"QUERY_STRING", "$query_string"},
    {"REQUEST_METHOD", "$request_method"},
    {"CONTENT_TYPE", "$content_type"},
    {"CONTENT_LENGTH", "$content_length"},
    {"SCRIPT_NAME", "$fastcgi_script_name"},
    {"REQUEST_URI", "$request_uri"},
    {"DOCUMENT_URI", "$document_uri"},
    {"DOCUMENT_ROOT", "$document_root"},
    {"SERVER_PROTOCOL", "$server_protocol"},
    {"REQUEST_SCHEME", "$scheme"},
    {"HTTPS", "$https if_not_empty"},
    {"GATEWAY_INTERFACE", "CGI/1.1"},
    {"SERVER_SOFTWARE", "nginx"},
    {"REMOTE_ADDR", "$remote_addr"},
    {"REMOTE_PORT", "$remote_port"},
    {"SERVER_ADDR", "$server_addr"},
    {"SERVER_PORT", "$server_port"},
    {"SERVER_NAME", "$server_name"},
    {"REDIRECT_STATUS", "200"},
    {"HTTP_PROXY", "\"\""},
};

// TLS 1.2 and 1.3; for 1.2 the forward-secret AEAD suites of Mozilla's "intermediate" profile
// (TLS 1.3's suites are OpenSSL's defaults, all modern).
constexpr const char* kSslCiphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:"
    "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384";

// The logs and the ACME challenge location every server of a site has.
std::string RenderCommon(const VhostParams& p) {
  const std::string i1 = kIndent;
  const std::string i2 = i1 + kIndent;
  std::string out;
  // The access log path names $server_name (this server's first name, which we wrote), so nginx
  // opens it on demand through a small cache instead of holding one descriptor per site in
  // every process: 10,000 sites would otherwise need 20,000 descriptors per worker.
  out += fmt::format("{}access_log \"{}\";\n", i1, p.access_log);
  out += fmt::format("{}open_log_file_cache max=4 inactive=60s valid=60s min_uses=1;\n", i1);
  out += fmt::format("{}error_log \"{}\";\n", i1, p.error_log);
  // Checked component by component below the home (which the agent made; the docroot and
  // everything under it are the tenant's): a link whose owner is not its target's is refused.
  out += fmt::format("{}disable_symlinks if_not_owner \"from={}\";\n", i1, p.home);
  if (p.test_break) out += fmt::format("{}hostplane_test_invalid_directive on;\n", i1);
  out += fmt::format("{}location ^~ /.well-known/acme-challenge/ {{\n", i1);
  out += fmt::format("{}root \"{}\";\n", i2, p.acme_root);
  out += fmt::format("{}default_type text/plain;\n", i2);
  out += fmt::format("{}try_files $uri =404;\n", i2);
  out += fmt::format("{}}}\n", i1);
  return out;
}

// The http server of a site that redirects to HTTPS: ACME challenges are still answered.
std::string RenderRedirectBody(const VhostParams& p) {
  const std::string i1 = kIndent;
  const std::string i2 = i1 + kIndent;
  std::string out = RenderCommon(p);
  // $host is one of this server's names (nginx chose the server by it), lowercased.
  const std::string port = p.https_port == 443 ? "" : ":" + std::to_string(p.https_port);
  out += fmt::format("{}location / {{\n", i1);
  out += fmt::format("{}return 301 https://$host{}$request_uri;\n", i2, port);
  out += fmt::format("{}}}\n", i1);
  return out;
}

// Everything inside a site's server block after listen/server_name (shared by http and https).
std::string RenderServerBody(const VhostParams& p) {
  const std::string i1 = kIndent;
  const std::string i2 = i1 + kIndent;
  std::string out = RenderCommon(p);
  if (p.suspended) {
    out += fmt::format("{}error_page 503 /_hostplane/suspended.html;\n", i1);
    out += fmt::format("{}location / {{\n", i1);
    out += fmt::format("{}return 503;\n", i2);
    out += fmt::format("{}}}\n", i1);
    out += fmt::format("{}location = /_hostplane/suspended.html {{\n", i1);
    out += fmt::format("{}internal;\n", i2);
    out += fmt::format("{}types {{ }}\n", i2);
    out += fmt::format("{}default_type text/html;\n", i2);
    out += fmt::format("{}alias \"{}\";\n", i2, p.suspended_page);
    out += fmt::format("{}}}\n", i1);
    return out;
  }
  out += fmt::format("{}root \"{}\";\n", i1, p.root);
  out += fmt::format("{}index {}index.html index.htm;\n", i1,
                     p.php_socket.empty() ? "" : "index.php ");
  out += fmt::format("{}client_max_body_size {}m;\n", i1, p.upload_max_mb);
  out += fmt::format("{}location / {{\n", i1);
  out += fmt::format("{}try_files {};\n", i2, p.try_files);
  out += fmt::format("{}}}\n", i1);
  // Hidden paths (.git/, .env, .htpasswd, .user.ini, any "/." component) are never served;
  // /.well-known/ is (ACME's challenge has its own location above). Before the PHP location:
  // the first matching regular expression wins.
  out += fmt::format("{}location ~ /\\.(?!well-known/) {{\n", i1);
  out += fmt::format("{}deny all;\n", i2);
  out += fmt::format("{}}}\n", i1);
  if (!p.php_socket.empty()) {
    out += fmt::format("{}location ~ \\.php$ {{\n", i1);
    out += fmt::format("{}try_files $uri =404;\n", i2);
    out += fmt::format("{}fastcgi_pass \"unix:{}\";\n", i2, p.php_socket);
    for (const auto& [name, value] : kFastcgiParams) {
      out += fmt::format("{}fastcgi_param {} {};\n", i2, name, value);
    }
    if (!p.php_admin_values.empty()) {
      std::string values;
      for (const auto& v : p.php_admin_values) values += (values.empty() ? "" : "\\n") + v;
      out += fmt::format("{}fastcgi_param PHP_ADMIN_VALUE \"{}\";\n", i2, values);
    }
    out += fmt::format("{}}}\n", i1);
  }
  return out;
}

}  // namespace

Status ApplySettings(const protocol::SiteSettings& s, VhostParams& p) {
  // Decoded by SiteSettingsOfSpec; the checks that decide what nginx and PHP parse are repeated.
  switch (s.profile) {
    case protocol::AppProfile::kStatic:
      p.try_files = "$uri $uri/ =404";
      break;
    case protocol::AppProfile::kPhp:
      if (p.php_socket.empty()) {
        return Fail(Error::InvalidField("settings.profile", "profile.needs_php",
                                        "the profile php needs a site with PHP"));
      }
      p.try_files = "$uri $uri/ /index.php?$args";
      break;
    case protocol::AppProfile::kCustom: {
      auto f = protocol::CheckFallback(s.fallback);
      if (!f || *f != s.fallback) {
        return Fail(Error::InvalidField("settings.fallback", "fallback.invalid",
                                        "the fallback is not in canonical form"));
      }
      p.try_files = *f;
      const std::string last =
          f->substr(f->rfind(' ') == std::string::npos ? 0 : f->rfind(' ') + 1);
      if (last == "$uri" || last == "$uri/") p.try_files += " =404";
      break;
    }
  }
  if (s.upload_max_mb < protocol::kMinUploadMb || s.upload_max_mb > protocol::kMaxUploadMb) {
    return Fail(Error::InvalidField("settings.upload_max_mb", "upload_max_mb.range",
                                    "upload_max_mb is out of range"));
  }
  p.upload_max_mb = s.upload_max_mb;
  p.https_redirect = s.https_redirect;
  p.hsts = s.hsts;
  p.php_admin_values.clear();
  if (!p.php_socket.empty()) {
    for (char c : s.php_timezone) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '/' && c != '_' && c != '-' &&
          c != '+') {
        return Fail(Error::InvalidField("settings.php_timezone", "timezone.invalid",
                                        "php_timezone is not a time zone name"));
      }
    }
    p.php_admin_values = {
        fmt::format("upload_max_filesize={}M", s.upload_max_mb),
        fmt::format("post_max_size={}M", s.upload_max_mb),
        fmt::format("memory_limit={}M", s.php_memory_limit_mb),
        fmt::format("max_execution_time={}", s.php_max_execution_time),
        fmt::format("max_input_time={}", s.php_max_input_time),
        fmt::format("max_input_vars={}", s.php_max_input_vars),
        fmt::format("display_errors={}", s.php_display_errors ? 1 : 0),
        fmt::format("error_reporting={}", protocol::ErrorReportingValue(s.php_error_reporting)),
        fmt::format("date.timezone={}", s.php_timezone),
        fmt::format("session.gc_maxlifetime={}", s.php_session_gc_maxlifetime),
        fmt::format("short_open_tag={}", s.php_short_open_tag ? 1 : 0),
    };
  }
  return Ok();
}

std::string RenderVhost(const VhostParams& p) {
  std::string names = p.domain;
  for (const auto& a : p.aliases) names += " " + a;
  std::string body = RenderServerBody(p);
  std::string out =
      fmt::format("# managed by hostplane: site {}; edits are overwritten\n", p.domain);
  out += "server {\n";
  out += fmt::format("{}listen {}:{};\n", kIndent, p.listen_address, p.http_port);
  out += fmt::format("{}server_name {};\n", kIndent, names);
  out += p.https && p.https_redirect ? RenderRedirectBody(p) : body;
  out += "}\n";
  if (p.https) {
    out += "server {\n";
    out += fmt::format("{}listen {}:{} ssl http2;\n", kIndent, p.listen_address, p.https_port);
    out += fmt::format("{}server_name {};\n", kIndent, names);
    out += fmt::format("{}ssl_certificate \"{}\";\n", kIndent, p.ssl_certificate);
    out += fmt::format("{}ssl_certificate_key \"{}\";\n", kIndent, p.ssl_certificate_key);
    out += fmt::format("{}ssl_protocols TLSv1.2 TLSv1.3;\n", kIndent);
    out += fmt::format("{}ssl_ciphers {};\n", kIndent, kSslCiphers);
    out += fmt::format("{}ssl_prefer_server_ciphers off;\n", kIndent);
    if (p.hsts) {
      out += fmt::format("{}add_header Strict-Transport-Security \"max-age=31536000\" always;\n",
                         kIndent);
    }
    out += body;
    out += "}\n";
  }
  return out;
}

std::string RenderMailClientVhost(const MailClientVhostParams& p) {
  const std::string i1 = kIndent;
  const std::string i2 = i1 + kIndent;
  std::string out = fmt::format(
      "# managed by hostplane: mail client set-up of {}; edits are overwritten\n", p.domain);
  out += "server {\n";
  out += fmt::format("{}listen {}:{};\n", i1, p.listen_address, p.http_port);
  out += fmt::format("{}server_name autoconfig.{} autodiscover.{};\n", i1, p.domain, p.domain);
  // A certificate for these names can be issued by HTTP-01 like a site's.
  out += fmt::format("{}location ^~ /.well-known/acme-challenge/ {{\n", i1);
  out += fmt::format("{}root \"{}\";\n", i2, p.acme_root);
  out += fmt::format("{}default_type text/plain;\n", i2);
  out += fmt::format("{}try_files $uri =404;\n", i2);
  out += fmt::format("{}}}\n", i1);
  auto document = [&](const char* path, const std::string& file, bool post) {
    out += fmt::format("{}location = {} {{\n", i1, path);
    out += fmt::format("{}types {{ }}\n", i2);
    out += fmt::format("{}default_type \"application/xml; charset=utf-8\";\n", i2);
    // nginx's static files refuse POST with 405; Outlook POSTs its request (whose address a
    // static answer does not need): the 405 becomes the document, as a GET.
    if (post) out += fmt::format("{}error_page 405 =200 $uri;\n", i2);
    out += fmt::format("{}alias \"{}\";\n", i2, file);
    out += fmt::format("{}}}\n", i1);
  };
  document("/mail/config-v1.1.xml", p.autoconfig_file, false);
  document("/autodiscover/autodiscover.xml", p.autodiscover_file, true);
  document("/Autodiscover/Autodiscover.xml", p.autodiscover_file, true);
  out += fmt::format("{}location / {{\n", i1);
  out += fmt::format("{}return 404;\n", i2);
  out += fmt::format("{}}}\n", i1);
  out += "}\n";
  return out;
}

}  // namespace hostplane::agent
