#pragma once

// The agent's test bench without a daemon: FakeController (the controller reduced to its bus
// contract: signed bundles, reports, hellos), WaitFor, and AgentTest, a fixture running one agent
// with a FakeDriver over an in-process bus. Header-only, for hp_agent_test.

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
#include "agent/batch_applier.h"
#include "agent/testing/driver_test_support.h"
#include "agent/testing/fake_driver.h"
#include "agent/testing/nginx_fixture.h"
#include "protocol/messages.h"

namespace hostplane::agent::testing {

using namespace std::chrono_literals;
using protocol::Task;
using protocol::TaskOutcome;

inline constexpr const char* kNode = "web1";

inline SigningKey NewKey() {
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
// True once pred is (polled every 2 ms, the agent loop's pace), false after timeout.
inline bool Eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 5s) {
  return WaitFor(pred, timeout, 2ms);
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
    return NewAgentWithDrivers(o, TestLayout(0), *bus_, fs_, clock_, std::move(drivers));
  }
  std::string Content(const std::string& name) {
    auto c = fs_.ReadFile(FakeDriver::Path(name));
    return c && *c ? **c : "<absent>";
  }

  std::unique_ptr<Bus> bus_ = NewInProcessBus();
  FakeController controller_{*bus_};
  TempRoot root_;
  PosixFilesystem fs_{root_.path()};
  SystemClock clock_;
  FakeDriver* driver_ = nullptr;
};

}  // namespace hostplane::agent::testing
