#include "agent/drivers/account/account_driver.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <grp.h>
#include <linux/openat2.h>
#include <pwd.h>
#include <signal.h>
#include <sodium.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>
#include <thread>

#include "agent/drivers/account/msmtp_config.h"
#include "common/exec/signal_state.h"
#include "common/failpoint.h"
#include "common/fs/fd.h"
#include "common/text/text.h"
#include "protocol/validate.h"

namespace hostplane::agent {
namespace {

struct UnixId {
  std::string name;
  unsigned id = 0;
  unsigned gid = 0;     // the primary group (users only)
  std::string comment;  // the GECOS field (users only)
};

// Whether a user is one the agent made for an account (protocol::kAccountUserComment).
bool IsAccountUser(const UnixId& user) { return user.comment == protocol::kAccountUserComment; }

// getpwnam_r/getgrnam_r and friends with a growing buffer. nullopt: no such entry.
std::optional<UnixId> FindUser(const std::string* name, uid_t uid) {
  std::vector<char> buf(16384);
  for (int attempt = 0; attempt < 6; ++attempt, buf.resize(buf.size() * 2)) {
    passwd pw{};
    passwd* found = nullptr;
    int rc = name ? ::getpwnam_r(name->c_str(), &pw, buf.data(), buf.size(), &found)
                  : ::getpwuid_r(uid, &pw, buf.data(), buf.size(), &found);
    if (rc == ERANGE) continue;
    if (found == nullptr) return std::nullopt;
    return UnixId{pw.pw_name, pw.pw_uid, pw.pw_gid, pw.pw_gecos ? pw.pw_gecos : ""};
  }
  return std::nullopt;
}

std::optional<UnixId> FindGroup(const std::string* name, gid_t gid) {
  std::vector<char> buf(16384);
  for (int attempt = 0; attempt < 6; ++attempt, buf.resize(buf.size() * 2)) {
    group gr{};
    group* found = nullptr;
    int rc = name ? ::getgrnam_r(name->c_str(), &gr, buf.data(), buf.size(), &found)
                  : ::getgrgid_r(gid, &gr, buf.data(), buf.size(), &found);
    if (rc == ERANGE) continue;
    if (found == nullptr) return std::nullopt;
    return UnixId{gr.gr_name, gr.gr_gid, gr.gr_gid, ""};
  }
  return std::nullopt;
}

// Paths and names written into a pool file: a conservative allowlist, so nothing the INI parser
// treats specially (';', '"', '$', '=', newline, space, '[') can reach it (SECURITY rule 3).
Status CheckIniToken(const std::string& what, const std::string& value) {
  if (value.empty()) return Fail(Error::Invalid(what + " is empty"));
  for (unsigned char c : value) {
    if (!std::isalnum(c) && c != '/' && c != '.' && c != '_' && c != '-' && c != '+') {
      return Fail(Error::Invalid(what + " " + protocol::QuoteForMessage(value) +
                                 " contains a character a pool file must not carry"));
    }
  }
  return Ok();
}

// A Unix user or group name as useradd accepts it without --badname.
Status CheckUnixName(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 32 && (std::islower(name[0]) || name[0] == '_') &&
            std::all_of(name.begin(), name.end(), [](char c) {
              return std::islower(static_cast<unsigned char>(c)) ||
                     std::isdigit(static_cast<unsigned char>(c)) || c == '_' || c == '-';
            });
  if (!ok)
    return Fail(Error::Invalid("Unix name " + protocol::QuoteForMessage(name) + " is invalid"));
  return Ok();
}

Status CheckLogin(const std::string& login) {
  auto checked = protocol::CheckLoginGrammar(login);
  if (!checked)
    return Fail(Error::InvalidField("login", checked.error().code, checked.error().message));
  if (*checked != login) {
    return Fail(Error::InvalidField("login", "login.not_canonical", "the login is not canonical"));
  }
  return Ok();
}

// Opens the directory `name` directly inside dirfd, refusing links (SECURITY rule 4).
Result<Fd> OpenDirBeneath(int dirfd, const std::string& name, const std::string& display) {
  open_how how{};
  how.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;  // RESOLVE_NO_SYMLINKS covers the last component
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
  Fd fd(static_cast<int>(::syscall(SYS_openat2, dirfd, name.c_str(), &how, sizeof how)));
  if (!fd.valid()) {
    int err = errno;
    if (err == ELOOP || err == EXDEV) {
      return Fail(Error::Forbidden("opening " + display + ": a symbolic link (refused)"));
    }
    if (err == ENOTDIR) {  // a tenant put a file where hostplane keeps a directory
      return Fail(Error::Forbidden("opening " + display + ": not a directory (refused)"));
    }
    return Fail(Error::FromErrno("opening " + display, err));
  }
  return fd;
}

// mkdirat + open beneath; sets owner and mode when it created the directory or `enforce`.
Result<Fd> EnsureDirAt(int dirfd, const std::string& name, const std::string& display, mode_t mode,
                       uid_t uid, gid_t gid, bool enforce) {
  bool created = ::mkdirat(dirfd, name.c_str(), mode) == 0;
  if (!created && errno != EEXIST) return Fail(Error::FromErrno("creating " + display, errno));
  auto fd = OpenDirBeneath(dirfd, name, display);
  if (!fd) return Fail(fd.error());
  struct stat st {};
  if (::fstat(fd->get(), &st) != 0) return Fail(Error::FromErrno("stat " + display, errno));
  if (created || enforce || st.st_uid == 0) {
    if ((st.st_uid != uid || st.st_gid != gid) && ::fchown(fd->get(), uid, gid) != 0) {
      return Fail(Error::FromErrno("chown " + display, errno));
    }
    if ((st.st_mode & 07777) != mode && ::fchmod(fd->get(), mode) != 0) {
      return Fail(Error::FromErrno("chmod " + display, errno));
    }
  }
  return fd;
}

bool SocketAccepts(const std::string& path) {
  sockaddr_un addr{};
  if (path.size() >= sizeof addr.sun_path) return false;
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return false;
  return ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
}

// Functions a shared-hosting PHP has no business calling: starting programs and changing the
// process. Mail and posix_* stay available.
constexpr const char* kDisabledFunctions =
    "exec,passthru,shell_exec,system,proc_open,popen,proc_nice,pcntl_exec,pcntl_fork,"
    "pcntl_signal,pcntl_alarm,dl,putenv,posix_kill,posix_setuid,posix_setgid,posix_setsid,"
    "posix_mkfifo";

// True when some process runs as uid (/proc/<pid> belongs to the process's effective uid).
bool HasProcesses(uid_t uid) {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = e.path().filename();
    if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0]))) continue;
    struct stat st {};
    if (::stat(e.path().c_str(), &st) == 0 && st.st_uid == uid) return true;
  }
  return false;
}

}  // namespace

