#pragma once

// The daemons `hostplane up` runs beside nginx, each a private instance under the data directory
// on 127.0.0.1: PHP-FPM (per-account pools), Postfix + Dovecot, pure-ftpd, Knot and MariaDB.
// A daemon whose package is not installed is skipped with a line saying so; its section of the
// HostLayout stays empty, so the agent has no driver for its tasks and the node does not get its
// role (the controller then refuses to place such a service: node.none_available).

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "agent/host_layout.h"
#include "cmd/up_status.h"
#include "common/exec/command_runner.h"
#include "common/fs/filesystem.h"
#include "common/result.h"

namespace hostplane::cmd {

struct UpServiceOptions {
  std::string unix_user_prefix;  // prepended to account logins for their Unix users
  int https_port = 18443;
  int smtp_port = 12525;
  int imap_port = 11143;
  int submission_port = 12587;  // Postfix submission, STARTTLS (PHP's mail() through msmtp)
  int ftp_port = 12121;
  int ftp_passive_min = 30000;  // 100 ports
  int dns_port = 15353;
  int db_port = 13306;
  std::string acme_ca_file;  // root-relative CA bundle lego trusts ("" = the system's)
  bool web_only = false;     // only the web role: nginx, accounts and PHP (--services web)
  // The roles to run ("web", "mail", "ftp", "dns", "db"); empty: every role, or web alone with
  // web_only. nginx runs whatever the roles (HostLayout::nginx is not optional); accounts, PHP
  // and certificates come with "web".
  std::set<std::string> roles;
};

class UpServices {
 public:
  // A port a daemon will listen on (TCP, or UDP), and the option of `up` that chooses it.
  struct PortClaim {
    int port = 0;
    std::string flag;
    bool udp = false;
  };
  // Every port Start would listen on with these options on this machine (the daemons that are
  // wanted and installed), so that `up` checks them all before it starts anything. Not the
  // passive FTP range, which pure-ftpd uses a port at a time, skipping those in use.
  static std::vector<PortClaim> PortsToClaim(const UpServiceOptions& options);
  // Stops the daemons an earlier `up` on this data directory left running when it was killed
  // with SIGKILL (Postfix's master, knotd, mariadbd: those that shed the parent-death signal),
  // so that they do not hold the ports this start checks. Before PortsToClaim's check.
  [[nodiscard]] static Status StopLeftovers(Filesystem& files);

  // Fills layout's optional sections for every installed daemon, writes their configurations,
  // starts them and waits until each answers. Errors: the first daemon that would not start.
  [[nodiscard]] static Result<std::unique_ptr<UpServices>> Start(const std::string& data_dir,
                                                                 agent::HostLayout& layout,
                                                                 Filesystem& files,
                                                                 const UpServiceOptions& options);
  ~UpServices();  // stops every daemon, in reverse order of start

  // The node's roles (web unless options.roles leaves it out, and mail, dns, ftp, db when their
  // daemon runs).
  std::vector<std::string> roles() const { return roles_; }
  // Lines for hostplane.env ("export HOSTPLANE_SMTP_PORT=12525"), one per running daemon.
  const std::vector<std::string>& env_lines() const { return env_; }
  // The summary lines `up` prints.
  const std::vector<std::string>& summary() const { return summary_; }
  // What runs where, for `hostplane status` (up.json).
  const std::vector<UpEndpoint>& endpoints() const { return endpoints_; }
  // Programs the instances run besides the agent's (for the allowlist).
  const std::set<std::string>& programs() const { return programs_; }
  // Names of the daemons that exited; empty while all run.
  std::vector<std::string> Exited();

 private:
  struct Impl;
  UpServices();
  std::unique_ptr<Impl> impl_;
  std::vector<std::string> roles_{"web"};
  std::vector<std::string> env_;
  std::vector<std::string> summary_;
  std::vector<UpEndpoint> endpoints_;
  std::set<std::string> programs_;
};

}  // namespace hostplane::cmd
