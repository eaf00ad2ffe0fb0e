#include "agent/agent.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include "agent/batch_applier.h"
#include "agent/files/file_request_server.h"
#include "agent/files/trash_sweeper.h"
#include "agent/journal.h"
#include "protocol/messages.h"
#include "protocol/task_spec.h"
#include "protocol/validate.h"

namespace hostplane::agent {
namespace {

using protocol::Task;
using protocol::TaskOutcome;
using protocol::TaskResult;
using SteadyTime = std::chrono::steady_clock::time_point;

constexpr const char* kAgentVersion = "0.1.0";
constexpr std::chrono::milliseconds kBackoffFirst{100};
constexpr std::chrono::milliseconds kBackoffMax{5000};

// What applying a list of tasks produced.
struct AppliedTasks {
  std::vector<TaskResult> results;    // parallel to the tasks
  std::vector<ObjectRecord> records;  // objects now in a new applied state
  std::vector<Job> jobs;              // background tasks to queue (reported "running")
  int reloads = 0;
  int changed_files = 0;
  int64_t reload_ms = 0;
};

class AgentImpl final : public Agent {
 public:
  AgentImpl(AgentOptions options, HostLayout layout, Bus& bus, Filesystem& fs, const Clock& clock,
            std::vector<std::unique_ptr<ServiceDriver>> drivers)
      : options_(std::move(options)),
        layout_(std::move(layout)),
        bus_(bus),
        fs_(fs),
        clock_(clock),
        drivers_(std::move(drivers)),
        applier_(fs, layout_.state_dir, options_.test_write_delay) {
    for (size_t i = 0; i < drivers_.size(); ++i) {
      for (const auto& kind : drivers_[i]->Kinds()) by_kind_[kind] = i;
      for (const auto& kind : drivers_[i]->LateKinds()) late_kinds_.insert(kind);
      for (const auto& kind : drivers_[i]->BackgroundKinds()) background_kinds_.insert(kind);
    }
  }
  ~AgentImpl() override { Stop(); }

  Status Start() override;
  void Stop() override;
  int64_t AppliedRevision() const override { return applied_.load(); }

 private:
  void OnKey(const BusMessage& m);
  void Wake() override;
  void Loop();
  // One reconcile pass. False when the controller could not be reached or a report is unsent,
  // so the loop retries with backoff.
  bool Cycle(bool periodic);
  void SendHello();
  bool FlushOutbox();
  bool SendReport(int64_t outbox_id, const std::string& body);
  // Fetches and applies one bundle. Returns whether the controller has more.
  Result<bool> FetchAndApply();
  // `unknown`: whether members of a spec nobody reads fail its task (a bundle of this build's
  // schema) or are ignored (a legacy bundle, a repair from the journal).
  AppliedTasks ApplyTasks(const std::vector<Task>& tasks, protocol::UnknownMembers unknown);
  // A bundle of a schema newer than this build's: every task reported "retry" with the reason,
  // nothing applied, the applied revision kept (the tasks come again once the agent knows it).
  Status RefuseNewerSchema(const protocol::Bundle& bundle);
  // Re-hashes every managed file; re-applies the stored spec of drifted objects and queues a
  // report naming the drifted files.
  Status CheckDrift();
  Status Record(const AppliedTasks& applied, int64_t applied_revision, const std::string& report,
                int64_t* outbox_id);
  // The job thread: runs the journal's jobs one at a time, oldest first.
  void JobLoop();
  // Runs one job and queues the report of its outcome. False when it did not end (the agent is
  // stopping, or the journal failed): it stays queued.
  bool RunJob(const Job& job);

  AgentOptions options_;
  HostLayout layout_;
  Bus& bus_;
  Filesystem& fs_;
  const Clock& clock_;
  std::vector<std::unique_ptr<ServiceDriver>> drivers_;
  std::map<std::string, size_t> by_kind_;   // task kind -> index in drivers_
  std::set<std::string> late_kinds_;        // ServiceDriver::LateKinds of every driver
  std::set<std::string> background_kinds_;  // ServiceDriver::BackgroundKinds of every driver
  BatchApplier applier_;

