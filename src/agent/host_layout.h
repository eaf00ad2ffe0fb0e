#pragma once

// Where things live on a hosting server, decided once (not sniffed in every driver). Every path
// is relative to the Filesystem root the agent was given (production "/", tests a temp prefix).

#include <optional>
#include <string>

#include "agent/drivers/account/account_layout.h"
#include "agent/drivers/acme/acme_layout.h"
#include "agent/drivers/dns/dns_layout.h"
#include "agent/drivers/ftp/ftp_layout.h"
#include "agent/drivers/mail/mail_layout.h"
#include "agent/drivers/mariadb/mariadb_layout.h"

namespace hostplane::agent {

struct NginxLayout {
  std::string binary = "/usr/sbin/nginx";
  std::string conf = "etc/nginx/nginx.conf";            // the main config (-c)
  std::string prefix = "etc/nginx";                     // -p
  std::string sites_dir = "etc/nginx/hostplane/sites";  // one <domain>.conf per site, included
  std::string pid_file = "run/nginx.pid";
  std::string log_dir = "var/log/nginx/hostplane";  // per-site access/error logs
  std::string listen_address = "0.0.0.0";
  int http_port = 80;
  // The reload marker: a server block on 127.0.0.1:<http_port> with server_name
  // "_hostplane-gen" that answers the generation of the last reload, so a reload is confirmed
  // only when new workers serve it.
  std::string marker_file = "etc/nginx/hostplane/sites/_hostplane-gen.conf";
  std::string nginx_user;  // the worker user, for file permissions (e.g. "www-data"); may be ""
  // nginx holds every error log open in the master, twice during a reload (old and new cycle).
  // One per site needs 2 descriptors per site; where the descriptor limit cannot allow that,
  // error logs are per account (<account>.error.log; nginx names the server in each request
  // error). Access logs are always per site, opened on demand.
  bool error_log_per_site = true;
  // PHP-FPM sockets: <php_socket_dir>/<account>-<version>.sock (agent/drivers/account).
  std::string php_socket_dir = "run/hostplane/php";
  // TLS: <certs_dir>/<domain>/fullchain.pem and privkey.pem; served on https_port for sites
  // with "https": true.
  std::string certs_dir = "etc/hostplane/certs";
  int https_port = 443;
  // ACME HTTP-01: every vhost serves /.well-known/acme-challenge/<token> from
  // <acme_webroot>/.well-known/acme-challenge/<token>, suspended sites included.
  std::string acme_webroot = "var/lib/hostplane/acme";
  // Pages the driver owns, outside every tenant's home (suspended.html).
  std::string pages_dir = "etc/nginx/hostplane/pages";
};

// The services a node runs besides nginx: a section present means its driver is registered
// (NewAgent) and the node serves that kind of task; absent, tasks of those kinds fail with "no
// driver". Each layout lives beside its driver (agent/drivers/<service>/).
struct HostLayout {
  std::string home_root = "srv/hostplane/home";       // account homes: <home_root>/<login>
  std::string state_dir = "var/lib/hostplane/agent";  // journal.db, backups of the batch in flight
  // GNU tar: packs and unpacks the content a drain copies (agent/drivers/content).
  std::string tar = "/usr/bin/tar";
  NginxLayout nginx;
  std::optional<AccountLayout> account;  // Unix users + PHP-FPM pools (account.*)
  std::optional<MailLayout> mail;        // Postfix + Dovecot (maildomain.*)
  std::optional<FtpLayout> ftp;          // pure-ftpd (ftpuser.*)
  std::optional<DnsLayout> dns;          // Knot (zone.*)
  std::optional<MariaDbLayout> mariadb;  // customer databases (database.*)
  std::optional<AcmeLayout> acme;        // certificates (cert.*)
};

}  // namespace hostplane::agent
