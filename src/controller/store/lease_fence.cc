#include "controller/store/lease_fence.h"

#include "controller/store/store.h"

namespace hostplane::controller {
namespace {

thread_local const LeaseFence* current_fence = nullptr;

}  // namespace

ScopedLeaseFence::ScopedLeaseFence(LeaseFence fence)
    : fence_(std::move(fence)), previous_(current_fence) {
  current_fence = &fence_;
}

ScopedLeaseFence::~ScopedLeaseFence() { current_fence = previous_; }

std::function<Status(StoreTxn&)> FencedByCaller(const std::function<Status(StoreTxn&)>& fn) {
  if (current_fence == nullptr) return fn;
  return [&fn, fence = *current_fence](StoreTxn& tx) -> Status {
    HP_TRY(fn(tx));
    return tx.leases().Hold(fence.name, fence.holder, fence.epoch);
  };
}

}  // namespace hostplane::controller
