#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

#include "common/bus/bus.h"

namespace hostplane {
namespace {

// One subscriber: a queue and the thread that drains it, as cnats delivers each subscription's
// messages on its own thread.
class Subscriber {
 public:
  explicit Subscriber(Bus::Handler handler) : handler_(std::move(handler)) {
    thread_ = std::thread([this] { Loop(); });
  }
  ~Subscriber() {
    {
      std::lock_guard lock(mu_);
      stopped_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  void Deliver(BusMessage m) {
    {
      std::lock_guard lock(mu_);
      if (stopped_) return;
      queue_.push_back(std::move(m));
    }
    cv_.notify_one();
  }

 private:
  void Loop() {
    for (;;) {
      BusMessage m;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return stopped_ || !queue_.empty(); });
        if (stopped_) return;
        m = std::move(queue_.front());
        queue_.pop_front();
      }
      handler_(m);
    }
  }
  Bus::Handler handler_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<BusMessage> queue_;
  bool stopped_ = false;
  std::thread thread_;
};

// NATS subject matching for the `*` wildcard: the same number of dot-separated tokens, and each
// pattern token either `*` or equal to the subject's.
bool SubjectMatches(std::string_view pattern, std::string_view subject) {
  for (;;) {
    const size_t p_end = pattern.find('.');
    const size_t s_end = subject.find('.');
    const std::string_view p_token = pattern.substr(0, p_end);
    const std::string_view s_token = subject.substr(0, s_end);
    if (p_token != "*" && p_token != s_token) return false;
    if (p_end == std::string_view::npos || s_end == std::string_view::npos) {
      return p_end == s_end;
    }
    pattern.remove_prefix(p_end + 1);
    subject.remove_prefix(s_end + 1);
  }
}

class InProcessBus;

class InProcessSubscription final : public Subscription {
 public:
  InProcessSubscription(InProcessBus* bus, uint64_t id) : bus_(bus), id_(id) {}
  ~InProcessSubscription() override;

 private:
  InProcessBus* bus_;
  uint64_t id_;
};

class InProcessBus final : public Bus {
 public:
  explicit InProcessBus(BusFaults faults) : faults_(std::move(faults)) {}

  Status Publish(const std::string& subject, const std::string& data,
                 const std::string& reply) override {
    if (reply.empty() && !faults_.drop_publish_prefix.empty() &&
        subject.rfind(faults_.drop_publish_prefix, 0) == 0) {
      return Ok();  // lost, as a NATS message may be
    }
    std::vector<std::shared_ptr<Subscriber>> targets;
    {
      std::lock_guard lock(mu_);
      // Plain subscribers all get it; each queue group gets it once, round-robin, whichever of
      // its subscriptions' patterns matched.
      std::map<std::string, std::vector<std::shared_ptr<Subscriber>>> groups;
      for (const auto& [pattern, entries] : subjects_) {
        if (!SubjectMatches(pattern, subject)) continue;
        for (const auto& entry : entries) {
          if (entry.group.empty()) {
            targets.push_back(entry.sub);
          } else {
            groups[entry.group].push_back(entry.sub);
          }
        }
      }
      for (auto& [name, members] : groups) {
        targets.push_back(members[round_robin_++ % members.size()]);
      }
    }
    for (auto& t : targets) t->Deliver(BusMessage{subject, data, reply});
    return Ok();
  }

  Result<std::unique_ptr<Subscription>> Subscribe(const std::string& subject,
                                                  const std::string& queue_group,
                                                  Handler handler) override {
    auto sub = std::make_shared<Subscriber>(std::move(handler));
    std::lock_guard lock(mu_);
    uint64_t id = next_id_++;
    subjects_[subject].push_back(Entry{id, queue_group, sub});
    return std::unique_ptr<Subscription>(new InProcessSubscription(this, id));
  }

  Result<std::string> Request(const std::string& subject, const std::string& data,
                              std::chrono::milliseconds timeout) override {
    {
      std::lock_guard lock(mu_);
      const bool anyone = std::any_of(subjects_.begin(), subjects_.end(), [&](const auto& entry) {
        return !entry.second.empty() && SubjectMatches(entry.first, subject);
      });
      if (!anyone) return Fail(Error::Unavailable("no responders on " + subject));
    }
    auto promise = std::make_shared<std::promise<std::string>>();
    auto future = promise->get_future();
    auto answered = std::make_shared<std::atomic<bool>>(false);
    std::string inbox = "_INBOX." + std::to_string(next_inbox_++);
    // The subscription lives until the reply came or the wait ended.
    HP_ASSIGN_OR_RETURN(auto sub, Subscribe(inbox, "", [promise, answered](const BusMessage& m) {
                          if (!answered->exchange(true)) promise->set_value(m.data);
                        }));
    HP_TRY(Publish(subject, data, inbox));
    if (future.wait_for(timeout) != std::future_status::ready) {
      return Fail(Error::Timeout("no reply on " + subject + " within " +
                                 std::to_string(timeout.count()) + " ms"));
    }
    return future.get();
  }

  void Unsubscribe(uint64_t id) {
    std::shared_ptr<Subscriber> victim;
    {
      std::lock_guard lock(mu_);
      for (auto it = subjects_.begin(); it != subjects_.end(); ++it) {
        auto& v = it->second;
        for (auto e = v.begin(); e != v.end(); ++e) {
          if (e->id == id) {
            victim = e->sub;
            v.erase(e);
            if (v.empty()) subjects_.erase(it);
            goto done;
          }
        }
      }
    }
  done:
    victim.reset();  // joins its thread outside the lock
  }

 private:
  struct Entry {
    uint64_t id;
    std::string group;
    std::shared_ptr<Subscriber> sub;
  };
  BusFaults faults_;
  std::mutex mu_;
  std::map<std::string, std::vector<Entry>> subjects_;
  uint64_t next_id_ = 1;
  size_t round_robin_ = 0;
  std::atomic<uint64_t> next_inbox_{1};
};

InProcessSubscription::~InProcessSubscription() { bus_->Unsubscribe(id_); }

}  // namespace

std::unique_ptr<Bus> NewInProcessBus(BusFaults faults) {
  return std::make_unique<InProcessBus>(std::move(faults));
}

}  // namespace hostplane
