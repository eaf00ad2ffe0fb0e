#include "fleet_sim_agents.h"

#include <algorithm>

#include "protocol/account_spec.h"
#include "protocol/messages.h"

namespace hostplane::bench {

void Recorder::KeyReceived(size_t node, int64_t revision, SteadyClock::time_point at) {
  std::lock_guard lock(mu_);
  keys_[node].emplace_back(revision, at);
}

void Recorder::Fetched(size_t node, int64_t head, const std::vector<int64_t>& tasks,
                       SteadyClock::time_point at) {
  int64_t unset = -1;
  first_head_[node].compare_exchange_strong(unset, head);
  std::lock_guard lock(mu_);
  for (int64_t id : tasks) fetched_.emplace(id, at);
}

void Recorder::Acknowledged(size_t node, int64_t applied_revision,
                            const std::vector<int64_t>& tasks, SteadyClock::time_point at) {
  int64_t prev = acknowledged_revision_[node].load();
  while (applied_revision > prev &&
         !acknowledged_revision_[node].compare_exchange_weak(prev, applied_revision)) {
  }
  std::lock_guard lock(mu_);
  for (int64_t id : tasks) acknowledged_.emplace(id, at);
}

std::optional<SteadyClock::time_point> Recorder::KeyFor(size_t node, int64_t revision,
                                                        SteadyClock::time_point not_before) const {
  std::lock_guard lock(mu_);
  for (const auto& [rev, at] : keys_[node]) {
    if (rev >= revision && at >= not_before) return at;
  }
  return std::nullopt;
}

std::optional<SteadyClock::time_point> Recorder::FetchedAt(int64_t task) const {
  std::lock_guard lock(mu_);
  auto it = fetched_.find(task);
  if (it == fetched_.end()) return std::nullopt;
  return it->second;
}

std::optional<SteadyClock::time_point> Recorder::AcknowledgedAt(int64_t task) const {
  std::lock_guard lock(mu_);
  auto it = acknowledged_.find(task);
  if (it == acknowledged_.end()) return std::nullopt;
  return it->second;
}

void Recorder::RequestDone(const std::string& kind, SteadyClock::time_point sent, double ms,
                           bool ok) {
  std::lock_guard lock(mu_);
  if (ms > 500) requests_.slow.emplace_back(sent, kind);
  if (ok) {
    requests_.ms[kind].push_back(ms);
  } else {
    ++requests_.failed[kind];
  }
}

Recorder::Requests Recorder::TakeRequests() {
  std::lock_guard lock(mu_);
  Requests out = std::move(requests_);
  requests_ = Requests{};
  return out;
}

Result<std::unique_ptr<Subscription>> RecordingBus::Subscribe(const std::string& subject,
                                                              const std::string& queue_group,
                                                              Handler handler) {
  return inner_->Subscribe(subject, queue_group,
                           [this, handler = std::move(handler)](const BusMessage& m) {
                             auto at = SteadyClock::now();
                             if (auto key = protocol::DecodeKey(m.data)) {
                               recorder_.KeyReceived(node_, key->revision, at);
                             }
                             handler(m);
                           });
}

Result<std::string> RecordingBus::Request(const std::string& subject, const std::string& data,
                                          std::chrono::milliseconds timeout) {
  auto sent = SteadyClock::now();
  auto reply = inner_->Request(subject, data, timeout);
  auto at = SteadyClock::now();
  // "hp.ctl.<kind>.<node>"
  std::string kind = subject.substr(0, subject.rfind('.'));
  kind = kind.substr(kind.rfind('.') + 1);
  recorder_.RequestDone(kind, sent, std::chrono::duration<double, std::milli>(at - sent).count(),
                        reply.has_value());
  if (!reply) return reply;
  if (subject.starts_with(protocol::kSubjectTasks)) {
    if (auto bundle = protocol::DecodeBundle(*reply); bundle && bundle->error.empty()) {
      std::vector<int64_t> ids;
      ids.reserve(bundle->tasks.size());
      for (const auto& t : bundle->tasks) ids.push_back(t.id);
      recorder_.Fetched(node_, bundle->head, ids, at);
    }
  } else if (subject.starts_with(protocol::kSubjectReport)) {
    auto ack = protocol::DecodeAck(*reply);
    auto report = protocol::DecodeReport(data);
    if (ack && ack->ok && report) {
      std::vector<int64_t> ids;
      ids.reserve(report->results.size());
      for (const auto& r : report->results) {
        if (r.outcome == protocol::TaskOutcome::kApplied) ids.push_back(r.task);
      }
      recorder_.Acknowledged(node_, report->applied_revision, ids, at);
    }
  }
  return reply;
}

Result<agent::FileSet> RecordingDriver::Render(const protocol::Task& task) const {
  if (task.kind == protocol::kSiteEnsure) {
    auto spec = protocol::SiteSpecFromJson(task.spec);
    if (!spec) return Fail(spec.error());
  }
  std::string file = task.object_key;
  std::replace(file.begin(), file.end(), ':', '_');
  if (file.empty() || file.find('/') != std::string::npos || file.front() == '.') {
    return Fail(Error::Invalid("object key unfit for a file name"));
  }
  const std::string path = "rec/" + name_ + "/" + file + ".json";
  if (task.kind.ends_with(".remove")) return agent::FileSet{{path, std::nullopt, 0644}};
  return agent::FileSet{{path, task.spec.dump(), 0644}};
}

std::vector<std::unique_ptr<agent::ServiceDriver>> RecordingDrivers(std::atomic<int64_t>& reloads) {
  std::vector<std::unique_ptr<agent::ServiceDriver>> drivers;
  drivers.push_back(std::make_unique<RecordingDriver>(
      "account", std::vector<std::string>{protocol::kAccountEnsure, protocol::kAccountRemove},
      std::vector<std::string>{protocol::kAccountRemove}, reloads));
  drivers.push_back(std::make_unique<RecordingDriver>(
      "nginx", std::vector<std::string>{protocol::kSiteEnsure, protocol::kSiteRemove},
      std::vector<std::string>{}, reloads));
  return drivers;
}

}  // namespace hostplane::bench
