#include "agent/drivers/mail/mail_config.h"

#include <fmt/format.h>

#include <algorithm>

#include "agent/drivers/mail/mail_user_db.h"

namespace hostplane::agent {
namespace {

// Paths and names from the operator's layout end up unquoted in main.cf, master.cf,
// dovecot.conf and opendkim.conf: refuse anything those parsers would split, expand or comment
// out.
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

// "[192.0.2.1]:587": a smarthost given as an IPv4 literal (never a name the resolver would see
// in a test) and a port.
bool SmarthostValue(const std::string& s) {
  if (s.size() < 10 || s.front() != '[') return false;
  size_t close = s.find("]:");
  if (close == std::string::npos) return false;
  std::string port = s.substr(close + 2);
  return Ipv4Literal(s.substr(1, close - 1)) && !port.empty() && port.size() <= 5 &&
         std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }) &&
         std::stoi(port) > 0 && std::stoi(port) < 65536;
}

std::string Dirname(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
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

// The -o lines of a submission listener: the restrictions live in main.cf under hp_* names
// (master.cf values cannot hold spaces).
std::string SubmissionOptions(const std::string& name, bool wrapper) {
  std::string out = "  -o syslog_name=postfix/" + name + "\n";
  if (wrapper) {
    out += "  -o smtpd_tls_wrappermode=yes\n";
  } else {
    out += "  -o smtpd_tls_security_level=encrypt\n";
  }
  out +=
      "  -o smtpd_tls_auth_only=yes\n"
      "  -o smtpd_sasl_auth_enable=yes\n"
      "  -o smtpd_client_restrictions=$hp_submission_client_restrictions\n"
      "  -o smtpd_sender_restrictions=$hp_submission_sender_restrictions\n"
      "  -o smtpd_relay_restrictions=$hp_submission_relay_restrictions\n"
      "  -o smtpd_recipient_restrictions=$hp_submission_recipient_restrictions\n"
      "  -o smtpd_data_restrictions=$hp_submission_data_restrictions\n"
      "  -o smtpd_policy_service_policy_context=submission\n"
      "  -o smtpd_milters=$hp_signing_milters\n"
      "  -o milter_macro_daemon_name=ORIGINATING\n";
  return out;
}

}  // namespace

std::string MailConfig::PolicySocket() const {
  return l_.policy_socket.empty() ? std::string() : H(l_.policy_socket);
}
std::string MailConfig::QuotaStatusSocket() const {
  return H(l_.dovecot_base_dir) + "/quota-status";
}
std::string MailConfig::AuthSocket() const { return H(l_.dovecot_base_dir) + "/auth-postfix"; }
std::string MailConfig::MilterSocket() const { return H(l_.opendkim_socket_dir) + "/milter"; }
std::string MailConfig::SpamdSocket() const { return H(l_.spamd_dir) + "/spamd.sock"; }
std::string MailConfig::RelayMsmtpConfPath() const {
  return H(l_.relay_socket_dir) + "/msmtp.conf";
}

