#pragma once

// Where the MariaDB server of a db node lives and how hostplane reaches it. Paths are relative to
// the Filesystem root the agent was given (production "/", tests a temp prefix), like every
// HostLayout path. The lead adds `MariaDbLayout mariadb;` to HostLayout.
//
// The driver (MariaDbDriver) only needs `socket` and `user_hosts`: it connects as OS root to the
// socket and MariaDB's unix_socket plugin logs it in as root@localhost without a password (the
// default of Debian's package and of `mariadb-install-db --auth-root-authentication-method=
// socket`). The other fields describe a private server that MariaDbInstance installs and runs
// (`hostplane up`, tests); production db nodes use the distribution's service instead.

#include <string>
#include <vector>

namespace hostplane::agent {

struct MariaDbLayout {
  // The server's Unix socket: the admin connection of the agent.
  std::string socket = "run/mysqld/mysqld.sock";
  // Every customer DB user exists once per host pattern: 'localhost' matches clients on the
  // socket, '127.0.0.1' TCP clients on loopback (mariadbd runs with --skip-name-resolve, so a
  // TCP client from 127.0.0.1 never matches 'localhost'). A db node serving web nodes over the
  // network adds their addresses (operator configuration, quoted as a literal).
  std::vector<std::string> user_hosts = {"localhost", "127.0.0.1"};
  // The clients that dump and load a database's contents when a drain copies it
  // (agent/drivers/content), as root on the socket like the driver.
  std::string dump_binary = "/usr/bin/mariadb-dump";
  std::string client_binary = "/usr/bin/mariadb";

  // The private server (MariaDbInstance).
  std::string server_binary = "/usr/sbin/mariadbd";
  std::string install_db_binary = "/usr/bin/mariadb-install-db";
  std::string datadir = "var/lib/mysql";
  std::string run_dir = "run/mysqld";  // socket, pid file and tmpdir live here
  std::string pid_file = "run/mysqld/mariadbd.pid";
  std::string log_dir = "var/log/mysql";  // error.log, and stderr of the server and install-db
  std::string bind_address = "127.0.0.1";
  int port = 3306;
  // The OS user mariadbd runs as when started by root (mariadbd refuses to run as root without
  // --user=root, and running customers' SQL as root would give FILE-privilege paths root's
  // reach); datadir, run_dir and log_dir are chowned to it. Ignored when not started as root.
  std::string os_user = "mysql";
  std::string innodb_buffer_pool_size = "64M";
};

}  // namespace hostplane::agent
