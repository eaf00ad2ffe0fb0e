// NatsBus against a real nats-server on a loopback port (common/testing/nats_server.h): the Bus
// semantics of common/bus/bus.h, and what only a network bus has (reconnects, a server that is
// not there yet).

#include "common/nats/nats_bus.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "common/net/loopback.h"
#include "common/testing/nats_server.h"

namespace hostplane {
namespace {

using namespace std::chrono_literals;
using testing::NatsServer;

#define ASSERT_OK(expr)                                             \
  do {                                                              \
    const auto& hp_ok_ = (expr);                                    \
    ASSERT_TRUE(hp_ok_) << #expr << ": " << hp_ok_.error().message; \
  } while (0)

// Polls cond until it holds or the deadline passes.
template <typename F>
bool Eventually(F cond, std::chrono::milliseconds timeout = 5000ms) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (cond()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return cond();
}

// Messages a handler saw, thread-safe.
struct Inbox {
  std::mutex mu;
  std::vector<BusMessage> messages;
  Bus::Handler Handler() {
    return [this](const BusMessage& m) {
      std::lock_guard lock(mu);
      messages.push_back(m);
    };
  }
  size_t size() {
    std::lock_guard lock(mu);
    return messages.size();
  }
};

class NatsBusTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_OK(server_.Start()); }

  std::unique_ptr<Bus> Connect(const std::string& name, std::function<void()> on_reconnect = {},
                               std::function<void()> on_disconnect = {}) {
    NatsOptions o;
    o.servers = {server_.url()};
    o.name = name;
    o.reconnect_wait = 20ms;
    o.on_reconnect = std::move(on_reconnect);
    o.on_disconnect = std::move(on_disconnect);
    auto bus = ConnectNatsBus(o);
    EXPECT_TRUE(bus) << bus.error().message;
    return bus ? std::move(*bus) : nullptr;
  }

  NatsServer server_;
};

TEST_F(NatsBusTest, PublishReachesEverySubscriberInOrder) {
  auto a = Connect("a");
  auto b = Connect("b");
  ASSERT_TRUE(a && b);
  Inbox first, second;
  auto s1 = a->Subscribe("hp.node.web1.key", "", first.Handler());
  auto s2 = b->Subscribe("hp.node.web1.key", "", second.Handler());
  ASSERT_OK(s1);
  ASSERT_OK(s2);
  for (int i = 0; i < 50; ++i) ASSERT_OK(b->Publish("hp.node.web1.key", std::to_string(i)));
  ASSERT_OK(b->Publish("hp.node.web2.key", "other node"));
  ASSERT_OK(b->Publish("hp.node.web1.key", ""));  // an empty body is a message too
  ASSERT_TRUE(Eventually([&] { return first.size() == 51 && second.size() == 51; }))
      << first.size() << " " << second.size();
  for (Inbox* inbox : {&first, &second}) {
    for (int i = 0; i < 50; ++i) {
      EXPECT_EQ(inbox->messages[i].subject, "hp.node.web1.key");
      EXPECT_EQ(inbox->messages[i].data, std::to_string(i));
      EXPECT_EQ(inbox->messages[i].reply, "");
    }
    EXPECT_EQ(inbox->messages[50].data, "");
  }
}

TEST_F(NatsBusTest, QueueGroupDeliversEachMessageToOneMember) {
  auto ctl1 = Connect("ctl1");
  auto ctl2 = Connect("ctl2");
  auto watcher = Connect("watcher");
  auto agent = Connect("agent");
  Inbox m1, m2, all;
  auto s1 = ctl1->Subscribe("hp.ctl.report", "ctl", m1.Handler());
  auto s2 = ctl2->Subscribe("hp.ctl.report", "ctl", m2.Handler());
  auto s3 = watcher->Subscribe("hp.ctl.report", "", all.Handler());
  ASSERT_OK(s1);
  ASSERT_OK(s2);
  ASSERT_OK(s3);
  constexpr int kCount = 200;
  for (int i = 0; i < kCount; ++i) ASSERT_OK(agent->Publish("hp.ctl.report", std::to_string(i)));
  ASSERT_TRUE(Eventually([&] { return all.size() == kCount && m1.size() + m2.size() == kCount; }));
  std::this_thread::sleep_for(50ms);  // a duplicate would arrive by now
  EXPECT_EQ(m1.size() + m2.size(), static_cast<size_t>(kCount));
  std::map<std::string, int> seen;
  for (Inbox* inbox : {&m1, &m2}) {
    for (const auto& m : inbox->messages) ++seen[m.data];
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(kCount));
  for (const auto& [data, n] : seen) EXPECT_EQ(n, 1) << data;
}

