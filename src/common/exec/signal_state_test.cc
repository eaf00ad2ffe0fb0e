#include "common/exec/signal_state.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

namespace hostplane {
namespace {

void OnUsr2(int) {}

// A child that installs a SIGUSR2 handler after `delay_ms` (0: never), then waits.
pid_t Child(int delay_ms) {
  pid_t pid = ::fork();
  if (pid == 0) {
    if (delay_ms > 0) {
      ::usleep(static_cast<useconds_t>(delay_ms) * 1000);
      ::signal(SIGUSR2, OnUsr2);
    }
    for (;;) ::pause();
  }
  return pid;
}

void Reap(pid_t pid) {
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
}

TEST(SignalStateTest, SeesWhenAHandlerIsInstalled) {
  pid_t late = Child(200);
  auto now = CatchesSignal(late, SIGUSR2);
  ASSERT_TRUE(now);
  EXPECT_FALSE(*now) << "a fresh child has the default action";
  EXPECT_TRUE(WaitUntilCatches(late, SIGUSR2, std::chrono::seconds(5)));
  EXPECT_TRUE(*CatchesSignal(late, SIGUSR2));
  EXPECT_FALSE(*CatchesSignal(late, SIGHUP));
  Reap(late);
}

TEST(SignalStateTest, TimesOutOnAProcessWithoutAHandlerAndNotFoundWhenGone) {
  pid_t never = Child(0);
  auto waited = WaitUntilCatches(never, SIGUSR2, std::chrono::milliseconds(50));
  ASSERT_FALSE(waited);
  EXPECT_EQ(waited.error().code, ErrorCode::kTimeout);
  Reap(never);
  auto gone = CatchesSignal(never, SIGUSR2);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace hostplane
