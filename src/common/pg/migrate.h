#pragma once

// Numbered schema migrations for PostgreSQL, as sqlite::Migrate does for SQLite: applied in
// order, each in its own transaction, recorded in schema_migrations(version), each once. Several
// processes may open the same database at once (several controllers): a transaction-scoped
// advisory lock makes them take turns, and each skips what another already applied.

#include <vector>

#include "common/pg/connection.h"
#include "common/result.h"

namespace hostplane::pg {

struct Migration {
  int version;
  const char* sql;  // one or more statements
};

[[nodiscard]] Status Migrate(Connection& db, const std::vector<Migration>& migrations);

}  // namespace hostplane::pg
