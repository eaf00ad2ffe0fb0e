#pragma once

// The PostgreSQL backend of Store, for a hosting company's source of truth (the all-in-one keeps
// SQLite). A pool of libpq connections (common/pg); the schema is pg_schema.h's numbered
// migrations, applied at open (several controllers opening at once take turns).
//
// Write: one READ COMMITTED transaction per call, committed before it returns (fsync on the
// server: P8). A node's revisions come from its counter row (nodes.head_revision, UPDATE ...
// RETURNING in the same transaction), whose row lock makes another controller's writer for that
// node wait until commit: per node, revisions are 1..head in commit order, no gap, no duplicate.
// This process runs its writes one at a time (as SQLite's single writer: the services' checks
// inside a write, such as plan limits, see no concurrent write of this controller); a write that
// loses a deadlock or a serialization race to another controller runs again, up to 5 times.
// Snapshot: a REPEATABLE READ, READ ONLY transaction on a connection of its own, concurrent with
// the writer. A pooled connection the server closed (a restart) is dropped when a transaction
// cannot begin on it, and the transaction begins on a new one.
//
// Thread-safe: any thread may call any method.

#include <memory>
#include <string>

#include "common/clock.h"
#include "common/result.h"
#include "controller/store/store.h"

namespace hostplane::controller {

// Connects with a libpq URL (postgresql://user@host:port/db, several hosts allowed) and applies
// the migrations. clock must outlive the store. Errors: kInvalid for a URL libpq cannot parse,
// kUnavailable when the server cannot be reached, kIo when a migration fails.
[[nodiscard]] Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url,
                                                               const Clock& clock);

}  // namespace hostplane::controller
