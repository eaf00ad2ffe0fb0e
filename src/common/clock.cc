#include "common/clock.h"

#include <chrono>
#include <cstdio>
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

namespace {

// Writes v as exactly `width` decimal digits (v < 10^width).
char* PutDigits(char* p, unsigned v, int width) {
  for (int i = width - 1; i >= 0; --i) {
    p[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  return p + width;
}

}  // namespace

std::string FormatTimestamp(int64_t millis) {
  // The civil date from std::chrono's calendar and the digits written directly: strftime, and
  // then snprintf, cost more than the rest of an entity's JSON on a list page (bench/list_json).
  // Floor to the day and the millisecond, so times before 1970 keep positive fields.
  using namespace std::chrono;
  const sys_time<milliseconds> at{milliseconds{millis}};
  const sys_days day = floor<days>(at);
  const year_month_day date{day};
  const hh_mm_ss<milliseconds> time{at - day};
  const int y = static_cast<int>(date.year());
  if (y < 0 || y > 9999) {
    char out[48];
    int n = std::snprintf(
        out, sizeof out, "%d-%02u-%02uT%02d:%02d:%02d.%03dZ", y,
        static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
        static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
        static_cast<int>(time.seconds().count()), static_cast<int>(time.subseconds().count()));
    return std::string(out, n > 0 ? static_cast<std::size_t>(n) : 0);
  }
  char out[24];  // YYYY-MM-DDTHH:MM:SS.mmmZ
  char* p = PutDigits(out, static_cast<unsigned>(y), 4);
  *p++ = '-';
  p = PutDigits(p, static_cast<unsigned>(date.month()), 2);
  *p++ = '-';
  p = PutDigits(p, static_cast<unsigned>(date.day()), 2);
  *p++ = 'T';
  p = PutDigits(p, static_cast<unsigned>(time.hours().count()), 2);
  *p++ = ':';
  p = PutDigits(p, static_cast<unsigned>(time.minutes().count()), 2);
  *p++ = ':';
  p = PutDigits(p, static_cast<unsigned>(time.seconds().count()), 2);
  *p++ = '.';
  p = PutDigits(p, static_cast<unsigned>(time.subseconds().count()), 3);
  *p++ = 'Z';
  return std::string(out, p);
}

}  // namespace hostplane
