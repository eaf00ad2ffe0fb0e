// The controller and the agent as separate processes over NATS, as on many servers: a real
// nats-server, `hostplane serve`, `hostplane agent --config` and a private nginx the test runs in
// its own prefix (standing in for the server's system nginx). Each is killed or restarted on its
// own: the agent in the middle of a batch, nats-server in the middle of changes.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <thread>

#include "common/nats/nats_bus.h"
#include "common/net/loopback.h"
#include "common/testing/nats_server.h"
#include "test_support.h"

namespace hostplane::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kNode = "web1";

// nats-server + `hostplane serve` + `hostplane agent` + nginx, each its own process, all under one
// temporary prefix with ports from a flock'ed slot.
class SplitDeployment {
 public:
  struct Options {
    int resync_seconds = 30;
    int write_delay_ms = 0;
  };

  SplitDeployment() {
    char tmpl[] = "/tmp/hpn.XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) {
      setup_ = Fail(Error::FromErrno("mkdtemp", errno));
      return;
    }
    prefix_ = tmpl;
    ::chmod(prefix_.c_str(), 0755);  // nginx workers must traverse it
    const int slot = ClaimPortSlot("nats", 100, &slot_fd_, 23000, 10);
    if (slot < 0) {
      setup_ = Fail(Error::Unavailable("no free /tmp/hostplane-nats-slot.*"));
    } else {
      nats_port_ = 23000 + 10 * slot;
    }
    nats_.emplace(nats_port_);
  }

  ~SplitDeployment() {
    agent_.reset();
    serve_.reset();
    nginx_.reset();
    nats_.reset();
    if (!prefix_.empty() && std::getenv("HOSTPLANE_KEEP_TEST_PREFIX") == nullptr) {
      std::error_code ec;
      std::filesystem::remove_all(prefix_, ec);
    }
    if (slot_fd_ >= 0) ::close(slot_fd_);
  }

  Status Start(const Options& options) {
    HP_TRY(setup_);
    HP_TRY(nats_->Start());
    HP_TRY(StartServe());
    HP_TRY(StartNginx());
    HP_TRY(StartAgent(options));
    // The controller learns what the node runs from its first hello; a change made before it
    // would be sent as to a node with every driver (account.ensure included) and fail there.
    for (auto deadline = std::chrono::steady_clock::now() + 30s;
         std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(50ms)) {
      auto node = Api("GET", "/api/v1/nodes/web1");
      if (node.status == 200 && !node.json()["node"].value("drivers", Json::array()).empty()) {
        return Ok();
      }
    }
    return Fail(Error::Timeout("the agent's hello never reached the controller:\n" + Logs()));
  }

  Status StartServe() {
    auto child = ChildProcess::Start(
        {HOSTPLANE_BIN, "serve", "--data-dir", ctl_dir(), "--api-port", std::to_string(api_port()),
         "--nats", nats_->url(), "--node", std::string(kNode) + ":web"},
        prefix_ + "/serve.log");
    if (!child) return Fail(child.error());
    serve_.emplace(std::move(*child));
    auto deadline = std::chrono::steady_clock::now() + 30s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (!serve_->Running()) return Fail(Error::Unavailable("hostplane serve exited:\n" + Logs()));
      std::string env = ReadFile(ctl_dir() + "/hostplane.env");
      token_ = EnvValue(env, "HOSTPLANE_TOKEN");
      controller_key_ = EnvValue(env, "HOSTPLANE_CONTROLLER_KEY");
      if (!token_.empty() && Api("GET", "/healthz").status == 200) return Ok();
      std::this_thread::sleep_for(20ms);
    }
    return Fail(Error::Timeout("hostplane serve did not become ready:\n" + Logs()));
  }

  // The server's nginx: its main config includes the agent's sites directory.
  Status StartNginx() {
    std::string p = host_dir() + "/nginx";
    for (const char* dir : {"/sites", "/logs/sites", "/tmp"}) {
      std::filesystem::create_directories(p + dir);
    }
    std::filesystem::create_directories(host_dir() + "/home");
    for (const std::string& dir : {host_dir(), host_dir() + "/home", p, p + "/sites"}) {
      ::chmod(dir.c_str(), 0755);
    }
    std::ofstream conf(p + "/nginx.conf", std::ios::trunc);
    conf << "worker_processes 1;\npid " << p << "/nginx.pid;\nerror_log " << p
         << "/logs/error.log warn;\n"
         << (::geteuid() == 0 ? "user www-data;\n" : "") << "events { worker_connections 256; }\n"
         << "http {\n  include /etc/nginx/mime.types;\n  access_log off;\n"
         << "  client_body_temp_path " << p << "/tmp/body;\n  proxy_temp_path " << p
         << "/tmp/proxy;\n  fastcgi_temp_path " << p << "/tmp/fastcgi;\n  uwsgi_temp_path " << p
         << "/tmp/uwsgi;\n  scgi_temp_path " << p << "/tmp/scgi;\n"
         << "  server_names_hash_bucket_size 128;\n"
         << "  server { listen 127.0.0.1:" << http_port() << " default_server; return 444; }\n"
         << "  include " << p << "/sites/*.conf;\n}\n";
    conf.close();
    auto child =
        ChildProcess::Start({NginxBinary(), "-p", p, "-c", p + "/nginx.conf", "-g", "daemon off;"},
                            prefix_ + "/nginx.log");
    if (!child) return Fail(child.error());
    nginx_.emplace(std::move(*child));
    auto deadline = std::chrono::steady_clock::now() + 15s;
    while (std::chrono::steady_clock::now() < deadline) {
      if (!nginx_->Running()) return Fail(Error::Unavailable("nginx exited:\n" + Logs()));
      if (LoopbackAccepts(http_port())) return Ok();
      std::this_thread::sleep_for(5ms);
    }
    return Fail(Error::Timeout("nginx did not listen"));
  }

  Status StartAgent(const Options& options) {
    std::string p = host_dir() + "/nginx";
    std::ofstream conf(agent_config(), std::ios::trunc);
    conf << "node = \"" << kNode << "\"\ncontroller_key = \"" << controller_key_
         << "\"\nresync_seconds = " << options.resync_seconds << "\n"
         << "[nats]\nservers = [\"" << nats_->url() << "\"]\nreconnect_wait_ms = 50\n"
         << "[host]\nroot = \"" << host_dir() << "\"\nhome_root = \"home\"\nstate_dir = \"agent\"\n"
         << "[nginx]\nbinary = \"" << NginxBinary() << "\"\nconf = \"nginx/nginx.conf\"\n"
         << "prefix = \"nginx\"\nsites_dir = \"nginx/sites\"\npid_file = \"nginx/nginx.pid\"\n"
         << "log_dir = \"nginx/logs/sites\"\nmarker_file = \"nginx/sites/_hostplane-gen.conf\"\n"
         << "listen_address = \"127.0.0.1\"\nhttp_port = " << http_port() << "\n"
         << "user = \"" << (::geteuid() == 0 ? "www-data" : "") << "\"\n"
         << "[test]\nwrite_delay_ms = " << options.write_delay_ms << "\n";
    conf.close();
    auto child = ChildProcess::Start(
        {HOSTPLANE_BIN, "agent", "--config", agent_config(), "--enable-test-hooks"},
        prefix_ + "/agent.log", {{"HOSTPLANE_EXEC_AUDIT", prefix_ + "/exec.audit"}});
    if (!child) return Fail(child.error());
    agent_.emplace(std::move(*child));
    std::this_thread::sleep_for(50ms);
    if (!agent_->Running()) return Fail(Error::Unavailable("hostplane agent exited:\n" + Logs()));
    return Ok();
  }

  void KillAgent9() {
    if (agent_) agent_->Stop(SIGKILL, 5s);
    agent_.reset();
  }
  bool AgentRunning() { return agent_ && agent_->Running(); }
  bool ServeRunning() { return serve_ && serve_->Running(); }
  NatsServer& nats() { return *nats_; }

  int api_port() const { return nats_port_ + 1; }
  int http_port() const { return nats_port_ + 2; }
  std::string ctl_dir() const { return prefix_ + "/ctl"; }
  std::string host_dir() const { return prefix_ + "/host"; }
  std::string sites_dir() const { return host_dir() + "/nginx/sites"; }
  std::string agent_config() const { return prefix_ + "/agent.toml"; }
  const std::string& prefix() const { return prefix_; }

  std::string Logs() const {
    return "--- serve:\n" + ReadFile(prefix_ + "/serve.log") + "--- agent:\n" +
           ReadFile(prefix_ + "/agent.log") + "--- nginx:\n" + ReadFile(prefix_ + "/nginx.log") +
           "--- nats:\n" + nats_->log();
  }

  HttpResult Api(const std::string& method, const std::string& path, const Json& body = nullptr) {
    return ApiClient{api_port(), token_}.Call(method, path, body);
  }

  // Waits until every task is final and returns them; fails the test when one is not in time.
  std::vector<Json> WaitTasks(const std::vector<int64_t>& ids, std::chrono::seconds timeout) {
    auto r = ApiClient{api_port(), token_}.WaitTasks(ids, timeout);
    if (!r) {
      ADD_FAILURE() << r.error().message << "\n" << Logs();
      return {};
    }
    return *r;
  }

  // Creates a site of customer acme; returns its task ids.
  std::vector<int64_t> CreateSite(const std::string& domain) {
    auto r = Api("POST", "/api/v1/sites", {{"domain", domain}, {"customer", "acme"}});
    EXPECT_EQ(r.status, 201) << domain << ": " << r.body;
    return UpInstance::TaskIds(r.json());
  }
  void CreateCustomer() {
    auto r = Api("POST", "/api/v1/customers", {{"login", "acme"}, {"email", "ops@acme.example"}});
    EXPECT_EQ(r.status, 201) << r.body;
  }

  CurlResult Curl(const std::string& host) { return CurlHost(http_port(), host); }

 private:
  static std::string NginxBinary() { return FindProgram("nginx").value_or("/usr/sbin/nginx"); }

  Status setup_;
  std::string prefix_;
  int slot_fd_ = -1;
  int nats_port_ = 0;
  std::string token_;
  std::string controller_key_;
  std::optional<NatsServer> nats_;
  std::optional<ChildProcess> serve_;
  std::optional<ChildProcess> nginx_;
  std::optional<ChildProcess> agent_;
};

