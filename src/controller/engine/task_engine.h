#pragma once

// The task engine's runtime half: it answers the agents' fetch, report and hello requests on the
// bus, rings a node's doorbell (its key subject) after a commit, re-rings nodes whose retryable
// tasks are due (backoff), and wakes waiters when tasks become final. The write half (appending
// tasks in the change's transaction) is TaskRepository::Append, called through a ChangeContext
// (services/change_context.h).
//
// Every bundle it answers a fetch with, refusals included, is signed with the controller's key
// (protocol::SignBundle; agents verify it against the public key they pinned, SECURITY rule 9).
//
// Thread-safe. Owned by main(); lives as long as the bus and the store.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/bus/bus.h"
#include "common/clock.h"
#include "common/signing_key.h"
#include "controller/store/store.h"
#include "protocol/messages.h"

namespace hostplane::controller {

struct TaskEngineOptions {
  std::chrono::milliseconds retry_base{1000};   // first retry after this, doubling
  std::chrono::milliseconds retry_max{60'000};  // backoff cap
  int max_attempts = 8;                         // then the task fails for good
  std::chrono::milliseconds tick{250};          // how often due retries are looked for
  // On NATS each agent requests with the inbox prefix "_INBOX.<node>", which only that node may
  // read (docs/relay.md). With this set, a fetch for node X is answered only to a reply subject
  // under "_INBOX.X.", so no node can read another node's bundle. Off for the in-process bus.
  bool require_node_inbox = false;
};

// Apply-latency histogram and reload counters for /metrics, fed by reports.
struct EngineMetrics {
  std::vector<double> latency_buckets_s{0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
  std::vector<uint64_t> latency_counts;  // cumulative counts per bucket (+Inf last)
  double latency_sum_s = 0;
  uint64_t latency_count = 0;
  uint64_t reports = 0;
  uint64_t fetches = 0;
  uint64_t keys_sent = 0;
  uint64_t reloads = 0;  // daemon reloads the agents reported (hostplane_reloads_total)
  // Results recorded, by the state they left the task in: applied, failed, retry.
  std::map<std::string, uint64_t> results;
};

// Called inside the report's write transaction for each task that became final (applied or
// failed), so a follow-up change commits with the result (a certificate issued turns its site's
// HTTPS on). Tasks it appends are put in `appended`; the engine rings their nodes after the
// commit. An error rolls the whole report back (the agent sends it again).
using TaskResultHook =
    std::function<Status(StoreTxn& tx, const TaskRecord& task, TaskState state,
                         const std::string& error, std::vector<TaskRecord>& appended)>;

// Called inside a hello's write transaction when the node announces a box key it had not
// announced before (its first hello, or a rebuilt node): the secrets sealed to its old key (DKIM
// keys) are sent again, sealed to the new one. Tasks it appends are put in `appended`.
using NodeKeyHook =
    std::function<Status(StoreTxn& tx, const Node& node, std::vector<TaskRecord>& appended)>;

class TaskEngine {
 public:
  // signing_key: the controller's key (LoadOrCreateSigningKey(<data-dir>/controller.key)); its
  // public half is what every agent must pin.
  TaskEngine(Store& store, Bus& bus, const Clock& clock, SigningKey signing_key,
             TaskEngineOptions options = {});
  ~TaskEngine();  // stops the retry thread and unsubscribes

  // Subscribes to hp.ctl.tasks.* / report.* / hello.* (queue group) and starts the retry thread.
  // A request whose body names another node than its subject's last token is refused (a Bundle
  // with error, or Ack{false}): the relay lets node X publish only hp.ctl.*.X (docs/relay.md).
  [[nodiscard]] Status Start();
  void Stop();

  // Rings node's doorbell: publishes Key{head} on hp.node.<node>.key. Lossy by design.
  void Notify(const std::string& node, int64_t head_revision);
  // Blocks until task id is final or timeout; returns the task as it is then.
  Result<TaskRecord> Wait(int64_t id, std::chrono::milliseconds timeout);

  EngineMetrics Metrics() const;

