#pragma once

// Helpers shared by the files of HostingService (hosting_service.cc: customers, sites, nodes,
// plans; hosting_services.cc: mail, FTP, DNS, databases, certificates; hosting_lifecycle.cc:
// suspend, resume, delete). Not part of the controller's interface.

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "controller/engine/hosting_service.h"
#include "controller/store/store.h"
#include "protocol/zone_spec.h"

namespace hostplane::controller::hosting {

// The kinds of Resource rows (store.h).
namespace kinds {
inline constexpr const char* kMailDomain = "maildomain";
inline constexpr const char* kMailbox = "mailbox";
inline constexpr const char* kForwarder = "forwarder";
inline constexpr const char* kZone = "zone";
inline constexpr const char* kRecord = "record";
inline constexpr const char* kFtpUser = "ftpuser";
inline constexpr const char* kDatabase = "database";
inline constexpr const char* kCert = "cert";
}  // namespace kinds

// A task's object key and an audit object: "<kind>:<name>".
inline std::string Object(const char* kind, const std::string& name) {
  return std::string(kind) + ":" + name;
}
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

// Where a new object may go besides role and room.
struct PlaceOptions {
  std::string site;           // the plan's pin: only nodes at this site ("" = any)
  std::string group;          // the plan's pin: only nodes of this group ("" = any)
  std::set<int64_t> exclude;  // nodes being emptied (drain, loss)
  int64_t down_after_ms = 0;  // a node not heard from for longer is down (0: not checked)
  // Taken whenever it passes every other rule, however loaded (a customer's databases stay on
  // one node, so db.<zone> names them all); 0: none.
  int64_t prefer = 0;
};

// False when the node's agent said hello without the account driver (no Unix users per account
// there): it gets no account tasks. A node not heard from yet is assumed to run it.
bool RunsAccounts(const Node& n);

// The placement rules for a customer's new objects: its plan's pins and the liveness window.
PlaceOptions PlacementFor(const Plan& plan, const HostingOptions& options);

// "up" (heard from within down_after_ms), "down" (not), or "new" (its agent never said hello).
std::string NodeHealth(const Node& n, int64_t now, int64_t down_after_ms);

// The agent driver that serves a role ("web" -> "nginx", "db" -> "mariadb", ...).
std::string DriverOfRole(const std::string& role);

// The least loaded node for a new object of `role`: active, with the role, matching the pins, not
// excluded, not down, not refusing (its agent's hello lists no driver for the role), and with
// room (counts: node id -> objects of that kind, below its capacity). Least loaded is the lowest
// share of its capacity in use; lowest id on a tie. field names the request field for the
// kUnavailable error, which says why nothing fits.
Result<Node> PlaceOnRole(StoreTxn& tx, const std::string& role,
                         const std::map<int64_t, int64_t>& counts, const std::string& field,
                         const PlaceOptions& options = {});

// Inserts r and the audit entry of action on object; the change's tasks are the caller's to add.
Result<Change<Resource>> InsertAudited(StoreTxn& tx, const Actor& actor, const std::string& action,
                                       const std::string& object, const Resource& r);

// Reads inside a write transaction; a missing row the caller needs is an error.
Result<Customer> RequireCustomer(StoreTxn& tx, const std::string& login);  // kNotFound, field
// The customer's resources of one kind, oldest first.
Result<std::vector<Resource>> OfCustomer(StoreTxn& tx, const char* kind, int64_t customer_id);
Result<Customer> OwnerOf(StoreTxn& tx, const Resource& r);  // kInternal if gone
Result<Plan> PlanOf(StoreTxn& tx, const Customer& c);
// The rows of kind under parent (a mail domain's addresses, a zone's records).
Result<std::vector<Resource>> Children(StoreTxn& tx, const char* kind, const std::string& parent);
// kLimit {field: code} when the customer already has `limit` or more rows of kind.
Status CheckLimit(StoreTxn& tx, const Customer& c, const char* kind, const Limit& limit,
                  const std::string& field, const char* code, const char* what);
// The zone as its DNS node would serve it now: the defaults computed from the store (SOA, NS,
// the owner's sites, mail and databases inside it) and the owner's records. (hosting_dns.cc)
Result<protocol::ZoneSpec> ZoneAsServed(StoreTxn& tx, const Resource& zone, const Customer& owner,
                                        const HostingOptions& options);
// Records on the zone's row what its DNS node did with a zone.ensure task, so the customer sees
// it where they look (GET /zones/{zone}, `dns zone list`, `dns record list`): applied -> status
// "active", served_serial; failed -> status "failed", error (the node's words) and
// failed_serial. A result older than the serial already recorded changes nothing.
// (hosting_dns.cc)
Status RecordZoneResult(StoreTxn& tx, const TaskRecord& task, TaskState state,
                        const std::string& error);
// Re-sends zone.ensure (serial increased) for every zone of c: its default records follow c's
// sites and mail domains. (hosting_services.cc)
Status SyncZonesOf(StoreTxn& tx, std::vector<TaskRecord>& tasks, const Customer& c,
                   int64_t change_id, const HostingOptions& options, int64_t now_ms);

}  // namespace hostplane::controller::hosting
