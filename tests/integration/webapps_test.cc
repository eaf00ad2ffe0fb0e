// Issue 15, end to end with real daemons (`hostplane up`: nginx, PHP-FPM; pebble for HTTPS):
// a site's web settings set through the CLI and the API reach nginx and PHP as they say. The
// PHP front controller serves pretty paths through index.php; one upload limit sets nginx's and
// PHP's; hidden files are never served while ACME challenges are; the PHP settings are admin
// values .user.ini cannot change; the front controller serves no link to another tenant's files;
// a site with a certificate redirects to HTTPS and speaks TLS 1.3 and HTTP/2; every hostile
// setting is refused with a field code and queues nothing.
// CTest label: webapps.

#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "common/exec/command_runner.h"
#include "service_clients.h"
#include "test_support.h"
#include "up_pebble.h"

namespace hostplane::testing {
namespace {

using namespace std::chrono_literals;

// curl's exit code and -w output (after the body, on the last line).
struct Fetched {
  int exit_code = -1;
  std::string body;
  std::string info;
};

Fetched Curl(std::vector<std::string> args, const std::string& write_out) {
  PosixCommandRunner runner({"/usr/bin/curl"});
  Command cmd;
  cmd.argv = {"/usr/bin/curl", "-s", "--max-time", "30", "-w", "\n" + write_out};
  cmd.argv.insert(cmd.argv.end(), args.begin(), args.end());
  cmd.timeout = 60s;
  auto r = runner.Run(cmd);
  if (!r) {
    ADD_FAILURE() << r.error().message;
    return {};
  }
  Fetched f;
  f.exit_code = r->exit_code;
  size_t nl = r->out.rfind('\n');
  f.body = nl == std::string::npos ? "" : r->out.substr(0, nl);
  f.info = nl == std::string::npos ? r->out : r->out.substr(nl + 1);
  return f;
}

int64_t HeadRevision(UpInstance& up) {
  Json node = up.Api("GET", "/api/v1/nodes/local").json();
  if (node.contains("node")) node = node["node"];
  return node.value("head_revision", int64_t{-1});
}

class WebApps : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(up_.Start());
    CliOk({"customer", "create", "acme", "--email", "ops@acme.example"});
    CliOk({"site", "add", kSite, "--customer", "acme", "--php", "8.2", "--wait"});
  }
  void CliOk(const std::vector<std::string>& args) {
    auto c = CliOrFail(up_, args);
    ASSERT_EQ(c.exit_code, 0) << c.out << c.err << up_.log();
  }
  // POSTs a file of `bytes` bytes as the form field f to /upload.php.
  Fetched Upload(size_t bytes) {
    const std::string file = up_.prefix() + "/upload.bin";
    std::ofstream(file, std::ios::binary) << std::string(bytes, 'x');
    return Curl({"-H", std::string("Host: ") + kSite, "-F", "f=@" + file,
                 "http://127.0.0.1:" + std::to_string(up_.http_port()) + "/upload.php"},
                "%{http_code}");
  }

  static constexpr const char* kSite = "shop.acme.example";
  UpInstance up_;
};

TEST_F(WebApps, FrontControllerServesPrettyPathsThroughIndexPhp) {
  WriteSiteFile(up_, "acme", kSite, "index.php", "<?php echo 'front:', $_SERVER['REQUEST_URI'];");
  // The static profile (the default) answers 404 for a path that is no file.
  EXPECT_EQ(up_.Curl(kSite, "/some/pretty/path").status, 404);
  CliOk({"site", "set", kSite, "profile=php", "--wait"});
  auto page = up_.Curl(kSite, "/some/pretty/path?x=1");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.body, "front:/some/pretty/path?x=1");
  EXPECT_EQ(
      up_.Api("GET", std::string("/api/v1/sites/") + kSite).json()["site"]["settings"]["profile"],
      "php");
  // A custom fallback from the grammar.
  WriteSiteFile(up_, "acme", kSite, "app/start.php", "<?php echo 'app:', $_GET['route'];");
  CliOk({"site", "set", kSite, "profile=custom", "fallback=$uri /app/start.php?route=$uri",
         "--wait"});
  page = up_.Curl(kSite, "/a/b");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.body, "app:/a/b");
}

