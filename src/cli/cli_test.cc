// The CLI verbs against an in-test fake of the REST API (a real HTTP server on a loopback port
// that answers with the API's shapes from api/openapi.json). hp_cli does not link the controller,
// so the real ApiServer is out of reach here; the fake keeps just enough state (customers, sites,
// tasks) to check exit codes, JSON output, pagination, progress and --password-stdin.

#include "cli/cli.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cli/cli_test_support.h"
#include "cli/exit_codes.h"
#include "common/net/loopback.h"

namespace hostplane::cli {
namespace {

using nlohmann::json;

constexpr const char* kToken = "hp_secret";

json ErrorBody(const std::string& code, const std::string& message, json fields = json::object()) {
  return {{"error", {{"code", code}, {"message", message}, {"fields", fields}}}};
}

// The fake controller. Sites whose domain starts with "fail" get a task that fails, "slow" one
// that stays pending, others one that is applied. Pages hold at most 2 items.
class FakeApi {
 public:
  FakeApi() {
    server_.set_pre_routing_handler([](const httplib::Request& req, httplib::Response& res) {
      if (req.path == "/healthz") return httplib::Server::HandlerResponse::Unhandled;
      if (req.get_header_value("Authorization") != std::string("Bearer ") + kToken) {
        Reply(res, 401, ErrorBody("unauthorized", "Unknown API token."));
        return httplib::Server::HandlerResponse::Handled;
      }
      return httplib::Server::HandlerResponse::Unhandled;
    });
    server_.Post("/api/v1/customers", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      json in = json::parse(req.body);
      std::string login = in["login"];
      if (login == "1abc") {
        return Reply(res, 422,
                     ErrorBody("invalid", "Login must start with a letter.",
                               {{"login", "login.starts_with_digit"}}));
      }
      if (customers_.count(login)) {
        return Reply(res, 409, ErrorBody("conflict", "Customer acme exists."));
      }
      last_customer_body_ = in;
      json c = {{"id", ++next_id_},
                {"login", login},
                {"name", in.value("name", login)},
                {"email", in["email"]},
                {"status", "active"},
                {"plan_id", 1},
                {"panel_login", in.contains("password")},
                {"created_at", "2026-11-24T18:41:52.123Z"},
                {"updated_at", "2026-11-24T18:41:52.123Z"}};
      customers_[login] = c;
      Reply(res, 201, {{"customer", c}, {"tasks", json::array()}, {"change_id", ++next_id_}});
    });
    server_.Get("/api/v1/customers", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      std::vector<json> all;
      for (const auto& [login, c] : customers_) all.push_back(c);
      Reply(res, 200, Page("customers", all, req));
    });
    server_.Get(R"(/api/v1/customers/([^/]+))",
                [this](const httplib::Request& req, httplib::Response& res) {
                  std::lock_guard lock(mu_);
                  auto it = customers_.find(req.matches[1]);
                  if (it == customers_.end()) {
                    return Reply(res, 404, ErrorBody("not_found", "No such customer."));
                  }
                  Reply(res, 200, {{"customer", it->second}});
                });
    server_.Post("/api/v1/sites", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      json in = json::parse(req.body);
      std::string domain = in["domain"];
      if (domain.find(';') != std::string::npos) {
        return Reply(res, 422,
                     ErrorBody("invalid", "A domain has letters, digits and hyphens only.",
                               {{"domain", "domain.invalid_character"}}));
      }
      if (!customers_.count(in["customer"])) {
        return Reply(res, 404, ErrorBody("not_found", "No such customer."));
      }
      json site = {{"id", ++next_id_},
                   {"domain", domain},
                   {"customer", in["customer"]},
                   {"aliases", in.value("aliases", json::array())},
                   {"docroot", "sites/" + domain},
                   {"node", "local"},
                   {"status", "active"},
                   {"created_at", "2026-11-24T18:41:52.123Z"}};
      sites_[domain] = site;
      json task = NewTask("site:" + domain, "site.ensure");
      Reply(res, 201, {{"site", site}, {"tasks", {task}}, {"change_id", ++next_id_}});
    });
    server_.Get("/api/v1/sites", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      std::vector<json> all;
      for (const auto& [d, s] : sites_) {
        if (!req.has_param("customer") || s["customer"] == req.get_param_value("customer")) {
          all.push_back(s);
        }
      }
      Reply(res, 200, Page("sites", all, req));
    });
    server_.Delete(
        R"(/api/v1/sites/([^/]+))", [this](const httplib::Request& req, httplib::Response& res) {
          std::lock_guard lock(mu_);
          std::string domain = req.matches[1];
          auto it = sites_.find(domain);
          if (it == sites_.end()) {
            return Reply(res, 404, ErrorBody("not_found", "No such site."));
          }
          json site = it->second;
          sites_.erase(it);
          last_remove_content_ = req.get_param_value("remove_content");
          json task = NewTask("site:" + domain, "site.remove");
          Reply(res, 202, {{"site", site}, {"tasks", {task}}, {"change_id", ++next_id_}});
        });
    server_.Get(R"(/api/v1/tasks/(\d+))",
                [this](const httplib::Request& req, httplib::Response& res) {
                  std::lock_guard lock(mu_);
                  auto it = tasks_.find(std::stoll(req.matches[1]));
                  if (it == tasks_.end())
                    return Reply(res, 404, ErrorBody("not_found", "No such task."));
                  Reply(res, 200, {{"task", it->second}});
                });
    server_.Get(R"(/api/v1/tasks/(\d+)/wait)",
                [this](const httplib::Request& req, httplib::Response& res) {
                  int64_t timeout_ms = std::stoll(req.get_param_value("timeout_ms"));
                  json task;
                  {
                    std::lock_guard lock(mu_);
                    auto it = tasks_.find(std::stoll(req.matches[1]));
                    if (it == tasks_.end())
                      return Reply(res, 404, ErrorBody("not_found", "No such task."));
                    ++wait_calls_;
                    const std::string object = it->second["object_key"];
                    if (object.rfind("site:fail", 0) == 0) {
                      it->second["state"] = "failed";
                      it->second["error"] = "nginx: [emerg] unknown directive \"x\" in shop.conf:3";
                    } else if (object.rfind("site:slow", 0) != 0) {
                      it->second["state"] = "applied";
                      it->second["duration_ms"] = 84;
                    }
                    task = it->second;
                  }
                  if (task["state"] == "pending") {
                    std::this_thread::sleep_for(std::chrono::milliseconds(timeout_ms));
                    res.set_header("X-Hostplane-Timeout", "1");
                  }
                  Reply(res, 200, {{"task", task}});
                });
    server_.Get("/api/v1/tasks", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      std::vector<json> all;
      for (const auto& [id, t] : tasks_) {
        if (req.has_param("state") && t["state"] != req.get_param_value("state")) continue;
        all.push_back(t);
      }
      Reply(res, 200, Page("tasks", all, req));
    });
    server_.Get("/api/v1/nodes", [](const httplib::Request&, httplib::Response& res) {
      Reply(res, 200,
            {{"nodes",
              {{{"id", 1},
                {"name", "local"},
                {"roles", {"web"}},
                {"capacity", 100},
                {"status", "active"},
                {"head_revision", 7},
                {"applied_revision", 7},
                {"last_seen", nullptr}}}}});
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~FakeApi() {
    server_.stop();
    thread_.join();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  json last_customer_body() {
    std::lock_guard lock(mu_);
    return last_customer_body_;
  }
  std::string last_remove_content() {
    std::lock_guard lock(mu_);
    return last_remove_content_;
  }
  size_t task_count() {
    std::lock_guard lock(mu_);
    return tasks_.size();
  }

 private:
  static void Reply(httplib::Response& res, int status, const json& body) {
    res.status = status;
    res.set_content(body.dump(), "application/json");
  }

  json NewTask(const std::string& object, const std::string& kind) {
    int64_t id = ++next_id_;
    json t = {{"id", id},
              {"node", "local"},
              {"revision", id},
              {"object_key", object},
              {"kind", kind},
              {"state", "pending"},
              {"error", ""},
              {"attempts", 0},
              {"updated_at", "2026-11-24T18:41:52.123Z"},
              {"duration_ms", nullptr}};
    tasks_[id] = t;
    return t;
  }

  // Keyset pages of at most 2, so that the CLI has to follow next_after.
  static json Page(const char* key, const std::vector<json>& all, const httplib::Request& req) {
    int64_t after = req.has_param("after") ? std::stoll(req.get_param_value("after")) : 0;
    json items = json::array();
    for (const auto& item : all) {
      if (item["id"].get<int64_t>() > after && items.size() < 2) items.push_back(item);
    }
    bool more = items.size() == 2 && all.back()["id"] != items.back()["id"];
    return {{key, items}, {"next_after", more ? items.back()["id"] : json(nullptr)}};
  }

  std::mutex mu_;
  std::map<std::string, json> customers_;
  std::map<std::string, json> sites_;
  std::map<int64_t, json> tasks_;
  json last_customer_body_;
  std::string last_remove_content_;
  int64_t next_id_ = 0;
  int wait_calls_ = 0;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
};

using testing::CliRun;
using testing::RunCli;

class CliTest : public ::testing::Test {
 protected:
  // args plus --url and --token of the fake.
  CliRun Cli(std::vector<std::string> args, const std::string& stdin_text = "") {
    args.insert(args.end(), {"--url", api_.url(), "--token", kToken});
    return RunCli(args, stdin_text);
  }
  void CreateAcme() {
    ASSERT_EQ(Cli({"customer", "create", "acme", "--email", "ops@acme.example"}).code, 0);
  }
  FakeApi api_;
};

TEST_F(CliTest, CustomerCreateShowAndListAsJson) {
  CliRun created = Cli({"customer", "create", "acme", "--email", "ops@acme.example", "--name",
                        "Acme Ltd", "-o", "json"});
  ASSERT_EQ(created.code, kExitOk) << created.err;
  EXPECT_EQ(created.Json()["customer"]["login"], "acme");
  EXPECT_TRUE(created.Json()["tasks"].is_array());

  CliRun shown = Cli({"customer", "show", "acme", "--output", "json"});
  ASSERT_EQ(shown.code, kExitOk) << shown.err;
  EXPECT_EQ(shown.Json()["customer"]["name"], "Acme Ltd");

  for (std::string login : {"bravo", "charlie", "delta"}) {
    ASSERT_EQ(Cli({"customer", "create", login, "--email", "x@y.example"}).code, 0);
  }
  // Four customers, pages of two: the CLI follows next_after to the end.
  CliRun listed = Cli({"customer", "list", "-o", "json"});
  ASSERT_EQ(listed.code, kExitOk) << listed.err;
  ASSERT_EQ(listed.Json()["customers"].size(), 4u) << listed.out;
  EXPECT_TRUE(listed.Json()["next_after"].is_null());
}

TEST_F(CliTest, TablesAreAlignedWithReadableTimes) {
  CreateAcme();
  ASSERT_EQ(Cli({"customer", "create", "bravo", "--email", "b@b.example"}).code, 0);
  CliRun listed = Cli({"customer", "list"});
  ASSERT_EQ(listed.code, kExitOk) << listed.err;
  std::istringstream lines(listed.out);
  std::string header, first, second;
  std::getline(lines, header);
  std::getline(lines, first);
  std::getline(lines, second);
  EXPECT_EQ(header.rfind("LOGIN", 0), 0u) << listed.out;
  // The EMAIL column starts at the same offset in every line.
  size_t col = header.find("EMAIL");
  ASSERT_NE(col, std::string::npos);
  EXPECT_EQ(first.find("ops@acme.example"), col) << listed.out;
  EXPECT_EQ(second.find("b@b.example"), col) << listed.out;
  EXPECT_NE(first.find("2026-11-24 18:41:52"), std::string::npos) << listed.out;
}

TEST_F(CliTest, PasswordComesFromStdinOnly) {
  CliRun r = Cli({"customer", "create", "acme", "--email", "ops@acme.example", "--password-stdin"},
                 "correct horse battery\nsecond line\n");
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(api_.last_customer_body()["password"], "correct horse battery");
  EXPECT_EQ(r.out.find("correct horse"), std::string::npos);

  CliRun as_argument = Cli({"customer", "create", "bravo", "--email", "b@b.example", "--password",
                            "correct horse battery"});
  EXPECT_EQ(as_argument.code, kExitUsage);

  CliRun empty_stdin =
      Cli({"customer", "create", "charlie", "--email", "c@c.example", "--password-stdin"}, "");
  EXPECT_EQ(empty_stdin.code, kExitUsage);
}

TEST_F(CliTest, ApiErrorsBecomeExitCodesAndFieldLines) {
  CreateAcme();
  CliRun invalid = Cli({"customer", "create", "1abc", "--email", "x@y.example"});
  EXPECT_EQ(invalid.code, kExitInvalid);
  EXPECT_EQ(invalid.err,
            "error: Login must start with a letter.\n  login: login.starts_with_digit\n");

  CliRun bad_domain = Cli({"site", "add", "a;b.example", "--customer", "acme"});
  EXPECT_EQ(bad_domain.code, kExitInvalid);
  EXPECT_NE(bad_domain.err.find("  domain: domain.invalid_character\n"), std::string::npos);

  EXPECT_EQ(Cli({"customer", "create", "acme", "--email", "x@y.example"}).code, kExitConflict);
  EXPECT_EQ(Cli({"customer", "show", "nobody"}).code, kExitNotFound);
  EXPECT_EQ(Cli({"site", "remove", "nothing.example"}).code, kExitNotFound);
  EXPECT_EQ(Cli({"task", "show", "999"}).code, kExitNotFound);

  CliRun wrong_token =
      RunCli({"node", "list", "--url", api_.url(), "--token", "hp_wrong", "-o", "json"});
  EXPECT_EQ(wrong_token.code, kExitUnauthorized);
  EXPECT_EQ(wrong_token.err, "error: Unknown API token.\n");
  EXPECT_EQ(RunCli({"node", "list", "--url", api_.url()}).code, kExitUnauthorized);
}

TEST_F(CliTest, UnreachableControllerIsExitCode8) {
  // A port that was free a moment ago and has nobody listening on it now.
  auto free_port = FreeLoopbackPort();
  ASSERT_TRUE(free_port) << free_port.error().message;
  int port = *free_port;
  CliRun r = RunCli(
      {"node", "list", "--url", "http://127.0.0.1:" + std::to_string(port), "--token", kToken});
  EXPECT_EQ(r.code, kExitUnreachable);
  EXPECT_EQ(r.err.rfind("error: cannot reach the controller", 0), 0u) << r.err;
}

TEST_F(CliTest, ArgumentErrorsAreExitCode2) {
  const std::vector<std::vector<std::string>> cases = {
      {"customer"},
      {"customer", "create"},
      {"customer", "create", "acme"},
      {"customer", "frobnicate"},
      {"site", "add", "shop.example"},
      {"site", "list", "--unknown"},
      {"task", "show", "abc"},
      {"task", "show", "0"},
      {"task", "wait"},
      {"task", "list", "--state", "done"},
      {"node", "list", "--output", "xml"},
      {"node", "list", "--url", "ftp://127.0.0.1"},
      {"node", "list", "--timeout", "-1"},
  };
  for (const auto& args : cases) {
    CliRun r = RunCli(args);
    EXPECT_EQ(r.code, kExitUsage) << ::testing::PrintToString(args) << " " << r.err;
  }
  EXPECT_EQ(api_.task_count(), 0u);
}

TEST_F(CliTest, HelpIsExitCode0AndListsExitCodes) {
  CliRun r = RunCli({"site", "add", "--help"});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_NE(r.out.find("--customer"), std::string::npos);
  EXPECT_NE(r.out.find("9 unauthorized"), std::string::npos) << r.out;
}

TEST_F(CliTest, WaitShowsProgressAndSucceedsWhenApplied) {
  CreateAcme();
  CliRun r =
      Cli({"site", "add", "shop.acme.example", "--customer", "acme", "--wait", "-o", "json"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_NE(r.err.find("waiting for 1 task on node local...\n"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(": applied in "), std::string::npos) << r.err;
  // --output json shows the tasks as they ended.
  EXPECT_EQ(r.Json()["tasks"][0]["state"], "applied") << r.out;
  EXPECT_EQ(r.Json()["site"]["domain"], "shop.acme.example");
}

TEST_F(CliTest, WaitOnATerminalFinishesTheLiveLineInPlace) {
  CreateAcme();
  CliRun r = RunCli({"site", "add", "shop.acme.example", "--customer", "acme", "--wait", "--url",
                     api_.url(), "--token", kToken},
                    "", /*tty=*/true);
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.err.rfind("\r\x1b[Kwaiting for 1 task on node local...", 0), 0u) << r.err;
  EXPECT_NE(r.err.find("\r\x1b[Kwaiting for 1 task on node local... applied in "),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.back(), '\n');
}

TEST_F(CliTest, WaitExits6WithTheDaemonsErrorWhenATaskFails) {
  CreateAcme();
  CliRun r = Cli({"site", "add", "fail.acme.example", "--customer", "acme", "--wait"});
  EXPECT_EQ(r.code, kExitTaskFailed);
  EXPECT_NE(r.err.find("failed: nginx: [emerg] unknown directive \"x\" in shop.conf:3"),
            std::string::npos)
      << r.err;
}

TEST_F(CliTest, WaitExits7WhenTheTimeoutPasses) {
  CreateAcme();
  CliRun r =
      Cli({"site", "add", "slow.acme.example", "--customer", "acme", "--wait", "--timeout", "0.2"});
  EXPECT_EQ(r.code, kExitTimeout);
  EXPECT_NE(r.err.find("error: timed out"), std::string::npos) << r.err;
}

TEST_F(CliTest, RemoveWithContentAndTaskWait) {
  CreateAcme();
  CliRun added = Cli({"site", "add", "shop.acme.example", "--customer", "acme", "-o", "json"});
  ASSERT_EQ(added.code, kExitOk) << added.err;
  int64_t id = added.Json()["tasks"][0]["id"];

  CliRun waited = Cli({"task", "wait", std::to_string(id), "-o", "json"});
  ASSERT_EQ(waited.code, kExitOk) << waited.err;
  EXPECT_EQ(waited.Json()["tasks"][0]["state"], "applied");

  CliRun removed = Cli({"site", "remove", "shop.acme.example", "--remove-content", "--wait"});
  ASSERT_EQ(removed.code, kExitOk) << removed.err;
  EXPECT_EQ(api_.last_remove_content(), "true");
  EXPECT_NE(removed.out.find("site.remove"), std::string::npos) << removed.out;

  CliRun tasks = Cli({"task", "list", "--state", "applied", "-o", "json"});
  ASSERT_EQ(tasks.code, kExitOk);
  EXPECT_EQ(tasks.Json()["tasks"].size(), 2u);
}

TEST_F(CliTest, UrlAndTokenFromTheEnvironment) {
  setenv("HOSTPLANE_URL", api_.url().c_str(), 1);
  setenv("HOSTPLANE_TOKEN", kToken, 1);
  CliRun r = RunCli({"node", "list"});
  unsetenv("HOSTPLANE_URL");
  unsetenv("HOSTPLANE_TOKEN");
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(r.out.rfind("NAME", 0), 0u);
  EXPECT_NE(r.out.find("local"), std::string::npos);
}

}  // namespace
}  // namespace hostplane::cli
