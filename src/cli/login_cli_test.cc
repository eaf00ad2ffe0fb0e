// `hostplane login` against the real controller API in-process (api_test_env.h): the password
// from standard input buys a token of the login, kept in the CLI's file with mode 0600; later
// calls without --token use it, with the login's rights and no more; a wrong password changes
// nothing. `hostplane second-factor` turns a second factor on with an app's code, and login then
// needs --totp; an admin resets a lost one.

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "cli/cli_test_support.h"
#include "cli/exit_codes.h"
#include "controller/api/api_test_env.h"
#include "controller/auth/totp.h"

namespace hostplane::cli {
namespace {

using nlohmann::json;
using testing::CliRun;

constexpr const char* kPassword = "a long customer password";

controller::ApiOptions CheapHashes() {
  controller::ApiOptions o;
  o.login.argon2 = auth::Argon2Params::Cheapest();
  return o;
}

class LoginCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = ::testing::TempDir() + "/hp-cli-login-XXXXXX";
    dir_ = mkdtemp(tmpl.data());
    config_ = dir_ + "/conf/hostplane/cli.json";
    ::setenv("HOSTPLANE_CONFIG", config_.c_str(), 1);
    ::unsetenv("HOSTPLANE_TOKEN");
    ::unsetenv("HOSTPLANE_URL");
    for (const char* login : {"acme", "other"}) {
      CliRun made = Admin({"customer", "create", login, "--email",
                           std::string("ops@") + login + ".example", "--password-stdin"},
                          std::string(kPassword) + "\n");
      ASSERT_EQ(made.code, kExitOk) << made.err;
    }
  }
  void TearDown() override {
    ::unsetenv("HOSTPLANE_CONFIG");
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  CliRun Admin(std::vector<std::string> args, const std::string& stdin_text = "") {
    args.insert(args.end(), {"--url", env_.url(), "--token", env_.token()});
    return testing::RunCli(std::move(args), stdin_text);
  }
  // No --token: whatever `hostplane login` kept.
  CliRun AsSaved(std::vector<std::string> args, const std::string& stdin_text = "") {
    args.insert(args.end(), {"--url", env_.url()});
    return testing::RunCli(std::move(args), stdin_text);
  }

  controller::testing::ApiEnv env_{nullptr, CheapHashes()};
  std::string dir_;
  std::string config_;
};

TEST_F(LoginCliTest, LoginKeepsATokenWithMode0600ThatLaterCallsUse) {
  EXPECT_EQ(AsSaved({"customer", "show", "acme"}).code, kExitUnauthorized) << "not logged in";

  CliRun wrong = AsSaved({"login", "acme"}, "not the password\n");
  EXPECT_EQ(wrong.code, kExitUnauthorized) << wrong.err;
  EXPECT_FALSE(std::filesystem::exists(config_));

  CliRun in = AsSaved({"login", "acme"}, std::string(kPassword) + "\n");
  ASSERT_EQ(in.code, kExitOk) << in.err;
  EXPECT_NE(in.out.find("logged in as acme"), std::string::npos) << in.out;
  struct stat st {};
  ASSERT_EQ(::stat(config_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((dir_ + "/conf/hostplane").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  std::ifstream file(config_);
  const json saved = json::parse(file, nullptr, false);
  ASSERT_TRUE(saved.is_object());
  EXPECT_EQ(saved["login"], "acme");
  EXPECT_EQ(saved["url"], env_.url());
  EXPECT_EQ(in.out.find(saved["token"].get<std::string>()), std::string::npos)
      << "the token is not printed";

  // Later calls name no token: the saved one, with the customer's rights.
  CliRun own = AsSaved({"customer", "show", "acme", "-o", "json"});
  ASSERT_EQ(own.code, kExitOk) << own.err;
  EXPECT_EQ(own.Json()["customer"]["login"], "acme");
  EXPECT_EQ(AsSaved({"customer", "show", "other"}).code, kExitNotFound);
  // Without --url either: the saved controller's.
  EXPECT_EQ(testing::RunCli({"customer", "show", "acme"}).code, kExitOk);

  // A file others can read is not used.
  ASSERT_EQ(::chmod(config_.c_str(), 0644), 0);
  CliRun exposed = AsSaved({"customer", "show", "acme"});
  EXPECT_EQ(exposed.code, kExitUnauthorized);
  EXPECT_NE(exposed.err.find("other users"), std::string::npos) << exposed.err;
}

// The code an authenticator app shows `steps` periods from now for the base32 secret.
std::string AppCode(const std::string& base32, int steps) {
  auto secret = auth::TotpSecretFromBase32(base32);
  EXPECT_TRUE(secret);
  auto code = auth::TotpCode(secret ? *secret : "", std::time(nullptr) + steps * 30, {});
  EXPECT_TRUE(code);
  return code ? *code : "";
}

TEST_F(LoginCliTest, ASecondFactorTurnedOnWithTheAppsCodeIsAskedAtLoginAndResetByStaff) {
  ASSERT_EQ(AsSaved({"login", "acme"}, std::string(kPassword) + "\n").code, kExitOk);
  CliRun off = AsSaved({"second-factor", "status"});
  ASSERT_EQ(off.code, kExitOk) << off.err;
  EXPECT_NE(off.out.find("second factor: off"), std::string::npos) << off.out;

  CliRun begun = AsSaved({"second-factor", "enable"});
  ASSERT_EQ(begun.code, kExitOk) << begun.err;
  const size_t at = begun.out.find("secret: ");
  ASSERT_NE(at, std::string::npos) << begun.out;
  const std::string secret = begun.out.substr(at + 8, begun.out.find('\n', at) - at - 8);
  EXPECT_NE(begun.out.find("otpauth://totp/"), std::string::npos) << begun.out;
  EXPECT_NE(begun.out.find("hostplane second-factor confirm CODE"), std::string::npos);

  CliRun on = AsSaved({"second-factor", "confirm", AppCode(secret, 0)});
  ASSERT_EQ(on.code, kExitOk) << on.err;
  EXPECT_NE(on.out.find("shown only now"), std::string::npos) << on.out;
  int codes = 0;
  for (size_t p = on.out.find("\n  "); p != std::string::npos; p = on.out.find("\n  ", p + 1)) {
    ++codes;
  }
  EXPECT_EQ(codes, 10) << on.out;

  CliRun bare = AsSaved({"login", "acme"}, std::string(kPassword) + "\n");
  EXPECT_EQ(bare.code, kExitUnauthorized);
  EXPECT_NE(bare.err.find("totp"), std::string::npos) << bare.err;
  CliRun with_code =
      AsSaved({"login", "acme", "--totp", AppCode(secret, 1)}, std::string(kPassword) + "\n");
  ASSERT_EQ(with_code.code, kExitOk) << with_code.err;
  CliRun state = AsSaved({"second-factor", "status"});
  EXPECT_NE(state.out.find("second factor: on (10 recovery codes left)"), std::string::npos)
      << state.out;

  CliRun reset = Admin({"second-factor", "reset", "acme"});
  ASSERT_EQ(reset.code, kExitOk) << reset.err;
  EXPECT_NE(reset.out.find("second factor of acme reset"), std::string::npos) << reset.out;
  EXPECT_EQ(AsSaved({"login", "acme"}, std::string(kPassword) + "\n").code, kExitOk);
}

// `hostplane token list|add|revoke`: the logged-in login's own tokens through the API. `add`
// prints the secret once (on standard output, alone), a scope wider than the login's is refused
// per field, and a revoked token is refused at its next call.
TEST_F(LoginCliTest, OwnTokensAreAddedListedAndRevokedThroughTheApi) {
  ASSERT_EQ(AsSaved({"login", "acme"}, std::string(kPassword) + "\n").code, kExitOk);
  CliRun added = AsSaved({"token", "add", "deploy", "--scope", "sites:read", "--days", "7"});
  ASSERT_EQ(added.code, kExitOk) << added.err;
  const std::string secret = added.out.substr(0, added.out.find('\n'));
  ASSERT_EQ(secret.rfind("hp_", 0), 0u) << added.out;
  EXPECT_NE(added.err.find("shown only now"), std::string::npos) << added.err;

  CliRun listed = AsSaved({"token", "list", "-o", "json"});
  ASSERT_EQ(listed.code, kExitOk) << listed.err;
  int64_t id = 0;
  const json tokens = listed.Json()["tokens"];
  for (const auto& t : tokens) {
    if (t["name"] == "deploy") id = t["id"].get<int64_t>();
  }
  ASSERT_GT(id, 0) << listed.out;
  EXPECT_EQ(listed.out.find(secret), std::string::npos);
  CliRun table = AsSaved({"token", "list"});
  EXPECT_NE(table.out.find("sites:read"), std::string::npos) << table.out;

  CliRun wide = AsSaved({"token", "add", "ops", "--scope", "nodes:write"});
  EXPECT_EQ(wide.code, kExitInvalid);
  EXPECT_NE(wide.err.find("scopes.too_wide"), std::string::npos) << wide.err;

  EXPECT_EQ(testing::RunCli({"site", "list", "--url", env_.url(), "--token", secret}).code,
            kExitOk);
  CliRun revoked = AsSaved({"token", "revoke", std::to_string(id)});
  ASSERT_EQ(revoked.code, kExitOk) << revoked.err;
  EXPECT_EQ(testing::RunCli({"site", "list", "--url", env_.url(), "--token", secret}).code,
            kExitUnauthorized);
  EXPECT_EQ(AsSaved({"token", "revoke", std::to_string(id)}).code, kExitNotFound);
}

}  // namespace
}  // namespace hostplane::cli
