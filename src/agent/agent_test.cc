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

#include "agent/batch_applier.h"
#include "agent/drivers/nginx/nginx_driver.h"
#include "agent/testing/fake_driver.h"
#include "agent/testing/nginx_fixture.h"
#include "protocol/messages.h"

namespace hostplane::agent {
namespace {

using namespace std::chrono_literals;
using protocol::Task;
using protocol::TaskOutcome;
using testing::FakeDriver;
using testing::FakeSet;

constexpr const char* kNode = "web1";

SigningKey NewKey() {
  auto key = SigningKey::Generate();
  EXPECT_TRUE(key) << key.error().message;
  return *key;
}

// A controller reduced to its bus contract: serves the newest task of each object after the
// agent's revision (plus "retry" tasks, always), signed with its key; records reports and hellos.
class FakeController {
 public:
  explicit FakeController(Bus& bus) : bus_(bus) {}

  // The key agents must pin.
  const PublicKey& public_key() const { return key_.public_key(); }
  const SigningKey& key() const { return key_; }
  // Changes every bundle after it is signed, as a hostile relay would (empty: none).
  void set_tamper(std::function<void(protocol::Bundle&)> tamper) {
    std::lock_guard lock(mu_);
    tamper_ = std::move(tamper);
  }

  void Start() {
    subs_.push_back(*bus_.Subscribe(protocol::AnyNodeSubject(protocol::kSubjectTasks),
                                    protocol::kQueueGroup,
                                    [this](const BusMessage& m) { OnFetch(m); }));
    subs_.push_back(*bus_.Subscribe(protocol::AnyNodeSubject(protocol::kSubjectReport),
                                    protocol::kQueueGroup,
                                    [this](const BusMessage& m) { OnReport(m); }));
    subs_.push_back(*bus_.Subscribe(protocol::AnyNodeSubject(protocol::kSubjectHello),
                                    protocol::kQueueGroup,
                                    [this](const BusMessage& m) { OnHello(m); }));
  }
  void Stop() { subs_.clear(); }

  // Appends a task and rings the node's doorbell.
  void Add(Task t, bool ring = true) {
    int64_t rev = t.revision;
    {
      std::lock_guard lock(mu_);
      tasks_.push_back(std::move(t));
    }
    if (ring) (void)bus_.Publish(protocol::KeySubject(kNode), protocol::Encode(protocol::Key{rev}));
  }
  void AddRetry(Task t) {
    std::lock_guard lock(mu_);
    retries_.push_back(std::move(t));
  }
  void set_refuse_reports(bool v) {
    std::lock_guard lock(mu_);
    refuse_reports_ = v;
  }

  std::vector<protocol::Report> reports() {
    std::lock_guard lock(mu_);
    return reports_;
  }
  // The last result reported for task id.
  std::optional<protocol::TaskResult> Result(int64_t id) {
    std::lock_guard lock(mu_);
    std::optional<protocol::TaskResult> out;
    for (const auto& r : reports_) {
      for (const auto& t : r.results) {
        if (t.task == id) out = t;
      }
    }
    return out;
  }
  int fetches() {
    std::lock_guard lock(mu_);
    return fetches_;
  }
  int hellos() {
    std::lock_guard lock(mu_);
    return hellos_;
  }
  int reloads() {
    std::lock_guard lock(mu_);
    int n = 0;
    for (const auto& r : reports_) n += r.reloads;
    return n;
  }

 private:
  void OnFetch(const BusMessage& m) {
    // The agent asks on its own node's subject, the only one the relay lets it publish.
    EXPECT_EQ(m.subject, protocol::TasksSubject(kNode));
    auto req = protocol::DecodeFetchRequest(m.data);
    protocol::Bundle b;
    b.node = kNode;
    {
      std::lock_guard lock(mu_);
      ++fetches_;
      std::map<std::string, Task> newest;
      for (const auto& t : tasks_) {
        b.head = std::max(b.head, t.revision);
        if (t.revision <= req->after) continue;
        auto it = newest.find(t.object_key);
        if (it == newest.end() || it->second.revision < t.revision) newest[t.object_key] = t;
      }
      std::vector<Task> list;
      for (auto& [k, t] : newest) list.push_back(t);
      std::sort(list.begin(), list.end(),
                [](const Task& a, const Task& b) { return a.revision < b.revision; });
      if (static_cast<int>(list.size()) > req->limit) {
        list.resize(req->limit);
        b.more = true;
      }
      b.tasks = std::move(list);
      for (const auto& t : retries_) b.tasks.push_back(t);
      protocol::SignBundle(b, key_);
      if (tamper_) tamper_(b);
    }
    (void)bus_.Publish(m.reply, protocol::Encode(b));
  }
  void OnReport(const BusMessage& m) {
    EXPECT_EQ(m.subject, protocol::ReportSubject(kNode));
    auto r = protocol::DecodeReport(m.data);
    protocol::Ack ack;
    {
      std::lock_guard lock(mu_);
      if (refuse_reports_) {
        ack = {false, "not now"};
      } else if (r) {
        reports_.push_back(*r);
      }
    }
    (void)bus_.Publish(m.reply, protocol::Encode(ack));
  }
  void OnHello(const BusMessage& m) {
    EXPECT_EQ(m.subject, protocol::HelloSubject(kNode));
    {
      std::lock_guard lock(mu_);
      ++hellos_;
    }
    (void)bus_.Publish(m.reply, protocol::Encode(protocol::Ack{}));
  }

