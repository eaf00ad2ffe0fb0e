#pragma once

// RAII over one libpq connection (PGconn): the only folder that includes <libpq-fe.h>. Statements
// run as prepared statements, prepared once per connection and SQL text (named "s1", "s2", ... in
// the order first seen), with their parameters as text ($1, $2, ...; nullopt is NULL) and every
// result in text format. Every failure is an Error with the server's message and our context;
// the SQLSTATE of the last failure stays readable (last_sqlstate()), so a caller can tell a
// serialization failure (40001) or a deadlock (40P01) from the rest.
//
// Errors: kConflict for an integrity violation (SQLSTATE class 23), kUnavailable when the server
// is unreachable, the connection broke, or the transaction lost a serialization race or a
// deadlock (40001, 40P01: run it again), kIo otherwise.
//
// Not thread-safe: one thread at a time per Connection.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/pg/result_set.h"
#include "common/result.h"

struct pg_conn;

namespace hostplane::pg {

// A parameter's text, or nullopt for NULL.
using Param = std::optional<std::string>;

class Connection {
 public:
  // Connects with a libpq connection string: a URI (postgresql://user@host:port/db?...,
  // several hosts allowed) or key=value pairs. Errors: kInvalid when libpq cannot parse it,
  // kUnavailable when the server cannot be reached or refuses us.
  [[nodiscard]] static Result<Connection> Open(const std::string& conninfo);
  Connection(Connection&& other) noexcept;
  Connection& operator=(Connection&& other) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Runs one or more statements with no parameters (the simple query protocol); their rows are
  // dropped.
  [[nodiscard]] Status Exec(std::string_view sql);
  // Runs one statement with parameters $1..$n, prepared on first use of this text.
  [[nodiscard]] Result<ResultSet> Query(std::string_view sql, const std::vector<Param>& params);

  // The SQLSTATE of the last failed call ("" after a success, or when the failure had none, as
  // a lost connection).
  const std::string& last_sqlstate() const { return last_sqlstate_; }
  // False once the connection broke (the server went away): open another.
  bool Healthy() const;
  // True between BEGIN and COMMIT/ROLLBACK (also when the transaction failed and awaits its
  // ROLLBACK).
  bool InTransaction() const;

 private:
  explicit Connection(pg_conn* conn) : conn_(conn) {}
  Error Failure(const std::string& context, const pg_result* result);
  pg_conn* conn_ = nullptr;
  std::map<std::string, std::string, std::less<>> prepared_;  // SQL text -> statement name
  std::string last_sqlstate_;
};

// Checks a libpq connection string without connecting: nullopt when libpq parses it, else
// libpq's own reason.
std::optional<std::string> ConnInfoError(const std::string& conninfo);

// True for the SQLSTATEs after which a transaction may simply run again: serialization failure
// (40001) and deadlock (40P01).
bool IsRetryable(std::string_view sqlstate);

}  // namespace hostplane::pg
