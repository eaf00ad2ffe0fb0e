#pragma once

// A private PostgreSQL 15 for tests (Debian's postgresql-15): initdb in its own temporary
// folder, the server on a free loopback port with its Unix socket in that folder, fsync on. One
// server per test process (Shared()), a fresh empty database per test (CreateDatabase()); the
// server stops when the process exits, and gets SIGTERM if the process dies (no orphan postgres).
//
// As root, initdb and postgres run as the unprivileged user `nobody` (initdb refuses root): the
// temporary folder is created here and handed to that user, never put under a caller's
// directory, whose permissions it could not traverse. A missing PostgreSQL is an error, never a
// skip. Not thread-safe: the test's main thread owns it.

#include <memory>
#include <optional>
#include <string>

#include "common/exec/command_runner.h"
#include "common/result.h"

namespace hostplane::testing {

class PostgresServer {
 public:
  PostgresServer() = default;
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  // The server of this process, started on first call. Errors: Start's.
  [[nodiscard]] static Result<PostgresServer*> Shared();

  // initdb, then the server; returns once it accepts connections. Errors: kNotFound (PostgreSQL
  // 15 is not installed), kUnavailable (initdb or the server failed; the message has the log).
  [[nodiscard]] Status Start();
  // An immediate shutdown (SIGQUIT: the data is thrown away), waiting until the server is gone.
  void Stop();

  // A new empty database ("t<pid>_<n>") and the libpq URL that reaches it.
  [[nodiscard]] Result<std::string> CreateDatabase();
  // The libpq URL of database db on this server (loopback TCP, the superuser "hostplane").
  std::string Url(const std::string& db) const;
  int port() const { return port_; }
  const std::string& dir() const { return dir_; }
  std::string log() const;

 private:
  std::string dir_;
  int port_ = 0;
  int databases_ = 0;
  std::optional<ChildProcess> process_;
};

}  // namespace hostplane::testing
