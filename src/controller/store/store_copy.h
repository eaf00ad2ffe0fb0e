#pragma once

// The move from SQLite to PostgreSQL (issue 18, `hostplane store migrate`): every row of an
// all-in-one's SQLite store copied into an empty PostgreSQL store, ids kept, and checked.
//
// Both stores are first brought to the same schema by their own migrations (the schema parity
// test keeps the two alike). The tables, their columns and their foreign keys are read from
// PostgreSQL's catalog, so a table added by a later migration is copied without an edit here.
// The copy is one PostgreSQL transaction: parents before children, batched INSERTs, identity
// sequences set past the copied ids, then every table counted and checksummed on both sides
// before the COMMIT. On any difference it rolls back and the target stays as it was.
//
// The source must not change meanwhile: the caller holds the controller's lock on its data
// directory (cmd/store_cmd.cc).

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/result.h"

namespace hostplane::controller {

struct TableCopy {
  std::string table;
  int64_t rows = 0;
  std::string checksum;  // the same on both sides: 16 hex digits, independent of row order
};

struct StoreCopyReport {
  std::vector<TableCopy> tables;  // in the order they were copied
  int64_t rows() const {
    int64_t n = 0;
    for (const auto& t : tables) n += t.rows;
    return n;
  }
};

// Called once per table after it is copied (for progress lines), in copy order.
using TableCopied = std::function<void(const TableCopy&)>;

// Copies the SQLite store at sqlite_path into the PostgreSQL store at pg_url (libpq URL).
// Errors: kNotFound (field "from": store.missing) when there is no SQLite file;
// kConflict (field "to": store.not_empty) when the target holds anything but what its own
// migrations put there, naming the tables; kInternal (field "to": store.verify_failed) when a
// count or checksum differs after the copy (rolled back); the stores' own errors otherwise.
[[nodiscard]] Result<StoreCopyReport> CopySqliteStoreToPostgres(const std::string& sqlite_path,
                                                                const std::string& pg_url,
                                                                const TableCopied& on_table = {});

}  // namespace hostplane::controller
