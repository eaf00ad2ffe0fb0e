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
#include <string>
#include <vector>

#include "common/clock.h"
#include "controller/store/store.h"

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
};

struct SitePatch {
  std::optional<std::vector<std::string>> aliases;
  std::optional<std::string> docroot;
};

struct NodeInput {
  std::string name;
  std::vector<std::string> roles;
  int64_t capacity = 10000;
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
  HostingService(Store& store, TaskEngine& engine, const Clock& clock);

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

  Result<Change<Node>> CreateNode(const Actor& actor, const NodeInput& in);
  Result<std::vector<Node>> ListNodes(const Actor& actor);
  Result<Node> GetNode(const Actor& actor, const std::string& name);

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

 private:
  Store& store_;
  TaskEngine& engine_;
  const Clock& clock_;
};

// The one authorisation check (shared/SECURITY.md rule 5). Unknown actions deny. Actions:
// customer.{create,read,list,update,delete}, site.{create,read,list,update,remove},
// node.{create,read,list}, plan.{create,read,list}, task.{read,list}, audit.list, token.create,
// metrics.read. Objects: "customer:<login>", "site:<domain>", "node:<name>", "plan:<name>",
// "task:<id>", or the collection.
bool Can(const Actor& actor, const std::string& action, const std::string& object);

}  // namespace hostplane::controller
