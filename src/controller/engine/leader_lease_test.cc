// Leases for the jobs that run once (issue 22), on the store the process runs the contract on
// (SQLite; PostgreSQL under store_contract_postgres): the lease row's rules, the fence that
// rolls back a lost holder's writes, and LeaderLease handing the jobs over. Leases are timed by
// the database's clock, so these tests wait real (short) times.

#include "controller/engine/leader_lease.h"

#include <gtest/gtest.h>

#include <thread>

#include "controller/store/lease_fence.h"
#include "controller/store/temp_store_for_test.h"

namespace hostplane::controller {
namespace {

using namespace std::chrono_literals;

class LeaseTest : public ::testing::Test {
 protected:
  std::optional<int64_t> Acquire(const std::string& holder, int64_t ttl_ms) {
    std::optional<int64_t> epoch;
    Status s = store_->Write([&](StoreTxn& tx) -> Status {
      HP_ASSIGN_OR_RETURN(epoch, tx.leases().Acquire("jobs", holder, ttl_ms));
      return Ok();
    });
    EXPECT_TRUE(s.has_value()) << s.error().message;
    return epoch;
  }
  // A job's write: a plan named name.
  Status WritePlan(const std::string& name) {
    return store_->Write([&](StoreTxn& tx) -> Status {
      Plan plan;
      plan.name = name;
      HP_TRY(tx.plans().Insert(plan));
      return Ok();
    });
  }
  bool HasPlan(const std::string& name) {
    auto p = store_->GetPlan(name);
    return p && p->has_value();
  }
  TempStore store_;
};

TEST_F(LeaseTest, OneHolderAtATimeTheEpochGrowsWithEachNewHolder) {
  EXPECT_EQ(Acquire("a", 60'000), 1);
  EXPECT_EQ(Acquire("b", 60'000), std::nullopt) << "a's lease runs";
  EXPECT_EQ(Acquire("a", 60'000), 1) << "a renews: same epoch";
  ASSERT_TRUE(store_->Write([](StoreTxn& tx) { return tx.leases().Release("jobs", "a"); }));
  EXPECT_EQ(Acquire("b", 60'000), 2) << "released: b takes it at once, with the next epoch";
  EXPECT_EQ(Acquire("a", 60'000), std::nullopt);
}

TEST_F(LeaseTest, AnEndedLeaseGoesToTheNextHolder) {
  EXPECT_EQ(Acquire("a", 150), 1);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(Acquire("b", 60'000), 2);
}

TEST_F(LeaseTest, AHolderThatPausedPastItsLeaseWritesNothing) {
  auto a = Acquire("a", 150);
  ASSERT_EQ(a, 1);
  {
    ScopedLeaseFence fence({"jobs", "a", *a});
    ASSERT_TRUE(WritePlan("while-leading")) << "the lease holds: the write commits";
  }
  std::this_thread::sleep_for(300ms);  // a is paused (SIGSTOP) past its lease; b takes over
  ASSERT_EQ(Acquire("b", 60'000), 2);
  ScopedLeaseFence fence({"jobs", "a", *a});  // a wakes up and goes on with its job
  Status late = WritePlan("after-the-lease");
  ASSERT_FALSE(late.has_value());
  EXPECT_EQ(late.error().code, ErrorCode::kConflict);
  EXPECT_EQ(late.error().fields.at("lease"), "lease.lost");
  EXPECT_TRUE(HasPlan("while-leading"));
  EXPECT_FALSE(HasPlan("after-the-lease")) << "the fenced write was rolled back";
}

TEST_F(LeaseTest, AnEndedLeaseNobodyTookStillFencesItsHolder) {
  auto a = Acquire("a", 150);
  ASSERT_EQ(a, 1);
  std::this_thread::sleep_for(300ms);
  ScopedLeaseFence fence({"jobs", "a", *a});
  EXPECT_FALSE(WritePlan("late").has_value());
  EXPECT_FALSE(HasPlan("late"));
}

TEST_F(LeaseTest, LeaderLeaseRunsJobsOnlyWhileLeadingAndHandsOverOnStop) {
  LeaderLease one(*store_, {"jobs", "one", 600ms});
  LeaderLease two(*store_, {"jobs", "two", 600ms});
  one.Start();
  two.Start();
  EXPECT_EQ(one.epoch(), 1);
  EXPECT_EQ(two.epoch(), std::nullopt);
  int ran = 0;
  EXPECT_TRUE(one.RunIfLeading([&] { ++ran; }));
  EXPECT_FALSE(two.RunIfLeading([&] { ++ran; }));
  EXPECT_EQ(ran, 1);
  // The leader's job writes under its fence.
  EXPECT_TRUE(one.RunIfLeading([&] { EXPECT_TRUE(WritePlan("by-one")); }));
  one.Stop();  // a clean stop releases: two leads at its next renewal (ttl/3)
  auto deadline = std::chrono::steady_clock::now() + 2s;
  while (!two.epoch() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(two.epoch(), 2);
  EXPECT_TRUE(two.RunIfLeading([&] { ++ran; }));
  EXPECT_EQ(ran, 2);
}

TEST_F(LeaseTest, ADeadLeaderIsReplacedWithinTheLease) {
  // "one" dies (no renewal, no release): its row stays until its end.
  ASSERT_EQ(Acquire("one", 600), 1);
  LeaderLease two(*store_, {"jobs", "two", 600ms});
  const auto start = std::chrono::steady_clock::now();
  two.Start();
  EXPECT_EQ(two.epoch(), std::nullopt);
  while (!two.epoch() && std::chrono::steady_clock::now() < start + 3s) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(two.epoch(), 2);
  // Within the lease plus a renewal period (ttl/3), and a margin for a loaded machine.
  EXPECT_LT(std::chrono::steady_clock::now() - start, 600ms + 200ms + 700ms);
}

TEST_F(LeaseTest, AnEarlierIncarnationOfTheSameControllerIsSucceededAtOnce) {
  // "c0ffee" was killed while leading (no release): its row runs for a minute more.
  ASSERT_EQ(Acquire("c0ffee|host:1:aa", 60'000), 1);
  EXPECT_EQ(Acquire("other", 60'000), std::nullopt) << "another controller waits for its end";
  // The same controller (same identity) started again takes it now, with the next epoch...
  LeaderLease again(*store_, {"jobs", "host:2:bb", 60'000ms, "c0ffee"});
  again.Start();
  EXPECT_EQ(again.holder(), "c0ffee|host:2:bb");
  EXPECT_EQ(again.epoch(), 2);
  // ...so the dead incarnation's epoch is fenced.
  {
    ScopedLeaseFence fence({"jobs", "c0ffee|host:1:aa", 1});
    EXPECT_FALSE(WritePlan("by-the-dead-one").has_value());
  }
  EXPECT_FALSE(HasPlan("by-the-dead-one"));
  // A different identity does not get that shortcut.
  LeaderLease stranger(*store_, {"jobs", "host:3:cc", 60'000ms, "beef"});
  stranger.Start();
  EXPECT_EQ(stranger.epoch(), std::nullopt);
  again.Stop();
}

TEST_F(LeaseTest, OnlyAHexadecimalIdentityIsRecognised) {
  ASSERT_EQ(Acquire("%|1", 60'000), 1);
  EXPECT_EQ(Acquire("%|2", 60'000), std::nullopt) << "'%' is no identity: no shortcut";
  EXPECT_EQ(Acquire("|3", 60'000), std::nullopt) << "an empty identity is none";
}

}  // namespace
}  // namespace hostplane::controller
