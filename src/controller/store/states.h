#pragma once

// The states of the controller's objects, typed. They become strings only at the edges: the
// store's rows (row_mapping.cc) and the JSON of the API and the audit log (entity_json.cc), each
// through the one pair of functions of its enum here: Name(state) and Parse<State>(name).
// Thread-safe (pure functions).

#include <optional>
#include <ostream>
#include <string_view>

namespace hostplane::controller {

enum class CustomerStatus { kActive, kSuspended, kDeleting };
enum class SiteStatus { kActive, kSuspended, kRemoving };
// A service other than a site (store.h Resource): active or suspended; a certificate is pending,
// issued or failed.
enum class ResourceStatus { kActive, kSuspended, kPending, kIssued, kFailed };
// drained: emptied by a drain; lost: declared gone (its content could not be copied).
enum class NodeStatus { kActive, kDraining, kDrained, kDisabled, kLost };
// pending -> applied | failed; retry (pending again after backoff); running while the agent does
// its work in the background (not an attempt); superseded by a newer task for the same object.
enum class TaskState { kPending, kApplied, kFailed, kRetry, kRunning, kSuperseded };
// A content copy of a drain: the source packs (exporting), the target unpacks (importing).
enum class TransferState { kExporting, kImporting, kDone, kFailed };
// The status a spec carries to the node that serves the object (protocol/*_spec.h): moving is a
// mail domain that a drain is taking off that node (its mail deferred, its logins refused).
enum class ServiceStatus { kActive, kSuspended, kMoving };

std::string_view Name(CustomerStatus s);
std::string_view Name(SiteStatus s);
std::string_view Name(ResourceStatus s);
std::string_view Name(NodeStatus s);
std::string_view Name(TaskState s);
std::string_view Name(TransferState s);
std::string_view Name(ServiceStatus s);

// The last value of each enum: Parse walks the values up to it.
template <typename E>
inline constexpr E kLastState = E{};
template <>
inline constexpr CustomerStatus kLastState<CustomerStatus> = CustomerStatus::kDeleting;
template <>
inline constexpr SiteStatus kLastState<SiteStatus> = SiteStatus::kRemoving;
template <>
inline constexpr ResourceStatus kLastState<ResourceStatus> = ResourceStatus::kFailed;
template <>
inline constexpr NodeStatus kLastState<NodeStatus> = NodeStatus::kLost;
template <>
inline constexpr TaskState kLastState<TaskState> = TaskState::kSuperseded;
template <>
inline constexpr TransferState kLastState<TransferState> = TransferState::kFailed;
template <>
inline constexpr ServiceStatus kLastState<ServiceStatus> = ServiceStatus::kMoving;

// The state named `name`, or nullopt when no state of E has that name.
template <typename E>
std::optional<E> Parse(std::string_view name) {
  for (int i = 0; i <= static_cast<int>(kLastState<E>); ++i) {
    if (Name(static_cast<E>(i)) == name) return static_cast<E>(i);
  }
  return std::nullopt;
}

// Applied, failed and superseded tasks never change again.
inline bool IsFinal(TaskState s) {
  return s == TaskState::kApplied || s == TaskState::kFailed || s == TaskState::kSuperseded;
}
inline bool IsOpen(TransferState s) {
  return s == TransferState::kExporting || s == TransferState::kImporting;
}

// For logs and test failure messages: the name.
template <typename E, typename = decltype(Name(E{}))>
std::ostream& operator<<(std::ostream& os, E s) {
  return os << Name(s);
}

}  // namespace hostplane::controller