  Bus& bus_;
  const SigningKey key_ = NewKey();
  std::mutex mu_;
  std::function<void(protocol::Bundle&)> tamper_;
  std::vector<Task> tasks_;
  std::vector<Task> retries_;
  std::vector<protocol::Report> reports_;
  bool refuse_reports_ = false;
  int fetches_ = 0;
  int hellos_ = 0;
  std::vector<std::unique_ptr<Subscription>> subs_;
};

bool WaitFor(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 5s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return pred();
}

class AgentTest : public ::testing::Test {
 protected:
  void SetUp() override { controller_.Start(); }

  std::unique_ptr<Agent> NewFakeAgent(AgentOptions o = {}) {
    o.node = kNode;
    o.controller_key = controller_.public_key();
    std::vector<std::unique_ptr<ServiceDriver>> drivers;
    auto d = std::make_unique<FakeDriver>(fs_);
    driver_ = d.get();
    drivers.push_back(std::move(d));
    return NewAgentWithDrivers(o, testing::TestLayout(0), *bus_, fs_, clock_, std::move(drivers));
  }
  std::string Content(const std::string& name) {
    auto c = fs_.ReadFile(FakeDriver::Path(name));
    return c && *c ? **c : "<absent>";
  }

  std::unique_ptr<Bus> bus_ = NewInProcessBus();
  FakeController controller_{*bus_};
  testing::TempRoot root_;
  PosixFilesystem fs_{root_.path()};
  SystemClock clock_;
  FakeDriver* driver_ = nullptr;
};

TEST_F(AgentTest, AppliesReportsAndResumesFromItsJournal) {
  controller_.Add(FakeSet(1, "a", "a1"), false);
  controller_.Add(FakeSet(2, "b", "b1"), false);
  {
    auto agent = NewFakeAgent();
    ASSERT_TRUE(agent->Start());
    ASSERT_TRUE(WaitFor([&] { return agent->AppliedRevision() == 2; }));
    ASSERT_TRUE(WaitFor([&] { return controller_.Result(2).has_value(); }));
    EXPECT_EQ(controller_.Result(1)->outcome, TaskOutcome::kApplied);
    EXPECT_EQ(Content("a"), "a1");
    EXPECT_GE(controller_.hellos(), 1);
    controller_.Add(FakeSet(3, "a", "a3"));
    ASSERT_TRUE(WaitFor([&] { return Content("a") == "a3"; }));
    ASSERT_TRUE(WaitFor([&] { return controller_.Result(3).has_value(); }));
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
  ASSERT_TRUE(WaitFor([&] { return controller_.hellos() >= 1; }));
  controller_.Add(FakeSet(1, "slow", "x"));
  ASSERT_TRUE(WaitFor([&] { return in_batch.load(); }));
  const int before = controller_.hellos();
  std::this_thread::sleep_for(600ms);
  EXPECT_TRUE(in_batch.load()) << "the batch was meant to still run";
  EXPECT_GE(controller_.hellos() - before, 5) << "hellos stopped during the batch";
  ASSERT_TRUE(WaitFor([&] { return controller_.Result(1).has_value(); }));
  agent->Stop();
}

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
  ASSERT_TRUE(WaitFor([&] { return copy_->working.load(); }));
  ASSERT_TRUE(WaitFor([&] { return Outcome(1) == TaskOutcome::kRunning; }));
  controller_.Add(FakeSet(2, "site", "live"));
  ASSERT_TRUE(WaitFor([&] { return Outcome(2) == TaskOutcome::kApplied; }));
  EXPECT_EQ(Content("site"), "live");
  EXPECT_TRUE(copy_->working.load()) << "the copy was meant to still run";
  EXPECT_EQ(Outcome(1), TaskOutcome::kRunning);

  copy_->released = true;
  ASSERT_TRUE(WaitFor([&] { return Outcome(1) == TaskOutcome::kApplied; }));
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
    ASSERT_TRUE(WaitFor([&] { return copy_->working.load(); }));
    ASSERT_TRUE(WaitFor([&] { return Outcome(1) == TaskOutcome::kRunning; }));
    auto t0 = std::chrono::steady_clock::now();
    agent->Stop();
    EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s) << "Stop waited for the copy";
    EXPECT_EQ(copy_->finished.load(), 0);
  }
  const int fetches = controller_.fetches();
  auto again = NewAgentWithJobs();
  copy_->released = true;
  ASSERT_TRUE(again->Start());
  ASSERT_TRUE(WaitFor([&] { return Outcome(1) == TaskOutcome::kApplied; }));
  EXPECT_EQ(copy_->started.load(), 1) << "the new driver ran the job once";
  EXPECT_EQ(again->AppliedRevision(), 1);
  EXPECT_GE(controller_.fetches(), fetches);
  again->Stop();
}