TEST_F(NatsBusTest, RequestGetsTheReplyOfOneResponder) {
  auto ctl = Connect("ctl");
  auto agent = Connect("agent");
  std::atomic<int> handled{0};
  std::vector<std::unique_ptr<Subscription>> responders;
  for (int i = 0; i < 2; ++i) {
    auto sub = ctl->Subscribe("hp.ctl.tasks", "ctl", [&, bus = ctl.get()](const BusMessage& m) {
      ++handled;
      ASSERT_FALSE(m.reply.empty());
      ASSERT_TRUE(bus->Publish(m.reply, "bundle for " + m.data));
    });
    ASSERT_OK(sub);
    responders.push_back(std::move(*sub));
  }
  for (int i = 0; i < 20; ++i) {
    auto reply = agent->Request("hp.ctl.tasks", "after " + std::to_string(i), 2000ms);
    ASSERT_OK(reply);
    EXPECT_EQ(*reply, "bundle for after " + std::to_string(i));
  }
  EXPECT_EQ(handled.load(), 20);
}

// With an inbox prefix, the reply subject a responder sees is below it, and the reply arrives.
TEST_F(NatsBusTest, RequestsAreAnsweredBelowTheInboxPrefix) {
  auto ctl = Connect("ctl");
  NatsOptions o;
  o.servers = {server_.url()};
  o.name = "agent";
  o.inbox_prefix = "_INBOX.web1";
  auto agent = ConnectNatsBus(o);
  ASSERT_OK(agent);
  Inbox requests;
  auto sub = ctl->Subscribe("hp.ctl.tasks", "ctl", [&, bus = ctl.get()](const BusMessage& m) {
    requests.Handler()(m);
    ASSERT_TRUE(bus->Publish(m.reply, "bundle for " + m.data));
  });
  ASSERT_OK(sub);
  for (int i = 0; i < 3; ++i) {
    auto reply = (*agent)->Request("hp.ctl.tasks", std::to_string(i), 2000ms);
    ASSERT_OK(reply);
    EXPECT_EQ(*reply, "bundle for " + std::to_string(i));
  }
  ASSERT_EQ(requests.size(), 3u);
  for (const auto& m : requests.messages) {
    EXPECT_EQ(m.reply.rfind("_INBOX.web1.", 0), 0u) << m.reply;
  }
}

TEST_F(NatsBusTest, RequestErrorsNameTheirCause) {
  auto ctl = Connect("ctl");
  auto agent = Connect("agent");
  // Nobody listens: the server says so at once, long before the timeout.
  auto start = std::chrono::steady_clock::now();
  auto none = agent->Request("hp.ctl.tasks", "{}", 3000ms);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code, ErrorCode::kUnavailable) << none.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
  // Somebody listens but never answers.
  Inbox silent;
  auto sub = ctl->Subscribe("hp.ctl.tasks", "ctl", silent.Handler());
  ASSERT_OK(sub);
  start = std::chrono::steady_clock::now();
  auto late = agent->Request("hp.ctl.tasks", "{}", 150ms);
  ASSERT_FALSE(late);
  EXPECT_EQ(late.error().code, ErrorCode::kTimeout) << late.error().message;
  EXPECT_GE(std::chrono::steady_clock::now() - start, 140ms);  // cnats' timer is coarse
  EXPECT_EQ(silent.size(), 1u);
}

TEST_F(NatsBusTest, DestroyingASubscriptionWaitsForItsHandlerAndStopsDelivery) {
  auto bus = Connect("bus");
  std::atomic<bool> in_handler{false};
  std::atomic<int> calls{0};
  auto sub = bus->Subscribe("slow", "", [&](const BusMessage&) {
    in_handler = true;
    std::this_thread::sleep_for(200ms);
    ++calls;
    in_handler = false;
  });
  ASSERT_OK(sub);
  ASSERT_OK(bus->Publish("slow", "1"));
  ASSERT_OK(bus->Publish("slow", "2"));
  ASSERT_TRUE(Eventually([&] { return in_handler.load(); }));
  sub->reset();
  EXPECT_FALSE(in_handler.load()) << "destruction returned while the handler ran";
  int after = calls.load();
  ASSERT_OK(bus->Publish("slow", "3"));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(calls.load(), after) << "a handler ran after its subscription was destroyed";
}

