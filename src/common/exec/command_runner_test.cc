#include "common/exec/command_runner.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

namespace hostplane {
namespace {

using namespace std::chrono_literals;

class CommandRunnerTest : public ::testing::Test {
 protected:
  PosixCommandRunner runner_{
      {"/bin/cat", "/bin/sleep", "/usr/bin/env", "/bin/false", "/usr/bin/id"}};
};

// A stream too large for memory goes descriptor to descriptor: stdin from one file, stdout into
// another, nothing captured.
TEST_F(CommandRunnerTest, StreamsBetweenDescriptors) {
  char in_name[] = "/tmp/hp-runner-in-XXXXXX";
  char out_name[] = "/tmp/hp-runner-out-XXXXXX";
  int in = ::mkstemp(in_name);
  int out = ::mkstemp(out_name);
  ASSERT_GE(in, 0);
  ASSERT_GE(out, 0);
  std::string payload(3 * 1024 * 1024, 'x');
  payload += "end";
  ASSERT_EQ(::write(in, payload.data(), payload.size()), static_cast<ssize_t>(payload.size()));
  ASSERT_EQ(::lseek(in, 0, SEEK_SET), 0);
  Command c{{"/bin/cat"}, "ignored when stdin_fd is set"};
  c.stdin_fd = in;
  c.stdout_fd = out;
  auto r = runner_.Run(c);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_TRUE(r->out.empty());
  std::ifstream copied(out_name, std::ios::binary);
  std::string got((std::istreambuf_iterator<char>(copied)), std::istreambuf_iterator<char>());
  EXPECT_EQ(got, payload);
  ::close(in);
  ::close(out);
  std::remove(in_name);
  std::remove(out_name);
}

TEST_F(CommandRunnerTest, RunsAsAnotherUserWithOnlyItsGroup) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  Command c{{"/usr/bin/id"}};
  c.run_as = Command::Identity{65534, 65534};
  auto r = runner_.Run(c);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->out, "uid=65534(nobody) gid=65534(nogroup) groups=65534(nogroup)\n");
}

TEST_F(CommandRunnerTest, PassesStdinAndCapturesStdout) {
  auto r = runner_.Run({{"/bin/cat"}, "secret never in argv\n"});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_EQ(r->out, "secret never in argv\n");
}

TEST_F(CommandRunnerTest, ArgumentsAreNotInterpretedByAShell) {
  auto r = runner_.Run({{"/bin/cat", "--", "$(touch /tmp/hp-pwned);x"}});
  ASSERT_TRUE(r);
  EXPECT_NE(r->exit_code, 0);  // cat: no such file — the string was one argv element
  EXPECT_NE(r->err.find("$(touch /tmp/hp-pwned);x"), std::string::npos);
}

TEST_F(CommandRunnerTest, RefusesProgramsOffTheAllowlist) {
  auto r = runner_.Run({{"/bin/echo", "not allowed"}});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kForbidden);
}

TEST_F(CommandRunnerTest, ReportsNonZeroExitAsOutputNotError) {
  auto r = runner_.Run({{"/bin/false"}});
  ASSERT_TRUE(r);
  EXPECT_EQ(r->exit_code, 1);
}

TEST_F(CommandRunnerTest, KillsOnTimeout) {
  Command c{{"/bin/sleep", "5"}};
  c.timeout = 100ms;
  auto t0 = std::chrono::steady_clock::now();
  auto r = runner_.Run(c);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kTimeout);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
}

TEST_F(CommandRunnerTest, KillsWhenCancelled) {
  std::atomic<bool> cancel{false};
  Command c{{"/bin/sleep", "30"}};
  c.timeout = 60s;
  c.cancel = &cancel;
  std::thread later([&] {
    std::this_thread::sleep_for(200ms);
    cancel = true;
  });
  auto t0 = std::chrono::steady_clock::now();
  auto r = runner_.Run(c);
  later.join();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(r.error().message.find("cancelled"), std::string::npos) << r.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);

  // Not cancelled: the flag alone changes nothing.
  cancel = false;
  Command quick{{"/bin/cat"}};
  quick.stdin_data = "still here";
  quick.cancel = &cancel;
  auto ok = runner_.Run(quick);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->out, "still here");
}

