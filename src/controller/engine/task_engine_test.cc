#include "controller/engine/task_engine.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <iterator>
#include <mutex>
#include <optional>
#include <thread>

#include "common/bus/bus.h"
#include "common/signing_key.h"
#include "controller/store/temp_store_for_test.h"
#include "protocol/messages.h"

namespace hostplane::controller {
namespace {

using namespace std::chrono_literals;
using protocol::TaskOutcome;

class TaskEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bus_ = NewInProcessBus();
    ASSERT_TRUE(store_->Write([&](StoreTxn& tx) -> Status {
      Node n;
      n.name = "web1";
      n.roles = {"web"};
      n.capacity = 10;
      auto r = tx.nodes().Insert(n);
      if (!r) return Fail(r.error());
      node_id_ = r->id;
      return Ok();
    }));
  }

  void StartEngine(TaskEngineOptions options = {}) {
    engine_ = std::make_unique<TaskEngine>(*store_, *bus_, store_.clock(), key_, options);
    ASSERT_TRUE(engine_->Start());
  }

  TaskRecord AppendTask(const std::string& object) {
    TaskRecord out;
    EXPECT_TRUE(store_->Write([&](StoreTxn& tx) -> Status {
      auto t = tx.tasks().Append(
          {node_id_, object, protocol::kSiteEnsure, Json{{"domain", object}}, std::nullopt});
      if (!t) return Fail(t.error());
      out = *t;
      return Ok();
    }));
    return out;
  }

  // Every bundle, refusals included, must carry the engine's signature.
  // subject_node: the node whose subject the request is sent on.
  protocol::Bundle FetchRaw(const std::string& request, const std::string& subject_node = "web1") {
    auto reply = bus_->Request(protocol::TasksSubject(subject_node), request, 5s);
    EXPECT_TRUE(reply.has_value());
    auto bundle = protocol::DecodeBundle(reply.value_or(""));
    EXPECT_TRUE(bundle.has_value()) << reply.value_or("");
    if (!bundle) return protocol::Bundle{};
    auto verified = protocol::VerifyBundle(*bundle, key_.public_key());
    EXPECT_TRUE(verified) << verified.error().message;
    return *bundle;
  }
  protocol::Bundle Fetch(const std::string& node, int64_t after) {
    return FetchRaw(protocol::Encode(protocol::FetchRequest{node, after, 100}), node);
  }

  protocol::Ack Report(const std::string& node, const TaskRecord& task, TaskOutcome outcome,
                       const std::string& detail = "", int reloads = 0,
                       std::optional<std::string> subject_node = std::nullopt) {
    protocol::Report report;
    report.node = node;
    report.results.push_back({task.id, task.revision, outcome, detail, 7});
    report.applied_revision = task.revision;
    report.drift = {"nginx/sites/x.conf"};
    report.reloads = reloads;
    auto reply = bus_->Request(protocol::ReportSubject(subject_node.value_or(node)),
                               protocol::Encode(report), 5s);
    EXPECT_TRUE(reply.has_value());
    auto ack = protocol::DecodeAck(reply.value_or(""));
    EXPECT_TRUE(ack.has_value()) << reply.value_or("");
    return ack.value_or(protocol::Ack{false, "no ack"});
  }

  TaskRecord Get(int64_t id) { return store_->GetTask(id)->value(); }

  static SigningKey NewKey() {
    auto key = SigningKey::Generate();
    EXPECT_TRUE(key);
    return *key;
  }

  SigningKey key_ = NewKey();
  TempStore store_;
  std::unique_ptr<Bus> bus_;
  std::unique_ptr<TaskEngine> engine_;
  int64_t node_id_ = 0;
};

