#include "common/sqlite/database.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <optional>

namespace hostplane::sqlite {
namespace {

std::string TempDb(const char* name) {
  std::string path = ::testing::TempDir() + "/" + name;
  std::remove(path.c_str());
  std::remove((path + "-wal").c_str());
  std::remove((path + "-shm").c_str());
  return path;
}

const std::vector<Migration> kMigrations = {
    {1, "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)"},
    {2, "ALTER TABLE t ADD COLUMN note TEXT"},
};

TEST(Database, MigrationsApplyOnceAcrossReopens) {
  std::string path = TempDb("migrate.db");
  for (int round = 0; round < 2; ++round) {
    auto db = Database::Open(path);
    ASSERT_TRUE(db) << db.error().message;
    ASSERT_TRUE(Migrate(*db, kMigrations));
    auto q = db->Prepare("SELECT COUNT(*) FROM schema_migrations");
    ASSERT_TRUE(q);
    ASSERT_TRUE(q->Step().value());
    EXPECT_EQ(q->Int(0), 2);
  }
}

TEST(Database, DurableModeIsWalWithFullSync) {
  auto db = Database::Open(TempDb("pragma.db"));
  ASSERT_TRUE(db);
  auto q = db->Prepare("PRAGMA journal_mode");
  ASSERT_TRUE(q && q->Step().value());
  EXPECT_EQ(q->Text(0), "wal");
  auto s = db->Prepare("PRAGMA synchronous");
  ASSERT_TRUE(s && s->Step().value());
  EXPECT_EQ(s->Int(0), 2);  // FULL
}

TEST(Database, FailedTransactionLeavesNothing) {
  auto db = Database::Open(TempDb("txn.db"));
  ASSERT_TRUE(db);
  ASSERT_TRUE(Migrate(*db, kMigrations));
  auto s = db->Transaction([&]() -> Status {
    auto ins = db->Prepare("INSERT INTO t(name) VALUES (?1)");
    if (!ins) return Fail(ins.error());
    ins->Bind(1, "a");
    HP_TRY(ins->Run());
    return Fail(Error::Invalid("changed my mind"));
  });
  ASSERT_FALSE(s);
  auto q = db->Prepare("SELECT COUNT(*) FROM t");
  ASSERT_TRUE(q && q->Step().value());
  EXPECT_EQ(q->Int(0), 0);
}

TEST(Database, UniqueViolationIsConflict) {
  auto db = Database::Open(TempDb("unique.db"));
  ASSERT_TRUE(db);
  ASSERT_TRUE(Migrate(*db, kMigrations));
  ASSERT_TRUE(db->Exec("INSERT INTO t(name) VALUES ('x')"));
  auto ins = db->Prepare("INSERT INTO t(name) VALUES (?1)");
  ASSERT_TRUE(ins);
  ins->Bind(1, "x");
  auto r = ins->Run();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kConflict);
}

TEST(Database, BindsAndReadsNullsAndText) {
  auto db = Database::Open(TempDb("types.db"));
  ASSERT_TRUE(db);
  ASSERT_TRUE(Migrate(*db, kMigrations));
  auto ins = db->Prepare("INSERT INTO t(name, note) VALUES (?1, ?2)");
  ASSERT_TRUE(ins);
  ins->Bind(1, std::string("with\nnewline and 'quote'")).Bind(2, std::optional<std::string>());
  ASSERT_TRUE(ins->Run());
  auto q = db->Prepare("SELECT name, note FROM t");
  ASSERT_TRUE(q && q->Step().value());
  EXPECT_EQ(q->Text(0), "with\nnewline and 'quote'");
  EXPECT_FALSE(q->OptText(1).has_value());
}

// Prepared statements are reused (the cache): a statement taken again starts reset, with no
// bindings left from its last use; two live at once are two statements; one that outlives its
// database is finalized, not returned.
TEST(Database, ReusedStatementsStartClean) {
  auto db = Database::Open(TempDb("cache.db"), false);
  ASSERT_TRUE(db.has_value()) << db.error().message;
  ASSERT_TRUE(
      db->Exec("CREATE TABLE t (k INTEGER, v TEXT); INSERT INTO t VALUES (1, 'a'), (2, 'b');"));
  const char* kSql = "SELECT v FROM t WHERE k = ?1";
  for (int round = 0; round < 3; ++round) {
    auto st = db->Prepare(kSql);
    ASSERT_TRUE(st.has_value());
    if (round != 1) st->Bind(1, int64_t{round == 0 ? 1 : 2});  // round 1 binds nothing: NULL
    auto row = st->Step();
    ASSERT_TRUE(row.has_value());
    if (round == 1) {
      EXPECT_FALSE(*row) << "an old binding leaked into a reused statement";
    } else {
      ASSERT_TRUE(*row);
      EXPECT_EQ(st->Text(0), round == 0 ? "a" : "b");
    }
    // Left mid-result: the next Prepare must still start from the top.
  }
  auto a = db->Prepare(kSql);
  auto b = db->Prepare(kSql);
  ASSERT_TRUE(a.has_value() && b.has_value());
  a->Bind(1, int64_t{1});
  b->Bind(1, int64_t{2});
  ASSERT_TRUE(*a->Step());
  ASSERT_TRUE(*b->Step());
  EXPECT_EQ(a->Text(0), "a");
  EXPECT_EQ(b->Text(0), "b");

  std::optional<Statement> outliving;
  {
    auto other = Database::Open(TempDb("cache2.db"), false);
    ASSERT_TRUE(other.has_value());
    ASSERT_TRUE(other->Exec("CREATE TABLE u (x INTEGER);"));
    auto st = other->Prepare("SELECT x FROM u");
    ASSERT_TRUE(st.has_value());
    outliving.emplace(std::move(*st));
  }
  outliving.reset();  // finalized after its database closed: no crash, no leak report
}

}  // namespace
}  // namespace hostplane::sqlite
