#include "common/sqlite/group_commit.h"

#include <algorithm>
#include <exception>
#include <string>
#include <utility>

namespace hostplane::sqlite {
namespace {

// True while this thread runs a batch's fns (a nested Write is refused, not deadlocked).
thread_local bool t_writing = false;

}  // namespace

GroupCommitWriter::GroupCommitWriter(Database writer, Database checkpointer)
    : checkpointer_(std::move(checkpointer)), writer_(std::move(writer)) {
  checkpoint_thread_ = std::thread([this] { CheckpointLoop(); });
}

GroupCommitWriter::~GroupCommitWriter() {
  {
    std::lock_guard lock(checkpoint_mu_);
    checkpoint_stopping_ = true;
  }
  checkpoint_cv_.notify_one();
  checkpoint_thread_.join();
}

Status GroupCommitWriter::Write(const Fn& fn) {
  if (t_writing) {
    // fn is run by the leader, which holds the writer: a nested Write would wait for itself.
    return Fail(Error::Internal("Store::Write called inside a Store::Write"));
  }
  QueuedWrite self{&fn};
  std::unique_lock lock(queue_mu_);
  queue_.push_back(&self);
  self.cv.wait(lock, [&] { return self.done || queue_.front() == &self; });
  if (self.done) return std::move(self.result);
  std::vector<QueuedWrite*> batch(
      queue_.begin(), queue_.begin() + static_cast<ptrdiff_t>(std::min(queue_.size(), kMaxBatch)));
  lock.unlock();
  {
    std::lock_guard writer_lock(write_mu_);
    RunBatch(batch);
  }
  {
    std::lock_guard checkpoint_lock(checkpoint_mu_);
    checkpoint_due_ = true;
  }
  checkpoint_cv_.notify_one();
  lock.lock();
  for (size_t i = 0; i < batch.size(); ++i) {
    QueuedWrite* w = queue_.front();
    queue_.pop_front();
    w->done = true;
    if (w != &self) w->cv.notify_one();
  }
  if (!queue_.empty()) queue_.front()->cv.notify_one();  // the next leader
  return std::move(self.result);
}

Status GroupCommitWriter::RunOne(const Fn& fn, bool savepoint) {
  if (savepoint) HP_TRY(writer_.Exec("SAVEPOINT hp_write"));
  Status s;
  t_writing = true;
  try {
    s = fn(writer_);
  } catch (const std::exception& e) {
    // A throwing fn must not leave its changes in the transaction.
    s = Fail(Error::Internal(std::string("store write: ") + e.what()));
  }
  t_writing = false;
  if (!writer_.InTransaction()) return s;  // see RunBatch
  if (savepoint) {
    Status undone = s ? Ok() : writer_.Exec("ROLLBACK TO hp_write");
    if (undone) undone = writer_.Exec("RELEASE hp_write");
    if (!undone) {
      // fn's changes cannot be told apart from the others': the whole transaction goes.
      (void)writer_.Exec("ROLLBACK");
      return Fail(undone.error().Wrap("closing the savepoint of a store write"));
    }
  }
  return s;
}

// Appends to batch the writes queued behind it, up to kMaxBatch in all; false when there
// were none.
bool GroupCommitWriter::TakeQueued(std::vector<QueuedWrite*>& batch) {
  std::lock_guard lock(queue_mu_);
  // batch is the front of queue_: the leader pops it only when it is done.
  const size_t end = std::min(queue_.size(), kMaxBatch);
  if (end <= batch.size()) return false;
  batch.insert(batch.end(), queue_.begin() + static_cast<ptrdiff_t>(batch.size()),
               queue_.begin() + static_cast<ptrdiff_t>(end));
  return true;
}

// Runs every fn of batch (and of the writes queued meanwhile, which it appends to batch) in
// transactions and commits: sets each one's result. Called with write_mu_ held.
void GroupCommitWriter::RunBatch(std::vector<QueuedWrite*>& batch) {
  size_t next = 0;
  while (next < batch.size()) {
    const size_t first = next;
    if (auto b = writer_.Exec("BEGIN IMMEDIATE"); !b) {
      for (size_t i = first; i < batch.size(); ++i) batch[i]->result = b;
      return;
    }
    bool alone = batch.size() - first == 1;
    Status aborted;  // the error after which SQLite ended the transaction itself
    for (;;) {
      for (; next < batch.size() && aborted; ++next) {
        Status s = RunOne(*batch[next]->fn, !alone);
        if (!writer_.InTransaction()) {
          aborted = Fail(s ? Error::Unavailable("the store's transaction ended unexpectedly")
                           : s.error());
        }
        batch[next]->result = std::move(s);
      }
      // Writes queued while these ran join this transaction rather than wait for the next
      // one (a lone write that failed has no savepoint: it is rolled back first).
      if (!aborted || (alone && !batch[first]->result) || !TakeQueued(batch)) break;
      alone = false;
    }
    if (!aborted) {
      // What ran before in this transaction is lost: those writes fail, those after it run
      // in a new transaction.
      for (size_t i = first; i + 1 < next; ++i) {
        if (batch[i]->result) {
          batch[i]->result = Fail(Error::Unavailable(
              "the write was rolled back with another one: " + aborted.error().message));
        }
      }
      continue;
    }
    if (alone && !batch[first]->result) {
      (void)writer_.Exec("ROLLBACK");
      continue;
    }
    if (auto c = writer_.Exec("COMMIT"); !c) {
      (void)writer_.Exec("ROLLBACK");
      for (size_t i = first; i < next; ++i) {
        if (batch[i]->result) batch[i]->result = c;
      }
    }
  }
}

void GroupCommitWriter::CheckpointLoop() {
  std::unique_lock lock(checkpoint_mu_);
  for (;;) {
    checkpoint_cv_.wait(lock, [this] { return checkpoint_due_ || checkpoint_stopping_; });
    if (checkpoint_stopping_) return;
    checkpoint_due_ = false;
    lock.unlock();
    (void)checkpointer_.Checkpoint();
    lock.lock();
    checkpoint_cv_.wait_for(lock, kCheckpointInterval, [this] { return checkpoint_stopping_; });
  }
}

}  // namespace hostplane::sqlite
