#pragma once

// What happened: the tasks queued for the nodes (and waiting for one to end) and the audit log;
// and the one write on them, a failed task asked for again (Retry).
//
// Thread-safe.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "controller/engine/task_engine.h"
#include "controller/services/authorizer.h"
#include "controller/services/change_runner.h"
#include "controller/store/store.h"

namespace hostplane::controller {

// A failed task asked for again: the task that carries its object's desired state now.
struct TaskRetry {
  int64_t retry_of = 0;  // the failed task
  TaskRecord task;       // the new attempt, or the newer task the object already had
  bool queued = false;   // true: task is a new attempt queued by this call
};

class TaskService {
 public:
  // At most this many tasks in one bulk retry.
  static constexpr size_t kMaxRetryIds = 100;

  TaskService(Store& store, TaskEngine& engine, ChangeRunner& runner)
      : store_(store), engine_(engine), runner_(runner), authorizer_(runner.authorizer()) {}

  Result<std::vector<TaskRecord>> List(const Actor& actor, const TaskFilter& filter);
  // Errors: kNotFound (also for a task the actor may not see).
  Result<TaskRecord> Get(const Actor& actor, int64_t id);
  // Blocks until the task is final (applied, failed or superseded) or timeout passes; returns the
  // task as it is then (the caller looks at state).
  Result<TaskRecord> Wait(const Actor& actor, int64_t id, std::chrono::milliseconds timeout);
  Result<std::vector<AuditEntry>> ListAudit(const Actor& actor, const Page& page,
                                            std::optional<std::string> object);

  // Re-queues each failed task as a new attempt (same node, object, kind and spec) on its node,
  // all in one change (audit "task.retry" per task). Idempotent: a failed task whose object
  // already has a newer task (an earlier retry, or a later change) is not queued again: its
  // answer names that task (queued false), so an older state never overwrites a newer one (P7).
  // Errors, nothing queued for any id: kInvalid {"ids": "ids.empty" | "ids.too_many"};
  // kNotFound (a task missing or one the actor may not see; its id in the message);
  // kConflict {"id" or "ids[i]": "task.not_failed"} for a task that is not failed.
  Result<Change<std::vector<TaskRetry>>> Retry(const Actor& actor, const std::vector<int64_t>& ids);
  // One task (POST /tasks/{id}/retry): the same, its field "id".
  Result<Change<TaskRetry>> Retry(const Actor& actor, int64_t id);

 private:
  // The task, if the actor may read it: kNotFound for both a missing one and one it may not see.
  Result<TaskRecord> Load(const Actor& actor, int64_t id);
  // Retry's change; field(i) names ids[i] in its errors.
  Result<Change<std::vector<TaskRetry>>> RetryAll(const Actor& actor,
                                                  const std::vector<int64_t>& ids,
                                                  const std::function<std::string(size_t)>& field);

  Store& store_;
  TaskEngine& engine_;
  ChangeRunner& runner_;
  const Authorizer& authorizer_;
};

}  // namespace hostplane::controller
