// The plan verbs (`plan create|list|show`, `customer set-plan`) against the real controller API
// in-process (api_test_env.h): the exit codes and field codes a script sees are the API's own.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "cli/cli_test_support.h"
#include "cli/exit_codes.h"
#include "controller/api/api_test_env.h"

namespace hostplane::cli {
namespace {

using nlohmann::json;

using testing::CliRun;

class PlanCliTest : public ::testing::Test {
 protected:
  // `hostplane ARGS --url <env> --token <admin>`.
  CliRun Cli(std::vector<std::string> args) {
    args.insert(args.end(), {"--url", env_.url(), "--token", env_.token()});
    return testing::RunCli(std::move(args));
  }

  json PlanJson(const std::string& name) {
    CliRun r = Cli({"plan", "show", name, "-o", "json"});
    EXPECT_EQ(r.code, kExitOk) << r.err;
    return json::parse(r.out, nullptr, false)["plan"];
  }

  controller::testing::ApiEnv env_;
};

TEST_F(PlanCliTest, LimitsAreNumbersOrUnlimitedAndAnythingElseIsTheApisFieldCode) {
  struct Case {
    const char* name;
    std::vector<std::string> args;
    int code;
    std::string field_line;  // "  limits.sites: number.out_of_range"; empty when it succeeds
  };
  const std::vector<Case> cases = {
      {"minus one", {"--sites", "-1"}, kExitInvalid, "  limits.sites: number.out_of_range\n"},
      {"minus one with =", {"--sites=-1"}, kExitInvalid, "  limits.sites: number.out_of_range\n"},
      {"above the range",
       {"--mailboxes", "1000001"},
       kExitInvalid,
       "  limits.mailboxes: number.out_of_range\n"},
      {"zero quota",
       {"--mailbox-quota-mb", "0"},
       kExitInvalid,
       "  limits.mailbox_quota_mb: number.out_of_range\n"},
      {"fraction", {"--disk-mb", "2.5"}, kExitInvalid, "  limits.disk_mb: field.type\n"},
      {"word", {"--ftp-users", "lots"}, kExitInvalid, "  limits.ftp_users: field.type\n"},
      {"hex", {"--dns-zones", "0x10"}, kExitInvalid, "  limits.dns_zones: field.type\n"},
      {"spaces", {"--databases", " 3"}, kExitInvalid, "  limits.databases: field.type\n"},
      {"too many digits",
       {"--forwarders", "99999999999999999999"},
       kExitInvalid,
       "  limits.forwarders: field.type\n"},
      {"capitalised flag", {"--sites", "Unlimited"}, kExitInvalid, "  limits.sites: field.type\n"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::vector<std::string> args = {"plan", "create", "gold"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    CliRun r = Cli(args);
    EXPECT_EQ(r.code, c.code) << r.out << r.err;
    EXPECT_NE(r.err.find(c.field_line), std::string::npos) << r.err;
  }
  EXPECT_EQ(Cli({"plan", "show", "gold"}).code, kExitNotFound) << "a refused plan was stored";
  EXPECT_EQ(Cli({"plan", "create", "Gold!"}).code, kExitInvalid);
}

TEST_F(PlanCliTest, CreateListShowAndSetPlan) {
  CliRun created = Cli({"plan", "create", "small", "--sites", "1", "--disk-mb", "500",
                        "--mailboxes", "unlimited", "--forwarders", "0"});
  ASSERT_EQ(created.code, kExitOk) << created.err;
  EXPECT_NE(created.out.find("created plan small"), std::string::npos) << created.out;
  json small = PlanJson("small");
  EXPECT_EQ(small["limits"]["sites"], 1);
  EXPECT_EQ(small["limits"]["disk_mb"], 500);
  EXPECT_EQ(small["limits"]["forwarders"], 0);
  EXPECT_EQ(small["limits"]["mailboxes"], json({{"unlimited", true}}));
  EXPECT_EQ(small["limits"]["databases"], json({{"unlimited", true}})) << "not given: unlimited";
  EXPECT_EQ(Cli({"plan", "create", "small"}).code, kExitConflict);

  CliRun table = Cli({"plan", "list"});
  ASSERT_EQ(table.code, kExitOk) << table.err;
  EXPECT_NE(table.out.find("NAME"), std::string::npos);
  EXPECT_NE(table.out.find("small"), std::string::npos);
  EXPECT_NE(table.out.find("default"), std::string::npos);
  CliRun listed = Cli({"plan", "list", "-o", "json"});
  ASSERT_EQ(listed.code, kExitOk);
  EXPECT_EQ(json::parse(listed.out)["plans"].size(), 2u);

  auto c = env_.Client();
  ASSERT_EQ(
      c->Post("/api/v1/nodes", R"({"name":"local","roles":["web"]})", "application/json")->status,
      201);
  ASSERT_EQ(Cli({"customer", "create", "acme", "--email", "ops@acme.example"}).code, kExitOk);
  for (const char* d : {"a.acme.example", "b.acme.example"}) {
    ASSERT_EQ(Cli({"site", "add", d, "--customer", "acme"}).code, kExitOk);
  }
  CliRun below = Cli({"customer", "set-plan", "acme", "small"});
  EXPECT_EQ(below.code, kExitConflict);
  EXPECT_NE(below.err.find("  plan: plan.below_usage\n"), std::string::npos) << below.err;
  EXPECT_EQ(Cli({"customer", "set-plan", "acme", "gold"}).code, kExitInvalid);
  EXPECT_EQ(Cli({"customer", "set-plan", "nobody", "small"}).code, kExitNotFound);

  ASSERT_EQ(Cli({"plan", "create", "two", "--sites", "2"}).code, kExitOk);
  CliRun moved = Cli({"customer", "set-plan", "acme", "two", "-o", "json"});
  ASSERT_EQ(moved.code, kExitOk) << moved.err;
  EXPECT_EQ(json::parse(moved.out)["customer"]["plan_id"], PlanJson("two")["id"]);
  CliRun third = Cli({"site", "add", "c.acme.example", "--customer", "acme"});
  EXPECT_EQ(third.code, kExitConflict);
  EXPECT_NE(third.err.find("  domain: plan.sites_limit\n"), std::string::npos) << third.err;
}

TEST_F(PlanCliTest, APlanPinsItsServicesToASiteOrGroup) {
  CliRun r = Cli({"plan", "create", "ams-gold", "--site", "ams", "--group", "gold"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(PlanJson("ams-gold")["placement"], json({{"site", "ams"}, {"group", "gold"}}));
  r = Cli({"plan", "list"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_NE(r.out.find("site ams, group gold"), std::string::npos) << r.out;
  r = Cli({"plan", "create", "bad-pin", "--site", "Not A Site"});
  EXPECT_EQ(r.code, kExitInvalid);
  EXPECT_NE(r.err.find("  placement.site: placement.invalid\n"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace hostplane::cli