TEST_F(TaskEngineTest, FetchAndReportRoundTrip) {
  StartEngine();
  auto a = AppendTask("site:a.example");
  auto b = AppendTask("site:b.example");
  auto bundle = Fetch("web1", 0);
  EXPECT_TRUE(bundle.error.empty()) << bundle.error;
  EXPECT_EQ(bundle.head, 2);
  EXPECT_FALSE(bundle.more);
  ASSERT_EQ(bundle.tasks.size(), 2u);
  EXPECT_EQ(bundle.tasks[0].id, a.id);
  EXPECT_EQ(bundle.tasks[0].kind, protocol::kSiteEnsure);
  EXPECT_EQ(bundle.tasks[0].spec, (Json{{"domain", "site:a.example"}}));
  EXPECT_EQ(bundle.tasks[1].revision, 2);

  store_.clock().Advance(300ms);
  auto ack = Report("web1", a, TaskOutcome::kApplied, "", 1);
  EXPECT_TRUE(ack.ok) << ack.error;
  EXPECT_TRUE(Report("web1", b, TaskOutcome::kFailed, "nginx: [emerg] bad").ok);
  EXPECT_EQ(Get(a.id).state, "applied");
  EXPECT_EQ(Get(b.id).state, "failed");
  EXPECT_EQ(Get(b.id).error, "nginx: [emerg] bad");
  auto node = store_->GetNode("web1")->value();
  EXPECT_EQ(node.applied_revision, 2);
  EXPECT_EQ(node.last_seen, store_.clock().NowMillis());
  EXPECT_EQ(node.drift, std::vector<std::string>{"nginx/sites/x.conf"});

  auto m = engine_->Metrics();
  EXPECT_EQ(m.reports, 2u);
  EXPECT_EQ(m.fetches, 1u);
  EXPECT_EQ(m.reloads, 1u);
  EXPECT_EQ(m.results["applied"], 1u);
  EXPECT_EQ(m.results["failed"], 1u);
  EXPECT_EQ(m.latency_count, 1u);
  EXPECT_DOUBLE_EQ(m.latency_sum_s, 0.3);
  ASSERT_EQ(m.latency_counts.size(), m.latency_buckets_s.size() + 1);
  // 0.3 s: not in the buckets up to 0.25, in every one from 0.5, and in +Inf.
  for (size_t i = 0; i < m.latency_buckets_s.size(); ++i) {
    EXPECT_EQ(m.latency_counts[i], m.latency_buckets_s[i] >= 0.3 ? 1u : 0u) << i;
  }
  EXPECT_EQ(m.latency_counts.back(), 1u);

  // A result for a final task changes nothing.
  EXPECT_TRUE(Report("web1", a, TaskOutcome::kFailed, "late").ok);
  EXPECT_EQ(Get(a.id).state, "applied");
}

// On NATS a bundle is answered only to the node's own inbox (_INBOX.<node>.), which no other
// node may read.
TEST_F(TaskEngineTest, WithNodeInboxesABundleGoesOnlyToTheNodesOwnInbox) {
  TaskEngineOptions options;
  options.require_node_inbox = true;
  StartEngine(options);
  AppendTask("site:a.example");
  const std::string request = protocol::Encode(protocol::FetchRequest{"web1", 0, 100});

  // Asked from another inbox (the in-process bus's default, or another node's): refused.
  auto refused = FetchRaw(request);
  EXPECT_TRUE(refused.tasks.empty());
  EXPECT_NE(refused.error.find("_INBOX.web1"), std::string::npos) << refused.error;

  // Asked from web1's own inbox: the tasks.
  std::mutex mu;
  std::condition_variable cv;
  std::optional<std::string> answer;
  auto inbox = bus_->Subscribe("_INBOX.web1.abc", "", [&](const BusMessage& m) {
    std::lock_guard lock(mu);
    answer = m.data;
    cv.notify_all();
  });
  ASSERT_TRUE(inbox);
  ASSERT_TRUE(bus_->Publish(protocol::TasksSubject("web1"), request, "_INBOX.web1.abc"));
  std::unique_lock lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, 5s, [&] { return answer.has_value(); }));
  auto bundle = protocol::DecodeBundle(*answer);
  ASSERT_TRUE(bundle);
  EXPECT_TRUE(bundle->error.empty()) << bundle->error;
  EXPECT_EQ(bundle->tasks.size(), 1u);
}

TEST_F(TaskEngineTest, UnknownNodesAndGarbageGetErrorReplies) {
  StartEngine();
  auto t = AppendTask("site:a.example");
  EXPECT_FALSE(Fetch("ghost", 0).error.empty());
  EXPECT_FALSE(Report("ghost", t, TaskOutcome::kApplied).ok);
  EXPECT_EQ(Get(t.id).state, "pending");
  for (const std::string& subject :
       {protocol::TasksSubject("web1"), protocol::ReportSubject("web1"),
        protocol::HelloSubject("web1")}) {
    auto reply = bus_->Request(subject, "{not json", 5s);
    ASSERT_TRUE(reply.has_value()) << subject;
    EXPECT_NE(reply->find("error"), std::string::npos) << subject << ": " << *reply;
  }
  auto hello = bus_->Request(protocol::HelloSubject("ghost"),
                             protocol::Encode(protocol::Hello{"ghost", "1.0", {}, 0, 0}), 5s);
  ASSERT_TRUE(hello.has_value());
  EXPECT_FALSE(protocol::DecodeAck(*hello)->ok);
}