Status MailConfig::CheckLayout() const {
  const auto& l = l_;
  std::vector<const std::string*> paths = {&l.postfix_config_dir,
                                           &l.postfix_queue_dir,
                                           &l.postfix_data_dir,
                                           &l.postfix_log,
                                           &l.map_dir,
                                           &l.dovecot_conf,
                                           &l.dovecot_base_dir,
                                           &l.dovecot_state_dir,
                                           &l.dovecot_log,
                                           &l.dovecot_users_dir,
                                           &l.vmail_root,
                                           &l.tls_cert,
                                           &l.tls_key,
                                           &l.sieve_dir,
                                           &l.dkim_dir,
                                           &l.opendkim_socket_dir,
                                           &l.spamd_dir,
                                           &l.relay_socket_dir};
  if (!l.policy_socket.empty()) paths.push_back(&l.policy_socket);
  for (const std::string* rel : paths) {
    std::string host = H(*rel);
    if (!PlainConfigValue(host)) {
      return Fail(Error::Invalid("mail layout path " + host + " cannot be written into a config"));
    }
  }
  for (const std::string* name :
       {&l.postfix_user, &l.dovecot_instance_name, &l.hostname, &l.opendkim_user, &l.spamd_user,
        &l.msmtp_binary, &l.spamc_binary}) {
    if (!PlainConfigValue(*name)) {
      return Fail(
          Error::Invalid("mail layout value " + *name + " cannot be written into a config"));
    }
  }
  if (!Ipv4Literal(l.listen_address)) {
    return Fail(
        Error::Invalid("mail listen address " + l.listen_address + " is not an IPv4 literal"));
  }
  if (!l.smarthost.empty() && !SmarthostValue(l.smarthost)) {
    return Fail(Error::Invalid("the smarthost " + l.smarthost +
                               " is not of the form [<IPv4 address>]:<port>"));
  }
  if (l.max_message_size_mb < 1 || l.max_message_size_mb > 4096) {
    return Fail(Error::Invalid("max_message_size_mb must be within 1-4096"));
  }
  for (int port : {l.smtp_port, l.submission_port, l.smtps_port, l.imap_port, l.imaps_port,
                   l.pop3_port, l.pop3s_port}) {
    if (port < 0 || port > 65535) return Fail(Error::Invalid("a mail port is out of range"));
  }
  if (l.smtp_port == 0 || l.imap_port == 0) {
    return Fail(Error::Invalid("the SMTP and IMAP ports cannot be off"));
  }
  if (l.vmail_uid == 0 || l.vmail_uid == static_cast<uid_t>(-1) || l.vmail_gid == 0 ||
      l.vmail_gid == static_cast<gid_t>(-1)) {
    return Fail(Error::Invalid("the mail layout has no vmail uid/gid (or it is root)"));
  }
  // Unix socket paths are limited to 107 bytes (service-lab harness rule 2).
  for (const std::string& socket :
       {QuotaStatusSocket(), AuthSocket(), MilterSocket(), SpamdSocket(), PolicySocket(),
        H(l.dovecot_base_dir) + "/auth-userdb"}) {
    if (socket.size() > 100) {
      return Fail(Error::Invalid("the unix socket path " + socket + " is too long"));
    }
  }
  return Ok();
}

Result<std::string> MailConfig::MainCf() const {
  HP_TRY(CheckLayout());
  const auto& l = l_;
  const std::string maps = H(l.map_dir);
  const std::string policy =
      PolicySocket().empty() ? "" : ", check_policy_service unix:" + PolicySocket();
  const std::string quota = ", check_policy_service unix:" + QuotaStatusSocket();
  std::string transports;
  if (!o_.outbound) {
    const std::string off = "error:5.7.1 outbound mail is disabled on this instance";
    transports = "default_transport = " + off + "\nrelay_transport = " + off + "\n";
  } else if (!l.smarthost.empty()) {
    transports = "relayhost = " + l.smarthost + "\n";
  }
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
      "smtpd_recipient_restrictions = check_recipient_access hash:{maps}/recipient_access"
      "{policy}{quota}\n"
      "smtpd_policy_service_policy_context = inbound\n"
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
      "message_size_limit = {size}\n"
      "mailbox_size_limit = 0\n"
      "virtual_mailbox_limit = 0\n"
      "virtual_mailbox_domains = hash:{maps}/virtual_mailbox_domains\n"
      "virtual_mailbox_maps = hash:{maps}/virtual_mailbox_maps\n"
      "virtual_alias_maps = hash:{maps}/virtual_alias_maps\n"
      "virtual_transport = lmtp:unix:{lmtp}\n"
      "smtpd_tls_cert_file = {cert}\n"
      "smtpd_tls_key_file = {key}\n"
      "smtpd_tls_security_level = may\n"
      "smtpd_tls_auth_only = yes\n"
      "smtpd_tls_protocols = >=TLSv1.2\n"
      "smtpd_tls_mandatory_protocols = >=TLSv1.2\n"
      "smtp_tls_security_level = may\n"
      "smtpd_sasl_type = dovecot\n"
      "smtpd_sasl_path = {auth}\n"
      "smtpd_sasl_auth_enable = no\n"
      "smtpd_sender_login_maps = hash:{maps}/sender_login_maps\n"
      "{submission}"
      "milter_default_action = tempfail\n"
      "milter_protocol = 6\n",
      fmt::arg("queue", H(l.postfix_queue_dir)), fmt::arg("data", H(l.postfix_data_dir)),
      fmt::arg("log", H(l.postfix_log)), fmt::arg("log_dir", H(Dirname(l.postfix_log))),
      fmt::arg("owner", l.postfix_user), fmt::arg("host", l.hostname),
      fmt::arg("addr", l.listen_address), fmt::arg("transports", transports),
      fmt::arg("maps", maps), fmt::arg("policy", policy), fmt::arg("quota", quota),
      fmt::arg("lmtp", H(l.dovecot_base_dir) + "/lmtp"),
      fmt::arg("size", l.max_message_size_mb * 1024 * 1024), fmt::arg("cert", H(l.tls_cert)),
      fmt::arg("key", H(l.tls_key)), fmt::arg("auth", AuthSocket()),
      fmt::arg("submission", SubmissionParameters(maps, policy, quota)));
}

