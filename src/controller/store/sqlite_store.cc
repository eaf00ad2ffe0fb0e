#include "controller/store/sqlite_store.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "common/sqlite/database.h"
#include "common/sqlite/group_commit.h"
#include "controller/store/lease_fence.h"
#include "controller/store/sqlite_connection.h"
#include "controller/store/sqlite_schema.h"

namespace hostplane::controller {
namespace {

using sqlite::Database;

// Idle read connections kept open.
constexpr size_t kMaxIdleReaders = 8;
// The writer checkpoints the write-ahead log itself only past this many pages (64 MiB): the
// store's checkpoint thread normally keeps it far shorter (SQLite's default is 1,000 pages, in
// the commit that crosses it).
constexpr int kWriterCheckpointPages = 16384;

class ReaderPool {
 public:
  explicit ReaderPool(std::string path) : path_(std::move(path)) {}

  // A read-only connection for the caller's exclusive use; back to the pool when destroyed.
  class Lease {
   public:
    Lease(ReaderPool* pool, std::unique_ptr<Database> db) : pool_(pool), db_(std::move(db)) {}
    Lease(Lease&& o) noexcept : pool_(o.pool_), db_(std::move(o.db_)) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (db_) pool_->Release(std::move(db_));
    }
    Database& db() { return *db_; }

   private:
    ReaderPool* pool_;
    std::unique_ptr<Database> db_;
  };

  Result<Lease> Acquire() {
    {
      std::lock_guard lock(mu_);
      if (!idle_.empty()) {
        auto db = std::move(idle_.back());
        idle_.pop_back();
        return Lease(this, std::move(db));
      }
    }
    HP_ASSIGN_OR_RETURN(auto db, Database::Open(path_, /*durable=*/false));
    HP_TRY(db.Exec("PRAGMA query_only = ON"));
    return Lease(this, std::make_unique<Database>(std::move(db)));
  }

 private:
  void Release(std::unique_ptr<Database> db) {
    std::lock_guard lock(mu_);
    if (idle_.size() < kMaxIdleReaders) idle_.push_back(std::move(db));
  }

  std::string path_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Database>> idle_;
};

// Runs fn inside one read transaction, so that several queries see the same snapshot.
template <typename T>
Result<T> InSnapshot(Database& db, const std::function<Result<T>()>& fn) {
  HP_TRY(db.Exec("BEGIN"));
  Result<T> r = fn();
  (void)db.Exec("COMMIT");
  return r;
}

class SqliteStore final : public Store {
 public:
  // checkpointer: a second durable connection, which copies the write-ahead log into the
  // database on its own thread (the writer's own checkpoints are only a safety net).
  SqliteStore(Database writer, Database checkpointer, std::string path, const Clock& clock)
      : Store(clock),
        writer_(std::move(writer), std::move(checkpointer)),
        readers_(std::move(path)) {}

  // Group-committed (sqlite::GroupCommitWriter): fn shares a transaction with the writes queued
  // with it, inside its own savepoint; Ok still means on disk (P8).
  Status Write(const std::function<Status(StoreTxn&)>& fn) override {
    auto fenced = FencedByCaller(fn);
    return writer_.Write([&](Database& db) {
      SqliteConnection connection(db);
      StoreTxn txn(connection, clock_);
      return fenced(txn);
    });
  }

  Status Snapshot(const std::function<Status(StoreTxn&)>& fn) override {
    return Read<void>([&](Database& db) {
      return InSnapshot<void>(db, [&]() -> Status {
        SqliteConnection connection(db);  // the reader is query_only: writes fail
        StoreTxn txn(connection, clock_);
        return fn(txn);
      });
    });
  }

 private:
  template <typename T>
  Result<T> Read(const std::function<Result<T>(Database&)>& fn) {
    HP_ASSIGN_OR_RETURN(auto lease, readers_.Acquire());
    return fn(lease.db());
  }

  sqlite::GroupCommitWriter writer_;
  ReaderPool readers_;
};

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, const Clock& clock) {
  auto writer = Database::Open(path, /*durable=*/true);
  if (!writer) return Fail(writer.error().Wrap("opening the store"));
  if (auto s = sqlite::Migrate(*writer, StoreMigrations()); !s) {
    return Fail(s.error().Wrap("migrating the store " + path));
  }
  // The checkpoint thread copies the log into the database; the writer checkpoints only when
  // the log has grown this far (pages) regardless, so it stays bounded if that thread lags.
  if (auto s = writer->Exec("PRAGMA wal_autocheckpoint=" + std::to_string(kWriterCheckpointPages));
      !s) {
    return Fail(s.error().Wrap("configuring the store"));
  }
  auto checkpointer = Database::Open(path, /*durable=*/true);
  if (!checkpointer) return Fail(checkpointer.error().Wrap("opening the store"));
  return std::unique_ptr<Store>(
      new SqliteStore(std::move(*writer), std::move(*checkpointer), path, clock));
}

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path) {
  static const SystemClock kSystemClock;
  return OpenSqliteStore(path, kSystemClock);
}

}  // namespace hostplane::controller
