#include "agent/drivers/mail/mail_instance.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <thread>
#include <vector>

#include "agent/drivers/mail/mail_driver.h"
#include "common/net/loopback.h"

namespace hostplane::agent {
namespace {

// Paths and names from the operator's layout end up unquoted in main.cf, master.cf and
// dovecot.conf: refuse anything those parsers would split, expand or comment out.
bool PlainConfigValue(const std::string& s) {
  return !s.empty() && std::none_of(s.begin(), s.end(), [](unsigned char c) {
    return c <= 0x20 || c == 0x7f || c == '"' || c == '\'' || c == '$' || c == '\\' || c == '{' ||
           c == '}' || c == ';' || c == '#' || c == ',' || c == '=' || c == '%' || c == ':';
  });
}

bool Ipv4Literal(const std::string& s) {
  int dots = 0;
  for (char c : s) {
    if (c == '.') {
      ++dots;
    } else if (c < '0' || c > '9') {
      return false;
    }
  }
  return dots == 3 && s.size() <= 15;
}

std::string Dirname(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

Result<uid_t> UserId(const std::string& name) {
  passwd pw{};
  passwd* found = nullptr;
  std::vector<char> buf(16384);
  if (::getpwnam_r(name.c_str(), &pw, buf.data(), buf.size(), &found) != 0 || found == nullptr) {
    return Fail(Error::Invalid("user " + name + " does not exist"));
  }
  return pw.pw_uid;
}

// Our own directories (not a tenant's): changed through an O_NOFOLLOW descriptor.
Status ChownDir(const std::string& host_path, uid_t uid, gid_t gid) {
  int fd = ::open(host_path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return Fail(Error::FromErrno("opening " + host_path, errno));
  int rc = ::fchown(fd, uid, gid);
  int err = errno;
  ::close(fd);
  if (rc != 0) return Fail(Error::FromErrno("chown " + host_path, err));
  return Ok();
}

// Debian's master.cf services, without chroot (it would need copies of /etc files in the queue
// directory) and without the pipe transports nobody here uses.
constexpr const char* kMasterServices =
    "pickup    unix  n       -       n       60      1       pickup\n"
    "cleanup   unix  n       -       n       -       0       cleanup\n"
    "qmgr      unix  n       -       n       300     1       qmgr\n"
    "tlsmgr    unix  -       -       n       1000?   1       tlsmgr\n"
    "rewrite   unix  -       -       n       -       -       trivial-rewrite\n"
    "bounce    unix  -       -       n       -       0       bounce\n"
    "defer     unix  -       -       n       -       0       bounce\n"
    "trace     unix  -       -       n       -       0       bounce\n"
    "verify    unix  -       -       n       -       1       verify\n"
    "flush     unix  n       -       n       1000?   0       flush\n"
    "proxymap  unix  -       -       n       -       -       proxymap\n"
    "proxywrite unix -       -       n       -       1       proxymap\n"
    "smtp      unix  -       -       n       -       -       smtp\n"
    "relay     unix  -       -       n       -       -       smtp\n"
    "showq     unix  n       -       n       -       -       showq\n"
    "error     unix  -       -       n       -       -       error\n"
    "retry     unix  -       -       n       -       -       error\n"
    "discard   unix  -       -       n       -       -       discard\n"
    "local     unix  -       n       n       -       -       local\n"
    "virtual   unix  -       n       n       -       -       virtual\n"
    "lmtp      unix  -       -       n       -       -       lmtp\n"
    "anvil     unix  -       -       n       -       1       anvil\n"
    "scache    unix  -       -       n       -       1       scache\n"
    "postlog   unix-dgram n  -       n       -       1       postlogd\n";

}  // namespace

MailInstance::MailInstance(MailLayout layout, Filesystem& fs, CommandRunner& runner,
                           MailInstanceOptions options)
    : layout_(std::move(layout)), fs_(fs), runner_(runner), options_(std::move(options)) {}

MailInstance::~MailInstance() { Stop(); }

Status MailInstance::CheckPaths() const {
  const auto& l = layout_;
  for (const std::string* rel :
       {&l.postfix_config_dir, &l.postfix_queue_dir, &l.postfix_data_dir, &l.postfix_log,
        &l.map_dir, &l.dovecot_conf, &l.dovecot_base_dir, &l.dovecot_state_dir, &l.dovecot_log,
        &l.dovecot_users_dir, &l.vmail_root}) {
    std::string host = fs_.HostPath(*rel);
    if (!PlainConfigValue(host)) {
      return Fail(Error::Invalid("mail layout path " + host + " cannot be written into a config"));
    }
  }
  for (const std::string* name : {&l.postfix_user, &l.dovecot_instance_name, &l.hostname}) {
    if (!PlainConfigValue(*name)) {
      return Fail(
          Error::Invalid("mail layout value " + *name + " cannot be written into a config"));
    }
  }
  if (!Ipv4Literal(l.listen_address)) {
    return Fail(
        Error::Invalid("mail listen address " + l.listen_address + " is not an IPv4 literal"));
  }
  if (l.vmail_uid == 0 || l.vmail_uid == static_cast<uid_t>(-1) || l.vmail_gid == 0 ||
      l.vmail_gid == static_cast<gid_t>(-1)) {
    return Fail(Error::Invalid("the mail layout has no vmail uid/gid (or it is root)"));
  }
  // Unix socket paths are limited to 107 bytes (service-lab harness rule 2).
  if (fs_.HostPath(l.dovecot_base_dir).size() + 24 > 107 ||
      fs_.HostPath(l.postfix_queue_dir).size() + 24 > 107) {
    return Fail(Error::Invalid("the mail socket directories are too long for unix sockets"));
  }
  return Ok();
}

Result<std::string> MailInstance::MainCf() const {
  HP_TRY(CheckPaths());
  const auto& l = layout_;
  const std::string maps = fs_.HostPath(l.map_dir);
  const std::string outbound_off = "error:5.7.1 outbound mail is disabled on this instance";
  return fmt::format(
      "# managed by hostplane: Postfix instance; edits are overwritten\n"
      "# Postfix allows comments only on lines of their own.\n"
      "compatibility_level = 3.6\n"
      "queue_directory = {queue}\n"
      "data_directory = {data}\n"
      "maillog_file = {log}\n"
      "maillog_file_prefixes = {log_dir}\n"
      "mail_owner = {owner}\n"
      "setgid_group = postdrop\n"
      "myhostname = {host}\n"
      "mydomain = {host}\n"
      "myorigin = {host}\n"
      "mydestination =\n"
      "inet_interfaces = {addr}\n"
      "inet_protocols = ipv4\n"
      "mynetworks = 127.0.0.0/8\n"
      "smtpd_relay_restrictions = reject_unauth_destination\n"
      "smtpd_recipient_restrictions = check_recipient_access hash:{maps}/recipient_access\n"
      "smtpd_peername_lookup = no\n"
      "smtp_host_lookup = native\n"
      "lmtp_host_lookup = native\n"
      "{transports}"
      "alias_maps =\n"
      "alias_database =\n"
      "local_recipient_maps =\n"
      "biff = no\n"
      "append_dot_mydomain = no\n"
      "smtputf8_enable = no\n"
      "virtual_mailbox_domains = hash:{maps}/virtual_mailbox_domains\n"
      "virtual_mailbox_maps = hash:{maps}/virtual_mailbox_maps\n"
      "virtual_alias_maps = hash:{maps}/virtual_alias_maps\n"
      "virtual_transport = lmtp:unix:{lmtp}\n",
      fmt::arg("queue", fs_.HostPath(l.postfix_queue_dir)),
      fmt::arg("data", fs_.HostPath(l.postfix_data_dir)),
      fmt::arg("log", fs_.HostPath(l.postfix_log)),
      fmt::arg("log_dir", fs_.HostPath(Dirname(l.postfix_log))), fmt::arg("owner", l.postfix_user),
      fmt::arg("host", l.hostname), fmt::arg("addr", l.listen_address),
      fmt::arg("transports", options_.outbound ? std::string()
                                               : "default_transport = " + outbound_off +
                                                     "\nrelay_transport = " + outbound_off + "\n"),
      fmt::arg("maps", maps), fmt::arg("lmtp", fs_.HostPath(l.dovecot_base_dir) + "/lmtp"));
}

Result<std::string> MailInstance::MasterCf() const {
  HP_TRY(CheckPaths());
  return fmt::format(
             "# managed by hostplane: Postfix instance; edits are overwritten\n"
             "{}:{} inet  n       -       n       -       -       smtpd\n",
             layout_.listen_address, layout_.smtp_port) +
         kMasterServices;
}

Result<std::string> MailInstance::DovecotConf() const {
  HP_TRY(CheckPaths());
  const auto& l = layout_;
  // %Ld: the domain of the login, lowercased; Dovecot replaces a '/' in it by '_', and an
  // unknown or odd domain only names a passwd-file that does not exist.
  return fmt::format(
      "# managed by hostplane: Dovecot instance; edits are overwritten\n"
      "instance_name = {instance}\n"
      "base_dir = {base}\n"
      "state_dir = {state}\n"
      "log_path = {log}\n"
      "listen = {addr}\n"
      "protocols = imap lmtp\n"
      "ssl = no\n"
      "disable_plaintext_auth = no\n"
      "auth_mechanisms = plain login\n"
      "auth_username_format = %Lu\n"
      "auth_verbose = yes\n"
      "first_valid_uid = {uid}\n"
      "first_valid_gid = {gid}\n"
      "mail_location = maildir:~/Maildir\n"
      "mail_plugins = quota\n"
      "passdb {{\n"
      "  driver = passwd-file\n"
      "  args = scheme=CRYPT username_format=%Lu {users}/%Ld\n"
      "}}\n"
      "userdb {{\n"
      "  driver = passwd-file\n"
      "  args = username_format=%Lu {users}/%Ld\n"
      "}}\n"
      "plugin {{\n"
      "  quota = maildir:User quota\n"
      "}}\n"
      "protocol imap {{\n"
      "  mail_plugins = quota imap_quota\n"
      "}}\n"
      "protocol lmtp {{\n"
      "  postmaster_address = postmaster@{host}\n"
      "}}\n"
      "service imap-login {{\n"
      "  inet_listener imap {{\n"
      "    address = {addr}\n"
      "    port = {imap_port}\n"
      "  }}\n"
      "  inet_listener imaps {{\n"
      "    port = 0\n"
      "  }}\n"
      "}}\n"
      "service lmtp {{\n"
      "  unix_listener lmtp {{\n"
      "    mode = 0600\n"
      "    user = {postfix}\n"
      "  }}\n"
      "}}\n",
      fmt::arg("instance", l.dovecot_instance_name),
      fmt::arg("base", fs_.HostPath(l.dovecot_base_dir)),
      fmt::arg("state", fs_.HostPath(l.dovecot_state_dir)),
      fmt::arg("log", fs_.HostPath(l.dovecot_log)), fmt::arg("addr", l.listen_address),
      fmt::arg("uid", l.vmail_uid), fmt::arg("gid", l.vmail_gid),
      fmt::arg("users", fs_.HostPath(l.dovecot_users_dir)), fmt::arg("host", l.hostname),
      fmt::arg("imap_port", l.imap_port), fmt::arg("postfix", l.postfix_user));
}

Status MailInstance::WriteConfig() {
  const auto& l = layout_;
  HP_ASSIGN_OR_RETURN(auto main_cf, MainCf());
  HP_ASSIGN_OR_RETURN(auto master_cf, MasterCf());
  auto dovecot_conf = DovecotConf();
  if (!dovecot_conf) return Fail(dovecot_conf.error());
  for (const std::string* d : {&l.postfix_config_dir, &l.postfix_queue_dir, &l.postfix_data_dir,
                               &l.map_dir, &l.dovecot_state_dir}) {
    HP_TRY(fs_.MakeDirs(*d, 0755));
  }
  HP_TRY(fs_.MakeDirs(Dirname(l.postfix_log), 0755));
  HP_TRY(fs_.MakeDirs(Dirname(l.dovecot_log), 0755));
  HP_TRY(fs_.MakeDirs(Dirname(l.dovecot_conf), 0755));
  HP_TRY(fs_.MakeDirs(l.vmail_root, 0711));
  HP_ASSIGN_OR_RETURN(auto postfix_uid, UserId(l.postfix_user));
  // Postfix warns about (and later refuses) a data directory it does not own.
  HP_TRY(ChownDir(fs_.HostPath(l.postfix_data_dir), postfix_uid, static_cast<gid_t>(-1)));
  HP_TRY(fs_.WriteFileAtomic(l.postfix_config_dir + "/main.cf", main_cf, 0644));
  HP_TRY(fs_.WriteFileAtomic(l.postfix_config_dir + "/master.cf", master_cf, 0644));
  HP_TRY(fs_.WriteFileAtomic(l.dovecot_conf, *dovecot_conf, 0644));
  // The empty maps (or the maps of the domains already there): the same code as every batch.
  MailDriverOptions driver_options;
  driver_options.dovecot_group = options_.dovecot_group;
  MailDriver driver(layout_, fs_, runner_, driver_options);
  HP_TRY(fs_.MakeDirs(l.map_dir + "/domains", 0755));
  HP_TRY(driver.EnsureUsersDir());
  return driver.Assemble();
}

std::string MailInstance::LogTail(const std::string& rel) {
  auto text = fs_.ReadFile(rel);
  if (!text || !text->has_value()) return "(no log)";
  const std::string& t = **text;
  return t.size() > 2000 ? t.substr(t.size() - 2000) : t;
}

Status MailInstance::Start() {
  HP_TRY(WriteConfig());
  const auto& l = layout_;
  auto dovecot = ChildProcess::Start({l.dovecot_binary, "-F", "-c", fs_.HostPath(l.dovecot_conf)},
                                     fs_.HostPath(l.dovecot_log));
  if (!dovecot) return Fail(dovecot.error());
  dovecot_ = std::move(*dovecot);
  auto postfix =
      ChildProcess::Start({l.postfix_binary, "-c", fs_.HostPath(l.postfix_config_dir), "start-fg"},
                          fs_.HostPath(l.postfix_log));
  if (!postfix) return Fail(postfix.error());
  postfix_ = std::move(*postfix);
  postfix_started_ = true;
  const std::string lmtp = l.dovecot_base_dir + "/lmtp";
  auto deadline = std::chrono::steady_clock::now() + options_.start_timeout;
  for (;;) {
    if (!dovecot_.Running()) {
      return Fail(Error::Unavailable("dovecot exited: " + LogTail(l.dovecot_log)));
    }
    if (!postfix_.Running()) {
      return Fail(Error::Unavailable("postfix exited: " + LogTail(l.postfix_log)));
    }
    if (LoopbackAccepts(l.smtp_port) && LoopbackAccepts(l.imap_port) && fs_.Exists(lmtp)) {
      return Ok();
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return Fail(Error::Timeout("postfix and dovecot did not answer within " +
                                 std::to_string(options_.start_timeout.count()) + " ms"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

bool MailInstance::Running() { return postfix_.Running() && dovecot_.Running(); }

void MailInstance::Stop() {
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
}

}  // namespace hostplane::agent
