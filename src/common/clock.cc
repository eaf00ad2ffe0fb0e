#include "common/clock.h"

#include <ctime>
#include <string>

namespace hostplane {

int64_t SystemClock::NowMillis() const {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t ManualClock::NowMillis() const {
  std::lock_guard lock(mu_);
  return now_;
}

std::chrono::steady_clock::time_point ManualClock::Steady() const {
  std::lock_guard lock(mu_);
  return std::chrono::steady_clock::time_point(std::chrono::milliseconds(now_));
}

void ManualClock::Advance(std::chrono::milliseconds d) {
  std::lock_guard lock(mu_);
  now_ += d.count();
}

std::string FormatTimestamp(int64_t millis) {
  std::time_t secs = static_cast<std::time_t>(millis / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(millis % 1000));
  return out;
}

}  // namespace hostplane
