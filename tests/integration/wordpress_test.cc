// Issue 15's "done" test: WordPress installs and runs on a hostplane site, set up the way a
// customer does it, against the real daemons of `hostplane up` (nginx, PHP-FPM, pure-ftpd,
// MariaDB) and with real clients only. WordPress's files come from Debian's `wordpress` package
// and the few packages it links files from, unpacked with dpkg-deb (nothing is installed; the
// .debs are in the cache scripts/install-deps fills, since test runs have no network). Through
// the API: a customer, a site with the PHP front-controller profile, a database and an FTP login
// into the docroot. Then lftp uploads WordPress, the installer completes over HTTP (and turns
// pretty permalinks on by itself: its loopback check reaches the site), an administrator logs in
// through wp-login.php, creates a post through the REST API (/wp-json/wp/v2/posts), the front
// page and the post's pretty permalink show it, and a 5 MB image uploads into the media library
// (/wp-json/wp/v2/media). WordPress's mail (the lost-password mail) goes out through PHP's mail()
// and the account's submission login and is read over IMAP from the administrator's hostplane
// mailbox. CTest label: webapps.

#include <gtest/gtest.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "service_clients.h"
#include "test_support.h"

namespace hostplane::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Filled by scripts/install-deps (apt-get download).
constexpr const char* kDebCache = "/var/cache/hostplane/debs";
// WordPress, its default theme, and the packages whose files its tree links to.
const std::vector<std::string> kPackages = {"wordpress", "wordpress-theme-twentytwentythree",
                                            "libjs-cropper", "libjs-underscore", "php-getid3"};
constexpr const char* kSite = "blog.acme.example";
constexpr const char* kAdminPassword = "WpAdmin-Secret-5512";
constexpr const char* kAdminEmail = "ops@acme.example";
constexpr const char* kPostTitle = "Hosted by hostplane";
constexpr const char* kPostText = "Uploaded over FTP, installed over HTTP, written over REST.";

CommandOutput Tool(std::vector<std::string> argv, const std::string& stdin_data = "") {
  static PosixCommandRunner runner({"/usr/bin/dpkg-deb", "/usr/bin/lftp", "/usr/bin/php8.2"});
  Command cmd;
  cmd.argv = std::move(argv);
  cmd.stdin_data = stdin_data;
  cmd.timeout = 120s;
  auto r = runner.Run(cmd);
  if (!r) return CommandOutput{-1, "", r.error().message};
  return *r;
}

// The cached .deb of a package, "" when there is none.
std::string CachedDeb(const std::string& package) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(kDebCache, ec)) {
    const std::string name = e.path().filename();
    if (name.starts_with(package + "_") && name.ends_with(".deb")) return e.path();
  }
  return "";
}

// What a link inside an unpacked package tree (root) points to, following links, with absolute
// targets taken inside root; empty when it leads to nothing there.
fs::path ResolveInside(const fs::path& root, fs::path link) {
  for (int hops = 0; hops < 8; ++hops) {
    std::error_code ec;
    const fs::path target = fs::read_symlink(link, ec);
    if (ec) return {};
    link = target.is_absolute() ? root / target.relative_path() : link.parent_path() / target;
    if (!fs::is_symlink(link)) return fs::is_regular_file(link) ? link : fs::path{};
  }
  return {};
}

// Unpacks the packages under scratch and lays out WordPress's tree (/usr/share/wordpress) in dest
// with every symbolic link replaced by the file it points to (as in WordPress's own zip); a link
// that leads nowhere inside the packages (the system CA bundle) is left out. Files are hard links
// into scratch: no second copy to write and delete. Returns the number of files.
size_t StageWordPress(const fs::path& scratch, const fs::path& dest) {
  for (const auto& p : kPackages) {
    const std::string deb = CachedDeb(p);
    if (deb.empty()) {
      ADD_FAILURE() << "no " << p << "_*.deb in " << kDebCache << ": run scripts/install-deps";
      return 0;
    }
    auto x = Tool({"/usr/bin/dpkg-deb", "-x", deb, scratch});
    if (x.exit_code != 0) {
      ADD_FAILURE() << "dpkg-deb -x " << deb << ": " << x.err;
      return 0;
    }
  }
  const fs::path tree = scratch / "usr/share/wordpress";
  fs::create_directories(dest);
  size_t files = 0;
  for (auto it = fs::recursive_directory_iterator(tree); it != fs::recursive_directory_iterator();
       ++it) {
    const fs::path to = dest / it->path().lexically_relative(tree);
    if (it->is_symlink()) {
      const fs::path from = ResolveInside(scratch, it->path());
      if (from.empty()) continue;
      fs::create_directories(to.parent_path());
      fs::create_hard_link(from, to);
      ++files;
    } else if (it->is_directory()) {
      fs::create_directories(to);
    } else {
      fs::create_hard_link(it->path(), to);
      ++files;
    }
  }
  return files;
}