std::vector<int64_t> Concat(std::vector<int64_t> a, const std::vector<int64_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST(NatsSplit, ASiteCreatedThroughTheApiAnswersByHost) {
  SplitDeployment d;
  ASSERT_OK(d.Start({}));
  // This test's nats-server has no permissions, so an observer sees every reply: each must go to
  // the agent's own inbox prefix, "_INBOX.<node>" (docs/relay.md "Permissions").
  NatsOptions observer_options;
  observer_options.servers = {d.nats().url()};
  auto observer = ConnectNatsBus(observer_options);
  ASSERT_TRUE(observer) << observer.error().message;
  std::mutex replies_mu;
  std::vector<std::string> replies;
  auto replies_sub = (*observer)->Subscribe("_INBOX.>", "", [&](const BusMessage& m) {
    std::lock_guard lock(replies_mu);
    replies.push_back(m.subject);
  });
  ASSERT_TRUE(replies_sub) << replies_sub.error().message;
  d.CreateCustomer();
  std::vector<int64_t> ids;
  for (const char* domain : {"shop.acme.example", "blog.acme.example"}) {
    ids = Concat(ids, d.CreateSite(domain));
  }
  ASSERT_EQ(ids.size(), 2u);
  for (const auto& t : d.WaitTasks(ids, 60s)) EXPECT_EQ(t["state"], "applied") << t.dump();
  for (const char* domain : {"shop.acme.example", "blog.acme.example"}) {
    auto page = d.Curl(domain);
    EXPECT_EQ(page.status, 200) << domain << "\n" << d.Logs();
    EXPECT_NE(page.body.find(domain), std::string::npos) << page.body;
  }
  EXPECT_NE(d.Curl("unknown.example").status, 200);
  // The node reports through NATS: the controller saw the agent's hello and its revision.
  auto node = d.Api("GET", std::string("/api/v1/nodes/") + kNode).json();
  if (node.contains("node")) node = node["node"];
  EXPECT_TRUE(node.value("last_seen", Json()).is_string()) << node.dump();
  {
    std::lock_guard lock(replies_mu);
    EXPECT_FALSE(replies.empty());
    for (const auto& subject : replies) {
      EXPECT_EQ(subject.rfind(std::string("_INBOX.") + kNode + ".", 0), 0u) << subject;
    }
  }
  // No shell ran in the agent (P12): every program it started is nginx.
  std::string audit = ReadFile(d.prefix() + "/exec.audit");
  ASSERT_FALSE(audit.empty());
  for (size_t pos = 0; pos < audit.size();) {
    size_t end = audit.find('\n', pos);
    std::string line = audit.substr(pos, end - pos);
    pos = end == std::string::npos ? audit.size() : end + 1;
    std::string program = line.substr(0, line.find('\t'));
    EXPECT_TRUE(program.size() > 6 && program.substr(program.size() - 6) == "/nginx") << line;
  }
}

TEST(NatsSplit, AgentKilledMidBatchConvergesAfterRestartWithoutTornFilesOrDebris) {
  SplitDeployment d;
  ASSERT_OK(d.Start({.write_delay_ms = 40}));
  d.CreateCustomer();
  std::vector<std::string> domains;
  std::vector<int64_t> ids;
  for (int i = 0; i < 30; ++i) {
    domains.push_back("s" + std::to_string(i) + ".acme.example");
    ids = Concat(ids, d.CreateSite(domains.back()));
  }
  // Wait until the agent is in the middle of writing the batch, then kill -9 the agent alone.
  auto vhosts = [&] {
    size_t n = 0;
    for (const auto& name : ListDir(d.sites_dir())) n += name[0] != '.' && name[0] != '_';
    return n;
  };
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline && vhosts() < 5) {
    std::this_thread::sleep_for(5ms);
  }
  d.KillAgent9();
  ASSERT_TRUE(d.ServeRunning()) << "only the agent was to die";
  EXPECT_TRUE(std::filesystem::exists(d.host_dir() + "/agent/batch-nginx.cbor"))
      << "not killed mid-batch\n"
      << d.Logs();
  size_t written = 0;
  for (const auto& name : ListDir(d.sites_dir())) {
    if (name[0] == '.' || name[0] == '_') continue;  // temp files (removed at restart), marker
    std::string content = ReadFile(d.sites_dir() + "/" + name);
    ASSERT_FALSE(content.empty()) << name;
    EXPECT_EQ(content[content.find_last_not_of('\n')], '}') << name << " is torn:\n" << content;
    ++written;
  }
  EXPECT_LT(written, domains.size()) << "the kill did not land in the middle of the batch";

  ASSERT_OK(d.StartAgent({}));  // same journal, no write delay
  for (const auto& t : d.WaitTasks(ids, 90s)) EXPECT_EQ(t["state"], "applied") << t.dump();
  for (const auto& domain : domains) EXPECT_EQ(d.Curl(domain).status, 200) << domain;
  for (const auto& name : ListDir(d.sites_dir())) {
    EXPECT_EQ(name.find(".tmp"), std::string::npos) << "temp debris: " << name;
  }
  EXPECT_FALSE(std::filesystem::exists(d.host_dir() + "/agent/batch-nginx.cbor"));
}

