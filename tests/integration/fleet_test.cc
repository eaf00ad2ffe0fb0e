// A fleet on one machine, every part real and its own process: a NATS hub and two site leaf
// nodes written by `hostplane relay config`, two controllers (`hostplane serve`) sharing one
// store, and three servers (tests/support/node_lab.h) whose agents join with one-time tokens:
//   site a: a-web (web, mail)      site b: b-web (web, dns), b-db (db)
// Accounts are provisioned across them and checked with real clients; then a leaf is stopped in
// the middle of a change, a controller is killed, a web role is drained, and a server with wrong
// credentials and a controller with the wrong key try to change something. CTest label: fleet.
//
// The servers run without per-account Unix users: on one machine two servers would hold the same
// account's uid under two names, which the account driver rightly refuses. Sites are served as
// the agent's user; services_test covers accounts on a single server.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "common/exec/command_runner.h"
#include "common/nats/nats_bus.h"
#include "common/net/loopback.h"
#include "fleet_lab.h"
#include "node_lab.h"
#include "test_support.h"

namespace hostplane::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kMailPw = "Mail-passw0rd-acme";

// The fleet of tests/support/fleet_lab.h, with a wait that fails the test.
class Fleet : public FleetLab {
 public:
  std::vector<Json> Wait(const Json& change, std::chrono::seconds timeout = 60s) {
    auto r = Client().WaitTasks(UpInstance::TaskIds(change), timeout);
    if (!r) {
      ADD_FAILURE() << r.error().message << "\n" << Logs();
      return {};
    }
    for (const auto& t : *r) EXPECT_EQ(t.value("state", ""), "applied") << t.dump();
    return *r;
  }
};

CommandOutput Kdig(int port, const std::string& name, const std::string& type) {
  return RunProgram({"/usr/bin/kdig", "@127.0.0.1", "-p", std::to_string(port), "+short",
                     "+timeout=2", "+retry=1", name, type},
                    {"/usr/bin/kdig"});
}

// The serial of a `kdig +short SOA` answer ("ns1.x. hostmaster.x. SERIAL ..."), 0 when none.
uint64_t Serial(const std::string& soa) {
  std::istringstream in(soa);
  std::string mname, rname;
  uint64_t serial = 0;
  in >> mname >> rname >> serial;
  return serial;
}

// The status nginx answers for Host on port (0: no vhost, the default server closes: 444).
int HttpStatus(int port, const std::string& host) { return CurlHost(port, host).status; }

bool WaitStatus(int port, const std::string& host, bool want_vhost, std::chrono::seconds t) {
  for (auto deadline = std::chrono::steady_clock::now() + t;
       std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(100ms)) {
    if ((HttpStatus(port, host) != 0) == want_vhost) return true;
  }
  return false;
}

