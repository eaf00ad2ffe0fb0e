#pragma once

// The controller's business operations, shared by the REST API, the CLI (through the API) and,
// later, the panel and the order pipeline. Each mutating call validates every field with the
// grammars of protocol/validate.h, checks authorisation (one can(actor, action, object)), checks
// uniqueness and plan limits, then in ONE store transaction writes the change, appends the tasks
// for every node that serves the object, and writes the audit entry. After the commit it rings
// the doorbell of each node concerned (TaskEngine::Notify). Bad input: kInvalid with a code per
// field, and nothing written, queued or changed.

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/clock.h"
#include "controller/store/store.h"
#include "protocol/zone_spec.h"

namespace hostplane::controller {

class TaskEngine;

// Who is asking. Issue 2 has admins (API tokens); resellers and customers come with the panel.
struct Actor {
  std::string name;  // "token:admin", shown in the audit log
  std::string role = "admin";
};

struct CustomerInput {
  std::string login;
  std::string name;  // defaults to login
  std::string email;
  std::optional<std::string> password;  // plain text, only hashed (Argon2id) before storing
  std::optional<std::string> plan;      // plan name; default plan when absent
};

// A new plan. Each limit is a number or unlimited (nullopt): unlimited is a flag, never -1
// (shared/SECURITY.md). CreatePlan checks each number against the limit's declared range.
struct PlanInput {
  std::string name;  // ^[a-z][a-z0-9-]{1,31}$
  Limit sites;
  Limit mailboxes;
  Limit mailbox_quota_mb;
  Limit forwarders;
  Limit ftp_users;
  Limit dns_zones;
  Limit databases;
  Limit disk_mb;
  // Placement pins: the plan's services go only to nodes at this site / in this group.
  std::string pin_site;
  std::string pin_group;
};

// A change to a customer; absent fields stay as they are.
struct CustomerPatch {
  std::optional<std::string> plan;  // plan name
};

struct SiteInput {
  std::string domain;
  std::string customer;  // login
  std::vector<std::string> aliases;
  std::optional<std::string> docroot;  // relative to the account home; default "sites/<domain>"
  std::optional<std::string> php =
      std::nullopt;  // a PHP version HostingOptions lists, or "" (default)
};

struct SitePatch {
  std::optional<std::vector<std::string>> aliases;
  std::optional<std::string> docroot;
  std::optional<std::string> php;  // "" turns PHP off; a version must be one HostingOptions lists
};

struct NodeInput {
  std::string name;
  std::vector<std::string> roles;
  int64_t capacity = 10000;
  std::string ipv4 = "";  // the address DNS records point at ("" = none)
  std::string ipv6 = "";
  std::string site = "";   // where it stands (node grammar; "" = unspecified)
  std::string group = "";  // a node group plans may pin to (node grammar; "" = none)
};

// What a server gets when it joins with a token (POST /api/v1/join): who it is, the key it pins,
// and its NATS login (the password is shown this once; the store keeps its bcrypt hash).
struct JoinGrant {
  std::string node;
  std::vector<std::string> roles;
  std::string site;
  std::string controller_key;
  std::vector<std::string> nats_servers;
  std::string nats_user;
  std::string nats_password;
};

// One step of emptying a node (HostingService::DrainNode).
struct DrainStep {
  Node node;                        // as it is after the step (status draining/drained/lost)
  std::vector<std::string> moved;   // customers moved by this step
  int64_t remaining_customers = 0;  // customers still with something on the node
  bool emptied = false;             // this step sent the node its removals (the last step)
  // What could not be recovered (lost nodes): "site files of shop.example", ...
  std::vector<std::string> unrecoverable;
  std::vector<TaskRecord> tasks;  // the tasks of this step (the CLI waits on them)
  int64_t change_id = 0;
  // Content copies off this node so far (protocol/content.h): ended well (and their bytes),
  // failed ("the home of acme: why"), still under way. The node is emptied only when none is
  // under way; a step that has nothing else to do puts their current tasks in `tasks`.
  struct Copies {
    int64_t done = 0;
    int64_t bytes = 0;
    int64_t open = 0;
    std::vector<std::string> failed;
  };
  Copies copies;
};

// Settings of the hosting service (the controller's command line / config).
struct HostingOptions {
  // Unix uids (and gids, the same number) of accounts: allocated once each, never reused.
  int64_t uid_first = 20000;
  int64_t uid_last = 59999;
  // PHP versions the web nodes offer; a site's "php" must be one of them. The first is the
  // default for "php": "default".
  std::vector<std::string> php_versions = {"8.2"};
  // Name servers written as NS records of every zone ("" list: ns1.<zone>, glued to the DNS
  // node's address).
  std::vector<std::string> nameservers;
  int64_t default_ttl = 3600;
  // ACME: the directory URL and the contact address; empty directory = certificates disabled.
  std::string acme_directory;
  std::string acme_email;
  int64_t renew_before_days = 30;
  // A node whose agent has not said hello (heartbeat) for this long is down: nothing new is
  // placed on it. Agents say hello every 15 s by default.
  int64_t node_down_after_ms = 60'000;
  // How long a join token (`node add`, `node token`) stays valid.
  int64_t join_token_ttl_ms = 24LL * 3600 * 1000;
  // The bundle key ("ed25519:<base64>") joining agents pin; join tokens carry its fingerprint.
  std::string controller_key;
  // NATS servers a joining agent is told to use ("" list: the agent's config says).
  std::vector<std::string> nats_servers;
  // The operator's own names (the panel's host name, the nodes' names), canonical domains: no
  // customer may hold one, a name under one or a name above one (`--reserved-name`; the built-in
  // list is protocol::CheckReservedName's).
  std::vector<std::string> reserved_names;
};

// Mail. An address is "local@domain"; a catch-all is the forwarder "@domain" (an explicit option,
// never implied).
struct MailboxInput {
  std::string address;
  std::optional<std::string> customer;  // needed when the domain is not a mail domain yet
  std::string password;                 // plain text; only its hash is kept
  std::optional<int64_t> quota_mb;      // default: the plan's mailbox quota, else 1024
};
struct ForwarderInput {
  std::string address;  // "sales@acme.example", or "@acme.example" for the catch-all
  std::vector<std::string> targets;
  std::optional<std::string> customer;
};
struct FtpUserInput {
  std::string user;  // <account>_<suffix>
  std::string customer;
  std::string password;
  std::string home;  // relative to the account home; "" = the home itself
};
struct DatabaseInput {
  std::string name;  // <account>_<suffix>; its user has the same name
  std::string customer;
  std::string password;
};
struct ZoneInput {
  std::string zone;
  std::string customer;
};
struct RecordInput {
  std::string zone;
  std::string name;  // "@" or relative
  std::string type;
  std::string value;
  std::optional<int64_t> ttl;
};

// A change and the tasks it queued: the CLI waits on these ids.
template <typename T>
struct Change {
  T object;
  std::vector<TaskRecord> tasks;
  int64_t change_id = 0;  // the audit entry id
};

class HostingService {
 public:
  HostingService(Store& store, TaskEngine& engine, const Clock& clock, HostingOptions options = {});