TEST_F(WebApps, OneUploadLimitSetsNginxAndPhp) {
  WriteSiteFile(up_, "acme", kSite, "upload.php",
                "<?php echo isset($_FILES['f']) ? $_FILES['f']['error'] . ':' . "
                "$_FILES['f']['size'] : 'none';");
  CliOk({"site", "set", kSite, "upload_max_mb=8", "--wait"});
  auto accepted = Upload(5 * 1024 * 1024);
  EXPECT_EQ(accepted.info, "200") << accepted.body;
  EXPECT_EQ(accepted.body, "0:5242880");  // UPLOAD_ERR_OK, every byte
  CliOk({"site", "set", kSite, "upload_max_mb=1", "--wait"});
  auto refused = Upload(5 * 1024 * 1024);
  EXPECT_EQ(refused.info, "413") << refused.body;
  // Under nginx's limit, PHP's own limit is the same number: 1.5 MB is refused by nginx too.
  EXPECT_EQ(Upload(1536 * 1024).info, "413");
  EXPECT_EQ(Upload(512 * 1024).body, "0:524288");
}

TEST_F(WebApps, HiddenFilesAreDeniedAcmeChallengesServed) {
  CliOk({"site", "set", kSite, "profile=php", "--wait"});
  WriteSiteFile(up_, "acme", kSite, "index.php", "<?php echo 'front';");
  const std::vector<std::string> hidden = {".env",      ".git/config", ".git/HEAD", ".htaccess",
                                           ".htpasswd", ".user.ini",   "sub/.env",  ".env.php"};
  for (const auto& h : hidden) WriteSiteFile(up_, "acme", kSite, h, "SECRET\n");
  for (const auto& h : hidden) {
    auto r = up_.Curl(kSite, "/" + h);
    EXPECT_TRUE(r.status == 403 || r.status == 404) << h << " answered " << r.status;
    EXPECT_EQ(r.body.find("SECRET"), std::string::npos) << h;
  }
  // .well-known stays reachable: the ACME challenge and the site's own files.
  const std::string acme = up_.data_dir() + "/var/lib/hostplane/acme/.well-known/acme-challenge";
  std::filesystem::create_directories(acme);
  std::ofstream(acme + "/x") << "token.x\n";
  ::chmod((acme + "/x").c_str(), 0644);
  auto challenge = up_.Curl(kSite, "/.well-known/acme-challenge/x");
  EXPECT_EQ(challenge.status, 200);
  EXPECT_EQ(challenge.body, "token.x\n");
  WriteSiteFile(up_, "acme", kSite, ".well-known/security.txt", "Contact: ops@acme.example\n");
  EXPECT_EQ(up_.Curl(kSite, "/.well-known/security.txt").status, 200);
}

