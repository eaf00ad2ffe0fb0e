#pragma once

// A private MariaDB server under a prefix (shared/service-lab.md section 6), for `hostplane up`
// and the integration tests: Install() creates the directories of a MariaDbLayout and runs
// mariadb-install-db into the datadir once (root authenticates through unix_socket, no test
// database); Start() runs mariadbd in the foreground as a ChildProcess with --no-defaults, its
// socket, pid file, tmpdir and logs under the prefix, TCP only on bind_address:port, no name
// resolution, no binary log; it returns once root answers on the socket. Stop() (and the
// destructor) sends SIGTERM and waits.
//
// Started by root, mariadbd runs as layout.os_user ("mysql", from Debian's package): it refuses
// to run as root unless told --user=root, and a server running as root would give any SQL path
// to the filesystem root's reach. The directories it writes are chowned to that user, so the
// prefix must be traversable by it (0755, as TempRoot makes it). Started by another user, it
// runs as that user.
//
// Owned by one thread.

#include <chrono>
#include <string>

#include "agent/drivers/mariadb/mariadb_connection.h"
#include "agent/drivers/mariadb/mariadb_layout.h"
#include "common/exec/command_runner.h"
#include "common/fs/filesystem.h"
#include "common/result.h"

namespace hostplane::agent {

class MariaDbInstance {
 public:
  // runner must allow layout.install_db_binary; fs is rooted at the prefix.
  MariaDbInstance(MariaDbLayout layout, Filesystem& fs, CommandRunner& runner);
  ~MariaDbInstance();
  MariaDbInstance(const MariaDbInstance&) = delete;
  MariaDbInstance& operator=(const MariaDbInstance&) = delete;

  // Creates datadir, run_dir and log_dir, and initialises the datadir unless it already holds
  // the system tables (<datadir>/mysql). Errors: kIo (directories, chown), kInvalid (os_user does
  // not exist), kUnavailable (mariadb-install-db failed; its output in the message), kTimeout.
  [[nodiscard]] Status Install(std::chrono::milliseconds timeout = std::chrono::seconds(120));

  // Starts mariadbd and waits until root can log in on the socket. Errors: kUnavailable
  // (mariadbd exited; the tail of its error log in the message), kTimeout, kIo.
  [[nodiscard]] Status Start(std::chrono::milliseconds timeout = std::chrono::seconds(60));
  // Stops the mariadbd an earlier run under this layout left running (--user drops the
  // parent-death signal); its shutdown flushes InnoDB. Start calls it; `up` calls it before it
  // checks its ports. Returns the pid stopped, 0 when none (common/exec/stale_daemon.h).
  [[nodiscard]] static Result<int> StopLeftover(const MariaDbLayout& layout, Filesystem& fs);

  // SIGTERM, then waits up to `grace` before SIGKILL. Does nothing when not running.
  void Stop(std::chrono::milliseconds grace = std::chrono::seconds(30));

  bool Running() { return server_.pid() > 0 && server_.Running(); }

  // How root reaches this server (the driver's admin connection).
  MariaDbConnectOptions AdminOptions() const;
  const MariaDbLayout& layout() const { return layout_; }

 private:
  Status ChownToServerUser(const std::string& rel);
  std::string ErrorLogTail();

  MariaDbLayout layout_;
  Filesystem& fs_;
  CommandRunner& runner_;
  ChildProcess server_;
};

}  // namespace hostplane::agent