std::string MailConfig::SubmissionParameters(const std::string& maps, const std::string& policy,
                                             const std::string& quota) const {
  if (l_.submission_port == 0 && l_.smtps_port == 0) return {};
  return fmt::format(
      "hp_submission_client_restrictions = permit_sasl_authenticated, reject\n"
      "hp_submission_sender_restrictions = check_sasl_access hash:{maps}/trusted_logins, "
      "reject_sender_login_mismatch\n"
      "hp_submission_relay_restrictions = permit_sasl_authenticated, reject\n"
      "hp_submission_recipient_restrictions = check_recipient_access "
      "hash:{maps}/recipient_access{policy}{quota}\n"
      "hp_submission_data_restrictions ={data_policy}\n"
      "hp_signing_milters ={milters}\n",
      fmt::arg("maps", maps), fmt::arg("policy", policy), fmt::arg("quota", quota),
      fmt::arg("data_policy",
               PolicySocket().empty() ? "" : " check_policy_service unix:" + PolicySocket()),
      fmt::arg("milters", o_.dkim ? " unix:" + MilterSocket() : ""));
}

Result<std::string> MailConfig::MasterCf() const {
  HP_TRY(CheckLayout());
  const auto& l = l_;
  std::string out = fmt::format(
      "# managed by hostplane: Postfix instance; edits are overwritten\n"
      "{}:{} inet  n       -       n       -       -       smtpd\n",
      l.listen_address, l.smtp_port);
  if (l.submission_port != 0) {
    out += fmt::format("{}:{} inet  n       -       n       -       -       smtpd\n",
                       l.listen_address, l.submission_port) +
           SubmissionOptions("submission", false);
  }
  if (l.smtps_port != 0) {
    out += fmt::format("{}:{} inet  n       -       n       -       -       smtpd\n",
                       l.listen_address, l.smtps_port) +
           SubmissionOptions("smtps", true);
  }
  return out + kMasterServices;
}

