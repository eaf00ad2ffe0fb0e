#pragma once

// A request that waits for a job on the hashing gate (a password checked or hashed) without
// holding a worker: the job hands its value to a Pending, wakes the HTTP front, and the
// request's ApiWait is polled until the value is there (login, password change, password reset).
// Internal to controller/api.

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "controller/api/api_call.h"

namespace hostplane::controller::api {

// How long a request waits for its turn on the hashing gate before it gets 503.
inline constexpr std::chrono::seconds kGateWait{30};
// What a client is told to wait when the gate is full.
inline constexpr std::chrono::seconds kBusyRetryAfter{1};

inline ApiReply Busy() {
  ApiReply r = Reply(503, {{"error",
                            {{"code", "unavailable"},
                             {"message", "Too many logins at once; try again in a moment."},
                             {"fields", json::object()}}}});
  r.headers.emplace_back("Retry-After", std::to_string(kBusyRetryAfter.count()));
  return r;
}

// A value a hashing-gate job hands to the request's wait.
template <typename T>
class Pending {
 public:
  void Set(T value) {
    std::lock_guard lock(mu_);
    value_.emplace(std::move(value));
  }
  std::optional<T> Take() {
    std::lock_guard lock(mu_);
    std::optional<T> out;
    out.swap(value_);
    return out;
  }

 private:
  std::mutex mu_;
  std::optional<T> value_;
};

// The answer at once when the job is already done, else a wait that holds no thread and is
// answered (finish, on a worker) when the job's value arrives.
template <typename T, typename Finish>
Result<ApiReply> AnswerWhenDone(std::shared_ptr<Pending<T>> pending,
                                std::chrono::steady_clock::time_point deadline, Finish finish) {
  if (auto now = pending->Take()) return finish(std::move(*now));
  ApiReply r;
  r.wait = std::make_shared<ApiWait>();
  r.wait->deadline = deadline;
  r.wait->poll = [pending, finish](bool deadline_passed) -> Result<std::optional<ApiReply>> {
    auto value = pending->Take();
    if (!value) {
      if (!deadline_passed) return std::optional<ApiReply>();
      return std::optional<ApiReply>(Busy());
    }
    HP_ASSIGN_OR_RETURN(auto reply, finish(std::move(*value)));
    return std::optional<ApiReply>(std::move(reply));
  };
  return r;
}

}  // namespace hostplane::controller::api
