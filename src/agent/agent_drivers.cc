// NewAgent's assembly of the real service drivers from the host layout (which daemons this node
// runs), the node's box key that opens the secrets sealed to it, and AgentPrograms: the programs
// those drivers run. The agent's loop itself is in agent.cc.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "agent/agent.h"
#include "agent/drivers/account/account_driver.h"
#include "agent/drivers/acme/acme_driver.h"
#include "agent/drivers/content/content_driver.h"
#include "agent/drivers/dns/knot_driver.h"
#include "agent/drivers/ftp/ftp_driver.h"
#include "agent/drivers/mail/mail_driver.h"
#include "agent/drivers/mariadb/mariadb_driver.h"
#include "agent/drivers/nginx/nginx_driver.h"
#include "common/sealed_box.h"

namespace hostplane::agent {

std::set<std::string> AgentPrograms(const HostLayout& layout) {
  std::set<std::string> p = {layout.nginx.binary, layout.tar};
  if (const auto& a = layout.account) {
    p.insert({a->useradd, a->groupadd, a->userdel, a->groupdel});
    for (const auto& [version, php] : a->php) p.insert(php.binary);
  }
  if (const auto& f = layout.ftp) p.insert(f->pure_pw);
  if (const auto& m = layout.mail) {
    p.insert({m->postfix_binary, m->postmap_binary, m->doveconf_binary, m->dovecot_binary});
  }
  if (const auto& d = layout.dns) p.insert({d->knotc, d->kzonecheck, d->kdig, d->keymgr});
  if (const auto& m = layout.mariadb) {
    p.insert({m->install_db_binary, m->dump_binary, m->client_binary});
  }
  if (const auto& a = layout.acme) p.insert(a->lego_binary);
  return p;
}

std::unique_ptr<Agent> NewAgent(AgentOptions options, HostLayout layout, Bus& bus, Filesystem& fs,
                                CommandRunner& runner, const Clock& clock) {
  NginxDriverOptions nginx_options;
  nginx_options.break_domains = options.test_break_domains;
  nginx_options.content_owner = FileOwner{::geteuid(), ::getegid()};
  auto nginx = std::make_unique<NginxDriver>(layout, fs, runner, clock, std::move(nginx_options));
  NginxDriver* nginx_ptr = nginx.get();
  // Registration order is apply order within a bundle (ApplyTasks): the account's Unix user
  // first, then the web server, certificates, FTP, mail, DNS and databases.
  std::vector<std::unique_ptr<ServiceDriver>> drivers;
  drivers.push_back(std::move(nginx));
  if (layout.acme) {
    AcmeDriverOptions acme_options;
    // A renewed certificate of a site already on HTTPS is picked up by reloading nginx.
    acme_options.after_install = [nginx_ptr] { return nginx_ptr->Reload(); };
    drivers.push_back(
        std::make_unique<AcmeDriver>(*layout.acme, fs, runner, clock, std::move(acme_options)));
  }
  if (layout.ftp) drivers.push_back(std::make_unique<FtpDriver>(*layout.ftp, fs, runner));
  // The node's box key opens the secrets sealed to it (DKIM, TSIG and DNSSEC keys); created
  // once, 0600.
  std::shared_ptr<const BoxKey> box_key;
  if (auto dir = fs.MakeDirs(layout.state_dir, 0700); !dir) {
    spdlog::error("no state directory for the node's box key: {}", dir.error().message);
  } else if (auto key = LoadOrCreateBoxKey(fs.HostPath(layout.state_dir + "/node-box.key")); !key) {
    spdlog::error("the node's box key: {}", key.error().message);
  } else {
    options.box_key = key->public_key().ToString();
    box_key = std::make_shared<const BoxKey>(std::move(*key));
  }
  if (layout.account) {
    AccountLayout account = *layout.account;
    if (account.hostplane_binary.empty()) {
      // PHP's mail() of accounts with no way out runs this binary's php-mail-refused.
      std::error_code ec;
      account.hostplane_binary = std::filesystem::read_symlink("/proc/self/exe", ec).string();
    }
    drivers.insert(drivers.begin(),
                   std::make_unique<AccountDriver>(std::move(account), fs, runner, box_key));
  }
  if (layout.mail) {
    MailDriverOptions mail_options;
    mail_options.box_key = box_key;
    mail_options.serve_policy = !layout.mail->policy_socket.empty();
    mail_options.clock = &clock;
    // Where this node takes submissions (587 with STARTTLS, else 465), announced in the hello: the
    // controller points PHP's mail() of the accounts whose mail is here at it. A listen address
    // of 0.0.0.0 leaves the host to the controller (the node's address).
    const MailLayout& m = *layout.mail;
    if (m.submission_port != 0 || m.smtps_port != 0) {
      protocol::SubmissionEndpoint e;
      e.host = m.listen_address == "0.0.0.0" ? "" : m.listen_address;
      e.port = m.submission_port != 0 ? m.submission_port : m.smtps_port;
      e.tls = m.submission_port != 0 ? "starttls" : "implicit";
      e.tls_name = m.hostname;
      options.mail_submission = e;
    }
    drivers.push_back(std::make_unique<MailDriver>(*layout.mail, fs, runner, mail_options));
  }
  if (layout.dns) {
    KnotDriverOptions dns_options;
    dns_options.node = options.node;
    // The zones' TSIG and DNSSEC keys are sealed to the node's box key (the one loaded above).
    if (box_key) {
      dns_options.box_key = *box_key;
    } else {
      spdlog::error("agent: no node box key, zones with TSIG or DNSSEC keys will fail");
    }
    drivers.push_back(
        std::make_unique<KnotDriver>(*layout.dns, fs, runner, std::move(dns_options)));
  }
  if (layout.mariadb) drivers.push_back(std::make_unique<MariaDbDriver>(*layout.mariadb, fs));
  // Last: content imports run after the homes and mail directories they fill exist.
  drivers.push_back(std::make_unique<ContentDriver>(layout, fs, runner, bus, options.node));
  return NewAgentWithDrivers(std::move(options), std::move(layout), bus, fs, clock,
                             std::move(drivers));
}

}  // namespace hostplane::agent
