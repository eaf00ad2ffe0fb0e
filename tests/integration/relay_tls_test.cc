// The relay tree with TLS on every listener and link, run for real (the plain tree and its
// permissions: relay_test.cc).

#include "relay_fixture.h"

namespace hostplane::testing {
namespace {

using namespace std::chrono_literals;

// The same tree with TLS on every listener and link, and client certificates required: a hub and
// site lon (web1). A test CA, made here with the openssl binary, signs the servers' certificate
// (SAN 127.0.0.1) and one client certificate used by the controller, the leaf link and web1.
// Another CA stands for "a client that does not know ours".
class TlsTree : public ServerPrefix {
 public:
  Status Start() {
    HP_TRY(setup_);
    HP_TRY(MakePki());
    HP_TRY(
        Hostplane({"relay", "config", "hub", "--out", prefix_ + "/hub", "--listen", "127.0.0.1",
                   "--port", std::to_string(hub_port()), "--leaf-port",
                   std::to_string(hub_leaf_port()), "--site", "lon:web1", "--tls-cert",
                   pki("server.pem"), "--tls-key", pki("server.key"), "--tls-ca", pki("ca.pem")}));
    HP_TRY(Hostplane({"relay",
                      "config",
                      "site",
                      "lon",
                      "--hub",
                      "tls://127.0.0.1:" + std::to_string(hub_leaf_port()),
                      "--hub-tls-ca",
                      pki("ca.pem"),
                      "--hub-tls-cert",
                      pki("client.pem"),
                      "--hub-tls-key",
                      pki("client.key"),
                      "--leaf-password-file",
                      prefix_ + "/hub/leaf-lon.password",
                      "--listen",
                      "127.0.0.1",
                      "--port",
                      std::to_string(leaf_port()),
                      "--node",
                      "web1",
                      "--tls-cert",
                      pki("server.pem"),
                      "--tls-key",
                      pki("server.key"),
                      "--tls-ca",
                      pki("ca.pem"),
                      "--out",
                      prefix_ + "/lon"}));
    HP_TRY(StartServer("hub", prefix_ + "/hub/hub.conf", hub_port()));
    return StartServer("lon", prefix_ + "/lon/lon.conf", leaf_port());
  }

  // kPlain: a nats:// URL and no TLS options (cnats then tries TLS with the system's CAs).
  enum class Client { kTls, kPlain, kOtherCa, kNoClientCert };

  // Speaks the client protocol in plain text to the hub (hub) or the leaf: connects with the
  // right credentials and pings. Returns what the server answered to the ping ("" when it closed
  // the connection or said nothing within a second), and the INFO line in *info.
  std::string PlainTextPing(bool hub, std::string* info) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return "socket failed";
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(hub ? hub_port() : leaf_port()));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    timeval tv{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string got;
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
      char buf[4096];
      ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n > 0) *info = std::string(buf, static_cast<size_t>(n));
      nlohmann::json connect = {{"verbose", false},
                                {"user", hub ? "_controller" : "web1"},
                                {"pass", ReadPassword(hub ? prefix_ + "/hub/controller.password"
                                                          : prefix_ + "/lon/node-web1.password")}};
      std::string hello = "CONNECT " + connect.dump() + "\r\nPING\r\n";
      if (::send(fd, hello.data(), hello.size(), MSG_NOSIGNAL) > 0) {
        while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) got.append(buf, static_cast<size_t>(n));
      }
    }
    ::close(fd);
    return got;
  }

  // The controller on the hub (hub) or web1 on lon's leaf, connecting as `how`.
  Result<std::unique_ptr<Bus>> Connect(bool hub, Client how) {
    NatsOptions o;
    int port = hub ? hub_port() : leaf_port();
    o.servers = {std::string(how == Client::kPlain ? "nats" : "tls") +
                 "://127.0.0.1:" + std::to_string(port)};
    o.name = hub ? "relay-tls-controller" : "relay-tls-web1";
    o.user = hub ? "_controller" : "web1";
    o.password = ReadPassword(hub ? prefix_ + "/hub/controller.password"
                                  : prefix_ + "/lon/node-web1.password");
    o.inbox_prefix = hub ? "" : "_INBOX.web1";
    o.connect_timeout = 2s;
    if (how != Client::kPlain)
      o.tls_ca_file = pki(how == Client::kOtherCa ? "other-ca.pem" : "ca.pem");
    if (how != Client::kPlain && how != Client::kNoClientCert) {
      o.tls_cert_file = pki("client.pem");
      o.tls_key_file = pki("client.key");
    }
    return ConnectNatsBus(o);
  }

 private:
  int hub_port() const { return base_port_ + 7; }
  int hub_leaf_port() const { return base_port_ + 8; }
  int leaf_port() const { return base_port_ + 9; }
  std::string pki(const std::string& file) const { return prefix_ + "/pki/" + file; }

  Status Openssl(std::vector<std::string> args) {
    auto binary = FindProgram("openssl");
    if (!binary) return Fail(Error::NotFound("openssl is not installed"));
    args.insert(args.begin(), *binary);
    PosixCommandRunner runner({*binary});
    Command command;
    command.argv = args;
    auto out = runner.Run(command);
    if (!out) return Fail(out.error());
    if (!out->ok()) return Fail(Error::Internal("openssl " + args[1] + ": " + out->err));
    return Ok();
  }

  Status MakeCa(const std::string& name) {
    return Openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", pki(name + ".key"), "-out", pki(name + ".pem"), "-days",
                    "2", "-subj", "/CN=hostplane test " + name});
  }

  Status MakeCert(const std::string& name, const std::string& cn, const std::string& ext) {
    std::ofstream(pki(name + ".ext")) << ext;
    HP_TRY(Openssl({"req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", pki(name + ".key"), "-out", pki(name + ".csr"), "-subj",
                    "/CN=" + cn}));
    return Openssl({"x509", "-req", "-in", pki(name + ".csr"), "-CA", pki("ca.pem"), "-CAkey",
                    pki("ca.key"), "-CAcreateserial", "-days", "2", "-out", pki(name + ".pem"),
                    "-extfile", pki(name + ".ext")});
  }

  Status MakePki() {
    std::filesystem::create_directories(prefix_ + "/pki");
    HP_TRY(MakeCa("ca"));
    HP_TRY(MakeCa("other-ca"));
    HP_TRY(MakeCert("server", "127.0.0.1",
                    "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n"));
    return MakeCert("client", "hostplane-client", "extendedKeyUsage=clientAuth\n");
  }
};

class RelayTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tree_ = new TlsTree();
    start_ = tree_->Start();
  }
  static void TearDownTestSuite() {
    delete tree_;
    tree_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(start_) << start_.error().message << "\n" << (tree_ ? tree_->Logs() : "");
  }
  static inline TlsTree* tree_ = nullptr;
  static inline Status start_;
};

// Over TLS with client certificates: web1's request crosses the leaf link to the controller on the
// hub and is answered, and the controller's key reaches web1.
TEST_F(RelayTlsTest, RequestsAndKeysCrossTheTreeOverTls) {
  auto controller = tree_->Connect(/*hub=*/true, TlsTree::Client::kTls);
  ASSERT_READY(controller);
  auto sub = (*controller)->Subscribe("hp.ctl.tasks.*", "hp.controllers", [&](const BusMessage& m) {
    (void)(*controller)->Publish(m.reply, "bundle for " + m.data);
  });
  ASSERT_READY(sub);
  auto web1 = tree_->Connect(/*hub=*/false, TlsTree::Client::kTls);
  ASSERT_READY(web1);
  auto deadline = std::chrono::steady_clock::now() + 10s;
  Result<std::string> reply = Fail(Error::Timeout("no attempt"));
  while (!reply && std::chrono::steady_clock::now() < deadline) {
    reply = (*web1)->Request("hp.ctl.tasks.web1", "web1", 500ms);
  }
  ASSERT_TRUE(reply) << reply.error().message << "\n" << tree_->Logs();
  EXPECT_EQ(*reply, "bundle for web1");

  Inbox keys;
  auto key_sub = (*web1)->Subscribe("hp.node.web1.key", "", keys.Handler());
  ASSERT_READY(key_sub);
  deadline = std::chrono::steady_clock::now() + 10s;
  while (keys.Count("rev 1") == 0 && std::chrono::steady_clock::now() < deadline) {
    ASSERT_OK((*controller)->Publish("hp.node.web1.key", "rev 1"));
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_GT(keys.Count("rev 1"), 0) << tree_->Logs();
}

// A client that speaks plain text with the right password gets no PONG: the servers require TLS.
TEST_F(RelayTlsTest, PlainTextIsRefused) {
  for (bool hub : {true, false}) {
    SCOPED_TRACE(hub ? "hub" : "leaf");
    std::string info;
    std::string answer = tree_->PlainTextPing(hub, &info);
    EXPECT_NE(info.find("\"tls_required\":true"), std::string::npos) << info;
    EXPECT_EQ(answer.find("PONG"), std::string::npos) << answer;
  }
}

// Plain text, a client that does not trust the test CA, and a client without a certificate are
// all refused, on the hub and on the leaf; the right client gets in on both.
TEST_F(RelayTlsTest, ClientsWithoutTheRightTlsAreRefused) {
  struct Case {
    const char* name;
    TlsTree::Client how;
    bool ok;
  };
  const Case cases[] = {
      {"TLS, the CA and a client certificate", TlsTree::Client::kTls, true},
      {"plain nats://", TlsTree::Client::kPlain, false},
      {"another CA", TlsTree::Client::kOtherCa, false},
      {"no client certificate", TlsTree::Client::kNoClientCert, false},
  };
  for (bool hub : {true, false}) {
    for (const auto& c : cases) {
      SCOPED_TRACE(std::string(c.name) + (hub ? " on the hub" : " on the leaf"));
      auto bus = tree_->Connect(hub, c.how);
      EXPECT_EQ(bus.has_value(), c.ok) << (bus ? "" : bus.error().message);
    }
  }
}

}  // namespace
}  // namespace hostplane::testing
