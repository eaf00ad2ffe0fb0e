// The verbs that change what customers log in with and retry failed tasks (`mailbox set`,
// `ftp set`, `task retry`) against the real controller API in-process (api_test_env.h), the
// node's results reported as its agent would.

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

class OperationsCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(Cli({"node", "add", "web1", "--roles", "web,mail"}).code, kExitOk);
    ASSERT_EQ(Cli({"customer", "create", "acme", "--email", "ops@acme.example"}).code, kExitOk);
  }

  CliRun Cli(std::vector<std::string> args, const std::string& stdin_text = "") {
    args.insert(args.end(), {"--url", env_.url(), "--token", env_.token()});
    return testing::RunCli(std::move(args), stdin_text);
  }

  controller::testing::ApiEnv env_;
};

TEST_F(OperationsCliTest, MailboxAndFtpSetChangePasswordsAndQuota) {
  ASSERT_EQ(Cli({"mailbox", "add", "info@acme.example", "--customer", "acme", "--password-stdin"},
                "s3cret-Passw0rd\n")
                .code,
            kExitOk);
  CliRun set = Cli({"mailbox", "set", "info@acme.example", "--password-stdin", "--quota-mb", "300",
                    "-o", "json"},
                   "an0ther-Passw0rd\n");
  ASSERT_EQ(set.code, kExitOk) << set.err;
  EXPECT_EQ(set.Json()["mailbox"]["quota_mb"], 300) << set.out;
  EXPECT_EQ(set.Json()["tasks"][0]["kind"], "maildomain.ensure") << set.out;
  CliRun nothing = Cli({"mailbox", "set", "info@acme.example"});
  EXPECT_EQ(nothing.code, kExitInvalid) << nothing.out << nothing.err;
  EXPECT_NE(nothing.err.find("patch.empty"), std::string::npos) << nothing.err;
  CliRun weak = Cli({"mailbox", "set", "info@acme.example", "--password-stdin"}, "short\n");
  EXPECT_EQ(weak.code, kExitInvalid) << weak.err;
  EXPECT_EQ(Cli({"mailbox", "set", "nobody@acme.example", "--quota-mb", "5"}).code, kExitNotFound);

  ASSERT_EQ(
      Cli({"ftp", "add", "acme_web", "--customer", "acme", "--password-stdin"}, "s3cret-Passw0rd\n")
          .code,
      kExitOk);
  CliRun ftp = Cli({"ftp", "set", "acme_web", "--password-stdin"}, "an0ther-Passw0rd\n");
  ASSERT_EQ(ftp.code, kExitOk) << ftp.err;
  EXPECT_NE(ftp.out.find("changed the password of FTP user acme_web"), std::string::npos)
      << ftp.out;
}

TEST_F(OperationsCliTest, TaskRetryQueuesAFailedTaskOnceAndRefusesOthers) {
  CliRun site = Cli({"site", "add", "acme.example", "--customer", "acme", "-o", "json"});
  ASSERT_EQ(site.code, kExitOk) << site.err;
  const json answer = site.Json();
  json failed;
  for (const auto& t : answer["tasks"]) {
    if (t["object_key"] == "site:acme.example") failed = t;
  }
  ASSERT_TRUE(failed.is_object()) << site.out;
  const std::string id = std::to_string(failed["id"].get<int64_t>());

  CliRun pending = Cli({"task", "retry", id});
  EXPECT_EQ(pending.code, kExitConflict) << pending.out << pending.err;
  EXPECT_NE(pending.err.find("task.not_failed"), std::string::npos) << pending.err;

  ASSERT_TRUE(env_.ReportResult("web1", failed["id"], failed["revision"],
                                protocol::TaskOutcome::kFailed, "nginx: [emerg] forced"));
  CliRun retried = Cli({"task", "retry", id});
  ASSERT_EQ(retried.code, kExitOk) << retried.err;
  EXPECT_NE(retried.out.find("task " + id + " retried as task "), std::string::npos) << retried.out;
  CliRun again = Cli({"task", "retry", id, id, "-o", "json"});
  ASSERT_EQ(again.code, kExitOk) << again.err;
  EXPECT_EQ(again.Json()["retries"].size(), 2u) << again.out;
  EXPECT_FALSE(again.Json()["retries"][0]["queued"].get<bool>()) << again.out;
  EXPECT_TRUE(again.Json()["tasks"].empty()) << again.out;
  EXPECT_EQ(Cli({"task", "retry", "999999"}).code, kExitNotFound);
  EXPECT_EQ(Cli({"task", "retry"}).code, kExitUsage);
}

}  // namespace
}  // namespace hostplane::cli
