#pragma once

// Where the FTP service's files live (shared/service-lab.md section 4: pure-ftpd with virtual
// users in a puredb). Paths are relative to the agent's Filesystem root; binaries are absolute.
// Meant to become HostLayout::ftp; home_root must equal HostLayout::home_root.

#include <string>

namespace hostplane::agent {

struct FtpLayout {
  std::string pure_ftpd = "/usr/sbin/pure-ftpd";
  std::string pure_pw = "/usr/bin/pure-pw";
  // Account homes: <home_root>/<login> (the same as HostLayout::home_root).
  std::string home_root = "srv/hostplane/home";
  // One fragment per FTP user, <users_dir>/<user>.line, holding its puredb passwd line.
  std::string users_dir = "etc/hostplane/ftp/users";
  // Every fragment concatenated in name order (the input of `pure-pw mkdb`), and the puredb
  // pure-ftpd reads at each login. Both 0600: they hold password hashes.
  std::string passwd_file = "etc/hostplane/ftp/pureftpd.passwd";
  std::string pdb_file = "etc/hostplane/ftp/pureftpd.pdb";
  std::string pid_file = "run/hostplane/pure-ftpd.pid";
  // pure-ftpd's stderr (pure-ftpd.log) and transfer log (transfer.log, CLF).
  std::string log_dir = "var/log/hostplane/ftp";
  std::string listen_address = "0.0.0.0";  // an IP literal
  int port = 21;
  // Passive data connections take a port from this range.
  int passive_port_min = 30000;
  int passive_port_max = 30099;
  // FTPS (explicit TLS, AUTH TLS): the chain (leaf first) and key pure-ftpd presents,
  // root-relative; "" = no TLS. With tls_required, a login without TLS is refused (pure-ftpd -Y 2;
  // else -Y 1: TLS offered, plaintext allowed, for a loopback all-in-one).
  std::string tls_cert;
  std::string tls_key;
  bool tls_required = true;
};

}  // namespace hostplane::agent
