#include "controller/services/task_result_handler.h"

#include "protocol/cert_spec.h"
#include "protocol/content.h"
#include "protocol/zone_spec.h"

namespace hostplane::controller {

Status TaskResultHandler::operator()(StoreTxn& tx, const TaskRecord& task, TaskState state,
                                     const std::string& error,
                                     std::vector<TaskRecord>& appended) const {
  const Actor node{"node:" + task.node_name, Role::kNone};
  ChangeContext change(tx, node, authorizer_);
  if (task.kind == protocol::kContentExport || task.kind == protocol::kContentImport) {
    HP_TRY(copies_.OnResult(change, task, state, error));
  } else if (task.kind == protocol::kZoneEnsure) {
    HP_TRY(dns_.OnZoneResult(change, task, state, error));
  } else if (task.kind == protocol::kCertEnsure) {
    HP_TRY(certificates_.OnResult(change, task, state, error));
  }
  appended.insert(appended.end(), change.tasks().begin(), change.tasks().end());
  return Ok();
}

Status TaskResultHandler::OnNodeKey(StoreTxn& tx, const Node& node,
                                    std::vector<TaskRecord>& appended) const {
  const Actor actor{"node:" + node.name, Role::kNone};
  ChangeContext change(tx, actor, authorizer_);
  HP_TRY(mail_.ResealFor(change, node));
  HP_TRY(accounts_.ResealFor(change, node));
  appended.insert(appended.end(), change.tasks().begin(), change.tasks().end());
  return Ok();
}

}  // namespace hostplane::controller
