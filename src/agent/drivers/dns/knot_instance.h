#pragma once

// A knotd owned by hostplane: writes Knot's main config from a DnsLayout (listen address and
// port, rundir, control socket, storage, log file, a default template that never writes back
// into our zone files, no DNSSEC, and an include of every per-zone fragment the KnotDriver
// writes), starts knotd in the foreground as a ChildProcess and waits until it answers on its
// control socket. Used by `hostplane up` and by the driver's integration tests. Started by root,
// knotd runs as layout.os_user ("knot"), which gets the directories knotd writes; the secrets
// it reads follow knot_user.h's rule.
//
// Not thread-safe; the owner starts and stops it.

#include <chrono>
#include <string>

#include "agent/drivers/dns/dns_layout.h"
#include "common/exec/command_runner.h"
#include "common/fs/filesystem.h"
#include "common/result.h"

namespace hostplane::agent {

// Knot's main config for the layout; every path absolute, through fs.HostPath. With run_as
// ("user:group"), knotd (started by root) switches to them once it has bound its port
// (`server: user`). Errors: kInvalid (a path with a character the config would parse, a listen
// address that is not an IP literal, a control socket path longer than a Unix socket allows, a
// run_as that is not user:group).
[[nodiscard]] Result<std::string> RenderKnotConf(const DnsLayout& layout, const Filesystem& fs,
                                                 const std::string& run_as = "");

class KnotInstance {
 public:
  // runner must allow layout.knotc (the readiness probe).
  KnotInstance(DnsLayout layout, Filesystem& fs, CommandRunner& runner);
  ~KnotInstance();  // stops knotd if this instance started it
  KnotInstance(const KnotInstance&) = delete;
  KnotInstance& operator=(const KnotInstance&) = delete;

  // Creates the directories of the layout and writes the main config. Idempotent.
  // Errors: kInvalid (see RenderKnotConf), kIo.
  [[nodiscard]] Status WriteConfig();
  // WriteConfig, then starts knotd -c <conf> in the foreground (its output appended to
  // layout.log_file) and returns once `knotc status` answers. Errors: kUnavailable (knotd exited,
  // with the end of its log), kTimeout, kIo.
  [[nodiscard]] Status Start(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Stops the knotd an earlier run under this layout left running (its pid file names it; it
  // dropped the parent-death signal with its user). Start calls it; `up` calls it before it
  // checks its ports. Returns the pid stopped, 0 when none (common/exec/stale_daemon.h).
  [[nodiscard]] static Result<int> StopLeftover(const DnsLayout& layout, Filesystem& fs);
  // SIGTERM, then SIGKILL after the grace period. Returns the exit status (-1: not started).
  int Stop(std::chrono::milliseconds grace = std::chrono::seconds(5));
  bool Running();
  int pid() const { return knotd_.pid(); }
  const DnsLayout& layout() const { return layout_; }

 private:
  DnsLayout layout_;
  Filesystem& fs_;
  CommandRunner& runner_;
  ChildProcess knotd_;
};

}  // namespace hostplane::agent
