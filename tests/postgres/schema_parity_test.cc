// Both backends' migrations (controller/store/sqlite_schema.h, pg_schema.h) give the same schema:
// the same tables, columns (name, kind of type, NOT NULL), primary keys, unique constraints,
// foreign keys (with their ON DELETE) and indexes (name, columns, unique, partial), read back
// from each database's own catalog (sqlite_master and its pragmas; pg_catalog). CTest label:
// postgres.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <set>
#include <string>

#include "common/pg/connection.h"
#include "common/sqlite/database.h"
#include "common/testing/postgres_server.h"
#include "controller/store/pg_store.h"
#include "controller/store/sqlite_store.h"

namespace hostplane::controller {
namespace {

// One line per fact, e.g. "nodes.column name text notnull", "tasks.unique (node_id,revision)".
using Schema = std::set<std::string>;

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// SQLite's and PostgreSQL's names for the three kinds of column the store uses.
std::string Kind(const std::string& type) {
  const std::string t = Lower(type);
  if (t == "integer" || t == "bigint") return "integer";
  if (t == "real" || t == "double precision") return "real";
  if (t == "text") return "text";
  return "unknown:" + t;
}

std::string OnDelete(const std::string& action) {
  const std::string a = Lower(action);
  if (a == "cascade" || a == "c") return "cascade";
  if (a == "no action" || a == "a") return "no action";
  return "unknown:" + a;
}

template <typename T>
T Must(Result<T> r, const char* what) {
  EXPECT_TRUE(r.has_value()) << what << ": " << (r ? "" : r.error().message);
  return std::move(*r);
}

Schema SqliteSchema(const std::string& path) {
  Schema out;
  auto db = Must(sqlite::Database::Open(path, /*durable=*/false), "open");
  auto tables = Must(db.Prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name "
                                "NOT LIKE 'sqlite_%' AND name != 'schema_migrations'"),
                     "tables");
  while (*tables.Step()) {
    const std::string table = tables.Text(0);
    std::set<std::string> pk_columns;
    std::string pk;
    auto cols = Must(db.Prepare("SELECT name, type, \"notnull\", pk FROM pragma_table_info(?1) "
                                "ORDER BY pk"),
                     "columns");
    cols.Bind(1, table);
    while (*cols.Step()) {
      if (cols.Int(3) > 0) {
        pk_columns.insert(cols.Text(0));
        pk += (pk.empty() ? "" : ",") + cols.Text(0);
      }
    }
    cols.Reset();
    cols.Bind(1, table);
    while (*cols.Step()) {
      // A key column is never NULL in practice (SQLite's pragma says nullable for a TEXT key).
      const bool notnull = cols.Int(2) != 0 || pk_columns.count(cols.Text(0)) > 0;
      out.insert(table + ".column " + cols.Text(0) + " " + Kind(cols.Text(1)) +
                 (notnull ? " notnull" : ""));
    }
    out.insert(table + ".primary key (" + pk + ")");
    auto indexes = Must(db.Prepare("SELECT name, \"unique\", origin, partial FROM "
                                   "pragma_index_list(?1) WHERE origin != 'pk'"),
                        "indexes");
    indexes.Bind(1, table);
    while (*indexes.Step()) {
      auto info = Must(db.Prepare("SELECT name FROM pragma_index_info(?1) ORDER BY seqno"), "info");
      info.Bind(1, indexes.Text(0));
      std::string columns;
      while (*info.Step()) columns += (columns.empty() ? "" : ",") + info.Text(0);
      if (indexes.Text(2) == "u") {
        out.insert(table + ".unique (" + columns + ")");
      } else {
        out.insert(table + ".index " + indexes.Text(0) + " (" + columns + ")" +
                   (indexes.Int(1) ? " unique" : "") + (indexes.Int(3) ? " partial" : ""));
      }
    }
    auto fks = Must(db.Prepare("SELECT \"table\", \"from\", \"to\", on_delete FROM "
                               "pragma_foreign_key_list(?1) ORDER BY id, seq"),
                    "foreign keys");
    fks.Bind(1, table);
    while (*fks.Step()) {
      out.insert(table + ".foreign key (" + fks.Text(1) + ") references " + fks.Text(0) + "(" +
                 fks.Text(2) + ") on delete " + OnDelete(fks.Text(3)));
    }
  }
  return out;
}

Schema PostgresSchema(const std::string& url) {
  Schema out;
  auto db = Must(pg::Connection::Open(url), "open");
  const std::string kTables =
      "c.relnamespace = 'public'::regnamespace AND c.relname != 'schema_migrations'";
  auto cols = Must(db.Query("SELECT table_name, column_name, data_type, is_nullable FROM "
                            "information_schema.columns WHERE table_schema = 'public' AND "
                            "table_name != 'schema_migrations'",
                            {}),
                   "columns");
  for (int r = 0; r < cols.Rows(); ++r) {
    out.insert(std::string(cols.Text(r, 0)) + ".column " + std::string(cols.Text(r, 1)) + " " +
               Kind(std::string(cols.Text(r, 2))) + (cols.Text(r, 3) == "NO" ? " notnull" : ""));
  }
  // Every index with its columns in order; what it is (primary key, unique constraint, index).
  auto indexes = Must(
      db.Query("SELECT c.relname AS tbl, ic.relname AS idx, i.indisprimary, i.indisunique, "
               "i.indpred IS NOT NULL AS partial, "
               "EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid AND "
               "k.contype = 'u') AS is_constraint, "
               "(SELECT string_agg(a.attname, ',' ORDER BY k.ord) FROM unnest(i.indkey) WITH "
               "ORDINALITY AS k(attnum, ord) JOIN pg_attribute a ON a.attrelid = i.indrelid AND "
               "a.attnum = k.attnum) AS cols "
               "FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
               "JOIN pg_class ic ON ic.oid = i.indexrelid WHERE " +
                   kTables,
               {}),
      "indexes");
  for (int r = 0; r < indexes.Rows(); ++r) {
    const std::string table(indexes.Text(r, 0));
    const std::string columns(indexes.Text(r, 6));
    if (indexes.Text(r, 2) == "t") {
      out.insert(table + ".primary key (" + columns + ")");
    } else if (indexes.Text(r, 5) == "t") {
      out.insert(table + ".unique (" + columns + ")");
    } else {
      out.insert(table + ".index " + std::string(indexes.Text(r, 1)) + " (" + columns + ")" +
                 (indexes.Text(r, 3) == "t" ? " unique" : "") +
                 (indexes.Text(r, 4) == "t" ? " partial" : ""));
    }
  }
  auto fks = Must(
      db.Query("SELECT c.relname, f.relname, k.confdeltype, "
               "(SELECT string_agg(a.attname, ',' ORDER BY n.ord) FROM unnest(k.conkey) WITH "
               "ORDINALITY AS n(attnum, ord) JOIN pg_attribute a ON a.attrelid = k.conrelid AND "
               "a.attnum = n.attnum), "
               "(SELECT string_agg(a.attname, ',' ORDER BY n.ord) FROM unnest(k.confkey) WITH "
               "ORDINALITY AS n(attnum, ord) JOIN pg_attribute a ON a.attrelid = k.confrelid AND "
               "a.attnum = n.attnum) "
               "FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid "
               "JOIN pg_class f ON f.oid = k.confrelid WHERE k.contype = 'f' AND " +
                   kTables,
               {}),
      "foreign keys");
  for (int r = 0; r < fks.Rows(); ++r) {
    out.insert(std::string(fks.Text(r, 0)) + ".foreign key (" + std::string(fks.Text(r, 3)) +
               ") references " + std::string(fks.Text(r, 1)) + "(" + std::string(fks.Text(r, 4)) +
               ") on delete " + OnDelete(std::string(fks.Text(r, 2))));
  }
  return out;
}

TEST(SchemaParity, BothBackendsMigrateToTheSameSchema) {
  // SQLite, in a folder of our own.
  std::string pattern = (std::filesystem::temp_directory_path() / "hp-parity-XXXXXX").string();
  ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
  const std::string path = pattern + "/store.db";
  ManualClock clock;
  {
    auto store = OpenSqliteStore(path, clock);
    ASSERT_TRUE(store) << store.error().message;
  }
  const Schema sqlite = SqliteSchema(path);
  std::filesystem::remove_all(pattern);

  auto server = testing::PostgresServer::Shared();
  ASSERT_TRUE(server) << server.error().message;
  auto url = (*server)->CreateDatabase();
  ASSERT_TRUE(url) << url.error().message;
  {
    auto store = OpenPostgresStore(*url, clock);
    ASSERT_TRUE(store) << store.error().message;
  }
  const Schema postgres = PostgresSchema(*url);

  ASSERT_GT(sqlite.size(), 100u) << "the SQLite catalog was not read";
  std::string only_sqlite, only_postgres;
  for (const auto& fact : sqlite) {
    if (!postgres.count(fact)) only_sqlite += "  " + fact + "\n";
  }
  for (const auto& fact : postgres) {
    if (!sqlite.count(fact)) only_postgres += "  " + fact + "\n";
  }
  EXPECT_EQ(only_sqlite, "") << "in SQLite's schema only:\n" << only_sqlite;
  EXPECT_EQ(only_postgres, "") << "in PostgreSQL's schema only:\n" << only_postgres;
}

// The comparison has teeth: a PostgreSQL schema with one index less is told apart.
TEST(SchemaParity, ADroppedIndexIsNoticed) {
  auto server = testing::PostgresServer::Shared();
  ASSERT_TRUE(server) << server.error().message;
  auto url = (*server)->CreateDatabase();
  ASSERT_TRUE(url);
  ManualClock clock;
  {
    auto store = OpenPostgresStore(*url, clock);
    ASSERT_TRUE(store) << store.error().message;
  }
  const Schema before = PostgresSchema(*url);
  auto db = pg::Connection::Open(*url);
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->Exec("DROP INDEX tasks_due_retry"));
  const Schema after = PostgresSchema(*url);
  EXPECT_EQ(before.size(), after.size() + 1);
  EXPECT_EQ(before.count("tasks.index tasks_due_retry (node_id,next_attempt_at) partial"), 1u);
}

}  // namespace
}  // namespace hostplane::controller
