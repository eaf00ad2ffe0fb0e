// A hosting server as on a fleet: `hostplane serve` on a real nats-server, and one NodeLab node
// with every role (its own nginx, PHP-FPM, Postfix + Dovecot, pure-ftpd, Knot and MariaDB, and
// the real `hostplane agent --config agent.toml` whose every service table RenderAgentConfig
// wrote). Through the CLI: a customer, a PHP site, a mailbox, a zone and a database, each
// checked with a real client (curl with a Host header, swaks then an IMAP login, kdig, a MariaDB
// login). Deleting the customer leaves no Unix user behind.

#include <gtest/gtest.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

#include "common/net/loopback.h"
#include "common/testing/nats_server.h"
#include "node_lab.h"
#include "test_support.h"

namespace hostplane::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kMailPassword = "MailSecret-4821";
constexpr const char* kDbPassword = "DbSecret-7731aa";

PosixCommandRunner& Clients() {
  static PosixCommandRunner runner(
      {HOSTPLANE_BIN, "/usr/bin/curl", "/usr/bin/kdig", "/usr/bin/mariadb", "/usr/bin/swaks"});
  return runner;
}

CommandOutput RunClient(std::vector<std::string> argv, const std::string& stdin_data = "",
                        std::map<std::string, std::string> env = {}) {
  Command cmd;
  cmd.argv = std::move(argv);
  cmd.stdin_data = stdin_data;
  cmd.env = std::move(env);
  cmd.timeout = 120s;
  auto r = Clients().Run(cmd);
  if (!r) return CommandOutput{-1, "", r.error().message};
  return *r;
}

// A 0600 file (credentials for curl's --netrc-file or mariadb's defaults file).
std::string SecretFile(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::trunc) << content;
  ::chmod(path.c_str(), 0600);
  return path;
}

// `hostplane serve` with no node yet, its data under dir.
class Controller {
 public:
  Status Start(const std::string& dir, const std::string& nats_url) {
    dir_ = dir;
    auto port = FreeLoopbackPort();
    if (!port) return Fail(port.error());
    api_port_ = *port;
    auto child = ChildProcess::Start({HOSTPLANE_BIN, "serve", "--data-dir", dir, "--api-port",
                                      std::to_string(api_port_), "--nats", nats_url},
                                     dir + ".log");
    if (!child) return Fail(child.error());
    serve_.emplace(std::move(*child));
    for (auto deadline = std::chrono::steady_clock::now() + 30s;
         std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(20ms)) {
      if (!serve_->Running()) return Fail(Error::Unavailable("hostplane serve exited:\n" + log()));
      std::string env = ReadFile(dir + "/hostplane.env");
      token_ = EnvValue(env, "HOSTPLANE_TOKEN");
      key_ = EnvValue(env, "HOSTPLANE_CONTROLLER_KEY");
      if (!token_.empty() && !key_.empty() &&
          ApiClient{api_port_, token_}.Call("GET", "/healthz").status == 200) {
        return Ok();
      }
    }
    return Fail(Error::Timeout("hostplane serve did not become ready:\n" + log()));
  }
  // `hostplane ARGS...` against this controller.
  CommandOutput Cli(const std::vector<std::string>& args, const std::string& stdin_data = "") {
    std::vector<std::string> argv = {HOSTPLANE_BIN};
    argv.insert(argv.end(), args.begin(), args.end());
    return RunClient(argv, stdin_data,
                     {{"HOSTPLANE_URL", "http://127.0.0.1:" + std::to_string(api_port_)},
                      {"HOSTPLANE_TOKEN", token_}});
  }
  const std::string& key() const { return key_; }
  std::string log() const { return ReadFile(dir_ + ".log"); }

 private:
  std::string dir_;
  int api_port_ = 0;
  std::string token_;
  std::string key_;
  std::optional<ChildProcess> serve_;
};

// curl's exit code for an IMAP SEARCH ALL as login (0: logged in; 67: login refused).
CommandOutput ImapSearch(const NodeLab& lab, const std::string& login,
                         const std::string& password) {
  std::string netrc = SecretFile(lab.prefix() + "/netrc",
                                 "machine 127.0.0.1 login " + login + " password " + password);
  return RunClient({"/usr/bin/curl", "-s", "--max-time", "10", "--netrc-file", netrc,
                    "imap://127.0.0.1:" + std::to_string(lab.ports().imap) + "/INBOX", "-X",
                    "SEARCH ALL"});
}

