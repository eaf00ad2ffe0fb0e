// The people verbs (`reseller …`, `user …`) against the real controller API in-process
// (api_test_env.h): limits as typed, the exit codes and field codes a script sees, secrets from
// standard input only.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
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

class PeopleCliTest : public ::testing::Test {
 protected:
  // `hostplane ARGS --url <env> --token <admin>`.
  CliRun Cli(std::vector<std::string> args, const std::string& stdin_text = "") {
    args.insert(args.end(), {"--url", env_.url(), "--token", env_.token()});
    return testing::RunCli(std::move(args), stdin_text);
  }

  controller::testing::ApiEnv env_;
};

TEST_F(PeopleCliTest, AResellersLimitsAreNumbersOrUnlimitedAndRefusalsAreTheApisFieldCodes) {
  CliRun bad =
      Cli({"reseller", "create", "rsla", "--email", "ops@rsla.example", "--max-customers", "lots"});
  EXPECT_EQ(bad.code, kExitInvalid) << bad.err;
  EXPECT_NE(bad.err.find("  limits.customers: field.type\n"), std::string::npos) << bad.err;
  CliRun made = Cli({"reseller", "create", "rsla", "--email", "ops@rsla.example", "--max-customers",
                     "3", "--password-stdin", "-o", "json"},
                    "a long reseller password\n");
  ASSERT_EQ(made.code, kExitOk) << made.err;
  const json r = made.Json()["reseller"];
  EXPECT_EQ(r["limits"]["customers"], 3);
  EXPECT_EQ(r["limits"]["sites"], json({{"unlimited", true}}));
  EXPECT_EQ(r["overselling"], false);

  EXPECT_EQ(Cli({"reseller", "set-limits", "rsla"}).code, kExitUsage);
  CliRun changed = Cli(
      {"reseller", "set-limits", "rsla", "--max-sites", "10", "--overselling", "on", "-o", "json"});
  ASSERT_EQ(changed.code, kExitOk) << changed.err;
  EXPECT_EQ(changed.Json()["reseller"]["limits"]["sites"], 10);
  EXPECT_EQ(changed.Json()["reseller"]["overselling"], true);
  CliRun listed = Cli({"reseller", "list"});
  ASSERT_EQ(listed.code, kExitOk) << listed.err;
  EXPECT_NE(listed.out.find("rsla"), std::string::npos) << listed.out;
  EXPECT_EQ(Cli({"reseller", "show", "nosuch"}).code, kExitNotFound);
  EXPECT_EQ(Cli({"reseller", "suspend", "rsla"}).code, kExitOk);
  EXPECT_EQ(Cli({"reseller", "show", "rsla", "-o", "json"}).Json()["reseller"]["status"],
            "suspended");
  EXPECT_EQ(Cli({"reseller", "delete", "rsla"}).code, kExitOk);
  EXPECT_EQ(Cli({"reseller", "show", "rsla"}).code, kExitNotFound);
}

TEST_F(PeopleCliTest, AUsersGrantsMustBeTheCustomersOwn) {
  ASSERT_EQ(Cli({"customer", "create", "acme", "--email", "ops@acme.example"}).code, kExitOk);
  CliRun foreign = Cli({"user", "create", "designer", "--email", "d@studio.example", "--customer",
                        "acme", "--site", "elsewhere.example"});
  EXPECT_EQ(foreign.code, kExitInvalid) << foreign.err;
  EXPECT_NE(foreign.err.find("  sites[0]: grant.not_found\n"), std::string::npos) << foreign.err;
  CliRun full = Cli({"user", "create", "designer", "--email", "d@studio.example", "--customer",
                     "acme", "--full-access", "--password-stdin"},
                    "the designer's long secret\n");
  ASSERT_EQ(full.code, kExitOk) << full.err;
  CliRun listed = Cli({"user", "list", "--customer", "acme"});
  ASSERT_EQ(listed.code, kExitOk) << listed.err;
  EXPECT_NE(listed.out.find("designer"), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("full"), std::string::npos) << listed.out;
  EXPECT_EQ(Cli({"user", "delete", "designer"}).code, kExitOk);
  EXPECT_EQ(Cli({"user", "show", "designer"}).code, kExitNotFound);
}

}  // namespace
}  // namespace hostplane::cli