TEST_F(WebApps, FrontControllerServesNoLinkToAnotherTenantsFiles) {
  CliOk({"customer", "create", "bob", "--email", "ops@bob.example"});
  CliOk({"site", "add", "bob.example", "--customer", "bob", "--php", "8.2", "--wait"});
  CliOk({"site", "set", kSite, "profile=php", "--wait"});
  WriteSiteFile(up_, "acme", kSite, "index.php", "<?php echo 'front';");
  WriteSiteFile(up_, "bob", "bob.example", "secret.txt", "bob's secret\n");
  WriteSiteFile(up_, "bob", "bob.example", "secret.php", "<?php echo 'bob runs';");
  EXPECT_EQ(up_.Curl("bob.example", "/secret.php").body, "bob runs");
  const std::string acme_root = up_.data_dir() + "/home/acme/sites/" + kSite + "/public";
  const std::string bob_root = up_.data_dir() + "/home/bob/sites/bob.example/public";
  struct passwd* acme = ::getpwnam(up_.UnixUser("acme").c_str());
  ASSERT_NE(acme, nullptr);
  // Links acme's own user made (an archive, cron, SFTP) to bob's files and docroot.
  for (const auto& [target, link] :
       {std::pair{bob_root + "/secret.txt", "steal.txt"},
        std::pair{bob_root + "/secret.php", "steal.php"}, std::pair{bob_root, "bobdir"}}) {
    const std::string path = acme_root + "/" + link;
    ASSERT_EQ(::symlink(target.c_str(), path.c_str()), 0) << path;
    ASSERT_EQ(::lchown(path.c_str(), acme->pw_uid, acme->pw_gid), 0) << path;
  }
  // nginx does not open them (disable_symlinks if_not_owner): a path that is no file goes to the
  // front controller, a .php path that is no file is 404; bob's content never shows.
  for (const char* path : {"/steal.txt", "/bobdir/secret.txt"}) {
    auto r = up_.Curl(kSite, path);
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.body, "front") << path;
  }
  for (const char* path : {"/steal.php", "/bobdir/secret.php"}) {
    auto r = up_.Curl(kSite, path);
    EXPECT_EQ(r.status, 404) << path << ": " << r.body;
    EXPECT_EQ(r.body.find("bob runs"), std::string::npos) << path;
  }
}

TEST_F(WebApps, PhpSettingsAreAdminValuesUserIniCannotChange) {
  WriteSiteFile(up_, "acme", kSite, "ini.php",
                "<?php echo ini_get('memory_limit'), ' ', ini_get('date.timezone'), ' ', "
                "ini_get('max_input_vars'), ' ', ini_get('upload_max_filesize'), ' ', "
                "ini_get('display_errors'), ' ', var_export(ini_set('memory_limit', '1G'), true), "
                "' ', ini_get('open_basedir') === '' ? 'open' : 'jailed', ' ', "
                "extension_loaded('mysqli') && extension_loaded('gd') && extension_loaded('intl') "
                "&& extension_loaded('mbstring') && extension_loaded('zip') && "
                "extension_loaded('curl') && extension_loaded('dom') && extension_loaded('bcmath') "
                "&& extension_loaded('imagick') ? 'ext' : 'noext', ' ', "
                "function_exists('opcache_get_status') && ini_get('opcache.enable') ? 'opcache' "
                ": 'noopcache';");
  WriteSiteFile(up_, "acme", kSite, ".user.ini",
                "memory_limit=64M\ndate.timezone=Asia/Tokyo\nopen_basedir=/\n"
                "upload_max_filesize=900M\n");
  CliOk({"site", "set", kSite, "php_memory_limit_mb=256", "php_timezone=Europe/Berlin",
         "php_max_input_vars=3000", "upload_max_mb=16", "php_display_errors=on", "--wait"});
  auto page = up_.Curl(kSite, "/ini.php");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.body, "256M Europe/Berlin 3000 16M 1 false jailed ext opcache");
}

