// The mail domain verbs (`mail dns`, `mail dkim rotate`) against the real controller API
// in-process (api_test_env.h).

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

class MailCliTest : public ::testing::Test {
 protected:
  CliRun Cli(std::vector<std::string> args, const std::string& stdin_text = "") {
    args.insert(args.end(), {"--url", env_.url(), "--token", env_.token()});
    return testing::RunCli(std::move(args), stdin_text);
  }

  controller::testing::ApiEnv env_;
};

TEST_F(MailCliTest, ShowsTheRecordsAndRotatesTheDkimKey) {
  ASSERT_EQ(Cli({"node", "add", "mx1", "--roles", "mail", "--ipv4", "192.0.2.10"}).code, kExitOk);
  ASSERT_EQ(Cli({"customer", "create", "acme", "--email", "ops@acme.example"}).code, kExitOk);
  CliRun box =
      Cli({"mailbox", "add", "info@acme.example", "--customer", "acme", "--password-stdin"},
          "s3cret-Passw0rd\n");
  ASSERT_EQ(box.code, kExitOk) << box.err;

  CliRun dns = Cli({"mail", "dns", "acme.example"});
  ASSERT_EQ(dns.code, kExitOk) << dns.err;
  EXPECT_NE(dns.out.find("hp1._domainkey.acme.example"), std::string::npos) << dns.out;
  EXPECT_NE(dns.out.find("v=DMARC1; p=none"), std::string::npos) << dns.out;
  EXPECT_NE(dns.out.find("add these records where its zone is served"), std::string::npos)
      << dns.out;

  CliRun rotated = Cli({"mail", "dkim", "rotate", "acme.example", "-o", "json"});
  ASSERT_EQ(rotated.code, kExitOk) << rotated.err;
  EXPECT_EQ(rotated.Json()["mail_domain"]["dkim_selector"], "hp2") << rotated.out;
  CliRun after = Cli({"mail", "dns", "acme.example", "-o", "json"});
  ASSERT_EQ(after.code, kExitOk) << after.err;
  EXPECT_EQ(after.Json()["mail_domain"]["dkim_selector"], "hp2");

  CliRun missing = Cli({"mail", "dkim", "rotate", "nope.example"});
  EXPECT_EQ(missing.code, kExitNotFound) << missing.out << missing.err;
  CliRun no_domain = Cli({"mail", "dkim", "rotate"});
  EXPECT_EQ(no_domain.code, kExitUsage) << no_domain.err;
}

}  // namespace
}  // namespace hostplane::cli
