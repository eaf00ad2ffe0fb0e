#include "cmd/up_services.h"

#include <fmt/format.h>
#include <grp.h>
#include <pwd.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <utility>

#include "agent/drivers/account/php_fpm_instance.h"
#include "agent/drivers/dns/knot_instance.h"
#include "agent/drivers/ftp/ftp_instance.h"
#include "agent/drivers/mail/mail_instance.h"
#include "agent/drivers/mariadb/mariadb_instance.h"
#include "cmd/bootstrap.h"
#include "common/net/loopback.h"

namespace hostplane::cmd {
namespace {

constexpr const char* kVmailUser = "vmail";  // owns every Maildir (a reserved login)
constexpr const char* kUseradd = "/usr/sbin/useradd";
constexpr const char* kLoopback = "127.0.0.1";

bool Installed(const std::string& path) { return ::access(path.c_str(), X_OK) == 0; }

// The uid/gid of the vmail system user, created (no login, no home) when missing.
Result<std::pair<uid_t, gid_t>> VmailUser(CommandRunner& runner) {
  if (struct passwd* pw = ::getpwnam(kVmailUser)) return std::make_pair(pw->pw_uid, pw->pw_gid);
  Command cmd;
  cmd.argv = {kUseradd,  "--system",          "--user-group", "--no-create-home",
              "--shell", "/usr/sbin/nologin", "--",           kVmailUser};
  auto out = runner.Run(cmd);
  if (!out) return Fail(out.error());
  // Looked up again whatever useradd said: another `up` may have created it meanwhile.
  if (struct passwd* pw = ::getpwnam(kVmailUser)) return std::make_pair(pw->pw_uid, pw->pw_gid);
  return Fail(Error::Unavailable(std::string("could not create the system user '") + kVmailUser +
                                 "' that owns the mailboxes: " + out->err));
}

}  // namespace

struct UpServices::Impl {
  explicit Impl(std::set<std::string> programs) : runner(std::move(programs)) {}
  PosixCommandRunner runner;
  std::vector<std::unique_ptr<agent::PhpFpmInstance>> php;
  std::unique_ptr<agent::MailInstance> mail;
  std::unique_ptr<agent::FtpInstance> ftp;
  std::unique_ptr<agent::KnotInstance> knot;
  std::unique_ptr<agent::MariaDbInstance> mariadb;
};

UpServices::UpServices() = default;

UpServices::~UpServices() {
  if (!impl_) return;
  if (impl_->mariadb) impl_->mariadb->Stop();
  if (impl_->knot) impl_->knot->Stop();
  if (impl_->ftp) impl_->ftp->Stop();
  if (impl_->mail) impl_->mail->Stop();
  for (auto& p : impl_->php) p->Stop();
}

Result<std::unique_ptr<UpServices>> UpServices::Start(const std::string& data_dir,
                                                      agent::HostLayout& layout, Filesystem& files,
                                                      const UpServiceOptions& opt) {
  std::unique_ptr<UpServices> s(new UpServices());
  agent::DnsLayout dns_defaults;
  agent::MariaDbLayout db_defaults;
  agent::MailLayout mail_defaults;
  s->programs_ = {kUseradd,
                  dns_defaults.knotc,
                  db_defaults.install_db_binary,
                  mail_defaults.postfix_binary,
                  mail_defaults.postmap_binary,
                  mail_defaults.doveconf_binary};
  s->impl_ = std::make_unique<Impl>(s->programs_);
  auto& impl = *s->impl_;
  auto skip = [&](const std::string& what, const std::string& package) {
    s->summary_.push_back(
        fmt::format("  {:<11} not installed (apt-get install {}): skipped", what, package));
  };
  const bool root = ::geteuid() == 0;
  auto wanted = [&opt](const std::string& role) {
    if (!opt.roles.empty()) return opt.roles.count(role) != 0;
    return role == "web" || !opt.web_only;
  };
  auto not_wanted = [&](const std::string& what) {
    s->summary_.push_back(fmt::format("  {:<11} not a role of this node: not started", what));
  };
  if (!wanted("web")) s->roles_.clear();

  // nginx serves HTTPS for sites with a certificate.
  layout.nginx.https_port = opt.https_port;
  s->env_.push_back(fmt::format("export HOSTPLANE_HTTPS_PORT={}", opt.https_port));

  // Accounts: Unix users (root only) and PHP-FPM, one master per installed version.
  if (!wanted("web")) {
    s->summary_.push_back("  accounts    not a web node: no Unix users, PHP or certificates");
  } else if (root) {
    agent::AccountLayout a;
    a.user_prefix = opt.unix_user_prefix;
    a.home_root = layout.home_root;
    a.php_socket_dir = layout.nginx.php_socket_dir;
    a.nginx_user = layout.nginx.nginx_user.empty() ? "www-data" : layout.nginx.nginx_user;
    std::map<std::string, agent::PhpVersionLayout> php;
    for (const auto& [version, l] : a.php) {
      if (Installed(l.binary)) php[version] = l;
    }
    a.php = php;
    for (const auto& [version, l] : a.php) {
      auto instance = std::make_unique<agent::PhpFpmInstance>(a, version, files);
      HP_TRY(instance->WriteConfig());
      HP_TRY(instance->Start());
      impl.php.push_back(std::move(instance));
      s->summary_.push_back(
          fmt::format("  {:<11} PHP-FPM {} (one pool per account)", "php", version));
    }
    if (php.empty()) skip("php", "php8.2-fpm");
    layout.account = a;
  } else {
    s->summary_.push_back("  accounts    not root: no Unix users or PHP pools");
  }

  // Certificates: lego, through each site's own vhost (needs --acme-directory).
  agent::AcmeLayout acme_defaults;
  if (wanted("web") && Installed(acme_defaults.lego_binary)) {
    agent::AcmeLayout acme;
    acme.certs_dir = layout.nginx.certs_dir;
    acme.acme_webroot = layout.nginx.acme_webroot;
    acme.ca_bundle = opt.acme_ca_file;
    layout.acme = acme;
  }

  if (opt.web_only && opt.roles.empty()) {
    s->summary_.push_back(
        "  services    web only (--services web): no mail, FTP, DNS or databases");
    return s;
  }

  // Mail: Postfix (SMTP) + Dovecot (IMAP, LMTP delivery).
  if (!wanted("mail")) {
    not_wanted("mail");
  } else if (root && Installed(mail_defaults.postfix_binary) &&
             Installed(mail_defaults.dovecot_binary)) {
    agent::MailLayout m;
    m.listen_address = kLoopback;
    m.smtp_port = opt.smtp_port;
    m.imap_port = opt.imap_port;
    auto vmail = VmailUser(impl.runner);
    if (!vmail) return Fail(vmail.error());
    m.vmail_uid = vmail->first;
    m.vmail_gid = vmail->second;
    HP_TRY(CheckPortFree(kLoopback, opt.smtp_port, "--smtp-port"));
    HP_TRY(CheckPortFree(kLoopback, opt.imap_port, "--imap-port"));
    impl.mail = std::make_unique<agent::MailInstance>(m, files, impl.runner);
    HP_TRY(impl.mail->Start());
    layout.mail = m;
    s->roles_.push_back("mail");
    s->env_.push_back(fmt::format("export HOSTPLANE_SMTP_PORT={}", opt.smtp_port));
    s->env_.push_back(fmt::format("export HOSTPLANE_IMAP_PORT={}", opt.imap_port));
    s->summary_.push_back(fmt::format("  {:<11} smtp://127.0.0.1:{}  imap://127.0.0.1:{}", "mail",
                                      opt.smtp_port, opt.imap_port));
  } else {
    skip("mail", "postfix dovecot-imapd dovecot-lmtpd");
  }

  // FTP: pure-ftpd with virtual users (puredb).
  agent::FtpLayout ftp_defaults;
  if (!wanted("ftp")) {
    not_wanted("ftp");
  } else if (root && Installed(ftp_defaults.pure_ftpd) && Installed(ftp_defaults.pure_pw)) {
    agent::FtpLayout f;
    f.home_root = layout.home_root;
    f.listen_address = kLoopback;
    f.port = opt.ftp_port;
    f.passive_port_min = opt.ftp_passive_min;
    f.passive_port_max = opt.ftp_passive_min + 99;
    HP_TRY(CheckPortFree(kLoopback, opt.ftp_port, "--ftp-port"));
    impl.ftp = std::make_unique<agent::FtpInstance>(f, files);
    HP_TRY(impl.ftp->Start());
    layout.ftp = f;
    s->roles_.push_back("ftp");
    s->programs_.insert(f.pure_pw);
    s->env_.push_back(fmt::format("export HOSTPLANE_FTP_PORT={}", opt.ftp_port));
    s->summary_.push_back(fmt::format("  {:<11} ftp://127.0.0.1:{}", "ftp", opt.ftp_port));
  } else {
    skip("ftp", "pure-ftpd");
  }

  // DNS: Knot, authoritative for the customers' zones.
  if (!wanted("dns")) {
    not_wanted("dns");
  } else if (Installed(dns_defaults.knotd) && Installed(dns_defaults.kzonecheck)) {
    agent::DnsLayout d;
    d.listen_address = kLoopback;
    d.port = opt.dns_port;
    HP_TRY(CheckPortFree(kLoopback, opt.dns_port, "--dns-port"));
    impl.knot = std::make_unique<agent::KnotInstance>(d, files, impl.runner);
    HP_TRY(impl.knot->Start());
    layout.dns = d;
    s->roles_.push_back("dns");
    s->env_.push_back(fmt::format("export HOSTPLANE_DNS_PORT={}", opt.dns_port));
    s->summary_.push_back(
        fmt::format("  {:<11} kdig @127.0.0.1 -p {} <zone>", "dns", opt.dns_port));
  } else {
    skip("dns", "knot knot-dnssecutils");
  }

  // Customer databases: MariaDB (runs as the mysql user; root reaches it by unix_socket).
  if (!wanted("db")) {
    not_wanted("databases");
  } else if (root && Installed(db_defaults.server_binary) &&
             Installed(db_defaults.install_db_binary)) {
    agent::MariaDbLayout db;
    db.bind_address = kLoopback;
    db.port = opt.db_port;
    HP_TRY(CheckPortFree(kLoopback, opt.db_port, "--db-port"));
    impl.mariadb = std::make_unique<agent::MariaDbInstance>(db, files, impl.runner);
    HP_TRY(impl.mariadb->Install());
    HP_TRY(impl.mariadb->Start());
    layout.mariadb = db;
    s->roles_.push_back("db");
    s->env_.push_back(fmt::format("export HOSTPLANE_DB_PORT={}", opt.db_port));
    s->env_.push_back(fmt::format("export HOSTPLANE_DB_SOCKET={}/{}", data_dir, db.socket));
    s->summary_.push_back(
        fmt::format("  {:<11} mariadb -h 127.0.0.1 -P {} -u <db>", "databases", opt.db_port));
  } else {
    skip("databases", "mariadb-server");
  }

  return s;
}

std::vector<std::string> UpServices::Exited() {
  std::vector<std::string> out;
  for (auto& p : impl_->php) {
    if (!p->Running()) out.push_back("php-fpm");
  }
  if (impl_->mail && !impl_->mail->Running()) out.push_back("postfix/dovecot");
  if (impl_->ftp && !impl_->ftp->Running()) out.push_back("pure-ftpd");
  if (impl_->knot && !impl_->knot->Running()) out.push_back("knot");
  if (impl_->mariadb && !impl_->mariadb->Running()) out.push_back("mariadb");
  return out;
}

}  // namespace hostplane::cmd
