#include "controller/engine/task_engine.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <optional>
#include <set>

#include "protocol/mail_submission_spec.h"
#include "protocol/messages.h"

namespace hostplane::controller {

// How often a waiter re-reads its task from the store when no report reached this engine.
constexpr std::chrono::milliseconds kStoreRecheck{250};
namespace {

// The state an agent's outcome leaves a task in.
TaskState StateOf(protocol::TaskOutcome outcome) {
  switch (outcome) {
    case protocol::TaskOutcome::kApplied:
      return TaskState::kApplied;
    case protocol::TaskOutcome::kFailed:
      return TaskState::kFailed;
    case protocol::TaskOutcome::kRetry:
      return TaskState::kRetry;
    case protocol::TaskOutcome::kRunning:
      return TaskState::kRunning;
  }
  return TaskState::kFailed;
}

// retry_base * 2^(attempt-1), capped at retry_max (attempt counts from 1).
int64_t BackoffMillis(const TaskEngineOptions& o, int attempt) {
  int64_t delay = o.retry_base.count();
  const int64_t cap = o.retry_max.count();
  for (int i = 1; i < attempt && delay < cap; ++i) delay *= 2;
  return std::min(delay, cap);
}

}  // namespace

TaskEngine::TaskEngine(Store& store, Bus& bus, const Clock& clock, SigningKey signing_key,
                       TaskEngineOptions options)
    : store_(store),
      bus_(bus),
      clock_(clock),
      signing_key_(std::move(signing_key)),
      options_(std::move(options)) {
  metrics_.latency_counts.assign(metrics_.latency_buckets_s.size() + 1, 0);
}

TaskEngine::~TaskEngine() { Stop(); }

Status TaskEngine::Start() {
  if (retry_thread_.joinable()) return Ok();
  {
    std::lock_guard lock(mu_);
    stopping_ = false;
  }
  {
    std::lock_guard lock(report_mu_);
    reports_stopping_ = false;
  }
  for (int i = 0; i < kReportThreads; ++i) report_threads_.emplace_back([this] { ReportLoop(); });
  using HandlerFn = std::string (TaskEngine::*)(const BusMessage&);
  const std::pair<const char*, HandlerFn> routes[] = {
      {protocol::kSubjectTasks, &TaskEngine::HandleFetch},
      {protocol::kSubjectReport, &TaskEngine::HandleReport},
      {protocol::kSubjectHello, &TaskEngine::HandleHello},
  };
  for (const auto& [base, handler] : routes) {
    std::string name = base;
    auto sub = bus_.Subscribe(
        protocol::AnyNodeSubject(name), protocol::kQueueGroup,
        [this, name, handler = handler](const BusMessage& m) {
          // A bus callback is an exception boundary: the agent always gets an answer.
          std::string reply;
          try {
            reply = (this->*handler)(m);
          } catch (const std::exception& e) {
            spdlog::error("task engine: {} handler failed: {}", name, e.what());
            reply = ErrorReply(name, std::string("internal error: ") + e.what());
          }
          if (!m.reply.empty() && !reply.empty()) {
            if (auto s = bus_.Publish(m.reply, reply); !s) {
              spdlog::warn("task engine: replying on {}: {}", name, s.error().message);
            }
          }
        });
    if (!sub) {
      subs_.clear();
      {
        std::lock_guard lock(report_mu_);
        reports_stopping_ = true;
      }
      report_cv_.notify_all();
      for (auto& t : report_threads_) t.join();
      report_threads_.clear();
      return Fail(sub.error().Wrap("subscribing to " + protocol::AnyNodeSubject(name)));
    }
    subs_.push_back(std::move(*sub));
  }
  retry_thread_ = std::thread([this] { RetryLoop(); });
  return Ok();
}

void TaskEngine::Stop() {
  subs_.clear();  // waits for running handlers
  {
    // The reports already queued are recorded and answered first.
    std::lock_guard lock(report_mu_);
    reports_stopping_ = true;
  }
  report_cv_.notify_all();
  for (auto& t : report_threads_) t.join();
  report_threads_.clear();
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  changed_.notify_all();
  if (retry_thread_.joinable()) retry_thread_.join();
}

void TaskEngine::Notify(const std::string& node, int64_t head_revision) {
  if (auto s =
          bus_.Publish(protocol::KeySubject(node), protocol::Encode(protocol::Key{head_revision}));
      !s) {
    // Lossy by design: the agent's resync fetches anyway.
    spdlog::debug("task engine: key for {} not sent: {}", node, s.error().message);
  } else {
    std::lock_guard lock(mu_);
    ++metrics_.keys_sent;
  }
  WakeWaiters();
}

void TaskEngine::WakeWaiters() {
  std::function<void()> listener;
  {
    std::lock_guard lock(mu_);
    ++generation_;
    listener = change_listener_;
  }
  changed_.notify_all();
  if (listener) listener();
}

void TaskEngine::SetChangeListener(std::function<void()> listener) {
  std::lock_guard lock(mu_);
  change_listener_ = std::move(listener);
}

Result<TaskRecord> TaskEngine::Wait(int64_t id, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    uint64_t seen;
    {
      std::lock_guard lock(mu_);
      seen = generation_;
    }
    auto task = store_.GetTask(id);
    if (!task) return Fail(task.error());
    if (!*task) return Fail(Error::NotFound("task " + std::to_string(id) + " not found"));
    if (IsFinal((*task)->state)) return std::move(**task);
    // Another controller sharing the store may record the result: look at the store again at
    // least every kStoreRecheck even when this engine saw no report.
    const auto slice = std::min(deadline, std::chrono::steady_clock::now() + kStoreRecheck);
    std::unique_lock lock(mu_);
    bool woken = changed_.wait_until(lock, slice, [&] { return generation_ != seen || stopping_; });
    if (!woken && std::chrono::steady_clock::now() < deadline && !stopping_) continue;
    if (!woken || stopping_) {
      lock.unlock();
      HP_ASSIGN_OR_RETURN(auto last, store_.GetTask(id));
      if (!last) return Fail(Error::NotFound("task " + std::to_string(id) + " not found"));
      return std::move(*last);
    }
  }
}

