// The relay tree as `hostplane relay config` writes it, run for real: a nats-server hub and one
// site's leaf node (nodes web1 and web2), and cnats clients (common/nats) standing in for the
// controller on the hub and the agents on the leaf. Shows that requests and keys cross the leaf
// link, and that the per-node permissions keep a node away from another node's keys and from the
// replies to another node's requests.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>

#include "common/nats/nats_bus.h"
#include "test_support.h"

namespace hostplane::testing {
namespace {

using namespace std::chrono_literals;

// ASSERT_OK for a named Result that cannot be copied (a Bus, a Subscription).
#define ASSERT_READY(r) ASSERT_TRUE(r) << ((r) ? std::string() : (r).error().message)

std::string ReadFileText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string ReadPassword(const std::string& path) {
  std::string s = ReadFileText(path);
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

// Counts the messages a subscription received, by payload.
struct Inbox {
  std::mutex mu;
  std::vector<std::string> got;
  Bus::Handler Handler() {
    return [this](const BusMessage& m) {
      std::lock_guard lock(mu);
      got.push_back(m.data);
    };
  }
  int Count(const std::string& data) {
    std::lock_guard lock(mu);
    return static_cast<int>(std::count(got.begin(), got.end(), data));
  }
  size_t Size() {
    std::lock_guard lock(mu);
    return got.size();
  }
};

// The hub and the leaf of site "lon", configured by the real binary, in a temporary prefix with
// ports 25000 + 10 * slot (a flock'ed slot).
class RelayTree {
 public:
  RelayTree() {
    char tmpl[] = "/tmp/hprelay.XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) {
      setup_ = Fail(Error::FromErrno("mkdtemp", errno));
      return;
    }
    prefix_ = tmpl;
    for (int slot = 0; slot < 100 && slot_fd_ < 0; ++slot) {
      std::string path = "/tmp/hostplane-relay-slot." + std::to_string(slot);
      int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
      if (fd >= 0 && ::flock(fd, LOCK_EX | LOCK_NB) == 0) {
        slot_fd_ = fd;
        base_port_ = 25000 + 10 * slot;
      } else if (fd >= 0) {
        ::close(fd);
      }
    }
    if (slot_fd_ < 0) setup_ = Fail(Error::Unavailable("no free /tmp/hostplane-relay-slot.*"));
  }
  ~RelayTree() {
    chained_.reset();
    leaf_.reset();
    hub_.reset();
    if (!prefix_.empty() && std::getenv("HOSTPLANE_KEEP_TEST_PREFIX") == nullptr) {
      std::error_code ec;
      std::filesystem::remove_all(prefix_, ec);
    }
    if (slot_fd_ >= 0) ::close(slot_fd_);
  }

  Status Start() {
    HP_TRY(setup_);
    HP_TRY(Hostplane({"relay", "config", "hub", "--out", hub_dir(), "--listen", "127.0.0.1",
                      "--port", std::to_string(hub_port()), "--leaf-port",
                      std::to_string(hub_leaf_port()), "--site", "lon"}));
    HP_TRY(Hostplane({"relay",
                      "config",
                      "site",
                      "lon",
                      "--hub",
                      "nats-leaf://127.0.0.1:" + std::to_string(hub_leaf_port()),
                      "--leaf-password-file",
                      hub_dir() + "/leaf-lon.password",
                      "--listen",
                      "127.0.0.1",
                      "--port",
                      std::to_string(leaf_port()),
                      "--node",
                      "web1",
                      "--node",
                      "web2",
                      "--leaf-port",
                      std::to_string(leaf_leaf_port()),
                      "--site",
                      "fra",
                      "--out",
                      site_dir()}));
    // fra hangs below lon, not below the hub.
    HP_TRY(Hostplane({"relay", "config", "site", "fra", "--hub",
                      "nats-leaf://127.0.0.1:" + std::to_string(leaf_leaf_port()),
                      "--leaf-password-file", site_dir() + "/leaf-fra.password", "--listen",
                      "127.0.0.1", "--port", std::to_string(chained_port()), "--node", "web3",
                      "--out", chained_dir()}));
    for (const std::string& f : {hub_dir() + "/hub.conf", hub_dir() + "/controller.password",
                                 site_dir() + "/lon.conf", site_dir() + "/node-web1.password"}) {
      auto mode = std::filesystem::status(f).permissions();
      if (mode != (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write)) {
        return Fail(Error::Internal(f + " is not mode 0600"));
      }
    }
    HP_TRY(StartServer(hub_, hub_dir() + "/hub.conf", hub_port(), prefix_ + "/hub.log"));
    HP_TRY(StartServer(leaf_, site_dir() + "/lon.conf", leaf_port(), prefix_ + "/leaf.log"));
    return StartServer(chained_, chained_dir() + "/fra.conf", chained_port(),
                       prefix_ + "/chained.log");
  }

  std::string ControllerPassword() const {
    return ReadPassword(hub_dir() + "/controller.password");
  }
  std::string NodePassword(const std::string& node) const {
    return ReadPassword(site_dir() + "/node-" + node + ".password");
  }
  Result<std::unique_ptr<Bus>> ConnectController() {
    return Connect(hub_port(), "_controller", ControllerPassword());
  }
  // As the agent connects: with its own inbox prefix "_INBOX.<node>" (docs/relay.md), or, when
  // inbox_prefix is given, with that one ("" for cnats' default).
  Result<std::unique_ptr<Bus>> ConnectNode(const std::string& node,
                                           std::optional<std::string> inbox_prefix = {}) {
    std::string prefix = inbox_prefix.value_or("_INBOX." + node);
    if (node == "web3") {
      return Connect(chained_port(), node, ReadPassword(chained_dir() + "/node-web3.password"),
                     prefix);
    }
    return Connect(leaf_port(), node, NodePassword(node), prefix);
  }
  // hub: the hub's client port, else the leaf's.
  Result<std::unique_ptr<Bus>> ConnectAs(bool hub, const std::string& user,
                                         const std::string& password) {
    return Connect(hub ? hub_port() : leaf_port(), user, password);
  }
  Result<std::unique_ptr<Bus>> Connect(int port, const std::string& user,
                                       const std::string& password,
                                       const std::string& inbox_prefix = "") {
    NatsOptions o;
    o.servers = {"nats://127.0.0.1:" + std::to_string(port)};
    o.name = "relay-test-" + user;
    o.user = user;
    o.password = password;
    o.inbox_prefix = inbox_prefix;
    return ConnectNatsBus(o);
  }

  std::string Logs() const {
    return "--- hub:\n" + ReadFileText(prefix_ + "/hub.log") + "--- leaf:\n" +
           ReadFileText(prefix_ + "/leaf.log") + "--- chained leaf:\n" +
           ReadFileText(prefix_ + "/chained.log");
  }

 private:
  std::string hub_dir() const { return prefix_ + "/hub"; }
  std::string site_dir() const { return prefix_ + "/site"; }
  int hub_port() const { return base_port_; }
  int hub_leaf_port() const { return base_port_ + 1; }
  int leaf_port() const { return base_port_ + 2; }
  int leaf_leaf_port() const { return base_port_ + 3; }
  int chained_port() const { return base_port_ + 4; }
  std::string chained_dir() const { return prefix_ + "/chained"; }

  Status Hostplane(std::vector<std::string> args) {
    args.insert(args.begin(), HOSTPLANE_BIN);
    PosixCommandRunner runner({HOSTPLANE_BIN});
    Command command;
    command.argv = args;
    auto out = runner.Run(command);
    if (!out) return Fail(out.error());
    if (!out->ok()) {
      return Fail(Error::Internal("hostplane " + args[1] + " " + args[2] + " " + args[3] +
                                  " exited " + std::to_string(out->exit_code) + ":\n" + out->err));
    }
    return Ok();
  }

  Status StartServer(std::optional<ChildProcess>& process, const std::string& conf, int port,
                     const std::string& log) {
    auto binary = FindProgram("nats-server");
    if (!binary) return Fail(Error::NotFound("nats-server is not installed"));
    auto child = ChildProcess::Start({*binary, "-c", conf}, log);
    if (!child) return Fail(child.error());
    process.emplace(std::move(*child));
    auto deadline = std::chrono::steady_clock::now() + 15s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (!process->Running()) return Fail(Error::Unavailable("nats-server exited:\n" + Logs()));
      NatsOptions probe;
      probe.servers = {"nats://127.0.0.1:" + std::to_string(port)};
      probe.connect_timeout = 200ms;
      // Refused (no credentials) means it listens; unavailable means not yet.
      auto bus = ConnectNatsBus(probe);
      if (bus || bus.error().code == ErrorCode::kUnauthorized) return Ok();
      std::this_thread::sleep_for(10ms);
    }
    return Fail(Error::Timeout("nats-server did not listen on " + std::to_string(port)));
  }

