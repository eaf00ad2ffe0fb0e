#include "common/clock.h"

#include <cstdio>
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
  // One snprintf over gmtime_r's fields: strftime costs more than the rest of an entity's JSON
  // encoding on a list page. Floor division keeps the milliseconds positive before 1970.
  int64_t secs = millis / 1000;
  int ms = static_cast<int>(millis % 1000);
  if (ms < 0) {
    ms += 1000;
    --secs;
  }
  std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char out[48];
  int n = std::snprintf(out, sizeof out, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                        tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
  return std::string(out, n > 0 ? static_cast<std::size_t>(n) : 0);
}

}  // namespace hostplane
