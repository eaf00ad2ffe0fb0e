#include "common/pg/connection.h"

#include <gtest/gtest.h>

#include <thread>

#include "common/pg/migrate.h"
#include "common/testing/postgres_server.h"

namespace hostplane::pg {
namespace {

// A fresh database on this process's private server.
Connection FreshDatabase() {
  auto server = testing::PostgresServer::Shared();
  EXPECT_TRUE(server) << (server ? "" : server.error().message);
  auto url = (*server)->CreateDatabase();
  EXPECT_TRUE(url) << (url ? "" : url.error().message);
  auto db = Connection::Open(*url);
  EXPECT_TRUE(db) << (db ? "" : db.error().message);
  return std::move(*db);
}

TEST(PgConnection, ParametersAndNullsRoundTripAsText) {
  Connection db = FreshDatabase();
  ASSERT_TRUE(db.Exec("CREATE TABLE t (id BIGINT PRIMARY KEY, name TEXT, note TEXT)"));
  for (int round = 0; round < 2; ++round) {  // the second round reuses the prepared statement
    auto ins = db.Query("INSERT INTO t (id, name, note) VALUES ($1, $2, $3)",
                        {std::to_string(round + 1), "o'brien", std::nullopt});
    ASSERT_TRUE(ins) << ins.error().message;
    EXPECT_EQ(ins->AffectedRows(), 1);
  }
  auto rows = db.Query("SELECT id, name AS who, note FROM t ORDER BY id", {});
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_EQ(rows->Rows(), 2);
  EXPECT_EQ(rows->ColumnIndex("who"), 1);
  EXPECT_EQ(rows->ColumnIndex("name"), -1);
  EXPECT_EQ(rows->Text(1, 0), "2");
  EXPECT_EQ(rows->Text(0, 1), "o'brien");
  EXPECT_TRUE(rows->IsNull(0, 2));
  EXPECT_FALSE(rows->IsNull(0, 1));
}

TEST(PgConnection, UniqueViolationIsConflictWithItsSqlState) {
  Connection db = FreshDatabase();
  ASSERT_TRUE(db.Exec("CREATE TABLE t (name TEXT UNIQUE)"));
  ASSERT_TRUE(db.Query("INSERT INTO t VALUES ($1)", {"a"}));
  auto again = db.Query("INSERT INTO t VALUES ($1)", {"a"});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  EXPECT_EQ(db.last_sqlstate(), "23505");
  EXPECT_NE(again.error().message.find("duplicate key"), std::string::npos);
  ASSERT_TRUE(db.Query("SELECT 1", {}));
  EXPECT_EQ(db.last_sqlstate(), "");
}

TEST(PgConnection, SyntaxErrorIsIoAndTheConnectionStaysUsable) {
  Connection db = FreshDatabase();
  auto bad = db.Query("SELEC 1", {});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kIo);
  EXPECT_EQ(db.last_sqlstate(), "42601");
  EXPECT_TRUE(db.Healthy());
  auto good = db.Query("SELECT $1::bigint + 1 AS n", {"41"});
  ASSERT_TRUE(good) << good.error().message;
  EXPECT_EQ(good->Text(0, 0), "42");
}

TEST(PgConnection, FailedTransactionRollsBackEverything) {
  Connection db = FreshDatabase();
  ASSERT_TRUE(db.Exec("CREATE TABLE t (name TEXT UNIQUE)"));
  ASSERT_TRUE(db.Exec("BEGIN"));
  ASSERT_TRUE(db.Query("INSERT INTO t VALUES ($1)", {"a"}));
  EXPECT_TRUE(db.InTransaction());
  ASSERT_FALSE(db.Query("INSERT INTO t VALUES ($1)", {"a"}));
  ASSERT_TRUE(db.Exec("ROLLBACK"));
  EXPECT_FALSE(db.InTransaction());
  auto n = db.Query("SELECT count(*) FROM t", {});
  ASSERT_TRUE(n);
  EXPECT_EQ(n->Text(0, 0), "0");
}

TEST(PgConnection, DeadlockIsRetryableUnavailable) {
  auto server = testing::PostgresServer::Shared();
  ASSERT_TRUE(server);
  auto url = (*server)->CreateDatabase();
  ASSERT_TRUE(url);
  auto a = Connection::Open(*url);
  auto b = Connection::Open(*url);
  ASSERT_TRUE(a && b);
  ASSERT_TRUE(
      a->Exec("CREATE TABLE t (id INT PRIMARY KEY, v INT); INSERT INTO t VALUES (1,0),(2,0)"));
  ASSERT_TRUE(a->Exec("BEGIN; UPDATE t SET v = 1 WHERE id = 1"));
  ASSERT_TRUE(b->Exec("BEGIN; UPDATE t SET v = 1 WHERE id = 2"));
  Status from_a;
  std::thread t([&] { from_a = a->Exec("UPDATE t SET v = 2 WHERE id = 2"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // a waits for b's row
  Status from_b = b->Exec("UPDATE t SET v = 2 WHERE id = 1");
  if (from_b) (void)b->Exec("COMMIT");  // b won: a is the victim, a waits no more
  t.join();
  // Exactly one of them is the deadlock's victim.
  ASSERT_NE(static_cast<bool>(from_a), static_cast<bool>(from_b));
  const Connection& victim = from_a ? *b : *a;
  const Error& e = from_a ? from_b.error() : from_a.error();
  EXPECT_EQ(e.code, ErrorCode::kUnavailable);
  EXPECT_EQ(victim.last_sqlstate(), "40P01");
  EXPECT_TRUE(IsRetryable(victim.last_sqlstate()));
}

TEST(PgConnection, BadConnInfoIsInvalidAndUnreachableIsUnavailable) {
  EXPECT_TRUE(ConnInfoError("postgresql://u@127.0.0.1:5/db").has_value() == false);
  auto reason = ConnInfoError("postgresql://u@127.0.0.1:5/db?nosuchoption=1");
  ASSERT_TRUE(reason);
  EXPECT_NE(reason->find("nosuchoption"), std::string::npos);
  auto bad = Connection::Open("postgresql://u@127.0.0.1/db?nosuchoption=1");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalid);
  auto closed = Connection::Open("postgresql://u@127.0.0.1:1/db?connect_timeout=2");
  ASSERT_FALSE(closed);
  EXPECT_EQ(closed.error().code, ErrorCode::kUnavailable);
}

TEST(PgMigrate, AppliesEachOnceAcrossReopens) {
  auto server = testing::PostgresServer::Shared();
  ASSERT_TRUE(server);
  auto url = (*server)->CreateDatabase();
  ASSERT_TRUE(url);
  const std::vector<Migration> migrations = {
      {1, "CREATE TABLE t (id BIGINT PRIMARY KEY, name TEXT NOT NULL UNIQUE)"},
      {2, "ALTER TABLE t ADD COLUMN note TEXT"},
  };
  for (int round = 0; round < 2; ++round) {
    auto db = Connection::Open(*url);
    ASSERT_TRUE(db);
    ASSERT_TRUE(Migrate(*db, migrations));
    auto n = db->Query("SELECT count(*) FROM schema_migrations", {});
    ASSERT_TRUE(n);
    EXPECT_EQ(n->Text(0, 0), "2");
  }
}

TEST(PgMigrate, AFailingMigrationLeavesNothingOfItself) {
  Connection db = FreshDatabase();
  const std::vector<Migration> migrations = {
      {1, "CREATE TABLE t (id BIGINT PRIMARY KEY)"},
      {2, "CREATE TABLE u (id BIGINT); CREATE TABLE t (id BIGINT)"},  // t exists: fails
  };
  auto s = Migrate(db, migrations);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("migration 2"), std::string::npos);
  auto u = db.Query("SELECT count(*) FROM pg_tables WHERE tablename = 'u'", {});
  ASSERT_TRUE(u);
  EXPECT_EQ(u->Text(0, 0), "0");
  auto n = db.Query("SELECT max(version) FROM schema_migrations", {});
  ASSERT_TRUE(n);
  EXPECT_EQ(n->Text(0, 0), "1");
}

}  // namespace
}  // namespace hostplane::pg
