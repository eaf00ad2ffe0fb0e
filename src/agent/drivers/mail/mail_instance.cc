#include "agent/drivers/mail/mail_instance.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sodium.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <thread>
#include <vector>

#include "agent/drivers/mail/mail_driver.h"
#include "agent/private_ca.h"
#include "common/crypto.h"
#include "common/exec/stale_daemon.h"
#include "common/fs/fd.h"
#include "common/net/loopback.h"
#include "common/passwd/service_password.h"
#include "common/secret_file.h"

namespace hostplane::agent {
namespace {

std::string Dirname(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

Result<passwd> User(const std::string& name) {
  passwd pw{};
  passwd* found = nullptr;
  static thread_local std::vector<char> buf(16384);
  if (::getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found) != 0 || found == nullptr) {
    return Fail(Error::Invalid("user " + name + " does not exist"));
  }
  return pw;
}

Result<gid_t> GroupId(const std::string& name) {
  group gr{};
  group* found = nullptr;
  std::vector<char> buf(16384);
  if (::getgrnam_r(name.c_str(), &gr, buf.data(), buf.size(), &found) != 0 || found == nullptr) {
    return Fail(Error::Invalid("group " + name + " does not exist"));
  }
  return gr.gr_gid;
}

// Our own directories and files (not a tenant's): changed through an O_NOFOLLOW descriptor.
Status Own(const std::string& host_path, uid_t uid, gid_t gid, mode_t mode, bool dir) {
  int flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (dir ? O_DIRECTORY : 0);
  Fd fd(::open(host_path.c_str(), flags));
  if (!fd.valid()) return Fail(Error::FromErrno("opening " + host_path, errno));
  if (::fchown(fd.get(), uid, gid) != 0) return Fail(Error::FromErrno("chown " + host_path, errno));
  if (::fchmod(fd.get(), mode) != 0) return Fail(Error::FromErrno("chmod " + host_path, errno));
  return Ok();
}

bool UnixSocketAccepts(const std::string& path) {
  sockaddr_un addr{};
  if (path.size() >= sizeof addr.sun_path) return false;
  addr.sun_family = AF_UNIX;
  std::copy(path.begin(), path.end(), addr.sun_path);
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return false;
  return ::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
}

bool Executable(const std::string& path) {
  return !path.empty() && ::access(path.c_str(), X_OK) == 0;
}

}  // namespace

MailInstance::MailInstance(MailLayout layout, Filesystem& fs, CommandRunner& runner,
                           MailInstanceOptions options)
    : layout_(std::move(layout)), fs_(fs), runner_(runner), options_(std::move(options)) {}

MailInstance::~MailInstance() { Stop(); }

bool MailInstance::dkim() const { return options_.dkim && Executable(layout_.opendkim_binary); }
bool MailInstance::spam() const {
  return options_.spam && Executable(layout_.spamd_binary) && Executable(layout_.spamc_binary);
}

MailConfig MailInstance::Config() const {
  return MailConfig(layout_, fs_,
                    {options_.outbound, dkim(), spam(),
                     layout_.submission_port != 0 && Executable(layout_.msmtp_binary)});
}

// Dovecot's own sends (Sieve) authenticate to submission as kRelayLogin: its password is made
// once (0600, root), its hash is the one line of <users>/hostplane.internal, and msmtp reads it
// from a config only the vmail user (Dovecot's delivery runs as it) can read.
Status MailInstance::WriteRelayCredential() {
  const auto& l = layout_;
  HP_TRY(fs_.MakeDirs(l.relay_socket_dir, 0755));
  auto password = LoadOrCreatePrivateFile(fs_.HostPath(l.relay_socket_dir + "/relay.secret"),
                                          [] { return RandomBase64Url(24); });
  if (!password) return Fail(password.error());
  auto conf = Config().RelayMsmtpConf(*password);
  const std::string users = l.dovecot_users_dir + "/" + kRelayUsersFile;
  const std::string prefix = std::string(kRelayLogin) + ":{CRYPT}";
  auto current = fs_.ReadFile(users);
  // A new salt at every start would rewrite the file for nothing: keep a line that still holds.
  bool keep =
      current && current->has_value() && (*current)->rfind(prefix, 0) == 0 &&
      VerifyServicePassword(
          *password,
          (*current)->substr(prefix.size(), (*current)->find(':', prefix.size()) - prefix.size()));
  Result<std::string> hash =
      keep ? Result<std::string>(std::string()) : HashServicePassword(*password);
  sodium_memzero(password->data(), password->size());
  if (!current) return Fail(current.error());
  if (!conf) return Fail(conf.error());
  if (!hash) return Fail(hash.error());
  if (!keep) HP_TRY(fs_.WriteFileAtomic(users, prefix + *hash + "::::::\n", 0640));
  const std::string msmtp = l.relay_socket_dir + "/msmtp.conf";
  HP_TRY(fs_.WriteFileAtomic(msmtp, *conf, 0600));
  return Own(fs_.HostPath(msmtp), l.vmail_uid, l.vmail_gid, 0600, false);
}

// OpenDKIM runs as its own user with Postfix's group: its socket directory is its own (the
// socket gets the postfix group through UMask 007), and it reads the keys the driver writes
// (owned by it, 0600) beside the tables (root, 0644).
Status MailInstance::PrepareDkim() {
  const auto& l = layout_;
  auto user = User(l.opendkim_user);
  if (!user) return Fail(user.error());
  auto postfix_gid = GroupId(l.postfix_user);
  if (!postfix_gid) return Fail(postfix_gid.error());
  HP_TRY(fs_.MakeDirs(l.opendkim_socket_dir, 0750));
  HP_TRY(Own(fs_.HostPath(l.opendkim_socket_dir), user->pw_uid, *postfix_gid, 0750, true));
  HP_TRY(fs_.MakeDirs(l.dkim_dir, 0755));  // OpenDKIM reads the tables in it
  HP_TRY(fs_.MakeDirs(l.dkim_dir + "/keys", 0750));
  // Its own (it runs with Postfix's group, not its own): only it reads the keys.
  HP_TRY(Own(fs_.HostPath(l.dkim_dir + "/keys"), user->pw_uid, user->pw_gid, 0700, true));
  auto conf = Config().OpenDkimConf();
  if (!conf) return Fail(conf.error());
  return fs_.WriteFileAtomic(l.dkim_dir + "/opendkim.conf", *conf, 0644);
}

// spamd listens on a unix socket only the vmail user (Sieve's filter runs as it) can open; the
// filter program Sieve may run is spamc, linked into the filter directory.
Status MailInstance::PrepareSpam() {
  const auto& l = layout_;
  HP_TRY(fs_.MakeDirs(l.spamd_dir + "/home", 0755));
  auto user = User(l.spamd_user);
  if (!user) return Fail(user.error());
  HP_TRY(Own(fs_.HostPath(l.spamd_dir + "/home"), user->pw_uid, user->pw_gid, 0700, true));
  const std::string link = fs_.HostPath(l.sieve_dir + "/bin/spamc");
  ::unlink(link.c_str());
  if (::symlink(l.spamc_binary.c_str(), link.c_str()) != 0) {
    return Fail(Error::FromErrno("linking " + link, errno));
  }
  return Ok();
}

Status MailInstance::WriteConfig() {
  const auto& l = layout_;
  MailConfig config = Config();
  HP_TRY(config.CheckLayout());
  for (const std::string* d : {&l.postfix_config_dir, &l.postfix_queue_dir, &l.postfix_data_dir,
                               &l.map_dir, &l.dovecot_state_dir, &l.sieve_dir}) {
    HP_TRY(fs_.MakeDirs(*d, 0755));
  }
  HP_TRY(fs_.MakeDirs(l.sieve_dir + "/bin", 0755));
  HP_TRY(fs_.MakeDirs(Dirname(l.postfix_log), 0755));
  HP_TRY(fs_.MakeDirs(Dirname(l.dovecot_log), 0755));
  HP_TRY(fs_.MakeDirs(Dirname(l.dovecot_conf), 0755));
  HP_TRY(fs_.MakeDirs(l.vmail_root, 0711));
  HP_ASSIGN_OR_RETURN(auto postfix, User(l.postfix_user));
  // Postfix warns about (and later refuses) a data directory it does not own.
  HP_TRY(Own(fs_.HostPath(l.postfix_data_dir), postfix.pw_uid, 0, 0755, true));

  if (!l.private_ca_dir.empty()) {
    HP_ASSIGN_OR_RETURN(auto ca, PrivateCa::LoadOrCreate(fs_, l.private_ca_dir, "hostplane"));
    HP_TRY(ca.EnsureLeaf({l.hostname}, {l.listen_address}, l.tls_cert, l.tls_key));
  } else if (!fs_.Exists(l.tls_cert) || !fs_.Exists(l.tls_key)) {
    return Fail(Error::Invalid("no TLS certificate for the mail services at " +
                               fs_.HostPath(l.tls_cert) + " (and " + fs_.HostPath(l.tls_key) +
                               "): configure one, or a private CA directory"));
  }

  HP_ASSIGN_OR_RETURN(auto main_cf, config.MainCf());
  HP_ASSIGN_OR_RETURN(auto master_cf, config.MasterCf());
  HP_ASSIGN_OR_RETURN(auto dovecot_conf, config.DovecotConf());
  HP_ASSIGN_OR_RETURN(auto dovecot_sql_conf, config.DovecotSqlConf());
  HP_TRY(fs_.WriteFileAtomic(l.postfix_config_dir + "/main.cf", main_cf, 0644));
  HP_TRY(fs_.WriteFileAtomic(l.postfix_config_dir + "/master.cf", master_cf, 0644));
  HP_TRY(fs_.WriteFileAtomic(DovecotSqlConfPath(l), dovecot_sql_conf, 0644));
  HP_TRY(fs_.WriteFileAtomic(l.dovecot_conf, dovecot_conf, 0644));

  // The empty maps (or the maps of the domains already there): the same code as every batch.
  MailDriverOptions driver_options;
  driver_options.dovecot_group = options_.dovecot_group;
  MailDriver driver(layout_, fs_, runner_, driver_options);
  HP_TRY(fs_.MakeDirs(l.map_dir + "/domains", 0755));
  HP_TRY(fs_.MakeDirs(l.map_dir + "/accounts", 0755));
  HP_TRY(driver.EnsureUsersDir());
  if (config.DovecotConf()->find("sendmail_path") != std::string::npos) {
    HP_TRY(WriteRelayCredential());
  }
  if (dkim()) HP_TRY(PrepareDkim());
  if (spam()) HP_TRY(PrepareSpam());
  return driver.Assemble();
}

std::string MailInstance::LogTail(const std::string& rel) {
  auto text = fs_.ReadFile(rel);
  if (!text || !text->has_value()) return "(no log)";
  const std::string& t = **text;
  return t.size() > 2000 ? t.substr(t.size() - 2000) : t;
}

Result<int> MailInstance::StopLeftover(const MailLayout& layout, Filesystem& fs) {
  // Postfix's master runs under a script that does not pass the parent-death signal on; OpenDKIM
  // and spamd lose it when they drop to their users (spamd is Perl: its program is the
  // interpreter); Dovecot keeps it, but its shutdown (children first) can outlast the moment the
  // next start checks the IMAP port. The first pid stopped is returned.
  const std::pair<std::string, std::string> daemons[] = {
      {layout.postfix_queue_dir + "/pid/master.pid", layout.postfix_master_binary},
      {layout.dovecot_base_dir + "/master.pid", layout.dovecot_binary},
      {layout.opendkim_socket_dir + "/opendkim.pid", layout.opendkim_binary},
      {layout.spamd_dir + "/spamd.pid", "/usr/bin/perl"},
  };
  int first = 0;
  for (const auto& [pid_file, binary] : daemons) {
    HP_ASSIGN_OR_RETURN(int pid,
                        StopStaleDaemon(fs.HostPath(pid_file), binary, std::chrono::seconds(10)));
    if (pid > 0) spdlog::warn("mail: stopped {} pid {}, left by an earlier run", binary, pid);
    if (first == 0) first = pid;
  }
  return first;
}

Status MailInstance::Start() {
  HP_TRY(WriteConfig());
  const auto& l = layout_;
  HP_TRY(StopLeftover(l, fs_));
  MailConfig config = Config();
  std::vector<std::pair<std::string, ChildProcess*>> children;
  if (spam()) {
    auto vmail = ::getpwuid(l.vmail_uid);
    if (vmail == nullptr) return Fail(Error::Invalid("the vmail uid has no user name"));
    auto spamd = ChildProcess::Start(
        {l.spamd_binary, "--socketpath=" + config.SpamdSocket(),
         std::string("--socketowner=") + vmail->pw_name, "--socketgroup=root", "--socketmode=0600",
         "--username=" + l.spamd_user, "--pidfile=" + fs_.HostPath(l.spamd_dir + "/spamd.pid"),
         "--syslog=" + fs_.HostPath(l.spamd_dir + "/spamd.log"),
         "--helper-home-dir=" + fs_.HostPath(l.spamd_dir + "/home"), "--local", "--max-children=2",
         "--nouser-config"},
        fs_.HostPath(l.spamd_dir + "/spamd.out"));
    if (!spamd) return Fail(spamd.error());
    spamd_ = std::move(*spamd);
    children.push_back({"spamd", &spamd_});
  }
  if (dkim()) {
    auto opendkim = ChildProcess::Start(
        {l.opendkim_binary, "-f", "-x", fs_.HostPath(l.dkim_dir + "/opendkim.conf")},
        fs_.HostPath(l.opendkim_socket_dir + "/opendkim.out"));
    if (!opendkim) return Fail(opendkim.error());
    opendkim_ = std::move(*opendkim);
    children.push_back({"opendkim", &opendkim_});
  }
  auto dovecot = ChildProcess::Start({l.dovecot_binary, "-F", "-c", fs_.HostPath(l.dovecot_conf)},
                                     fs_.HostPath(l.dovecot_log));
  if (!dovecot) return Fail(dovecot.error());
  dovecot_ = std::move(*dovecot);
  children.push_back({"dovecot", &dovecot_});
  auto postfix =
      ChildProcess::Start({l.postfix_binary, "-c", fs_.HostPath(l.postfix_config_dir), "start-fg"},
                          fs_.HostPath(l.postfix_log));
  if (!postfix) return Fail(postfix.error());
  postfix_ = std::move(*postfix);
  postfix_started_ = true;
  children.push_back({"postfix", &postfix_});

  std::vector<int> ports = {l.smtp_port,  l.submission_port, l.smtps_port, l.imap_port,
                            l.imaps_port, l.pop3_port,       l.pop3s_port};
  std::vector<std::string> sockets = {fs_.HostPath(l.dovecot_base_dir) + "/lmtp",
                                      config.AuthSocket(), config.QuotaStatusSocket()};
  if (dkim()) sockets.push_back(config.MilterSocket());
  if (spam()) sockets.push_back(config.SpamdSocket());
  auto deadline = std::chrono::steady_clock::now() + options_.start_timeout;
  for (;;) {
    for (auto& [name, child] : children) {
      if (!child->Running()) {
        std::string log = name == "postfix"    ? LogTail(l.postfix_log)
                          : name == "dovecot"  ? LogTail(l.dovecot_log)
                          : name == "opendkim" ? LogTail(l.opendkim_socket_dir + "/opendkim.out")
                                               : LogTail(l.spamd_dir + "/spamd.out") +
                                                     LogTail(l.spamd_dir + "/spamd.log");
        return Fail(Error::Unavailable(name + " exited: " + log));
      }
    }
    bool ready = true;
    for (int port : ports) ready = ready && (port == 0 || LoopbackAccepts(port));
    for (const auto& s : sockets) ready = ready && UnixSocketAccepts(s);
    if (ready) return Ok();
    if (std::chrono::steady_clock::now() >= deadline) {
      return Fail(Error::Timeout("the mail daemons did not answer within " +
                                 std::to_string(options_.start_timeout.count()) + " ms"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

bool MailInstance::Running() {
  return postfix_.Running() && dovecot_.Running() &&
         (opendkim_.pid() <= 0 || opendkim_.Running()) && (spamd_.pid() <= 0 || spamd_.Running());
}

void MailInstance::Stop() {
  // Dovecot (~1 s) and OpenDKIM (~3 s) take a while to end: ask them all at once, then wait for
  // each, so a stop costs the slowest, not the sum.
  for (ChildProcess* daemon : {&dovecot_, &opendkim_, &spamd_}) {
    if (daemon->pid() > 0) ::kill(daemon->pid(), SIGTERM);
  }
  if (postfix_started_) {
    // start-fg runs a shell script whose child is the master: only `postfix stop` reaches it.
    Command cmd;
    cmd.argv = {layout_.postfix_binary, "-c", fs_.HostPath(layout_.postfix_config_dir), "stop"};
    cmd.timeout = std::chrono::milliseconds(30'000);
    (void)runner_.Run(cmd);
    postfix_.Stop(SIGTERM, std::chrono::milliseconds(10'000));
    postfix_started_ = false;
  }
  if (dovecot_.pid() > 0) dovecot_.Stop(SIGTERM, std::chrono::milliseconds(10'000));
  if (opendkim_.pid() > 0) opendkim_.Stop(SIGTERM, std::chrono::milliseconds(10'000));
  if (spamd_.pid() > 0) spamd_.Stop(SIGTERM, std::chrono::milliseconds(10'000));
}

}  // namespace hostplane::agent
