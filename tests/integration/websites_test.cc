// End to end: REST API / CLI -> store -> task engine -> agent -> nginx driver -> a real nginx in
// a temporary prefix, checked with curl and a Host header.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <set>
#include <thread>

#include "test_support.h"

namespace hostplane::testing {
namespace {

using namespace std::chrono_literals;

Json CreateCustomer(UpInstance& up, const std::string& login) {
  auto r = up.Api("POST", "/api/v1/customers",
                  {{"login", login}, {"email", "ops@" + login + ".example"}});
  EXPECT_EQ(r.status, 201) << r.body;
  return r.json();
}

Json CreateSite(UpInstance& up, const std::string& domain, const std::string& customer) {
  auto r = up.Api("POST", "/api/v1/sites", {{"domain", domain}, {"customer", customer}});
  EXPECT_EQ(r.status, 201) << r.body;
  return r.json();
}

TEST(Websites, ThreeSitesAnswerByHostAndRemovalStopsOnlyOne) {
  UpInstance up;
  ASSERT_OK(up.Start());
  CreateCustomer(up, "acme");
  std::vector<std::string> domains = {"shop.acme.example", "blog.acme.example", "acme.test"};
  std::vector<int64_t> tasks;
  for (const auto& d : domains) {
    auto ids = UpInstance::TaskIds(CreateSite(up, d, "acme"));
    // The first site also creates the account (its Unix user) on the node.
    ASSERT_EQ(ids.size(), d == domains.front() ? 2u : 1u);
    tasks.insert(tasks.end(), ids.begin(), ids.end());
  }
  for (const auto& t : WaitOrFail(up, tasks)) EXPECT_EQ(t["state"], "applied") << t.dump();
  for (const auto& d : domains) {
    auto c = up.Curl(d);
    EXPECT_EQ(c.status, 200) << d;
    EXPECT_NE(c.body.find(d), std::string::npos) << "page of " << d << " is: " << c.body;
    for (const auto& other : domains) {
      if (other != d) EXPECT_EQ(c.body.find(other), std::string::npos) << d << " shows " << other;
    }
  }
  // Each site logs its own requests.
  std::string access_log =
      ReadFile(up.data_dir() + "/nginx/logs/sites/shop.acme.example.access.log");
  EXPECT_NE(access_log.find("GET / HTTP"), std::string::npos) << access_log;
  // An unknown Host gets no site.
  EXPECT_NE(up.Curl("unknown.example").status, 200);

  auto removed = up.Api("DELETE", "/api/v1/sites/blog.acme.example");
  ASSERT_EQ(removed.status, 202) << removed.body;
  for (const auto& t : WaitOrFail(up, UpInstance::TaskIds(removed.json())))
    EXPECT_EQ(t["state"], "applied") << t.dump();
  EXPECT_NE(up.Curl("blog.acme.example").status, 200);
  EXPECT_EQ(up.Curl("shop.acme.example").status, 200);
  EXPECT_EQ(up.Curl("acme.test").status, 200);
  EXPECT_FALSE(std::filesystem::exists(up.data_dir() + "/nginx/sites/blog.acme.example.conf"));
  // No shell ran, ever (P12): every program up started is nginx, by absolute path, as an argv.
  std::string audit = ReadFile(up.prefix() + "/exec.audit");
  ASSERT_FALSE(audit.empty());
  size_t lines = 0;
  for (size_t pos = 0; pos < audit.size(); ++lines) {
    size_t end = audit.find('\n', pos);
    std::string line = audit.substr(pos, end - pos);
    pos = end + 1;
    std::string program = line.substr(0, line.find('\t'));
    // nginx, the account's PHP-FPM master and the user tools: never a shell.
    static const std::set<std::string> kAllowed = {"/usr/sbin/nginx",   "/usr/sbin/php-fpm8.2",
                                                   "/usr/sbin/useradd", "/usr/sbin/groupadd",
                                                   "/usr/sbin/userdel", "/usr/sbin/groupdel"};
    EXPECT_TRUE(kAllowed.count(program) == 1) << "unexpected program run: " << line;
  }
  EXPECT_GE(lines, 2u);  // nginx started, nginx -t run
  // Content stays unless asked for.
  EXPECT_TRUE(std::filesystem::exists(up.data_dir() + "/home/acme/sites/blog.acme.example/public"));
}

TEST(Websites, CliNewcomerPath) {
  UpInstance up;
  ASSERT_OK(up.Start());
  auto c = CliOrFail(up, {"customer", "create", "acme", "--email", "ops@acme.example"});
  ASSERT_EQ(c.exit_code, 0) << c.out << c.err;
  c = CliOrFail(up, {"site", "add", "shop.acme.example", "--customer", "acme", "--wait"});
  ASSERT_EQ(c.exit_code, 0) << c.out << c.err;
  auto page = up.Curl("shop.acme.example");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("shop.acme.example"), std::string::npos);
  c = CliOrFail(up, {"site", "list", "--output", "json"});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  Json list = Json::parse(c.out, nullptr, false);
  ASSERT_FALSE(list.is_discarded()) << c.out;
  EXPECT_NE(c.out.find("shop.acme.example"), std::string::npos);
  // Scripts can trust exit codes: not found, invalid input, conflict.
  EXPECT_EQ(CliOrFail(up, {"site", "show", "nope.example"}).exit_code, 3);
  EXPECT_EQ(CliOrFail(up, {"site", "add", "bad_domain!.example", "--customer", "acme"}).exit_code,
            4);
  EXPECT_EQ(CliOrFail(up, {"site", "add", "shop.acme.example", "--customer", "acme"}).exit_code, 5);
  c = CliOrFail(up, {"site", "remove", "shop.acme.example", "--wait"});
  EXPECT_EQ(c.exit_code, 0) << c.err;
  EXPECT_NE(up.Curl("shop.acme.example").status, 200);
}

TEST(Websites, RejectedVhostFailsOnlyItsTaskAndOthersKeepServing) {
  UpInstance up({.extra_args = {"--enable-test-hooks", "--test-break-domain", "bad.acme.example"}});
  ASSERT_OK(up.Start());
  CreateCustomer(up, "acme");
  auto first = CreateSite(up, "steady.acme.example", "acme");
  for (const auto& t : WaitOrFail(up, UpInstance::TaskIds(first))) ASSERT_EQ(t["state"], "applied");
  ASSERT_EQ(up.Curl("steady.acme.example").status, 200);

  // A probe checks the steady site the whole time the bad batch is applied.
  std::atomic<bool> stop{false};
  std::atomic<int> probe_failures{0}, probes{0};
  std::thread probe([&] {
    while (!stop) {
      if (up.Curl("steady.acme.example").status != 200) ++probe_failures;
      ++probes;
      std::this_thread::sleep_for(5ms);
    }
  });
  // Three changes in quick succession: the agent coalesces them into one batch.
  std::vector<int64_t> ids;
  for (const char* d : {"good1.acme.example", "bad.acme.example", "good2.acme.example"}) {
    auto more = UpInstance::TaskIds(CreateSite(up, d, "acme"));
    ids.insert(ids.end(), more.begin(), more.end());
  }
  auto tasks = WaitOrFail(up, ids);
  stop = true;
  probe.join();
  ASSERT_EQ(tasks.size(), 3u);
  EXPECT_EQ(tasks[0]["state"], "applied") << tasks[0].dump();
  EXPECT_EQ(tasks[1]["state"], "failed") << tasks[1].dump();
  EXPECT_NE(tasks[1]["error"].get<std::string>().find("hostplane_test_invalid_directive"),
            std::string::npos)
      << "the daemon's own message is reported: " << tasks[1].dump();
  EXPECT_EQ(tasks[2]["state"], "applied") << tasks[2].dump();
  EXPECT_EQ(up.Curl("good1.acme.example").status, 200);
  EXPECT_EQ(up.Curl("good2.acme.example").status, 200);
  EXPECT_NE(up.Curl("bad.acme.example").status, 200);
  EXPECT_FALSE(std::filesystem::exists(up.data_dir() + "/nginx/sites/bad.acme.example.conf"));
  EXPECT_GT(probes.load(), 0);
  EXPECT_EQ(probe_failures.load(), 0) << "the steady site stopped answering during the batch";
}

TEST(Websites, KilledMidBatchConvergesWithoutTornFilesOrDebris) {
  UpInstance up({.extra_args = {"--enable-test-hooks", "--test-write-delay-ms", "40"}});
  ASSERT_OK(up.Start());
  CreateCustomer(up, "acme");
  std::vector<std::string> domains;
  for (int i = 0; i < 30; ++i) domains.push_back("s" + std::to_string(i) + ".acme.example");
  for (const auto& d : domains) CreateSite(up, d, "acme");
  // Wait until the agent is in the middle of writing the batch, then kill -9 everything.
  std::string sites = up.data_dir() + "/nginx/sites";
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline && ListDir(sites).size() < 5) {
    std::this_thread::sleep_for(5ms);
  }
  up.Kill9();
  // The kill landed in the middle of a batch: its record (the previous versions) is on disk.
  EXPECT_TRUE(std::filesystem::exists(up.data_dir() + "/agent/batch-nginx.cbor"))
      << "not killed mid-batch";
  size_t written = 0;
  for (const auto& name : ListDir(sites)) {
    if (name[0] == '.' || name[0] == '_') continue;  // temp files (cleaned at restart), marker
    std::string content = ReadFile(sites + "/" + name);
    ASSERT_FALSE(content.empty()) << name;
    EXPECT_EQ(content[content.find_last_not_of('\n')], '}') << name << " is torn:\n" << content;
    ++written;
  }
  EXPECT_LT(written, domains.size()) << "the kill did not land in the middle of the batch";