  Status setup_;
  std::string prefix_;
  int slot_fd_ = -1;
  int base_port_ = 0;
  std::optional<ChildProcess> hub_;
  std::optional<ChildProcess> leaf_;
  std::optional<ChildProcess> chained_;
};

class RelayTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tree_ = new RelayTree();
    start_ = tree_->Start();
  }
  static void TearDownTestSuite() {
    delete tree_;
    tree_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(start_) << start_.error().message << "\n" << (tree_ ? tree_->Logs() : "");
  }

  // Requests until the controller answers: interest crosses the leaf link asynchronously.
  // The request goes to hp.ctl.tasks.<node>, the only tasks subject node may publish.
  static Result<std::string> RequestUntilAnswered(Bus& bus, const std::string& node,
                                                  const std::string& data,
                                                  const std::string& base = "hp.ctl.tasks") {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    Result<std::string> r = Fail(Error::Timeout("no attempt"));
    while (std::chrono::steady_clock::now() < deadline) {
      r = bus.Request(base + "." + node, data, 500ms);
      if (r) return r;
      std::this_thread::sleep_for(20ms);
    }
    return r;
  }

  // Publishes data from bus until inbox holds it once.
  static bool PublishUntilReceived(Bus& bus, const std::string& subject, const std::string& data,
                                   Inbox& inbox) {
    auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (!bus.Publish(subject, data)) return false;
      for (int i = 0; i < 10; ++i) {
        if (inbox.Count(data) > 0) return true;
        std::this_thread::sleep_for(10ms);
      }
    }
    return false;
  }

  static inline RelayTree* tree_ = nullptr;
  static inline Status start_;
};

