#include "agent/journal.h"

#include <map>

#include "common/crypto.h"

namespace hostplane::agent {
namespace {

const std::vector<sqlite::Migration> kMigrations = {
    {1, R"(
CREATE TABLE meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT INTO meta(name, value) VALUES ('applied_revision', 0);
CREATE TABLE objects (
  key TEXT PRIMARY KEY,
  revision INTEGER NOT NULL,
  kind TEXT NOT NULL,
  spec TEXT NOT NULL
);
CREATE TABLE object_files (
  key TEXT NOT NULL REFERENCES objects(key) ON DELETE CASCADE,
  path TEXT NOT NULL,
  hash TEXT NOT NULL,
  PRIMARY KEY (key, path)
);
CREATE TABLE outbox (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT NOT NULL);
)"},
    {2, R"(
CREATE TABLE jobs (task INTEGER PRIMARY KEY, body TEXT NOT NULL);
)"},
};

constexpr const char* kSelectApplied = "SELECT value FROM meta WHERE name = 'applied_revision'";
constexpr const char* kRaiseApplied =
    "UPDATE meta SET value = max(value, ?1) WHERE name = 'applied_revision'";
constexpr const char* kSelectObjects = "SELECT key, revision, kind, spec FROM objects ORDER BY key";
constexpr const char* kSelectFiles = "SELECT key, path, hash FROM object_files ORDER BY key, path";
constexpr const char* kUpsertObject =
    "INSERT INTO objects(key, revision, kind, spec) VALUES (?1, ?2, ?3, ?4) "
    "ON CONFLICT(key) DO UPDATE SET revision = excluded.revision, kind = excluded.kind, "
    "spec = excluded.spec";
constexpr const char* kDeleteFiles = "DELETE FROM object_files WHERE key = ?1";
constexpr const char* kInsertFile = "INSERT INTO object_files(key, path, hash) VALUES (?1, ?2, ?3)";
constexpr const char* kInsertOutbox = "INSERT INTO outbox(body) VALUES (?1)";
constexpr const char* kSelectOutbox = "SELECT id, body FROM outbox ORDER BY id";
constexpr const char* kDeleteOutbox = "DELETE FROM outbox WHERE id = ?1";
constexpr const char* kInsertJob = "INSERT OR IGNORE INTO jobs(task, body) VALUES (?1, ?2)";
constexpr const char* kSelectJobs = "SELECT task, body FROM jobs ORDER BY task";
constexpr const char* kDeleteJob = "DELETE FROM jobs WHERE task = ?1";

// Every row of a query selecting (INTEGER, TEXT), as Row{int, text}: the outbox and the jobs.
template <typename Row>
Result<std::vector<Row>> IdTextRows(sqlite::Database& db, const char* sql) {
  std::vector<Row> out;
  HP_ASSIGN_OR_RETURN(auto q, db.Prepare(sql));
  for (;;) {
    HP_ASSIGN_OR_RETURN(auto row, q.Step());
    if (!row) break;
    out.push_back(Row{q.Int(0), q.Text(1)});
  }
  return out;
}

Result<int64_t> QueueReport(sqlite::Database& db, const std::string& report) {
  HP_ASSIGN_OR_RETURN(auto out, db.Prepare(kInsertOutbox));
  out.Bind(1, report);
  HP_TRY(out.Run());
  return db.LastInsertId();
}

}  // namespace

std::string ContentHash(const std::optional<std::string>& content) {
  return content ? Blake2bHex(*content) : std::string();
}

Result<Journal> Journal::Open(const std::string& path) {
  auto db = sqlite::Database::Open(path, /*durable=*/true);
  if (!db) return Fail(db.error().Wrap("opening journal " + path));
  HP_TRY(sqlite::Migrate(*db, kMigrations));
  return Journal(std::move(*db));
}

Result<int64_t> Journal::AppliedRevision() {
  HP_ASSIGN_OR_RETURN(auto q, db_.Prepare(kSelectApplied));
  HP_ASSIGN_OR_RETURN(auto row, q.Step());
  if (!row) return Fail(Error::Internal("journal has no applied revision"));
  return q.Int(0);
}

Result<std::vector<ObjectRecord>> Journal::Objects() {
  std::vector<ObjectRecord> out;
  std::map<std::string, size_t> index;
  HP_ASSIGN_OR_RETURN(auto q, db_.Prepare(kSelectObjects));
  for (;;) {
    HP_ASSIGN_OR_RETURN(auto row, q.Step());
    if (!row) break;
    index[q.Text(0)] = out.size();
    out.push_back(ObjectRecord{q.Text(0), q.Int(1), q.Text(2), q.Text(3), {}});
  }
  HP_ASSIGN_OR_RETURN(auto f, db_.Prepare(kSelectFiles));
  for (;;) {
    HP_ASSIGN_OR_RETURN(auto row, f.Step());
    if (!row) break;
    auto it = index.find(f.Text(0));
    if (it != index.end()) out[it->second].files.push_back(FileHash{f.Text(1), f.Text(2)});
  }
  return out;
}

Result<int64_t> Journal::Commit(const std::vector<ObjectRecord>& objects, int64_t applied_revision,
                                const std::string& report, const std::vector<Job>& jobs) {
  int64_t outbox_id = 0;
  HP_TRY(db_.Transaction([&]() -> Status {
    auto upsert = db_.Prepare(kUpsertObject);
    auto del = db_.Prepare(kDeleteFiles);
    auto ins = db_.Prepare(kInsertFile);
    if (!upsert) return Fail(upsert.error());
    if (!del) return Fail(del.error());
    if (!ins) return Fail(ins.error());
    for (const auto& o : objects) {
      upsert->Reset();
      upsert->Bind(1, o.key).Bind(2, o.revision).Bind(3, o.kind).Bind(4, o.spec_json);
      HP_TRY(upsert->Run());
      del->Reset();
      del->Bind(1, o.key);
      HP_TRY(del->Run());
      for (const auto& file : o.files) {
        ins->Reset();
        ins->Bind(1, o.key).Bind(2, file.path).Bind(3, file.hash);
        HP_TRY(ins->Run());
      }
    }
    HP_ASSIGN_OR_RETURN(auto raise, db_.Prepare(kRaiseApplied));
    raise.Bind(1, applied_revision);
    HP_TRY(raise.Run());
    if (!jobs.empty()) {
      HP_ASSIGN_OR_RETURN(auto job, db_.Prepare(kInsertJob));
      for (const auto& j : jobs) {
        job.Reset();
        job.Bind(1, j.task).Bind(2, j.task_json);
        HP_TRY(job.Run());
      }
    }
    if (!report.empty()) {
      HP_ASSIGN_OR_RETURN(auto id, QueueReport(db_, report));
      outbox_id = id;
    }
    return Ok();
  }));
  return outbox_id;
}

Result<std::vector<Job>> Journal::Jobs() { return IdTextRows<Job>(db_, kSelectJobs); }

Result<int64_t> Journal::FinishJob(
    int64_t task, const std::function<std::string(int64_t applied_revision)>& report) {
  int64_t outbox_id = 0;
  HP_TRY(db_.Transaction([&]() -> Status {
    HP_ASSIGN_OR_RETURN(auto del, db_.Prepare(kDeleteJob));
    del.Bind(1, task);
    HP_TRY(del.Run());
    HP_ASSIGN_OR_RETURN(auto applied, AppliedRevision());
    HP_ASSIGN_OR_RETURN(auto id, QueueReport(db_, report(applied)));
    outbox_id = id;
    return Ok();
  }));
  return outbox_id;
}

Result<std::vector<OutboxEntry>> Journal::Outbox() {
  return IdTextRows<OutboxEntry>(db_, kSelectOutbox);
}

Status Journal::Acknowledge(int64_t outbox_id) {
  HP_ASSIGN_OR_RETURN(auto q, db_.Prepare(kDeleteOutbox));
  q.Bind(1, outbox_id);
  return q.Run();
}

}  // namespace hostplane::agent
