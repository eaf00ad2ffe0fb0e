#include "controller/store/store_copy.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>

#include "common/clock.h"
#include "common/crypto.h"
#include "common/pg/connection.h"
#include "common/sqlite/database.h"
#include "controller/store/pg_store.h"
#include "controller/store/sqlite_store.h"

namespace hostplane::controller {
namespace {

enum class ColumnKind { kInteger, kReal, kText };

struct Column {
  std::string name;
  ColumnKind kind = ColumnKind::kText;
};

struct Table {
  std::string name;
  std::vector<Column> columns;
  std::set<std::string> parents;  // tables its foreign keys point at (itself left out)
  bool identity_id = false;       // an "id" identity column whose sequence follows the copy
  bool has_id = false;
};

// Names come from PostgreSQL's catalog; they still go into SQL text, so only plain ones pass.
bool PlainName(std::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  if (!(std::islower(static_cast<unsigned char>(name[0])) || name[0] == '_')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) ||
           std::isdigit(static_cast<unsigned char>(c)) || c == '_';
  });
}

std::string Quote(std::string_view name) { return fmt::format("\"{}\"", name); }

std::string ColumnList(const Table& t) {
  std::string out;
  for (const auto& c : t.columns) out += (out.empty() ? "" : ", ") + Quote(c.name);
  return out;
}

Result<ColumnKind> KindOf(const std::string& table, const std::string& column,
                          std::string_view type) {
  if (type == "bigint" || type == "integer" || type == "smallint") return ColumnKind::kInteger;
  if (type == "double precision" || type == "real") return ColumnKind::kReal;
  if (type == "text" || type == "character varying") return ColumnKind::kText;
  return Fail(Error::Internal(fmt::format(
      "column {}.{} is of type {}, which the store copy does not know", table, column, type)));
}

Result<std::vector<Table>> ReadTables(pg::Connection& pg) {
  HP_ASSIGN_OR_RETURN(
      auto cols,
      pg.Query("SELECT table_name, column_name, data_type, is_identity FROM "
               "information_schema.columns WHERE table_schema = 'public' AND table_name <> "
               "'schema_migrations' ORDER BY table_name, ordinal_position",
               {}));
  std::map<std::string, Table> tables;
  for (int r = 0; r < cols.Rows(); ++r) {
    const std::string table(cols.Text(r, 0));
    const std::string column(cols.Text(r, 1));
    if (!PlainName(table) || !PlainName(column)) {
      return Fail(
          Error::Internal(fmt::format("the store has a table or column named {}.{}: not "
                                      "one of the store's own",
                                      table, column)));
    }
    HP_ASSIGN_OR_RETURN(ColumnKind kind, KindOf(table, column, cols.Text(r, 2)));
    Table& t = tables[table];
    t.name = table;
    t.columns.push_back({column, kind});
    if (column == "id") {
      t.has_id = true;
      t.identity_id = cols.Text(r, 3) == "YES";
    }
  }
  HP_ASSIGN_OR_RETURN(
      auto fks,
      pg.Query("SELECT c.relname, f.relname FROM pg_constraint k "
               "JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class f ON f.oid = k.confrelid "
               "WHERE k.contype = 'f' AND c.relnamespace = 'public'::regnamespace",
               {}));
  for (int r = 0; r < fks.Rows(); ++r) {
    const std::string child(fks.Text(r, 0)), parent(fks.Text(r, 1));
    if (child != parent && tables.count(child)) tables[child].parents.insert(parent);
  }
  // Parents first (Kahn's order, by name among equals, so the order is the same every time).
  std::vector<Table> ordered;
  std::set<std::string> done;
  while (done.size() < tables.size()) {
    bool progressed = false;
    for (auto& [name, t] : tables) {
      if (done.count(name)) continue;
      if (std::all_of(t.parents.begin(), t.parents.end(), [&](const std::string& p) {
            return done.count(p) > 0 || !tables.count(p);
          })) {
        ordered.push_back(t);
        done.insert(name);
        progressed = true;
      }
    }
    if (!progressed) {
      return Fail(Error::Internal("the store's foreign keys form a cycle: no order to copy in"));
    }
  }
  return ordered;
}

