#pragma once

// A pure-ftpd serving the virtual users of an FtpLayout's puredb, run in the foreground as a
// ChildProcess (shared/service-lab.md section 4). Used by the FTP integration tests and meant for
// `hostplane up`. pure-ftpd has no configuration file: everything is on its command line
// (Argv()), and it reads the puredb at each login, so the FtpDriver never needs to signal it.
//
// Owned by one thread; Stop() (or the destructor) ends the daemon.

#include <chrono>
#include <string>
#include <vector>

#include "agent/drivers/ftp/ftp_layout.h"
#include "common/exec/command_runner.h"
#include "common/fs/filesystem.h"
#include "common/result.h"

namespace hostplane::agent {

struct FtpInstanceOptions {
  // Users below this uid are refused at login (system users).
  int min_uid = 1000;
  // -U <files>:<dirs>: uploads 0644, new directories 0755, so nginx can serve them.
  std::string umask = "133:022";
  std::chrono::milliseconds start_timeout{5000};
  std::chrono::milliseconds stop_grace{3000};
};

class FtpInstance {
 public:
  // fs: the root the layout's paths are relative to.
  FtpInstance(FtpLayout layout, Filesystem& fs, FtpInstanceOptions options = {});
  ~FtpInstance();
  FtpInstance(const FtpInstance&) = delete;
  FtpInstance& operator=(const FtpInstance&) = delete;

  // The daemon's command line: -S <listen>,<port> -l puredb:<pdb> -E (no anonymous) -A (chroot
  // everyone) -H (no reverse DNS) -u <min_uid> -U <umask> -p <passive range> -f none (no
  // syslog) -O clf:<log_dir>/transfer.log -g <pid_file>; no -B (foreground). With a TLS
  // certificate: -Y 2 (TLS required before login; -Y 1 when not tls_required) -2 <cert>,<key>.
  std::vector<std::string> Argv() const;

  // Creates the log, pid and puredb directories and starts pure-ftpd; returns once it accepts
  // connections on the port. It needs no puredb to start (logins fail until FtpDriver::Assemble
  // built one). Ready means: the pid file names this child and the port accepts. A stale pid
  // file is removed first. Errors: kUnavailable (it exited, e.g. the port is taken; its stderr
  // is quoted), kTimeout, kIo.
  [[nodiscard]] Status Start();
  // SIGTERM, then SIGKILL after the grace period. Idempotent.
  void Stop();
  bool Running();
  int pid() const { return child_.pid(); }

 private:
  bool OwnsPidFile();

  FtpLayout layout_;
  Filesystem& fs_;
  FtpInstanceOptions options_;
  ChildProcess child_;
};

}  // namespace hostplane::agent
