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

TEST(InProcessBus, StarMatchesExactlyOneToken) {
  auto bus = NewInProcessBus();
  Inbox star, exact;
  std::mutex mu;
  std::vector<std::string> subjects;  // the subjects the * subscription saw
  auto s1 = bus->Subscribe("hp.ctl.tasks.*", "ctl", [&](const BusMessage& m) {
    {
      std::lock_guard lock(mu);
      subjects.push_back(m.subject);
    }
    star.handler()(m);
  });
  auto s2 = bus->Subscribe("hp.*.tasks.web1", "", exact.handler());
  ASSERT_TRUE(s1 && s2);
  const struct {
    std::string subject;
    bool star;   // reaches "hp.ctl.tasks.*"
    bool inner;  // reaches "hp.*.tasks.web1"
  } cases[] = {
      {"hp.ctl.tasks.web1", true, true},    {"hp.ctl.tasks.web2", true, false},
      {"hp.ctl.tasks", false, false},       {"hp.ctl.tasks.web1.x", false, false},
      {"hp.ctl.report.web1", false, false}, {"hp.x.tasks.web1", false, true},
      {"hp.ctl.tasksweb1", false, false},
  };
  std::vector<std::string> want_star, want_inner;
  for (const auto& c : cases) {
    ASSERT_TRUE(bus->Publish(c.subject, c.subject));
    if (c.star) want_star.push_back(c.subject);
    if (c.inner) want_inner.push_back(c.subject);
  }
  // A last message each subscription gets, so every earlier one has been delivered or dropped.
  ASSERT_TRUE(bus->Publish("hp.ctl.tasks.web1", "end"));
  want_star.push_back("end");
  want_inner.push_back("end");
  ASSERT_TRUE(star.WaitFor(want_star.size()));
  ASSERT_TRUE(exact.WaitFor(want_inner.size()));
  std::scoped_lock lock(star.mu, exact.mu, mu);
  EXPECT_EQ(star.got, want_star);
  EXPECT_EQ(exact.got, want_inner);
  // The handler sees the subject that was published, not the pattern.
  EXPECT_EQ(subjects.front(), "hp.ctl.tasks.web1");
}

TEST(InProcessBus, RequestReachesAStarSubscription) {
  auto bus = NewInProcessBus();
  auto sub = bus->Subscribe("echo.*", "g", [&](const BusMessage& m) {
    (void)bus->Publish(m.reply, m.subject + ":" + m.data);
  });
  ASSERT_TRUE(sub);
  auto r = bus->Request("echo.web1", "hi", 1s);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(*r, "echo.web1:hi");
  auto none = bus->Request("echo.web1.x", "hi", 1s);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::kUnavailable);
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