  // Used by the reconcile and job threads, one at a time (journal_mu_).
  std::mutex journal_mu_;
  std::optional<Journal> journal_;
  // Reconcile thread only.
  std::map<std::string, ObjectRecord> objects_;  // the journal's objects, cached

  std::atomic<int64_t> applied_{0};
  std::unique_ptr<Subscription> key_sub_;
  // The file manager's requests (agent/files): answered on a subscription of their own.
  files::PosixFileOs file_os_;
  std::unique_ptr<files::FileRequestServer> files_;
  std::unique_ptr<Subscription> files_sub_;
  // The trash's daily pass over every home (agent/files/trash_sweeper.h), on the root below.
  Fd trash_root_;
  std::unique_ptr<files::TrashSweeper> trash_sweeper_;
  std::thread thread_;
  // The heartbeat has a thread of its own: a long batch (a content copy) must not make the node
  // look down, and an unanswered hello must not delay a fetch.
  std::thread heartbeat_;
  std::condition_variable heartbeat_cv_;
  // Background jobs (a content copy) run on a thread of their own, so the node's other tasks
  // never wait for them.
  std::thread jobs_;
  std::condition_variable jobs_cv_;
  bool jobs_queued_ = true;  // (mu_) the journal may hold jobs the job thread has not seen
  std::atomic<bool> jobs_stop_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  bool started_ = false;
  bool stopping_ = false;
  bool key_pending_ = false;
  SteadyTime key_due_{};
};

Status AgentImpl::Start() {
  if (started_) return Ok();
  if (!options_.controller_key) {
    return Fail(Error::Invalid(
        "no controller key is pinned: the agent applies only bundles signed by the controller; "
        "give it the controller's public key (\"ed25519:...\", printed when the controller "
        "starts)"));
  }
  HP_TRY(fs_.MakeDirs(layout_.state_dir, 0700));
  HP_ASSIGN_OR_RETURN(auto journal, Journal::Open(fs_.HostPath(layout_.state_dir + "/journal.db")));
  journal_.emplace(std::move(journal));
  HP_ASSIGN_OR_RETURN(auto applied, journal_->AppliedRevision());
  applied_ = applied;
  HP_ASSIGN_OR_RETURN(auto objects, journal_->Objects());
  for (auto& o : objects) objects_[o.key] = std::move(o);

  for (auto& d : drivers_) {
    auto rolled_back = applier_.Recover(*d);
    if (!rolled_back) return Fail(rolled_back.error().Wrap("recovering " + d->Name()));
    if (*rolled_back) {
      // The daemon may have loaded the interrupted batch: bring it back to the files on disk.
      if (auto s = d->Reload(); !s) {
        spdlog::warn("{}: reload after recovery failed: {}", d->Name(), s.error().message);
      }
    }
  }
  auto sub = bus_.Subscribe(protocol::KeySubject(options_.node), "",
                            [this](const BusMessage& m) { OnKey(m); });
  if (!sub) return Fail(sub.error().Wrap("subscribing to " + protocol::KeySubject(options_.node)));
  key_sub_ = std::move(*sub);
  files::FileServerOptions file_options{.node = options_.node,
                                        .controller_key = *options_.controller_key,
                                        .root = fs_.HostPath(""),
                                        .home_root = layout_.home_root,
                                        .limits = files::FileLimits(),
                                        .max_nonces = 100'000};
  HP_ASSIGN_OR_RETURN(files_,
                      files::FileRequestServer::Create(std::move(file_options), file_os_, clock_));
  HP_ASSIGN_OR_RETURN(files_sub_, files_->Subscribe(bus_));
  trash_root_ = Fd(::open(fs_.HostPath("").c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!trash_root_.valid()) return Fail(Error::FromErrno("opening " + fs_.HostPath(""), errno));
  trash_sweeper_ = std::make_unique<files::TrashSweeper>(file_os_, files::FileLimits(),
                                                         trash_root_.get(), layout_.home_root);
  trash_sweeper_->Start(std::chrono::hours(24));
  started_ = true;
  thread_ = std::thread([this] { Loop(); });
  heartbeat_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!heartbeat_cv_.wait_for(lock, options_.heartbeat, [this] { return stopping_; })) {
      lock.unlock();
      SendHello();
      lock.lock();
    }
  });
  jobs_ = std::thread([this] { JobLoop(); });
  spdlog::info("agent {} started at revision {} with {} driver(s)", options_.node, applied_.load(),
               drivers_.size());
  return Ok();
}

void AgentImpl::Stop() {
  key_sub_.reset();  // waits for a running key handler
  files_sub_.reset();
  trash_sweeper_.reset();  // stops its thread
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  jobs_stop_ = true;
  cv_.notify_all();
  heartbeat_cv_.notify_all();
  jobs_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (heartbeat_.joinable()) heartbeat_.join();
  if (jobs_.joinable()) jobs_.join();
}

void AgentImpl::JobLoop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    jobs_queued_ = false;  // a job queued from here on sets it again
    lock.unlock();
    Result<std::vector<Job>> jobs = Fail(Error::Internal("not read"));
    {
      std::lock_guard journal(journal_mu_);
      jobs = journal_->Jobs();
    }
    bool ran = true;
    if (!jobs) {
      spdlog::error("reading the journal's jobs: {}", jobs.error().message);
      ran = false;
    } else if (!jobs->empty()) {
      ran = RunJob(jobs->front());
    }
    lock.lock();
    if (stopping_) break;
    if (!ran) {
      jobs_queued_ = true;
      jobs_cv_.wait_for(lock, kBackoffMax, [this] { return stopping_; });
    } else if (jobs->empty()) {
      jobs_cv_.wait(lock, [this] { return stopping_ || jobs_queued_; });
    } else {
      jobs_queued_ = true;  // the next one
    }
  }
}

