#include "agent/agent.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "agent/testing/agent_fixture.h"
#include "agent/testing/fake_driver.h"
#include "protocol/messages.h"

namespace hostplane::agent {
namespace {

using namespace std::chrono_literals;
using protocol::Task;
using protocol::TaskOutcome;
using testing::AgentTest;
using testing::Eventually;
using testing::FakeController;
using testing::FakeDriver;
using testing::FakeSet;
using testing::kNode;
using testing::NewKey;

TEST_F(AgentTest, AppliesReportsAndResumesFromItsJournal) {
  controller_.Add(FakeSet(1, "a", "a1"), false);
  controller_.Add(FakeSet(2, "b", "b1"), false);
  {
    auto agent = NewFakeAgent();
    ASSERT_TRUE(agent->Start());
    ASSERT_TRUE(Eventually([&] { return agent->AppliedRevision() == 2; }));
    ASSERT_TRUE(Eventually([&] { return controller_.Result(2).has_value(); }));
    EXPECT_EQ(controller_.Result(1)->outcome, TaskOutcome::kApplied);
    EXPECT_EQ(Content("a"), "a1");
    EXPECT_GE(controller_.hellos(), 1);
    controller_.Add(FakeSet(3, "a", "a3"));
    ASSERT_TRUE(Eventually([&] { return Content("a") == "a3"; }));
    ASSERT_TRUE(Eventually([&] { return controller_.Result(3).has_value(); }));
    agent->Stop();
  }
  auto again = NewFakeAgent();
  ASSERT_TRUE(again->Start());
  EXPECT_EQ(again->AppliedRevision(), 3);
  again->Stop();
}

// After a reconnection keys may have been lost: Wake() alone makes the agent fetch.
// A long batch (a content copy takes minutes) does not silence the heartbeat: the controller
// would count the node down after 60 s and stop placing anything on it.
TEST_F(AgentTest, HeartbeatsGoOnWhileABatchRuns) {
  AgentOptions o;
  o.heartbeat = 50ms;
  auto agent = NewFakeAgent(o);
  std::atomic<bool> in_batch{false};
  driver_->on_validate = [&] {
    in_batch = true;
    std::this_thread::sleep_for(1s);
    in_batch = false;
  };
  ASSERT_TRUE(agent->Start());
  ASSERT_TRUE(Eventually([&] { return controller_.hellos() >= 1; }));
  controller_.Add(FakeSet(1, "slow", "x"));
  ASSERT_TRUE(Eventually([&] { return in_batch.load(); }));
  const int before = controller_.hellos();
  std::this_thread::sleep_for(600ms);
  EXPECT_TRUE(in_batch.load()) << "the batch was meant to still run";
  EXPECT_GE(controller_.hellos() - before, 5) << "hellos stopped during the batch";
  ASSERT_TRUE(Eventually([&] { return controller_.Result(1).has_value(); }));
  agent->Stop();
}

TEST_F(AgentTest, WakeFetchesWithoutAKey) {
  AgentOptions o;
  o.resync = std::chrono::hours(1);  // no periodic fetch during the test
  auto agent = NewFakeAgent(o);
  ASSERT_TRUE(agent->Start());
  ASSERT_TRUE(Eventually([&] { return controller_.fetches() >= 1; }));
  controller_.Add(FakeSet(1, "w", "woken"), /*ring=*/false);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(Content("w"), "<absent>") << "fetched without a key or a wake";
  agent->Wake();
  ASSERT_TRUE(Eventually([&] { return Content("w") == "woken"; }));
  ASSERT_TRUE(Eventually([&] { return controller_.Result(1).has_value(); }));
  agent->Stop();
}

// P7: revision 5 then 4 of the same object: the object stays at 5.
TEST_F(AgentTest, StaleRevisionIsSkipped) {
  controller_.Add(FakeSet(5, "x", "five"), false);
  auto agent = NewFakeAgent();
  ASSERT_TRUE(agent->Start());
  ASSERT_TRUE(Eventually([&] { return controller_.Result(5).has_value(); }));
  auto old = FakeSet(4, "x", "four");
  old.id = 44;
  controller_.AddRetry(old);
  controller_.Add(FakeSet(6, "other", "six"));
  ASSERT_TRUE(Eventually([&] { return controller_.Result(44).has_value(); }));
  EXPECT_EQ(controller_.Result(44)->outcome, TaskOutcome::kApplied);
  EXPECT_NE(controller_.Result(44)->detail.find("stale"), std::string::npos);
  EXPECT_EQ(Content("x"), "five");
  agent->Stop();
}

TEST_F(AgentTest, UnknownKindFailsOthersApply) {
  Task odd;
  odd.id = 1;
  odd.revision = 1;
  odd.object_key = "mailbox:x";
  odd.kind = "mailbox.ensure";
  odd.spec = protocol::Json::object();
  controller_.Add(odd, false);
  controller_.Add(FakeSet(2, "a", "a2"), false);
  auto agent = NewFakeAgent();
  ASSERT_TRUE(agent->Start());
  ASSERT_TRUE(Eventually([&] { return controller_.Result(2).has_value(); }));
  EXPECT_EQ(controller_.Result(1)->outcome, TaskOutcome::kFailed);
  EXPECT_EQ(controller_.Result(1)->detail, "no driver for kind mailbox.ensure");
  EXPECT_EQ(controller_.Result(2)->outcome, TaskOutcome::kApplied);
  agent->Stop();
}

TEST_F(AgentTest, BurstOfKeysIsCoalescedIntoFewBatches) {
  AgentOptions o;
  o.coalesce = 50ms;
  auto agent = NewFakeAgent(o);
  ASSERT_TRUE(agent->Start());
  ASSERT_TRUE(Eventually([&] { return controller_.fetches() >= 1; }));
  for (int i = 1; i <= 200; ++i) controller_.Add(FakeSet(i, "s" + std::to_string(i), "x"));
  ASSERT_TRUE(Eventually([&] { return agent->AppliedRevision() == 200; }));
  ASSERT_TRUE(Eventually([&] { return controller_.Result(200).has_value(); }));
  EXPECT_LE(driver_->reloads, 5);
  agent->Stop();
}

TEST_F(AgentTest, KeepsRetryingAnUnreachableController) {
  controller_.Stop();
  controller_.Add(FakeSet(1, "a", "a1"), false);
  AgentOptions o;
  o.request_timeout = 200ms;
  auto agent = NewFakeAgent(o);
  ASSERT_TRUE(agent->Start());  // not an error: the agent retries in the background
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(agent->AppliedRevision(), 0);
  controller_.Start();
  ASSERT_TRUE(Eventually([&] { return controller_.Result(1).has_value(); }, 10s));
  EXPECT_EQ(agent->AppliedRevision(), 1);
  agent->Stop();
}

// P6: a report the controller did not take stays in the outbox, across a restart.
TEST_F(AgentTest, UnacknowledgedReportIsResentFromTheOutbox) {
  controller_.set_refuse_reports(true);
  controller_.Add(FakeSet(1, "a", "a1"), false);
  {
    auto agent = NewFakeAgent();
    ASSERT_TRUE(agent->Start());
    ASSERT_TRUE(Eventually([&] { return agent->AppliedRevision() == 1; }));
    agent->Stop();
  }
  EXPECT_FALSE(controller_.Result(1).has_value());
  controller_.set_refuse_reports(false);
  auto agent = NewFakeAgent();
  ASSERT_TRUE(agent->Start());
  ASSERT_TRUE(Eventually([&] { return controller_.Result(1).has_value(); }));
  EXPECT_EQ(controller_.Result(1)->outcome, TaskOutcome::kApplied);
  agent->Stop();
}

TEST_F(AgentTest, DriftIsReportedAndRepaired) {
  controller_.Add(FakeSet(1, "a", "a1"), false);
  controller_.Add(FakeSet(2, "b", "b1"), false);
  AgentOptions o;
  o.resync = 100ms;
  auto agent = NewFakeAgent(o);
  ASSERT_TRUE(agent->Start());
  ASSERT_TRUE(Eventually([&] { return controller_.Result(2).has_value(); }));
  ASSERT_TRUE(fs_.WriteFileAtomic(FakeDriver::Path("a"), "edited by hand", 0644));
  ASSERT_TRUE(fs_.RemoveFile(FakeDriver::Path("b")));
  // A resync may run between the two edits: then the files drift in two reports, one each.
  auto drift_reported = [&] {
    std::set<std::string> drifted;
    for (const auto& r : controller_.reports()) drifted.insert(r.drift.begin(), r.drift.end());
    return drifted.size() == 2;
  };
  ASSERT_TRUE(Eventually(drift_reported));
  EXPECT_EQ(Content("a"), "a1");
  EXPECT_EQ(Content("b"), "b1");
  agent->Stop();
}

TEST_F(AgentTest, StartRollsBackAnInterruptedBatch) {
  ASSERT_TRUE(fs_.WriteFileAtomic(FakeDriver::Path("a"), "old", 0644));
  {
    FakeDriver d(fs_);
    BatchApplier applier(fs_, testing::TestLayout(0).state_dir);
    std::optional<std::string> record;
    d.on_validate = [&] { record = **fs_.ReadFile(applier.RecordPath(d)); };
    ASSERT_EQ(applier.Apply(d, {FakeSet(1, "a", "new")}).reloads, 1);
    ASSERT_TRUE(fs_.WriteFileAtomic(applier.RecordPath(d), *record, 0600));  // as kill -9 left it
  }
  controller_.Stop();  // nothing to fetch: only the recovery acts
  auto agent = NewFakeAgent();
  ASSERT_TRUE(agent->Start());
  EXPECT_EQ(Content("a"), "old");
  agent->Stop();
}

}  // namespace
}  // namespace hostplane::agent
