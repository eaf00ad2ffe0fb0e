#pragma once

// The agent's journal: a small SQLite database (<state_dir>/journal.db, WAL, synchronous=FULL)
// that survives kill -9 and lets a restarted agent resume exactly where it stopped. It holds
//  - the applied revision (the agent fetches tasks after it);
//  - per object the last spec applied, its revision and a BLAKE2b hash of each file it manages
//    (for stale-task detection, P7, and drift detection);
//  - an outbox of reports not yet acknowledged by the controller: results are recorded and
//    queued in one transaction, so a crash between apply and report loses nothing (P6).
//
// Not thread-safe: owned by the agent's reconcile thread.

#include <cstdint>
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
  // lowers it) and, when report is not empty, queues it. Returns the outbox id (0 if none).
  [[nodiscard]] Result<int64_t> Commit(const std::vector<ObjectRecord>& objects,
                                       int64_t applied_revision, const std::string& report);

  [[nodiscard]] Result<std::vector<OutboxEntry>> Outbox();
  [[nodiscard]] Status Acknowledge(int64_t outbox_id);

 private:
  explicit Journal(sqlite::Database db) : db_(std::move(db)) {}
  sqlite::Database db_;
};

// The content hash stored for a file (hex BLAKE2b-256); "" for a file that does not exist.
std::string ContentHash(const std::optional<std::string>& content);

}  // namespace hostplane::agent
