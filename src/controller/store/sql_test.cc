// The SQL seam over SQLite: parameters by name, rows by column name, and the mistakes a
// repository could make (a parameter not given or not in the SQL, a column not in the result)
// refused as errors rather than read as NULL.

#include "controller/store/sql.h"

#include <gtest/gtest.h>

#include "controller/store/sqlite_connection.h"
#include "controller/store/temp_store_for_test.h"

namespace hostplane::controller {
namespace {

class SqlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = sqlite::Database::Open(store_.dir() + "/seam.db");
    ASSERT_TRUE(db.has_value());
    db_ = std::make_unique<sqlite::Database>(std::move(*db));
    conn_ = std::make_unique<SqliteConnection>(*db_);
    ASSERT_TRUE(sql::Exec(*conn_,
                          "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, "
                          "score REAL, note TEXT)"));
  }
  TempStore store_;  // for its directory
  std::unique_ptr<sqlite::Database> db_;
  std::unique_ptr<SqliteConnection> conn_;
};

struct Thing {
  int64_t id = 0;
  std::string name;
  double score = 0;
  std::optional<int64_t> missing;
};
Result<Thing> ReadThing(const sql::Row& row) {
  return Thing{row.Int("id"), row.Text("name"), row.Double("score"), std::nullopt};
}
Result<Thing> ReadWithTypo(const sql::Row& row) {
  return Thing{row.Int("id"), row.Text("nmae"), 0, std::nullopt};
}

TEST_F(SqlTest, NamedParametersRowsByNameAndReturning) {
  auto id = sql::Scalar(*conn_, "INSERT INTO t (name, score) VALUES (:name, :score) RETURNING id",
                        {{"name", "a"}, {"score", 1.5}}, "id");
  ASSERT_TRUE(id.has_value()) << id.error().message;
  // The store's inserts take the new id from the connection (no RETURNING in SQLite).
  auto second = sql::InsertReturningId(*conn_, "INSERT INTO t (name, score) VALUES (:name, :score)",
                                       {{"score", 2.5}, {"name", std::string("b")}},  // any order
                                       "thing 'b'");
  ASSERT_TRUE(second.has_value()) << second.error().message;
  EXPECT_EQ(*second, *id + 1);
  // Columns are read by name whatever order the query lists them in.
  auto things = sql::Many(*conn_, "SELECT score, name, id FROM t ORDER BY id", {}, ReadThing);
  ASSERT_TRUE(things.has_value()) << things.error().message;
  ASSERT_EQ(things->size(), 2u);
  EXPECT_EQ((*things)[0].id, *id);
  EXPECT_EQ((*things)[0].name, "a");
  EXPECT_EQ((*things)[1].score, 2.5);
  // A parameter used twice is given once; NULL from an empty optional.
  auto none = sql::One(*conn_,
                       "SELECT id, name, score FROM t WHERE :n IS NULL AND name = 'a' "
                       "OR name = :n",
                       {{"n", std::optional<std::string>()}}, ReadThing);
  ASSERT_TRUE(none.has_value());
  ASSERT_TRUE(none->has_value());
  EXPECT_EQ((*none)->name, "a");
  ASSERT_TRUE(sql::Exec(*conn_, "UPDATE t SET note = :note WHERE name = :name",
                        {{"note", "x"}, {"name", "b"}}));
  EXPECT_EQ(conn_->Changes(), 1);
}

TEST_F(SqlTest, MistakesAreErrorsNotNulls) {
  ASSERT_TRUE(sql::Exec(*conn_, "INSERT INTO t (name) VALUES ('a')"));
  struct Case {
    const char* name;
    Status status;
    ErrorCode code;
  };
  auto drop = [](auto r) -> Status {
    if (!r) return Fail(r.error());
    return Ok();
  };
  const std::vector<Case> cases = {
      {"a parameter the SQL does not name",
       sql::Exec(*conn_, "UPDATE t SET note = :note", {{"note", "x"}, {"nope", 1}}),
       ErrorCode::kInternal},
      {"a parameter not given", sql::Exec(*conn_, "UPDATE t SET note = :note", {}),
       ErrorCode::kInternal},
      {"a column not in the result",
       drop(sql::Many(*conn_, "SELECT id, name FROM t", {}, ReadWithTypo)), ErrorCode::kInternal},
      {"a unique name twice", sql::Exec(*conn_, "INSERT INTO t (name) VALUES ('a')"),
       ErrorCode::kConflict},
      {"no row for a scalar", drop(sql::Scalar(*conn_, "SELECT id FROM t WHERE 0", {}, "id")),
       ErrorCode::kInternal},
  };
  for (const auto& c : cases) {
    ASSERT_FALSE(c.status.has_value()) << c.name;
    EXPECT_EQ(c.status.error().code, c.code) << c.name << ": " << c.status.error().message;
  }
}

TEST_F(SqlTest, TheDialectSaysHowToWalkAnArray) {
  EXPECT_EQ(conn_->dialect().name(), "sqlite");
  std::vector<std::string> seen;
  ASSERT_TRUE(conn_->Run(
      "SELECT value FROM " + conn_->dialect().TextArrayElements("list") + " ORDER BY value",
      {{"list", R"(["b","a"])"}}, [&](const sql::Row& row) {
        seen.push_back(row.Text("value"));
        return Ok();
      }));
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "b"}));
}

}  // namespace
}  // namespace hostplane::controller