// SECURITY rule 9: what the engine sends verifies against its key and no other.
TEST_F(TaskEngineTest, EveryBundleIsSignedWithTheControllerKey) {
  StartEngine();
  AppendTask("site:a.example");
  const protocol::Bundle bundles[] = {
      Fetch("web1", 0),                           // tasks
      Fetch("web1", 1),                           // nothing new
      Fetch("ghost", 0),                          // refused: unknown node
      FetchRaw("{not json"),                      // refused: not a request
      FetchRaw(R"({"node":"Web 1","after":0})"),  // refused: bad node name
  };
  ASSERT_EQ(bundles[0].tasks.size(), 1u);
  const SigningKey other = NewKey();
  for (const auto& b : bundles) {
    EXPECT_EQ(b.signer, key_.public_key().ToString());
    EXPECT_FALSE(protocol::VerifyBundle(b, other.public_key()));
  }
  for (size_t i = 2; i < std::size(bundles); ++i) EXPECT_FALSE(bundles[i].error.empty()) << i;
}

// A request is answered only in the name of the node its subject names: the relay lets node X
// publish only hp.ctl.*.X, so a body naming another node is someone speaking for it.
TEST_F(TaskEngineTest, RefusesABodyNamingAnotherNodeThanItsSubject) {
  StartEngine();
  auto t = AppendTask("site:a.example");
  ASSERT_TRUE(store_->Write([&](StoreTxn& tx) -> Status {
    Node n;
    n.name = "web2";
    n.roles = {"web"};
    n.capacity = 10;
    auto r = tx.nodes().Insert(n);
    if (!r) return Fail(r.error());
    return Ok();
  }));

  // Sent on web2's subjects in web1's name: refused, and web1 is untouched.
  auto fetched = FetchRaw(protocol::Encode(protocol::FetchRequest{"web1", 0, 100}), "web2");
  EXPECT_TRUE(fetched.tasks.empty());
  EXPECT_NE(fetched.error.find("hp.ctl.tasks.web1"), std::string::npos) << fetched.error;
  EXPECT_FALSE(Report("web1", t, TaskOutcome::kApplied, "", 0, "web2").ok);
  EXPECT_EQ(Get(t.id).state, "pending");
  auto hello = bus_->Request(protocol::HelloSubject("web2"),
                             protocol::Encode(protocol::Hello{"web1", "6.6.6", {}, 0, 0}), 5s);
  ASSERT_TRUE(hello.has_value());
  EXPECT_FALSE(protocol::DecodeAck(*hello)->ok);
  EXPECT_EQ(store_->GetNode("web1")->value().version, "");
  // The subject without a node token has no responder at all.
  for (const char* bare :
       {protocol::kSubjectTasks, protocol::kSubjectReport, protocol::kSubjectHello}) {
    auto reply = bus_->Request(bare, "{}", 5s);
    ASSERT_FALSE(reply.has_value()) << bare;
    EXPECT_EQ(reply.error().code, ErrorCode::kUnavailable) << bare;
  }

  // The same requests on web1's own subjects are answered.
  EXPECT_EQ(Fetch("web1", 0).tasks.size(), 1u);
  EXPECT_TRUE(Report("web1", t, TaskOutcome::kApplied).ok);
  EXPECT_EQ(Get(t.id).state, "applied");
}