  // The bus and the key the engine signs with, for the controller's other signed messages to
  // the agents (the file manager's requests, services/file_service.h).
  Bus& bus() { return bus_; }
  const SigningKey& signing_key() const { return signing_key_; }

  // Installs the hook (before Start).
  void SetResultHook(TaskResultHook hook) { result_hook_ = std::move(hook); }
  void SetNodeKeyHook(NodeKeyHook hook) { node_key_hook_ = std::move(hook); }
  // Calls listener whenever a task may have become final here (results recorded, a doorbell
  // rung), from the thread that did it: it must return at once (the API's HTTP front only
  // schedules its long polls to look again). nullptr removes it. Any thread.
  void SetChangeListener(std::function<void()> listener);

 private:
  // Handlers of the bus requests; each returns the encoded reply.
  std::string HandleFetch(const BusMessage& m);
  // Signs and encodes a bundle: the only way one leaves the engine.
  std::string SignedReply(protocol::Bundle bundle) const;
  // The reply to a request whose handler threw: a signed refusal or a negative Ack.
  std::string ErrorReply(const std::string& subject, const std::string& message) const;
  // Decodes and checks a report and queues it for the report thread, which answers it once its
  // results are committed; returns "" then (the answer comes later), or a refusal at once.
  std::string HandleReport(const BusMessage& m);
  // What one report did, for the metrics and the doorbells after the commit.
  struct ReportEffects {
    std::vector<double> latencies;
    std::map<std::string, uint64_t> counts;
    std::vector<TaskRecord> follow_ups;
    int reloads = 0;
  };
  Status ApplyReport(StoreTxn& tx, const protocol::Report& report, int64_t now,
                     ReportEffects& effects);
  // Group commit: every report queued meanwhile is recorded in one write transaction (one lock
  // wait and one fsync for all of them); a batch that fails is retried report by report, so one
  // bad report cannot fail the others. kReportThreads run it, so a report that arrives while one
  // batch waits for its commit goes into the next at once (the store group-commits their writes
  // too); a node's reports and hellos are taken by one thread at a time, in arrival order.
  void ReportLoop();
  static constexpr int kReportThreads = 4;
  // Queued like a report (the heartbeat is recorded in the reports' group commit).
  std::string HandleHello(const BusMessage& m);
  Status ApplyHello(StoreTxn& tx, const protocol::Hello& hello, int64_t now, ReportEffects& fx);
  // Ok when m's subject is "<base>.<node>"; kForbidden otherwise.
  static Status CheckSubjectNode(const char* base, const BusMessage& m, const std::string& node);
  void RetryLoop();
  // Wakes every Wait: a task may have become final.
  void WakeWaiters();

  TaskResultHook result_hook_;
  NodeKeyHook node_key_hook_;
  std::function<void()> change_listener_;  // guarded by mu_
  Store& store_;
  Bus& bus_;
  const Clock& clock_;
  const SigningKey signing_key_;
  TaskEngineOptions options_;
  std::vector<std::unique_ptr<Subscription>> subs_;
  mutable std::mutex mu_;
  std::condition_variable changed_;  // notified whenever a report arrives
  uint64_t generation_ = 0;          // bumped with each notify, so no wake-up is missed
  std::condition_variable stop_cv_;  // wakes the retry thread to stop
  EngineMetrics metrics_;
  bool stopping_ = false;
  // When each node's doorbell was last rung for its due retries (not more than once per
  // retry_base).
  std::map<std::string, std::chrono::steady_clock::time_point> retry_rung_;
  std::thread retry_thread_;
  struct QueuedReport {
    protocol::Report report;
    std::optional<protocol::Hello> hello;  // set: a hello instead of a report
    std::string reply;                     // the requester's inbox
  };
  Status Apply(StoreTxn& tx, const QueuedReport& q, int64_t now, ReportEffects& fx);
  std::mutex report_mu_;
  std::condition_variable report_cv_;
  std::deque<QueuedReport> reports_;
  bool reports_stopping_ = false;
  std::set<std::string> reports_inflight_;  // nodes whose reports a report thread is recording
  std::vector<std::thread> report_threads_;
};

}  // namespace hostplane::controller
