// The move from SQLite to PostgreSQL (issue 18, `hostplane store migrate`), as an operator does
// it: an all-in-one with a customer and every service, stopped, its store copied into an empty
// PostgreSQL database, started again with --store on it. The controller then gives the same
// answers to the same API calls, its agent applies nothing new (same revisions, no drift, no new
// task), the site still answers over nginx, and a new change gets ids after the copied ones.
// Refused: a copy while the controller runs, and a copy into a database that is not empty.
// CTest label: postgres.

#include <gtest/gtest.h>
#include <unistd.h>

#include <map>
#include <set>
#include <thread>

#include "common/testing/postgres_server.h"
#include "service_clients.h"
#include "test_support.h"

namespace hostplane::testing {
namespace {

using namespace std::chrono_literals;

// The list of a page answer ({"sites": [...], "next_after": ...}).
Json Items(const Json& page) {
  for (const auto& [key, value] : page.items()) {
    if (value.is_array()) return value;
  }
  return Json::array();
}

Json NodeOf(UpInstance& up) {
  Json node = up.Api("GET", "/api/v1/nodes/local").json();
  return node.contains("node") ? node["node"] : node;
}

TEST(StoreMigrate, AnAllInOneMovesToPostgresAndAnswersAlike) {
  ASSERT_EQ(::geteuid(), 0u) << "needs root: Unix users, Postfix and MariaDB";
  auto server = PostgresServer::Shared();
  ASSERT_TRUE(server) << server.error().message;
  auto url = (*server)->CreateDatabase();
  ASSERT_TRUE(url) << url.error().message;

  UpOptions options;
  options.all_services = true;
  options.resync_seconds = 2;
  UpInstance up(options);
  ASSERT_OK(up.Start());
  CliOk(up, {"customer", "create", "acme", "--email", "ops@acme.example"});
  CliOk(up, {"site", "add", "acme.example", "--customer", "acme", "--wait"});
  CliOk(up,
        {"mailbox", "add", "info@acme.example", "--customer", "acme", "--password-stdin", "--wait"},
        std::string(kMailPassword) + "\n");
  CliOk(up, {"forwarder", "add", "sales@acme.example", "--to", "info@acme.example", "--wait"});
  CliOk(up,
        {"ftp", "add", "acme_web", "--customer", "acme", "--home", "sites/acme.example/public",
         "--password-stdin", "--wait"},
        std::string(kFtpPassword) + "\n");
  CliOk(up, {"dns", "zone", "add", "acme.example", "--customer", "acme", "--wait"});
  CliOk(up, {"dns", "record", "add", "acme.example", "@", "TXT", "v=hp1; moved", "--wait"});
  CliOk(up, {"db", "add", "acme_shop", "--customer", "acme", "--password-stdin", "--wait"},
        std::string(kDbPassword) + "\n");
  ASSERT_TRUE(WaitConverged(up)) << up.log();

  // Not while the controller runs: the store would change under the copy.
  auto busy = up.Cli({"store", "migrate", "--data-dir", up.data_dir(), "--to", *url});
  ASSERT_TRUE(busy);
  EXPECT_EQ(busy->exit_code, 5) << busy->out << busy->err;
  EXPECT_NE(busy->err.find("store.in_use"), std::string::npos) << busy->err;

  const std::vector<std::string> paths = {"/api/v1/customers", "/api/v1/sites",
                                          "/api/v1/mailboxes", "/api/v1/forwarders",
                                          "/api/v1/ftp-users", "/api/v1/databases",
                                          "/api/v1/zones",     "/api/v1/zones/acme.example/records",
                                          "/api/v1/plans",     "/api/v1/tasks",
                                          "/api/v1/users"};
  std::map<std::string, Json> before;
  for (const auto& path : paths) {
    auto answer = up.Api("GET", path);
    ASSERT_EQ(answer.status, 200) << path << ": " << answer.body;
    before[path] = answer.json();
  }
  auto audit_page = up.Api("GET", "/api/v1/audit?limit=100");
  ASSERT_EQ(audit_page.status, 200) << audit_page.body;
  const Json audit_before = Items(audit_page.json());
  const Json node_before = NodeOf(up);
  ASSERT_GT(node_before.value("head_revision", int64_t{0}), 5);
  up.Stop();

  auto moved = up.Cli({"store", "migrate", "--data-dir", up.data_dir(), "--to", *url});
  ASSERT_TRUE(moved);
  ASSERT_EQ(moved->exit_code, 0) << moved->out << moved->err;
  EXPECT_NE(moved->out.find("row count and checksum match"), std::string::npos) << moved->out;
  EXPECT_NE(moved->out.find("hostplane up --data-dir"), std::string::npos) << moved->out;
  // A second copy into the same database is refused, and changes nothing.
  auto again = up.Cli({"store", "migrate", "--data-dir", up.data_dir(), "--to", *url});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->exit_code, 5) << again->out << again->err;
  EXPECT_NE(again->err.find("store.not_empty"), std::string::npos) << again->err;

