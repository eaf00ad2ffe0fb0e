#pragma once

// The store: every account's data, the nodes, the tasks (the outbox) and the audit log, behind one
// interface. SqliteStore implements it now; a PostgreSQL backend will implement the same interface
// (shared/DESIGN.md). All writes go through Store::Write, one transaction each, so a change, the
// tasks it implies and its audit entry commit together or not at all (transactional outbox, P9).
// Acknowledged means durable: Write returns only after the commit is on disk (P8).

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace hostplane::controller {

using Json = nlohmann::json;

// A limit: nullopt means unlimited (a flag, never -1).
using Limit = std::optional<int64_t>;

struct Plan {
  int64_t id = 0;
  std::string name;
  Limit max_sites;
  Limit max_mailboxes;
  Limit mailbox_quota_mb;
  Limit max_forwarders;
  Limit max_ftp_users;
  Limit max_dns_zones;
  Limit max_databases;
  Limit disk_mb;
  // Placement: the plan's services go only to nodes at this site / in this group ("" = any).
  std::string pin_site;
  std::string pin_group;
  int64_t created_at = 0;
};

struct Customer {
  int64_t id = 0;
  std::string login;
  std::string name;
  std::string email;
  std::string password_hash;      // Argon2id (libsodium crypto_pwhash_str); empty: no panel login
  std::string status = "active";  // active | suspended | deleting
  int64_t plan_id = 0;
  // The account's Unix uid and gid on every node (one number for both), allocated once from the
  // configured range and never reused (a counter), so files it owned never change hands.
  int64_t uid = 0;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

struct Site {
  int64_t id = 0;
  int64_t customer_id = 0;
  std::string customer_login;  // joined on read
  std::string domain;
  std::vector<std::string> aliases;
  std::string docroot;
  std::string status = "active";  // active | suspended | removing
  std::string php;                // "" (static) or the PHP version ("8.2")
  bool https = false;             // a certificate is installed: serve HTTPS too
  int64_t node_id = 0;
  std::string node_name;  // joined on read
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

struct Node {
  int64_t id = 0;
  std::string name;
  std::vector<std::string> roles;  // web, mail, dns, ftp, db
  int64_t capacity = 0;            // how many sites (objects) it may serve
  std::string status = "active";   // active | draining | disabled
  std::string ipv4;                // public address for DNS records ("" = none)
  std::string ipv6;
  int64_t head_revision = 0;     // newest task revision issued to it
  int64_t applied_revision = 0;  // newest revision its agent reported as applied
  std::optional<int64_t> last_seen;
  std::string version;  // agent version from its hello
  std::vector<std::string> drivers;
  std::vector<std::string> drift;  // files changed behind the agent's back, from its last report
  int64_t created_at = 0;
  std::string site;   // where it stands (its relay leaf); "" = unspecified
  std::string group;  // a node group plans may pin to ("" = none)
  double load = 0;    // 1-minute load average from its last heartbeat
  // bcrypt hash of its NATS password, set when it joins (the relay's users are written from it).
  std::string nats_password_hash;
  std::optional<int64_t> enrolled_at;  // when its agent joined with a token
  // Not stored: "up", "down" or "new" from last_seen, filled in by the API when it answers.
  std::string health;
};

// A one-time token that lets a server join as a node (POST /api/v1/join). Only its hash is kept.
struct JoinToken {
  int64_t id = 0;
  int64_t node_id = 0;
  int64_t expires_at = 0;
  std::optional<int64_t> used_at;
};

// A content copy of a drain (protocol/content.h): one directory of a customer's, from the node
// being drained to the node that takes its role over. States: exporting (the source packs and
// uploads), importing (the target downloads and unpacks), done, failed (error says why).
struct Transfer {
  int64_t id = 0;
  int64_t customer_id = 0;
  std::string what;    // home | mail
  std::string object;  // the login | the mail domain
  int64_t source_node_id = 0;
  int64_t target_node_id = 0;
  std::string state = "exporting";
  int64_t chunks = 0;  // chunks, bytes, digest: set when the source seals its archive
  int64_t bytes = 0;
  std::string digest;
  std::string error;
  std::optional<int64_t> change_id;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  bool open() const { return state == "exporting" || state == "importing"; }
};

struct TransferFilter {
  std::optional<int64_t> source_node_id;
  std::optional<int64_t> customer_id;
  bool open_only = false;
  std::optional<int64_t> target_node_id;
};

// One hosted service of a customer other than a site, stored by kind:
//   maildomain  name "acme.example"              data {"catch_all": ""}
//   mailbox     name "info@acme.example"         parent "acme.example"
//               data {"password_hash", "quota_mb"}
//   forwarder   name "sales@acme.example"        parent "acme.example"  data {"targets": [...]}
//   zone        name "acme.example"              data {"serial": N}
//   record      name "<zone> <name> <type> <value>" parent zone  data {"name","type","value","ttl"}
//   ftpuser     name "acme_web"                  data {"home", "password_hash"}
//   database    name "acme_shop"                 data {"password_hash"}
//   cert        name "shop.acme.example"         data {"names": [...], "error", "issued_at"}
// (kind, name) is unique. node_id is the node that serves it (0 for records: their zone's).
struct Resource {
  int64_t id = 0;
  int64_t customer_id = 0;
  std::string customer_login;  // joined on read
  std::string kind;
  std::string name;
  std::string parent;
  int64_t node_id = 0;
  std::string node_name;  // joined on read ("" when node_id is 0)
  Json data = Json::object();
  std::string status = "active";  // active | suspended | pending | failed (certs)
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

// A domain name a customer holds: a site's domain or alias (kind "site"), a zone or a mail
// domain (their Resource kinds). The name-ownership rule (controller/engine/name_ownership.h)
// reads these.
struct NameClaim {
  std::string name;
  std::string kind;
  int64_t customer_id = 0;
};

struct ResourceFilter {
  std::string kind;
  std::optional<int64_t> customer_id;
  std::optional<std::string> parent;
  std::optional<int64_t> node_id;
};

// pending -> applied | failed; retry (pending again after backoff); running while the agent does
// its work in the background (a content copy; not an attempt), then applied | failed | retry;
// superseded when a newer task for the same object on the same node was appended before this one
// was applied.
struct TaskRecord {
  int64_t id = 0;
  int64_t node_id = 0;
  std::string node_name;
  int64_t revision = 0;
  std::string object_key;
  std::string kind;
  Json spec;
  std::string state = "pending";  // pending | applied | failed | retry | running | superseded
  std::string error;
  int attempts = 0;
  std::optional<int64_t> next_attempt_at;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  std::optional<int64_t> applied_at;
  std::optional<int64_t> duration_ms;  // apply duration reported by the agent
  std::optional<int64_t> change_id;    // the audit entry of the change that made it
};

struct AuditEntry {
  int64_t id = 0;
  std::string actor;
  std::string action;  // "customer.create", "site.remove", ...
  std::string object;  // "customer:acme", "site:shop.acme.example"
  Json before;         // null when created
  Json after;          // null when deleted
  int64_t at = 0;
};

struct ApiToken {
  int64_t id = 0;
  std::string name;
  std::string role = "admin";
  int64_t created_at = 0;
  std::optional<int64_t> last_used_at;
};

// Filters for lists. Pages are keyset-based: items with id > after_id, at most limit of them.
struct Page {
  int64_t after_id = 0;
  int limit = 100;
};

struct TaskFilter {
  std::optional<std::string> node;
  std::optional<std::string> state;
  std::optional<std::string> object_key;
  std::optional<int64_t> change_id;
  Page page;
};

// The counts behind /metrics.
struct TaskStats {
  std::map<std::string, int64_t> by_state;
};

// Everything one write transaction can do. Obtained only inside Store::Write.
class StoreTxn {
 public:
  virtual ~StoreTxn() = default;
  // The store clock's time (ms since the epoch), for checks against stored times.
  virtual int64_t NowMillis() const = 0;
  // Reads inside the transaction (for checks that must hold at commit: uniqueness, quotas).
  virtual Result<std::optional<Customer>> FindCustomer(const std::string& login) = 0;
  virtual Result<std::optional<Customer>> FindCustomerById(int64_t id) = 0;
  virtual Result<std::optional<Site>> FindSite(const std::string& domain) = 0;
  // The site that owns name as its domain or one of its aliases.
  virtual Result<std::optional<Site>> FindSiteByName(const std::string& name) = 0;
  virtual Result<std::vector<Site>> SitesOfCustomer(int64_t customer_id) = 0;
  virtual Result<int64_t> CountSites(int64_t customer_id) = 0;
  virtual Result<std::optional<Plan>> FindPlan(const std::string& name) = 0;
  virtual Result<std::optional<Plan>> FindPlanById(int64_t id) = 0;
  virtual Result<std::optional<Node>> FindNode(const std::string& name) = 0;
  virtual Result<std::optional<Node>> FindNodeById(int64_t id) = 0;
  virtual Result<std::vector<Node>> ListNodes() = 0;
  virtual Result<std::optional<TaskRecord>> FindTask(int64_t id) = 0;
  // The nodes that have had any task for the object (where it may exist).
  virtual Result<std::vector<int64_t>> NodesWithObject(const std::string& object_key) = 0;
  // The newest task of an object on a node (any state), or nullopt.
  virtual Result<std::optional<TaskRecord>> LatestTask(int64_t node_id,
                                                       const std::string& object_key) = 0;
  // Sites per node, for placement.
  virtual Result<std::map<int64_t, int64_t>> SiteCountByNode() = 0;
  // The newest task of every object a node was ever sent (what it holds, or last removed).
  virtual Result<std::vector<TaskRecord>> LatestTasksOnNode(int64_t node_id) = 0;
  // Sites served by a node.
  virtual Result<std::vector<Site>> SitesOnNode(int64_t node_id) = 0;
  // Up to limit customers with a site (when sites) or a resource of one of kinds on the node,
  // lowest id first.
  virtual Result<std::vector<int64_t>> CustomersOnNode(int64_t node_id, bool sites,
                                                       const std::vector<std::string>& kinds,
                                                       int limit) = 0;
  // Join tokens: a new one revokes the node's unused ones; Use marks one used (false when it
  // already was).
  virtual Status InsertJoinToken(int64_t node_id, const std::string& token_hash,
                                 int64_t expires_at) = 0;
  virtual Result<std::optional<JoinToken>> FindJoinToken(const std::string& token_hash) = 0;
  virtual Result<bool> UseJoinToken(int64_t id, int64_t now) = 0;
  virtual Result<std::optional<Resource>> FindResource(const std::string& kind,
                                                       const std::string& name) = 0;
  virtual Result<std::vector<Resource>> ListResources(const ResourceFilter& filter) = 0;
  // A claim (NameClaim) of a customer other than customer_id on name itself or, with below, on a
  // name under it ("shop.acme.example" is under "acme.example"); nullopt when there is none. One
  // index range per kind of claim, however many names there are.
  virtual Result<std::optional<NameClaim>> ForeignClaim(const std::string& name,
                                                        int64_t customer_id, bool below) = 0;
  virtual Result<int64_t> CountResources(const std::string& kind, int64_t customer_id) = 0;
  // Resources of one kind per node, for placement.
  virtual Result<std::map<int64_t, int64_t>> ResourceCountByNode(const std::string& kind) = 0;
  // The next value of a named counter, starting at first; never returns a value twice.
  virtual Result<int64_t> NextCounter(const std::string& name, int64_t first) = 0;

  // Inserts return the stored row (ids and timestamps set). kConflict on a unique violation.
  virtual Result<Customer> InsertCustomer(const Customer& c) = 0;
  virtual Status UpdateCustomer(const Customer& c) = 0;
  virtual Status DeleteCustomer(int64_t id) = 0;
  virtual Result<Plan> InsertPlan(const Plan& p) = 0;
  // Also claims the domain and every alias as names (unique across all sites).
  virtual Result<Site> InsertSite(const Site& s) = 0;
  virtual Status UpdateSite(const Site& s) = 0;  // re-claims names when aliases changed
  virtual Status DeleteSite(int64_t id) = 0;
  virtual Result<Node> InsertNode(const Node& n) = 0;
  // kConflict on a (kind, name) that exists.
  virtual Result<Resource> InsertResource(const Resource& r) = 0;
  virtual Status UpdateResource(const Resource& r) = 0;  // data, status, node_id, parent
  virtual Status DeleteResource(int64_t id) = 0;
  // Updates everything but head_revision, which only AppendTask moves.
  virtual Status UpdateNode(const Node& n) = 0;

  // Appends a task for node with the node's next revision; marks older non-final tasks of the
  // same object on that node superseded. Returns the stored task.
  virtual Result<TaskRecord> AppendTask(int64_t node_id, const std::string& object_key,
                                        const std::string& kind, const Json& spec,
                                        std::optional<int64_t> change_id) = 0;
  // Records an agent's result for one task. A result for a task that is already final, or for
  // another node, is ignored (returns false). Each accepted result counts one attempt; state is
  // applied, failed or retry (kInvalid otherwise); applied sets applied_at.
  virtual Result<bool> RecordResult(const std::string& node, int64_t task_id,
                                    const std::string& state, const std::string& error,
                                    std::optional<int64_t> duration_ms,
                                    std::optional<int64_t> next_attempt_at) = 0;

  // Appends an audit entry and returns its id (used as the change id of the tasks it made).
  virtual Result<int64_t> Audit(const std::string& actor, const std::string& action,
                                const std::string& object, const Json& before,
                                const Json& after) = 0;

  virtual Result<ApiToken> InsertToken(const std::string& name, const std::string& token_hash,
                                       const std::string& role) = 0;

  // Content copies of drains (oldest first).
  virtual Result<Transfer> InsertTransfer(const Transfer& t) = 0;
  virtual Result<std::optional<Transfer>> FindTransfer(int64_t id) = 0;
  // Updates state, chunks, bytes, digest and error.
  virtual Status UpdateTransfer(const Transfer& t) = 0;
  virtual Result<std::vector<Transfer>> ListTransfers(const TransferFilter& filter) = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // Runs fn in one write transaction (BEGIN IMMEDIATE); commits durably when fn succeeds, rolls
  // back when it fails. Writers are serialised: a backend may run the fns of concurrent Writes in
  // one transaction (group commit), one after the other, each rolled back alone when it fails, on
  // any of the callers' threads. Returns fn's error, or kIo/kUnavailable from the store itself;
  // kInternal when called inside another Write's fn.
  [[nodiscard]] virtual Status Write(const std::function<Status(StoreTxn&)>& fn) = 0;

  // Runs fn over one read-only snapshot, with the lookups of a write transaction (for reads that
  // need several of them, such as a zone as served). Any write inside fails. Runs concurrently
  // with a writer.
  [[nodiscard]] virtual Status Snapshot(const std::function<Status(StoreTxn&)>& fn) = 0;

  // Reads (snapshot, may run concurrently with a writer).
  virtual Result<std::optional<Customer>> GetCustomer(const std::string& login) = 0;
  virtual Result<std::vector<Customer>> ListCustomers(const Page& page) = 0;
  virtual Result<std::optional<Site>> GetSite(const std::string& domain) = 0;
  virtual Result<std::vector<Site>> ListSites(std::optional<std::string> customer_login,
                                              const Page& page) = 0;
  virtual Result<std::vector<Plan>> ListPlans() = 0;
  virtual Result<std::optional<Plan>> GetPlan(const std::string& name) = 0;
  virtual Result<std::optional<Node>> GetNode(const std::string& name) = 0;
  virtual Result<std::vector<Node>> ListNodes() = 0;
  virtual Result<std::optional<Resource>> GetResource(const std::string& kind,
                                                      const std::string& name) = 0;
  virtual Result<std::vector<Resource>> ListResources(const ResourceFilter& filter) = 0;
  virtual Result<std::optional<TaskRecord>> GetTask(int64_t id) = 0;
  virtual Result<std::vector<TaskRecord>> ListTasks(const TaskFilter& filter) = 0;
  virtual Result<std::vector<AuditEntry>> ListAudit(const Page& page,
                                                    std::optional<std::string> object) = 0;
  virtual Result<TaskStats> GetTaskStats() = 0;

  // The bundle for a node: the newest task of each object with revision > after, plus tasks in
  // state retry whose next_attempt_at <= now, ordered by revision, at most limit. `head` is the
  // node's newest revision.
  struct Fetched {
    std::vector<TaskRecord> tasks;
    int64_t head = 0;
    bool more = false;
  };
  virtual Result<Fetched> FetchTasks(const std::string& node, int64_t after, int limit,
                                     int64_t now) = 0;
  // Nodes that have retry tasks due at or before now (the engine rings their doorbell).
  virtual Result<std::vector<std::string>> NodesWithDueRetries(int64_t now) = 0;

  // Token lookup by hash; updates last_used_at. nullopt when unknown.
  virtual Result<std::optional<ApiToken>> FindToken(const std::string& token_hash) = 0;
};

// Opens (creating if needed) the SQLite store at path and applies the numbered migrations.
[[nodiscard]] Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path);

}  // namespace hostplane::controller