bool AgentImpl::RunJob(const Job& job) {
  auto parsed = protocol::TaskFromJson(
      protocol::Json::parse(job.task_json, nullptr, /*allow_exceptions=*/false));
  TaskResult result;
  result.task = job.task;
  auto started = std::chrono::steady_clock::now();
  if (!parsed) {
    result.outcome = TaskOutcome::kFailed;
    result.detail = "the job in the journal is unreadable: " + parsed.error().message;
  } else {
    result.revision = parsed->revision;
    auto driver = by_kind_.find(parsed->kind);
    Status done = driver == by_kind_.end()
                      ? Fail(Error::Invalid("no driver for kind " + parsed->kind))
                      : drivers_[driver->second]->Work(*parsed, jobs_stop_);
    if (!done && jobs_stop_) {
      spdlog::info(
          "job of task {} ({}) interrupted by the agent stopping; it resumes at the next "
          "start",
          job.task, parsed->object_key);
      return false;
    }
    result.outcome = done                       ? TaskOutcome::kApplied
                     : done.error().retryable() ? TaskOutcome::kRetry
                                                : TaskOutcome::kFailed;
    if (!done) result.detail = done.error().message;
  }
  result.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now() - started)
                           .count();
  protocol::Report report;
  report.node = options_.node;
  report.results = {result};
  Result<int64_t> queued = Fail(Error::Internal("not queued"));
  {
    // The applied revision as of this report's place in the outbox: the controller never sees
    // the node's revision go back because a job ended while a batch was being recorded.
    std::lock_guard journal(journal_mu_);
    queued = journal_->FinishJob(job.task, [&](int64_t applied_revision) {
      report.applied_revision = applied_revision;
      return protocol::Encode(report);
    });
  }
  if (!queued) {
    spdlog::error("recording the end of job {}: {}", job.task, queued.error().message);
    return false;
  }
  spdlog::info("job of task {} ended: {}{}{} ({} ms)", job.task,
               protocol::OutcomeName(result.outcome), result.detail.empty() ? "" : ": ",
               result.detail, result.duration_ms);
  Wake();  // the reconcile thread sends the report
  return true;
}

void AgentImpl::OnKey(const BusMessage& m) {
  auto key = protocol::DecodeKey(m.data);
  if (!key) {
    spdlog::warn("ignoring a malformed key on {}: {}", m.subject, key.error().message);
    return;
  }
  if (key->revision <= applied_.load()) return;
  Wake();
}