std::string RenderPool(const PoolParams& p) {
  std::string out = fmt::format(
      "; managed by hostplane: PHP {} pool of account {}; edits are overwritten\n"
      "[{}]\n"
      "user = {}\n"
      "group = {}\n"
      "listen = {}\n",
      p.version, p.login, p.login, p.unix_user, p.unix_group, p.socket);
  if (!p.socket_owner.empty()) {
    out += fmt::format("listen.owner = {}\nlisten.group = {}\n", p.socket_owner, p.socket_group);
  }
  out += fmt::format(
      "listen.mode = 0660\n"
      "pm = ondemand\n"
      "pm.max_children = 5\n"
      "pm.process_idle_timeout = 10s\n"
      "pm.max_requests = 500\n"
      "chdir = {home}\n"
      "security.limit_extensions = .php\n"
      "clear_env = yes\n"
      "env[TMPDIR] = {home}/tmp\n"
      "php_admin_value[open_basedir] = {home}/:{home}/tmp/\n"
      "php_admin_value[sys_temp_dir] = {home}/tmp\n"
      "php_admin_value[upload_tmp_dir] = {home}/tmp\n"
      "php_admin_value[session.save_path] = {home}/tmp\n"
      "php_admin_flag[log_errors] = on\n"
      "php_admin_value[error_log] = {home}/logs/php{version}.error.log\n"
      "php_admin_flag[allow_url_include] = off\n"
      "php_admin_value[disable_functions] = {disabled}\n"
      "php_admin_flag[opcache.enable] = on\n"
      "php_admin_flag[opcache.validate_permission] = on\n"
      "php_admin_flag[opcache.validate_root] = on\n",
      fmt::arg("home", p.home), fmt::arg("version", p.version),
      fmt::arg("disabled", kDisabledFunctions));
  if (!p.sendmail_path.empty()) out += "php_admin_value[sendmail_path] = " + p.sendmail_path + "\n";
  return out;
}

