#pragma once

// The one authorisation check (shared/SECURITY.md rule 5). Every operation first loads its object
// with its owner chain (customer -> reseller), then asks Can(actor, action, object); an object the
// actor may not see gets the very answer a missing one gets (Allow returns the caller's
// not-found error), so "not yours" cannot be told from "not there". Lists are scoped in their
// query with ScopeOf. Deny by default; the matrix (docs/permissions.md says it in words):
//   admin     everything.
//   support   reads everything but the relay's users; acts on customers, their objects and
//             users; not on nodes, plans, resellers, staff or moves between owners.
//   reseller  its own plans, customers, their objects, tasks and audit entries, its and its
//             customers' users; acts for its customers; nothing of the company's.
//   customer  its own objects, tasks, audit entries and users; reads its account.
//   customer_user  with full access: what its customer may, but its users; limited: only the
//             granted sites and mail domains (their mailboxes, forwarders, certificates).
//   none      nothing.
// A token's scopes narrow its user's rights further (never widen them): an action needs the
// scope of its area ("sites:read", "mail:write", "admin").
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
  kNodeUpdate,
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
  // People and permissions (issue 14).
  kResellerCreate,
  kResellerRead,
  kResellerList,
  kResellerUpdate,
  kResellerDelete,
  kUserCreate,
  kUserRead,
  kUserList,
  kUserUpdate,
  kUserDelete,
  kUserResetSecondFactor,
  kTokenList,
  kTokenRevoke,
  kCustomerMove,
  kActAs,
  // Mail domains (issue 16): their DNS records to copy; rotating their DKIM key.
  kMailDomainRead,
  kMailDomainUpdate,
  // Orders (issue 21): the review queue and its decisions.
  kOrderList,
  kOrderRead,
  kOrderAccept,
  kOrderReject,
  kOrderMarkPaid,
  // The file manager (issue 20): a customer's files, on the node that holds its home.
  kFileRead,
  kFileWrite,
  // The operations the panel lacked (issue 19): a failed task re-queued; a mailbox's password
  // and quota, an FTP user's password and a plan's limits changed.
  kTaskRetry,
  kMailboxUpdate,
  kFtpUserUpdate,
  kPlanUpdate,
};

// "customer.create", "site.remove", ...: the names the audit log records.
std::string_view Name(Action action);
template <>
inline constexpr Action kLastState<Action> = Action::kPlanUpdate;

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

// The API token scope an action needs: its area ("sites", "mail", ...) and whether it writes.
struct ScopeNeed {
  std::string_view area;
  bool write;
};
ScopeNeed ScopeNeeded(Action action);

// The owner chain of the loaded objects.
Owner OwnerOf(const Plan& p);
Owner OwnerOf(const Reseller& r);
Owner OwnerOf(const User& u);
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
