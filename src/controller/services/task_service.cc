#include "controller/services/task_service.h"

#include <utility>

namespace hostplane::controller {

Result<std::vector<TaskRecord>> TaskService::List(const Actor& actor, const TaskFilter& filter) {
  HP_ASSIGN_OR_RETURN(Scope scope, authorizer_.ScopeOf(actor, Action::kTaskList, "tasks"));
  return store_.Read([&](StoreTxn& tx) { return tx.tasks().List(scope, filter); });
}

Result<TaskRecord> TaskService::Load(const Actor& actor, int64_t id) {
  const Error missing = Error::NotFound("task " + std::to_string(id) + " not found");
  std::optional<TaskRecord> task;
  Owner owner;
  HP_TRY(store_.Snapshot([&](StoreTxn& tx) -> Status {
    HP_ASSIGN_OR_RETURN(task, tx.tasks().Find(id));
    if (!task || !task->customer_id) return Ok();
    // The owner chain of the customer whose object the task converges.
    HP_ASSIGN_OR_RETURN(auto customer, tx.customers().FindById(*task->customer_id));
    if (customer) owner = OwnerOf(*customer);
    return Ok();
  }));
  if (!task) return Fail(missing);
  HP_TRY(authorizer_.Allow(actor, Action::kTaskRead, {"task", std::to_string(id), owner}, missing));
  return std::move(*task);
}

Result<TaskRecord> TaskService::Get(const Actor& actor, int64_t id) { return Load(actor, id); }

Result<TaskRecord> TaskService::Wait(const Actor& actor, int64_t id,
                                     std::chrono::milliseconds timeout) {
  HP_TRY(Load(actor, id));
  return engine_.Wait(id, timeout);
}

Result<std::vector<AuditEntry>> TaskService::ListAudit(const Actor& actor, const Page& page,
                                                       std::optional<std::string> object) {
  HP_ASSIGN_OR_RETURN(Scope scope, authorizer_.ScopeOf(actor, Action::kAuditList, "audit"));
  return store_.Read([&](StoreTxn& tx) { return tx.audit().List(scope, page, object); });
}

}  // namespace hostplane::controller
