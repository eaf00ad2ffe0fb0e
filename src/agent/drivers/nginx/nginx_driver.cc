#include "agent/drivers/nginx/nginx_driver.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <httplib.h>
#include <pwd.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "agent/drivers/nginx/mail_client_config.h"
#include "common/text/text.h"
#include "protocol/account_spec.h"
#include "protocol/mail_client_spec.h"
#include "protocol/validate.h"

namespace hostplane::agent {
namespace {

// A field must arrive in canonical form: the agent re-runs the grammar and refuses anything the
// controller should already have normalised (SECURITY rule 3: validated again in the agent).
Status Canonical(const std::string& field, const std::string& value,
                 const protocol::Checked<std::string>& checked) {
  if (!checked) {
    return Fail(Error::InvalidField(field, checked.error().code, checked.error().message));
  }
  if (*checked != value) {
    return Fail(Error::InvalidField(field, "not_canonical", field + " is not in canonical form"));
  }
  return Ok();
}

Status CheckSiteFields(const std::string& domain, const std::vector<std::string>& aliases,
                       const std::string& account, const std::string& docroot) {
  HP_TRY(Canonical("domain", domain, protocol::CheckDomain(domain)));
  for (size_t i = 0; i < aliases.size(); ++i) {
    HP_TRY(Canonical(fmt::format("aliases[{}]", i), aliases[i], protocol::CheckDomain(aliases[i])));
  }
  // The grammar only: the account's own Unix user exists on this node by design.
  HP_TRY(Canonical("account", account, protocol::CheckLoginGrammar(account)));
  HP_TRY(Canonical("docroot", docroot, protocol::CheckRelativePath(docroot)));
  return Ok();
}

// Host paths come from the operator's layout, not from tenants, but they are written into a
// quoted nginx string: refuse anything that could end or escape it.
Status CheckHostPath(const std::string& path) {
  for (unsigned char c : path) {
    if (c < 0x20 || c == 0x7f || c == '"' || c == '$' || c == '\\' || c == '{' || c == '}' ||
        c == ';') {
      return Fail(Error::Invalid("host path " + path + " contains a character nginx would parse"));
    }
  }
  return Ok();
}

// The operator's listen address is written unquoted: an IP literal only.
Status CheckListenAddress(const std::string& address) {
  for (char c : address) {
    if (!std::isxdigit(static_cast<unsigned char>(c)) && c != '.' && c != ':' && c != '[' &&
        c != ']') {
      return Fail(Error::Invalid("listen address " + address + " is not an IP literal"));
    }
  }
  return Ok();
}

std::string HtmlEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// nginx's own words without its "nginx: " prefixes and the closing "test failed" line.
std::string NginxMessage(const std::string& stderr_text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < stderr_text.size()) {
    size_t end = stderr_text.find('\n', start);
    if (end == std::string::npos) end = stderr_text.size();
    std::string line = Trim(stderr_text.substr(start, end - start));
    start = end + 1;
    if (line.rfind("nginx: ", 0) == 0) line = line.substr(7);
    if (line.empty() || line.find("test failed") != std::string::npos) continue;
    lines.push_back(line);
  }
  std::string out;
  for (const auto& l : lines) out += (out.empty() ? "" : "; ") + l;
  return out.empty() ? Trim(stderr_text) : out;
}

std::optional<std::string> ReadProcFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The processes whose parent is `parent` (nginx's workers), from /proc/<pid>/stat.
std::vector<pid_t> ChildrenOf(pid_t parent) {
  std::vector<pid_t> out;
  DIR* d = ::opendir("/proc");
  if (d == nullptr) return out;
  while (dirent* e = ::readdir(d)) {
    if (!std::isdigit(static_cast<unsigned char>(e->d_name[0]))) continue;
    auto stat = ReadProcFile(std::string("/proc/") + e->d_name + "/stat");
    if (!stat) continue;
    size_t paren = stat->rfind(')');  // the command name may contain anything
    if (paren == std::string::npos) continue;
    char state = 0;
    int ppid = 0;
    if (std::sscanf(stat->c_str() + paren + 1, " %c %d", &state, &ppid) == 2 && ppid == parent) {
      out.push_back(static_cast<pid_t>(std::atoi(e->d_name)));
    }
  }
  ::closedir(d);
  return out;
}

// An nginx worker of the previous configuration stops accepting when it retitles itself
// "worker process is shutting down" (ngx_worker_process_cycle sets the title, then closes its
// listening sockets). Until then it may still answer with the old configuration: the master
// keeps old and new workers side by side for 100 ms after a reload.
bool WorkerRetired(pid_t pid) {
  auto cmdline = ReadProcFile("/proc/" + std::to_string(pid) + "/cmdline");
  return !cmdline || cmdline->empty() || cmdline->find("shutting down") != std::string::npos;
}

}  // namespace

std::string RenderSuspendedPage() {
  return "<!doctype html>\n"
         "<html lang=\"en\">\n"
         "<head>\n"
         "<meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
         "<title>Site suspended</title>\n"
         "<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;"
         "padding:0 1rem;color:#222}h1{font-weight:600}</style>\n"
         "</head>\n"
         "<body>\n"
         "<h1>Site suspended</h1>\n"
         "<p>This site is suspended. Its owner can contact the hosting provider.</p>\n"
         "</body>\n"
         "</html>\n";
}

std::string RenderMarker(const std::string& generation, int http_port) {
  return fmt::format(
      "# managed by hostplane: reload marker; edits are overwritten\n"
      "server {{\n"
      "    listen 127.0.0.1:{};\n"
      "    server_name _hostplane-gen;\n"
      "    access_log off;\n"
      "    location = /_hostplane/gen {{\n"
      "        default_type text/plain;\n"
      "        return 200 \"{}\";\n"
      "    }}\n"
      "}}\n",
      http_port, generation);
}

std::string RenderDefaultIndex(const std::string& domain) {
  std::string d = HtmlEscape(domain);
  return fmt::format(
      "<!doctype html>\n"
      "<html lang=\"en\">\n"
      "<head>\n"
      "<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<title>{0}</title>\n"
      "<style>body{{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;"
      "padding:0 1rem;color:#222}}h1{{font-weight:600}}</style>\n"
      "</head>\n"
      "<body>\n"
      "<h1>{0}</h1>\n"
      "<p>{0} is hosted by hostplane.</p>\n"
      "</body>\n"
      "</html>\n",
      d);
}

std::optional<std::string> BlamedFile(const std::string& message) {
  // nginx ends a located error with " in <absolute path>:<line>".
  size_t pos = message.rfind(" in /");
  while (pos != std::string::npos) {
    size_t start = pos + 4;
    size_t colon = message.find(':', start);
    if (colon != std::string::npos && colon + 1 < message.size() &&
        std::isdigit(static_cast<unsigned char>(message[colon + 1]))) {
      std::string path = message.substr(start, colon - start);
      if (path.find(' ') == std::string::npos) return path;
    }
    if (pos == 0) break;
    pos = message.rfind(" in /", pos - 1);
  }
  return std::nullopt;
}

NginxDriver::NginxDriver(HostLayout layout, Filesystem& fs, CommandRunner& runner,
                         const Clock& clock, NginxDriverOptions options)
    : layout_(std::move(layout)),
      fs_(fs),
      runner_(runner),
      clock_(clock),
      options_(std::move(options)) {}

std::vector<std::string> NginxDriver::Kinds() const {
  return {protocol::kSiteEnsure, protocol::kSiteRemove, protocol::kMailClientEnsure,
          protocol::kMailClientRemove};
}

std::vector<std::string> NginxDriver::ManagedDirs() const {
  return {layout_.nginx.sites_dir, MailClientDir()};
}

std::string NginxDriver::MailClientDir() const { return layout_.nginx.pages_dir + "/mail-clients"; }

std::string NginxDriver::MailClientVhostPath(const std::string& domain) const {
  return layout_.nginx.sites_dir + "/_mailclient." + domain + ".conf";
}

Result<FileSet> NginxDriver::RenderMailClient(const protocol::Task& task) const {
  HP_ASSIGN_OR_RETURN(auto spec, protocol::MailClientSpecFromJson(task.spec));
  const auto& n = layout_.nginx;
  const std::string autoconfig = MailClientDir() + "/" + spec.domain + ".config-v1.1.xml";
  const std::string autodiscover = MailClientDir() + "/" + spec.domain + ".autodiscover.xml";
  if (task.kind == protocol::kMailClientRemove) {
    return FileSet{{MailClientVhostPath(spec.domain), std::nullopt, 0644},
                   {autoconfig, std::nullopt, 0644},
                   {autodiscover, std::nullopt, 0644}};
  }
  if (!layout_.mail) {
    return Fail(
        Error::Invalid("this node serves no mail: no mail client set-up for " + spec.domain));
  }
  HP_ASSIGN_OR_RETURN(auto servers, MailClientServersOf(spec.domain, *layout_.mail));
  HP_ASSIGN_OR_RETURN(std::string config, RenderThunderbirdAutoconfig(servers));
  HP_ASSIGN_OR_RETURN(std::string discover, RenderOutlookAutodiscover(servers));
  MailClientVhostParams p;
  p.domain = spec.domain;
  p.listen_address = n.listen_address;
  p.http_port = n.http_port;
  p.acme_root = fs_.HostPath(n.acme_webroot);
  p.autoconfig_file = fs_.HostPath(autoconfig);
  p.autodiscover_file = fs_.HostPath(autodiscover);
  for (const auto* path : {&p.acme_root, &p.autoconfig_file, &p.autodiscover_file}) {
    HP_TRY(CheckHostPath(*path));
  }
  HP_TRY(CheckListenAddress(p.listen_address));
  // The documents first: the vhost that names them is checked by nginx -t with them in place.
  return FileSet{{autoconfig, std::move(config), 0644},
                 {autodiscover, std::move(discover), 0644},
                 {MailClientVhostPath(spec.domain), RenderMailClientVhost(p), 0644}};
}

std::string NginxDriver::VhostPath(const std::string& domain) const {
  return layout_.nginx.sites_dir + "/" + domain + ".conf";
}

Result<VhostParams> NginxDriver::Params(const protocol::SiteSpec& site,
                                        const protocol::SiteSettings& settings) const {
  HP_TRY(CheckSiteFields(site.domain, site.aliases, site.account, site.docroot));
  if (site.status != "active" && site.status != "suspended") {
    return Fail(
        Error::InvalidField("status", "status.invalid", "status must be active or suspended"));
  }
  const auto& n = layout_.nginx;
  VhostParams p;
  p.domain = site.domain;
  p.aliases = site.aliases;
  p.suspended = site.status == "suspended";
  p.listen_address = n.listen_address;
  p.http_port = n.http_port;
  p.home = fs_.HostPath(layout_.home_root + "/" + site.account);
  p.root = p.home + "/" + site.docroot;
  p.access_log = fs_.HostPath(n.log_dir + "/" + site.domain + ".access.log");
  p.error_log = fs_.HostPath(n.log_dir + "/" + (n.error_log_per_site ? site.domain : site.account) +
                             ".error.log");
  p.acme_root = fs_.HostPath(n.acme_webroot);
  p.suspended_page = fs_.HostPath(n.pages_dir + "/suspended.html");
  if (!site.php.empty()) {
    if (!protocol::IsPhpVersion(site.php)) {
      return Fail(Error::InvalidField("php", "php.invalid", "php is not a PHP version"));
    }
    p.php_socket = fs_.HostPath(n.php_socket_dir + "/" + site.account + "-" + site.php + ".sock");
    if (p.php_socket.size() > 107) {
      return Fail(Error::Invalid("PHP-FPM socket path " + p.php_socket + " is too long"));
    }
  }
  p.https = site.https;
  p.https_port = n.https_port;
  if (site.https) {
    p.ssl_certificate = fs_.HostPath(n.certs_dir + "/" + site.domain + "/fullchain.pem");
    p.ssl_certificate_key = fs_.HostPath(n.certs_dir + "/" + site.domain + "/privkey.pem");
  }
  p.test_break = std::find(options_.break_domains.begin(), options_.break_domains.end(),
                           site.domain) != options_.break_domains.end();
  HP_TRY(ApplySettings(settings, p));
  for (const auto* path :
       {&p.root, &p.home, &p.access_log, &p.error_log, &p.acme_root, &p.suspended_page,
        &p.php_socket, &p.ssl_certificate, &p.ssl_certificate_key}) {
    HP_TRY(CheckHostPath(*path));
  }
  p.access_log = fs_.HostPath(n.log_dir) + "/$server_name.access.log";
  HP_TRY(CheckListenAddress(p.listen_address));
  return p;
}

Result<FileSet> NginxDriver::Render(const protocol::Task& task) const {
  if (task.kind == protocol::kSiteEnsure) {
    HP_ASSIGN_OR_RETURN(auto site, protocol::SiteSpecFromJson(task.spec));
    HP_ASSIGN_OR_RETURN(auto settings, protocol::SiteSettingsOfSpec(task.spec));
    HP_ASSIGN_OR_RETURN(auto params, Params(site, settings));
    return FileSet{{VhostPath(site.domain), RenderVhost(params), 0644}};
  }
  if (task.kind == protocol::kSiteRemove) {
    HP_ASSIGN_OR_RETURN(auto removal, protocol::SiteRemovalFromJson(task.spec));
    HP_TRY(CheckSiteFields(removal.domain, {}, removal.account, removal.docroot));
    return FileSet{{VhostPath(removal.domain), std::nullopt, 0644}};
  }
  if (task.kind == protocol::kMailClientEnsure || task.kind == protocol::kMailClientRemove) {
    return RenderMailClient(task);
  }
  return Fail(Error::Invalid("the nginx driver does not handle task kind " + task.kind));
}

// nginx's workers create the access logs (their path has a variable): the log directory belongs
// to the worker user. Done once per driver; the directory is ours, not a tenant's.
Status NginxDriver::EnsureLogDir() {
  if (log_dir_ready_) return Ok();
  HP_TRY(fs_.MakeDirs(layout_.nginx.log_dir, 0755));
  if (!layout_.nginx.nginx_user.empty()) {
    passwd pw{};
    passwd* found = nullptr;
    std::vector<char> buf(16384);
    if (::getpwnam_r(layout_.nginx.nginx_user.c_str(), &pw, buf.data(), buf.size(), &found) != 0 ||
        found == nullptr) {
      return Fail(Error::Invalid("nginx user " + layout_.nginx.nginx_user + " does not exist"));
    }
    std::string dir = fs_.HostPath(layout_.nginx.log_dir);
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return Fail(Error::FromErrno("opening " + dir, errno));
    int rc = ::fchown(fd, pw.pw_uid, pw.pw_gid);
    int err = errno;
    ::close(fd);
    if (rc != 0) return Fail(Error::FromErrno("chown " + dir, err));
  }
  log_dir_ready_ = true;
  return Ok();
}

// The suspension page and the ACME challenge directory: ours, outside every tenant's home.
// Written once per driver (and rewritten only when the page changed).
Status NginxDriver::EnsureSharedFiles() {
  if (shared_files_ready_) return Ok();
  const auto& n = layout_.nginx;
  const std::string page = n.pages_dir + "/suspended.html";
  HP_ASSIGN_OR_RETURN(auto current, fs_.ReadFile(page));
  if (current != RenderSuspendedPage()) {
    HP_TRY(fs_.WriteFileAtomic(page, RenderSuspendedPage(), 0644));
  }
  HP_TRY(fs_.MakeDirs(n.acme_webroot + "/.well-known/acme-challenge", 0755));
  shared_files_ready_ = true;
  return Ok();
}

// New docroots belong to the account's Unix user once its home is (AccountDriver makes the home
// <user>:<nginx group>): that user and its primary group. Before, options_.content_owner.
// The home is opened beneath home_root without following links.
Result<FileOwner> NginxDriver::DocrootOwner(const std::string& account) {
  std::string root = fs_.HostPath(layout_.home_root);
  int rootfd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0) return Fail(Error::FromErrno("opening " + root, errno));
  struct stat st {};
  int rc = ::fstatat(rootfd, account.c_str(), &st, AT_SYMLINK_NOFOLLOW);
  int err = errno;
  ::close(rootfd);
  if (rc != 0) {
    if (err == ENOENT) return options_.content_owner;
    return Fail(Error::FromErrno("stat " + root + "/" + account, err));
  }
  if (!S_ISDIR(st.st_mode) || st.st_uid == 0) return options_.content_owner;
  passwd pw{};
  passwd* found = nullptr;
  std::vector<char> buf(16384);
  if (::getpwuid_r(st.st_uid, &pw, buf.data(), buf.size(), &found) != 0 || found == nullptr) {
    return options_.content_owner;  // the account's user is gone: root keeps new directories
  }
  return FileOwner{pw.pw_uid, pw.pw_gid};
}