TEST_F(NatsBusTest, ASubscriptionMayBeDestroyedFromItsOwnHandler) {
  auto bus = Connect("bus");
  std::unique_ptr<Subscription> sub;
  std::mutex mu;
  std::atomic<bool> done{false};
  auto made = bus->Subscribe("once", "", [&](const BusMessage&) {
    std::lock_guard lock(mu);
    sub.reset();
    done = true;
  });
  ASSERT_OK(made);
  {
    std::lock_guard lock(mu);
    sub = std::move(*made);
  }
  ASSERT_OK(bus->Publish("once", "x"));
  EXPECT_TRUE(Eventually([&] { return done.load(); }));
}

TEST_F(NatsBusTest, AThrowingHandlerDoesNotStopTheSubscription) {
  auto bus = Connect("bus");
  Inbox inbox;
  auto record = inbox.Handler();
  auto sub = bus->Subscribe("boom", "", [&](const BusMessage& m) {
    record(m);
    if (m.data == "throw") throw std::runtime_error("handler failed");
  });
  ASSERT_OK(sub);
  ASSERT_OK(bus->Publish("boom", "throw"));
  ASSERT_OK(bus->Publish("boom", "after"));
  ASSERT_TRUE(Eventually([&] { return inbox.size() == 2; }));
  EXPECT_EQ(inbox.messages[1].data, "after");
}

TEST_F(NatsBusTest, ReconnectsAfterAServerRestartAndTellsTheOwner) {
  std::atomic<int> agent_reconnects{0}, ctl_reconnects{0};
  auto ctl = Connect("ctl", [&] { ++ctl_reconnects; });
  auto agent = Connect("agent", [&] { ++agent_reconnects; });
  Inbox keys;
  auto sub = agent->Subscribe("hp.node.web1.key", "", keys.Handler());
  ASSERT_OK(sub);
  ASSERT_OK(ctl->Publish("hp.node.web1.key", "before"));
  ASSERT_TRUE(Eventually([&] { return keys.size() == 1; }));
  EXPECT_EQ(agent_reconnects.load(), 0);

  ASSERT_OK(server_.Restart());  // same port
  ASSERT_TRUE(Eventually([&] { return agent_reconnects >= 1 && ctl_reconnects >= 1; }, 10s))
      << "on_reconnect did not run: agent " << agent_reconnects << ", ctl " << ctl_reconnects;
  // The subscription was re-made by the client: a publish after the restart arrives.
  ASSERT_TRUE(Eventually(
      [&] {
        EXPECT_TRUE(ctl->Publish("hp.node.web1.key", "after"));
        return keys.size() >= 2;
      },
      10s));
  EXPECT_EQ(keys.messages.back().data, "after");
  // And request/reply works again in both directions.
  auto responder = ctl->Subscribe("hp.ctl.hello", "ctl", [&](const BusMessage& m) {
    EXPECT_TRUE(ctl->Publish(m.reply, "ok"));
  });
  ASSERT_OK(responder);
  auto reply = agent->Request("hp.ctl.hello", "{}", 2000ms);
  ASSERT_OK(reply);
  EXPECT_EQ(*reply, "ok");
}

TEST_F(NatsBusTest, PublishesDuringAnOutageAreBufferedAndSentOnReconnect) {
  // One connection publishes and subscribes: on reconnect cnats re-subscribes before it sends the
  // buffered publishes, so what was published during the outage must arrive.
  // Publishes are buffered once the client has noticed the outage; before that they go to the
  // dead socket (NATS core is at-most-once), so the test publishes after the notice.
  std::atomic<int> reconnects{0};
  std::atomic<int> disconnects{0};
  auto bus = Connect(
      "agent", [&] { ++reconnects; }, [&] { ++disconnects; });
  Inbox inbox;
  auto sub = bus->Subscribe("hp.ctl.report", "ctl", inbox.Handler());
  ASSERT_OK(sub);
  server_.Stop();
  ASSERT_TRUE(Eventually([&] { return disconnects.load() >= 1; }, 10s));
  for (int i = 0; i < 3; ++i) ASSERT_OK(bus->Publish("hp.ctl.report", std::to_string(i)));
  EXPECT_EQ(inbox.size(), 0u);
  ASSERT_OK(server_.Start());
  ASSERT_TRUE(Eventually([&] { return reconnects.load() >= 1; }, 10s));
  ASSERT_TRUE(Eventually([&] { return inbox.size() == 3; })) << inbox.size();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(inbox.messages[i].data, std::to_string(i));
}