// Order-independent checksum of a table: the sum of the first 64 bits of each row's BLAKE2b
// over a canonical text of its values, so that the two databases' own orders do not matter.
class TableChecksum {
 public:
  void AddRow(const std::string& canonical) {
    sum_ += std::strtoull(Blake2bHex(canonical).substr(0, 16).c_str(), nullptr, 16);
    ++rows_;
  }
  std::string Hex() const { return fmt::format("{:016x}", sum_); }
  int64_t rows() const { return rows_; }

 private:
  uint64_t sum_ = 0;
  int64_t rows_ = 0;
};

std::string RealText(double v) { return fmt::format("{:.17g}", v); }

void AppendCanonical(std::string& out, ColumnKind kind, bool null, const std::string& text) {
  if (null) {
    out += "N;";
    return;
  }
  switch (kind) {
    case ColumnKind::kInteger:
      out += "I" + text + ";";
      return;
    case ColumnKind::kReal:
      out += "R" + RealText(std::strtod(text.c_str(), nullptr)) + ";";
      return;
    case ColumnKind::kText:
      out += fmt::format("T{}:{};", text.size(), text);
      return;
  }
}

// A SQLite value as the text PostgreSQL is sent (and the checksum reads).
std::string SqliteText(const sqlite::Statement& row, int col, ColumnKind kind) {
  switch (kind) {
    case ColumnKind::kInteger:
      return std::to_string(row.Int(col));
    case ColumnKind::kReal:
      return RealText(row.Double(col));
    case ColumnKind::kText:
      return row.Text(col);
  }
  return {};
}

Status CheckTargetEmpty(pg::Connection& pg, const std::vector<Table>& tables) {
  std::vector<std::string> holding;
  for (const auto& t : tables) {
    // The one row a migration writes: the plan "default".
    const std::string filter = t.name == "plans" ? " WHERE name <> 'default'" : "";
    HP_ASSIGN_OR_RETURN(
        auto count, pg.Query(fmt::format("SELECT count(*) FROM {}{}", Quote(t.name), filter), {}));
    if (count.Text(0, 0) != "0") {
      holding.push_back(fmt::format("{} ({} rows)", t.name, count.Text(0, 0)));
    }
  }
  if (holding.empty()) return Ok();
  std::string list;
  for (const auto& h : holding) list += (list.empty() ? "" : ", ") + h;
  return Fail(Error{ErrorCode::kConflict,
                    "the PostgreSQL store is not empty: " + list +
                        ". Copy into a new, empty database (CREATE DATABASE ...), never over one "
                        "in use",
                    {{"to", "store.not_empty"}}});
}

