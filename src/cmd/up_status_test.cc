#include "cmd/up_status.h"

#include <gtest/gtest.h>

namespace hostplane::cmd {
namespace {

TEST(UpStatusTest, RoundTripsThroughJson) {
  UpStatus s;
  s.pid = 4242;
  s.started_at = "2026-12-06T20:42:06Z";
  s.binary = "/root/try/build/hostplane";
  s.data_dir = "/var/lib/hostplane/up/try-var-1a2b3c4d";
  s.data_link = "/root/try/var";
  s.cwd = "/root/try";
  s.argv = {"build/hostplane", "up", "--data-dir", "./var"};
  s.endpoints = {{"api", "hostplane", "http://127.0.0.1:8580", 8580, "REST API"},
                 {"php", "PHP-FPM 8.2", "/var/lib/x/run/hostplane/php", 0, ""}};
  auto back = UpStatusFromJson(UpStatusToJson(s));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->pid, 4242);
  EXPECT_EQ(back->data_link, "/root/try/var");
  EXPECT_EQ(back->argv, s.argv);
  ASSERT_EQ(back->endpoints.size(), 2u);
  EXPECT_EQ(back->endpoints[0].port, 8580);
  EXPECT_EQ(back->endpoints[1].where, "/var/lib/x/run/hostplane/php");
}

TEST(UpStatusTest, RefusesADocumentWithAMissingOrMistypedField) {
  nlohmann::json good = UpStatusToJson(UpStatus{});
  ASSERT_TRUE(UpStatusFromJson(good));
  for (const char* field :
       {"pid", "started_at", "binary", "data_dir", "data_link", "cwd", "argv", "endpoints"}) {
    nlohmann::json bad = good;
    bad.erase(field);
    EXPECT_FALSE(UpStatusFromJson(bad)) << field;
    bad[field] = nlohmann::json::object();
    EXPECT_FALSE(UpStatusFromJson(bad)) << field;
  }
  nlohmann::json bad = good;
  bad["endpoints"] = {{{"service", "api"}}};
  EXPECT_FALSE(UpStatusFromJson(bad));
  EXPECT_FALSE(UpStatusFromJson(nlohmann::json::array()));
}

TEST(ShellCommandTest, QuotesOnlyWhatTheShellWouldSplitOrExpand) {
  EXPECT_EQ(ShellCommand({"build/hostplane", "up", "--data-dir", "./var", "--api-port", "8581"}),
            "build/hostplane up --data-dir ./var --api-port 8581");
  EXPECT_EQ(ShellCommand({"/root/my clone"}), "'/root/my clone'");
  EXPECT_EQ(ShellCommand({"it's", "$HOME", ""}), "'it'\\''s' '$HOME' ''");
}

}  // namespace
}  // namespace hostplane::cmd
