#pragma once

// BatchApplier applies a batch of tasks through one ServiceDriver, the same way for every daemon:
//
//  1. render every task; files whose live content is already identical are skipped, so applying
//     the same revision twice writes nothing, runs nothing and reloads nothing (P2);
//  2. write a batch record (<state_dir>/batch-<driver>.cbor: each file touched with its previous
//     content) durably BEFORE any live file changes;
//  3. swap the new files in atomically;
//  4. run the daemon's validator; when it refuses, blame the task whose file it names (restore
//     that file, fail that task with the validator's message, validate again), or, when it names
//     no file of the batch, bisect the batch (O(log N) validator runs per culprit, never O(N));
//  5. reload once for the whole batch and confirm it;
//  6. on a failed validator run or reload, restore every file from the record;
//  7. delete the record.
// A crash anywhere leaves the record behind; Recover() at start-up restores every file to its
// previous version (P3: every managed file is old or new, never torn, no temp debris).
//
// Called by the agent's reconcile thread only; not thread-safe.

#include <chrono>
#include <string>
#include <vector>

#include "agent/driver.h"
#include "common/fs/filesystem.h"
#include "common/result.h"
#include "protocol/messages.h"

namespace hostplane::agent {

struct BatchOutcome {
  // One per task, in the order given.
  std::vector<protocol::TaskResult> results;
  // The files each task rendered (parallel to results; empty when rendering failed). For tasks
  // applied, this is now the live state, recorded in the journal for drift detection.
  std::vector<FileSet> files;
  int changed_files = 0;  // live files written or removed and kept
  int reloads = 0;
  int validations = 0;  // validator runs
  int64_t reload_ms = 0;
};

class BatchApplier {
 public:
  // state_dir: root-relative directory for batch records. write_delay: test hook, slept after
  // each live file written (so a test can kill -9 mid-batch).
  BatchApplier(Filesystem& fs, std::string state_dir,
               std::chrono::milliseconds write_delay = std::chrono::milliseconds(0));

  // Applies tasks (all of kinds the driver handles). Never fails as a whole: every problem
  // becomes the outcome of the task(s) concerned (failed, or retry for transient errors).
  BatchOutcome Apply(ServiceDriver& driver, const std::vector<protocol::Task>& tasks);

  // Rolls back a batch a crash interrupted (restores every file of the record, then deletes it)
  // and removes temp debris from the driver's directories and the state dir. Returns true if a
  // batch was rolled back. Errors: kIo (the record could not be read or a file not restored;
  // the record is then kept for the next attempt).
  [[nodiscard]] Result<bool> Recover(ServiceDriver& driver);

  // The root-relative path of the driver's batch record.
  std::string RecordPath(const ServiceDriver& driver) const;

 private:
  Filesystem& fs_;
  std::string state_dir_;
  std::chrono::milliseconds write_delay_;
};

}  // namespace hostplane::agent