TEST_F(AgentJobTest, ABadSpecFailsAtOnceAndAFailureIsReported) {
  auto agent = NewAgentWithJobs();
  ASSERT_TRUE(agent->Start());
  controller_.Add(CopyTask(1, {{"what", "no bytes"}}));
  ASSERT_TRUE(WaitFor([&] { return Outcome(1).has_value(); }));
  EXPECT_EQ(Outcome(1), TaskOutcome::kFailed);
  EXPECT_EQ(copy_->started.load(), 0) << "a spec that does not check is never worked on";

  copy_->fail_with = ErrorCode::kIo;  // retryable
  copy_->released = true;
  controller_.Add(CopyTask(2));
  ASSERT_TRUE(WaitFor([&] { return Outcome(2) == TaskOutcome::kRetry; }));
  EXPECT_EQ(controller_.Result(2)->detail, "the copy broke");
  copy_->fail_with = ErrorCode::kForbidden;  // final
  controller_.Add(CopyTask(3));
  ASSERT_TRUE(WaitFor([&] { return Outcome(3) == TaskOutcome::kFailed; }));
  agent->Stop();
}

TEST_F(AgentTest, WakeFetchesWithoutAKey) {
  AgentOptions o;
  o.resync = std::chrono::hours(1);  // no periodic fetch during the test
  auto agent = NewFakeAgent(o);
  ASSERT_TRUE(agent->Start());
  ASSERT_TRUE(WaitFor([&] { return controller_.fetches() >= 1; }));
  controller_.Add(FakeSet(1, "w", "woken"), /*ring=*/false);
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(Content("w"), "<absent>") << "fetched without a key or a wake";
  agent->Wake();
  ASSERT_TRUE(WaitFor([&] { return Content("w") == "woken"; }));
  ASSERT_TRUE(WaitFor([&] { return controller_.Result(1).has_value(); }));
  agent->Stop();
}

// P7: revision 5 then 4 of the same object: the object stays at 5.
TEST_F(AgentTest, StaleRevisionIsSkipped) {
  controller_.Add(FakeSet(5, "x", "five"), false);
  auto agent = NewFakeAgent();
  ASSERT_TRUE(agent->Start());
  ASSERT_TRUE(WaitFor([&] { return controller_.Result(5).has_value(); }));
  auto old = FakeSet(4, "x", "four");
  old.id = 44;
  controller_.AddRetry(old);
  controller_.Add(FakeSet(6, "other", "six"));
  ASSERT_TRUE(WaitFor([&] { return controller_.Result(44).has_value(); }));
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
  ASSERT_TRUE(WaitFor([&] { return controller_.Result(2).has_value(); }));
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
  ASSERT_TRUE(WaitFor([&] { return controller_.fetches() >= 1; }));
  for (int i = 1; i <= 200; ++i) controller_.Add(FakeSet(i, "s" + std::to_string(i), "x"));
  ASSERT_TRUE(WaitFor([&] { return agent->AppliedRevision() == 200; }));
  ASSERT_TRUE(WaitFor([&] { return controller_.Result(200).has_value(); }));
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
  ASSERT_TRUE(WaitFor([&] { return controller_.Result(1).has_value(); }, 10s));
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
    ASSERT_TRUE(WaitFor([&] { return agent->AppliedRevision() == 1; }));
    agent->Stop();
  }
  EXPECT_FALSE(controller_.Result(1).has_value());
  controller_.set_refuse_reports(false);
  auto agent = NewFakeAgent();
  ASSERT_TRUE(agent->Start());
  ASSERT_TRUE(WaitFor([&] { return controller_.Result(1).has_value(); }));
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
  ASSERT_TRUE(WaitFor([&] { return controller_.Result(2).has_value(); }));
  ASSERT_TRUE(fs_.WriteFileAtomic(FakeDriver::Path("a"), "edited by hand", 0644));
  ASSERT_TRUE(fs_.RemoveFile(FakeDriver::Path("b")));
  // A resync may run between the two edits: then the files drift in two reports, one each.
  auto drift_reported = [&] {
    std::set<std::string> drifted;
    for (const auto& r : controller_.reports()) drifted.insert(r.drift.begin(), r.drift.end());
    return drifted.size() == 2;
  };
  ASSERT_TRUE(WaitFor(drift_reported));
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

