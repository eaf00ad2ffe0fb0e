#include "controller/services/change_context.h"

namespace hostplane::controller {

Result<int64_t> ChangeContext::Audit(std::string_view action, const std::string& object,
                                     const Json& before, const Json& after,
                                     std::optional<int64_t> customer_id) {
  HP_ASSIGN_OR_RETURN(int64_t id, tx_.audit().Append({actor_.AuditName(), std::string(action),
                                                      object, before, after, customer_id}));
  if (change_id_ == 0) change_id_ = id;
  return id;
}

Status ChangeContext::Append(TaskRequest task) {
  if (change_id_ == 0) {
    return Fail(Error::Internal("task " + task.object_key + " of a change without an audit entry"));
  }
  HP_ASSIGN_OR_RETURN(
      TaskRecord stored,
      tx_.tasks().Append({task.node_id, std::move(task.object_key), std::string(task.kind),
                          std::move(task.spec), change_id_, task.customer_id}));
  tasks_.push_back(std::move(stored));
  return Ok();
}

}  // namespace hostplane::controller