EngineMetrics TaskEngine::Metrics() const {
  std::lock_guard lock(mu_);
  return metrics_;
}

std::string TaskEngine::SignedReply(protocol::Bundle bundle) const {
  // Stamped with this build's schema: agents refuse a newer one and, in their own, every member
  // they do not know (docs/upgrading.md).
  bundle.schema = protocol::kBundleSchema;
  protocol::SignBundle(bundle, signing_key_);
  return protocol::Encode(bundle);
}

std::string TaskEngine::ErrorReply(const std::string& subject, const std::string& message) const {
  if (subject == protocol::kSubjectTasks) {
    protocol::Bundle b;
    b.error = message;
    return SignedReply(std::move(b));
  }
  return protocol::Encode(protocol::Ack{false, message});
}

Status TaskEngine::CheckSubjectNode(const char* base, const BusMessage& m,
                                    const std::string& node) {
  if (protocol::RequestSubjectNode(base, m.subject) == node) return Ok();
  spdlog::warn("task engine: refused a request for node {} sent on {}", node, m.subject);
  return Fail(Error::Forbidden("a request for node " + node + " must be sent on " + base + "." +
                               node + ", not " + m.subject));
}

std::string TaskEngine::HandleFetch(const BusMessage& m) {
  protocol::Bundle bundle;
  auto req = protocol::DecodeFetchRequest(m.data);
  if (!req) {
    bundle.error = req.error().message;
    return SignedReply(std::move(bundle));
  }
  bundle.node = req->node;
  if (auto s = CheckSubjectNode(protocol::kSubjectTasks, m, req->node); !s) {
    bundle.error = s.error().message;
    return SignedReply(std::move(bundle));
  }
  if (options_.require_node_inbox && !m.reply.starts_with("_INBOX." + req->node + ".")) {
    spdlog::warn("task engine: refused a fetch for node {} whose reply does not go to its inbox",
                 req->node);
    bundle.error =
        "a fetch for node " + req->node + " must ask with the inbox prefix _INBOX." + req->node;
    return SignedReply(std::move(bundle));
  }
  auto fetched = store_.FetchTasks(req->node, req->after, req->limit, clock_.NowMillis());
  {
    std::lock_guard lock(mu_);
    ++metrics_.fetches;
  }
  if (!fetched) {
    bundle.error = fetched.error().message;
    return SignedReply(std::move(bundle));
  }
  bundle.head = fetched->head;
  bundle.more = fetched->more;
  bundle.tasks.reserve(fetched->tasks.size());
  for (auto& t : fetched->tasks) {
    protocol::Task task;
    task.id = t.id;
    task.revision = t.revision;
    task.object_key = std::move(t.object_key);
    task.kind = std::move(t.kind);
    task.spec = std::move(t.spec);
    task.attempts = t.attempts;
    bundle.tasks.push_back(std::move(task));
  }
  return SignedReply(std::move(bundle));
}

std::string TaskEngine::HandleReport(const BusMessage& m) {
  auto report = protocol::DecodeReport(m.data);
  if (!report) return protocol::Encode(protocol::Ack{false, report.error().message});
  if (auto s = CheckSubjectNode(protocol::kSubjectReport, m, report->node); !s) {
    return protocol::Encode(protocol::Ack{false, s.error().message});
  }
  {
    std::lock_guard lock(report_mu_);
    QueuedReport q;
    q.report = std::move(*report);
    q.reply = m.reply;
    reports_.push_back(std::move(q));
  }
  report_cv_.notify_one();
  return {};  // answered by ReportLoop once committed
}