AccountDriver::AccountDriver(AccountLayout layout, Filesystem& fs, CommandRunner& runner,
                             std::shared_ptr<const BoxKey> box_key)
    : layout_(std::move(layout)), fs_(fs), runner_(runner), box_key_(std::move(box_key)) {}

std::string AccountDriver::MsmtpPath(const std::string& login) const {
  return layout_.msmtp_dir + "/" + login + ".conf";
}

Result<FileChange> AccountDriver::RenderMsmtp(const protocol::AccountSpec& spec) const {
  FileChange file{MsmtpPath(spec.login), std::nullopt, 0600,
                  FileOwner{static_cast<uid_t>(spec.uid), static_cast<gid_t>(spec.gid)}};
  if (!spec.mail_submission) return file;
  if (box_key_ == nullptr) {
    return Fail(Error::InvalidField("mail_submission.password", "submission.no_node_key",
                                    "this node has no box key to open the submission password"));
  }
  auto password = box_key_->Open(spec.mail_submission->password);
  if (!password) return Fail(password.error().Wrap("the submission password"));
  auto config = RenderMsmtpConfig(*spec.mail_submission,
                                  {spec.login, *password, fs_.HostPath(layout_.mail_ca_file)});
  sodium_memzero(password->data(), password->size());
  if (!config) return Fail(config.error());
  file.content = std::move(*config);
  return file;
}

Result<std::string> AccountDriver::RefusedSendmailPath(const std::string& login) const {
  // Without a hostplane binary to log why, mail() still fails: never the system's sendmail.
  if (layout_.hostplane_binary.empty()) return std::string("/usr/bin/false");
  const std::string log = fs_.HostPath(layout_.home_root + "/" + login) + "/logs/mail.log";
  HP_TRY(CheckIniToken("hostplane binary", layout_.hostplane_binary));
  HP_TRY(CheckIniToken("mail log", log));
  return layout_.hostplane_binary + " php-mail-refused --account " + login + " --log " + log;
}

std::vector<std::string> AccountDriver::Kinds() const {
  return {protocol::kAccountEnsure, protocol::kAccountRemove};
}

std::vector<std::string> AccountDriver::ManagedDirs() const {
  std::vector<std::string> out;
  for (const auto& [v, l] : layout_.php) out.push_back(l.pool_dir);
  out.push_back(layout_.msmtp_dir);
  return out;
}

std::string AccountDriver::UnixName(const std::string& login) const {
  return layout_.user_prefix + login;
}

std::string AccountDriver::PoolPath(const std::string& login, const std::string& v) const {
  return layout_.php.at(v).pool_dir + "/" + login + ".conf";
}

std::string AccountDriver::SocketPath(const std::string& login, const std::string& v) const {
  return layout_.php_socket_dir + "/" + login + "-" + v + ".sock";
}

