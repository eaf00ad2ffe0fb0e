#include "common/sqlite/database.h"

#include <sqlite3.h>

#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace hostplane::sqlite {
namespace {

Error SqliteError(sqlite3* db, int rc, std::string_view context) {
  std::string msg = std::string(context) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  int primary = rc & 0xff;
  if (primary == SQLITE_CONSTRAINT) return Error::Conflict(std::move(msg));
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) return Error::Unavailable(std::move(msg));
  return Error::Io(std::move(msg));
}

}  // namespace

struct StatementCache {
  static constexpr size_t kMaxIdlePerText = 4;
  bool open = true;
  std::unordered_map<std::string, std::vector<sqlite3_stmt*>> idle;
};

Statement::Statement(Statement&& o) noexcept
    : db_(o.db_),
      stmt_(std::exchange(o.stmt_, nullptr)),
      cache_(std::move(o.cache_)),
      text_(std::move(o.text_)),
      bind_status_(o.bind_status_) {}

Statement& Statement::operator=(Statement&& o) noexcept {
  if (this != &o) {
    Release();
    db_ = o.db_;
    stmt_ = std::exchange(o.stmt_, nullptr);
    cache_ = std::move(o.cache_);
    text_ = std::move(o.text_);
    bind_status_ = o.bind_status_;
  }
  return *this;
}

Statement::~Statement() { Release(); }

void Statement::Release() {
  sqlite3_stmt* stmt = std::exchange(stmt_, nullptr);
  if (stmt == nullptr) return;
  if (cache_ && cache_->open) {
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    auto& idle = cache_->idle[text_];
    if (idle.size() < StatementCache::kMaxIdlePerText) {
      idle.push_back(stmt);
      return;
    }
  }
  sqlite3_finalize(stmt);
}

Statement& Statement::Bind(int index, int64_t v) {
  int rc = sqlite3_bind_int64(stmt_, index, v);
  if (rc != SQLITE_OK && bind_status_) bind_status_ = Fail(SqliteError(db_, rc, "bind"));
  return *this;
}

Statement& Statement::Bind(int index, double v) {
  int rc = sqlite3_bind_double(stmt_, index, v);
  if (rc != SQLITE_OK && bind_status_) bind_status_ = Fail(SqliteError(db_, rc, "bind"));
  return *this;
}

Statement& Statement::Bind(int index, std::string_view v) {
  int rc = sqlite3_bind_text(stmt_, index, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK && bind_status_) bind_status_ = Fail(SqliteError(db_, rc, "bind"));
  return *this;
}

Statement& Statement::BindNull(int index) {
  int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK && bind_status_) bind_status_ = Fail(SqliteError(db_, rc, "bind"));
  return *this;
}

Statement& Statement::Bind(int index, const std::optional<int64_t>& v) {
  return v ? Bind(index, *v) : BindNull(index);
}

Statement& Statement::Bind(int index, const std::optional<std::string>& v) {
  return v ? Bind(index, std::string_view(*v)) : BindNull(index);
}

Result<bool> Statement::Step() {
  if (!bind_status_) return Fail(bind_status_.error());
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return Fail(SqliteError(db_, rc, sqlite3_sql(stmt_)));
}

Status Statement::Run() {
  for (;;) {
    HP_ASSIGN_OR_RETURN(auto r, Step());
    if (!r) return Ok();
  }
}

int64_t Statement::Int(int col) const { return sqlite3_column_int64(stmt_, col); }
double Statement::Double(int col) const { return sqlite3_column_double(stmt_, col); }
std::string Statement::Text(int col) const {
  const unsigned char* p = sqlite3_column_text(stmt_, col);
  if (!p) return {};
  return std::string(reinterpret_cast<const char*>(p),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, col)));
}
bool Statement::IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
std::optional<int64_t> Statement::OptInt(int col) const {
  if (IsNull(col)) return std::nullopt;
  return Int(col);
}
std::optional<std::string> Statement::OptText(int col) const {
  if (IsNull(col)) return std::nullopt;
  return Text(col);
}

int Statement::ParameterIndex(std::string_view name) const {
  std::string key;
  key.reserve(name.size() + 1);
  key += ':';
  key += name;
  return sqlite3_bind_parameter_index(stmt_, key.c_str());
}