  ASSERT_OK(up.Start());  // same data directory: the store kept every acknowledged change
  ASSERT_TRUE(WaitConverged(up)) << up.log();
  for (const auto& d : domains) EXPECT_EQ(up.Curl(d).status, 200) << d << "\n" << up.log();
  for (const auto& name : ListDir(sites)) {
    EXPECT_EQ(name.find(".tmp"), std::string::npos) << "temp debris: " << name;
  }
  auto tasks = up.Api("GET", "/api/v1/tasks?state=pending");
  ASSERT_EQ(tasks.status, 200);
}

TEST(Websites, LostKeysConvergeThroughResync) {
  UpInstance up({.resync_seconds = 1, .extra_args = {"--enable-test-hooks", "--test-drop-keys"}});
  ASSERT_OK(up.Start());
  CreateCustomer(up, "acme");
  auto change = CreateSite(up, "quiet.acme.example", "acme");
  auto tasks = WaitOrFail(up, UpInstance::TaskIds(change), 20s);
  ASSERT_EQ(tasks.size(), 2u);  // the account, then the site
  for (const auto& t : tasks) EXPECT_EQ(t["state"], "applied") << t.dump();
  EXPECT_EQ(up.Curl("quiet.acme.example").status, 200);
}

TEST(Websites, WipedNodeIsRebuiltFromTheStore) {
  UpInstance up;
  ASSERT_OK(up.Start());
  CreateCustomer(up, "acme");
  std::vector<int64_t> ids;
  for (const char* d : {"a.acme.example", "b.acme.example", "c.acme.example"}) {
    auto more = UpInstance::TaskIds(CreateSite(up, d, "acme"));
    ids.insert(ids.end(), more.begin(), more.end());
  }
  WaitOrFail(up, ids);
  auto removed = up.Api("DELETE", "/api/v1/sites/c.acme.example");
  WaitOrFail(up, UpInstance::TaskIds(removed.json()));
  up.Stop();
  // The server loses everything the agent made: journal, vhosts, homes.
  for (const char* dir : {"/agent", "/nginx/sites", "/home"}) {
    std::filesystem::remove_all(up.data_dir() + dir);
  }
  ASSERT_OK(up.Start());
  ASSERT_TRUE(WaitConverged(up)) << up.log();
  EXPECT_EQ(up.Curl("a.acme.example").status, 200) << up.log();
  EXPECT_EQ(up.Curl("b.acme.example").status, 200);
  EXPECT_NE(up.Curl("c.acme.example").status, 200);
  auto page = up.Curl("a.acme.example");
  EXPECT_NE(page.body.find("a.acme.example"), std::string::npos)
      << "HTTP " << page.status << " curl exit " << page.exit_code << ": " << page.body;
}

