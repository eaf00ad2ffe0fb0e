#include "controller/store/states.h"

namespace hostplane::controller {

std::string_view Name(CustomerStatus s) {
  switch (s) {
    case CustomerStatus::kActive:
      return "active";
    case CustomerStatus::kSuspended:
      return "suspended";
    case CustomerStatus::kDeleting:
      return "deleting";
  }
  return "";
}

std::string_view Name(SiteStatus s) {
  switch (s) {
    case SiteStatus::kActive:
      return "active";
    case SiteStatus::kSuspended:
      return "suspended";
    case SiteStatus::kRemoving:
      return "removing";
  }
  return "";
}

std::string_view Name(ResourceStatus s) {
  switch (s) {
    case ResourceStatus::kActive:
      return "active";
    case ResourceStatus::kSuspended:
      return "suspended";
    case ResourceStatus::kPending:
      return "pending";
    case ResourceStatus::kIssued:
      return "issued";
    case ResourceStatus::kFailed:
      return "failed";
  }
  return "";
}

std::string_view Name(NodeStatus s) {
  switch (s) {
    case NodeStatus::kActive:
      return "active";
    case NodeStatus::kDraining:
      return "draining";
    case NodeStatus::kDrained:
      return "drained";
    case NodeStatus::kDisabled:
      return "disabled";
    case NodeStatus::kLost:
      return "lost";
  }
  return "";
}

std::string_view Name(TaskState s) {
  switch (s) {
    case TaskState::kPending:
      return "pending";
    case TaskState::kApplied:
      return "applied";
    case TaskState::kFailed:
      return "failed";
    case TaskState::kRetry:
      return "retry";
    case TaskState::kRunning:
      return "running";
    case TaskState::kSuperseded:
      return "superseded";
  }
  return "";
}

std::string_view Name(TransferState s) {
  switch (s) {
    case TransferState::kExporting:
      return "exporting";
    case TransferState::kImporting:
      return "importing";
    case TransferState::kDone:
      return "done";
    case TransferState::kFailed:
      return "failed";
  }
  return "";
}

std::string_view Name(ServiceStatus s) {
  switch (s) {
    case ServiceStatus::kActive:
      return "active";
    case ServiceStatus::kSuspended:
      return "suspended";
    case ServiceStatus::kMoving:
      return "moving";
  }
  return "";
}

}  // namespace hostplane::controller
