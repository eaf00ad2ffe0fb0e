#pragma once

// A ServiceDriver is the agent's knowledge of one managed daemon (nginx today; php-fpm, postfix,
// dovecot, knot, mariadb later). It has one lifecycle (shared/STYLE.md "A driver has one
// lifecycle"): Render a task into files (pure, golden-tested), Prepare what must exist before
// the files go live, Validate the live tree with the daemon's own checker, Reload the daemon once
// per batch, Finish what may only happen after the change is live. The batch algorithm around it
// (skip identical files, durable batch record, atomic swap, find the task at fault, roll back) is
// written once, in BatchApplier (agent/batch_applier.h), so every driver gets it for free.
//
// Drivers are created by NewAgent (agent.h) and called by the agent's reconcile thread only.

#include <sys/types.h>

#include <atomic>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/fs/filesystem.h"
#include "common/result.h"
#include "protocol/messages.h"

namespace hostplane::agent {

// One managed file a task wants: its full content, or nullopt for "must not exist".
struct FileChange {
  FileChange() = default;
  FileChange(std::string p, std::optional<std::string> c, mode_t m = 0644,
             std::optional<FileOwner> o = std::nullopt)
      : path(std::move(p)), content(std::move(c)), mode(m), owner(o) {}

  std::string path;  // relative to the Filesystem root
  std::optional<std::string> content;
  mode_t mode = 0644;
  // The file's owner when not root (FileWrite::owner): a secret one system user reads. A file
  // whose content is unchanged is not rewritten, so an owner is meant to be fixed for a path.
  std::optional<FileOwner> owner;
  bool operator==(const FileChange&) const = default;
};
using FileSet = std::vector<FileChange>;

// What the daemon's own validator says about the live tree.
struct Verdict {
  bool ok = true;
  std::string message;              // the validator's own words (on failure)
  std::optional<std::string> file;  // the root-relative file it blames, when it names one
};

class ServiceDriver {
 public:
  virtual ~ServiceDriver() = default;

  // A short stable name ("nginx"): reported in Hello, names the batch record.
  virtual std::string Name() const = 0;
  // The task kinds this driver handles (protocol::kSiteEnsure, ...).
  virtual std::vector<std::string> Kinds() const = 0;
  // Kinds (a subset of Kinds()) that run after every other driver's tasks of the same bundle:
  // what everything else depends on is removed last (an account's Unix user after its sites,
  // FTP users and pools). Default: none.
  virtual std::vector<std::string> LateKinds() const { return {}; }
  // Kinds (a subset of Kinds()) whose work can take hours (copying a home between servers). They
  // never enter a batch: the agent records each such task in its journal as a job, reports it
  // "running" at once, and calls Work for it on its job thread, one job at a time, in task order,
  // after the batch that brought it; the outcome is reported when Work returns. Jobs survive a
  // restart and run again, so Work must be idempotent and should resume. Render still checks
  // the spec first, on the reconcile thread (it is const and pure); a driver whose kinds are all
  // background kinds has nothing else called but Work, on the job thread. Default: none.
  virtual std::vector<std::string> BackgroundKinds() const { return {}; }
  // Directories holding the files this driver writes (swept for temp debris at start-up).
  virtual std::vector<std::string> ManagedDirs() const = 0;

  // Pure: decodes and re-validates the task's spec with the protocol decoders and renders every
  // file the object owns. Errors: kInvalid (the spec fails a grammar) -> the task fails.
  [[nodiscard]] virtual Result<FileSet> Render(const protocol::Task& task) const = 0;
  // Creates what must exist before the files are live (a docroot). Idempotent: with everything
  // in place it writes nothing. Errors: kForbidden (a tenant's symlink), kIo.
  [[nodiscard]] virtual Status Prepare(const protocol::Task& task) = 0;
  // Runs the daemon's checker over the live configuration. An Error means the checker could not
  // run (kIo, kTimeout); a refusal is a Verdict with ok=false.
  [[nodiscard]] virtual Result<Verdict> Validate() = 0;
  // Makes the daemon load the live files; returns once the new configuration is confirmed to be
  // serving. Errors: kUnavailable (daemon not running), kTimeout (reload not confirmed).
  [[nodiscard]] virtual Status Reload() = 0;
  // Runs after the task's files are live and loaded (deleting a removed site's content).
  // Idempotent.
  [[nodiscard]] virtual Status Finish(const protocol::Task& task) = 0;
  // Rebuilds the files derived from many objects' live files (an aggregate Postfix map and its
  // postmap database, pure-ftpd's puredb) so they match the live tree. BatchApplier calls it
  // before every Validate, after every restore of the previous files, and in Recover, so derived
  // files never lag the per-object files they are built from. Writes atomically; idempotent.
  // Default: nothing to derive.
  [[nodiscard]] virtual Status Assemble() { return Ok(); }
  // The work of a task of a BackgroundKinds() kind. `stopping` turns true when the agent stops:
  // Work then returns soon (any error); the job stays in the journal and runs again at the next
  // start. Errors follow Finish: retryable codes retry, others fail the task.
  [[nodiscard]] virtual Status Work(const protocol::Task& task, const std::atomic<bool>& stopping) {
    (void)stopping;
    return Fail(Error::Internal(Name() + " has no background work for " + task.kind));
  }
};

}  // namespace hostplane::agent
