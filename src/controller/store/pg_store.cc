#include "controller/store/pg_store.h"

#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/pg/connection.h"
#include "common/pg/migrate.h"
#include "controller/store/lease_fence.h"
#include "controller/store/pg_connection.h"
#include "controller/store/pg_schema.h"

namespace hostplane::controller {
namespace {

// Idle connections kept open.
constexpr size_t kMaxIdle = 8;
// Runs of a write that lost a deadlock or a serialization race.
constexpr int kWriteAttempts = 5;
constexpr const char* kBeginSnapshot = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";

// True on this thread while it runs a Write's fn (a nested Write is a bug).
thread_local bool in_write = false;

class SessionPool {
 public:
  explicit SessionPool(std::string url) : url_(std::move(url)) {}

  // A connection for the caller's exclusive use; back to the pool when destroyed, unless it
  // broke.
  class Lease {
   public:
    Lease(SessionPool* pool, std::unique_ptr<PgSession> s) : pool_(pool), s_(std::move(s)) {}
    Lease(Lease&& o) noexcept : pool_(o.pool_), s_(std::move(o.s_)) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (s_) pool_->Release(std::move(s_));
    }
    PgSession& session() { return *s_; }

   private:
    SessionPool* pool_;
    std::unique_ptr<PgSession> s_;
  };

  Result<Lease> Acquire() {
    {
      std::lock_guard lock(mu_);
      if (!idle_.empty()) {
        auto s = std::move(idle_.back());
        idle_.pop_back();
        return Lease(this, std::move(s));
      }
    }
    HP_ASSIGN_OR_RETURN(pg::Connection db, pg::Connection::Open(url_));
    return Lease(this, std::make_unique<PgSession>(std::move(db)));
  }

 private:
  void Release(std::unique_ptr<PgSession> s) {
    if (!s->db.Healthy() || s->db.InTransaction()) return;  // closed, not reused
    std::lock_guard lock(mu_);
    if (idle_.size() < kMaxIdle) idle_.push_back(std::move(s));
  }

  std::string url_;
  std::mutex mu_;
  std::vector<std::unique_ptr<PgSession>> idle_;
};

class PgStore final : public Store {
 public:
  PgStore(std::string url, const Clock& clock) : Store(clock), pool_(std::move(url)) {}

  Status Write(const std::function<Status(StoreTxn&)>& fn) override {
    if (in_write) return Fail(Error::Internal("Store::Write called inside a Store::Write"));
    auto fenced = FencedByCaller(fn);
    std::lock_guard lock(write_mu_);
    in_write = true;
    Status s;
    for (int attempt = 1; attempt <= kWriteAttempts; ++attempt) {
      bool retry = false;
      s = WriteOnce(fenced, retry);
      if (s || !retry) break;
    }
    in_write = false;
    return s;
  }

  Status Snapshot(const std::function<Status(StoreTxn&)>& fn) override {
    HP_ASSIGN_OR_RETURN(auto lease, Begin(kBeginSnapshot));
    pg::Connection& db = lease.session().db;
    PgConnection connection(lease.session());
    StoreTxn txn(connection, clock_);
    Status s = fn(txn);
    (void)db.Exec(s ? "COMMIT" : "ROLLBACK");
    return s;
  }

 private:
  // One run of fn in one transaction. retry: it lost a race another run may win.
  Status WriteOnce(const std::function<Status(StoreTxn&)>& fn, bool& retry) {
    HP_ASSIGN_OR_RETURN(auto lease, Begin("BEGIN"));
    pg::Connection& db = lease.session().db;
    PgConnection connection(lease.session());
    StoreTxn txn(connection, clock_);
    Status s = fn(txn);
    if (!s) {
      retry = connection.retryable_failure();
      (void)db.Exec("ROLLBACK");
      return s;
    }
    if (Status c = db.Exec("COMMIT"); !c) {
      retry = pg::IsRetryable(db.last_sqlstate());
      if (db.InTransaction()) (void)db.Exec("ROLLBACK");
      return Fail(c.error().Wrap("committing"));
    }
    return Ok();
  }

  // A connection with a transaction begun. An idle connection the server closed (it restarted)
  // is dropped and the transaction begun once more on a new one.
  Result<SessionPool::Lease> Begin(const char* begin) {
    for (int attempt = 1;; ++attempt) {
      HP_ASSIGN_OR_RETURN(auto lease, pool_.Acquire());
      Status begun = lease.session().db.Exec(begin);
      if (begun) return lease;
      if (lease.session().db.Healthy() || attempt == 2) return Fail(begun.error());
    }
  }

  SessionPool pool_;
  std::mutex write_mu_;
};

}  // namespace

Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url, const Clock& clock) {
  auto db = pg::Connection::Open(url);
  if (!db) return Fail(db.error().Wrap("opening the store"));
  if (auto s = pg::Migrate(*db, PgStoreMigrations()); !s) {
    return Fail(s.error().Wrap("migrating the PostgreSQL store"));
  }
  return std::unique_ptr<Store>(new PgStore(url, clock));
}

}  // namespace hostplane::controller
