#pragma once

// The one authorisation check (shared/SECURITY.md rule 5). Every operation first loads its object
// with its owner chain (customer -> reseller), then asks Can(actor, action, object); an object the
// actor may not see gets the very answer a missing one gets (Allow returns the caller's
// not-found error), so "not yours" cannot be told from "not there". Deny by default: admins may
// do every action; every other role is refused until people and permissions (issue 14) give it
// rights here, and nowhere else. Lists are scoped in their query with ScopeOf.
//
// Stateless and thread-safe.

#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "controller/services/actor.h"
#include "controller/store/entities.h"

namespace hostplane::controller {

enum class Action {
  kCustomerCreate,
  kCustomerRead,
  kCustomerList,
  kCustomerUpdate,
  kCustomerDelete,
  kCustomerSuspend,
  kCustomerResume,
  kSiteCreate,
  kSiteRead,
  kSiteList,
  kSiteUpdate,
  kSiteRemove,
  kNodeCreate,
  kNodeRead,
  kNodeList,
  kNodeToken,
  kNodeDrain,
  kNodeLost,
  kRelayRead,
  kPlanCreate,
  kPlanRead,
  kPlanList,
  kTaskRead,
  kTaskList,
  kAuditList,
  kTokenCreate,
  kMetricsRead,
  kMailDomainList,
  kMailboxCreate,
  kMailboxRemove,
  kMailboxList,
  kForwarderCreate,
  kForwarderRemove,
  kForwarderList,
  kFtpUserCreate,
  kFtpUserRemove,
  kFtpUserList,
  kDatabaseCreate,
  kDatabaseRemove,
  kDatabaseList,
  kZoneCreate,
  kZoneRead,
  kZoneRemove,
  kZoneList,
  kRecordCreate,
  kRecordRemove,
  kRecordList,
  kCertCreate,
  kCertList,
};

// "customer.create", "site.remove", ...: the names the audit log records.
std::string_view Name(Action action);
template <>
inline constexpr Action kLastState<Action> = Action::kCertList;

// Who owns an object: a customer, and the customer's reseller (nullopt: the hosting company).
// Company-level objects (nodes, plans) have no owner.
struct Owner {
  std::optional<int64_t> customer_id;
  std::optional<int64_t> reseller_id;
};

// What an action is asked on: one loaded object (kind, name and owner chain), or a whole
// collection (name empty: "customers", "nodes").
struct AuthTarget {
  std::string_view kind;
  std::string name;
  Owner owner;
};

// The owner chain of the loaded objects.
Owner OwnerOf(const Customer& c);
Owner OwnerOf(const Site& s);
Owner OwnerOf(const Resource& r);

class Authorizer {
 public:
  bool Can(const Actor& actor, Action action, const AuthTarget& target) const;
  // Ok when actor may do action on the loaded object; `not_found` (the caller's own answer for
  // a missing object) otherwise.
  [[nodiscard]] Status Allow(const Actor& actor, Action action, const AuthTarget& target,
                             const Error& not_found) const;
  // For an action on a collection (a list, a create at the top): kForbidden when not allowed.
  [[nodiscard]] Status AllowCollection(const Actor& actor, Action action,
                                       std::string_view collection) const;
  // Whose objects a list action may show the actor, to apply in the query: Scope::All() for
  // staff. Errors: kForbidden when the actor may not list at all.
  Result<Scope> ScopeOf(const Actor& actor, Action list_action, std::string_view collection) const;
};

// The same check by names, for callers that hold them (the audit log's action names, objects as
// "kind:name"): an action name that does not exist is denied, whoever asks.
bool Can(const Actor& actor, std::string_view action, std::string_view object);

}  // namespace hostplane::controller
