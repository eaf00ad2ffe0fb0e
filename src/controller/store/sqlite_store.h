#pragma once

// The SQLite backend of Store: the all-in-one default. One writer connection runs the
// Store::Writes as BEGIN IMMEDIATE ... COMMIT (WAL, synchronous=FULL: a returned Write is on disk,
// P8), group-committed: the writes queued meanwhile share one transaction and one fsync, each in a
// savepoint of its own, so one that fails is rolled back alone; a thread checkpoints the
// write-ahead log, so no commit does (both in common/sqlite/group_commit.h). Reads use a small pool
// of read-only connections, so API reads and agent fetches see the last committed snapshot without
// waiting behind a writer. The schema is a list of numbered migrations (sqlite_schema.h) applied at
// open.
//
// Thread-safe: any thread may call any method.

#include <memory>
#include <string>

#include "common/clock.h"
#include "common/result.h"
#include "controller/store/store.h"

namespace hostplane::controller {

// As OpenSqliteStore(path), with the clock that stamps created_at/updated_at/applied_at (tests
// pass a ManualClock). clock must outlive the store.
[[nodiscard]] Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path,
                                                             const Clock& clock);

}  // namespace hostplane::controller
