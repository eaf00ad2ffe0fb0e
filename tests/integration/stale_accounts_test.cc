// The sweep every UpInstance runs before it starts (tests/support/stale_accounts.h), against the
// machine's real user database: what a dead test left goes, what is not its stays.

#include "stale_accounts.h"

#include <grp.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "common/exec/command_runner.h"
#include "protocol/validate.h"

namespace hostplane::testing {
namespace {

// A uid range no test instance uses (those are 20000-59999 and 64000-263999).
constexpr int64_t kFirst = 63900;
constexpr int64_t kLast = 63949;

std::string Name(const char* tail) { return "tsw" + std::to_string(::getpid() % 10000) + tail; }

bool Tool(std::vector<std::string> argv) {
  static PosixCommandRunner runner(
      {"/usr/sbin/groupadd", "/usr/sbin/useradd", "/usr/sbin/userdel", "/usr/sbin/groupdel"});
  Command cmd;
  cmd.argv = std::move(argv);
  auto out = runner.Run(cmd);
  return out && out->ok();
}

void MakeGroup(const std::string& name, int64_t id) {
  ASSERT_TRUE(Tool({"/usr/sbin/groupadd", "-g", std::to_string(id), "--", name})) << name;
}

void Make(const std::string& name, int64_t id, const std::string& comment,
          const std::string& home) {
  MakeGroup(name, id);
  ASSERT_TRUE(Tool({"/usr/sbin/useradd", "-M", "-N", "-u", std::to_string(id), "-g",
                    std::to_string(id), "-d", home, "-c", comment, "--", name}))
      << name;
}

void Remove(const std::string& name) {
  (void)Tool({"/usr/sbin/userdel", "--", name});
  (void)Tool({"/usr/sbin/groupdel", "--", name});
}

class StaleAccounts : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_FAIL() << "needs root (useradd), as the integration tests do";
    home_ = std::filesystem::temp_directory_path() / Name("home");
    std::filesystem::create_directories(home_);
  }
  void TearDown() override {
    for (const auto* n : {"a", "b", "c", "g"}) Remove(Name(n));
    std::filesystem::remove_all(home_);
  }
  std::string home_;
};

TEST_F(StaleAccounts, AHeldRangeLosesEveryAccountAndOrphanGroupInIt) {
  const std::string comment(protocol::kAccountUserComment);
  Make(Name("a"), kFirst, comment, home_);                       // home present: still stale
  Make(Name("b"), kFirst + 1, comment, "/nonexistent/tsw");      // home gone
  Make(Name("c"), kFirst + 2, "somebody else", "/nonexistent");  // not an account
  MakeGroup(Name("g"), kFirst + 3);  // a group whose user was never made

  auto removed = SweepStaleAccounts({kFirst, kLast, "tsw", /*only_without_home=*/false});

  EXPECT_EQ(::getpwnam(Name("a").c_str()), nullptr);
  EXPECT_EQ(::getpwnam(Name("b").c_str()), nullptr);
  EXPECT_EQ(::getgrnam(Name("a").c_str()), nullptr);
  EXPECT_EQ(::getgrnam(Name("g").c_str()), nullptr);
  EXPECT_NE(::getpwnam(Name("c").c_str()), nullptr) << "not a hostplane account: kept";
  EXPECT_GE(removed.size(), 3u);
}

TEST_F(StaleAccounts, ASharedRangeLosesOnlyAccountsWhoseHomeIsGone) {
  const std::string comment(protocol::kAccountUserComment);
  Make(Name("a"), kFirst + 10, comment, home_);
  Make(Name("b"), kFirst + 11, comment, "/nonexistent/tsw");

  (void)SweepStaleAccounts({kFirst, kLast, "", /*only_without_home=*/true});

  EXPECT_NE(::getpwnam(Name("a").c_str()), nullptr) << "its home is there: a live instance's";
  EXPECT_EQ(::getpwnam(Name("b").c_str()), nullptr);
  EXPECT_EQ(::getgrnam(Name("b").c_str()), nullptr);
}

TEST_F(StaleAccounts, OutsideTheRangeNothingIsTouched) {
  Make(Name("a"), kLast + 1, std::string(protocol::kAccountUserComment), "/nonexistent/tsw");
  EXPECT_TRUE(SweepStaleAccounts({kFirst, kLast, "", true}).empty());
  EXPECT_NE(::getpwnam(Name("a").c_str()), nullptr);
}

}  // namespace
}  // namespace hostplane::testing