// The wp-config.php a customer writes: the hostplane database's name, user, password and
// address; no internet here, and cron runs from no page view.
std::string WpConfig(const UpInstance& up) {
  std::string keys;
  for (const char* k : {"AUTH_KEY", "SECURE_AUTH_KEY", "LOGGED_IN_KEY", "NONCE_KEY", "AUTH_SALT",
                        "SECURE_AUTH_SALT", "LOGGED_IN_SALT", "NONCE_SALT"}) {
    keys += std::string("define('") + k + "', 'hostplane-test-" + k + "-4f1c9a7e');\n";
  }
  return "<?php\n"
         "define('DB_NAME', 'acme_wp');\n"
         "define('DB_USER', 'acme_wp');\n"
         "define('DB_PASSWORD', '" +
         std::string(kDbPassword) +
         "');\n"
         "define('DB_HOST', '127.0.0.1:" +
         std::to_string(up.ports().db) +
         "');\n"
         "define('DB_CHARSET', 'utf8mb4');\n"
         "define('DB_COLLATE', '');\n" +
         keys +
         "$table_prefix = 'wp_';\n"
         "define('WP_HTTP_BLOCK_EXTERNAL', true);\n"
         "define('DISABLE_WP_CRON', true);\n"
         "define('AUTOMATIC_UPDATER_DISABLED', true);\n"
         "if (!defined('ABSPATH')) define('ABSPATH', __DIR__ . '/');\n"
         "require_once ABSPATH . 'wp-settings.php';\n";
}

// A must-use plugin for this test machine. It has no DNS for the site's name: WordPress's requests
// to its own site (the installer's pretty-permalink check) are sent to the node's nginx, where the
// name would resolve to on a real host; every other host stays blocked (WP_HTTP_BLOCK_EXTERNAL).
// WordPress's mail is not touched: it leaves through PHP's mail() like on any hostplane site.
std::string TestPlugin(const UpInstance& up) {
  return "<?php\n"
         "add_action('http_api_curl', function ($handle) {\n"
         "  curl_setopt($handle, CURLOPT_RESOLVE, ['" +
         std::string(kSite) + ":" + std::to_string(up.http_port()) +
         ":127.0.0.1']);\n"
         "});\n";
}

// A JPEG of random pixels, 1400x1050 at quality 100 (about 6 MB), made with PHP's GD; "" or why
// not.
std::string NoiseJpeg(const std::string& path) {
  auto r = Tool({"/usr/bin/php8.2", "-r",
                 "$w = 1400; $h = 1050; $im = imagecreatetruecolor($w, $h); mt_srand(15);"
                 "for ($y = 0; $y < $h; $y++) for ($x = 0; $x < $w; $x++)"
                 "  imagesetpixel($im, $x, $y, mt_rand(0, 0xffffff));"
                 "imagejpeg($im, $argv[1], 100);",
                 path});
  return r.exit_code == 0 ? "" : r.out + r.err;
}

struct Page {
  int status = 0;
  std::string body;
  std::string redirect;
  Json json() const { return Json::parse(body, nullptr, false); }
};