// Copies one table's rows, in batches; returns the source's checksum.
Result<TableChecksum> CopyTable(sqlite::Database& from, pg::Connection& to, const Table& t) {
  const size_t ncols = t.columns.size();
  const size_t batch = std::max<size_t>(1, std::min<size_t>(500, 30'000 / ncols));
  HP_ASSIGN_OR_RETURN(auto read,
                      from.Prepare(fmt::format("SELECT {} FROM {}{}", ColumnList(t), Quote(t.name),
                                               t.has_id ? " ORDER BY id" : "")));
  TableChecksum checksum;
  std::vector<pg::Param> params;
  size_t rows_in_batch = 0;
  auto flush = [&]() -> Status {
    if (rows_in_batch == 0) return Ok();
    std::string sql = fmt::format("INSERT INTO {} ({}) VALUES ", Quote(t.name), ColumnList(t));
    size_t n = 0;
    for (size_t r = 0; r < rows_in_batch; ++r) {
      sql += r ? ", (" : "(";
      for (size_t c = 0; c < ncols; ++c) sql += fmt::format("{}${}", c ? ", " : "", ++n);
      sql += ")";
    }
    HP_ASSIGN_OR_RETURN(auto done, to.Query(sql, params));
    (void)done;
    params.clear();
    rows_in_batch = 0;
    return Ok();
  };
  while (true) {
    HP_ASSIGN_OR_RETURN(bool more, read.Step());
    if (!more) break;
    std::string canonical;
    for (size_t c = 0; c < ncols; ++c) {
      const int col = static_cast<int>(c);
      if (read.IsNull(col)) {
        params.emplace_back(std::nullopt);
        AppendCanonical(canonical, t.columns[c].kind, true, {});
      } else {
        std::string text = SqliteText(read, col, t.columns[c].kind);
        AppendCanonical(canonical, t.columns[c].kind, false, text);
        params.emplace_back(std::move(text));
      }
    }
    checksum.AddRow(canonical);
    if (++rows_in_batch == batch) HP_TRY(flush());
  }
  HP_TRY(flush());
  if (t.identity_id) {
    // The next id PostgreSQL hands out comes after the copied ones.
    HP_ASSIGN_OR_RETURN(auto set,
                        to.Query(fmt::format("SELECT setval(pg_get_serial_sequence('{0}', 'id'), "
                                             "COALESCE(MAX(id), 0) + 1, false) FROM {1}",
                                             t.name, Quote(t.name)),
                                 {}));
    (void)set;
  }
  return checksum;
}

Result<TableChecksum> TargetChecksum(pg::Connection& to, const Table& t) {
  HP_ASSIGN_OR_RETURN(auto rows,
                      to.Query(fmt::format("SELECT {} FROM {}", ColumnList(t), Quote(t.name)), {}));
  TableChecksum checksum;
  for (int r = 0; r < rows.Rows(); ++r) {
    std::string canonical;
    for (size_t c = 0; c < t.columns.size(); ++c) {
      const int col = static_cast<int>(c);
      AppendCanonical(canonical, t.columns[c].kind, rows.IsNull(r, col),
                      std::string(rows.Text(r, col)));
    }
    checksum.AddRow(canonical);
  }
  return checksum;
}

Result<StoreCopyReport> CopyInOneTransaction(sqlite::Database& from, pg::Connection& to,
                                             const std::vector<Table>& tables,
                                             const TableCopied& on_table) {
  // The seeded default plan goes: the source's own, with its id, takes its place.
  HP_TRY(to.Exec("DELETE FROM plans WHERE name = 'default'"));
  StoreCopyReport report;
  for (const auto& t : tables) {
    HP_ASSIGN_OR_RETURN(TableChecksum source, CopyTable(from, to, t));
    HP_ASSIGN_OR_RETURN(TableChecksum target, TargetChecksum(to, t));
    if (source.rows() != target.rows() || source.Hex() != target.Hex()) {
      return Fail(
          Error{ErrorCode::kInternal,
                fmt::format("table {}: {} rows read, {} in PostgreSQL, checksums {} and "
                            "{}: the copy was rolled back",
                            t.name, source.rows(), target.rows(), source.Hex(), target.Hex()),
                {{"to", "store.verify_failed"}}});
    }
    report.tables.push_back({t.name, source.rows(), source.Hex()});
    if (on_table) on_table(report.tables.back());
  }
  return report;
}

}  // namespace

Result<StoreCopyReport> CopySqliteStoreToPostgres(const std::string& sqlite_path,
                                                  const std::string& pg_url,
                                                  const TableCopied& on_table) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(sqlite_path, ec)) {
    return Fail(Error{ErrorCode::kNotFound,
                      "there is no SQLite store at " + sqlite_path,
                      {{"from", "store.missing"}}});
  }
  // Both at the newest schema, each by its own migrations.
  SystemClock clock;
  {
    HP_ASSIGN_OR_RETURN(auto source, OpenSqliteStore(sqlite_path, clock));
    HP_ASSIGN_OR_RETURN(auto target, OpenPostgresStore(pg_url, clock));
  }
  HP_ASSIGN_OR_RETURN(auto from, sqlite::Database::Open(sqlite_path));
  HP_ASSIGN_OR_RETURN(auto to, pg::Connection::Open(pg_url));
  HP_ASSIGN_OR_RETURN(auto tables, ReadTables(to));
  HP_TRY(from.Exec("BEGIN"));  // one snapshot of the source
  HP_TRY(to.Exec("BEGIN ISOLATION LEVEL SERIALIZABLE"));
  // Nobody else writes the target meanwhile (nor checks it empty, then copies too).
  Status locked = to.Exec("LOCK TABLE plans IN EXCLUSIVE MODE");
  Status empty = locked ? CheckTargetEmpty(to, tables) : locked;
  auto report = empty ? CopyInOneTransaction(from, to, tables, on_table)
                      : Result<StoreCopyReport>(Fail(empty.error()));
  (void)from.Exec("COMMIT");
  if (!report) {
    (void)to.Exec("ROLLBACK");
    return report;
  }
  HP_TRY(to.Exec("COMMIT"));
  return report;
}

}  // namespace hostplane::controller
