#pragma once

// The FTP driver: virtual FTP users of pure-ftpd in a puredb (shared/service-lab.md section 4),
// for the task kinds ftpuser.ensure / ftpuser.remove (protocol/ftp_spec.h).
//
// Each user owns one fragment file, <users_dir>/<user>.line, holding its puredb passwd line
// (RenderPasswdLine, the one encoder of this format). Assemble() concatenates the fragments in
// name order into passwd_file and builds pdb_file from it with `pure-pw mkdb`; BatchApplier calls
// it before every Validate, after every restore and in Recover, so the puredb never lags the
// fragments (a crash between the two is repaired by Recover at start-up).
//
// pure-ftpd has no configuration checker. Validate() therefore checks what a login depends on:
// that `pure-pw mkdb` succeeded and the puredb exists, and that every user's home exists, is a
// directory (reached without following a link) and belongs to the user's uid. A failing home
// blames that user's fragment, so BatchApplier fails exactly its task.
//
// Reload() does nothing: pure-ftpd opens the puredb at each login, so a new database is live for
// the next login as soon as pure-pw has renamed it into place.
//
// Suspended users keep their line with the password hash replaced by "!": no password crypt()s
// to "!" (it is not a crypt setting; libxcrypt returns a failure token starting with '*'), so
// every login is refused while uid, gid and home stay recorded. Removing a user deletes its
// fragment; its home and files stay (they are the account's).
//
// Called by the agent's reconcile thread only.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "agent/driver.h"
#include "agent/drivers/ftp/ftp_layout.h"
#include "agent/drivers/ftp/ftp_passwd_line.h"
#include "common/exec/command_runner.h"
#include "common/fs/filesystem.h"
#include "protocol/ftp_spec.h"

namespace hostplane::agent {

class FtpDriver final : public ServiceDriver {
 public:
  FtpDriver(FtpLayout layout, Filesystem& fs, CommandRunner& runner);

  std::string Name() const override { return "ftp"; }
  std::vector<std::string> Kinds() const override;
  std::vector<std::string> ManagedDirs() const override;
  // ensure: the user's fragment (0600); remove: the fragment's removal. Errors: kInvalid (the
  // spec fails a grammar, or the layout's home_root is not a safe host path).
  Result<FileSet> Render(const protocol::Task& task) const override;
  // ensure: creates the user's home beneath <home_root>/<account> where missing, each new
  // directory 0755 and owned by the spec's uid/gid (openat2 beneath, no symlinks, fchown on the
  // descriptor). Existing directories are left as they are. Errors: kInvalid, kForbidden (a
  // link in the path), kIo.
  Status Prepare(const protocol::Task& task) override;
  // See above. Errors: kIo (a fragment or the home root could not be read).
  Result<Verdict> Validate() override;
  Status Reload() override { return Ok(); }
  Status Finish(const protocol::Task& task) override;
  // Rewrites passwd_file (only when its content changes) and runs `pure-pw mkdb` (which writes
  // <pdb>.index, fsyncs it and renames it over the pdb). A refusal by pure-pw is kept for
  // Validate; errors: kIo (writing), kForbidden/kIo/kTimeout (pure-pw could not run).
  Status Assemble() override;

  // Root-relative path of a user's fragment.
  std::string FragmentPath(const std::string& user) const;

 private:
  Result<FtpPasswdLine> Line(const protocol::FtpUserSpec& spec) const;

  FtpLayout layout_;
  Filesystem& fs_;
  CommandRunner& runner_;
  std::optional<std::string> mkdb_failure_;  // pure-pw's words when the last mkdb failed
};

}  // namespace hostplane::agent