void AgentImpl::Wake() {
  {
    std::lock_guard lock(mu_);
    if (key_pending_) return;  // the burst joins the fetch already scheduled
    key_pending_ = true;
    key_due_ = std::chrono::steady_clock::now() + options_.coalesce;
  }
  cv_.notify_all();
}

// d, give or take up to a tenth (uniformly).
std::chrono::milliseconds Jittered(std::chrono::milliseconds d) {
  thread_local std::minstd_rand rng{std::random_device{}()};
  const int64_t spread = d.count() / 10;
  if (spread <= 0) return d;
  std::uniform_int_distribution<int64_t> offset(-spread, spread);
  return d + std::chrono::milliseconds(offset(rng));
}

void AgentImpl::Loop() {
  SteadyTime next_resync = std::chrono::steady_clock::now();  // start-up counts as a resync
  SteadyTime next_retry = SteadyTime::max();
  std::chrono::milliseconds backoff{0};
  std::unique_lock lock(mu_);
  while (!stopping_) {
    SteadyTime now = std::chrono::steady_clock::now();
    bool key_due = key_pending_ && now >= key_due_;
    bool resync_due = now >= next_resync;
    if (!key_due && !resync_due && now < next_retry) {
      SteadyTime wake = std::min(next_resync, next_retry);
      if (key_pending_) wake = std::min(wake, key_due_);
      cv_.wait_until(lock, wake);
      continue;
    }
    key_pending_ = false;
    lock.unlock();
    bool ok = Cycle(resync_due);
    lock.lock();
    now = std::chrono::steady_clock::now();
    if (resync_due) {
      // Jittered by up to a tenth, so a fleet started together does not resync in one second.
      next_resync = now + Jittered(options_.resync);
    }
    if (ok) {
      backoff = std::chrono::milliseconds(0);
      next_retry = SteadyTime::max();
    } else {
      auto cap = std::min(kBackoffMax, options_.resync);
      backoff = backoff.count() == 0 ? kBackoffFirst : std::min(backoff * 2, cap);
      next_retry = now + backoff;
    }
  }
}

bool AgentImpl::Cycle(bool periodic) {
  if (periodic) {
    SendHello();
    if (auto s = CheckDrift(); !s) spdlog::error("drift check failed: {}", s.error().message);
  }
  if (!FlushOutbox()) return false;
  for (;;) {
    auto more = FetchAndApply();
    if (!more) {
      if (more.error().code == ErrorCode::kForbidden) {
        spdlog::error("{}; nothing applied, fetching again", more.error().message);
      } else {
        spdlog::warn("fetching tasks for {}: {}", options_.node, more.error().message);
      }
      return false;
    }
    if (!*more) break;
  }
  return FlushOutbox();
}

void AgentImpl::SendHello() {
  protocol::Hello hello;
  hello.node = options_.node;
  hello.version = kAgentVersion;
  for (const auto& d : drivers_) hello.drivers.push_back(d->Name());
  hello.applied_revision = applied_.load();
  hello.box_key = options_.box_key;
  hello.mail_submission = options_.mail_submission;
  double load[1] = {0};
  if (::getloadavg(load, 1) == 1) hello.load = load[0];
  auto reply = bus_.Request(protocol::HelloSubject(options_.node), protocol::Encode(hello),
                            options_.request_timeout);
  if (!reply) {
    spdlog::warn("hello to the controller failed: {}", reply.error().message);
    return;
  }
  auto ack = protocol::DecodeAck(*reply);
  if (!ack || !ack->ok) {
    spdlog::warn("the controller refused hello: {}", ack ? ack->error : ack.error().message);
  }
}

bool AgentImpl::FlushOutbox() {
  Result<std::vector<OutboxEntry>> entries = Fail(Error::Internal("not read"));
  {
    std::lock_guard journal(journal_mu_);
    entries = journal_->Outbox();
  }
  if (!entries) {
    spdlog::error("reading the outbox: {}", entries.error().message);
    return false;
  }
  for (const auto& e : *entries) {
    if (!SendReport(e.id, e.body)) return false;
  }
  return true;
}