TEST_F(WebApps, HostileSettingsAreRefusedWithAFieldCodeAndQueueNothing) {
  const int64_t head = HeadRevision(up_);
  ASSERT_GT(head, 0);
  struct Case {
    Json settings;
    std::string field;
    std::string code;
  };
  const std::vector<Case> cases = {
      {{{"profile", "nginx"}}, "settings.profile", "profile.invalid"},
      {{{"profile", "custom"}}, "settings.fallback", "fallback.missing"},
      {{{"profile", "custom"}, {"fallback", "/x; include /etc/passwd"}},
       "settings.fallback",
       "fallback.invalid"},
      {{{"fallback", "/index.php\"; }"}}, "settings.fallback", "fallback.invalid"},
      {{{"fallback", "/../../etc/shadow"}}, "settings.fallback", "fallback.invalid"},
      {{{"fallback", "$request_body"}}, "settings.fallback", "fallback.invalid"},
      {{{"upload_max_mb", 0}}, "settings.upload_max_mb", "upload_max_mb.range"},
      {{{"upload_max_mb", 100000}}, "settings.upload_max_mb", "upload_max_mb.range"},
      {{{"upload_max_mb", "8m;"}}, "settings.upload_max_mb", "field.type"},
      {{{"https_redirect", "off"}}, "settings.https_redirect", "field.type"},
      {{{"hsts", nullptr}}, "settings.hsts", "field.type"},
      {{{"php_memory_limit_mb", -1}}, "settings.php_memory_limit_mb", "php_memory_limit_mb.range"},
      {{{"php_max_execution_time", 0}},
       "settings.php_max_execution_time",
       "php_max_execution_time.range"},
      {{{"php_max_input_time", 100000}}, "settings.php_max_input_time", "php_max_input_time.range"},
      {{{"php_max_input_vars", 1}}, "settings.php_max_input_vars", "php_max_input_vars.range"},
      {{{"php_display_errors", "1"}}, "settings.php_display_errors", "field.type"},
      {{{"php_error_reporting", "E_ALL\nopen_basedir=/"}},
       "settings.php_error_reporting",
       "error_reporting.invalid"},
      {{{"php_timezone", "UTC\nopen_basedir=/"}}, "settings.php_timezone", "timezone.invalid"},
      {{{"php_timezone", "Europe/Berlin\"; deny all; #"}},
       "settings.php_timezone",
       "timezone.invalid"},
      {{{"php_session_gc_maxlifetime", 1}},
       "settings.php_session_gc_maxlifetime",
       "php_session_gc_maxlifetime.range"},
      {{{"php_short_open_tag", 1}}, "settings.php_short_open_tag", "field.type"},
      {{{"open_basedir", "/"}}, "settings.open_basedir", "field.unknown"},
      {{{"disable_functions", ""}}, "settings.disable_functions", "field.unknown"},
      {{{"sendmail_path", "/bin/sh -c id"}}, "settings.sendmail_path", "field.unknown"},
      {{{"php_admin_value", "x"}}, "settings.php_admin_value", "field.unknown"},
  };
  for (const auto& c : cases) {
    auto r = up_.Api("PATCH", std::string("/api/v1/sites/") + kSite, {{"settings", c.settings}});
    EXPECT_TRUE(r.status == 400 || r.status == 422) << c.settings.dump() << ": " << r.body;
    EXPECT_EQ(r.json()["error"]["fields"].value(c.field, ""), c.code)
        << c.settings.dump() << ": " << r.body;
  }
  EXPECT_EQ(HeadRevision(up_), head) << "a refused setting queued a task";
  // Not an object at all.
  auto r = up_.Api("PATCH", std::string("/api/v1/sites/") + kSite, {{"settings", "profile=php"}});
  EXPECT_EQ(r.json()["error"]["fields"].value("settings", ""), "field.type") << r.body;
  // The php profile needs PHP; PHP cannot be turned off under it.
  CliOk({"site", "add", "static.acme.example", "--customer", "acme", "--wait"});
  const int64_t head2 = HeadRevision(up_);
  r = up_.Api("PATCH", "/api/v1/sites/static.acme.example", {{"settings", {{"profile", "php"}}}});
  EXPECT_EQ(r.json()["error"]["fields"].value("settings.profile", ""), "profile.needs_php")
      << r.body;
  // The CLI says so too, with the exit code of refused input.
  auto c = CliOrFail(up_, {"site", "set", "static.acme.example", "upload_max_mb=0"});
  EXPECT_EQ(c.exit_code, 4) << c.out << c.err;
  EXPECT_NE((c.out + c.err).find("upload_max_mb.range"), std::string::npos) << c.out << c.err;
  EXPECT_EQ(HeadRevision(up_), head2) << "a refused setting queued a task";
  CliOk({"site", "set", kSite, "profile=php", "--wait"});
  r = up_.Api("PATCH", std::string("/api/v1/sites/") + kSite, {{"php", ""}});
  EXPECT_EQ(r.json()["error"]["fields"].value("php", ""), "profile.needs_php") << r.body;
  auto site = up_.Api("GET", std::string("/api/v1/sites/") + kSite).json()["site"];
  EXPECT_EQ(site["php"], "8.2");
  EXPECT_EQ(site["settings"]["upload_max_mb"], 32);
}

