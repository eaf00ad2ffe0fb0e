#include "agent/batch_applier.h"

#include <gtest/gtest.h>

#include <cmath>

#include "agent/testing/fake_driver.h"
#include "agent/testing/nginx_fixture.h"

namespace hostplane::agent {
namespace {

using protocol::TaskOutcome;
using testing::FakeDriver;
using testing::FakeSet;

class BatchApplierTest : public ::testing::Test {
 protected:
  std::string Content(const std::string& name) {
    auto c = fs_.ReadFile(FakeDriver::Path(name));
    return c && *c ? **c : "<absent>";
  }

  testing::TempRoot root_;
  PosixFilesystem fs_{root_.path()};
  FakeDriver driver_{fs_};
  BatchApplier applier_{fs_, "state"};
};

TEST_F(BatchApplierTest, BisectsWhenTheValidatorNamesNoFile) {
  struct Case {
    int n;
    std::vector<int> bad;
  };
  for (const auto& c :
       std::vector<Case>{{1, {0}}, {16, {11}}, {64, {0}}, {64, {63}}, {33, {5, 20}}}) {
    SCOPED_TRACE(c.n);
    testing::TempRoot root;
    PosixFilesystem fs(root.path());
    FakeDriver driver(fs);
    BatchApplier applier(fs, "state");
    std::vector<protocol::Task> tasks;
    for (int i = 0; i < c.n; ++i) {
      bool bad = std::find(c.bad.begin(), c.bad.end(), i) != c.bad.end();
      tasks.push_back(FakeSet(i + 1, "f" + std::to_string(i), bad ? "BAD" : "ok"));
    }
    auto out = applier.Apply(driver, tasks);
    for (int i = 0; i < c.n; ++i) {
      bool bad = std::find(c.bad.begin(), c.bad.end(), i) != c.bad.end();
      EXPECT_EQ(out.results[i].outcome, bad ? TaskOutcome::kFailed : TaskOutcome::kApplied) << i;
      auto content = fs.ReadFile(FakeDriver::Path("f" + std::to_string(i)));
      ASSERT_TRUE(content);
      EXPECT_EQ(content->has_value(), !bad) << i;
    }
    // Per culprit: one failing run, a base run and log2(N) bisection runs; then a final pass.
    int bound =
        static_cast<int>(c.bad.size()) * (3 + static_cast<int>(std::ceil(std::log2(c.n)))) + 1;
    EXPECT_LE(out.validations, bound);
    EXPECT_EQ(out.reloads, c.n > static_cast<int>(c.bad.size()) ? 1 : 0);
  }
}

TEST_F(BatchApplierTest, NamedFileIsRestoredWithoutBisection) {
  ASSERT_EQ(applier_.Apply(driver_, {FakeSet(1, "a", "a1"), FakeSet(2, "b", "b1")}).reloads, 1);
  auto out = applier_.Apply(driver_, {FakeSet(3, "a", "a2"), FakeSet(4, "b", "BAD-NAMED")});
  EXPECT_EQ(out.results[0].outcome, TaskOutcome::kApplied);
  EXPECT_EQ(out.results[1].outcome, TaskOutcome::kFailed);
  EXPECT_EQ(out.results[1].detail, "fake validator refuses b.txt");
  EXPECT_EQ(out.validations, 2);
  EXPECT_EQ(Content("a"), "a2");
  EXPECT_EQ(Content("b"), "b1");
}

TEST_F(BatchApplierTest, BrokenBaseFailsTheBatchAndRestoresEverything) {
  ASSERT_TRUE(fs_.WriteFileAtomic("fake/other.txt", "BAD from elsewhere", 0644));
  auto out = applier_.Apply(driver_, {FakeSet(1, "a", "a1"), FakeSet(2, "b", "b1")});
  EXPECT_EQ(out.results[0].outcome, TaskOutcome::kFailed);
  EXPECT_EQ(out.results[1].outcome, TaskOutcome::kFailed);
  EXPECT_EQ(out.reloads, 0);
  EXPECT_EQ(Content("a"), "<absent>");
  EXPECT_FALSE(fs_.Exists(applier_.RecordPath(driver_)));
}

TEST_F(BatchApplierTest, FailedReloadRestoresAndAsksForRetry) {
  ASSERT_EQ(applier_.Apply(driver_, {FakeSet(1, "a", "a1")}).reloads, 1);
  driver_.fail_reload = true;
  auto out = applier_.Apply(driver_, {FakeSet(2, "a", "a2"), FakeSet(3, "n", "new")});
  EXPECT_EQ(out.results[0].outcome, TaskOutcome::kRetry);
  EXPECT_EQ(out.results[1].outcome, TaskOutcome::kRetry);
  EXPECT_EQ(Content("a"), "a1");
  EXPECT_EQ(Content("n"), "<absent>");
}

TEST_F(BatchApplierTest, IdenticalFilesAreSkipped) {
  std::vector<protocol::Task> batch = {FakeSet(1, "a", "a1"), FakeSet(2, "b", "b1")};
  ASSERT_EQ(applier_.Apply(driver_, batch).changed_files, 2);
  int validations = driver_.validations;
  auto again = applier_.Apply(driver_, batch);
  EXPECT_EQ(again.changed_files, 0);
  EXPECT_EQ(again.reloads, 0);
  EXPECT_EQ(driver_.validations, validations);
  EXPECT_EQ(again.results[1].outcome, TaskOutcome::kApplied);
}

TEST_F(BatchApplierTest, SameFileTwiceInOneBatchFailsTheSecond) {
  auto t2 = FakeSet(2, "a", "other");
  t2.object_key = "fake:alias-of-a";
  auto out = applier_.Apply(driver_, {FakeSet(1, "a", "a1"), t2});
  EXPECT_EQ(out.results[0].outcome, TaskOutcome::kApplied);
  EXPECT_EQ(out.results[1].outcome, TaskOutcome::kFailed);
  EXPECT_EQ(Content("a"), "a1");
}

// A crash mid-batch: the state at the moment of validation (record + new files + temp debris)
// is put back after the batch, as kill -9 would have left it; Recover must restore every old file.
TEST_F(BatchApplierTest, RecoverRollsBackAnInterruptedBatch) {
  ASSERT_EQ(applier_.Apply(driver_, {FakeSet(1, "a", "a1"), FakeSet(2, "b", "b1")}).reloads, 1);
  std::optional<std::string> record;
  driver_.on_validate = [&] {
    auto r = fs_.ReadFile(applier_.RecordPath(driver_));
    if (r && *r) record = **r;
  };
  ASSERT_EQ(
      applier_.Apply(driver_, {FakeSet(3, "a", "a2"), FakeSet(4, "c", "c2"), FakeSet(5, "b", "b1")})
          .reloads,
      1);
  ASSERT_TRUE(record.has_value());
  ASSERT_EQ(Content("a"), "a2");
  ASSERT_TRUE(fs_.WriteFileAtomic(applier_.RecordPath(driver_), *record, 0600));
  ASSERT_TRUE(fs_.WriteFileAtomic("fake/.a.txt.tmp", "torn", 0644));

  auto rolled = applier_.Recover(driver_);
  ASSERT_TRUE(rolled) << rolled.error().message;
  EXPECT_TRUE(*rolled);
  EXPECT_EQ(Content("a"), "a1");
  EXPECT_EQ(Content("b"), "b1");
  EXPECT_EQ(Content("c"), "<absent>");
  EXPECT_FALSE(fs_.Exists(applier_.RecordPath(driver_)));
  EXPECT_FALSE(fs_.Exists("fake/.a.txt.tmp"));
  auto nothing = applier_.Recover(driver_);
  ASSERT_TRUE(nothing);
  EXPECT_FALSE(*nothing);
}

// Derived files (FakeDriver's fake/_all, as a Postfix map is derived from per-domain fragments)
// must match the live tree after every outcome: applied, a culprit taken out, the whole batch
// taken out, a refused base, a failed reload, and a crash recovered at start-up.
TEST_F(BatchApplierTest, DerivedFilesFollowTheLiveTreeAfterEveryOutcome) {
  struct Case {
    const char* name;
    std::vector<protocol::Task> batch;
    bool fail_reload = false;
    bool broken_base = false;
  };
  std::vector<Case> cases = {
      {"applied", {FakeSet(2, "a", "a2"), FakeSet(3, "b", "b2")}},
      {"one culprit out", {FakeSet(2, "a", "a2"), FakeSet(3, "b", "BAD")}},
      {"every task out", {FakeSet(2, "a", "BAD-NAMED")}},
      {"broken base", {FakeSet(2, "a", "a2")}, false, true},
      {"failed reload", {FakeSet(2, "a", "a2"), FakeSet(3, "n", "new")}, true},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    testing::TempRoot root;
    PosixFilesystem fs{root.path()};
    FakeDriver driver{fs};
    BatchApplier applier{fs, "state"};
    ASSERT_EQ(applier.Apply(driver, {FakeSet(1, "a", "a1")}).reloads, 1);
    if (c.broken_base) {
      ASSERT_TRUE(fs.WriteFileAtomic("fake/zz.txt", "BAD", 0644));
    }
    driver.fail_reload = c.fail_reload;
    applier.Apply(driver, c.batch);
    auto want = driver.Derive();
    ASSERT_TRUE(want);
    auto have = fs.ReadFile(std::string("fake/") + FakeDriver::kDerived);
    ASSERT_TRUE(have && *have);
    EXPECT_EQ(**have, *want);
  }

  // A crash after the fragments changed but before anything derived them: Recover rebuilds.
  ASSERT_EQ(applier_.Apply(driver_, {FakeSet(1, "a", "a1")}).reloads, 1);
  ASSERT_TRUE(fs_.WriteFileAtomic("fake/b.txt", "b-behind-our-back", 0644));
  ASSERT_TRUE(applier_.Recover(driver_));
  auto have = fs_.ReadFile(std::string("fake/") + FakeDriver::kDerived);
  ASSERT_TRUE(have && *have);
  EXPECT_NE((*have)->find("b.txt=b-behind-our-back"), std::string::npos);
}

TEST_F(BatchApplierTest, CorruptRecordIsAnErrorAndKept) {
  ASSERT_TRUE(fs_.WriteFileAtomic(applier_.RecordPath(driver_), "not cbor", 0600));
  auto r = applier_.Recover(driver_);
  ASSERT_FALSE(r);
  EXPECT_TRUE(fs_.Exists(applier_.RecordPath(driver_)));
}

}  // namespace
}  // namespace hostplane::agent
