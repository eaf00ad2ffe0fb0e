#pragma once

// The write path of a SQLite store: one writer connection shared by many threads through group
// commit, and the write-ahead log checkpointed off that path. Generic over what a write does
// (the store's transaction type wraps the Database it is handed).
//
// Group commit (as leveldb's writer queue): every caller queues its fn; the caller at the front
// of the queue leads, running every fn queued meanwhile, and those queued while these run (at
// most kMaxBatch), in one transaction, each inside its own SAVEPOINT, and commits them with one
// COMMIT (one fsync). A fn that fails is rolled back to its savepoint alone and gets its own
// error; the fns of a batch see each other's effects in queue order, as if run one after the
// other. Every caller returns only after the batch's COMMIT, so Ok still means on disk.
//
// Checkpoints: a second connection copies the log into the database file on a thread of its
// own, at most every kCheckpointInterval after writes (a checkpoint inside a commit, SQLite's
// default, writes and fsyncs the database file while every writer waits).
//
// Thread-safe.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "common/result.h"
#include "common/sqlite/database.h"

namespace hostplane::sqlite {

class GroupCommitWriter {
 public:
  using Fn = std::function<Status(Database&)>;

  // writer: the durable connection every write runs on (its wal_autocheckpoint only a safety
  // net); checkpointer: a second durable connection to the same file.
  GroupCommitWriter(Database writer, Database checkpointer);
  ~GroupCommitWriter();  // stops the checkpoint thread
  GroupCommitWriter(const GroupCommitWriter&) = delete;
  GroupCommitWriter& operator=(const GroupCommitWriter&) = delete;

  // Runs fn in a write transaction shared with the writes queued with it; returns once that
  // transaction is committed (or fn's error, or kIo/kUnavailable from SQLite). fn must not call
  // Write itself (refused with kInternal: it would wait for itself).
  [[nodiscard]] Status Write(const Fn& fn);

  // Most fns one transaction holds: bounds how long the first caller of a batch waits.
  static constexpr size_t kMaxBatch = 128;
  static constexpr std::chrono::milliseconds kCheckpointInterval{100};

 private:
  // One caller's Write, waiting in queue_ (on its caller's stack).
  struct QueuedWrite {
    explicit QueuedWrite(const Fn* f) : fn(f) {}
    const Fn* fn;
    Status result;
    bool done = false;  // guarded by queue_mu_
    std::condition_variable cv;
  };

  // Runs fn in the open transaction, inside a savepoint when it shares the transaction, and
  // returns its result. Some errors (I/O, full disk) make SQLite end the whole transaction
  // itself; the caller sees that in writer_.InTransaction().
  Status RunOne(const Fn& fn, bool savepoint);
  // Appends to batch the writes queued behind it, up to kMaxBatch in all; false when there
  // were none.
  bool TakeQueued(std::vector<QueuedWrite*>& batch);
  // Runs every fn of batch (and of the writes queued meanwhile, which it appends to batch) in
  // transactions and commits: sets each one's result. Called with write_mu_ held.
  void RunBatch(std::vector<QueuedWrite*>& batch);
  // A failed checkpoint is left to the next one, or to the writer's own.
  void CheckpointLoop();

  std::mutex queue_mu_;
  std::deque<QueuedWrite*> queue_;  // front: the leader (running a batch or about to)

  Database checkpointer_;
  std::mutex checkpoint_mu_;
  std::condition_variable checkpoint_cv_;
  bool checkpoint_due_ = false;  // a batch committed since the last checkpoint
  bool checkpoint_stopping_ = false;
  std::thread checkpoint_thread_;

  std::mutex write_mu_;  // the writer connection: held by the leader of a batch
  Database writer_;
};

}  // namespace hostplane::sqlite
