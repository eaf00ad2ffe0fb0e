#pragma once

// The MariaDB driver: customer databases and their users (database.ensure / database.remove,
// protocol/database_spec.h). It manages a database server, not files: Render only decodes and
// re-validates the spec and returns an empty FileSet, Prepare/Validate/Reload have nothing to do,
// and the work happens in Finish, level-triggered:
//
//   ensure: the database exists (utf8mb4); for every host of MariaDbLayout::user_hosts the user
//           '<name>'@'<host>' exists with the given mysql_native_password hash, holds ALL
//           PRIVILEGES on exactly `<name>` (the GRANT pattern escapes '_' and '%'), and is
//           locked with its sessions killed when the status is "suspended", unlocked otherwise;
//   remove: the user's sessions are killed, the user (every host) and the database are dropped.
//
// Finish reads the current state first and sends only the statements that change something, so
// applying the same task twice changes nothing (P2). Every statement is rendered by mariadb_sql.h.
// The password is only ever the hash the controller computed: no plaintext password exists on
// the agent, the wire or in a log, and the hash itself never appears in an error or a log line.
//
// Reload does nothing: each DDL statement takes effect when it returns (account-management
// statements update the in-memory privilege tables themselves, no FLUSH PRIVILEGES needed), and
// MariaDB has no configuration file of ours to reload.
//
// Errors of Finish: kInvalid (the spec fails a grammar), kUnavailable (MariaDB does not answer or
// the connection broke: the task is retried), kValidation (MariaDB refused a statement; its
// message, never the statement). Called by the agent's reconcile thread only.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "agent/driver.h"
#include "agent/drivers/mariadb/mariadb_connection.h"
#include "agent/drivers/mariadb/mariadb_layout.h"
#include "common/fs/filesystem.h"
#include "protocol/database_spec.h"

namespace hostplane::agent {

struct MariaDbDriverOptions {
  std::chrono::seconds connect_timeout{5};
  std::chrono::seconds statement_timeout{30};
};

class MariaDbDriver final : public ServiceDriver {
 public:
  // fs resolves layout.socket to a host path; it is not written to.
  MariaDbDriver(MariaDbLayout layout, Filesystem& fs, MariaDbDriverOptions options = {});

  std::string Name() const override { return "mariadb"; }
  std::vector<std::string> Kinds() const override;
  std::vector<std::string> ManagedDirs() const override { return {}; }
  Result<FileSet> Render(const protocol::Task& task) const override;
  Status Prepare(const protocol::Task&) override { return Ok(); }
  Result<Verdict> Validate() override { return Verdict{}; }
  Status Reload() override { return Ok(); }
  Status Finish(const protocol::Task& task) override;

  // Statements that changed something, since construction (tests: a second apply adds none).
  int64_t changes() const { return changes_; }

 private:
  Status Ensure(const protocol::DatabaseSpec& spec);
  Status Remove(const protocol::DatabaseRemoval& removal);
  Status EnsureUser(MariaDbConnection& c, const protocol::DatabaseSpec& spec,
                    const std::string& host);
  Status KillSessions(MariaDbConnection& c, const std::string& user);
  // The admin connection, reconnected when the last one broke. Errors: kUnavailable.
  Result<MariaDbConnection*> Admin();
  // Runs a changing statement on c and counts it.
  Status Change(MariaDbConnection& c, const std::string& sql, const std::string& label,
                const std::string& secret = {});

  MariaDbLayout layout_;
  Filesystem& fs_;
  MariaDbDriverOptions options_;
  std::optional<MariaDbConnection> admin_;
  int64_t changes_ = 0;
};

}  // namespace hostplane::agent
