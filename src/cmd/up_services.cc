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
#include "cmd/up_tls.h"
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
  HP_ASSIGN_OR_RETURN(auto out, runner.Run(cmd));
  // Looked up again whatever useradd said: another `up` may have created it meanwhile.
  if (struct passwd* pw = ::getpwnam(kVmailUser)) return std::make_pair(pw->pw_uid, pw->pw_gid);
  return Fail(Error::Unavailable(std::string("could not create the system user '") + kVmailUser +
                                 "' that owns the mailboxes: " + out.err));
}

// Which daemons Start runs for these options on this machine: wanted as a role, installed, and
// (for all but Knot) root, which they need to switch users.
struct Plan {
  bool web = false, mail = false, ftp = false, dns = false, db = false;
  bool mail_wanted = false, ftp_wanted = false, dns_wanted = false, db_wanted = false;
};

Plan PlanFor(const UpServiceOptions& opt) {
  auto wanted = [&opt](const std::string& role) {
    if (!opt.roles.empty()) return opt.roles.count(role) != 0;
    return role == "web" || !opt.web_only;
  };
  const bool others = !(opt.web_only && opt.roles.empty());
  const bool root = ::geteuid() == 0;
  agent::MailLayout mail;
  agent::FtpLayout ftp;
  agent::DnsLayout dns;
  agent::MariaDbLayout db;
  Plan p;
  p.web = wanted("web");
  p.mail_wanted = others && wanted("mail");
  p.ftp_wanted = others && wanted("ftp");
  p.dns_wanted = others && wanted("dns");
  p.db_wanted = others && wanted("db");
  p.mail =
      p.mail_wanted && root && Installed(mail.postfix_binary) && Installed(mail.dovecot_binary);
  p.ftp = p.ftp_wanted && root && Installed(ftp.pure_ftpd) && Installed(ftp.pure_pw);
  p.dns = p.dns_wanted && Installed(dns.knotd) && Installed(dns.kzonecheck);
  p.db = p.db_wanted && root && Installed(db.server_binary) && Installed(db.install_db_binary);
  return p;
}

}  // namespace

std::vector<UpServices::PortClaim> UpServices::PortsToClaim(const UpServiceOptions& opt) {
  Plan p = PlanFor(opt);
  std::vector<PortClaim> out;
  if (p.web) out.push_back({opt.https_port, "--https-port", false});
  if (p.mail) {
    out.push_back({opt.smtp_port, "--smtp-port", false});
    out.push_back({opt.imap_port, "--imap-port", false});
    out.push_back({opt.submission_port, "--submission-port", false});
  }
  // Not the passive FTP range: pure-ftpd binds one of those per transfer, skipping any in use
  // (and an outgoing connection may hold one for a moment, as a local port).
  if (p.ftp) out.push_back({opt.ftp_port, "--ftp-port", false});
  if (p.dns) {
    out.push_back({opt.dns_port, "--dns-port", false});
    out.push_back({opt.dns_port, "--dns-port", true});
  }
  if (p.db) out.push_back({opt.db_port, "--db-port", false});
  return out;
}

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