// A controller on the hub answers web1's request made on the leaf.
TEST_F(RelayTest, RequestFromALeafNodeIsAnsweredByTheControllerOnTheHub) {
  auto controller = tree_->ConnectController();
  ASSERT_READY(controller);
  auto sub = (*controller)->Subscribe("hp.ctl.tasks.*", "hp.controllers", [&](const BusMessage& m) {
    (void)(*controller)->Publish(m.reply, "bundle for " + m.data);
  });
  ASSERT_READY(sub);
  auto web1 = tree_->ConnectNode("web1");
  ASSERT_READY(web1);
  auto reply = RequestUntilAnswered(**web1, "web1", "web1");
  ASSERT_OK(reply);
  EXPECT_EQ(*reply, "bundle for web1");
}

// Through a chain of two leaves (hub <- lon <- fra): web3 at fra gets its keys and its answers.
TEST_F(RelayTest, RequestsAndKeysCrossAChainOfLeaves) {
  auto controller = tree_->ConnectController();
  ASSERT_READY(controller);
  auto sub = (*controller)->Subscribe("hp.ctl.tasks.*", "hp.controllers", [&](const BusMessage& m) {
    (void)(*controller)->Publish(m.reply, "bundle for " + m.data);
  });
  ASSERT_READY(sub);
  auto web3 = tree_->ConnectNode("web3");
  ASSERT_READY(web3);
  auto reply = RequestUntilAnswered(**web3, "web3", "web3");
  ASSERT_OK(reply);
  EXPECT_EQ(*reply, "bundle for web3");
  Inbox keys;
  auto key_sub = (*web3)->Subscribe("hp.node.web3.key", "", keys.Handler());
  ASSERT_READY(key_sub);
  EXPECT_TRUE(PublishUntilReceived(**controller, "hp.node.web3.key", "rev 7", keys))
      << tree_->Logs();
}

