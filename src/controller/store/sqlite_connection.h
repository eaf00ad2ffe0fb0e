#pragma once

// The SQLite side of the store's SQL seam (controller/store/sql.h) over one common/sqlite
// Database: named parameters bound by sqlite3's own ":name" lookup, rows read by column name.
// Owned by whoever owns the Database (the store's writer, a leased reader) for one transaction;
// used by one thread at a time, as the Database.

#include "common/sqlite/database.h"
#include "controller/store/sql.h"

namespace hostplane::controller {

class SqliteConnection final : public sql::Connection {
 public:
  explicit SqliteConnection(sqlite::Database& db) : db_(db) {}

  Status Run(std::string_view sql, const sql::Params& params, const sql::RowFn& on_row) override;
  Result<int64_t> Insert(std::string_view sql, const sql::Params& params) override;
  int64_t Changes() const override { return db_.Changes(); }
  const sql::Dialect& dialect() const override;

 private:
  sqlite::Database& db_;
};

// SQLite's answers to sql::Dialect (json_each for arrays).
const sql::Dialect& SqliteDialect();

}  // namespace hostplane::controller
