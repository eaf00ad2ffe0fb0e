#pragma once

// What happened: the tasks queued for the nodes (and waiting for one to end) and the audit log.
// Reads only.
//
// Thread-safe.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "controller/engine/task_engine.h"
#include "controller/services/authorizer.h"
#include "controller/store/store.h"

namespace hostplane::controller {

class TaskService {
 public:
  TaskService(Store& store, TaskEngine& engine, const Authorizer& authorizer)
      : store_(store), engine_(engine), authorizer_(authorizer) {}

  Result<std::vector<TaskRecord>> List(const Actor& actor, const TaskFilter& filter);
  // Errors: kNotFound (also for a task the actor may not see).
  Result<TaskRecord> Get(const Actor& actor, int64_t id);
  // Blocks until the task is final (applied, failed or superseded) or timeout passes; returns the
  // task as it is then (the caller looks at state).
  Result<TaskRecord> Wait(const Actor& actor, int64_t id, std::chrono::milliseconds timeout);
  Result<std::vector<AuditEntry>> ListAudit(const Actor& actor, const Page& page,
                                            std::optional<std::string> object);

 private:
  // The task, if the actor may read it: kNotFound for both a missing one and one it may not see.
  Result<TaskRecord> Load(const Actor& actor, int64_t id);

  Store& store_;
  TaskEngine& engine_;
  const Authorizer& authorizer_;
};

}  // namespace hostplane::controller
