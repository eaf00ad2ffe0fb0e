#include "controller/services/task_service.h"

#include <utility>

#include "controller/services/service_support.h"
#include "protocol/validate.h"

namespace hostplane::controller {
namespace {

// The owner chain of the customer whose object a task converges (none: the company's own).
Result<Owner> TaskOwner(StoreTxn& tx, const TaskRecord& task) {
  if (!task.customer_id) return Owner{};
  HP_ASSIGN_OR_RETURN(auto customer, tx.customers().FindById(*task.customer_id));
  if (!customer) return Owner{};
  return OwnerOf(*customer);
}

}  // namespace

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
    if (!task) return Ok();
    HP_ASSIGN_OR_RETURN(owner, TaskOwner(tx, *task));
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

Result<Change<TaskRetry>> TaskService::Retry(const Actor& actor, int64_t id) {
  HP_ASSIGN_OR_RETURN(auto all, RetryAll(actor, {id}, [](size_t) { return std::string("id"); }));
  return Change<TaskRetry>{std::move(all.object.front()), std::move(all.tasks), all.change_id};
}

Result<Change<std::vector<TaskRetry>>> TaskService::Retry(const Actor& actor,
                                                          const std::vector<int64_t>& ids) {
  if (ids.empty()) {
    return Fail(Error::InvalidField("ids", "ids.empty", "Name at least one task to retry."));
  }
  if (ids.size() > kMaxRetryIds) {
    return Fail(Error::InvalidField(
        "ids", "ids.too_many",
        "At most " + std::to_string(kMaxRetryIds) + " tasks can be retried at once."));
  }
  return RetryAll(actor, ids, [](size_t i) { return "ids[" + std::to_string(i) + "]"; });
}

Result<Change<std::vector<TaskRetry>>> TaskService::RetryAll(
    const Actor& actor, const std::vector<int64_t>& ids,
    const std::function<std::string(size_t)>& field) {
  return runner_.Run(
      actor, "task.retry", [&](ChangeContext& change) -> Result<std::vector<TaskRetry>> {
        StoreTxn& tx = change.tx();
        std::vector<TaskRetry> out;
        protocol::FieldErrors not_failed;
        for (size_t i = 0; i < ids.size(); ++i) {
          const int64_t id = ids[i];
          const Error missing = Error::NotFound("task " + std::to_string(id) + " not found");
          HP_ASSIGN_OR_RETURN(auto task, tx.tasks().Find(id));
          if (!task) return Fail(missing);
          HP_ASSIGN_OR_RETURN(Owner owner, TaskOwner(tx, *task));
          HP_TRY(change.Allow(Action::kTaskRetry, {"task", std::to_string(id), owner}, missing));
          if (task->state != TaskState::kFailed) {
            not_failed.Add(field(i),
                           {"task.not_failed", "Task " + std::to_string(id) + " is " +
                                                   std::string(Name(task->state)) +
                                                   ": only a failed task can be retried."});
            continue;
          }
          // The object moved on (retried already, or changed since): its newest task stands.
          HP_ASSIGN_OR_RETURN(auto latest, tx.tasks().Latest(task->node_id, task->object_key));
          if (latest && latest->id != task->id) {
            out.push_back({id, std::move(*latest), false});
            continue;
          }
          HP_TRY(
              change.Audit("task.retry", "task:" + std::to_string(id),
                           Json{{"state", std::string(Name(task->state))}, {"error", task->error}},
                           Json{{"retry_of", id}}, task->customer_id));
          HP_TRY(change.Append(
              {task->node_id, task->object_key, task->kind, task->spec, task->customer_id}));
          out.push_back({id, change.tasks().back(), true});
        }
        if (!not_failed.empty()) {
          Error e = not_failed.ToError();
          e.code = ErrorCode::kConflict;
          return Fail(std::move(e));
        }
        return out;
      });
}

}  // namespace hostplane::controller