bool AgentImpl::SendReport(int64_t outbox_id, const std::string& body) {
  auto reply = bus_.Request(protocol::ReportSubject(options_.node), body, options_.request_timeout);
  if (!reply) {
    spdlog::warn("sending report {}: {}", outbox_id, reply.error().message);
    return false;
  }
  auto ack = protocol::DecodeAck(*reply);
  if (!ack || !ack->ok) {
    spdlog::warn("the controller refused report {}: {}", outbox_id,
                 ack ? ack->error : ack.error().message);
    return false;
  }
  Status acknowledged = Ok();
  {
    std::lock_guard journal(journal_mu_);
    acknowledged = journal_->Acknowledge(outbox_id);
  }
  if (!acknowledged) {
    spdlog::error("removing report {} from the outbox: {}", outbox_id,
                  acknowledged.error().message);
    return false;
  }
  return true;
}

Result<bool> AgentImpl::FetchAndApply() {
  protocol::FetchRequest req{options_.node, applied_.load(), options_.fetch_limit};
  HP_ASSIGN_OR_RETURN(auto reply, bus_.Request(protocol::TasksSubject(options_.node),
                                               protocol::Encode(req), options_.request_timeout));
  auto bundle = protocol::DecodeBundle(reply);
  if (!bundle) return Fail(bundle.error());
  // Nothing from the bundle is used, or logged unescaped, before it verifies.
  if (auto verified = protocol::VerifyBundle(*bundle, *options_.controller_key); !verified) {
    return Fail(verified.error().Wrap("rejected a bundle"));
  }
  if (!bundle->error.empty()) return Fail(Error::Unavailable("controller: " + bundle->error));
  if (bundle->node != options_.node) {
    return Fail(Error::Forbidden("rejected a bundle: it is for node " +
                                 protocol::QuoteForMessage(bundle->node) + ", not " +
                                 options_.node));
  }
  int64_t before = applied_.load();
  // The controller's head for this node only grows, and this node has applied up to `before`: a
  // signed bundle whose head is below that is an old one replayed (or the controller's store went
  // back in time, which an operator must see). Refused whole.
  if (bundle->head < before) {
    return Fail(
        Error::Forbidden("rejected a bundle: its head revision " + std::to_string(bundle->head) +
                         " is below this node's applied revision " + std::to_string(before) +
                         " (a replayed bundle, or the controller's store went back)"));
  }
  if (bundle->schema > protocol::kBundleSchema) {
    HP_TRY(RefuseNewerSchema(*bundle));
    return false;
  }
  int64_t applied_revision = before;
  for (const auto& t : bundle->tasks) applied_revision = std::max(applied_revision, t.revision);
  if (!bundle->more) applied_revision = std::max(applied_revision, bundle->head);
  if (bundle->tasks.empty()) {
    if (applied_revision > before) {
      int64_t unused = 0;
      HP_TRY(Record(AppliedTasks{}, applied_revision, "", &unused));
    }
    return bundle->more;
  }

  auto started = std::chrono::steady_clock::now();
  AppliedTasks applied = ApplyTasks(bundle->tasks, bundle->schema == protocol::kBundleSchema
                                                       ? protocol::UnknownMembers::kRefuse
                                                       : protocol::UnknownMembers::kIgnore);
  protocol::Report report;
  report.node = options_.node;
  report.results = applied.results;
  report.applied_revision = applied_revision;
  report.reloads = applied.reloads;
  std::string body = protocol::Encode(report);
  int64_t outbox_id = 0;
  HP_TRY(Record(applied, applied_revision, body, &outbox_id));

  int failed = 0, retry = 0;
  for (const auto& r : applied.results) {
    if (r.outcome == TaskOutcome::kFailed) ++failed;
    if (r.outcome == TaskOutcome::kRetry) ++retry;
  }
  spdlog::info(
      "applied {} task(s), revision {} -> {}: {} file(s) changed, {} reload(s) ({} ms), {} failed, "
      "{} to retry, {} started in the background, {} ms in all",
      bundle->tasks.size(), before, applied_revision, applied.changed_files, applied.reloads,
      applied.reload_ms, failed, retry, applied.jobs.size(),
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                            started)
          .count());
  // A report the controller did not take stays in the outbox; the loop retries it.
  if (!SendReport(outbox_id, body)) return Fail(Error::Unavailable("report not delivered"));
  return bundle->more;
}