Status NginxDriver::Prepare(const protocol::Task& task) {
  if (task.kind != protocol::kSiteEnsure) return Ok();
  HP_ASSIGN_OR_RETURN(auto site, protocol::SiteSpecFromJson(task.spec));
  HP_TRY(CheckSiteFields(site.domain, site.aliases, site.account, site.docroot));
  HP_TRY(EnsureLogDir());
  HP_TRY(EnsureSharedFiles());
  HP_TRY(fs_.MakeDirs(layout_.home_root, 0755));
  HP_ASSIGN_OR_RETURN(auto owner, DocrootOwner(site.account));
  const std::string docroot = site.account + "/" + site.docroot;
  HP_TRY(fs_.MakeDirsBeneath(layout_.home_root, docroot, 0755, owner));
  HP_ASSIGN_OR_RETURN(auto empty, fs_.DirEmptyBeneath(layout_.home_root, docroot));
  if (empty) {
    HP_TRY(fs_.CreateFileBeneath(layout_.home_root, docroot + "/index.html",
                                 RenderDefaultIndex(site.domain), 0644, owner));
  }
  return Ok();
}

Result<Verdict> NginxDriver::Validate() {
  const auto& n = layout_.nginx;
  Command cmd;
  cmd.argv = {n.binary, "-t", "-q", "-p", fs_.HostPath(n.prefix), "-c", fs_.HostPath(n.conf)};
  cmd.timeout = std::chrono::milliseconds(120'000);
  auto out = runner_.Run(cmd);
  if (!out) return Fail(out.error());
  Verdict v;
  if (out->ok()) return v;
  v.ok = false;
  v.message = NginxMessage(out->err + out->out);
  if (auto file = BlamedFile(v.message)) {
    std::string root = fs_.HostPath("");
    if (root.back() != '/') root += '/';
    if (file->rfind(root, 0) == 0) v.file = file->substr(root.size());
  }
  return v;
}

Status NginxDriver::Reload() {
  const auto& n = layout_.nginx;
  std::string generation = fmt::format("{}.{}", clock_.NowMillis(), ++reloads_);
  HP_TRY(fs_.WriteFileAtomic(n.marker_file, RenderMarker(generation, n.http_port), 0644));
  HP_ASSIGN_OR_RETURN(auto pid_text, fs_.ReadFile(n.pid_file));
  if (!pid_text.has_value()) {
    return Fail(
        Error::Unavailable("nginx is not running: no pid file " + fs_.HostPath(n.pid_file)));
  }
  std::string t = Trim(*pid_text);
  if (t.empty() || t.size() > 9 || !std::all_of(t.begin(), t.end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c));
      })) {
    return Fail(Error::Unavailable("nginx pid file " + fs_.HostPath(n.pid_file) + " is invalid"));
  }
  pid_t pid = static_cast<pid_t>(std::stol(t));
  if (pid <= 1) return Fail(Error::Unavailable("nginx pid file names pid " + t));
  std::vector<pid_t> old_workers = ChildrenOf(pid);
  if (::kill(pid, SIGHUP) != 0) {
    return Fail(Error::Unavailable(
        fmt::format("nginx is not running (pid {}): {}", pid, std::strerror(errno))));
  }
  HP_TRY(WaitForGeneration(generation));
  auto deadline = std::chrono::steady_clock::now() + options_.reload_timeout;
  for (pid_t w : old_workers) {
    while (!WorkerRetired(w)) {
      if (std::chrono::steady_clock::now() >= deadline) {
        return Fail(Error::Timeout(fmt::format(
            "nginx worker {} of the previous configuration did not stop accepting", w)));
      }
      std::this_thread::sleep_for(options_.poll_interval);
    }
  }
  generation_ = generation;
  return Ok();
}