Status TaskEngine::ApplyReport(StoreTxn& tx, const protocol::Report& report, int64_t now,
                               ReportEffects& fx) {
  fx = ReportEffects{};
  fx.reloads = std::max(report.reloads, 0);
  auto node = tx.nodes().FindByName(report.node);
  if (!node) return Fail(node.error());
  if (!*node) return Fail(Error::NotFound("unknown node '" + report.node + "'"));
  for (const auto& r : report.results) {
    auto task = tx.tasks().Find(r.task);
    if (!task) return Fail(task.error());
    if (!*task || (*task)->node_id != (*node)->id || IsFinal((*task)->state)) continue;
    TaskState state = StateOf(r.outcome);
    std::string error = r.detail;
    std::optional<int64_t> next_attempt_at;
    if (r.outcome == protocol::TaskOutcome::kRetry) {
      int attempt = (*task)->attempts + 1;
      if (attempt >= options_.max_attempts) {
        state = TaskState::kFailed;
        error = "gave up after " + std::to_string(attempt) + " attempts: " + r.detail;
      } else {
        next_attempt_at = now + BackoffMillis(options_, attempt);
      }
    }
    HP_ASSIGN_OR_RETURN(auto recorded,
                        tx.tasks().RecordResult(report.node, r.task,
                                                {state, error, r.duration_ms, next_attempt_at}));
    if (!recorded) continue;
    ++fx.counts[std::string(Name(state))];
    if (result_hook_ && (state == TaskState::kApplied || state == TaskState::kFailed)) {
      HP_TRY(result_hook_(tx, **task, state, error, fx.follow_ups));
    }
    if (state == TaskState::kApplied) {
      HP_ASSIGN_OR_RETURN(auto done, tx.tasks().Find(r.task));
      if (done && (done)->applied_at) {
        fx.latencies.push_back(static_cast<double>(*(done)->applied_at - (done)->created_at) /
                               1000.0);
      }
    }
  }
  Node updated = **node;
  updated.applied_revision = report.applied_revision;
  updated.last_seen = now;
  updated.drift = report.drift;
  return tx.nodes().Update(updated);
}

Status TaskEngine::Apply(StoreTxn& tx, const QueuedReport& q, int64_t now, ReportEffects& fx) {
  if (q.hello) {
    fx = ReportEffects{};
    return ApplyHello(tx, *q.hello, now, fx);
  }
  return ApplyReport(tx, q.report, now, fx);
}

void TaskEngine::ReportLoop() {
  constexpr size_t kMaxBatch = 512;
  for (;;) {
    std::vector<QueuedReport> batch;
    std::set<std::string> nodes;  // the nodes of batch, which no other report thread may take
    {
      std::unique_lock lock(report_mu_);
      for (;;) {
        for (auto it = reports_.begin(); it != reports_.end() && batch.size() < kMaxBatch;) {
          const std::string& node = it->hello ? it->hello->node : it->report.node;
          if (!nodes.contains(node)) {
            if (!reports_inflight_.insert(node).second) {
              ++it;  // another thread records this node's reports: they stay in order
              continue;
            }
            nodes.insert(node);
          }
          batch.push_back(std::move(*it));
          it = reports_.erase(it);
        }
        if (!batch.empty()) break;
        if (reports_stopping_ && reports_.empty()) return;  // nothing left to answer
        report_cv_.wait(lock);
      }
    }
    // The thread is a boundary: nothing may end it but Stop(), and every report is answered.
    const std::string acks_ok = protocol::Encode(protocol::Ack{});
    std::vector<std::string> acks(batch.size(), acks_ok);
    std::vector<ReportEffects> effects(batch.size());
    std::function<void()> listener;  // the change listener, called once the batch is recorded
    try {
      const int64_t now = clock_.NowMillis();
      Status all = store_.Write([&](StoreTxn& tx) -> Status {
        for (size_t i = 0; i < batch.size(); ++i) HP_TRY(Apply(tx, batch[i], now, effects[i]));
        return Ok();
      });
      if (!all) {
        for (size_t i = 0; i < batch.size(); ++i) {
          Status one =
              store_.Write([&](StoreTxn& tx) { return Apply(tx, batch[i], now, effects[i]); });
          if (!one) {
            acks[i] = protocol::Encode(protocol::Ack{false, one.error().message});
            effects[i] = ReportEffects{};
          }
        }
      }
    } catch (const std::exception& e) {
      spdlog::error("task engine: recording reports failed: {}", e.what());
      for (auto& ack : acks) ack = ErrorReply(protocol::kSubjectReport, e.what());
      effects.assign(batch.size(), ReportEffects{});
    }
    {
      std::lock_guard lock(mu_);
      for (size_t i = 0; i < batch.size(); ++i) {
        const ReportEffects& fx = effects[i];
        if (acks[i] != acks_ok || batch[i].hello) continue;  // refused, or a hello
        ++metrics_.reports;
        metrics_.reloads += static_cast<uint64_t>(fx.reloads);
        for (const auto& [state, n] : fx.counts) metrics_.results[state] += n;
        for (double s : fx.latencies) {
          for (size_t b = 0; b < metrics_.latency_buckets_s.size(); ++b) {
            if (s <= metrics_.latency_buckets_s[b]) ++metrics_.latency_counts[b];
          }
          ++metrics_.latency_counts.back();
          metrics_.latency_sum_s += s;
          ++metrics_.latency_count;
        }
      }
      ++generation_;
      listener = change_listener_;
    }
    changed_.notify_all();
    if (listener) listener();
    std::map<std::string, int64_t> heads;
    for (const auto& fx : effects) {
      for (const auto& t : fx.follow_ups) {
        heads[t.node_name] = std::max(heads[t.node_name], t.revision);
      }
    }
    for (const auto& [node, head] : heads) Notify(node, head);
    for (size_t i = 0; i < batch.size(); ++i) {
      if (batch[i].reply.empty()) continue;
      if (auto s = bus_.Publish(batch[i].reply, acks[i]); !s) {
        spdlog::warn("task engine: answering {}: {}",
                     batch[i].hello ? batch[i].hello->node : batch[i].report.node,
                     s.error().message);
      }
    }
    {
      std::lock_guard lock(report_mu_);
      for (const auto& node : nodes) reports_inflight_.erase(node);
    }
    report_cv_.notify_all();  // reports of these nodes may be waiting for a thread
  }
}