TEST(NatsSplit, AgentReconnectsAfterNatsRestartsDuringChangesAndConverges) {
  SplitDeployment d;
  // No periodic resync within the test: only keys and the fetch after a reconnection can make
  // the agent converge.
  ASSERT_OK(d.Start({.resync_seconds = 3600}));
  d.CreateCustomer();
  auto first = d.CreateSite("before.acme.example");
  for (const auto& t : d.WaitTasks(first, 60s)) ASSERT_EQ(t["state"], "applied") << t.dump();

  std::vector<std::string> domains;
  std::vector<int64_t> ids;
  for (int i = 0; i < 8; ++i) {
    if (i == 3) d.nats().Stop();  // changes go on while the relay is down: the API still commits
    if (i == 6) ASSERT_OK(d.nats().Start());  // same port
    domains.push_back("during" + std::to_string(i) + ".acme.example");
    ids = Concat(ids, d.CreateSite(domains.back()));
    std::this_thread::sleep_for(30ms);
  }
  ASSERT_TRUE(d.AgentRunning() && d.ServeRunning()) << d.Logs();
  for (const auto& t : d.WaitTasks(ids, 60s)) EXPECT_EQ(t["state"], "applied") << t.dump();
  for (const auto& domain : domains) EXPECT_EQ(d.Curl(domain).status, 200) << domain;
  EXPECT_EQ(d.Curl("before.acme.example").status, 200) << "an older site stopped answering";
}

}  // namespace
}  // namespace hostplane::testing
