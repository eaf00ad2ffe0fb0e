#pragma once

// RAII over sqlite3: the only folder that includes <sqlite3.h>. Every SQLite status becomes a
// Result with SQLite's own message plus our context. Not thread-safe: one Database per thread,
// or a mutex around it (the store serialises writers anyway; SQLite allows one writer at a time).

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace hostplane::sqlite {

// Idle prepared statements of one connection, by SQL text: a statement goes back here (reset,
// bindings cleared) when its Statement ends, and the next Prepare of the same text takes it
// instead of parsing again. Shared by the Database and its Statements; the Database's end
// finalizes what is idle and closes the cache, so a Statement that ends later finalizes itself.
struct StatementCache;

using Value = std::variant<std::monostate, int64_t, double, std::string>;

// A prepared statement. Bind parameters by 1-based position (ParameterIndex finds a named one's),
// Step(), read columns by 0-based index (ColumnName says which is which). Reset() lets it run
// again.
class Statement {
 public:
  Statement(Statement&&) noexcept;
  Statement& operator=(Statement&&) noexcept;
  ~Statement();

  Statement& Bind(int index, int64_t v);
  Statement& Bind(int index, int v) { return Bind(index, static_cast<int64_t>(v)); }
  Statement& Bind(int index, double v);
  Statement& Bind(int index, std::string_view v);
  Statement& Bind(int index, const char* v) { return Bind(index, std::string_view(v)); }
  Statement& Bind(int index, const std::string& v) { return Bind(index, std::string_view(v)); }
  Statement& BindNull(int index);
  Statement& Bind(int index, const std::optional<int64_t>& v);
  Statement& Bind(int index, const std::optional<std::string>& v);

  // true: a row is ready; false: done. Errors: kConflict on a constraint violation, kIo otherwise.
  [[nodiscard]] Result<bool> Step();
  // Runs to completion (for statements that return no rows).
  [[nodiscard]] Status Run();

  int64_t Int(int col) const;
  double Double(int col) const;
  std::string Text(int col) const;
  bool IsNull(int col) const;
  std::optional<int64_t> OptInt(int col) const;
  std::optional<std::string> OptText(int col) const;

  void Reset();

  // The position of the parameter ":name" (name without the colon), or 0 when there is none.
  int ParameterIndex(std::string_view name) const;
  int ParameterCount() const;
  // The name of the parameter at position index (":name", "?NNN"), "" for an anonymous one.
  std::string_view ParameterName(int index) const;
  int ColumnCount() const;
  // The name of a result column (its AS name when it has one); valid while the statement is.
  std::string_view ColumnName(int col) const;

 private:
  friend class Database;
  Statement(sqlite3* db, sqlite3_stmt* stmt, std::shared_ptr<StatementCache> cache,
            std::string text)
      : db_(db), stmt_(stmt), cache_(std::move(cache)), text_(std::move(text)) {}
  void Release();  // back to the cache, or finalized
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  std::shared_ptr<StatementCache> cache_;
  std::string text_;  // the cache's key
  Status bind_status_;
};

class Database {
 public:
  // Opens (creating if needed) a database file. With durable=true: WAL, synchronous=FULL,
  // foreign_keys=ON, busy_timeout 10 s.
  [[nodiscard]] static Result<Database> Open(const std::string& path, bool durable = true);
  Database(Database&&) noexcept;
  Database& operator=(Database&&) noexcept;
  ~Database();

  [[nodiscard]] Result<Statement> Prepare(std::string_view sql);
  // Runs one or more statements with no parameters and no rows.
  [[nodiscard]] Status Exec(std::string_view sql);
  int64_t LastInsertId() const;
  int Changes() const;
  // Copies what the write-ahead log holds into the database file without waiting for readers or
  // the writer (a PASSIVE checkpoint), so that another connection (a writer with
  // wal_autocheckpoint off) need not do it inside its commits. Returns the frames in the log and
  // how many of them are now in the database. kUnavailable when another checkpoint is running.
  struct CheckpointResult {
    int log_frames = 0;
    int checkpointed_frames = 0;
  };
  [[nodiscard]] Result<CheckpointResult> Checkpoint();
  // True between BEGIN and COMMIT/ROLLBACK. False after an error made SQLite roll back the whole
  // transaction on its own (SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM, ...).
  bool InTransaction() const;

  // Runs fn inside BEGIN IMMEDIATE ... COMMIT; rolls back when fn fails.
  [[nodiscard]] Status Transaction(const std::function<Status()>& fn);

 private:
  explicit Database(sqlite3* db);
  void Close();
  sqlite3* db_ = nullptr;
  std::shared_ptr<StatementCache> cache_;
};

// A numbered schema migration. Applied in order, each in its own transaction, recorded in
// schema_migrations(version). Applied once: a later start skips what is already there.
struct Migration {
  int version;
  const char* sql;
};
[[nodiscard]] Status Migrate(Database& db, const std::vector<Migration>& migrations);

}  // namespace hostplane::sqlite