TEST(WebAppsHttps, RedirectsToHttpsWithTls13Http2AndHsts) {
  UpInstance up;
  UpPebble pebble(up);
  ASSERT_OK(pebble.Start());
  ASSERT_OK(up.Start());
  const std::string domain = "shop.acme.example";
  auto c = CliOrFail(up, {"customer", "create", "acme", "--email", "ops@acme.example"});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  c = CliOrFail(up, {"site", "add", domain, "--customer", "acme", "--wait"});
  ASSERT_EQ(c.exit_code, 0) << c.out << c.err;
  c = CliOrFail(up, {"cert", "issue", domain, "--wait"});
  ASSERT_EQ(c.exit_code, 0) << c.out << c.err << up.log();
  Json site;
  for (auto deadline = std::chrono::steady_clock::now() + 30s;
       std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(100ms)) {
    site = up.Api("GET", "/api/v1/sites/" + domain).json()["site"];
    if (site["https"] == true) break;
  }
  ASSERT_EQ(site["https"], true) << site.dump();
  ASSERT_TRUE(WaitConverged(up));
  auto root = pebble.WriteRoot();
  ASSERT_TRUE(root) << root.error().message;
  const std::string root_file = *root;
  const std::string https = std::to_string(up.ports().https);
  const std::string http = std::to_string(up.http_port());
  const std::vector<std::string> tls = {"--cacert", root_file, "--resolve",
                                        domain + ":" + https + ":127.0.0.1"};
  const std::string url = "https://" + domain + ":" + https + "/";

  // HTTP answers 301 to the same path over HTTPS (on its port).
  auto redirect = Curl({"-H", "Host: " + domain, "http://127.0.0.1:" + http + "/a/b?c=1"},
                       "%{http_code} %{redirect_url}");
  EXPECT_EQ(redirect.info, "301 https://" + domain + ":" + https + "/a/b?c=1");
  // ... except for ACME's challenges (renewals).
  const std::string acme = up.data_dir() + "/var/lib/hostplane/acme/.well-known/acme-challenge";
  std::filesystem::create_directories(acme);
  std::ofstream(acme + "/probe") << "probe\n";
  EXPECT_EQ(up.Curl(domain, "/.well-known/acme-challenge/probe").status, 200);

  // TLS 1.3 (and 1.2), HTTP/2 negotiated by ALPN, no HSTS by default.
  std::vector<std::string> args = tls;
  args.insert(args.end(), {"--tlsv1.3", "--http2", "-D", "-", url});
  auto h2 = Curl(args, "%{http_version} %{ssl_verify_result}");
  EXPECT_EQ(h2.exit_code, 0) << h2.body;
  EXPECT_EQ(h2.info, "2 0") << h2.body;
  EXPECT_EQ(h2.body.find("strict-transport-security"), std::string::npos) << h2.body;
  args = tls;
  args.insert(args.end(), {"--tlsv1.2", "--tls-max", "1.2", "--http1.1", url});
  EXPECT_EQ(Curl(args, "%{http_code}").info, "200");

  // HSTS on; the redirect off: plain HTTP serves the site again.
  c = CliOrFail(up, {"site", "set", domain, "hsts=on", "https_redirect=off", "--wait"});
  ASSERT_EQ(c.exit_code, 0) << c.out << c.err;
  args = tls;
  args.insert(args.end(), {"--http2", "-D", "-", url});
  auto hsts = Curl(args, "%{http_code}");
  EXPECT_NE(hsts.body.find("strict-transport-security: max-age=31536000"), std::string::npos)
      << hsts.body;
  EXPECT_EQ(up.Curl(domain).status, 200);
}

}  // namespace
}  // namespace hostplane::testing
