// The relay tree as `hostplane relay config` writes it, run for real: a nats-server hub and one
// site's leaf node (nodes web1 and web2), and cnats clients (common/nats) standing in for the
// controller on the hub and the agents on the leaf. Shows that requests and keys cross the leaf
// link, and that the per-node permissions keep a node away from another node's keys and from the
// replies to another node's requests.

#include "relay_fixture.h"

namespace hostplane::testing {
namespace {

using namespace std::chrono_literals;

// The hub, the leaf of site "lon" (nodes web1 and web2), the leaf of site "fra" chained below
// lon (web3), the leaf of site "ams" (db1, enrolled with its hash only), and a compromised lon.
class RelayTree : public ServerPrefix {
 public:
  Status Start() {
    HP_TRY(setup_);
    HP_TRY(
        Hostplane({"relay", "config", "hub", "--out", hub_dir(), "--listen", "127.0.0.1", "--port",
                   std::to_string(hub_port()), "--leaf-port", std::to_string(hub_leaf_port()),
                   "--site", "lon:web1,web2,web3", "--site", "ams:db1"}));
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
                      "fra:web3",
                      "--out",
                      site_dir()}));
    // fra hangs below lon, not below the hub.
    HP_TRY(Hostplane({"relay", "config", "site", "fra", "--hub",
                      "nats-leaf://127.0.0.1:" + std::to_string(leaf_leaf_port()),
                      "--leaf-password-file", site_dir() + "/leaf-fra.password", "--listen",
                      "127.0.0.1", "--port", std::to_string(chained_port()), "--node", "web3",
                      "--out", chained_dir()}));
    // ams's node db1 is enrolled: the controller gave its hash, the password stays with db1.
    auto db1_hash = BcryptHash(kDb1Password, 4);
    HP_TRY(db1_hash);
    std::filesystem::create_directories(ams_dir());
    std::ofstream(ams_dir() + "/users.json")
        << R"({"site":"ams","nodes":[{"node":"db1","password_hash":")" << *db1_hash << "\"}]}";
    HP_TRY(Hostplane({"relay", "config", "site", "ams", "--hub",
                      "nats-leaf://127.0.0.1:" + std::to_string(hub_leaf_port()),
                      "--leaf-password-file", hub_dir() + "/leaf-ams.password", "--listen",
                      "127.0.0.1", "--port", std::to_string(ams_port()), "--users-file",
                      ams_dir() + "/users.json", "--out", ams_dir()}));
    if (std::filesystem::exists(ams_dir() + "/node-db1.password")) {
      return Fail(Error::Internal("a password file was written for the enrolled node db1"));
    }
    // The configurations hold hashes, never the passwords handed out (lon.conf has its own
    // leaf password, in the URL it dials).
    std::string confs =
        ReadFileText(hub_dir() + "/hub.conf") + ReadFileText(site_dir() + "/lon.conf");
    for (const std::string& f :
         {hub_dir() + "/controller.password", site_dir() + "/node-web1.password",
          site_dir() + "/leaf-fra.password"}) {
      if (confs.find(ReadPassword(f)) != std::string::npos) {
        return Fail(Error::Internal("the password of " + f + " is in a configuration"));
      }
    }
    if (ReadFileText(hub_dir() + "/hub.conf").find(LeafPassword("lon")) != std::string::npos) {
      return Fail(Error::Internal("lon's leaf password is in hub.conf"));
    }
    // A compromised site lon: a nats-server of the attacker's own configuration (a client user
    // without any permissions) that logs in on the hub with lon's leaf password.
    std::ofstream(prefix_ + "/evil.conf")
        << "server_name: \"lon-evil\"\nhost: \"127.0.0.1\"\nport: " << evil_port()
        << "\nauthorization { users: [ { user: \"admin\", password: \"adminpw\" } ] }\n"
        << "leafnodes { remotes: [ { url: \"nats-leaf://lon:"
        << ReadPassword(hub_dir() + "/leaf-lon.password") << "@127.0.0.1:" << hub_leaf_port()
        << "\" } ] }\n";
    for (const std::string& f : {hub_dir() + "/hub.conf", hub_dir() + "/controller.password",
                                 hub_dir() + "/controller.bcrypt", site_dir() + "/lon.conf",
                                 site_dir() + "/node-web1.password"}) {
      auto mode = std::filesystem::status(f).permissions();
      if (mode != (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write)) {
        return Fail(Error::Internal(f + " is not mode 0600"));
      }
    }
    HP_TRY(StartServer("hub", hub_dir() + "/hub.conf", hub_port()));
    HP_TRY(StartServer("lon", site_dir() + "/lon.conf", leaf_port()));
    HP_TRY(StartServer("fra", chained_dir() + "/fra.conf", chained_port()));
    HP_TRY(StartServer("ams", ams_dir() + "/ams.conf", ams_port()));
    return StartServer("compromised-lon", prefix_ + "/evil.conf", evil_port());
  }

  static constexpr const char* kDb1Password = "db1-enrolled-password-0123456789";

  std::string ControllerPassword() const {
    return ReadPassword(hub_dir() + "/controller.password");
  }
  std::string LeafPassword(const std::string& site) const {
    return ReadPassword(hub_dir() + "/leaf-" + site + ".password");
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
    if (node == "db1") return Connect(ams_port(), node, kDb1Password, prefix);
    if (node == "web3") {
      return Connect(chained_port(), node, ReadPassword(chained_dir() + "/node-web3.password"),
                     prefix);
    }
    return Connect(leaf_port(), node, NodePassword(node), prefix);
  }
  // A client of the compromised site's server, asking with inbox_prefix.
  // A leaf connection to the hub that logs in as site lon and then speaks the leafnode protocol
  // by hand, as a patched nats-server would: it may send anything.
  std::unique_ptr<RawConnection> RawLeafAsLon() {
    auto raw = std::make_unique<RawConnection>(hub_leaf_port());
    nlohmann::json connect = {{"version", "2.9.10"},         {"user", "lon"},
                              {"pass", LeafPassword("lon")}, {"tls_required", false},
                              {"name", "raw-lon"},           {"headers", true}};
    raw->ReceiveUntil("\r\n", 2s);  // INFO
    raw->Send("CONNECT " + connect.dump() + "\r\nPING\r\n");
    return raw;
  }
  Result<std::unique_ptr<Bus>> ConnectEvil(const std::string& inbox_prefix) {
    return Connect(evil_port(), "admin", "adminpw", inbox_prefix);
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

 private:
  std::string hub_dir() const { return prefix_ + "/hub"; }
  std::string site_dir() const { return prefix_ + "/site"; }
  int hub_port() const { return base_port_; }
  int hub_leaf_port() const { return base_port_ + 1; }
  int leaf_port() const { return base_port_ + 2; }
  int leaf_leaf_port() const { return base_port_ + 3; }
  int chained_port() const { return base_port_ + 4; }
  std::string chained_dir() const { return prefix_ + "/chained"; }
  int ams_port() const { return base_port_ + 5; }
  int evil_port() const { return base_port_ + 6; }
  std::string ams_dir() const { return prefix_ + "/ams"; }
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
  RequestLog requests;  // "<subject> <data>" of every request the controller got
  auto answer = requests.Answer(**controller, "ack ");
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
  const auto seen = requests.Seen();
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

// Site lon's server is compromised (its own configuration, a client without permissions, logged
// in on the hub with lon's leaf password). The hub keeps it to lon's nodes: its keys and
// requests for db1 at site ams never arrive, it cannot read db1's keys or replies, while the
// controller's keys still reach db1, db1's requests are answered, and lon's own node web1 can
// still be spoken for through the link.
TEST_F(RelayTest, ACompromisedSiteCannotReachAnotherSitesNodes) {
  auto controller = tree_->ConnectController();
  ASSERT_READY(controller);
  RequestLog requests;  // "<subject> <data>" of every request the controller got
  auto answer = requests.Answer(**controller, "bundle for ");
  ASSERT_READY(answer);
  auto db1 = tree_->ConnectNode("db1");
  ASSERT_READY(db1);
  Inbox db1_keys;
  auto db1_sub = (*db1)->Subscribe("hp.node.db1.key", "", db1_keys.Handler());
  ASSERT_READY(db1_sub);
  ASSERT_TRUE(PublishUntilReceived(**controller, "hp.node.db1.key", "ready", db1_keys))
      << tree_->Logs();
  auto own = RequestUntilAnswered(**db1, "db1", "db1 before");
  ASSERT_OK(own);
  EXPECT_EQ(*own, "bundle for db1 before");

  // The compromised link works for lon's own nodes.
  auto evil_web1 = tree_->ConnectEvil("_INBOX.web1");
  ASSERT_READY(evil_web1);
  auto as_web1 = RequestUntilAnswered(**evil_web1, "web1", "via evil");
  ASSERT_OK(as_web1);
  EXPECT_EQ(*as_web1, "bundle for via evil");

  auto evil = tree_->ConnectEvil("_INBOX.db1");
  ASSERT_READY(evil);
  Inbox stolen;
  auto s1 = (*evil)->Subscribe("hp.node.db1.key", "", stolen.Handler());
  ASSERT_READY(s1);
  auto s2 = (*evil)->Subscribe("_INBOX.db1.>", "", stolen.Handler());
  ASSERT_READY(s2);
  auto s3 = (*evil)->Subscribe("hp.ctl.>", "", stolen.Handler());
  ASSERT_READY(s3);
  for (int i = 0; i < 5; ++i) ASSERT_OK((*evil)->Publish("hp.node.db1.key", "forged"));
  for (const char* subject : {"hp.ctl.tasks.db1", "hp.ctl.report.db1", "hp.ctl.hello.db1"}) {
    auto asked = (*evil)->Request(subject, "forged request", 300ms);
    EXPECT_FALSE(asked) << subject;
  }
  // Round trips through the compromised link: everything forged before has been handled.
  ASSERT_OK(RequestUntilAnswered(**evil_web1, "web1", "via evil after"));
  ASSERT_TRUE(PublishUntilReceived(**controller, "hp.node.db1.key", "marker", db1_keys));
  auto after = RequestUntilAnswered(**db1, "db1", "db1 after");
  ASSERT_OK(after);
  EXPECT_EQ(*after, "bundle for db1 after");
  ASSERT_OK(RequestUntilAnswered(**evil_web1, "web1", "via evil last"));

  EXPECT_EQ(db1_keys.Count("forged"), 0);
  // The compromised server hears its own forgeries; nothing of db1's or the controller's.
  for (const char* data : {"ready", "marker", "db1 after", "bundle for db1 after"}) {
    EXPECT_EQ(stolen.Count(data), 0) << data;
  }
  for (const auto& s : requests.Seen()) {
    EXPECT_EQ(s.find("forged"), std::string::npos) << s;
  }
}

// The same against a site server that ignores every rule (the leafnode protocol spoken by hand
// with lon's leaf login): it subscribes to db1's key, inbox and the controllers' requests, and
// sends a key for db1 and requests in db1's name. The hub keeps all of it in lon's account.
TEST_F(RelayTest, ARawLeafConnectionIsKeptToItsSite) {
  auto controller = tree_->ConnectController();
  ASSERT_READY(controller);
  RequestLog requests;  // "<subject> <data>" of every request the controller got
  auto answer = requests.Answer(**controller, "bundle for ");
  ASSERT_READY(answer);
  auto db1 = tree_->ConnectNode("db1");
  ASSERT_READY(db1);
  Inbox db1_keys;
  auto db1_sub = (*db1)->Subscribe("hp.node.db1.key", "", db1_keys.Handler());
  ASSERT_READY(db1_sub);
  ASSERT_TRUE(PublishUntilReceived(**controller, "hp.node.db1.key", "ready", db1_keys))
      << tree_->Logs();

  auto raw = tree_->RawLeafAsLon();
  ASSERT_NE(raw->ReceiveUntil("PONG", 5s).find("PONG"), std::string::npos) << tree_->Logs();
  ASSERT_TRUE(raw->Send("LS+ hp.node.db1.key\r\nLS+ _INBOX.db1.>\r\nLS+ hp.ctl.>\r\nLS+ >\r\n"));
  ASSERT_TRUE(
      raw->Send("LMSG hp.node.db1.key 6\r\nforged\r\n"
                "LMSG hp.ctl.tasks.db1 + _INBOX.db1.raw 6\r\nforged\r\n"
                "LMSG hp.ctl.report.db1 6\r\nforged\r\nPING\r\n"));
  // The hub answers the second PING once it has handled everything sent before it.
  std::string got = raw->ReceiveUntil("PONG\r\n", 5s, /*times=*/2);
  ASSERT_NE(got.find("PONG\r\n", got.find("PONG\r\n") + 1), std::string::npos) << got;

  ASSERT_TRUE(PublishUntilReceived(**controller, "hp.node.db1.key", "marker", db1_keys));
  auto after = RequestUntilAnswered(**db1, "db1", "db1 after");
  ASSERT_OK(after);
  EXPECT_EQ(*after, "bundle for db1 after");
  got = raw->ReceiveUntil("never", 300ms);
  EXPECT_EQ(db1_keys.Count("forged"), 0);
  for (const char* data : {"marker", "db1 after"}) {
    EXPECT_EQ(got.find(data), std::string::npos) << data << " reached the raw leaf:\n" << got;
  }
  const auto seen = requests.Seen();
  for (const auto& s : seen) EXPECT_EQ(s.find("forged"), std::string::npos) << s;
  EXPECT_NE(std::find(seen.begin(), seen.end(), "hp.ctl.tasks.db1 db1 after"), seen.end());
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
      {"a site's leaf login as a client", true, "lon", tree_->LeafPassword("lon"), false},
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
