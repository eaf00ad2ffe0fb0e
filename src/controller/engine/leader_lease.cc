#include "controller/engine/leader_lease.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <random>

#include "controller/store/lease_fence.h"

namespace hostplane::controller {
namespace {

std::string DefaultHolder() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  std::random_device rd;
  return fmt::format("{}:{}:{:08x}", host, ::getpid(), rd());
}

}  // namespace

LeaderLease::LeaderLease(Store& store, LeaderLeaseOptions options)
    : store_(store), options_(std::move(options)) {
  if (options_.holder.empty()) options_.holder = DefaultHolder();
  if (!options_.identity.empty()) options_.holder = options_.identity + "|" + options_.holder;
  if (options_.identity.find_first_not_of("0123456789abcdef") != std::string::npos) {
    // Not an identity the store recognises (LeaseRepository::Acquire): behaves as none.
    spdlog::warn("lease {}: identity '{}' is not hexadecimal: ignored", options_.name,
                 options_.identity);
  }
}

LeaderLease::~LeaderLease() { Stop(); }

void LeaderLease::Start() {
  RenewOnce();
  std::lock_guard lock(mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { Loop(); });
}

void LeaderLease::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  bool ours = false;
  {
    std::lock_guard lock(mu_);
    ours = epoch_.has_value();
    epoch_.reset();
  }
  if (ours) {
    Status s = store_.Write(
        [&](StoreTxn& tx) { return tx.leases().Release(options_.name, options_.holder); });
    if (!s) spdlog::warn("lease {}: release: {}", options_.name, s.error().message);
  }
}

void LeaderLease::RenewOnce() {
  const auto started = std::chrono::steady_clock::now();
  std::optional<int64_t> got;
  Status s = store_.Write([&](StoreTxn& tx) -> Status {
    HP_ASSIGN_OR_RETURN(got,
                        tx.leases().Acquire(options_.name, options_.holder, options_.ttl.count()));
    return Ok();
  });
  std::lock_guard lock(mu_);
  if (!s) {
    // Unknown whether it was renewed: our estimate of its end stands, and runs out.
    spdlog::warn("lease {}: renewal failed: {}", options_.name, s.error().message);
    return;
  }
  if (got && epoch_ != got) {
    spdlog::info("lease {}: this controller ({}) leads, epoch {}", options_.name, options_.holder,
                 *got);
  } else if (!got && epoch_) {
    spdlog::warn("lease {}: lost to another controller", options_.name);
  }
  epoch_ = got;
  if (got) until_ = started + options_.ttl;
}

void LeaderLease::Loop() {
  std::unique_lock lock(mu_);
  while (!cv_.wait_for(lock, options_.ttl / 3, [this] { return stopping_; })) {
    lock.unlock();
    RenewOnce();
    lock.lock();
  }
}

std::optional<int64_t> LeaderLease::epoch() const {
  std::lock_guard lock(mu_);
  if (!epoch_ || std::chrono::steady_clock::now() >= until_) return std::nullopt;
  return epoch_;
}

bool LeaderLease::RunIfLeading(const std::function<void()>& job) {
  auto e = epoch();
  if (!e) return false;
  ScopedLeaseFence fence({options_.name, options_.holder, *e});
  job();
  return true;
}

}  // namespace hostplane::controller
