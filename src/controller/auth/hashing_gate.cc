#include "controller/auth/hashing_gate.h"

#include <sodium.h>

#include <memory>

namespace hostplane::auth {
namespace {

// A password that is zeroed when the job holding it goes away, run or not.
struct WipedString {
  std::string value;
  explicit WipedString(std::string v) : value(std::move(v)) {}
  ~WipedString() { sodium_memzero(value.data(), value.size()); }
};

Error Stopped() { return Error::Unavailable("the hashing gate is stopping"); }

}  // namespace

HashingGate::HashingGate(const PasswordHasher& hasher, HashingGateOptions options)
    : hasher_(hasher), options_(options) {
  int n = options_.workers < 1 ? 1 : options_.workers;
  threads_.reserve(n);
  for (int i = 0; i < n; ++i) threads_.emplace_back([this] { Work(); });
}

HashingGate::~HashingGate() {
  std::deque<Job> left;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    left.swap(jobs_);
    stats_.queued = 0;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
  for (auto& job : left) job.abandon();
}

Status HashingGate::Submit(std::function<void()> run, std::function<void()> abandon) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return Fail(Stopped());
    if (stats_.running + jobs_.size() >= threads_.size() + options_.queue) {
      ++stats_.refused;
      return Fail(Error::Unavailable("busy: too many password checks at once, retry shortly"));
    }
    jobs_.push_back({std::move(run), std::move(abandon)});
    stats_.queued = jobs_.size();
  }
  cv_.notify_one();
  return Ok();
}

Status HashingGate::SubmitHash(std::string password, std::function<void(Result<std::string>)> done,
                               std::string field) {
  auto pw = std::make_shared<WipedString>(std::move(password));
  auto cb = std::make_shared<std::function<void(Result<std::string>)>>(std::move(done));
  return Submit([this, pw, cb, field] { (*cb)(hasher_.Hash(pw->value, field)); },
                [cb] { (*cb)(Fail(Stopped())); });
}

Status HashingGate::SubmitVerify(std::string stored_hash, std::string password,
                                 std::function<void(Result<PasswordCheck>)> done) {
  auto pw = std::make_shared<WipedString>(std::move(password));
  auto cb = std::make_shared<std::function<void(Result<PasswordCheck>)>>(std::move(done));
  return Submit(
      [this, pw, cb, hash = std::move(stored_hash)] { (*cb)(hasher_.Verify(hash, pw->value)); },
      [cb] { (*cb)(Fail(Stopped())); });
}

Status HashingGate::SubmitVerifyDummy(std::string password,
                                      std::function<void(Result<PasswordCheck>)> done) {
  auto pw = std::make_shared<WipedString>(std::move(password));
  auto cb = std::make_shared<std::function<void(Result<PasswordCheck>)>>(std::move(done));
  return Submit([this, pw, cb] { (*cb)(hasher_.VerifyDummy(pw->value)); },
                [cb] { (*cb)(Fail(Stopped())); });
}

HashingGateStats HashingGate::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void HashingGate::Work() {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;  // stopping, nothing left for this thread
      job = std::move(jobs_.front());
      jobs_.pop_front();
      stats_.queued = jobs_.size();
      ++stats_.running;
    }
    job.run();
    job = {};  // drops the job's captures (and wipes its password) before counting it done
    std::lock_guard lock(mu_);
    --stats_.running;
    ++stats_.completed;
  }
}

}  // namespace hostplane::auth
