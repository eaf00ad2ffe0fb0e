#pragma once

// RAII over one MariaDB Connector/C connection (libmariadb). This folder is the only place that
// includes <mysql.h>; everything else sees Result/Status. The C library's errors become Errors
// here, once:
//   - connecting fails, or the server goes away (client errors 2000-2999, a server shutting
//     down, too many connections, lock wait timeouts, deadlocks): kUnavailable, worth a retry;
//   - the server refuses a statement: kValidation with MariaDB's message and error number.
// A statement's text never appears in an error or a log (it may carry a password hash); each
// statement is named by a label the caller gives, and the caller may name a secret that is
// redacted from MariaDB's message (which can quote the statement near a syntax error).
//
// Not thread-safe: one connection per thread.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

struct st_mysql;  // MYSQL, from <mysql.h>

namespace hostplane::agent {

struct MariaDbConnectOptions {
  // A Unix socket (absolute host path), or empty for TCP to host:port.
  std::string socket;
  std::string host = "localhost";
  int port = 0;
  std::string user = "root";
  // Handed to mysql_real_connect only, never to a program's argv or a log. Empty: none (the
  // admin connection authenticates as OS root through the unix_socket plugin).
  std::string password;
  std::string database;  // optional default database
  std::chrono::seconds connect_timeout{5};
  std::chrono::seconds read_write_timeout{30};
};

// A row of a result set: one optional string per column (nullopt for SQL NULL).
using MariaDbRow = std::vector<std::optional<std::string>>;

struct MariaDbResult {
  std::vector<std::string> columns;
  std::vector<MariaDbRow> rows;
};

class MariaDbConnection {
 public:
  // Errors: kUnavailable with the connector's message (wrong socket, server down, access
  // denied, timeout).
  [[nodiscard]] static Result<MariaDbConnection> Connect(const MariaDbConnectOptions& options);

  MariaDbConnection(MariaDbConnection&&) noexcept;
  MariaDbConnection& operator=(MariaDbConnection&&) noexcept;
  ~MariaDbConnection();

  // Runs one statement that returns no rows. `label` names it in errors ("CREATE USER
  // 'acme_shop'@'localhost'"); `secret`, when not empty, is redacted from MariaDB's message.
  // Errors: kUnavailable (connection lost; this connection is then unusable), kValidation
  // (refused by the server).
  [[nodiscard]] Status Execute(const std::string& sql, const std::string& label,
                               std::string_view secret = {});
  // Runs one statement returning rows and reads them all. Errors as Execute.
  [[nodiscard]] Result<MariaDbResult> Query(const std::string& sql, const std::string& label);

  // A single-quoted SQL string literal of value, escaped by mysql_real_escape_string for this
  // connection's character set and sql_mode (the one way a value becomes a literal).
  std::string Literal(std::string_view value) const;

  // False after an error that lost the connection.
  bool usable() const { return usable_; }
  // mysql_errno of the last failed call (0 if none), for tests and callers that accept a
  // specific refusal (e.g. an unknown thread id after a race with a disconnect).
  unsigned int last_errno() const { return last_errno_; }

 private:
  struct Closer {
    void operator()(st_mysql* m) const;
  };
  explicit MariaDbConnection(st_mysql* m);
  Error StatementError(const std::string& label, std::string_view secret);

  std::unique_ptr<st_mysql, Closer> mysql_;
  bool usable_ = true;
  unsigned int last_errno_ = 0;
};

}  // namespace hostplane::agent
