#pragma once

// The agent's journal: a small SQLite database (<state_dir>/journal.db, WAL, synchronous=FULL)
// that survives kill -9 and lets a restarted agent resume exactly where it stopped. It holds
//  - the applied revision (the agent fetches tasks after it);
//  - per object the last spec applied, its revision and a BLAKE2b hash of each file it manages
//    (for stale-task detection, P7, and drift detection);
//  - an outbox of reports not yet acknowledged by the controller: results are recorded and
//    queued in one transaction, so a crash between apply and report loses nothing (P6);
//  - the background jobs not yet done (ServiceDriver::BackgroundKinds): queued in the same
//    transaction as the "running" report that announces them, and replaced by the report of
//    their outcome in one transaction when they end.
//
// Not thread-safe: the agent serialises its reconcile and job threads' calls.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/sqlite/database.h"

namespace hostplane::agent {

// A managed file and the hash of its content as applied; an empty hash means "must not exist".
struct FileHash {
  std::string path;
  std::string hash;
  bool operator==(const FileHash&) const = default;
};

struct ObjectRecord {
  std::string key;  // "site:shop.example"
  int64_t revision = 0;
  std::string kind;
  std::string spec_json;
  std::vector<FileHash> files;
};

// A background job: the task it does, encoded (protocol::ToJson of the task).
struct Job {
  int64_t task = 0;
  std::string task_json;
};

struct OutboxEntry {
  int64_t id = 0;
  std::string body;  // an encoded protocol::Report
};

class Journal {
 public:
  // Opens or creates the journal at an absolute host path. Errors: kIo.
  [[nodiscard]] static Result<Journal> Open(const std::string& path);

  [[nodiscard]] Result<int64_t> AppliedRevision();
  [[nodiscard]] Result<std::vector<ObjectRecord>> Objects();

  // In one transaction: upserts objects, raises the applied revision to applied_revision (never
  // lowers it), queues jobs (a task already queued is kept as it is) and, when report is not
  // empty, queues it. Returns the outbox id (0 if none).
  [[nodiscard]] Result<int64_t> Commit(const std::vector<ObjectRecord>& objects,
                                       int64_t applied_revision, const std::string& report,
                                       const std::vector<Job>& jobs = {});

  // The queued jobs, oldest task first.
  [[nodiscard]] Result<std::vector<Job>> Jobs();
  // In one transaction: removes the job of task and queues the report of its outcome, made by
  // report(the journal's applied revision in that transaction: no lower than that of any report
  // queued before it, no higher than that of any queued after). Returns the outbox id.
  [[nodiscard]] Result<int64_t> FinishJob(
      int64_t task, const std::function<std::string(int64_t applied_revision)>& report);

  [[nodiscard]] Result<std::vector<OutboxEntry>> Outbox();
  [[nodiscard]] Status Acknowledge(int64_t outbox_id);

 private:
  explicit Journal(sqlite::Database db) : db_(std::move(db)) {}
  sqlite::Database db_;
};

// The content hash stored for a file (hex BLAKE2b-256); "" for a file that does not exist.
std::string ContentHash(const std::optional<std::string>& content);

}  // namespace hostplane::agent