Result<std::string> MailConfig::DovecotConf() const {
  HP_TRY(CheckLayout());
  const auto& l = l_;
  std::string protocols = "imap lmtp";
  if (l.pop3_port != 0 || l.pop3s_port != 0) protocols = "imap pop3 lmtp";
  std::string sendmail;
  if (o_.relay)
    sendmail = "sendmail_path = " + l.msmtp_binary + " -C " + RelayMsmtpConfPath() + "\n";
  // One SQLite table of every login (mail_user_db.h), queried at each login (no auth cache).
  // Logins without a domain are the accounts' app logins (SASL for submission only: they have no
  // userdb row).
  return fmt::format(
      "# managed by hostplane: Dovecot instance; edits are overwritten\n"
      "instance_name = {instance}\n"
      "base_dir = {base}\n"
      "state_dir = {state}\n"
      "log_path = {log}\n"
      "listen = {addr}\n"
      "protocols = {protocols}\n"
      "ssl = yes\n"
      "ssl_cert = <{cert}\n"
      "ssl_key = <{key}\n"
      "ssl_min_protocol = TLSv1.2\n"
      "disable_plaintext_auth = {plaintext_off}\n"
      "auth_mechanisms = plain login\n"
      "auth_username_format = %Lu\n"
      "auth_verbose = yes\n"
      "first_valid_uid = {uid}\n"
      "first_valid_gid = {gid}\n"
      "mail_location = maildir:~/Maildir\n"
      "mail_plugins = quota\n"
      "{sendmail}"
      "namespace inbox {{\n"
      "  inbox = yes\n"
      "  mailbox Junk {{\n"
      "    special_use = \\Junk\n"
      "    auto = subscribe\n"
      "  }}\n"
      "  mailbox Sent {{\n"
      "    special_use = \\Sent\n"
      "    auto = subscribe\n"
      "  }}\n"
      "  mailbox Drafts {{\n"
      "    special_use = \\Drafts\n"
      "    auto = subscribe\n"
      "  }}\n"
      "  mailbox Trash {{\n"
      "    special_use = \\Trash\n"
      "    auto = subscribe\n"
      "  }}\n"
      "}}\n"
      "passdb {{\n"
      "  driver = sql\n"
      "  args = {sql}\n"
      "}}\n"
      "userdb {{\n"
      "  driver = sql\n"
      "  args = {sql}\n"
      "}}\n"
      "plugin {{\n"
      "  quota = maildir:User quota\n"
      "  quota_grace = 0\n"
      "  quota_status_success = DUNNO\n"
      "  quota_status_nouser = DUNNO\n"
      "  quota_status_overquota = 552 5.2.2 Mailbox is full\n"
      "  sieve = file:{sieve}/%Ld/%Ln.sieve;bindir=~/sieve-bin\n"
      "  sieve_vacation_send_from_recipient = yes\n"
      "  sieve_redirect_envelope_from = recipient\n"
      "  sieve_plugins = sieve_extprograms\n"
      "  sieve_extensions = +vnd.dovecot.filter\n"
      "  sieve_filter_bin_dir = {sieve}/bin\n"
      "}}\n"
      "protocol imap {{\n"
      "  mail_plugins = $mail_plugins imap_quota\n"
      "}}\n"
      "protocol pop3 {{\n"
      "  pop3_uidl_format = %08Xu%08Xv\n"
      "}}\n"
      "protocol lmtp {{\n"
      "  mail_plugins = $mail_plugins sieve\n"
      "  postmaster_address = postmaster@{host}\n"
      "}}\n"
      "service imap-login {{\n"
      "  inet_listener imap {{\n"
      "    address = {addr}\n"
      "    port = {imap_port}\n"
      "  }}\n"
      "  inet_listener imaps {{\n"
      "    address = {addr}\n"
      "    port = {imaps_port}\n"
      "    ssl = yes\n"
      "  }}\n"
      "}}\n"
      "service pop3-login {{\n"
      "  inet_listener pop3 {{\n"
      "    address = {addr}\n"
      "    port = {pop3_port}\n"
      "  }}\n"
      "  inet_listener pop3s {{\n"
      "    address = {addr}\n"
      "    port = {pop3s_port}\n"
      "    ssl = yes\n"
      "  }}\n"
      "}}\n"
      "service lmtp {{\n"
      "  unix_listener lmtp {{\n"
      "    mode = 0600\n"
      "    user = {postfix}\n"
      "  }}\n"
      "}}\n"
      "service auth {{\n"
      "  unix_listener auth-postfix {{\n"
      "    mode = 0600\n"
      "    user = {postfix}\n"
      "  }}\n"
      "}}\n"
      "service quota-status {{\n"
      "  executable = quota-status -p postfix\n"
      "  client_limit = 1\n"
      "  unix_listener quota-status {{\n"
      "    mode = 0600\n"
      "    user = {postfix}\n"
      "  }}\n"
      "}}\n",
      fmt::arg("instance", l.dovecot_instance_name), fmt::arg("base", H(l.dovecot_base_dir)),
      fmt::arg("state", H(l.dovecot_state_dir)), fmt::arg("log", H(l.dovecot_log)),
      fmt::arg("addr", l.listen_address), fmt::arg("protocols", protocols),
      fmt::arg("cert", H(l.tls_cert)), fmt::arg("key", H(l.tls_key)),
      fmt::arg("plaintext_off", l.allow_plaintext_auth ? "no" : "yes"),
      fmt::arg("uid", l.vmail_uid), fmt::arg("gid", l.vmail_gid), fmt::arg("sendmail", sendmail),
      fmt::arg("sql", SqlConfPath()), fmt::arg("sieve", H(l.sieve_dir)),
      fmt::arg("host", l.hostname), fmt::arg("imap_port", l.imap_port),
      fmt::arg("imaps_port", l.imaps_port), fmt::arg("pop3_port", l.pop3_port),
      fmt::arg("pop3s_port", l.pop3s_port), fmt::arg("postfix", l.postfix_user));
}

