#pragma once

// The thin SQL seam the store's repositories are written against, once for every backend: a
// connection that runs a statement with parameters bound by name, and rows read by column name.
// A backend (SQLite, PostgreSQL) implements Connection and Row; the repositories, the row
// mapping (row_mapping.h) and every query stay the same.
//
// The SQL the repositories write is the common subset of SQLite and PostgreSQL: parameters are
// ":name" (a PostgreSQL connection rewrites them to $n), a new row's id comes from
// Connection::Insert, booleans are 0/1 integers, and the few real differences are Dialect hooks.
// PostgreSQL must know every parameter's type from where it is used: one only tested with IS NULL
// is cast to its type first ("CAST(:customer AS BIGINT) IS NULL OR customer_id = :customer").
//
// A Connection is used by one thread at a time (the store hands one to each transaction).

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/result.h"

namespace hostplane::controller::sql {

// A parameter's value: NULL, an integer, a real or text.
class Value {
 public:
  using Variant = std::variant<std::monostate, int64_t, double, std::string>;
  Value() = default;  // NULL
  Value(std::nullopt_t) {}
  Value(int64_t v) : v_(v) {}
  Value(int v) : v_(static_cast<int64_t>(v)) {}
  Value(bool v) : v_(static_cast<int64_t>(v ? 1 : 0)) {}
  Value(double v) : v_(v) {}
  Value(std::string v) : v_(std::move(v)) {}
  Value(std::string_view v) : v_(std::string(v)) {}
  Value(const char* v) : v_(std::string(v)) {}
  template <typename T>
  Value(const std::optional<T>& v) {
    if (v) *this = Value(*v);
  }
  const Variant& variant() const { return v_; }

 private:
  Variant v_;
};

// A parameter by the name the SQL gives it, without the colon: {"login", login} for :login.
struct Param {
  std::string_view name;
  Value value;
};
using Params = std::vector<Param>;

// One row of a result, read by column name (the column's AS name when it has one). A column that
// is not in the result reads as 0 / "" / null and is remembered: the Connection fails the
// statement with kInternal naming it, so a mapping that asks for a missing column cannot pass
// unnoticed.
class Row {
 public:
  virtual ~Row() = default;
  virtual int64_t Int(std::string_view column) const = 0;
  virtual std::optional<int64_t> OptInt(std::string_view column) const = 0;
  virtual double Double(std::string_view column) const = 0;
  virtual std::string Text(std::string_view column) const = 0;
  virtual bool IsNull(std::string_view column) const = 0;
};

// Called for every row of a result; an error stops the statement and is returned by Run.
using RowFn = std::function<Status(const Row&)>;

// The few places where SQLite and PostgreSQL need different SQL.
class Dialect {
 public:
  virtual ~Dialect() = default;
  virtual std::string_view name() const = 0;  // "sqlite", "postgresql"
  // A subquery with one row per element of the JSON array of strings in parameter :param, its
  // column named "value": "(SELECT value FROM json_each(:kinds))" in SQLite.
  virtual std::string TextArrayElements(std::string_view param) const = 0;
  // Whether an UPDATE ... RETURNING is the cheaper way to read back what it wrote: PostgreSQL
  // (one round trip, the row already locked); not SQLite (see Connection::Insert).
  virtual bool PrefersReturning() const = 0;
  // An SQL expression for the database server's own clock in ms since the epoch (what leases are
  // timed by, so that the controllers' clocks do not matter).
  virtual std::string_view NowMillis() const = 0;
  // What ends a SELECT that locks the rows it reads until the transaction ends (" FOR UPDATE");
  // "" where a write transaction already runs alone (SQLite).
  virtual std::string_view LockRows() const = 0;
};

class Connection {
 public:
  virtual ~Connection() = default;
  // Runs one statement with params bound by name and calls on_row for each row it returns
  // (RETURNING rows included). Backends prepare a text once and keep it. Errors: kConflict on a
  // uniqueness or constraint violation; kUnavailable when the database is busy; kIo otherwise;
  // kInternal when a parameter the SQL names is not given (or one given is not in the SQL), or
  // on_row read a column the result does not have; on_row's own error.
  [[nodiscard]] virtual Status Run(std::string_view sql, const Params& params,
                                   const RowFn& on_row) = 0;
  // Runs an INSERT into a table whose key is the integer column id and returns the new row's id:
  // SQLite's last_insert_rowid(), the statement with RETURNING id in PostgreSQL. Not RETURNING in
  // SQLite on purpose: it buffers the returned rows in an ephemeral table whose page cache is
  // allocated and freed with every statement, and the allocator trims and regrows the writer's
  // arena each time (+20% system time for the controller under the fleet bench). Errors: Run's.
  [[nodiscard]] virtual Result<int64_t> Insert(std::string_view sql, const Params& params) = 0;
  // Rows inserted, changed or deleted by the last statement Run ran.
  virtual int64_t Changes() const = 0;
  virtual const Dialect& dialect() const = 0;
};

// Runs a statement that returns no rows the caller needs.
[[nodiscard]] Status Exec(Connection& db, std::string_view sql, const Params& params = {});

// Runs a statement and maps its first row (nullopt when there is none; the rest are ignored).
template <typename T>
Result<std::optional<T>> One(Connection& db, std::string_view sql, const Params& params,
                             Result<T> (*map)(const Row&)) {
  std::optional<T> out;
  HP_TRY(db.Run(sql, params, [&](const Row& row) -> Status {
    if (out) return Ok();
    HP_ASSIGN_OR_RETURN(out, map(row));
    return Ok();
  }));
  return out;
}

// Runs a statement and maps every row, in order.
template <typename T>
Result<std::vector<T>> Many(Connection& db, std::string_view sql, const Params& params,
                            Result<T> (*map)(const Row&)) {
  std::vector<T> out;
  HP_TRY(db.Run(sql, params, [&](const Row& row) -> Status {
    HP_ASSIGN_OR_RETURN(T item, map(row));
    out.push_back(std::move(item));
    return Ok();
  }));
  return out;
}

// The integer in the first column named `column` of the first row. Errors: kInternal when the
// statement returned no row.
[[nodiscard]] Result<int64_t> Scalar(Connection& db, std::string_view sql, const Params& params,
                                     std::string_view column);

// Connection::Insert, its errors naming what was inserted
// ("customer 'acme': ... UNIQUE constraint failed").
[[nodiscard]] Result<int64_t> InsertReturningId(Connection& db, std::string_view sql,
                                                const Params& params, const std::string& what);

// Runs an UPDATE or DELETE that must change a row: `missing` when it changed none.
[[nodiscard]] Status ExecOne(Connection& db, std::string_view sql, const Params& params,
                             const Error& missing);

// The row just written, read back (with its joins): kInternal when it is not there (a bug).
template <typename T>
Result<T> ReadBack(Result<std::optional<T>> read, const char* what) {
  if (!read) return Fail(read.error());
  if (!*read) return Fail(Error::Internal(std::string("the ") + what + " just written is gone"));
  return std::move(**read);
}

}  // namespace hostplane::controller::sql