std::string TaskEngine::HandleHello(const BusMessage& m) {
  const std::string& data = m.data;
  auto hello = protocol::DecodeHello(data);
  if (!hello) return protocol::Encode(protocol::Ack{false, hello.error().message});
  if (auto s = CheckSubjectNode(protocol::kSubjectHello, m, hello->node); !s) {
    return protocol::Encode(protocol::Ack{false, s.error().message});
  }
  {
    // Recorded with the reports, in their group commit: a heartbeat costs no write of its own.
    std::lock_guard lock(report_mu_);
    QueuedReport q;
    q.hello = std::move(*hello);
    q.reply = m.reply;
    reports_.push_back(std::move(q));
  }
  report_cv_.notify_one();
  return {};  // answered by ReportLoop once committed
}

Status TaskEngine::ApplyHello(StoreTxn& tx, const protocol::Hello& hello, int64_t now,
                              ReportEffects& fx) {
  auto node = tx.nodes().FindByName(hello.node);
  if (!node) return Fail(node.error());
  if (!*node) return Fail(Error::NotFound("unknown node '" + hello.node + "'"));
  Node updated = **node;
  updated.last_seen = now;
  updated.version = hello.version;
  updated.drivers = hello.drivers;
  updated.applied_revision = hello.applied_revision;
  updated.load = hello.load;
  // An agent without a box key says none; the one it announced last stays.
  const bool new_key = !hello.box_key.empty() && hello.box_key != updated.box_key;
  if (new_key) updated.box_key = hello.box_key;
  // The submission endpoint a mail node announces (none: "").
  const std::string submission =
      hello.mail_submission ? protocol::ToJson(*hello.mail_submission).dump() : "";
  const bool new_submission = submission != updated.mail_submission;
  updated.mail_submission = submission;
  HP_TRY(tx.nodes().Update(updated));
  if ((new_key || new_submission) && node_key_hook_) {
    HP_TRY(node_key_hook_(tx, updated, fx.follow_ups));
  }
  return Ok();
}

void TaskEngine::RetryLoop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    stop_cv_.wait_for(lock, options_.tick, [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    // The retry thread is a boundary too: nothing may end it but Stop().
    try {
      auto due = store_.NodesWithDueRetries(clock_.NowMillis());
      if (!due) {
        spdlog::warn("task engine: looking for due retries: {}", due.error().message);
      } else {
        const auto real_now = std::chrono::steady_clock::now();
        const auto interval = std::max(options_.tick, options_.retry_base);
        for (const auto& name : *due) {
          {
            std::lock_guard guard(mu_);
            auto it = retry_rung_.find(name);
            if (it != retry_rung_.end() && real_now - it->second < interval) continue;
            retry_rung_[name] = real_now;
          }
          auto node = store_.GetNode(name);
          if (node && *node) Notify(name, (*node)->head_revision);
        }
      }
    } catch (const std::exception& e) {
      spdlog::error("task engine: retry loop: {}", e.what());
    }
    lock.lock();
  }
}

}  // namespace hostplane::controller