Status UpServices::StopLeftovers(Filesystem& files) {
  // Only their pid files and binaries matter here, which `up` never moves from the defaults.
  HP_TRY(agent::MailInstance::StopLeftover(agent::MailLayout(), files));
  HP_TRY(agent::KnotInstance::StopLeftover(agent::DnsLayout(), files));
  HP_TRY(agent::MariaDbInstance::StopLeftover(agent::MariaDbLayout(), files));
  return Ok();
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
  const Plan plan = PlanFor(opt);
  auto skip = [&](const std::string& what, const std::string& package) {
    s->summary_.push_back(
        fmt::format("  {:<11} not installed (apt-get install {}): skipped", what, package));
  };
  const bool root = ::geteuid() == 0;
  auto not_wanted = [&](const std::string& what) {
    s->summary_.push_back(fmt::format("  {:<11} not a role of this node: not started", what));
  };
  auto not_root = [&](const std::string& what) {
    s->summary_.push_back(
        fmt::format("  {:<11} not started: it needs root (run hostplane up as root)", what));
  };
  if (!plan.web) s->roles_.clear();

  // nginx serves HTTPS for sites with a certificate.
  layout.nginx.https_port = opt.https_port;
  s->env_.push_back(fmt::format("export HOSTPLANE_HTTPS_PORT={}", opt.https_port));
  if (plan.web) {
    s->endpoints_.push_back({"https", "nginx", fmt::format("https://127.0.0.1:{}", opt.https_port),
                             0, "listens once a site has a certificate"});
  }

  // Accounts: Unix users (root only) and PHP-FPM, one master per installed version.
  if (!plan.web) {
    s->summary_.push_back("  accounts    not a web node: no Unix users, PHP or certificates");
  } else if (root) {
    agent::AccountLayout a;
    a.user_prefix = opt.unix_user_prefix;
    a.home_root = layout.home_root;
    a.php_socket_dir = layout.nginx.php_socket_dir;
    a.nginx_user = layout.nginx.nginx_user.empty() ? "www-data" : layout.nginx.nginx_user;
    // msmtp (PHP's mail()) trusts the private CA that issues the mail service's certificate.
    a.mail_ca_file = std::string(kUpCaDir) + "/ca.pem";
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
      s->endpoints_.push_back({"php", "PHP-FPM " + version, files.HostPath(a.php_socket_dir), 0,
                               "a socket per account"});
    }
    if (php.empty()) skip("php", "php8.2-fpm");
    layout.account = a;
  } else {
    s->summary_.push_back("  accounts    not root: no Unix users or PHP pools");
  }

  // Certificates: lego, through each site's own vhost (needs --acme-directory).
  agent::AcmeLayout acme_defaults;
  if (plan.web && Installed(acme_defaults.lego_binary)) {
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
  if (!plan.mail_wanted) {
    not_wanted("mail");
  } else if (plan.mail) {
    agent::MailLayout m;
    m.listen_address = kLoopback;
    m.smtp_port = opt.smtp_port;
    m.imap_port = opt.imap_port;
    ConfigureUpMail(m);  // TLS from the data directory's private CA (up_tls.h)
    // Submission (STARTTLS, then AUTH): where PHP's mail() of the sites here goes (msmtp).
    m.submission_port = opt.submission_port;
    HP_ASSIGN_OR_RETURN(auto vmail, VmailUser(impl.runner));
    m.vmail_uid = vmail.first;
    m.vmail_gid = vmail.second;
    HP_TRY(CheckPortFree(kLoopback, opt.smtp_port, "--smtp-port"));
    HP_TRY(CheckPortFree(kLoopback, opt.imap_port, "--imap-port"));
    HP_TRY(CheckPortFree(kLoopback, opt.submission_port, "--submission-port"));
    impl.mail = std::make_unique<agent::MailInstance>(m, files, impl.runner);
    HP_TRY(impl.mail->Start());
    layout.mail = m;
    s->roles_.push_back("mail");
    s->env_.push_back(fmt::format("export HOSTPLANE_SMTP_PORT={}", opt.smtp_port));
    s->env_.push_back(fmt::format("export HOSTPLANE_IMAP_PORT={}", opt.imap_port));
    s->env_.push_back(fmt::format("export HOSTPLANE_SUBMISSION_PORT={}", opt.submission_port));
    s->summary_.push_back(fmt::format(
        "  {:<11} smtp://127.0.0.1:{}  imap://127.0.0.1:{}  submission 127.0.0.1:{} (STARTTLS)",
        "mail", opt.smtp_port, opt.imap_port, opt.submission_port));
    s->endpoints_.push_back(
        {"smtp", "Postfix", fmt::format("127.0.0.1:{}", opt.smtp_port), opt.smtp_port, ""});
    s->endpoints_.push_back(
        {"imap", "Dovecot", fmt::format("127.0.0.1:{}", opt.imap_port), opt.imap_port, ""});
    s->endpoints_.push_back({"submission", "Postfix",
                             fmt::format("127.0.0.1:{}", opt.submission_port), opt.submission_port,
                             "STARTTLS; PHP's mail() of the sites here"});
  } else if (!root) {
    not_root("mail");
  } else {
    skip("mail", "postfix dovecot-imapd dovecot-lmtpd");
  }

  // FTP: pure-ftpd with virtual users (puredb).
  if (!plan.ftp_wanted) {
    not_wanted("ftp");
  } else if (plan.ftp) {
    agent::FtpLayout f;
    f.home_root = layout.home_root;
    f.listen_address = kLoopback;
    f.port = opt.ftp_port;
    f.passive_port_min = opt.ftp_passive_min;
    f.passive_port_max = opt.ftp_passive_min + 99;
    HP_TRY(ConfigureUpFtp(f, files));  // FTPS (AUTH TLS) from the same CA (up_tls.h)
    HP_TRY(CheckPortFree(kLoopback, opt.ftp_port, "--ftp-port"));
    impl.ftp = std::make_unique<agent::FtpInstance>(f, files);
    HP_TRY(impl.ftp->Start());
    layout.ftp = f;
    s->roles_.push_back("ftp");
    s->programs_.insert(f.pure_pw);
    s->env_.push_back(fmt::format("export HOSTPLANE_FTP_PORT={}", opt.ftp_port));
    s->summary_.push_back(fmt::format("  {:<11} ftp://127.0.0.1:{}", "ftp", opt.ftp_port));
    s->endpoints_.push_back(
        {"ftp", "pure-ftpd", fmt::format("ftp://127.0.0.1:{}", opt.ftp_port), opt.ftp_port,
         fmt::format("passive ports {}-{}", f.passive_port_min, f.passive_port_max)});
  } else if (!root) {
    not_root("ftp");
  } else {
    skip("ftp", "pure-ftpd");
  }

  // DNS: Knot, authoritative for the customers' zones.
  if (!plan.dns_wanted) {
    not_wanted("dns");
  } else if (plan.dns) {
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
        fmt::format("  {:<11} 127.0.0.1:{} (Knot, UDP and TCP)", "dns", opt.dns_port));
    s->endpoints_.push_back(
        {"dns", "Knot", fmt::format("127.0.0.1:{}", opt.dns_port), opt.dns_port, "UDP and TCP"});
  } else {
    skip("dns", "knot knot-dnssecutils");
  }

  // Customer databases: MariaDB (runs as the mysql user; root reaches it by unix_socket).
  if (!plan.db_wanted) {
    not_wanted("databases");
  } else if (plan.db) {
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
    s->summary_.push_back(fmt::format("  {:<11} 127.0.0.1:{} (MariaDB)", "databases", opt.db_port));
    s->endpoints_.push_back(
        {"db", "MariaDB", fmt::format("127.0.0.1:{}", opt.db_port), opt.db_port, ""});
  } else if (!root) {
    not_root("databases");
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
