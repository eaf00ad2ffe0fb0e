#pragma once

// The simulated side of bench/fleet_sim.cc: the real agent (agent::NewAgentWithDrivers) over a real
// NATS connection per node, with drivers that record instead of driving daemons, and a Bus
// decorator that timestamps what the agent sees (keys, bundles, report acknowledgements) so each
// change can be followed from the API call to the controller's acknowledgement.
//
// Thread-safety: Recorder is thread-safe (every agent's cnats and reconcile threads call it).
// RecordingDriver is called by its agent's reconcile thread only, like every driver.

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "agent/driver.h"
#include "common/bus/bus.h"
#include "common/fs/filesystem.h"

namespace hostplane::bench {

using SteadyClock = std::chrono::steady_clock;

// When the agents saw what. Task ids are the controller's (unique across nodes).
class Recorder {
 public:
  explicit Recorder(size_t nodes)
      : keys_(nodes), first_head_(nodes), acknowledged_revision_(nodes) {
    for (auto& h : first_head_) h.store(-1);
    for (auto& r : acknowledged_revision_) r.store(0);
  }

  void KeyReceived(size_t node, int64_t revision, SteadyClock::time_point at);
  // A bundle reached node: the first time each task is seen is kept, and the first bundle's head.
  void Fetched(size_t node, int64_t head, const std::vector<int64_t>& tasks,
               SteadyClock::time_point at);
  // The controller acknowledged a report of node naming these tasks, which brought the node to
  // applied_revision.
  void Acknowledged(size_t node, int64_t applied_revision, const std::vector<int64_t>& tasks,
                    SteadyClock::time_point at);

  // The first key on node with a revision >= revision, received at or after not_before.
  std::optional<SteadyClock::time_point> KeyFor(size_t node, int64_t revision,
                                                SteadyClock::time_point not_before) const;
  std::optional<SteadyClock::time_point> FetchedAt(int64_t task) const;
  std::optional<SteadyClock::time_point> AcknowledgedAt(int64_t task) const;
  // The head revision of the first bundle node received (-1 before any).
  int64_t FirstHead(size_t node) const { return first_head_[node].load(); }
  // The highest applied_revision of node's reports the controller acknowledged.
  int64_t AcknowledgedRevision(size_t node) const { return acknowledged_revision_[node].load(); }

  // Round trips of the agents' requests to the controller, by kind ("tasks", "report", "hello"),
  // in ms; failed ones (timeouts) are counted apart. TakeRequests returns and clears them.
  struct Requests {
    std::map<std::string, std::vector<double>> ms;
    std::map<std::string, int> failed;
    // When each request slower than 500 ms was sent, and its kind: shows whether slow answers
    // come in bursts.
    std::vector<std::pair<SteadyClock::time_point, std::string>> slow;
  };
  void RequestDone(const std::string& kind, SteadyClock::time_point sent, double ms, bool ok);
  Requests TakeRequests();

 private:
  mutable std::mutex mu_;
  std::vector<std::vector<std::pair<int64_t, SteadyClock::time_point>>> keys_;  // per node
  std::unordered_map<int64_t, SteadyClock::time_point> fetched_;
  std::unordered_map<int64_t, SteadyClock::time_point> acknowledged_;
  std::vector<std::atomic<int64_t>> first_head_;
  std::vector<std::atomic<int64_t>> acknowledged_revision_;
  Requests requests_;
};

// A Bus that forwards to another and tells a Recorder about keys, bundles and report acks of one
// node. Decoding here is the simulation's cost, not the controller's.
class RecordingBus final : public Bus {
 public:
  RecordingBus(std::unique_ptr<Bus> inner, size_t node, Recorder& recorder)
      : inner_(std::move(inner)), node_(node), recorder_(recorder) {}

  [[nodiscard]] Status Publish(const std::string& subject, const std::string& data,
                               const std::string& reply) override {
    return inner_->Publish(subject, data, reply);
  }
  [[nodiscard]] Result<std::unique_ptr<Subscription>> Subscribe(const std::string& subject,
                                                                const std::string& queue_group,
                                                                Handler handler) override;
  [[nodiscard]] Result<std::string> Request(const std::string& subject, const std::string& data,
                                            std::chrono::milliseconds timeout) override;

 private:
  std::unique_ptr<Bus> inner_;
  size_t node_;
  Recorder& recorder_;
};

// A driver for the given task kinds that renders each object into one small file under
// rec/<name>/ (the spec as JSON: the batch record, atomic swap and journal hashes of the real agent
// all run), validates nothing and reloads nothing but a counter. site.ensure specs are decoded
// with protocol::SiteSpecFromJson first, as the nginx driver does.
class RecordingDriver final : public agent::ServiceDriver {
 public:
  RecordingDriver(std::string name, std::vector<std::string> kinds,
                  std::vector<std::string> late_kinds, std::atomic<int64_t>& reloads)
      : name_(std::move(name)),
        kinds_(std::move(kinds)),
        late_kinds_(std::move(late_kinds)),
        reloads_(reloads) {}

  std::string Name() const override { return name_; }
  std::vector<std::string> Kinds() const override { return kinds_; }
  std::vector<std::string> LateKinds() const override { return late_kinds_; }
  std::vector<std::string> ManagedDirs() const override { return {"rec/" + name_}; }
  [[nodiscard]] Result<agent::FileSet> Render(const protocol::Task& task) const override;
  [[nodiscard]] Status Prepare(const protocol::Task&) override { return Ok(); }
  [[nodiscard]] Result<agent::Verdict> Validate() override { return agent::Verdict{}; }
  [[nodiscard]] Status Reload() override {
    reloads_.fetch_add(1);
    return Ok();
  }
  [[nodiscard]] Status Finish(const protocol::Task&) override { return Ok(); }

 private:
  std::string name_;
  std::vector<std::string> kinds_;
  std::vector<std::string> late_kinds_;
  std::atomic<int64_t>& reloads_;
};

// The drivers of one simulated web node: "account" (account.*) and "nginx" (site.*).
std::vector<std::unique_ptr<agent::ServiceDriver>> RecordingDrivers(std::atomic<int64_t>& reloads);

}  // namespace hostplane::bench
