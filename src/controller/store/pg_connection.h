#pragma once

// The PostgreSQL side of the store's SQL seam (controller/store/sql.h) over one common/pg
// Connection: ":name" parameters rewritten to $n once per SQL text (positional_sql.h), values
// sent as text, rows read by column name from libpq's text results (booleans 't'/'f' read as
// 1/0). A PgSession is one connection of the store's pool and what it has learnt; a
// PgConnection is the seam over it for one transaction. Used by one thread at a time.

#include <memory>
#include <string>
#include <unordered_map>

#include "common/pg/connection.h"
#include "controller/store/positional_sql.h"
#include "controller/store/sql.h"

namespace hostplane::controller {

struct PgSession {
  explicit PgSession(pg::Connection connection) : db(std::move(connection)) {}
  pg::Connection db;
  std::unordered_map<std::string, PositionalSql> rewritten;  // by the store's SQL text
};

class PgConnection final : public sql::Connection {
 public:
  explicit PgConnection(PgSession& session) : session_(session) {}

  Status Run(std::string_view sql, const sql::Params& params, const sql::RowFn& on_row) override;
  Result<int64_t> Insert(std::string_view sql, const sql::Params& params) override;
  int64_t Changes() const override { return changes_; }
  const sql::Dialect& dialect() const override;

  // True once a statement failed with a SQLSTATE after which the whole transaction may run
  // again (a deadlock, a serialization failure): the store then retries it.
  bool retryable_failure() const { return retryable_failure_; }

 private:
  PgSession& session_;
  int64_t changes_ = 0;
  bool retryable_failure_ = false;
};

// PostgreSQL's answers to sql::Dialect (json_array_elements_text for arrays, UPDATE ...
// RETURNING preferred).
const sql::Dialect& PgDialect();

}  // namespace hostplane::controller