Result<PoolParams> AccountDriver::Params(const std::string& login, const std::string& v) const {
  PoolParams p;
  p.login = login;
  p.version = v;
  p.unix_user = UnixName(login);
  p.unix_group = p.unix_user;
  p.socket = fs_.HostPath(SocketPath(login, v));
  p.home = fs_.HostPath(layout_.home_root + "/" + login);
  if (!layout_.nginx_user.empty()) {
    p.socket_owner = layout_.nginx_user;
    p.socket_group = layout_.nginx_user;  // nginx's workers run as the group named like the user
    HP_TRY(CheckUnixName(p.socket_owner));
  }
  HP_TRY(CheckLogin(login));
  HP_TRY(CheckUnixName(p.unix_user));
  HP_TRY(CheckIniToken("socket path", p.socket));
  HP_TRY(CheckIniToken("home", p.home));
  if (p.socket.size() > kMaxSocketPath) {
    return Fail(Error::Invalid(
        fmt::format("socket path {} is longer than {} bytes", p.socket, kMaxSocketPath)));
  }
  return p;
}

Result<FileSet> AccountDriver::Render(const protocol::Task& task) const {
  std::string login;
  std::set<std::string> running;  // versions with a pool
  std::string sendmail_path;      // PHP's mail() through msmtp, when the spec asks for it
  FileChange msmtp_file;          // its configuration, rendered after the pools
  if (task.kind == protocol::kAccountEnsure) {
    HP_ASSIGN_OR_RETURN(auto spec, protocol::AccountSpecFromJson(task.spec));
    for (size_t i = 0; i < spec.php.size(); ++i) {
      if (layout_.php.count(spec.php[i]) == 0) {
        return Fail(
            Error::InvalidField(fmt::format("php[{}]", i), "php.not_installed",
                                fmt::format("PHP {} is not installed on this node", spec.php[i])));
      }
    }
    login = spec.login;
    if (spec.status == "active") running.insert(spec.php.begin(), spec.php.end());
    HP_ASSIGN_OR_RETURN(auto msmtp, RenderMsmtp(spec));
    if (msmtp.content) {
      sendmail_path = MsmtpSendmailPath(layout_.msmtp_binary, fs_.HostPath(msmtp.path));
    } else {
      HP_ASSIGN_OR_RETURN(sendmail_path, RefusedSendmailPath(login));
    }
    msmtp_file = std::move(msmtp);
  } else if (task.kind == protocol::kAccountRemove) {
    HP_ASSIGN_OR_RETURN(auto removal, protocol::AccountRemovalFromJson(task.spec));
    login = removal.login;
    msmtp_file = {MsmtpPath(login), std::nullopt, 0600,
                  FileOwner{static_cast<uid_t>(removal.uid), static_cast<gid_t>(removal.gid)}};
  } else {
    return Fail(Error::Invalid("the account driver does not handle task kind " + task.kind));
  }
  FileSet files;
  for (const auto& [v, l] : layout_.php) {
    HP_ASSIGN_OR_RETURN(auto params, Params(login, v));
    params.sendmail_path = sendmail_path;
    if (running.count(v) > 0) {
      files.push_back({PoolPath(login, v), RenderPool(params), 0644});
    } else {
      files.push_back({PoolPath(login, v), std::nullopt, 0644});
    }
  }
  files.push_back(std::move(msmtp_file));
  return files;
}