// Reports of many nodes at once are recorded by several report threads, whose writes share the
// store's group commit: every one is answered and recorded, and each node ends at its last
// revision.
TEST_F(TaskEngineTest, ReportsOfManyNodesAtOnceAreAllRecorded) {
  constexpr int kNodes = 8, kTasksPerNode = 6;
  std::vector<int64_t> node_ids;
  for (int n = 0; n < kNodes; ++n) {
    ASSERT_TRUE(store_->Write([&](StoreTxn& tx) -> Status {
      Node node;
      node.name = "many" + std::to_string(n);
      node.roles = {"web"};
      node.capacity = 10;
      auto r = tx.nodes().Insert(node);
      if (!r) return Fail(r.error());
      node_ids.push_back(r->id);
      return Ok();
    }));
  }
  std::vector<std::vector<TaskRecord>> tasks(kNodes);
  for (int n = 0; n < kNodes; ++n) {
    for (int t = 0; t < kTasksPerNode; ++t) {
      ASSERT_TRUE(store_->Write([&](StoreTxn& tx) -> Status {
        auto r = tx.tasks().Append({node_ids[n], "site:s" + std::to_string(t) + ".example",
                                    protocol::kSiteEnsure, Json::object(), std::nullopt});
        if (!r) return Fail(r.error());
        tasks[n].push_back(*r);
        return Ok();
      }));
    }
  }
  StartEngine();
  std::vector<std::thread> agents;
  std::atomic<int> acked{0};
  for (int n = 0; n < kNodes; ++n) {
    agents.emplace_back([&, n] {
      for (const TaskRecord& t : tasks[n]) {
        if (Report("many" + std::to_string(n), t, TaskOutcome::kApplied).ok) ++acked;
      }
    });
  }
  for (auto& a : agents) a.join();
  EXPECT_EQ(acked.load(), kNodes * kTasksPerNode);
  for (int n = 0; n < kNodes; ++n) {
    for (const TaskRecord& t : tasks[n]) EXPECT_EQ(Get(t.id).state, "applied") << t.id;
    EXPECT_EQ(store_->GetNode("many" + std::to_string(n))->value().applied_revision, kTasksPerNode);
  }
  EXPECT_EQ(engine_->Metrics().reports, static_cast<uint64_t>(kNodes * kTasksPerNode));
}

TEST_F(TaskEngineTest, HelloUpdatesTheNode) {
  StartEngine();
  store_.clock().Advance(1s);
  auto reply =
      bus_->Request(protocol::HelloSubject("web1"),
                    protocol::Encode(protocol::Hello{"web1", "0.1.0", {"nginx 1.22"}, 0, 0.5}), 5s);
  ASSERT_TRUE(reply.has_value());
  EXPECT_TRUE(protocol::DecodeAck(*reply)->ok) << *reply;
  auto node = store_->GetNode("web1")->value();
  EXPECT_EQ(node.version, "0.1.0");
  EXPECT_EQ(node.drivers, std::vector<std::string>{"nginx 1.22"});
  EXPECT_EQ(node.last_seen, store_.clock().NowMillis());
}

TEST_F(TaskEngineTest, RetriesBackOffThenGiveUp) {
  TaskEngineOptions options;
  options.retry_base = 1000ms;
  options.retry_max = 1500ms;
  options.max_attempts = 4;
  options.tick = 1h;  // the retry thread stays out of this test
  StartEngine(options);
  auto t = AppendTask("site:a.example");
  const int64_t t0 = store_.clock().NowMillis();

  struct Step {
    int64_t delay_ms;  // expected backoff after this attempt; -1: gave up
  };
  const std::vector<Step> steps = {{1000}, {1500}, {1500}, {-1}};  // 1000, 2000 capped, ...
  int64_t now = t0;
  for (size_t i = 0; i < steps.size(); ++i) {
    ASSERT_TRUE(Report("web1", t, TaskOutcome::kRetry, "connection refused").ok);
    auto rec = Get(t.id);
    EXPECT_EQ(rec.attempts, static_cast<int>(i + 1));
    if (steps[i].delay_ms < 0) {
      EXPECT_EQ(rec.state, "failed");
      EXPECT_EQ(rec.error, "gave up after 4 attempts: connection refused");
      break;
    }
    EXPECT_EQ(rec.state, "retry") << "attempt " << i + 1;
    ASSERT_TRUE(rec.next_attempt_at.has_value());
    EXPECT_EQ(*rec.next_attempt_at, now + steps[i].delay_ms) << "attempt " << i + 1;
    // Not handed out again before it is due, then handed out whatever the agent's revision.
    EXPECT_TRUE(Fetch("web1", 1).tasks.empty());
    store_.clock().Advance(std::chrono::milliseconds(steps[i].delay_ms));
    now += steps[i].delay_ms;
    auto bundle = Fetch("web1", 1);
    ASSERT_EQ(bundle.tasks.size(), 1u);
    EXPECT_EQ(bundle.tasks[0].attempts, static_cast<int>(i + 1));
  }
  EXPECT_TRUE(Fetch("web1", 1).tasks.empty());
}

