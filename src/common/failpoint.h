#pragma once

// Failpoints: named places in the code where a test makes the process crash, return an error or
// pause, to show what a crash or a failure at exactly that step leaves behind (P3, P6, P8-P10 of
// shared/SECURITY.md, and the crash tests of orders and database failover).
//
//   Status CustomerService::Delete(...) {
//     ...
//     HP_FAILPOINT("customer.delete.before_accounts");
//
// Compiled into every build and off: while no point is enabled, reaching one costs one relaxed
// atomic load. A unit test turns points on with Enable() (and off with Disable/DisableAll); a
// process under an integration test gets them from the environment variable HOSTPLANE_FAILPOINTS
// (ConfigureFromEnvironment, called once by main):
//
//   HOSTPLANE_FAILPOINTS="node.drain.after_commit=crash,fs.write_atomic.before_rename=error*2"
//
// Actions: crash (SIGKILL to itself: no destructor, flush or atexit handler runs, as kill -9),
// error (the point returns kIo "failpoint <name>", or the code named in parentheses:
// error(unavailable), or an operating-system error named by its errno in parentheses:
// error(enospc) returns kIo "failpoint <name>: No space left on device", as a full disk would;
// error(eio), error(edquot), error(erofs) likewise), pause (the reaching thread waits until
// Release(name) or Disable, or for the milliseconds given: pause(500)). "*N" after an action: the
// point fires N times, then turns itself off. Names are "<area>.<step>[.<when>]";
// docs/architecture.md lists the points placed.
//
// A process that reaches points while it starts (a pool file written at every start) is given
// them dormant: with HOSTPLANE_FAILPOINTS_ARMED_BY=<path> as well, the points stay off until that
// file exists, so a test starts the process, then creates the file right before the change it
// wants to cut (tests/proof).
//
// Thread-safe: any thread may reach a point while another enables or releases it.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace hostplane::failpoint {

enum class Action { kCrash, kError, kPause };

struct Setting {
  Setting() = default;
  Setting(Action a) : action(a) {}  // NOLINT: Enable("x", Action::kCrash) reads best
  Action action = Action::kError;
  ErrorCode error = ErrorCode::kIo;  // kError: the code returned
  int error_errno = 0;  // kError: when not 0, an errno whose strerror ends the message (kIo)
  std::optional<std::chrono::milliseconds> pause_for;  // kPause: nullopt = until released
  std::optional<int> times;                            // fires this often, then turns off
};

// Turns name on (replacing what it was set to).
void Enable(std::string_view name, Setting setting);
// Turns name off and lets every thread paused there go on.
void Disable(std::string_view name);
void DisableAll();

// Parses a comma-separated list of name=action (the grammar above) and enables each point.
// Errors: kInvalid naming the first entry that is not understood (nothing is enabled then).
[[nodiscard]] Status Configure(std::string_view spec);
// Points reached while the file at path does not exist do nothing and are not counted; once it
// exists they act as set (checked at each hit until then). An empty path: armed at once.
void ArmWhenExists(std::string path);

// Configure(HOSTPLANE_FAILPOINTS) when the variable is set and not empty, dormant until
// HOSTPLANE_FAILPOINTS_ARMED_BY's file exists when that is set.
[[nodiscard]] Status ConfigureFromEnvironment();

// How many times name fired since it was enabled (0 when it is off).
int64_t Hits(std::string_view name);
// For tests of a pause: waits until a thread is paused at name, or timeout passes (false).
bool WaitUntilPaused(std::string_view name, std::chrono::milliseconds timeout);
// Lets the threads paused at name go on; the point stays enabled.
void Release(std::string_view name);

namespace internal {
// The number of points enabled: the fast path reads only this.
extern std::atomic<int> g_enabled;
Status Evaluate(std::string_view name);
}  // namespace internal

// True when any point is on: code that has to build a point's name checks this first.
inline bool AnyEnabled() { return internal::g_enabled.load(std::memory_order_relaxed) != 0; }

// Ok unless name is enabled: then it crashes, fails or pauses as set.
[[nodiscard]] inline Status Hit(std::string_view name) {
  if (!AnyEnabled()) return Ok();
  return internal::Evaluate(name);
}

}  // namespace hostplane::failpoint

// Returns the failpoint's error from the enclosing function (returning Result or Status).
#define HP_FAILPOINT(name) HP_TRY(::hostplane::failpoint::Hit(name))
