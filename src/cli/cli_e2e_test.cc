#include <gtest/gtest.h>

#include <sstream>

#include "cli/cli_test_support.h"
#include "controller/api/api_test_env.h"
using namespace hostplane;
using cli::testing::RunCli;

TEST(E2E, CliAgainstRealServer) {
  controller::testing::ApiEnv env;
  auto g = [&](std::vector<std::string> a, std::string in = "") {
    a.insert(a.end(), {"--url", env.url(), "--token", env.token()});
    auto r = RunCli(a, in);
    std::cerr << "$ " << a[0] << " " << a[1] << " -> " << r.code << "\n" << r.out << r.err;
    return r;
  };
  auto c = env.Client();
  ASSERT_EQ(
      c->Post("/api/v1/nodes", R"({"name":"local","roles":["web"]})", "application/json")->status,
      201);
  EXPECT_EQ(g({"customer", "create", "acme", "--email", "ops@acme.example", "--password-stdin"},
              "correct horse battery\n")
                .code,
            0);
  EXPECT_EQ(g({"customer", "create", "1abc", "--email", "ops@acme.example"}).code, 4);
  EXPECT_EQ(g({"customer", "create", "acme", "--email", "ops@acme.example"}).code, 5);
  EXPECT_EQ(g({"customer", "list"}).code, 0);
  EXPECT_EQ(g({"customer", "show", "acme"}).code, 0);
  EXPECT_EQ(g({"site", "add", "a;b.example", "--customer", "acme"}).code, 4);
  auto added = g({"site", "add", "shop.acme.example", "--customer", "acme", "--alias",
                  "www.shop.acme.example", "-o", "json"});
  ASSERT_EQ(added.code, 0);
  auto j = nlohmann::json::parse(added.out);
  int64_t id = j["tasks"][0]["id"];
  int64_t rev = j["tasks"][0]["revision"];
  EXPECT_EQ(g({"task", "wait", std::to_string(id), "--timeout", "0.3"}).code, 7);
  std::thread agent([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    (void)env.ReportResult("local", id, rev, protocol::TaskOutcome::kApplied);
  });
  EXPECT_EQ(g({"task", "wait", std::to_string(id)}).code, 0);
  agent.join();
  EXPECT_EQ(g({"site", "list"}).code, 0);
  EXPECT_EQ(g({"site", "show", "shop.acme.example"}).code, 0);
  EXPECT_EQ(g({"task", "list"}).code, 0);
  EXPECT_EQ(g({"node", "list"}).code, 0);
  auto removed = g({"site", "remove", "shop.acme.example", "-o", "json"});
  ASSERT_EQ(removed.code, 0);
  auto rj = nlohmann::json::parse(removed.out);
  (void)env.ReportResult("local", rj["tasks"][0]["id"], rj["tasks"][0]["revision"],
                         protocol::TaskOutcome::kFailed, "nginx: [emerg] boom");
  EXPECT_EQ(g({"task", "wait", rj["tasks"][0]["id"].dump()}).code, 6);
  EXPECT_EQ(g({"site", "show", "nothing.example"}).code, 3);
  EXPECT_EQ(RunCli({"node", "list", "--url", env.url(), "--token", "bad"}).code, 9);
  EXPECT_EQ(g({"customer", "delete", "acme"}).code, 0);
}