  Result<Change<Customer>> CreateCustomer(const Actor& actor, const CustomerInput& in);
  Result<std::vector<Customer>> ListCustomers(const Actor& actor, const Page& page);
  Result<Customer> GetCustomer(const Actor& actor, const std::string& login);
  // Errors: kNotFound (no such customer); kInvalid {"plan": "plan.unknown"}; kLimit
  // {"plan": "plan.below_usage"} when the customer already uses more than the new plan allows.
  // A patch that changes nothing writes nothing (change_id 0).
  Result<Change<Customer>> UpdateCustomer(const Actor& actor, const std::string& login,
                                          const CustomerPatch& patch);
  // Removes every site of the customer (tasks for each node), then the customer.
  Result<Change<Customer>> DeleteCustomer(const Actor& actor, const std::string& login,
                                          bool remove_content);

  Result<Change<Site>> CreateSite(const Actor& actor, const SiteInput& in);
  Result<std::vector<Site>> ListSites(const Actor& actor, std::optional<std::string> customer,
                                      const Page& page);
  Result<Site> GetSite(const Actor& actor, const std::string& domain);
  Result<Change<Site>> UpdateSite(const Actor& actor, const std::string& domain,
                                  const SitePatch& patch);
  Result<Change<Site>> RemoveSite(const Actor& actor, const std::string& domain,
                                  bool remove_content);

  // With join_token, also issues the node's first join token in the same transaction (when this
  // controller has a bundle key; else it stays "").
  Result<Change<Node>> CreateNode(const Actor& actor, const NodeInput& in,
                                  std::string* join_token = nullptr);
  Result<std::vector<Node>> ListNodes(const Actor& actor);
  Result<Node> GetNode(const Actor& actor, const std::string& name);
  // "up", "down" or "new" (hosting_nodes.cc), by the node's last heartbeat.
  std::string Health(const Node& n) const;