// A content copy works in the background on the agent: "running" is recorded without counting
// an attempt, the task is neither final nor handed out again, and the outcome that follows ends it.
TEST_F(TaskEngineTest, ARunningTaskWaitsForTheOutcomeThatFollows) {
  TaskEngineOptions options;
  options.max_attempts = 2;
  options.tick = 1h;
  StartEngine(options);
  auto t = AppendTask("transfer:1");
  ASSERT_TRUE(Report("web1", t, TaskOutcome::kRunning, "started in the background").ok);
  auto running = Get(t.id);
  EXPECT_EQ(running.state, "running");
  EXPECT_EQ(running.attempts, 0);
  EXPECT_EQ(running.error, "");
  EXPECT_FALSE(running.next_attempt_at.has_value());
  EXPECT_TRUE(Fetch("web1", 1).tasks.empty()) << "a running task is not sent again";
  auto still = engine_->Wait(t.id, 30ms);
  ASSERT_TRUE(still.has_value());
  EXPECT_EQ(still->state, "running") << "waiting ends only with the outcome";

  // One retry: the first attempt (running did not count), so not given up at max_attempts 2.
  ASSERT_TRUE(Report("web1", t, TaskOutcome::kRetry, "controller busy").ok);
  EXPECT_EQ(Get(t.id).state, "retry");
  EXPECT_EQ(Get(t.id).attempts, 1);
  ASSERT_TRUE(Report("web1", t, TaskOutcome::kRunning, "started in the background").ok);
  auto waited = std::async(std::launch::async, [&] { return engine_->Wait(t.id, 10s); });
  std::this_thread::sleep_for(20ms);
  ASSERT_TRUE(Report("web1", t, TaskOutcome::kApplied).ok);
  auto done = waited.get();
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->state, "applied");
  EXPECT_EQ(done->attempts, 2);
  // A late "running" cannot reopen it.
  ASSERT_TRUE(Report("web1", t, TaskOutcome::kRunning).ok);
  EXPECT_EQ(Get(t.id).state, "applied");
}

TEST_F(TaskEngineTest, NotifyAndDueRetriesRingTheNodesDoorbell) {
  TaskEngineOptions options;
  options.retry_base = 10ms;
  options.tick = 5ms;
  StartEngine(options);
  std::mutex mu;
  std::condition_variable cv;
  std::vector<int64_t> keys;
  auto sub = bus_->Subscribe(protocol::KeySubject("web1"), "", [&](const BusMessage& m) {
    auto key = protocol::DecodeKey(m.data);
    std::lock_guard lock(mu);
    keys.push_back(key ? key->revision : -1);
    cv.notify_all();
  });
  ASSERT_TRUE(sub.has_value());
  auto wait_for_keys = [&](size_t n) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, 5s, [&] { return keys.size() >= n; });
  };

  engine_->Notify("web1", 42);
  ASSERT_TRUE(wait_for_keys(1));
  EXPECT_EQ(keys[0], 42);

  auto t = AppendTask("site:a.example");
  ASSERT_TRUE(Report("web1", t, TaskOutcome::kRetry, "busy").ok);
  store_.clock().Advance(10ms);  // the retry is due: the retry thread rings without being asked
  ASSERT_TRUE(wait_for_keys(2));
  EXPECT_EQ(keys[1], 1);
  // The engine counts a key once Publish returned, which may be after the subscriber saw it.
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (engine_->Metrics().keys_sent < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_GE(engine_->Metrics().keys_sent, 2u);
}

TEST_F(TaskEngineTest, WaitWakesOnReportAndTimesOut) {
  StartEngine();
  auto t = AppendTask("site:a.example");
  auto started = std::chrono::steady_clock::now();
  auto waited = std::async(std::launch::async, [&] { return engine_->Wait(t.id, 10s); });
  std::this_thread::sleep_for(20ms);
  ASSERT_TRUE(Report("web1", t, TaskOutcome::kApplied).ok);
  auto result = waited.get();
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->state, "applied");
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);

  auto pending = AppendTask("site:b.example");
  auto timed_out = engine_->Wait(pending.id, 30ms);
  ASSERT_TRUE(timed_out.has_value());
  EXPECT_EQ(timed_out->state, "pending");

  auto missing = engine_->Wait(999, 10ms);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST_F(TaskEngineTest, WaitWakesWhenATaskIsSuperseded) {
  StartEngine();
  auto old = AppendTask("site:a.example");
  auto waited = std::async(std::launch::async, [&] { return engine_->Wait(old.id, 10s); });
  std::this_thread::sleep_for(20ms);
  auto newer = AppendTask("site:a.example");
  engine_->Notify("web1", newer.revision);  // what the ChangeRunner does after each commit
  auto result = waited.get();
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->state, "superseded");
}

}  // namespace
}  // namespace hostplane::controller