Status NginxDriver::WaitForGeneration(const std::string& generation) {
  // Real time, not the injected Clock: this waits for another process.
  auto deadline = std::chrono::steady_clock::now() + options_.reload_timeout;
  std::string last;
  for (;;) {
    httplib::Client client("127.0.0.1", layout_.nginx.http_port);  // a fresh connection each poll
    client.set_keep_alive(false);
    client.set_connection_timeout(std::chrono::milliseconds(200));
    client.set_read_timeout(std::chrono::milliseconds(1000));
    auto res = client.Get("/_hostplane/gen", httplib::Headers{{"Host", "_hostplane-gen"}});
    if (res && res->status == 200 && res->body == generation) return Ok();
    last = res ? fmt::format("HTTP {} \"{}\"", res->status, res->body.substr(0, 64))
               : httplib::to_string(res.error());
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(options_.poll_interval);
  }
  return Fail(Error::Timeout(fmt::format(
      "nginx did not confirm the reload within {} ms (waiting for generation {}, last answer: {})",
      options_.reload_timeout.count(), generation, last)));
}

Status NginxDriver::Finish(const protocol::Task& task) {
  if (task.kind != protocol::kSiteRemove) return Ok();
  HP_ASSIGN_OR_RETURN(auto removal, protocol::SiteRemovalFromJson(task.spec));
  if (!removal.remove_content) return Ok();
  HP_TRY(CheckSiteFields(removal.domain, {}, removal.account, removal.docroot));
  return fs_.RemoveTreeBeneath(layout_.home_root, removal.account + "/" + removal.docroot);
}

}  // namespace hostplane::agent