// curl as a visitor's browser: the site's name resolves to the node's nginx (--resolve, never the
// system resolver), cookies are kept in a jar, form data and secrets come from files.
class Browser {
 public:
  Browser(const UpInstance& up, std::string host)
      : host_(std::move(host)),
        port_(std::to_string(up.http_port())),
        jar_(up.prefix() + "/cookies.txt") {}
  std::string Url(const std::string& path) const { return "http://" + host_ + ":" + port_ + path; }
  // path is below the site ("/wp-login.php") or a whole URL of it.
  Page Fetch(const std::string& path, const std::vector<std::string>& args = {}) const {
    std::vector<std::string> argv = {"/usr/bin/curl",
                                     "-s",
                                     "--max-time",
                                     "60",
                                     "--resolve",
                                     host_ + ":" + port_ + ":127.0.0.1",
                                     "-b",
                                     jar_,
                                     "-c",
                                     jar_,
                                     "-w",
                                     "\n%{http_code} %{redirect_url}"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back(path.starts_with("http") ? path : Url(path));
    auto r = Run(argv);
    Page page;
    const size_t nl = r.out.rfind('\n');
    if (r.exit_code != 0 || nl == std::string::npos) {
      page.body = r.out + r.err;
      return page;
    }
    page.body = r.out.substr(0, nl);
    const std::string info = r.out.substr(nl + 1);
    page.status = std::atoi(info.c_str());
    const size_t sp = info.find(' ');
    if (sp != std::string::npos) page.redirect = info.substr(sp + 1);
    return page;
  }

 private:
  std::string host_;
  std::string port_;
  std::string jar_;
};

// The path of a URL on the site (its permalink), "" when it is another site's.
std::string PathOf(const Browser& b, const std::string& url) {
  const std::string base = b.Url("");
  return url.starts_with(base) ? url.substr(base.size()) : "";
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

TEST(WordPress, InstallsFromFtpUploadPostsOverRestAndTakesA5MbMedia) {
  ASSERT_EQ(::geteuid(), 0u) << "Unix users, pure-ftpd and MariaDB need root";
  const auto start = std::chrono::steady_clock::now();
  UpOptions options;
  options.all_services = true;
  UpInstance up(options);
  ASSERT_OK(up.Start());
  const fs::path staged = up.prefix() + "/wordpress";
  const size_t files = StageWordPress(up.prefix() + "/debs", staged);
  ASSERT_GT(files, 1000u);
  fs::remove(staged / "wp-config.php");  // Debian's, which reads /etc/wordpress
  std::ofstream(staged / "wp-config.php") << WpConfig(up);
  fs::create_directories(staged / "wp-content/mu-plugins");
  std::ofstream(staged / "wp-content/mu-plugins/hostplane-test.php") << TestPlugin(up);
  std::cout << "[ timing ] hostplane up and " << files
            << " WordPress files staged: " << Seconds(start) << " s\n";

  // The customer's side, through the API: customer, PHP site with the front-controller profile,
  // database, FTP login into the docroot.
  auto call = [&](const std::string& method, const std::string& path, const Json& body) {
    auto r = up.Api(method, path, body);
    EXPECT_TRUE(r.status == 200 || r.status == 201 || r.status == 202)
        << method << " " << path << ": " << r.status << " " << r.body;
    for (const auto& t : WaitOrFail(up, UpInstance::TaskIds(r.json()))) {
      EXPECT_EQ(t["state"], "applied") << t.dump();
    }
  };
  call("POST", "/api/v1/customers", {{"login", "acme"}, {"email", "ops@acme.example"}});
  call("POST", "/api/v1/sites", {{"domain", kSite}, {"customer", "acme"}, {"php", "8.2"}});
  call("PATCH", std::string("/api/v1/sites/") + kSite, {{"settings", {{"profile", "php"}}}});
  call("POST", "/api/v1/databases",
       {{"name", "acme_wp"}, {"customer", "acme"}, {"password", kDbPassword}});
  // The administrator's address (the installer's admin_email) is a hostplane mailbox.
  call("POST", "/api/v1/mailboxes",
       {{"address", kAdminEmail}, {"customer", "acme"}, {"password", kMailPassword}});
  call("POST", "/api/v1/ftp-users",
       {{"user", "acme_web"},
        {"customer", "acme"},
        {"password", kFtpPassword},
        {"home", std::string("sites/") + kSite + "/public"}});
  ASSERT_FALSE(::testing::Test::HasFailure()) << up.log();
  ASSERT_TRUE(WaitConverged(up));

  // Upload over FTP with lftp (plain FTP on loopback; the password on stdin).
  auto t = std::chrono::steady_clock::now();
  auto lftp =
      Tool({"/usr/bin/lftp"},
           "set ftp:ssl-allow no\n"
           "set net:max-retries 1\n"
           "set net:timeout 15\n"
           "set cmd:fail-exit yes\n"
           "open -u acme_web," +
               std::string(kFtpPassword) + " ftp://127.0.0.1:" + std::to_string(up.ports().ftp) +
               "\n"
               "mirror --reverse --no-perms --parallel=4 " +
               staged.string() +
               " .\n"
               "bye\n");
  ASSERT_EQ(lftp.exit_code, 0) << lftp.out << lftp.err;
  const fs::path docroot = up.data_dir() + "/home/acme/sites/" + kSite + "/public";
  struct passwd* pw = ::getpwnam(up.UnixUser("acme").c_str());
  ASSERT_NE(pw, nullptr);
  for (const auto& e : fs::recursive_directory_iterator(docroot)) {
    if (!e.is_regular_file()) continue;
    struct stat st {};
    ASSERT_EQ(::stat(e.path().c_str(), &st), 0);
    ASSERT_EQ(st.st_uid, pw->pw_uid) << e.path() << " is not the account's";
  }
  std::string missing;
  for (const auto& e : fs::recursive_directory_iterator(staged)) {
    const fs::path rel = e.path().lexically_relative(staged);
    if (e.is_regular_file() && !fs::exists(docroot / rel)) missing += " " + rel.string();
  }
  EXPECT_EQ(missing, "") << "not uploaded:" << missing << "\n" << lftp.out << lftp.err;
  std::cout << "[ timing ] FTP upload of " << files << " files: " << Seconds(t) << " s\n";

  // The installer, over HTTP as a browser runs it.
  t = std::chrono::steady_clock::now();
  Browser browser(up, kSite);
  Page page = browser.Fetch("/");
  EXPECT_EQ(page.status, 302) << page.body;
  EXPECT_NE(page.redirect.find("/wp-admin/install.php"), std::string::npos) << page.redirect;
  page = browser.Fetch("/wp-admin/install.php");
  ASSERT_EQ(page.status, 200) << page.body;
  const std::string install_form = SecretFile(
      up.prefix(), "install.form",
      std::string("weblog_title=Acme+Blog&user_name=admin&admin_password=") + kAdminPassword +
          "&admin_password2=" + kAdminPassword +
          "&admin_email=ops%40acme.example&blog_public=0&language=&Submit=Install+WordPress");
  page = browser.Fetch("/wp-admin/install.php?step=2", {"--data-binary", "@" + install_form});
  ASSERT_EQ(page.status, 200) << page.body;
  ASSERT_NE(page.body.find("Success!"), std::string::npos) << page.body;
  std::cout << "[ timing ] installer: " << Seconds(t) << " s\n";

  // Logged in as the administrator (the login page sets the test cookie first).
  t = std::chrono::steady_clock::now();
  EXPECT_EQ(browser.Fetch("/wp-login.php").status, 200);
  const std::string login_form =
      SecretFile(up.prefix(), "login.form",
                 std::string("log=admin&pwd=") + kAdminPassword + "&testcookie=1&wp-submit=Log+In");
  page = browser.Fetch("/wp-login.php", {"--data-binary", "@" + login_form});
  ASSERT_EQ(page.status, 302) << page.body;
  EXPECT_NE(page.redirect.find("/wp-admin/"), std::string::npos) << page.redirect;
  page = browser.Fetch("/wp-admin/admin-ajax.php?action=rest-nonce");
  ASSERT_EQ(page.status, 200) << page.body;
  const std::string nonce = page.body;
  ASSERT_FALSE(nonce.empty());

  // A post through the REST API, at the pretty /wp-json/ path (the front controller).
  const std::string post_file =
      SecretFile(up.prefix(), "post.json",
                 Json{{"title", kPostTitle},
                      {"content", std::string("<p>") + kPostText + "</p>"},
                      {"status", "publish"}}
                     .dump());
  page = browser.Fetch("/wp-json/wp/v2/posts",
                       {"-H", "X-WP-Nonce: " + nonce, "-H", "Content-Type: application/json",
                        "--data-binary", "@" + post_file});
  ASSERT_EQ(page.status, 201) << page.body;
  const Json post = page.json();
  ASSERT_TRUE(post.is_object()) << page.body;
  const std::string link = post.value("link", "");
  const std::string permalink = PathOf(browser, link);
  // The installer found the front controller working and chose pretty permalinks by itself.
  EXPECT_TRUE(permalink.ends_with("/hosted-by-hostplane/")) << link;
  EXPECT_EQ(permalink.find('?'), std::string::npos) << link;
  page = browser.Fetch(permalink);
  EXPECT_EQ(page.status, 200) << permalink;
  EXPECT_NE(page.body.find(kPostText), std::string::npos) << page.body;
  page = browser.Fetch("/");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find(kPostTitle), std::string::npos) << page.body;
  std::cout << "[ timing ] login, post, front page and permalink: " << Seconds(t) << " s\n";

  // A 5 MB photo into the media library, served back byte for byte.
  t = std::chrono::steady_clock::now();
  const std::string photo = up.prefix() + "/photo.jpg";
  ASSERT_EQ(NoiseJpeg(photo), "");
  const auto photo_size = fs::file_size(photo);
  ASSERT_GE(photo_size, 5u << 20);
  page = browser.Fetch(
      "/wp-json/wp/v2/media",
      {"-H", "X-WP-Nonce: " + nonce, "-H", "Content-Type: image/jpeg", "-H",
       "Content-Disposition: attachment; filename=photo.jpg", "--data-binary", "@" + photo});
  ASSERT_EQ(page.status, 201) << page.body;
  const std::string source = page.json().value("source_url", "");
  const std::string media_path = PathOf(browser, source);
  ASSERT_TRUE(media_path.starts_with("/wp-content/uploads/")) << source;
  const std::string served = up.prefix() + "/served.jpg";
  EXPECT_EQ(browser.Fetch(media_path, {"-o", served}).status, 200);
  EXPECT_TRUE(ReadFile(served) == ReadFile(photo)) << "the served photo differs from the upload";
  struct stat st {};
  ASSERT_EQ(::stat((docroot.string() + media_path).c_str(), &st), 0) << media_path;
  EXPECT_EQ(static_cast<uintmax_t>(st.st_size), photo_size);
  EXPECT_EQ(st.st_uid, pw->pw_uid) << "the upload is not the account's";
  std::cout << "[ timing ] 5 MB media upload: " << Seconds(t) << " s\n";

  // A lost-password mail: sent by WordPress through PHP's mail(), read over IMAP.
  t = std::chrono::steady_clock::now();
  const std::string lost_form = SecretFile(
      up.prefix(), "lost.form", "user_login=admin&redirect_to=&wp-submit=Get+New+Password");
  page = browser.Fetch("/wp-login.php?action=lostpassword", {"--data-binary", "@" + lost_form});
  ASSERT_EQ(page.status, 302) << page.body;
  EXPECT_NE(page.redirect.find("checkemail=confirm"), std::string::npos) << page.redirect;
  std::string reset_mail;
  for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
       reset_mail.empty() && std::chrono::steady_clock::now() < deadline;
       std::this_thread::sleep_for(std::chrono::milliseconds(200))) {
    for (int n = 1; n <= 3 && reset_mail.empty(); ++n) {
      const std::string m = ImapFetch(up, kAdminEmail, kMailPassword, n);
      // WordPress 6.1's subject (wp-includes/user.php, retrieve_password): "[<blog>] Password
      // Reset"; the installer's own mail ("New WordPress Site") is usually UID 1.
      if (m.find("Subject: [Acme Blog] Password Reset") != std::string::npos) reset_mail = m;
    }
  }
  ASSERT_FALSE(reset_mail.empty()) << "no lost-password mail in " << kAdminEmail << "\n"
                                   << ReadFile(up.data_dir() + "/home/acme/logs/mail.log");
  EXPECT_NE(reset_mail.find("wp-login.php?"), std::string::npos) << reset_mail;  // the link
  std::cout << "[ timing ] lost-password mail read over IMAP: " << Seconds(t) << " s\n";

  // What Debian's package ships for Apache was uploaded too, and is not served.
  page = browser.Fetch("/.htaccess");
  EXPECT_TRUE(page.status == 403 || page.status == 404) << page.status;
  std::cout << "[ timing ] whole test before clean-up: " << Seconds(start) << " s\n";
  t = std::chrono::steady_clock::now();
  up.RemoveAccounts();
  std::cout << "[ timing ] accounts removed: " << Seconds(t) << " s\n";
}

}  // namespace
}  // namespace hostplane::testing
