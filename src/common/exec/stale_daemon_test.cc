#include "common/exec/stale_daemon.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

namespace hostplane {
namespace {

// A `sleep 60` that is not this process's child (double fork: its parent exits at once), like a
// daemon an earlier, killed run left behind. ignore_term: it ignores SIGTERM.
int StartOrphanSleep(bool ignore_term = false) {
  int fds[2];
  if (::pipe(fds) != 0) return -1;
  const pid_t middle = ::fork();
  if (middle == 0) {
    const pid_t daemon = ::fork();
    if (daemon == 0) {
      ::close(fds[0]);
      ::close(fds[1]);
      if (ignore_term) ::signal(SIGTERM, SIG_IGN);
      ::execl("/usr/bin/sleep", "sleep", "60", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    (void)!::write(fds[1], &daemon, sizeof daemon);
    ::_exit(0);
  }
  ::close(fds[1]);
  pid_t daemon = -1;
  (void)!::read(fds[0], &daemon, sizeof daemon);
  ::close(fds[0]);
  ::waitpid(middle, nullptr, 0);
  // Until it has exec'd, /proc/<pid>/exe is this test binary.
  for (int i = 0; i < 200; ++i) {
    std::error_code ec;
    if (std::filesystem::read_symlink("/proc/" + std::to_string(daemon) + "/exe", ec).filename() ==
        "sleep") {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return daemon;
}

bool Running(int pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  return !text.empty() && text[text.rfind(')') + 2] != 'Z';
}

class StaleDaemonTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/hp-stale-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    for (int pid : started_) ::kill(pid, SIGKILL);
    std::filesystem::remove_all(dir_);
  }
  int Orphan(bool ignore_term = false) {
    int pid = StartOrphanSleep(ignore_term);
    started_.push_back(pid);
    return pid;
  }
  std::string PidFile(const std::string& content) {
    std::ofstream(dir_ + "/daemon.pid") << content;
    return dir_ + "/daemon.pid";
  }
  const std::string sleep_ = std::filesystem::canonical("/usr/bin/sleep").string();
  std::string dir_;
  std::vector<int> started_;
};

TEST_F(StaleDaemonTest, StopsTheDaemonItsPidFileNamesAndRemovesTheFile) {
  const int pid = Orphan();
  ASSERT_GT(pid, 0);
  const std::string file = PidFile(std::to_string(pid) + "\n");
  auto stopped = StopStaleDaemon(file, "/usr/bin/sleep", std::chrono::seconds(5));
  ASSERT_TRUE(stopped) << stopped.error().message;
  EXPECT_EQ(*stopped, pid);
  EXPECT_FALSE(Running(pid));
  EXPECT_FALSE(std::filesystem::exists(file));
}

TEST_F(StaleDaemonTest, KillsOneThatIgnoresSigtermAfterTheGrace) {
  const int pid = Orphan(/*ignore_term=*/true);
  ASSERT_GT(pid, 0);
  const auto start = std::chrono::steady_clock::now();
  auto stopped =
      StopStaleDaemon(PidFile(std::to_string(pid)), sleep_, std::chrono::milliseconds(200));
  ASSERT_TRUE(stopped) << stopped.error().message;
  EXPECT_EQ(*stopped, pid);
  EXPECT_FALSE(Running(pid));
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(200));
}

TEST_F(StaleDaemonTest, LeavesAProcessRunningAnotherProgramAlone) {
  const int pid = Orphan();  // the pid was reused by something that is not the daemon
  ASSERT_GT(pid, 0);
  const std::string file = PidFile(std::to_string(pid));
  auto stopped = StopStaleDaemon(file, "/usr/bin/tail", std::chrono::milliseconds(100));
  ASSERT_TRUE(stopped);
  EXPECT_EQ(*stopped, 0);
  EXPECT_TRUE(Running(pid));
  EXPECT_TRUE(std::filesystem::exists(file));
}

TEST_F(StaleDaemonTest, NothingToDoWithoutALiveDaemon) {
  for (const std::string& content : {std::string(), std::string("junk"), std::string("1"),
                                     std::to_string(::getpid()), std::string("4194304")}) {
    auto stopped = StopStaleDaemon(PidFile(content), sleep_, std::chrono::milliseconds(100));
    ASSERT_TRUE(stopped) << content;
    EXPECT_EQ(*stopped, 0) << content;
  }
  auto missing = StopStaleDaemon(dir_ + "/none.pid", sleep_, std::chrono::milliseconds(100));
  ASSERT_TRUE(missing);
  EXPECT_EQ(*missing, 0);
}

}  // namespace
}  // namespace hostplane