Status AgentImpl::RefuseNewerSchema(const protocol::Bundle& bundle) {
  const std::string why = "the bundle has schema " + std::to_string(bundle.schema) +
                          ", newer than this agent's " + std::to_string(protocol::kBundleSchema) +
                          ": upgrade the agent (agents before controllers, docs/upgrading.md); "
                          "nothing was applied";
  spdlog::error("rejected a bundle of {} task(s): {}", bundle.tasks.size(), why);
  if (bundle.tasks.empty()) return Ok();
  protocol::Report report;
  report.node = options_.node;
  report.applied_revision = applied_.load();
  for (const Task& t : bundle.tasks) {
    report.results.push_back(
        TaskResult{t.id, t.revision, TaskOutcome::kRetry, why, /*duration_ms=*/0, {}});
  }
  std::string body = protocol::Encode(report);
  int64_t outbox_id = 0;
  HP_TRY(Record(AppliedTasks{}, applied_.load(), body, &outbox_id));
  if (!SendReport(outbox_id, body)) return Fail(Error::Unavailable("report not delivered"));
  return Ok();
}

Status AgentImpl::Record(const AppliedTasks& applied, int64_t applied_revision,
                         const std::string& report, int64_t* outbox_id) {
  Result<int64_t> id = Fail(Error::Internal("not recorded"));
  {
    std::lock_guard journal(journal_mu_);
    id = journal_->Commit(applied.records, applied_revision, report, applied.jobs);
  }
  if (!id) return Fail(id.error().Wrap("recording results in the journal"));
  if (!applied.jobs.empty()) {
    {
      std::lock_guard lock(mu_);
      jobs_queued_ = true;
    }
    jobs_cv_.notify_all();
  }
  *outbox_id = *id;
  for (const auto& r : applied.records) objects_[r.key] = r;
  int64_t prev = applied_.load();
  if (applied_revision > prev) applied_ = applied_revision;
  return Ok();
}