  // Fleet (hosting_nodes.cc). A join token for a node: "hpjoin.<secret>.<key fingerprint>",
  // returned once, valid join_token_ttl_ms, one use; a new one revokes the node's unused ones.
  // The fingerprint lets the joining agent check the key it is given (it pins it).
  Result<std::string> IssueJoinToken(const Actor& actor, const std::string& node);
  // The server's side of a join: checks the token (kUnauthorized when unknown, used or expired:
  // one message for all), makes the node's NATS password and stores its bcrypt hash, marks the
  // token used. One transaction.
  Result<JoinGrant> Join(const std::string& token);
  // Moves up to `batch` customers off node (every site and service it serves goes to another
  // node of the same role, placed as new ones are, and is re-sent there; zones follow), setting
  // it draining (lost: lost) first. When nothing is left, the step sends the node its removals
  // (drain only; a lost node gets nothing) and marks it drained. Run it until emptied. Errors:
  // kNotFound; kConflict (a lost node cannot be drained); kUnavailable (no node has room: nothing
  // of that customer moved).
  // With role (drain only), just that role leaves the node: it is taken off the node's roles
  // and only its objects move (a node that has no other role is drained whole).
  Result<DrainStep> DrainNode(const Actor& actor, const std::string& node, int batch, bool lost,
                              const std::string& role = "");
  // The NATS users of a site's relay: {"site", "nodes": [{"node", "password_hash"}]}, for
  // `hostplane relay config site --users-file`. Joined nodes only.
  Result<Json> RelayUsers(const Actor& actor, const std::string& site);

  // Errors: kInvalid with "name" (plan.invalid_name) and "limits.<limit>" (number.out_of_range)
  // fields; kConflict {"name": "plan.taken"} when the name exists.
  Result<Change<Plan>> CreatePlan(const Actor& actor, const PlanInput& in);
  Result<Plan> GetPlan(const Actor& actor, const std::string& name);
  Result<std::vector<Plan>> ListPlans(const Actor& actor);
  Result<std::vector<TaskRecord>> ListTasks(const Actor& actor, const TaskFilter& filter);
  Result<TaskRecord> GetTask(const Actor& actor, int64_t id);
  // Blocks until the task is final (applied, failed or superseded) or timeout passes; returns the
  // task as it is then (the caller looks at state).
  Result<TaskRecord> WaitTask(const Actor& actor, int64_t id, std::chrono::milliseconds timeout);
  Result<std::vector<AuditEntry>> ListAudit(const Actor& actor, const Page& page,
                                            std::optional<std::string> object);

  // Account lifecycle (hosting_lifecycle.cc). Suspend: sites answer 503, mail/FTP/database
  // logins are refused, every file and row is kept. Delete (DeleteCustomer) removes every service
  // on every node in reverse order of creation: certificates, databases, FTP users, zones, mail
  // domains, sites, and last the account's Unix user and PHP pools.
  Result<Change<Customer>> SuspendCustomer(const Actor& actor, const std::string& login);
  Result<Change<Customer>> ResumeCustomer(const Actor& actor, const std::string& login);

  // Services other than sites (hosting_services.cc). Each create checks grammar, ownership,
  // uniqueness and the plan's limit inside the write transaction; each change re-sends the full
  // spec of the object it touches (level-triggered).
  Result<Change<Resource>> AddMailbox(const Actor& actor, const MailboxInput& in);
  Result<Change<Resource>> RemoveMailbox(const Actor& actor, const std::string& address);
  Result<Change<Resource>> AddForwarder(const Actor& actor, const ForwarderInput& in);
  Result<Change<Resource>> RemoveForwarder(const Actor& actor, const std::string& address);
  Result<Change<Resource>> AddFtpUser(const Actor& actor, const FtpUserInput& in);
  Result<Change<Resource>> RemoveFtpUser(const Actor& actor, const std::string& user);
  Result<Change<Resource>> AddDatabase(const Actor& actor, const DatabaseInput& in);
  Result<Change<Resource>> RemoveDatabase(const Actor& actor, const std::string& name);
  Result<Change<Resource>> AddZone(const Actor& actor, const ZoneInput& in);
  Result<Change<Resource>> RemoveZone(const Actor& actor, const std::string& zone);
  Result<Change<Resource>> AddRecord(const Actor& actor, const RecordInput& in);
  Result<Change<Resource>> RemoveRecord(const Actor& actor, const RecordInput& in);
  // The zone's records as served: the defaults (SOA, NS, sites, mail) and the customer's.
  Result<Json> ZoneRecords(const Actor& actor, const std::string& zone);
  Result<Change<Resource>> IssueCertificate(const Actor& actor, const std::string& domain);
  // Re-sends cert.ensure for every certificate (the agent renews those due): the controller's
  // renewal schedule calls it daily.
  Result<int> RenewCertificates();
  // kind: mailbox | forwarder | ftpuser | database | zone | record | cert | maildomain.
  Result<std::vector<Resource>> ListResources(const Actor& actor, const std::string& kind,
                                              std::optional<std::string> customer,
                                              std::optional<std::string> parent);