Status AccountDriver::RunTool(std::vector<std::string> argv) {
  Command cmd;
  cmd.argv = std::move(argv);
  cmd.timeout = std::chrono::milliseconds(60'000);
  auto out = runner_.Run(cmd);
  if (!out) return Fail(out.error());
  if (!out->ok()) {
    std::string what = cmd.argv[0].substr(cmd.argv[0].rfind('/') + 1);
    return Fail(Error::Io(fmt::format("{} {} failed (exit {}): {}", what, cmd.argv.back(),
                                      out->exit_code, Trim(out->err + out->out))));
  }
  return Ok();
}

Status AccountDriver::EnsureGroup(const std::string& name, gid_t gid) {
  if (auto g = FindGroup(&name, 0)) {
    if (g->id != gid) {
      return Fail(
          Error::Conflict(fmt::format("group {} exists with gid {}, not {}", name, g->id, gid)));
    }
    return Ok();
  }
  if (auto g = FindGroup(nullptr, gid)) {
    return Fail(Error::Conflict(fmt::format("gid {} belongs to group {}", gid, g->name)));
  }
  return RunTool({layout_.groupadd, "-g", std::to_string(gid), "--", name});
}

Status AccountDriver::EnsureUser(const std::string& name, uid_t uid, gid_t gid) {
  if (auto u = FindUser(&name, 0)) {
    if (!IsAccountUser(*u)) {
      return Fail(Error::Conflict(
          fmt::format("user {} exists and is not an account user hostplane made (its comment is "
                      "not \"{}\"): not taken over",
                      name, protocol::kAccountUserComment)));
    }
    if (u->id != uid || u->gid != gid) {
      return Fail(Error::Conflict(fmt::format("user {} exists with uid {} gid {}, not {} {}", name,
                                              u->id, u->gid, uid, gid)));
    }
    return Ok();
  }
  if (auto u = FindUser(nullptr, uid)) {
    return Fail(Error::Conflict(fmt::format("uid {} belongs to user {}", uid, u->name)));
  }
  std::string home =
      fs_.HostPath(layout_.home_root + "/" + name.substr(layout_.user_prefix.size()));
  HP_TRY(CheckIniToken("home", home));
  return RunTool({layout_.useradd, "-u", std::to_string(uid), "-g", std::to_string(gid), "-M", "-N",
                  "-d", home, "-s", layout_.shell, "-c", std::string(protocol::kAccountUserComment),
                  "--", name});
}

Status AccountDriver::EnsureHome(const std::string& login, uid_t uid, gid_t gid) {
  gid_t home_gid = gid;
  if (!layout_.nginx_user.empty()) {
    auto g = FindGroup(&layout_.nginx_user, 0);
    if (!g) return Fail(Error::Invalid("nginx group " + layout_.nginx_user + " does not exist"));
    home_gid = g->id;
  }
  HP_TRY(fs_.MakeDirs(layout_.home_root, 0755));
  std::string root = fs_.HostPath(layout_.home_root);
  Fd rootfd(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!rootfd.valid()) return Fail(Error::FromErrno("opening " + root, errno));
  std::string display = root + "/" + login;
  // 0710: the web server's group may pass through the home to the docroots below it (nginx
  // opens each path component with O_PATH, which needs no read right) but not list it; what it
  // may then serve is narrowed by the vhost's disable_symlinks (agent/drivers/nginx).
  HP_ASSIGN_OR_RETURN(
      auto home, EnsureDirAt(rootfd.get(), login, display, 0710, uid, home_gid, /*enforce=*/true));
  HP_TRY(EnsureDirAt(home.get(), "tmp", display + "/tmp", 0700, uid, gid, false));
  HP_TRY(EnsureDirAt(home.get(), "logs", display + "/logs", 0750, uid, gid, false));
  return Ok();
}

Status AccountDriver::Prepare(const protocol::Task& task) {
  if (task.kind != protocol::kAccountEnsure) return Ok();
  HP_ASSIGN_OR_RETURN(auto spec, protocol::AccountSpecFromJson(task.spec));
  const std::string name = UnixName(spec.login);
  HP_TRY(CheckUnixName(name));
  HP_TRY(EnsureGroup(name, static_cast<gid_t>(spec.gid)));
  HP_FAILPOINT("account.ensure.after_group");  // the group exists, its user not yet
  HP_TRY(EnsureUser(name, static_cast<uid_t>(spec.uid), static_cast<gid_t>(spec.gid)));
  HP_FAILPOINT("account.ensure.after_user");  // the user exists, its home not yet
  HP_TRY(EnsureHome(spec.login, static_cast<uid_t>(spec.uid), static_cast<gid_t>(spec.gid)));
  HP_FAILPOINT("account.ensure.after_home");  // user and home exist, its pool not yet
  HP_TRY(fs_.MakeDirs(layout_.php_socket_dir, 0755));
  return Ok();
}

Result<Verdict> AccountDriver::Validate() {
  for (const auto& [v, l] : layout_.php) {
    Command cmd;
    cmd.argv = {l.binary, "-t", "-y", fs_.HostPath(l.conf)};
    cmd.timeout = std::chrono::milliseconds(60'000);
    auto out = runner_.Run(cmd);
    if (!out) return Fail(out.error());
    if (out->ok()) continue;
    Verdict verdict;
    verdict.ok = false;
    verdict.message = fmt::format("php-fpm{}: {}", v, Trim(out->err + out->out));
    // php-fpm names the pool file it could not load: blame it when it is one of ours.
    std::string dir = fs_.HostPath(l.pool_dir) + "/";
    if (size_t at = verdict.message.find(dir); at != std::string::npos) {
      size_t end = verdict.message.find(".conf", at);
      if (end != std::string::npos) {
        std::string name = verdict.message.substr(at + dir.size(), end + 5 - at - dir.size());
        if (name.find('/') == std::string::npos) verdict.file = l.pool_dir + "/" + name;
      }
    }
    return verdict;
  }
  return Verdict{};
}

// The pool directory as the master will read it: names and contents of *.conf.
Result<std::string> AccountDriver::PoolDirState(const PhpVersionLayout& l) {
  HP_ASSIGN_OR_RETURN(auto names, fs_.ListDir(l.pool_dir));
  std::sort(names.begin(), names.end());
  std::string state;
  for (const auto& n : names) {
    if (n.starts_with(".") || !n.ends_with(".conf")) continue;
    HP_ASSIGN_OR_RETURN(auto content, fs_.ReadFile(l.pool_dir + "/" + n));
    state += n + "\n" + content.value_or("") + "\n";
  }
  return state;
}

Status AccountDriver::Reload() {
  for (const auto& [v, l] : layout_.php) {
    HP_ASSIGN_OR_RETURN(auto state, PoolDirState(l));
    auto it = loaded_.find(v);
    if (it != loaded_.end() && it->second == state) continue;
    HP_ASSIGN_OR_RETURN(auto pid_text, fs_.ReadFile(l.pid_file));
    if (!pid_text.has_value()) {
      return Fail(Error::Unavailable(
          fmt::format("php-fpm {} is not running: no pid file {}", v, fs_.HostPath(l.pid_file))));
    }
    std::string t = Trim(*pid_text);
    if (t.empty() || t.size() > 9 ||
        !std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return Fail(
          Error::Unavailable("php-fpm pid file " + fs_.HostPath(l.pid_file) + " is invalid"));
    }
    pid_t pid = static_cast<pid_t>(std::stol(t));
    if (pid <= 1) return Fail(Error::Unavailable("php-fpm pid file names pid " + t));
    // A stale pid file may name a recycled pid: signal only a process running php-fpm.
    std::error_code ec;
    auto exe = std::filesystem::read_symlink("/proc/" + t + "/exe", ec);
    auto binary = std::filesystem::canonical(l.binary, ec);
    if (exe.empty() || binary.empty() || exe != binary) {
      return Fail(Error::Unavailable(fmt::format("php-fpm {} is not running (pid {} is {})", v, pid,
                                                 exe.empty() ? "gone" : exe.string())));
    }
    // PHP-FPM reloads by executing itself again, and its new image dies of a SIGUSR2 that comes
    // before it has set its handler up: as when this agent, killed right after it signalled,
    // restarts and signals again. Signal only a master that catches it.
    if (auto ready = WaitUntilCatches(pid, SIGUSR2, std::chrono::seconds(10)); !ready) {
      return Fail(Error::Unavailable(fmt::format(
          "php-fpm {} (pid {}) is not ready for a reload: {}", v, pid, ready.error().message)));
    }
    if (::kill(pid, SIGUSR2) != 0) {
      return Fail(Error::Unavailable(
          fmt::format("php-fpm {} is not running (pid {}): {}", v, pid, std::strerror(errno))));
    }
    loaded_.erase(v);
    HP_TRY(WaitForSockets(v));
    loaded_[v] = std::move(state);
  }
  return Ok();
}

Status AccountDriver::WaitForSockets(const std::string& v) {
  const auto& l = layout_.php.at(v);
  std::vector<std::string> present, gone;
  HP_ASSIGN_OR_RETURN(auto pools, fs_.ListDir(l.pool_dir));
  std::set<std::string> logins;
  for (const auto& n : pools) {
    if (n.starts_with(".") || n.starts_with("_") || !n.ends_with(".conf")) continue;
    std::string login = n.substr(0, n.size() - 5);
    logins.insert(login);
    present.push_back(fs_.HostPath(SocketPath(login, v)));
  }
  HP_ASSIGN_OR_RETURN(auto sockets, fs_.ListDir(layout_.php_socket_dir));
  const std::string suffix = "-" + v + ".sock";
  for (const auto& n : sockets) {
    if (!n.ends_with(suffix) || n.starts_with("_")) continue;
    if (logins.count(n.substr(0, n.size() - suffix.size())) == 0) {
      gone.push_back(fs_.HostPath(layout_.php_socket_dir + "/" + n));
    }
  }
  auto deadline = std::chrono::steady_clock::now() + layout_.reload_timeout;
  for (;;) {
    std::string waiting;
    for (const auto& s : present) {
      if (!SocketAccepts(s)) waiting = s + " to accept connections";
    }
    for (const auto& s : gone) {
      if (::access(s.c_str(), F_OK) == 0) waiting = s + " to go away";
    }
    if (waiting.empty()) return Ok();
    if (std::chrono::steady_clock::now() >= deadline) {
      return Fail(
          Error::Timeout(fmt::format("php-fpm {} did not confirm the reload within {} ms "
                                     "(waiting for {})",
                                     v, layout_.reload_timeout.count(), waiting)));
    }
    std::this_thread::sleep_for(layout_.poll_interval);
  }
}

// After a reload the removed pool's workers finish their requests and exit; userdel refuses a
// user that still runs processes.
Status AccountDriver::WaitForNoProcesses(uid_t uid, const std::string& name) {
  auto deadline = std::chrono::steady_clock::now() + layout_.reload_timeout;
  while (HasProcesses(uid)) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return Fail(Error::Unavailable("user " + name + " still runs processes"));
    }
    std::this_thread::sleep_for(layout_.poll_interval);
  }
  return Ok();
}