TEST(NatsBusConnect, NoServerIsUnavailableUnlessRetryingInTheBackground) {
  auto port = FreeLoopbackPort();
  ASSERT_OK(port);
  NatsOptions o;
  o.servers = {"nats://127.0.0.1:" + std::to_string(*port)};
  o.connect_timeout = 200ms;
  auto refused = ConnectNatsBus(o);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable) << refused.error().message;

  std::atomic<int> connected{0};
  o.retry_on_failed_connect = true;
  o.reconnect_wait = 20ms;
  o.on_reconnect = [&] { ++connected; };
  auto bus = ConnectNatsBus(o);
  ASSERT_OK(bus);
  NatsServer server(*port);
  ASSERT_OK(server.Start());
  ASSERT_TRUE(Eventually([&] { return connected.load() == 1; }, 10s));
  Inbox inbox;
  auto sub = (*bus)->Subscribe("late", "", inbox.Handler());
  ASSERT_OK(sub);
  ASSERT_OK((*bus)->Publish("late", "hello"));
  EXPECT_TRUE(Eventually([&] { return inbox.size() == 1; }));
}

TEST(NatsBusConnect, ContradictoryOptionsAreRefusedBeforeConnecting) {
  struct Case {
    const char* name;
    std::function<void(NatsOptions&)> change;
  };
  const Case cases[] = {
      {"no server", [](NatsOptions& o) { o.servers.clear(); }},
      {"user and token",
       [](NatsOptions& o) {
         o.user = "agent";
         o.token = "t";
       }},
      {"token and creds",
       [](NatsOptions& o) {
         o.token = "t";
         o.creds_file = "/nonexistent.creds";
       }},
      {"password without user", [](NatsOptions& o) { o.password = "pw"; }},
      {"certificate without key", [](NatsOptions& o) { o.tls_cert_file = "/x.pem"; }},
      {"negative buffer", [](NatsOptions& o) { o.reconnect_buffer_bytes = -1; }},
      {"zero connect timeout", [](NatsOptions& o) { o.connect_timeout = 0ms; }},
      {"unreadable CA file", [](NatsOptions& o) { o.tls_ca_file = "/nonexistent/ca.pem"; }},
      {"wildcard inbox prefix", [](NatsOptions& o) { o.inbox_prefix = "_INBOX.>"; }},
  };
  for (const auto& c : cases) {
    NatsOptions o;
    o.servers = {"nats://127.0.0.1:1"};
    c.change(o);
    auto bus = ConnectNatsBus(o);
    ASSERT_FALSE(bus) << c.name;
    EXPECT_EQ(bus.error().code, ErrorCode::kInvalid) << c.name << ": " << bus.error().message;
  }
}

TEST(CheckInboxPrefixTest, AcceptsDottedTokensOnly) {
  struct Case {
    std::string prefix;
    bool ok;
  };
  const Case cases[] = {
      {"_INBOX", true},
      {"_INBOX.web1", true},
      {"_INBOX.web-2.a_b.C9", true},
      {"", false},
      {"_INBOX.>", false},
      {"_INBOX.*", false},
      {"_INBOX.web*", false},
      {"_INBOX.", false},
      {".web1", false},
      {"_INBOX..web1", false},
      {"_INBOX.web 1", false},
      {"_INBOX.web1\n", false},
      {"_INBOX.w\u00e9b", false},
      {"_INBOX." + std::string(122, 'a'), false},  // 129 characters
      {"_INBOX." + std::string(121, 'a'), true},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.prefix);
    Status s = CheckInboxPrefix(c.prefix);
    EXPECT_EQ(s.has_value(), c.ok);
    if (!c.ok && !s) {
      EXPECT_EQ(s.error().code, ErrorCode::kInvalid);
    }
  }
}

}  // namespace
}  // namespace hostplane
