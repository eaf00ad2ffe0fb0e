#include "common/failpoint.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <thread>

namespace hostplane::failpoint {
namespace {

using namespace std::chrono_literals;

class FailpointTest : public ::testing::Test {
 protected:
  void TearDown() override { DisableAll(); }
};

Status Step() {
  HP_FAILPOINT("test.step");
  return Ok();
}

TEST_F(FailpointTest, OffPointsCostNothingAndChangeNothing) {
  EXPECT_EQ(internal::g_enabled.load(), 0);
  EXPECT_TRUE(Step().has_value());
  EXPECT_EQ(Hits("test.step"), 0);
  Enable("test.other", Action::kError);
  EXPECT_EQ(internal::g_enabled.load(), 1);
  EXPECT_TRUE(Step().has_value()) << "another point is on, not this one";
  Disable("test.other");
  EXPECT_EQ(internal::g_enabled.load(), 0);
}

TEST_F(FailpointTest, AnErrorPointFailsItsCallerUntilDisabled) {
  Enable("test.step", Action::kError);
  auto s = Step();
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, ErrorCode::kIo);
  EXPECT_EQ(s.error().message, "failpoint test.step");
  EXPECT_FALSE(Step().has_value());
  EXPECT_EQ(Hits("test.step"), 2);
  Disable("test.step");
  EXPECT_TRUE(Step().has_value());
}

TEST_F(FailpointTest, TheEnvironmentGrammar) {
  ASSERT_TRUE(Configure("test.step=error(unavailable)*2, test.other = pause(5)"));
  auto first = Step();
  ASSERT_FALSE(first.has_value());
  EXPECT_EQ(first.error().code, ErrorCode::kUnavailable);
  EXPECT_FALSE(Step().has_value());
  EXPECT_TRUE(Step().has_value()) << "*2: it turned itself off after firing twice";
  EXPECT_TRUE(Hit("test.other").has_value()) << "a timed pause ends by itself";
  EXPECT_EQ(Hits("test.other"), 1);

  ::setenv("HOSTPLANE_FAILPOINTS", "test.step=error", 1);
  ASSERT_TRUE(ConfigureFromEnvironment());
  ::unsetenv("HOSTPLANE_FAILPOINTS");
  EXPECT_FALSE(Step().has_value());
}

// A full disk or a failing one, injected where the filesystem seam calls the OS (P11): the error
// says what the OS would have said, so a task's report names the cause.
TEST_F(FailpointTest, AnErrnoArgumentFailsAsTheOperatingSystemWould) {
  ASSERT_TRUE(Configure("test.step=error(enospc)*1,test.other=error(eio)"));
  auto full = Step();
  ASSERT_FALSE(full.has_value());
  EXPECT_EQ(full.error().code, ErrorCode::kIo);
  EXPECT_EQ(full.error().message, "failpoint test.step: No space left on device");
  EXPECT_TRUE(Step().has_value()) << "*1: it fired once";
  auto broken = Hit("test.other");
  ASSERT_FALSE(broken.has_value());
  EXPECT_EQ(broken.error().message, "failpoint test.other: Input/output error");
}

// Points given to a process that reaches them while it starts wait, dormant and uncounted, until
// the test creates the arming file.
TEST_F(FailpointTest, DormantPointsActOnlyOnceTheirArmingFileExists) {
  char dir[] = "/tmp/hpfp.XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  const std::string arm = std::string(dir) + "/arm";
  ArmWhenExists(arm);
  Enable("test.step", Action::kError);
  EXPECT_TRUE(Step().has_value()) << "dormant";
  EXPECT_EQ(Hits("test.step"), 0);
  ASSERT_EQ(::close(::open(arm.c_str(), O_CREAT | O_WRONLY, 0600)), 0);
  EXPECT_FALSE(Step().has_value()) << "armed";
  ASSERT_EQ(::unlink(arm.c_str()), 0);
  EXPECT_FALSE(Step().has_value()) << "armed once, armed for good";
  EXPECT_EQ(Hits("test.step"), 2);
  ::rmdir(dir);
}

TEST_F(FailpointTest, AMalformedListEnablesNothing) {
  for (const char* bad : {"test.step", "=crash", "test.step=explode", "test.step=error(nope)",
                          "test.step=error(enoent)", "test.step=pause(x)", "test.step=crash*0",
                          "a=error,b=crash(1)"}) {
    auto s = Configure(bad);
    ASSERT_FALSE(s.has_value()) << bad;
    EXPECT_EQ(s.error().code, ErrorCode::kInvalid) << bad;
    EXPECT_EQ(internal::g_enabled.load(), 0) << bad;
  }
}

TEST_F(FailpointTest, APausedThreadWaitsUntilReleased) {
  Enable("test.step", Action::kPause);
  std::atomic<bool> done{false};
  std::thread worker([&] {
    EXPECT_TRUE(Step().has_value());
    done = true;
  });
  ASSERT_TRUE(WaitUntilPaused("test.step", 5s));
  std::this_thread::sleep_for(20ms);
  EXPECT_FALSE(done) << "the thread went on without a release";
  Release("test.step");
  worker.join();
  EXPECT_TRUE(done);
  EXPECT_FALSE(WaitUntilPaused("test.step", 10ms)) << "nobody waits there any more";
}

TEST_F(FailpointTest, ACrashPointKillsTheProcessAsKillNineWould) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        Enable("test.step", Action::kCrash);
        (void)Step();
      },
      ::testing::KilledBySignal(SIGKILL), "");
}

}  // namespace
}  // namespace hostplane::failpoint