bool WaitForMail(const NodeLab& lab, const std::string& login, const std::string& password) {
  for (auto deadline = std::chrono::steady_clock::now() + 20s;
       std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(200ms)) {
    auto r = ImapSearch(lab, login, password);
    if (r.exit_code == 0 && r.out.find("SEARCH 1") != std::string::npos) return true;
  }
  return false;
}

TEST(AgentServices, EveryRoleOfAFleetNodeAnswersRealClients) {
  if (::geteuid() != 0) GTEST_SKIP() << "Unix users, Postfix and MariaDB need root";
  NatsServer nats;
  ASSERT_OK(nats.Start());
  NodeLabOptions options;
  options.node = "node1";
  options.nats_servers = {nats.url()};
  options.start_agent = false;  // the controller's key is known once serve runs
  NodeLab lab(options);
  ASSERT_OK(lab.Start());
  auto roles = lab.roles();
  for (const char* role : {"web", "mail", "dns", "db"}) {
    ASSERT_NE(std::find(roles.begin(), roles.end(), role), roles.end())
        << "no " << role << " role (daemon not installed?):\n"
        << lab.Logs();
  }
  Controller ctl;
  ASSERT_OK(ctl.Start(lab.prefix() + "/ctl", nats.url()));
  // The node is added with its address, as an operator adds a server: the default name server
  // of its zones (ns1) gets an A record. Without one a zone is invalid, and refused (issue 12).
  std::string role_list;
  for (const auto& role : roles) role_list += (role_list.empty() ? "" : ",") + role;
  auto added = ctl.Cli({"node", "add", "node1", "--roles", role_list, "--ipv4", "127.0.0.1"});
  ASSERT_EQ(added.exit_code, 0) << added.out << added.err;
  lab.SetControllerKey(ctl.key());
  ASSERT_OK(lab.StartAgent());
  // Every service table made it into the agent's configuration.
  std::string config = ReadFile(lab.config_path());
  for (const char* table : {"[account]", "[mail]", "[dns]", "[mariadb]", "[ftp]"}) {
    EXPECT_NE(config.find(table), std::string::npos) << table << " missing:\n" << config;
  }

  auto ok = [&](const std::vector<std::string>& args, const std::string& in = "") {
    auto r = ctl.Cli(args, in);
    EXPECT_EQ(r.exit_code, 0) << ::testing::PrintToString(args) << "\n"
                              << r.out << r.err << "\n"
                              << lab.Logs();
    return r.exit_code == 0;
  };
  ASSERT_TRUE(ok({"customer", "create", "acme", "--email", "ops@acme.example"}));
  // Whatever fails below, the customer goes: its Unix user is the machine's, not the prefix's.
  struct DeleteCustomer {
    Controller& ctl;
    bool done = false;
    ~DeleteCustomer() {
      if (!done) ctl.Cli({"customer", "delete", "acme", "--remove-content", "--wait"});
    }
  } cleanup{ctl};

  // A PHP site: the page runs as the account's Unix user.
  ASSERT_TRUE(ok({"site", "add", "acme.example", "--customer", "acme", "--php", "8.2", "--wait"}));
  struct passwd* pw = ::getpwnam(lab.UnixUser("acme").c_str());
  ASSERT_NE(pw, nullptr) << "no Unix user " << lab.UnixUser("acme");
  const uid_t uid = pw->pw_uid;
  const gid_t gid = pw->pw_gid;
  std::string page = lab.root() + "/home/acme/sites/acme.example/public/whoami.php";
  std::ofstream(page) << "<?php echo posix_geteuid();";
  ASSERT_EQ(::chown(page.c_str(), uid, gid), 0);
  auto php = CurlHost(lab.ports().http, "acme.example", "/whoami.php");
  EXPECT_EQ(php.status, 200) << php.body << lab.Logs();
  EXPECT_EQ(php.body, std::to_string(uid));

  // Mail: SMTP delivery with swaks, then an IMAP login that finds it.
  ASSERT_TRUE(ok(
      {"mailbox", "add", "info@acme.example", "--customer", "acme", "--password-stdin", "--wait"},
      std::string(kMailPassword) + "\n"));
  auto sent =
      RunClient({"/usr/bin/swaks", "--server", "127.0.0.1", "--port",
                 std::to_string(lab.ports().smtp), "--from", "probe@example.org", "--to",
                 "info@acme.example", "--body", "through the fleet node", "--timeout", "20"});
  EXPECT_EQ(sent.exit_code, 0) << sent.out << sent.err;
  EXPECT_TRUE(WaitForMail(lab, "info@acme.example", kMailPassword)) << lab.Logs();
  EXPECT_EQ(ImapSearch(lab, "info@acme.example", "Wrong-password-99").exit_code, 67);

  // DNS: Knot answers for the zone, and for its name server at the node's address.
  ASSERT_TRUE(ok({"dns", "zone", "add", "acme.example", "--customer", "acme", "--wait"}));
  auto dig = [&](const char* name, const char* type) {
    return RunClient({"/usr/bin/kdig", "@127.0.0.1", "-p", std::to_string(lab.ports().dns),
                      "+short", "+timeout=2", "+retry=1", name, type});
  };
  auto soa = dig("acme.example", "SOA");
  EXPECT_EQ(soa.exit_code, 0) << soa.err;
  EXPECT_FALSE(soa.out.empty()) << "no SOA for acme.example\n" << lab.Logs();
  EXPECT_EQ(dig("ns1.acme.example", "A").out, "127.0.0.1\n");

  // A database: its user logs in over TCP and uses it.
  ASSERT_TRUE(ok({"db", "add", "acme_shop", "--customer", "acme", "--password-stdin", "--wait"},
                 std::string(kDbPassword) + "\n"));
  std::string defaults =
      SecretFile(lab.prefix() + "/my.cnf", std::string("[client]\npassword=") + kDbPassword + "\n");
  auto db = RunClient({"/usr/bin/mariadb", "--defaults-extra-file=" + defaults, "-h", "127.0.0.1",
                       "-P", std::to_string(lab.ports().db), "-u", "acme_shop", "-N", "-e",
                       "CREATE TABLE acme_shop.t (i INT); INSERT INTO acme_shop.t VALUES (7); "
                       "SELECT i FROM acme_shop.t"});
  EXPECT_EQ(db.exit_code, 0) << db.err;
  EXPECT_EQ(db.out, "7\n");

  // Deleting the customer removes its Unix user from the node.
  cleanup.done = true;
  ASSERT_TRUE(ok({"customer", "delete", "acme", "--remove-content", "--wait"}));
  EXPECT_EQ(::getpwnam(lab.UnixUser("acme").c_str()), nullptr)
      << lab.UnixUser("acme") << " is still in the passwd database";
  EXPECT_TRUE(lab.AgentRunning()) << lab.Logs();
}

