#pragma once

// The fence of a job that runs under a lease (issue 22): while a ScopedLeaseFence lives on a
// thread, every Store::Write that thread makes holds the lease in the same transaction, after
// the write's own statements (LeaseRepository::Hold), so a controller that lost its lease — it
// paused past the lease's end, another took it with a higher epoch — writes nothing more.
// The backends wrap their Write's fn with FencedByCaller on the caller's thread (a group commit
// may run the fn on another).

#include <cstdint>
#include <functional>
#include <string>

#include "common/result.h"

namespace hostplane::controller {

class StoreTxn;

struct LeaseFence {
  std::string name;
  std::string holder;
  int64_t epoch = 0;
};

class ScopedLeaseFence {
 public:
  explicit ScopedLeaseFence(LeaseFence fence);
  ~ScopedLeaseFence();  // the thread's previous fence (usually none) again
  ScopedLeaseFence(const ScopedLeaseFence&) = delete;
  ScopedLeaseFence& operator=(const ScopedLeaseFence&) = delete;

 private:
  LeaseFence fence_;
  const LeaseFence* previous_;
};

// fn itself when the calling thread has no fence; else fn followed by the lease's Hold in the
// same transaction (a copy of the fence is taken now, on the caller's thread).
std::function<Status(StoreTxn&)> FencedByCaller(const std::function<Status(StoreTxn&)>& fn);

}  // namespace hostplane::controller