TEST_F(CommandRunnerTest, ChildGetsAMinimalEnvironmentPlusExtras) {
  ::setenv("HOSTPLANE_SHOULD_NOT_LEAK", "1", 1);
  Command c{{"/usr/bin/env"}};
  c.env = {{"EXTRA", "yes"}};
  auto r = runner_.Run(c);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->out.find("HOSTPLANE_SHOULD_NOT_LEAK"), std::string::npos);
  EXPECT_NE(r->out.find("EXTRA=yes"), std::string::npos);
  EXPECT_NE(r->out.find("PATH=/usr/sbin:/usr/bin:/sbin:/bin"), std::string::npos);
}

TEST_F(CommandRunnerTest, AuditRecordsEveryArgv) {
  std::string audit = ::testing::TempDir() + "/exec.audit";
  std::remove(audit.c_str());
  ::setenv("HOSTPLANE_EXEC_AUDIT", audit.c_str(), 1);
  ASSERT_TRUE(runner_.Run({{"/bin/cat", "--", "/dev/null"}}));
  ::unsetenv("HOSTPLANE_EXEC_AUDIT");
  std::ifstream in(audit);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), "/bin/cat\t--\t/dev/null\n");
}

TEST(ChildProcessTest, StopsTheChild) {
  auto child = ChildProcess::Start({"/bin/sleep", "30"}, "");
  ASSERT_TRUE(child) << child.error().message;
  EXPECT_TRUE(child->Running());
  int status = child->Stop(SIGTERM, 2s);
  EXPECT_EQ(status, 128 + SIGTERM);
  EXPECT_FALSE(child->Running());
}

// The controller blocks SIGINT/SIGTERM in every thread and ignores SIGPIPE (cmd/bootstrap.h);
// neither may reach a program it starts: a daemon with SIGTERM blocked never stops when asked.
class InheritedSignalsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sigset_t stop;
    ::sigemptyset(&stop);
    ::sigaddset(&stop, SIGTERM);
    ::sigaddset(&stop, SIGINT);
    ASSERT_EQ(::pthread_sigmask(SIG_BLOCK, &stop, &saved_mask_), 0);
    saved_pipe_ = ::signal(SIGPIPE, SIG_IGN);
  }
  void TearDown() override {
    ::pthread_sigmask(SIG_SETMASK, &saved_mask_, nullptr);
    ::signal(SIGPIPE, saved_pipe_);
  }
  // The "SigBlk:" or "SigIgn:" mask of a /proc/<pid>/status text, as a number.
  static unsigned long long Mask(const std::string& status, const std::string& key) {
    auto at = status.find(key + ":");
    if (at == std::string::npos) return ~0ULL;
    return std::stoull(status.substr(at + key.size() + 1), nullptr, 16);
  }
  static constexpr unsigned long long Bit(int sig) { return 1ULL << (sig - 1); }
  sigset_t saved_mask_{};
  void (*saved_pipe_)(int) = SIG_DFL;
};

TEST_F(InheritedSignalsTest, ARunCommandStartsWithNoSignalBlockedOrIgnored) {
  PosixCommandRunner runner({"/bin/cat"});
  auto r = runner.Run({{"/bin/cat", "/proc/self/status"}});
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(Mask(r->out, "SigBlk"), 0u) << r->out;
  EXPECT_EQ(Mask(r->out, "SigIgn") & Bit(SIGPIPE), 0u) << r->out;
}

TEST_F(InheritedSignalsTest, ADaemonStopsOnSigtermAlthoughItsStarterBlocksIt) {
  auto child = ChildProcess::Start({"/bin/sleep", "30"}, "");
  ASSERT_TRUE(child) << child.error().message;
  const auto start = std::chrono::steady_clock::now();
  int status = child->Stop(SIGTERM, 5s);
  EXPECT_EQ(status, 128 + SIGTERM) << "killed after the grace (137) means SIGTERM was blocked";
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST(FindProgramTest, FindsByNameInTheSystemPath) {
  EXPECT_EQ(FindProgram("cat").value_or(""), "/usr/bin/cat");
  EXPECT_FALSE(FindProgram("no-such-program-hostplane"));
}

}  // namespace
}  // namespace hostplane