  // The engine's TaskResultHook: certificates issued or failed, content copies exported or
  // imported.
  Status OnTaskResult(StoreTxn& tx, const TaskRecord& task, TaskState state,
                      const std::string& error, std::vector<TaskRecord>& appended);

  const HostingOptions& options() const { return options_; }

 private:
  Result<Change<Customer>> SetCustomerStatus(const Actor& actor, const std::string& login,
                                             CustomerStatus status);
  // Re-sends the spec of everything the customer has to the node that serves it (level-
  // triggered: a node that has it already does nothing), the account to every node it is on but
  // skip_account_node.
  Status ResendCustomer(StoreTxn& tx, std::vector<TaskRecord>& tasks, const Customer& c,
                        int64_t change_id, std::optional<int64_t> skip_account_node);
  Status MoveCustomerOff(StoreTxn& tx, std::vector<TaskRecord>& tasks, const Customer& c,
                         const Node& from, const std::set<std::string>& roles, bool lost,
                         int64_t change_id, std::vector<std::string>& unrecoverable);
  Status EmptyNode(StoreTxn& tx, std::vector<TaskRecord>& tasks, const Node& node,
                   const std::set<std::string>& roles, int64_t change_id);
  // Content copies (hosting_content.cc): records a transfer of one directory and sends its
  // export to the source; the result hook's half; the drain step's summary; the tasks of the
  // copies still under way; a lost source's copies marked failed.
  Status StartCopy(StoreTxn& tx, std::vector<TaskRecord>& tasks, const Customer& c,
                   const std::string& what, const std::string& object, int64_t from, int64_t to,
                   int64_t change_id);
  Status OnContentResult(StoreTxn& tx, const TaskRecord& task, TaskState state,
                         const std::string& error, std::vector<TaskRecord>& appended);
  Status CopiesFrom(StoreTxn& tx, const Node& node, DrainStep& step);
  Result<std::vector<TaskRecord>> OpenCopyTasks(StoreTxn& tx, const Node& node);
  // Fails the open copies from and to a node declared lost, saying where the content still is.
  Status FailCopiesOfLostNode(StoreTxn& tx, const Node& node);
  // A new join token for node, stored (hashed) in tx. Errors: kConflict for a retired node.
  Result<std::string> IssueJoinTokenIn(StoreTxn& tx, const Node& node);
  static Json CertSpecFor(const Site& site, const Customer& owner, const HostingOptions& options);
  static Status SyncMailDomainOf(StoreTxn& tx, std::vector<TaskRecord>& tasks,
                                 const Resource& domain, const Customer& owner, int64_t change_id);
  // Sends node_id (the server a drain moves the domain off) the domain with status "moving":
  // logins refused and new mail deferred (4xx) there until it is emptied, so nothing lands in
  // the Maildirs after they were packed; senders retry and reach the new server.
  static Status MarkMailDomainMoving(StoreTxn& tx, std::vector<TaskRecord>& tasks,
                                     const Resource& domain, const Customer& owner, int64_t node_id,
                                     int64_t change_id);
  Result<Change<Resource>> RemoveChild(const Actor& actor, const char* kind,
                                       const std::string& address);
  Result<Change<Resource>> RemoveSimple(const Actor& actor, const char* kind,
                                        const std::string& name, const char* task_kind);
  Result<protocol::DnsRecord> CheckRecordInput(const RecordInput& in, std::string* zone_out);
  static Json FtpUserSpec(const Resource& r, const Customer& owner);
  static Json DatabaseSpec(const Resource& r, const Customer& owner);
  static Json RemovalSpecOf(const Resource& r, const Customer& owner);

  Store& store_;
  TaskEngine& engine_;
  const Clock& clock_;
  HostingOptions options_;
};

// The one authorisation check (shared/SECURITY.md rule 5). Unknown actions deny. Actions:
// customer.{create,read,list,update,delete}, site.{create,read,list,update,remove},
// node.{create,read,list}, plan.{create,read,list}, task.{read,list}, audit.list, token.create,
// metrics.read. Objects: "customer:<login>", "site:<domain>", "node:<name>", "plan:<name>",
// "task:<id>", or the collection.
bool Can(const Actor& actor, const std::string& action, const std::string& object);

}  // namespace hostplane::controller
