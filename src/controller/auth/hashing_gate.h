#pragma once

// The bounded hashing gate: every password hash and verification of the controller runs here, on
// a small pool of its own threads, at most `workers` at once, with at most `queue` more waiting.
// Beyond that a submission is refused at once with kUnavailable ("busy"), so a login flood costs
// the controller `workers` cores and `workers * m` memory at most and never parks a request
// thread: an asynchronous HTTP server submits, returns to its loop, and answers from the
// completion callback (or answers 503 with Retry-After when refused).
//
// Owned by the controller's runtime, one per process. Submit* may be called from any thread.
// Callbacks run on a pool thread and must not block for long (they hand the answer back to the
// server's loop). When a Submit* returns Ok its callback is called exactly once: with the result,
// or with kUnavailable when the gate is destroyed before the job ran. When it returns an error the
// callback is never called. Passwords are wiped from the queue's memory after use.

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "controller/auth/password_hasher.h"

namespace hostplane::auth {

struct HashingGateOptions {
  int workers = 2;    // hashes computed at once; about the cores given to logins
  size_t queue = 32;  // jobs admitted beyond the running ones; the last waits queue/workers hashes
};

struct HashingGateStats {
  size_t running = 0;
  size_t queued = 0;
  uint64_t completed = 0;  // jobs run (counted after their callback returned)
  uint64_t refused = 0;    // submissions answered "busy"
};

class HashingGate {
 public:
  // The hasher must outlive the gate.
  HashingGate(const PasswordHasher& hasher, HashingGateOptions options = {});
  // Stops the pool: jobs still queued get kUnavailable; running ones finish first.
  ~HashingGate();
  HashingGate(const HashingGate&) = delete;
  HashingGate& operator=(const HashingGate&) = delete;

  // PasswordHasher::Hash on the pool. Errors (returned, callback not called): kUnavailable when
  // the queue is full or the gate is stopping.
  [[nodiscard]] Status SubmitHash(std::string password,
                                  std::function<void(Result<std::string>)> done,
                                  std::string field = "password");
  // PasswordHasher::Verify on the pool. Errors as SubmitHash.
  [[nodiscard]] Status SubmitVerify(std::string stored_hash, std::string password,
                                    std::function<void(Result<PasswordCheck>)> done);
  // PasswordHasher::VerifyDummy on the pool (a login name with no account). Errors as SubmitHash.
  [[nodiscard]] Status SubmitVerifyDummy(std::string password,
                                         std::function<void(Result<PasswordCheck>)> done);
  // Any job that must run under the same bound (a verification followed by a rehash). `run` is
  // called on a pool thread; `abandon` instead of it when the gate stops first. Errors as
  // SubmitHash.
  [[nodiscard]] Status Submit(std::function<void()> run, std::function<void()> abandon);

  HashingGateStats stats() const;
  const PasswordHasher& hasher() const { return hasher_; }

 private:
  struct Job {
    std::function<void()> run;
    std::function<void()> abandon;
  };
  void Work();

  const PasswordHasher& hasher_;
  const HashingGateOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  bool stopping_ = false;
  HashingGateStats stats_;
  std::vector<std::thread> threads_;
};

}  // namespace hostplane::auth
