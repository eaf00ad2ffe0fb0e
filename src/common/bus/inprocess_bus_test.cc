#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "common/bus/bus.h"

namespace hostplane {
namespace {

using namespace std::chrono_literals;

// Collects messages delivered on another thread.
struct Inbox {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::string> got;
  Bus::Handler handler() {
    return [this](const BusMessage& m) {
      std::lock_guard lock(mu);
      got.push_back(m.data);
      cv.notify_all();
    };
  }
  bool WaitFor(size_t n, std::chrono::milliseconds t = 2s) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, t, [&] { return got.size() >= n; });
  }
};

TEST(InProcessBus, PublishReachesEverySubscriberInOrder) {
  auto bus = NewInProcessBus();
  Inbox a, b;
  auto sa = bus->Subscribe("hp.node.x.key", "", a.handler());
  auto sb = bus->Subscribe("hp.node.x.key", "", b.handler());
  ASSERT_TRUE(sa && sb);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(bus->Publish("hp.node.x.key", std::to_string(i)));
  ASSERT_TRUE(a.WaitFor(5));
  ASSERT_TRUE(b.WaitFor(5));
  EXPECT_EQ(a.got, (std::vector<std::string>{"0", "1", "2", "3", "4"}));
}

TEST(InProcessBus, QueueGroupDeliversEachMessageOnce) {
  auto bus = NewInProcessBus();
  Inbox a, b;
  auto sa = bus->Subscribe("hp.ctl.tasks", "ctl", a.handler());
  auto sb = bus->Subscribe("hp.ctl.tasks", "ctl", b.handler());
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(bus->Publish("hp.ctl.tasks", "m"));
  std::this_thread::sleep_for(100ms);
  std::scoped_lock lock(a.mu, b.mu);
  EXPECT_EQ(a.got.size() + b.got.size(), 10u);
  EXPECT_GT(a.got.size(), 0u);
  EXPECT_GT(b.got.size(), 0u);
}

TEST(InProcessBus, RequestGetsTheReply) {
  auto bus = NewInProcessBus();
  auto sub = bus->Subscribe(
      "echo", "g", [&](const BusMessage& m) { (void)bus->Publish(m.reply, "re:" + m.data); });
  auto r = bus->Request("echo", "hi", 1s);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, "re:hi");
}

TEST(InProcessBus, RequestWithoutRespondersIsUnavailable) {
  auto bus = NewInProcessBus();
  auto r = bus->Request("nobody", "hi", 1s);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
}

TEST(InProcessBus, RequestTimesOutWhenNobodyAnswers) {
  auto bus = NewInProcessBus();
  auto sub = bus->Subscribe("silent", "", [](const BusMessage&) {});
  auto r = bus->Request("silent", "hi", 50ms);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kTimeout);
}

TEST(InProcessBus, UnsubscribeStopsDelivery) {
  auto bus = NewInProcessBus();
  Inbox a;
  auto sa = bus->Subscribe("s", "", a.handler());
  ASSERT_TRUE(bus->Publish("s", "1"));
  ASSERT_TRUE(a.WaitFor(1));
  sa->reset();
  ASSERT_TRUE(bus->Publish("s", "2"));
  std::this_thread::sleep_for(50ms);
  std::lock_guard lock(a.mu);
  EXPECT_EQ(a.got.size(), 1u);
}

TEST(InProcessBus, FaultInjectionDropsKeysButNotRequests) {
  auto bus = NewInProcessBus({.drop_publish_prefix = "hp.node."});
  Inbox keys;
  auto sk = bus->Subscribe("hp.node.web1.key", "", keys.handler());
  auto sr = bus->Subscribe("hp.node.web1.rpc", "",
                           [&](const BusMessage& m) { (void)bus->Publish(m.reply, "ok"); });
  ASSERT_TRUE(bus->Publish("hp.node.web1.key", "{\"revision\":1}"));
  EXPECT_FALSE(keys.WaitFor(1, 100ms));
  auto r = bus->Request("hp.node.web1.rpc", "x", 1s);
  ASSERT_TRUE(r);
  EXPECT_EQ(*r, "ok");
}

}  // namespace
}  // namespace hostplane