// SECURITY rule 9: only what the pinned controller key signed for this node is applied. A
// rejected bundle leaves no trace (no file, no revision, no report) and the agent keeps fetching
// with backoff, so it converges once the bundles are genuine again.
TEST(AgentSignatureTest, AppliesOnlyBundlesSignedForItByThePinnedKey) {
  const SigningKey intruder = NewKey();
  struct Case {
    const char* name;
    std::function<void(protocol::Bundle&, const SigningKey& controller_key)> tamper;
    bool applied;
  };
  const Case cases[] = {
      {"signed by the controller", nullptr, true},
      {"spec changed after signing",
       [](protocol::Bundle& b, const SigningKey&) {
         for (auto& t : b.tasks) t.spec["content"] = "evil";
       },
       false},
      {"task added after signing",
       [](protocol::Bundle& b, const SigningKey&) { b.tasks.push_back(FakeSet(2, "b", "evil")); },
       false},
      {"signed by another key",
       [&](protocol::Bundle& b, const SigningKey&) {
         for (auto& t : b.tasks) t.spec["content"] = "evil";
         protocol::SignBundle(b, intruder);
       },
       false},
      {"another key, claiming to be the controller's",
       [&](protocol::Bundle& b, const SigningKey& controller_key) {
         protocol::SignBundle(b, intruder);
         b.signer = controller_key.public_key().ToString();
       },
       false},
      {"unsigned", [](protocol::Bundle& b, const SigningKey&) { b.sig.clear(); }, false},
      {"signed for another node",
       [](protocol::Bundle& b, const SigningKey& controller_key) {
         b.node = "web2";
         protocol::SignBundle(b, controller_key);
       },
       false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto bus = NewInProcessBus();
    FakeController controller(*bus);
    controller.Start();
    if (c.tamper) {
      controller.set_tamper([&](protocol::Bundle& b) { c.tamper(b, controller.key()); });
    }
    testing::TempRoot root;
    PosixFilesystem fs(root.path());
    SystemClock clock;
    controller.Add(FakeSet(1, "a", "genuine"), false);
    AgentOptions o;
    o.node = kNode;
    o.controller_key = controller.public_key();
    o.resync = 100ms;  // also caps the backoff after a rejection
    std::vector<std::unique_ptr<ServiceDriver>> drivers;
    drivers.push_back(std::make_unique<FakeDriver>(fs));
    auto agent =
        NewAgentWithDrivers(o, testing::TestLayout(0), *bus, fs, clock, std::move(drivers));
    ASSERT_TRUE(agent->Start());
    auto content = [&](const std::string& name) {
      auto got = fs.ReadFile(FakeDriver::Path(name));
      return got && *got ? **got : "<absent>";
    };

    if (c.applied) {
      ASSERT_TRUE(WaitFor([&] { return controller.Result(1).has_value(); }));
      EXPECT_EQ(controller.Result(1)->outcome, TaskOutcome::kApplied);
      EXPECT_EQ(content("a"), "genuine");
      EXPECT_EQ(agent->AppliedRevision(), 1);
      agent->Stop();
      continue;
    }
    // Fetched again and again (with backoff), rejected each time.
    ASSERT_TRUE(WaitFor([&] { return controller.fetches() >= 3; }));
    EXPECT_EQ(agent->AppliedRevision(), 0);
    EXPECT_EQ(content("a"), "<absent>");
    EXPECT_EQ(content("b"), "<absent>");
    EXPECT_TRUE(controller.reports().empty());

    controller.set_tamper(nullptr);
    ASSERT_TRUE(WaitFor([&] { return controller.Result(1).has_value(); }));
    EXPECT_EQ(controller.Result(1)->outcome, TaskOutcome::kApplied);
    EXPECT_EQ(content("a"), "genuine");
    agent->Stop();
  }
}

// A genuinely signed bundle whose head is below what the node applied is a replay: refused
// whole, nothing applied or reported, until a current bundle comes.
TEST(AgentSignatureTest, RefusesABundleOlderThanItsJournal) {
  auto bus = NewInProcessBus();
  FakeController controller(*bus);
  controller.Start();
  testing::TempRoot root;
  PosixFilesystem fs(root.path());
  SystemClock clock;
  controller.Add(FakeSet(1, "a", "first"), false);
  AgentOptions o;
  o.node = kNode;
  o.controller_key = controller.public_key();
  o.resync = 100ms;
  std::vector<std::unique_ptr<ServiceDriver>> drivers;
  drivers.push_back(std::make_unique<FakeDriver>(fs));
  auto agent = NewAgentWithDrivers(o, testing::TestLayout(0), *bus, fs, clock, std::move(drivers));
  ASSERT_TRUE(agent->Start());
  ASSERT_TRUE(WaitFor([&] { return agent->AppliedRevision() == 1; }));

  controller.set_tamper([&](protocol::Bundle& b) {
    b.head = 0;  // as an old bundle of this node would say, signed by the real key
    protocol::SignBundle(b, controller.key());
  });
  controller.Add(FakeSet(2, "b", "replayed"));
  const int fetched = controller.fetches();
  ASSERT_TRUE(WaitFor([&] { return controller.fetches() >= fetched + 3; }));
  EXPECT_EQ(agent->AppliedRevision(), 1);
  auto b = fs.ReadFile(FakeDriver::Path("b"));
  EXPECT_FALSE(b && *b) << "a stale bundle was applied";
  EXPECT_FALSE(controller.Result(2).has_value());

  controller.set_tamper(nullptr);
  ASSERT_TRUE(WaitFor([&] { return controller.Result(2).has_value(); }));
  EXPECT_EQ(agent->AppliedRevision(), 2);
  agent->Stop();
}

TEST(AgentSignatureTest, RefusesToStartWithoutAPinnedKey) {
  auto bus = NewInProcessBus();
  FakeController controller(*bus);
  controller.Start();
  testing::TempRoot root;
  PosixFilesystem fs(root.path());
  SystemClock clock;
  AgentOptions o;
  o.node = kNode;
  std::vector<std::unique_ptr<ServiceDriver>> drivers;
  drivers.push_back(std::make_unique<FakeDriver>(fs));
  auto agent = NewAgentWithDrivers(o, testing::TestLayout(0), *bus, fs, clock, std::move(drivers));
  auto started = agent->Start();
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().code, ErrorCode::kInvalid);
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(controller.fetches(), 0);
}

