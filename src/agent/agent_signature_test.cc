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
#include "agent/drivers/nginx/nginx_driver.h"
#include "agent/testing/agent_fixture.h"
#include "agent/testing/fake_driver.h"
#include "agent/testing/nginx_fixture.h"
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
      ASSERT_TRUE(Eventually([&] { return controller.Result(1).has_value(); }));
      EXPECT_EQ(controller.Result(1)->outcome, TaskOutcome::kApplied);
      EXPECT_EQ(content("a"), "genuine");
      EXPECT_EQ(agent->AppliedRevision(), 1);
      agent->Stop();
      continue;
    }
    // Fetched again and again (with backoff), rejected each time.
    ASSERT_TRUE(Eventually([&] { return controller.fetches() >= 3; }));
    EXPECT_EQ(agent->AppliedRevision(), 0);
    EXPECT_EQ(content("a"), "<absent>");
    EXPECT_EQ(content("b"), "<absent>");
    EXPECT_TRUE(controller.reports().empty());

    controller.set_tamper(nullptr);
    ASSERT_TRUE(Eventually([&] { return controller.Result(1).has_value(); }));
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
  ASSERT_TRUE(Eventually([&] { return agent->AppliedRevision() == 1; }));

  controller.set_tamper([&](protocol::Bundle& b) {
    b.head = 0;  // as an old bundle of this node would say, signed by the real key
    protocol::SignBundle(b, controller.key());
  });
  controller.Add(FakeSet(2, "b", "replayed"));
  const int fetched = controller.fetches();
  ASSERT_TRUE(Eventually([&] { return controller.fetches() >= fetched + 3; }));
  EXPECT_EQ(agent->AppliedRevision(), 1);
  auto b = fs.ReadFile(FakeDriver::Path("b"));
  EXPECT_FALSE(b && *b) << "a stale bundle was applied";
  EXPECT_FALSE(controller.Result(2).has_value());

  controller.set_tamper(nullptr);
  ASSERT_TRUE(Eventually([&] { return controller.Result(2).has_value(); }));
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
  ASSERT_TRUE(Eventually([&] { return controller.Result(rev).has_value(); }, 15s));
  ASSERT_TRUE(Eventually([&] { return agent->AppliedRevision() == rev; }, 15s));
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
