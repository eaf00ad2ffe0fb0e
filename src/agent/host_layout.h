#pragma once

// Where things live on a hosting server, decided once (not sniffed in every driver). Every path
// is relative to the Filesystem root the agent was given (production "/", tests a temp prefix).

#include <string>

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
};

struct HostLayout {
  std::string home_root = "srv/hostplane/home";       // account homes: <home_root>/<login>
  std::string state_dir = "var/lib/hostplane/agent";  // journal.db, backups of the batch in flight
  NginxLayout nginx;
};

}  // namespace hostplane::agent