TEST(Websites, ApplyingTheSameRevisionTwiceRewritesNothingAndReloadsNothing) {
  UpInstance up;
  ASSERT_OK(up.Start());
  CreateCustomer(up, "acme");
  auto change = CreateSite(up, "same.acme.example", "acme");
  WaitOrFail(up, UpInstance::TaskIds(change));
  std::string vhost = up.data_dir() + "/nginx/sites/same.acme.example.conf";
  struct stat before {};
  ASSERT_EQ(::stat(vhost.c_str(), &before), 0);
  std::string nginx_pid = ReadFile(up.data_dir() + "/nginx/nginx.pid");
  up.Stop();
  // The journal is lost: the agent starts from revision 0 and is handed every task again.
  std::filesystem::remove_all(up.data_dir() + "/agent");
  ASSERT_OK(up.Start());
  ASSERT_TRUE(WaitConverged(up)) << up.log();
  struct stat after {};
  ASSERT_EQ(::stat(vhost.c_str(), &after), 0);
  EXPECT_EQ(before.st_ino, after.st_ino) << "the vhost was rewritten";
  EXPECT_EQ(before.st_mtim.tv_nsec, after.st_mtim.tv_nsec);
  EXPECT_GE(Metric(up, "hostplane_reports_total"), 1);
  EXPECT_EQ(Metric(up, "hostplane_reloads_total"), 0) << "a no-op batch reloaded nginx";
}

}  // namespace
}  // namespace hostplane::testing
