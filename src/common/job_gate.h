#pragma once

// A job's gate: runs the job now and returns true when this process may run it, returns false
// without running it when it may not (another controller holds the job's lease:
// controller/engine/leader_lease.h). Background loops that must run once among several
// controllers (the mail outbox, the order worker, certificate renewals) take one; an empty gate
// runs every time.

#include <functional>

namespace hostplane {

using JobGate = std::function<bool(const std::function<void()>& job)>;

// Runs job through gate, or directly when there is no gate.
inline bool RunGated(const JobGate& gate, const std::function<void()>& job) {
  if (!gate) {
    job();
    return true;
  }
  return gate(job);
}

}  // namespace hostplane
