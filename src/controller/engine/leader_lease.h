#pragma once

// One controller among those sharing a store leads the jobs that must run once (issue 22): the
// order worker, the mail outbox, certificate renewals. LeaderLease keeps the store's lease row
// for a job name (LeaseRepository) on a thread of its own, renewing it every ttl/3; Gate()
// runs a job only while the lease is ours, with the lease's fence on the thread
// (store/lease_fence.h), so every write the job makes re-checks the epoch in its transaction.
// A dead leader's lease ends ttl after its last renewal and another controller takes it with the
// next epoch; a leader paused past its lease (SIGSTOP) wakes up fenced: its writes roll back.
// Stop releases the lease, so a clean stop hands over at once.
//
// Thread-safe. Start and Stop from one thread.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "common/job_gate.h"
#include "controller/store/store.h"

namespace hostplane::controller {

struct LeaderLeaseOptions {
  std::string name = "jobs";
  std::string holder;  // unique per controller process; empty: host name, pid and a random part
  std::chrono::milliseconds ttl{10'000};
  // The controller's lasting identity (hexadecimal; cmd/controller_identity.h), set only when
  // this process holds its data directory exclusively: the holder becomes "<identity>|<holder>"
  // and a lease left by an earlier incarnation (killed, so it could not release it) is taken at
  // once instead of after its ttl. Empty: none (controllers sharing a data directory).
  std::string identity;
};

class LeaderLease {
 public:
  LeaderLease(Store& store, LeaderLeaseOptions options);
  ~LeaderLease();  // Stop()
  LeaderLease(const LeaderLease&) = delete;
  LeaderLease& operator=(const LeaderLease&) = delete;

  // Takes or renews the lease once now, then keeps it on the thread.
  void Start();
  // Stops renewing and releases the lease (when ours).
  void Stop();

  // Runs job with the lease's fence on this thread when the lease is ours and has not ended by
  // this process's clock (renewal lags are counted against us); false without running it else.
  bool RunIfLeading(const std::function<void()>& job);
  JobGate Gate() {
    return [this](const std::function<void()>& job) { return RunIfLeading(job); };
  }
  // The epoch while leading.
  std::optional<int64_t> epoch() const;
  const std::string& holder() const { return options_.holder; }

  // One attempt to take or renew the lease (what the thread does every ttl/3).
  void RenewOnce();

 private:
  void Loop();

  Store& store_;
  LeaderLeaseOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::optional<int64_t> epoch_;
  // Our own estimate of the lease's end: the start of the attempt that renewed it plus ttl.
  std::chrono::steady_clock::time_point until_{};
  std::thread thread_;
};

}  // namespace hostplane::controller