// A db-only node: nginx (always) and MariaDB, no accounts or mail; its agent turns on only those
// drivers. Killed with SIGKILL, the agent leaves the daemons serving, and restarts.
TEST(AgentServices, ADbOnlyNodeRunsOnlyItsDaemonsAndOutlivesItsAgent) {
  if (::geteuid() != 0) GTEST_SKIP() << "MariaDB runs as the mysql user";
  NatsServer nats;
  ASSERT_OK(nats.Start());
  NodeLabOptions options;
  options.node = "db1";
  options.roles = {"db"};
  options.nats_servers = {nats.url()};
  // No controller answers: the agent keeps retrying it in the background.
  options.controller_key = "ed25519:l68A8uvpP0S/olNVf4JKZrHG5fqfgfub/SsS4FaKTZk=";
  NodeLab lab(options);
  ASSERT_OK(lab.Start());
  EXPECT_EQ(lab.roles(), std::vector<std::string>{"db"});
  EXPECT_EQ(lab.NodeSpec(), "db1:db");
  std::string config = ReadFile(lab.config_path());
  EXPECT_NE(config.find("[mariadb]"), std::string::npos) << config;
  for (const char* table : {"[account]", "[mail]", "[dns]", "[ftp]", "[acme]"}) {
    EXPECT_EQ(config.find(table), std::string::npos) << table << " in:\n" << config;
  }
  // nginx, mariadb, and content (copies when a node is drained).
  EXPECT_NE(ReadFile(lab.prefix() + "/agent.log").find("with 3 driver(s)"), std::string::npos)
      << lab.Logs();
  // nginx answers (444 for an unknown host: curl sees an empty reply), MariaDB too.
  EXPECT_EQ(CurlHost(lab.ports().http, "nothing.example").exit_code, 52);
  auto ping = [&] {
    return RunClient({"/usr/bin/mariadb", "--no-defaults", "-S",
                      lab.root() + "/run/mysqld/mysqld.sock", "-u", "root", "-N", "-e",
                      "SELECT 1"});
  };
  EXPECT_EQ(ping().out, "1\n");

  const int first = lab.agent_pid();
  lab.Kill();
  EXPECT_FALSE(lab.AgentRunning());
  EXPECT_EQ(ping().out, "1\n") << "MariaDB stopped with the agent";
  ASSERT_OK(lab.RestartAgent());
  EXPECT_TRUE(lab.AgentRunning());
  EXPECT_NE(lab.agent_pid(), first);
}

}  // namespace
}  // namespace hostplane::testing