Status AccountDriver::Finish(const protocol::Task& task) {
  if (task.kind != protocol::kAccountRemove) return Ok();
  HP_ASSIGN_OR_RETURN(auto removal, protocol::AccountRemovalFromJson(task.spec));
  const std::string name = UnixName(removal.login);
  HP_TRY(CheckUnixName(name));
  if (auto u = FindUser(&name, 0)) {
    if (!IsAccountUser(*u)) {
      return Fail(Error::Conflict(fmt::format(
          "user {} is not an account user hostplane made: neither it nor its group is removed",
          name)));
    }
    if (u->id != static_cast<unsigned>(removal.uid)) {
      return Fail(Error::Conflict(
          fmt::format("user {} has uid {}, not {}: not removed", name, u->id, removal.uid)));
    }
    HP_TRY(WaitForNoProcesses(u->id, name));
    HP_FAILPOINT("account.remove.before_user");  // its pool is gone, the user not yet
    HP_TRY(RunTool({layout_.userdel, "--", name}));
  }
  HP_FAILPOINT("account.remove.after_user");  // the user is gone, its group and home not yet
  // userdel may already have removed the user's own group (USERGROUPS_ENAB).
  if (auto g = FindGroup(&name, 0)) {
    if (g->id != static_cast<unsigned>(removal.gid)) {
      return Fail(Error::Conflict(
          fmt::format("group {} has gid {}, not {}: not removed", name, g->id, removal.gid)));
    }
    HP_TRY(RunTool({layout_.groupdel, "--", name}));
  }
  HP_FAILPOINT("account.remove.after_group");  // user and group are gone, the home not yet
  if (removal.remove_home) HP_TRY(fs_.RemoveTreeBeneath(layout_.home_root, removal.login));
  return Ok();
}

}  // namespace hostplane::agent