AppliedTasks AgentImpl::ApplyTasks(const std::vector<Task>& tasks,
                                   protocol::UnknownMembers unknown) {
  AppliedTasks out;
  out.results.resize(tasks.size());
  std::map<std::string, size_t> newest;  // object key -> index of its newest task here
  for (size_t i = 0; i < tasks.size(); ++i) {
    out.results[i].task = tasks[i].id;
    out.results[i].revision = tasks[i].revision;
    auto [it, inserted] = newest.emplace(tasks[i].object_key, i);
    if (!inserted && tasks[it->second].revision < tasks[i].revision) it->second = i;
  }
  // Drivers run in the order they were registered (the account's Unix user before the files
  // that belong to it); a driver's LateKinds run after every other driver's tasks (removing an
  // account: sites, FTP users and pools go first, the user last).
  std::map<size_t, std::vector<size_t>> groups;  // driver index (+ drivers_.size(): late) -> tasks
  for (size_t i = 0; i < tasks.size(); ++i) {
    const Task& t = tasks[i];
    TaskResult& r = out.results[i];
    if (newest[t.object_key] != i) {
      r.outcome = TaskOutcome::kApplied;
      r.detail = "stale: superseded by revision " +
                 std::to_string(tasks[newest[t.object_key]].revision) + " in the same bundle";
      continue;
    }
    auto known = objects_.find(t.object_key);
    if (known != objects_.end() && known->second.revision > t.revision) {
      r.outcome = TaskOutcome::kApplied;
      r.detail = "stale: " + t.object_key + " is already at revision " +
                 std::to_string(known->second.revision);
      continue;
    }
    auto driver = by_kind_.find(t.kind);
    if (driver == by_kind_.end()) {
      r.outcome = TaskOutcome::kFailed;
      r.detail = "no driver for kind " + t.kind;
      continue;
    }
    // Every spec through its decoder before any driver sees it (SECURITY rule 9): the grammars
    // of the API again, and with this build's schema no member the agent does not know. A kind
    // with no decoder in the table (a test driver's) is left to its driver.
    if (auto checked = protocol::CheckTaskSpec(t, unknown);
        !checked && checked.error().code != ErrorCode::kNotFound) {
      r.outcome = TaskOutcome::kFailed;
      r.detail = checked.error().message;
      r.fields = checked.error().fields;
      continue;
    }
    if (background_kinds_.contains(t.kind)) {
      // Checked now, done on the job thread: reported "running" with this bundle.
      if (auto checked = drivers_[driver->second]->Render(t); !checked) {
        r.outcome = checked.error().retryable() ? TaskOutcome::kRetry : TaskOutcome::kFailed;
        r.detail = checked.error().message;
        continue;
      }
      r.outcome = TaskOutcome::kRunning;
      r.detail = "started in the background";
      out.jobs.push_back(Job{t.id, protocol::ToJson(t).dump()});
      continue;
    }
    size_t index = driver->second;
    if (late_kinds_.count(t.kind) > 0) index += drivers_.size();
    groups[index].push_back(i);
  }
  for (auto& [index, indices] : groups) {
    ServiceDriver* driver = drivers_[index % drivers_.size()].get();
    std::vector<Task> batch;
    for (size_t i : indices) batch.push_back(tasks[i]);
    BatchOutcome o = applier_.Apply(*driver, batch);
    out.reloads += o.reloads;
    out.changed_files += o.changed_files;
    out.reload_ms += o.reload_ms;
    // One line per daemon reloaded: its own reload time, confirmed (bench/new_account reads it).
    if (o.reloads > 0) {
      spdlog::info("{}: reloaded in {} ms for {} task(s)", driver->Name(), o.reload_ms,
                   batch.size());
    }
    for (size_t j = 0; j < indices.size(); ++j) {
      const Task& t = tasks[indices[j]];
      out.results[indices[j]] = o.results[j];
      if (o.results[j].outcome != TaskOutcome::kApplied) continue;
      ObjectRecord rec{t.object_key, t.revision, t.kind, t.spec.dump(), {}};
      for (const auto& f : o.files[j])
        rec.files.push_back(FileHash{f.path, ContentHash(f.content)});
      out.records.push_back(std::move(rec));
    }
  }
  return out;
}

Status AgentImpl::CheckDrift() {
  std::vector<std::string> drift;
  std::vector<Task> repairs;
  for (const auto& [key, rec] : objects_) {
    bool drifted = false;
    for (const auto& f : rec.files) {
      HP_ASSIGN_OR_RETURN(auto cur, fs_.ReadFile(f.path));
      if (ContentHash(cur) != f.hash) {
        drift.push_back(f.path);
        drifted = true;
      }
    }
    if (!drifted) continue;
    Task t;
    t.revision = rec.revision;
    t.object_key = rec.key;
    t.kind = rec.kind;
    t.spec = protocol::Json::parse(rec.spec_json, nullptr, /*allow_exceptions=*/false);
    repairs.push_back(std::move(t));
  }
  if (drift.empty()) return Ok();
  spdlog::warn("{} managed file(s) drifted; repairing {} object(s)", drift.size(), repairs.size());
  AppliedTasks applied = ApplyTasks(repairs, protocol::UnknownMembers::kIgnore);
  for (size_t i = 0; i < repairs.size(); ++i) {
    if (applied.results[i].outcome != TaskOutcome::kApplied) {
      spdlog::error("repairing {} failed: {}", repairs[i].object_key, applied.results[i].detail);
    }
  }
  protocol::Report report;
  report.node = options_.node;
  report.applied_revision = applied_.load();
  report.drift = drift;
  report.reloads = applied.reloads;
  int64_t unused = 0;
  return Record(applied, applied_.load(), protocol::Encode(report), &unused);
}

}  // namespace

std::unique_ptr<Agent> NewAgentWithDrivers(AgentOptions options, HostLayout layout, Bus& bus,
                                           Filesystem& fs, const Clock& clock,
                                           std::vector<std::unique_ptr<ServiceDriver>> drivers) {
  return std::make_unique<AgentImpl>(std::move(options), std::move(layout), bus, fs, clock,
                                     std::move(drivers));
}

}  // namespace hostplane::agent