// End to end with the real driver: a burst of sites through the bus, served by a real nginx.
TEST(AgentNginxTest, SitesThroughTheBusAreServed) {
  testing::NginxFixture env;
  auto started = env.Start();
  ASSERT_TRUE(started) << started.error().message;
  auto bus = NewInProcessBus();
  FakeController controller(*bus);
  controller.Start();
  PosixCommandRunner runner({"/usr/sbin/nginx"});
  SystemClock clock;
  AgentOptions o;
  o.node = kNode;
  o.controller_key = controller.public_key();
  o.test_break_domains = {"broken.example"};
  auto agent = NewAgent(o, env.layout(), *bus, env.fs(), runner, clock);
  ASSERT_TRUE(agent->Start());
  std::vector<std::string> domains = {"one.example", "two.example", "broken.example",
                                      "three.example"};
  int64_t rev = 0;
  for (const auto& d : domains) {
    protocol::SiteSpec s;
    s.domain = d;
    s.account = "carol";
    s.docroot = "sites/" + d;
    Task t;
    t.id = t.revision = ++rev;
    t.object_key = "site:" + d;
    t.kind = protocol::kSiteEnsure;
    t.spec = protocol::ToJson(s);
    controller.Add(t);
  }
  ASSERT_TRUE(WaitFor([&] { return controller.Result(rev).has_value(); }, 15s));
  ASSERT_TRUE(WaitFor([&] { return agent->AppliedRevision() == rev; }, 15s));
  for (int64_t id = 1; id <= rev; ++id) {
    auto r = controller.Result(id);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->outcome, id == 3 ? TaskOutcome::kFailed : TaskOutcome::kApplied) << r->detail;
  }
  EXPECT_EQ(env.Get("one.example").status, 200);
  EXPECT_EQ(env.Get("three.example").status, 200);
  EXPECT_EQ(env.Get("broken.example").status, 0);
  EXPECT_LE(controller.reloads(), 4);
  agent->Stop();
}

}  // namespace
}  // namespace hostplane::agent
