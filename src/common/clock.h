#pragma once

// Time as a dependency: production code takes Clock& so tests can use a manual clock.

#include <chrono>
#include <cstdint>
#include <mutex>

namespace hostplane {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time, for timestamps stored and shown (milliseconds since the epoch).
  virtual int64_t NowMillis() const = 0;
  // Monotonic time, for durations and deadlines.
  virtual std::chrono::steady_clock::time_point Steady() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t NowMillis() const override;
  std::chrono::steady_clock::time_point Steady() const override {
    return std::chrono::steady_clock::now();
  }
};

// A clock that only moves when told to. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t now_millis = 1'700'000'000'000) : now_(now_millis) {}
  int64_t NowMillis() const override;
  std::chrono::steady_clock::time_point Steady() const override;
  void Advance(std::chrono::milliseconds d);

 private:
  mutable std::mutex mu_;
  int64_t now_;
};

// ISO 8601 UTC with milliseconds ("2026-11-24T18:41:52.123Z").
std::string FormatTimestamp(int64_t millis);

}  // namespace hostplane
