#pragma once

// Who knotd runs as, and the one rule for the files of a dns node that knotd must read but only
// the agent may write (its TSIG keys in tsig.conf, a DNSSEC key while keymgr imports it):
//
//   mode 0640, owner root (the agent), group knotd's group, in a directory of mode 02750 owned by
//   root:<knotd's group>.
//
// The directory's setgid bit gives every file written into it (WriteFileAtomic's temporary file,
// then renamed) knotd's group at creation, so a secret is never readable by anyone else, not even
// between a write and a chown, and knotd can read it but not change it. The same rule as the mail
// node's Dovecot passdb (agent/drivers/mail/README.md).
//
// knotd's user is DnsLayout::os_user ("knot", the user Debian's knot package runs knotd as).
// Started by root, KnotInstance makes knotd drop to it (Knot's `server: user`) and gives it the
// directories knotd writes (rundir, storage with the journal, timers and KASP database, the log);
// the driver runs keymgr as that user too, so the KASP database's files stay knotd's. Not root,
// or with os_user empty, there is nothing to give: knotd runs as the agent's own user and the
// secrets are 0600 in 0700 directories of that user.
//
// Free functions; safe from any thread.

#include <sys/types.h>

#include <optional>
#include <string>

#include "agent/drivers/dns/dns_layout.h"
#include "common/exec/command_runner.h"
#include "common/fs/filesystem.h"
#include "common/result.h"

namespace hostplane::agent {

// knotd's user and group when this process is root and layout.os_user is set; nullopt
// otherwise. Errors: kInvalid (os_user does not exist).
[[nodiscard]] Result<std::optional<FileOwner>> KnotDaemonUser(const DnsLayout& layout);

// Creates `rel` (and missing parents, 0755) and makes it a directory for the daemon's secrets:
// 02750 root:<daemon's group>, or 0700 of this process's user when `daemon` is nullopt. Changed
// through an O_NOFOLLOW descriptor. Errors: kIo.
[[nodiscard]] Status MakeSecretDir(Filesystem& fs, const std::string& rel,
                                   const std::optional<FileOwner>& daemon);

// The mode of a secret file in such a directory: 0640 (group: the daemon) or 0600.
mode_t SecretFileMode(const std::optional<FileOwner>& daemon);

// Creates `rel` (and missing parents, 0755) as a directory knotd writes: mode, owned by the
// daemon (when given). Errors: kIo.
[[nodiscard]] Status MakeDaemonDir(Filesystem& fs, const std::string& rel, mode_t mode,
                                   const std::optional<FileOwner>& daemon);

// Runs `cmd` as the daemon (Command::run_as) when given.
void RunAsDaemon(Command& cmd, const std::optional<FileOwner>& daemon);

}  // namespace hostplane::agent