// The controller's key for web1 reaches web1. web1's subscription to web2's key is refused: web2
// gets its key, web1 never does.
TEST_F(RelayTest, AKeyReachesItsNodeAndNoOtherNode) {
  auto controller = tree_->ConnectController();
  ASSERT_READY(controller);
  auto web1 = tree_->ConnectNode("web1");
  ASSERT_READY(web1);
  auto web2 = tree_->ConnectNode("web2");
  ASSERT_READY(web2);
  Inbox web1_own, web1_stolen, web2_own;
  auto s1 = (*web1)->Subscribe("hp.node.web1.key", "", web1_own.Handler());
  ASSERT_READY(s1);
  auto s2 = (*web1)->Subscribe("hp.node.web2.key", "", web1_stolen.Handler());
  ASSERT_READY(s2);  // accepted by the client; the server refuses it asynchronously
  auto s3 = (*web2)->Subscribe("hp.node.web2.key", "", web2_own.Handler());
  ASSERT_READY(s3);

  EXPECT_TRUE(PublishUntilReceived(**controller, "hp.node.web1.key", "rev 1", web1_own))
      << tree_->Logs();
  EXPECT_TRUE(PublishUntilReceived(**controller, "hp.node.web2.key", "rev 2", web2_own))
      << tree_->Logs();
  // web1 subscribed before web2: had the leaf accepted it, the keys for web2 that reached web2
  // would have reached web1 too. One more after a pause, for good measure.
  std::this_thread::sleep_for(200ms);
  ASSERT_OK((*controller)->Publish("hp.node.web2.key", "rev 3"));
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (web2_own.Count("rev 3") == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(web2_own.Count("rev 3"), 1);
  EXPECT_EQ(web1_stolen.Size(), 0u);
  EXPECT_EQ(web1_own.Count("rev 2"), 0);
}

// web1 cannot ring web2's doorbell: its publishes are dropped by the leaf, while the
// controller's get through.
TEST_F(RelayTest, ANodeCannotPublishAnotherNodesKey) {
  auto controller = tree_->ConnectController();
  ASSERT_READY(controller);
  auto answer =
      (*controller)->Subscribe("hp.ctl.tasks.*", "hp.controllers", [&](const BusMessage& m) {
        (void)(*controller)->Publish(m.reply, "ok");
      });
  ASSERT_READY(answer);
  auto web1 = tree_->ConnectNode("web1");
  ASSERT_READY(web1);
  auto web2 = tree_->ConnectNode("web2");
  ASSERT_READY(web2);
  Inbox web2_own;
  auto sub = (*web2)->Subscribe("hp.node.web2.key", "", web2_own.Handler());
  ASSERT_READY(sub);
  ASSERT_TRUE(PublishUntilReceived(**controller, "hp.node.web2.key", "ready", web2_own))
      << tree_->Logs();

  for (int i = 0; i < 5; ++i) ASSERT_OK((*web1)->Publish("hp.node.web2.key", "forged"));
  // A round trip on web1's connection: the leaf has handled the forged publishes before it
  // answers. Then the controller's marker: web2 would get anything forged before it.
  ASSERT_OK(RequestUntilAnswered(**web1, "web1", "web1"));
  ASSERT_TRUE(PublishUntilReceived(**controller, "hp.node.web2.key", "marker", web2_own));
  EXPECT_EQ(web2_own.Count("forged"), 0);
}

// web1 cannot report or say hello in web2's name: its publishes to web2's request subjects are
// dropped by the leaf, so the controller never sees them, while web1's own report is answered.
TEST_F(RelayTest, ANodeCannotPublishAnotherNodesReport) {
  auto controller = tree_->ConnectController();
  ASSERT_READY(controller);
  std::mutex mu;
  std::vector<std::string> seen;  // "<subject> <data>" of every request the controller got
  auto answer = (*controller)->Subscribe("hp.ctl.*.*", "hp.controllers", [&](const BusMessage& m) {
    {
      std::lock_guard lock(mu);
      seen.push_back(m.subject + " " + m.data);
    }
    if (!m.reply.empty()) (void)(*controller)->Publish(m.reply, "ack " + m.data);
  });
  ASSERT_READY(answer);
  auto web1 = tree_->ConnectNode("web1");
  ASSERT_READY(web1);

  // web1's own report is answered (and proves the controller's interest reached the leaf).
  auto own = RequestUntilAnswered(**web1, "web1", "web1 own", "hp.ctl.report");
  ASSERT_OK(own);
  EXPECT_EQ(*own, "ack web1 own");
  for (const char* subject : {"hp.ctl.report.web2", "hp.ctl.hello.web2", "hp.ctl.tasks.web2"}) {
    for (int i = 0; i < 3; ++i) ASSERT_OK((*web1)->Publish(subject, "forged"));
    auto asked = (*web1)->Request(subject, "forged request", 300ms);
    EXPECT_FALSE(asked) << subject;
  }
  // A round trip on web1's connection after the forgeries: the leaf has handled them by now.
  auto after = RequestUntilAnswered(**web1, "web1", "web1 after", "hp.ctl.report");
  ASSERT_OK(after);
  std::lock_guard lock(mu);
  for (const auto& s : seen) EXPECT_TRUE(s.starts_with("hp.ctl.report.web1 ")) << s;
  EXPECT_NE(std::find(seen.begin(), seen.end(), "hp.ctl.report.web1 web1 after"), seen.end());
}

// The controller's replies to web2 go to web2's inbox, which web1 may not read: web1's
// subscriptions to it and to every inbox are refused while web2 gets its answers, and web1's own
// requests are still answered. A node that asks with cnats' default inbox gets no answer at all.
TEST_F(RelayTest, ANodeCannotReadTheRepliesToAnotherNode) {
  auto controller = tree_->ConnectController();
  ASSERT_READY(controller);
  auto answer =
      (*controller)->Subscribe("hp.ctl.tasks.*", "hp.controllers", [&](const BusMessage& m) {
        (void)(*controller)->Publish(m.reply, "bundle for " + m.data);
      });
  ASSERT_READY(answer);
  auto web1 = tree_->ConnectNode("web1");
  ASSERT_READY(web1);
  auto web2 = tree_->ConnectNode("web2");
  ASSERT_READY(web2);
  // Subscribe's round trip: the leaf has handled (refused) these before web2 asks.
  Inbox stolen;
  auto s1 = (*web1)->Subscribe("_INBOX.web2.>", "", stolen.Handler());
  ASSERT_READY(s1);
  auto s2 = (*web1)->Subscribe("_INBOX.>", "", stolen.Handler());
  ASSERT_READY(s2);

  for (int i = 0; i < 3; ++i) {
    auto reply = RequestUntilAnswered(**web2, "web2", "web2 #" + std::to_string(i));
    ASSERT_OK(reply);
    EXPECT_EQ(*reply, "bundle for web2 #" + std::to_string(i));
  }
  auto own = RequestUntilAnswered(**web1, "web1", "web1");
  ASSERT_OK(own);
  EXPECT_EQ(*own, "bundle for web1");
  // web1's own reply came after web2's: any of web2's that reached web1 would be there by now.
  EXPECT_EQ(stolen.Size(), 0u) << tree_->Logs();

  // Without its prefix, web1's reply subscription (_INBOX.<unique>.*) is refused: no answer.
  auto plain = tree_->ConnectNode("web1", "");
  ASSERT_READY(plain);
  auto lost = (*plain)->Request("hp.ctl.tasks.web1", "web1 plain", 500ms);
  ASSERT_FALSE(lost);
  EXPECT_EQ(lost.error().code, ErrorCode::kTimeout) << lost.error().message;
}

// Only the right password of the right user gets in, on the leaf and on the hub.
TEST_F(RelayTest, WrongCredentialsAreRefused) {
  struct Case {
    const char* name;
    bool hub;
    std::string user;
    std::string password;
    bool ok;
  };
  const std::string web1 = tree_->NodePassword("web1");
  const std::string web2 = tree_->NodePassword("web2");
  const std::string controller = tree_->ControllerPassword();
  const Case cases[] = {
      {"its own password", false, "web1", web1, true},
      {"a wrong password", false, "web1", std::string(48, 'a'), false},
      {"another node's password", false, "web1", web2, false},
      {"an unknown user", false, "web3", web1, false},
      {"no credentials", false, "", "", false},
      {"the controller on the hub", true, "_controller", controller, true},
      {"a wrong controller password", true, "_controller", web1, false},
      {"a node on the hub", true, "web1", web1, false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto bus = tree_->ConnectAs(c.hub, c.user, c.password);
    EXPECT_EQ(bus.has_value(), c.ok);
    if (!c.ok && !bus) {
      EXPECT_EQ(bus.error().code, ErrorCode::kUnauthorized) << bus.error().message;
    }
  }
}

}  // namespace
}  // namespace hostplane::testing
