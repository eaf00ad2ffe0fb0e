#pragma once

// A daemon that an earlier run of this process started and never stopped. ChildProcess gives its
// children a parent-death signal, but the kernel clears it when a child changes its own user
// (mariadbd --user, knotd's `user:`), and Postfix's master runs under a script that does not pass
// it on: after `hostplane up` is killed with SIGKILL those daemons keep running, holding their
// ports and files, and the next start fails on "port taken". Before starting a daemon, an
// instance stops the one its own pid file names — only when that process really runs the
// daemon's binary, so a pid the kernel gave to something else since is never touched.

#include <chrono>
#include <string>

#include "common/result.h"

namespace hostplane {

// Reads pid_file (a host path; missing, empty or unreadable: nothing to do). When it names a live
// process whose executable is `binary` (its real path), sends SIGTERM, waits up to grace for it
// to exit, then SIGKILL and waits again; then removes the pid file. Returns the pid stopped, 0
// when there was none. Errors: kUnavailable when the process outlives SIGKILL (cannot happen
// short of an uninterruptible sleep), kIo when the pid file cannot be removed.
[[nodiscard]] Result<int> StopStaleDaemon(const std::string& pid_file, const std::string& binary,
                                          std::chrono::milliseconds grace);

}  // namespace hostplane