std::string DovecotSqlConfPath(const MailLayout& layout) {
  const std::string& conf = layout.dovecot_conf;
  return conf.substr(0, conf.rfind('/') + 1) + "hostplane-sql.conf.ext";
}

std::string MailConfig::SqlConfPath() const { return H(DovecotSqlConfPath(l_)); }

Result<std::string> MailConfig::DovecotSqlConf() const {
  HP_TRY(CheckLayout());
  return fmt::format(
      "# managed by hostplane: Dovecot's passdb and userdb (agent/drivers/mail/mail_user_db.h)\n"
      "driver = sqlite\n"
      "connect = {db}\n"
      "default_pass_scheme = CRYPT\n"
      "password_query = {password}\n"
      "user_query = {user}\n"
      "iterate_query = {iterate}\n",
      fmt::arg("db", H(MailUserDbPath(l_))), fmt::arg("password", kMailUserPasswordQuery),
      fmt::arg("user", kMailUserUserQuery), fmt::arg("iterate", kMailUserIterateQuery));
}

Result<std::string> MailConfig::OpenDkimConf() const {
  HP_TRY(CheckLayout());
  const auto& l = l_;
  // Sign only (Mode s): the milter sits on the submission listeners alone. Keys are files owned
  // by the opendkim user, 0600, in a 0700 directory of its own: that is their protection.
  // RequireSafeKeys is off because OpenDKIM's check also refuses a key below any world-writable
  // directory, /tmp among them, where the tests' prefixes live (it tempfails every message).
  // Syslog off: there is none on the test machines, and the tests check the signature itself.
  return fmt::format(
      "# managed by hostplane: OpenDKIM; edits are overwritten\n"
      "Mode s\n"
      "Syslog no\n"
      "Socket local:{socket}\n"
      "PidFile {dir}/opendkim.pid\n"
      "UMask 007\n"
      "UserID {user}:{postfix}\n"
      "KeyTable file:{dkim}/KeyTable\n"
      "SigningTable refile:{dkim}/SigningTable\n"
      "Canonicalization relaxed/simple\n"
      "SignatureAlgorithm rsa-sha256\n"
      "OversignHeaders From\n"
      "RequireSafeKeys no\n",
      fmt::arg("socket", MilterSocket()), fmt::arg("dir", H(l.opendkim_socket_dir)),
      fmt::arg("user", l.opendkim_user), fmt::arg("postfix", l.postfix_user),
      fmt::arg("dkim", H(l.dkim_dir)));
}

Result<std::string> MailConfig::RelayMsmtpConf(const std::string& password) const {
  HP_TRY(CheckLayout());
  if (password.size() < 16 || !std::all_of(password.begin(), password.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_';
      })) {
    return Fail(Error::Invalid("the relay password is not 16+ characters of base64url"));
  }
  // Loopback to this node's own submission listener: the certificate is this node's, whatever
  // CA signed it (a private one, ACME), so it is not checked here; the channel still is TLS and
  // the login proves Dovecot to Postfix.
  return fmt::format(
      "# managed by hostplane: msmtp for Dovecot's own sends (Sieve); edits are overwritten\n"
      "account default\n"
      "host {addr}\n"
      "port {port}\n"
      "tls on\n"
      "tls_starttls on\n"
      "tls_certcheck off\n"
      "auth plain\n"
      "user {login}\n"
      "password {password}\n"
      "from postmaster@{host}\n"
      "syslog off\n",
      fmt::arg("addr", l_.listen_address), fmt::arg("port", l_.submission_port),
      fmt::arg("login", kRelayLogin), fmt::arg("password", password),
      fmt::arg("host", l_.hostname));
}

}  // namespace hostplane::agent