  up.AddArgs({"--store", *url});
  ASSERT_OK(up.Start());
  // The agent checks in with the controller on its new store (a heartbeat after the start).
  const std::string seen_before = node_before.value("last_seen", "");
  for (auto end = std::chrono::steady_clock::now() + 30s;
       NodeOf(up).value("last_seen", Json("")).get<std::string>() <= seen_before &&
       std::chrono::steady_clock::now() < end;) {
    std::this_thread::sleep_for(100ms);
  }
  ASSERT_GT(NodeOf(up).value("last_seen", Json("")).get<std::string>(), seen_before)
      << "the agent never checked in:\n"
      << up.log();
  for (const auto& path : paths) {
    auto answer = up.Api("GET", path);
    ASSERT_EQ(answer.status, 200) << path << ": " << answer.body;
    EXPECT_EQ(answer.json(), before[path]) << path;
  }
  // The audit log kept every entry (the restart may add its own).
  std::set<int64_t> audit_after;
  for (const auto& e : Items(up.Api("GET", "/api/v1/audit?limit=100").json())) {
    audit_after.insert(e.value("id", int64_t{0}));
  }
  ASSERT_FALSE(audit_before.empty());
  for (const auto& e : audit_before) {
    EXPECT_TRUE(audit_after.count(e.value("id", int64_t{0}))) << e.dump();
  }
  // The agent applies nothing new: the same revisions, no drift, and after a few resyncs still
  // no new task.
  const Json node_after = NodeOf(up);
  EXPECT_EQ(node_after.value("head_revision", int64_t{-1}),
            node_before.value("head_revision", int64_t{-2}));
  EXPECT_EQ(node_after.value("applied_revision", int64_t{-1}),
            node_before.value("applied_revision", int64_t{-2}));
  EXPECT_TRUE(node_after.value("drift", Json::array()).empty()) << node_after.dump();
  std::this_thread::sleep_for(5s);
  EXPECT_EQ(up.Api("GET", "/api/v1/tasks").json(), before["/api/v1/tasks"]);
  EXPECT_EQ(Metric(up, "hostplane_reports_total"), 0) << "the agent applied something again";
  EXPECT_EQ(up.Curl("acme.example", "/").status, 200);
  EXPECT_EQ(ImapSearch(up, "info@acme.example", kMailPassword).exit_code, 0);

  // New writes land on PostgreSQL with ids after the copied ones.
  CliOk(up, {"site", "add", "shop.acme.example", "--customer", "acme", "--wait"});
  EXPECT_TRUE(up.WaitServing("shop.acme.example", 10s));
  int64_t highest = 0;
  ASSERT_FALSE(Items(before["/api/v1/sites"]).empty());
  for (const auto& s : Items(before["/api/v1/sites"])) {
    highest = std::max(highest, s.value("id", int64_t{0}));
  }
  Json site = up.Api("GET", "/api/v1/sites/shop.acme.example").json();
  if (site.contains("site")) site = site["site"];
  EXPECT_GT(site.value("id", int64_t{0}), highest) << site.dump();
  EXPECT_GT(NodeOf(up).value("head_revision", int64_t{0}),
            node_before.value("head_revision", int64_t{0}));
}

}  // namespace
}  // namespace hostplane::testing
