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

#include "agent/agent.h"
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

// A driver of one background kind ("copy.run"), standing in for the content driver: Work waits
// until the test releases it (or the agent stops), then succeeds or fails as set.
class SlowCopyDriver final : public ServiceDriver {
 public:
  std::string Name() const override { return "copy"; }
  std::vector<std::string> Kinds() const override { return {"copy.run"}; }
  std::vector<std::string> BackgroundKinds() const override { return Kinds(); }
  std::vector<std::string> ManagedDirs() const override { return {}; }
  Result<FileSet> Render(const Task& task) const override {
    if (!task.spec.is_object() || !task.spec.contains("bytes")) {
      return Fail(Error::Invalid("copy spec needs bytes"));
    }
    return FileSet{};
  }
  Status Prepare(const Task&) override { return Ok(); }
  Result<Verdict> Validate() override { return Verdict{}; }
  Status Reload() override { return Ok(); }
  Status Finish(const Task&) override { return Ok(); }
  Status Work(const Task& task, const std::atomic<bool>& stopping) override {
    ++started;
    working = true;
    while (!released && !stopping) std::this_thread::sleep_for(1ms);
    working = false;
    if (stopping && !released) return Fail(Error::Unavailable("stopping"));
    ++finished;
    last_task = task.id;
    if (fail_with) return Fail(Error{*fail_with, "the copy broke", {}});
    return Ok();
  }

  std::atomic<int> started{0}, finished{0};
  std::atomic<int64_t> last_task{0};
  std::atomic<bool> working{false}, released{false};
  std::optional<ErrorCode> fail_with;
};

Task CopyTask(int64_t revision, protocol::Json spec = {{"bytes", 1}}) {
  Task t;
  t.id = revision;
  t.revision = revision;
  t.object_key = "transfer:" + std::to_string(revision);
  t.kind = "copy.run";
  t.spec = std::move(spec);
  return t;
}

class AgentJobTest : public AgentTest {
 protected:
  std::unique_ptr<Agent> NewAgentWithJobs() {
    AgentOptions o;
    o.node = kNode;
    o.controller_key = controller_.public_key();
    std::vector<std::unique_ptr<ServiceDriver>> drivers;
    drivers.push_back(std::make_unique<FakeDriver>(fs_));
    drivers.push_back(std::make_unique<SlowCopyDriver>());
    copy_ = static_cast<SlowCopyDriver*>(drivers.back().get());
    return NewAgentWithDrivers(o, testing::TestLayout(0), *bus_, fs_, clock_, std::move(drivers));
  }
  std::optional<TaskOutcome> Outcome(int64_t task) {
    auto r = controller_.Result(task);
    return r ? std::optional<TaskOutcome>(r->outcome) : std::nullopt;
  }
  SlowCopyDriver* copy_ = nullptr;
};

// A copy of hours must not hold up the node's other changes: it is reported "running" with its
// bundle, a later site change applies while it works, and its own outcome follows when it ends.
TEST_F(AgentJobTest, ABackgroundJobHoldsUpNoOtherTask) {
  auto agent = NewAgentWithJobs();
  ASSERT_TRUE(agent->Start());
  controller_.Add(CopyTask(1));
  ASSERT_TRUE(Eventually([&] { return copy_->working.load(); }));
  ASSERT_TRUE(Eventually([&] { return Outcome(1) == TaskOutcome::kRunning; }));
  controller_.Add(FakeSet(2, "site", "live"));
  ASSERT_TRUE(Eventually([&] { return Outcome(2) == TaskOutcome::kApplied; }));
  EXPECT_EQ(Content("site"), "live");
  EXPECT_TRUE(copy_->working.load()) << "the copy was meant to still run";
  EXPECT_EQ(Outcome(1), TaskOutcome::kRunning);

  copy_->released = true;
  ASSERT_TRUE(Eventually([&] { return Outcome(1) == TaskOutcome::kApplied; }));
  EXPECT_EQ(copy_->last_task.load(), 1);
  EXPECT_EQ(copy_->started.load(), 1);
  EXPECT_EQ(agent->AppliedRevision(), 2);
  // Its report carries the node's revision as of its place in the outbox, never an older one.
  int64_t last_revision = 0;
  for (const auto& r : controller_.reports()) {
    EXPECT_GE(r.applied_revision, last_revision) << "the node's revision went back";
    last_revision = r.applied_revision;
  }
  EXPECT_EQ(last_revision, 2);
  agent->Stop();
}

// kill -9 or a stop in the middle of a copy: the job is in the journal and runs again at the next
// start, without the controller sending the task again.
TEST_F(AgentJobTest, AJobInterruptedByAStopRunsAgainAtTheNextStart) {
  {
    auto agent = NewAgentWithJobs();
    ASSERT_TRUE(agent->Start());
    controller_.Add(CopyTask(1));
    ASSERT_TRUE(Eventually([&] { return copy_->working.load(); }));
    ASSERT_TRUE(Eventually([&] { return Outcome(1) == TaskOutcome::kRunning; }));
    auto t0 = std::chrono::steady_clock::now();
    agent->Stop();
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s) << "Stop waited for the copy";
    EXPECT_EQ(copy_->finished.load(), 0);
  }
  const int fetches = controller_.fetches();
  auto again = NewAgentWithJobs();
  copy_->released = true;
  ASSERT_TRUE(again->Start());
  ASSERT_TRUE(Eventually([&] { return Outcome(1) == TaskOutcome::kApplied; }));
  EXPECT_EQ(copy_->started.load(), 1) << "the new driver ran the job once";
  EXPECT_EQ(again->AppliedRevision(), 1);
  EXPECT_GE(controller_.fetches(), fetches);
  again->Stop();
}

TEST_F(AgentJobTest, ABadSpecFailsAtOnceAndAFailureIsReported) {
  auto agent = NewAgentWithJobs();
  ASSERT_TRUE(agent->Start());
  controller_.Add(CopyTask(1, {{"what", "no bytes"}}));
  ASSERT_TRUE(Eventually([&] { return Outcome(1).has_value(); }));
  EXPECT_EQ(Outcome(1), TaskOutcome::kFailed);
  EXPECT_EQ(copy_->started.load(), 0) << "a spec that does not check is never worked on";

  copy_->fail_with = ErrorCode::kIo;  // retryable
  copy_->released = true;
  controller_.Add(CopyTask(2));
  ASSERT_TRUE(Eventually([&] { return Outcome(2) == TaskOutcome::kRetry; }));
  EXPECT_EQ(controller_.Result(2)->detail, "the copy broke");
  copy_->fail_with = ErrorCode::kForbidden;  // final
  controller_.Add(CopyTask(3));
  ASSERT_TRUE(Eventually([&] { return Outcome(3) == TaskOutcome::kFailed; }));
  agent->Stop();
}

}  // namespace
}  // namespace hostplane::agent
