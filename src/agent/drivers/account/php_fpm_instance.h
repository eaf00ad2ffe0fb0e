#pragma once

// One PHP-FPM master of one PHP version, run by hostplane as a ChildProcess in the foreground
// (-F, so its pid survives SIGUSR2 reloads). WriteConfig writes the master config of the
// version's PhpVersionLayout (pid, error_log, daemonize = no, include = <pool_dir>/*.conf) and a
// placeholder pool, <pool_dir>/_hostplane.conf: php-fpm refuses to start with no pool at all,
// and with the placeholder the master can run (and `php-fpm -t` pass) before the first account
// and after the last one is gone. The placeholder runs ondemand as layout.placeholder_user (when
// root), listens on <php_socket_dir>/_hostplane-<v>.sock with mode 0600 (root only) and never
// has a worker unless someone connects. Its name starts with '_', which no login can.
//
// Used by `hostplane up` and the integration tests; AccountDriver signals the master through
// its pid file. Not thread-safe.

#include <chrono>
#include <string>

#include "agent/drivers/account/account_layout.h"
#include "common/exec/command_runner.h"
#include "common/fs/filesystem.h"
#include "common/result.h"

namespace hostplane::agent {

class PhpFpmInstance {
 public:
  // version must be a key of layout.php.
  PhpFpmInstance(AccountLayout layout, std::string version, Filesystem& fs);

  // Writes the master config and the placeholder pool (atomically) and creates the directories
  // they name. Errors: kInvalid (a path a config file must not carry), kIo.
  [[nodiscard]] Status WriteConfig();
  // Starts the master (after WriteConfig) and returns once the placeholder socket accepts
  // connections. Errors: kUnavailable (php-fpm exited; its log is in the message), kTimeout.
  [[nodiscard]] Status Start(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // SIGQUIT (graceful), then SIGKILL after grace. Safe to call when not running.
  void Stop(std::chrono::milliseconds grace = std::chrono::seconds(5));
  bool Running() { return process_.pid() > 0 && process_.Running(); }

  // Root-relative paths of the placeholder pool file and its socket.
  std::string PlaceholderPool() const;
  std::string PlaceholderSocket() const;
  ChildProcess& process() { return process_; }

 private:
  AccountLayout layout_;
  std::string version_;
  Filesystem& fs_;
  ChildProcess process_;
};

}  // namespace hostplane::agent