int Statement::ParameterCount() const { return sqlite3_bind_parameter_count(stmt_); }

std::string_view Statement::ParameterName(int index) const {
  const char* name = sqlite3_bind_parameter_name(stmt_, index);
  return name ? std::string_view(name) : std::string_view();
}

int Statement::ColumnCount() const { return sqlite3_column_count(stmt_); }

std::string_view Statement::ColumnName(int col) const {
  const char* name = sqlite3_column_name(stmt_, col);
  return name ? std::string_view(name) : std::string_view();
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  bind_status_ = Ok();
}

Result<Database> Database::Open(const std::string& path, bool durable) {
  sqlite3* raw = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Error e = SqliteError(raw, rc, "opening " + path);
    sqlite3_close(raw);
    return Fail(std::move(e));
  }
  Database db(raw);
  sqlite3_busy_timeout(raw, 10'000);
  if (durable) {
    HP_TRY(db.Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"));
  }
  return db;
}

Database::Database(sqlite3* db) : db_(db), cache_(std::make_shared<StatementCache>()) {}

Database::Database(Database&& o) noexcept
    : db_(std::exchange(o.db_, nullptr)), cache_(std::move(o.cache_)) {}

Database& Database::operator=(Database&& o) noexcept {
  if (this != &o) {
    Close();
    db_ = std::exchange(o.db_, nullptr);
    cache_ = std::move(o.cache_);
  }
  return *this;
}

Database::~Database() { Close(); }

void Database::Close() {
  if (cache_) {
    cache_->open = false;
    for (auto& [text, stmts] : cache_->idle) {
      for (sqlite3_stmt* s : stmts) sqlite3_finalize(s);
    }
    cache_->idle.clear();
  }
  if (db_) sqlite3_close_v2(db_);
  db_ = nullptr;
}

Result<Statement> Database::Prepare(std::string_view sql) {
  std::string text(sql);
  if (auto it = cache_->idle.find(text); it != cache_->idle.end() && !it->second.empty()) {
    sqlite3_stmt* stmt = it->second.back();
    it->second.pop_back();
    return Statement(db_, stmt, cache_, std::move(text));
  }
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) return Fail(SqliteError(db_, rc, "preparing " + text));
  return Statement(db_, stmt, cache_, std::move(text));
}

Status Database::Exec(std::string_view sql) {
  char* err = nullptr;
  std::string s(sql);
  int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    Error e = SqliteError(nullptr, rc, "");
    e.message = msg;
    return Fail(std::move(e));
  }
  return Ok();
}

int64_t Database::LastInsertId() const { return sqlite3_last_insert_rowid(db_); }
int Database::Changes() const { return sqlite3_changes(db_); }
Result<Database::CheckpointResult> Database::Checkpoint() {
  CheckpointResult out;
  int rc = sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, &out.log_frames,
                                     &out.checkpointed_frames);
  if (rc != SQLITE_OK) return Fail(SqliteError(db_, rc, "checkpoint"));
  return out;
}

bool Database::InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

Status Database::Transaction(const std::function<Status()>& fn) {
  HP_TRY(Exec("BEGIN IMMEDIATE"));
  Status s = fn();
  if (!s) {
    (void)Exec("ROLLBACK");
    return s;
  }
  Status c = Exec("COMMIT");
  if (!c) {
    (void)Exec("ROLLBACK");
    return c;
  }
  return Ok();
}

Status Migrate(Database& db, const std::vector<Migration>& migrations) {
  HP_TRY(
      db.Exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
              "applied_at INTEGER NOT NULL DEFAULT (strftime('%s','now')))"));
  for (const auto& m : migrations) {
    HP_ASSIGN_OR_RETURN(auto q, db.Prepare("SELECT 1 FROM schema_migrations WHERE version = ?1"));
    q.Bind(1, m.version);
    HP_ASSIGN_OR_RETURN(auto has, q.Step());
    if (has) continue;
    HP_TRY(db.Transaction([&]() -> Status {
      HP_TRY(db.Exec(m.sql));
      HP_ASSIGN_OR_RETURN(auto ins,
                          db.Prepare("INSERT INTO schema_migrations(version) VALUES (?1)"));
      ins.Bind(1, m.version);
      return ins.Run();
    }));
  }
  return Ok();
}

}  // namespace hostplane::sqlite