TEST(Fleet, ProvisionAcrossSitesSurviveLeafAndControllerLossDrainAndRefuseForgeries) {
  if (!FindProgram("nats-server") || !FindProgram("nginx") || !FindProgram("knotd") ||
      !FindProgram("mariadbd")) {
    GTEST_SKIP() << "nats-server, nginx, knot and mariadb are needed (scripts/install-deps)";
  }
  Fleet fleet;
  ASSERT_TRUE(fleet.StartHub()) << fleet.Logs();
  ASSERT_TRUE(fleet.StartController(0, fleet.store_dir(), {"--shared-store"})) << fleet.Logs();
  ASSERT_TRUE(fleet.StartController(1, fleet.store_dir(), {"--shared-store"})) << fleet.Logs();

  // Three servers join (their tokens are spent), then each site's leaf is written with the
  // users the controller made at the join.
  ASSERT_TRUE(fleet.AddServer("a-web", "a", {"web", "mail"}));
  ASSERT_TRUE(fleet.AddServer("b-web", "b", {"web", "dns"}));
  ASSERT_TRUE(fleet.AddServer("b-db", "b", {"db"}));
  ASSERT_TRUE(fleet.StartLeaf("a")) << fleet.Logs();
  ASSERT_TRUE(fleet.StartLeaf("b")) << fleet.Logs();
  for (const char* node : {"a-web", "b-web", "b-db"}) {
    ASSERT_TRUE(fleet.WaitHealth(node, "up", 60s)) << node << "\n" << fleet.Logs();
  }
  {
    std::string list;
    ASSERT_TRUE(fleet.Hostplane({"node", "list"}, &list));
    EXPECT_NE(list.find("a-web"), std::string::npos) << list;
    EXPECT_NE(list.find(" up "), std::string::npos) << list;
  }

  // Provision: placement puts each service on a node of its role.
  auto r = fleet.Api("POST", "/api/v1/customers", {{"login", "acme"}, {"email", "o@acme.example"}});
  ASSERT_EQ(r.status, 201) << r.body;
  r = fleet.Api("POST", "/api/v1/sites", {{"domain", "acme.example"}, {"customer", "acme"}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.json()["site"]["node"], "a-web");
  fleet.Wait(r.json());
  r = fleet.Api("POST", "/api/v1/zones", {{"zone", "acme.example"}, {"customer", "acme"}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.json()["zone"]["node"], "b-web") << r.body;
  fleet.Wait(r.json());
  r = fleet.Api("POST", "/api/v1/databases",
                {{"name", "acme_shop"}, {"customer", "acme"}, {"password", "Db-passw0rd-acme"}});
  ASSERT_EQ(r.status, 201) << r.body;
  fleet.Wait(r.json());
  EXPECT_EQ(HttpStatus(fleet.lab("a-web").ports().http, "acme.example") != 0, true);
  EXPECT_EQ(HttpStatus(fleet.lab("b-web").ports().http, "acme.example"), 0);
  EXPECT_NE(Kdig(fleet.lab("b-web").ports().dns, "acme.example", "SOA").out, "");
  auto db = RunProgram(
      {"/usr/bin/mariadb",
       "--defaults-extra-file=" + fleet.Secret("my.cnf", "[client]\npassword=Db-passw0rd-acme\n"),
       "-h", "127.0.0.1", "-P", std::to_string(fleet.lab("b-db").ports().db), "-u", "acme_shop",
       "-N", "-e", "SELECT 1"},
      {"/usr/bin/mariadb"});
  EXPECT_EQ(db.exit_code, 0) << db.err;
  // Mail on a-web: SMTP delivery, then an IMAP login that finds it.
  r = fleet.Api("POST", "/api/v1/mailboxes",
                {{"address", "info@acme.example"}, {"customer", "acme"}, {"password", kMailPw}});
  ASSERT_EQ(r.status, 201) << r.body;
  fleet.Wait(r.json());
  const NodeLab& mail = fleet.lab("a-web");
  auto sent = RunProgram({"/usr/bin/swaks", "--server", "127.0.0.1", "--port",
                          std::to_string(mail.ports().smtp), "--from", "probe@example.org", "--to",
                          "info@acme.example", "--body", "across the fleet", "--timeout", "20"},
                         {"/usr/bin/swaks"});
  EXPECT_EQ(sent.exit_code, 0) << sent.out << sent.err;
  const std::string netrc = fleet.Secret(
      "netrc", std::string("machine 127.0.0.1 login info@acme.example password ") + kMailPw + "\n");
  bool delivered = false;
  for (auto deadline = std::chrono::steady_clock::now() + 20s;
       !delivered && std::chrono::steady_clock::now() < deadline;
       std::this_thread::sleep_for(200ms)) {
    auto imap = RunProgram(
        {"/usr/bin/curl", "-s", "--max-time", "10", "--netrc-file", netrc,
         "imap://127.0.0.1:" + std::to_string(mail.ports().imap) + "/INBOX", "-X", "SEARCH ALL"},
        {"/usr/bin/curl"});
    delivered = imap.exit_code == 0 && imap.out.find("SEARCH 1") != std::string::npos;
  }
  EXPECT_TRUE(delivered) << fleet.Logs();

  // A leaf goes away in the middle of a change: its node catches up when it returns.
  fleet.StopLeaf("a");
  std::string on_a;
  for (const char* d : {"two.acme.example", "three.acme.example"}) {
    r = fleet.Api("POST", "/api/v1/sites", {{"domain", d}, {"customer", "acme"}});
    ASSERT_EQ(r.status, 201) << r.body;
    if (r.json()["site"]["node"] == "a-web") {
      on_a = d;
      break;
    }
    fleet.Wait(r.json());
  }
  ASSERT_FALSE(on_a.empty()) << "least-loaded placement alternates between the web nodes";
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(HttpStatus(fleet.lab("a-web").ports().http, on_a), 0) << "applied without its leaf?";
  // Its task for a-web waits in the outbox (the zone's, for b-web, is applied meanwhile).
  for (const auto& t : r.json()["tasks"]) {
    if (t["node"] != "a-web") continue;
    auto now = fleet.Api("GET", "/api/v1/tasks/" + std::to_string(t["id"].get<int64_t>()));
    EXPECT_EQ(now.json()["task"]["state"], "pending") << now.body;
  }
  ASSERT_TRUE(fleet.StartLeaf("a")) << fleet.Logs();
  fleet.Wait(r.json());
  EXPECT_TRUE(WaitStatus(fleet.lab("a-web").ports().http, on_a, true, 30s));

  // One controller dies; the other carries on (agents' requests reach it through the queue
  // group, the store is shared).
  fleet.KillController(0);
  fleet.UseController(1);
  r = fleet.Api("POST", "/api/v1/sites", {{"domain", "four.acme.example"}, {"customer", "acme"}});
  ASSERT_EQ(r.status, 201) << r.body;
  fleet.Wait(r.json());

  // A server with the wrong credentials gets nowhere near the bus.
  {
    NatsOptions wrong;
    wrong.servers = {"nats://127.0.0.1:" + std::to_string(fleet.leaf_port("b"))};
    wrong.user = "b-web";
    wrong.password = "not-the-password";
    wrong.connect_timeout = 2s;
    auto bus = ConnectNatsBus(wrong);
    EXPECT_FALSE(bus.has_value());
  }

  // A controller with another key (and the controllers' NATS login) answers a-web's fetches:
  // the agent refuses its bundle and changes nothing.
  fleet.KillController(1);
  ASSERT_TRUE(
      fleet.StartController(2, "/tmp/" + std::string("hpfleet-rogue-") + std::to_string(::getpid()),
                            {"--node", "a-web:web"}))
      << fleet.Logs();
  {
    ApiClient rogue{
        fleet.api_port(2),
        EnvValue(ReadFile("/tmp/hpfleet-rogue-" + std::to_string(::getpid()) + "/hostplane.env"),
                 "HOSTPLANE_TOKEN")};
    auto c = rogue.Call("POST", "/api/v1/customers", {{"login", "evil"}, {"email", "e@x.example"}});
    EXPECT_EQ(c.status, 201) << c.body;
    auto s =
        rogue.Call("POST", "/api/v1/sites", {{"domain", "forged.example"}, {"customer", "evil"}});
    EXPECT_EQ(s.status, 201) << s.body;
    bool refused = false;
    for (auto deadline = std::chrono::steady_clock::now() + 20s;
         !refused && std::chrono::steady_clock::now() < deadline;
         std::this_thread::sleep_for(100ms)) {
      refused = fleet.lab("a-web").Logs().find("the bundle is signed by") != std::string::npos;
    }
    EXPECT_TRUE(refused) << fleet.lab("a-web").Logs();
    EXPECT_EQ(HttpStatus(fleet.lab("a-web").ports().http, "forged.example"), 0);
  }
  fleet.StopRogue();
  std::filesystem::remove_all("/tmp/hpfleet-rogue-" + std::to_string(::getpid()));
  ASSERT_TRUE(fleet.StartController(0, fleet.store_dir(), {"--shared-store"})) << fleet.Logs();
  fleet.UseController(0);

  // Drain the web role off a-web: its sites answer from b-web with the files they had on a-web,
  // and a-web keeps its mail role.
  const std::string docroot = fleet.lab("a-web").root() + "/home/acme/sites/acme.example/public";
  ASSERT_TRUE(std::filesystem::is_directory(docroot)) << docroot;
  std::ofstream(docroot + "/uploaded.html") << "made on a-web\n";
  std::filesystem::create_directories(docroot + "/img/2026");
  std::ofstream(docroot + "/img/2026/logo.svg") << "<svg/>\n";
  const uint64_t serial_before =
      Serial(Kdig(fleet.lab("b-web").ports().dns, "acme.example", "SOA").out);
  ASSERT_GT(serial_before, 0u);
  std::string drained;
  ASSERT_TRUE(fleet.Hostplane({"node", "drain", "a-web", "--role", "web"}, &drained))
      << fleet.Logs();
  EXPECT_NE(drained.find("no longer serves web"), std::string::npos) << drained;
  EXPECT_NE(drained.find("1 directory of content copied"), std::string::npos) << drained;
  for (const std::string& d : {std::string("acme.example"), on_a}) {
    EXPECT_TRUE(WaitStatus(fleet.lab("b-web").ports().http, d, true, 30s)) << d;
    EXPECT_TRUE(WaitStatus(fleet.lab("a-web").ports().http, d, false, 30s)) << d;
  }
  // The content came along (acme's home, through the relay and the controllers' spool).
  auto uploaded = CurlHost(fleet.lab("b-web").ports().http, "acme.example", "/uploaded.html");
  EXPECT_EQ(uploaded.status, 200) << fleet.Logs();
  EXPECT_EQ(uploaded.body, "made on a-web\n");
  EXPECT_EQ(CurlHost(fleet.lab("b-web").ports().http, "acme.example", "/img/2026/logo.svg").body,
            "<svg/>\n");
  auto node = fleet.Api("GET", "/api/v1/nodes/a-web").json()["node"];
  EXPECT_EQ(node["roles"], Json::array({"mail"}));
  // The zone follows: acme.example's A record is b-web's (both are 127.0.0.1 here, so the serial
  // moving on is what shows the zone was re-sent and served).
  bool resent = false;
  for (auto deadline = std::chrono::steady_clock::now() + 20s;
       !resent && std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(100ms)) {
    resent =
        Serial(Kdig(fleet.lab("b-web").ports().dns, "acme.example", "SOA").out) > serial_before;
  }
  EXPECT_TRUE(resent) << "the zone was not re-sent after the drain";

  // Clean up what the fleet made outside its prefix: the database user and schema.
  r = fleet.Api("DELETE", "/api/v1/customers/acme?remove_content=true");
  EXPECT_EQ(r.status, 202) << r.body;
  fleet.Wait(r.json());
}

// Drain a whole server that holds a customer's site, mail and database: everything is rebuilt on
// the other server of the site, and the content comes along (the home, the Maildirs, the rows),
// checked with real clients there.
TEST(Fleet, DrainingAServerCarriesItsSitesMailAndDatabasesToAnother) {
  if (!FindProgram("nats-server") || !FindProgram("nginx") || !FindProgram("mariadbd") ||
      !FindProgram("postfix") || !FindProgram("dovecot")) {
    GTEST_SKIP() << "nats-server, nginx, postfix, dovecot and mariadb are needed";
  }
  Fleet fleet;
  ASSERT_TRUE(fleet.StartHub({"a:a-1,a-2"})) << fleet.Logs();
  ASSERT_TRUE(fleet.StartController(0, fleet.store_dir())) << fleet.Logs();
  // Both join before the leaf is written; on equal load the older node is chosen, so the
  // customer's services all land on a-1.
  const std::set<std::string> roles = {"web", "mail", "db"};
  for (const char* name : {"a-1", "a-2"}) {
    Status added = fleet.AddServer(name, "a", roles);
    ASSERT_TRUE(added) << name << ": " << added.error().message << "\n" << fleet.Logs();
  }
  ASSERT_TRUE(fleet.StartLeaf("a")) << fleet.Logs();
  for (const char* node : {"a-1", "a-2"}) {
    ASSERT_TRUE(fleet.WaitHealth(node, "up", 60s)) << node << "\n" << fleet.Logs();
  }
  auto r = fleet.Api("POST", "/api/v1/customers", {{"login", "acme"}, {"email", "o@acme.example"}});
  ASSERT_EQ(r.status, 201) << r.body;
  for (const auto& [path, body] : std::vector<std::pair<std::string, Json>>{
           {"/api/v1/sites", {{"domain", "acme.example"}, {"customer", "acme"}}},
           {"/api/v1/mailboxes",
            {{"address", "info@acme.example"}, {"customer", "acme"}, {"password", kMailPw}}},
           {"/api/v1/databases",
            {{"name", "acme_shop"}, {"customer", "acme"}, {"password", "Db-passw0rd-acme"}}}}) {
    r = fleet.Api("POST", path, body);
    ASSERT_EQ(r.status, 201) << r.body;
    fleet.Wait(r.json());
  }
  for (const char* path : {"/api/v1/sites", "/api/v1/mailboxes", "/api/v1/databases"}) {
    auto list = fleet.Api("GET", path);
    EXPECT_NE(list.body.find("\"node\":\"a-1\""), std::string::npos) << path << ": " << list.body;
    EXPECT_EQ(list.body.find("\"node\":\"a-2\""), std::string::npos) << path << ": " << list.body;
  }
  const NodeLab& old_node = fleet.lab("a-1");
  const NodeLab& new_node = fleet.lab("a-2");

  // Content on a-1: a file in the docroot, a delivered mail, rows in the database.
  std::ofstream(old_node.root() + "/home/acme/sites/acme.example/public/uploaded.html")
      << "made on a-1\n";
  auto sent =
      RunProgram({"/usr/bin/swaks", "--server", "127.0.0.1", "--port",
                  std::to_string(old_node.ports().smtp), "--from", "probe@example.org", "--to",
                  "info@acme.example", "--body", "kept across the drain", "--timeout", "20"},
                 {"/usr/bin/swaks"});
  ASSERT_EQ(sent.exit_code, 0) << sent.out << sent.err;
  const std::string netrc = fleet.Secret(
      "netrc", std::string("machine 127.0.0.1 login info@acme.example password ") + kMailPw + "\n");
  auto imap_search = [&](const NodeLab& lab) {
    return RunProgram(
        {"/usr/bin/curl", "-s", "--max-time", "10", "--netrc-file", netrc,
         "imap://127.0.0.1:" + std::to_string(lab.ports().imap) + "/INBOX", "-X", "SEARCH ALL"},
        {"/usr/bin/curl"});
  };
  bool delivered = false;
  for (auto deadline = std::chrono::steady_clock::now() + 20s;
       !delivered && std::chrono::steady_clock::now() < deadline;
       std::this_thread::sleep_for(200ms)) {
    auto imap = imap_search(old_node);
    delivered = imap.exit_code == 0 && imap.out.find("SEARCH 1") != std::string::npos;
  }
  ASSERT_TRUE(delivered) << fleet.Logs();
  const std::string mycnf = fleet.Secret("my.cnf", "[client]\npassword=Db-passw0rd-acme\n");
  auto sql = [&](const NodeLab& lab, const std::string& statement) {
    return RunProgram(
        {"/usr/bin/mariadb", "--defaults-extra-file=" + mycnf, "-h", "127.0.0.1", "-P",
         std::to_string(lab.ports().db), "-u", "acme_shop", "-N", "acme_shop", "-e", statement},
        {"/usr/bin/mariadb"});
  };
  auto made = sql(old_node,
                  "CREATE TABLE orders (id INT PRIMARY KEY, item TEXT); "
                  "INSERT INTO orders VALUES (1, 'tea'), (2, 'cake')");
  ASSERT_EQ(made.exit_code, 0) << made.err;

  std::string drained;
  ASSERT_TRUE(fleet.Hostplane({"node", "drain", "a-1"}, &drained)) << drained << fleet.Logs();
  EXPECT_NE(drained.find("is drained: 1 customers moved, 3 directories of content copied"),
            std::string::npos)
      << drained;
  EXPECT_EQ(fleet.Api("GET", "/api/v1/nodes/a-1").json()["node"]["status"], "drained");

  // Everything answers from a-2, with what it had on a-1.
  auto page = CurlHost(new_node.ports().http, "acme.example", "/uploaded.html");
  EXPECT_EQ(page.status, 200) << fleet.Logs();
  EXPECT_EQ(page.body, "made on a-1\n");
  EXPECT_TRUE(WaitStatus(old_node.ports().http, "acme.example", false, 30s));
  auto imap = imap_search(new_node);
  EXPECT_EQ(imap.exit_code, 0) << imap.err;
  EXPECT_NE(imap.out.find("SEARCH 1"), std::string::npos) << imap.out << fleet.Logs();
  auto fetched =
      RunProgram({"/usr/bin/curl", "-s", "--max-time", "10", "--netrc-file", netrc,
                  "imap://127.0.0.1:" + std::to_string(new_node.ports().imap) + "/INBOX;UID=1"},
                 {"/usr/bin/curl"});
  EXPECT_NE(fetched.out.find("kept across the drain"), std::string::npos) << fetched.out;
  auto rows = sql(new_node, "SELECT item FROM orders ORDER BY id");
  EXPECT_EQ(rows.exit_code, 0) << rows.err;
  EXPECT_EQ(rows.out, "tea\ncake\n");

  // a-1 defers the domain's mail instead of bouncing it (a sender with a cached MX record retries
  // and reaches a-2), and its IMAP login is refused.
  auto late =
      RunProgram({"/usr/bin/swaks", "--server", "127.0.0.1", "--port",
                  std::to_string(old_node.ports().smtp), "--from", "probe@example.org", "--to",
                  "info@acme.example", "--body", "sent to the old MX", "--timeout", "20"},
                 {"/usr/bin/swaks"});
  EXPECT_NE(late.exit_code, 0) << late.out;
  EXPECT_NE(late.out.find("451 4.2.1"), std::string::npos) << late.out << late.err;
  auto old_login = imap_search(old_node);
  EXPECT_NE(old_login.exit_code, 0) << "logged in on a-1: " << old_login.out;

  // Clean up what the fleet made outside its prefix.
  r = fleet.Api("DELETE", "/api/v1/customers/acme?remove_content=true");
  EXPECT_EQ(r.status, 202) << r.body;
  fleet.Wait(r.json());
}

}  // namespace
}  // namespace hostplane::testing
