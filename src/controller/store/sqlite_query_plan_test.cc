// The store's hot queries walk indexes: SQLite's plan for each (EXPLAIN QUERY PLAN), on the
// schema every migration made.

#include <gtest/gtest.h>

#include <string>

#include "common/sqlite/database.h"
#include "controller/store/repositories/task_repository.h"
#include "controller/store/temp_store_for_test.h"

namespace hostplane::controller {
namespace {

// The plan's detail lines, one per step; empty (and a test failure) when it cannot be read.
std::string PlanOf(const std::string& sql) {
  TempStore store;
  auto db = sqlite::Database::Open(store.path());
  EXPECT_TRUE(db) << db.error().message;
  if (!db) return {};
  auto st = db->Prepare("EXPLAIN QUERY PLAN " + sql);
  EXPECT_TRUE(st) << st.error().message;
  if (!st) return {};
  std::string plan;
  while (*st->Step()) plan += st->Text(3) + "\n";
  return plan;
}

TEST(SqliteQueryPlan, FetchWalksIndexes) {
  const std::string plan = PlanOf(kFetchTasksSql);
  EXPECT_EQ(plan.find("\nSCAN"), std::string::npos) << "full scan in the fetch:\n" << plan;
  EXPECT_NE(plan.rfind("SCAN", 0), 0u) << "full scan in the fetch:\n" << plan;
  EXPECT_NE(plan.find("tasks_by_object"), std::string::npos) << plan;
  EXPECT_NE(plan.find("tasks_due_retry"), std::string::npos) << plan;
  EXPECT_NE(plan.find("(node_id=? AND revision>?)"), std::string::npos) << plan;
}

// Superseding reads the object's open tasks only, not every task it ever had (migration 22).
TEST(SqliteQueryPlan, SupersedeWalksOnlyOpenTasks) {
  const std::string plan = PlanOf(kSupersedeTasksSql);
  EXPECT_NE(plan.find("USING INDEX tasks_open_by_object"), std::string::npos) << plan;
}

}  // namespace
}  // namespace hostplane::controller
