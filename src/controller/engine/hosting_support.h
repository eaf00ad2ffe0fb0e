#pragma once

// Helpers shared by the files of HostingService (hosting_service.cc: customers, sites, nodes,
// plans; hosting_services.cc: mail, FTP, DNS, databases, certificates; hosting_lifecycle.cc:
// suspend, resume, delete). Not part of the controller's interface.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "controller/engine/hosting_service.h"
#include "controller/store/store.h"

namespace hostplane::controller::hosting {

inline std::string SiteObject(const std::string& domain) { return "site:" + domain; }
inline std::string CustomerObject(const std::string& login) { return "customer:" + login; }
inline std::string AccountObject(const std::string& login) { return "account:" + login; }

// kForbidden unless Can(actor, action, object).
Status Authorize(const Actor& actor, const std::string& action, const std::string& object);
// An error about named fields with a code other than kInvalid (taken, over a limit, ...).
Error FieldError(ErrorCode code, std::map<std::string, std::string> fields, std::string message);
std::string NotFoundMessage(const char* what, const std::string& name);
// kNotFound with {field: "<what>.not_found"}.
Error NotFoundField(const std::string& field, const char* what, const std::string& name);

// Appends a task (StoreTxn::AppendTask) and remembers it for the caller's Change.
Status Append(StoreTxn& tx, std::vector<TaskRecord>& tasks, int64_t node_id,
              const std::string& object, const char* kind, const Json& spec, int64_t change_id);
// Rings each node's doorbell once with its newest revision, after the commit.
void NotifyNodes(TaskEngine& engine, const std::vector<TaskRecord>& tasks);

// The customer's status as the specs carry it: "suspended" or "active".
std::string SpecStatus(const Customer& c);

// The spec of a site as its web node applies it (site.ensure / site.remove).
Json SiteEnsureSpec(const Site& s, const Customer& owner);
Json SiteRemovalSpec(const Site& s, bool remove_content);

// The account's spec on one node (account.ensure): its uid, status and the PHP versions its
// sites on that node use.
Result<Json> AccountEnsureSpec(StoreTxn& tx, const Customer& c, int64_t node_id);
// Appends account.ensure on node_id for c (before any task that needs the account's user), unless
// the newest account task there already says the same.
Status SyncAccount(StoreTxn& tx, std::vector<TaskRecord>& tasks, const Customer& c, int64_t node_id,
                   int64_t change_id);

// The active node with `role` and the fewest objects (counts: node id -> objects) below its
// capacity; lowest id on a tie. field names the request field for the kUnavailable error.
Result<Node> PlaceOnRole(StoreTxn& tx, const std::string& role,
                         const std::map<int64_t, int64_t>& counts, const std::string& field);

// Re-sends zone.ensure (serial increased) for every zone of c: its default records follow c's
// sites and mail domains. (hosting_services.cc)
Status SyncZonesOf(StoreTxn& tx, std::vector<TaskRecord>& tasks, const Customer& c,
                   int64_t change_id, const HostingOptions& options, int64_t now_ms);

}  // namespace hostplane::controller::hosting
