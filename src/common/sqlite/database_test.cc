#include "common/sqlite/database.h"

#include <gtest/gtest.h>

#include <cstdio>

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

}  // namespace
}  // namespace hostplane::sqlite
