#pragma once

// The store: every account's data, the nodes, the tasks (the outbox) and the audit log. Two
// primitives per backend — Write (one durable transaction) and Snapshot (one read-only view) —
// and everything else written once, over the SQL seam (sql.h): a transaction hands out one
// repository per aggregate (repositories/), which reads rows by column name through the shared
// row mapping. SqliteStore implements it now; a PostgreSQL backend implements the seam, its
// migrations and these two primitives (issue 18).
//
// All writes go through Store::Write, one transaction each, so a change, the tasks it implies and
// its audit entry commit together or not at all (transactional outbox, P9). Acknowledged means
// durable: Write returns only after the commit is on disk (P8).
//
// Thread-safe: any thread may call any method of Store. A StoreTxn belongs to the fn it is
// handed to.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "controller/store/entities.h"
#include "controller/store/repositories/audit_repository.h"
#include "controller/store/repositories/counter_repository.h"
#include "controller/store/repositories/customer_repository.h"
#include "controller/store/repositories/lease_repository.h"
#include "controller/store/repositories/login_state_repository.h"
#include "controller/store/repositories/mail_outbox_repository.h"
#include "controller/store/repositories/name_claim_repository.h"
#include "controller/store/repositories/node_repository.h"
#include "controller/store/repositories/one_time_link_repository.h"
#include "controller/store/repositories/order_repository.h"
#include "controller/store/repositories/plan_repository.h"
#include "controller/store/repositories/reseller_repository.h"
#include "controller/store/repositories/resource_repository.h"
#include "controller/store/repositories/second_factor_repository.h"
#include "controller/store/repositories/secret_repository.h"
#include "controller/store/repositories/site_repository.h"
#include "controller/store/repositories/task_repository.h"
#include "controller/store/repositories/token_repository.h"
#include "controller/store/repositories/transfer_repository.h"
#include "controller/store/repositories/user_repository.h"
#include "controller/store/sql.h"

namespace hostplane::controller {

// One transaction (or one snapshot) and its repositories, one per aggregate. Obtained only
// inside Store::Write or Store::Snapshot, for the fn it is handed to.
class StoreTxn {
 public:
  StoreTxn(sql::Connection& db, const Clock& clock);
  StoreTxn(const StoreTxn&) = delete;
  StoreTxn& operator=(const StoreTxn&) = delete;

  // The store clock's time (ms since the epoch), for checks against stored times.
  int64_t NowMillis() const { return clock_.NowMillis(); }

  PlanRepository& plans() { return plans_; }
  CustomerRepository& customers() { return customers_; }
  SiteRepository& sites() { return sites_; }
  NodeRepository& nodes() { return nodes_; }
  ResourceRepository& resources() { return resources_; }
  TaskRepository& tasks() { return tasks_; }
  AuditRepository& audit() { return audit_; }
  TokenRepository& tokens() { return tokens_; }
  TransferRepository& transfers() { return transfers_; }
  CounterRepository& counters() { return counters_; }
  NameClaimRepository& names() { return names_; }
  ResellerRepository& resellers() { return resellers_; }
  UserRepository& users() { return users_; }
  LoginStateRepository& logins() { return logins_; }
  SecondFactorRepository& second_factors() { return second_factors_; }
  // Sealed values only: read and write secrets through SecretVault (controller/secrets).
  SecretRepository& secrets() { return secrets_; }
  OrderRepository& orders() { return orders_; }
  MailOutboxRepository& outbox() { return outbox_; }
  OneTimeLinkRepository& links() { return links_; }
  LeaseRepository& leases() { return leases_; }

 private:
  const Clock& clock_;
  PlanRepository plans_;
  CustomerRepository customers_;
  SiteRepository sites_;
  NodeRepository nodes_;
  ResourceRepository resources_;
  TaskRepository tasks_;
  AuditRepository audit_;
  TokenRepository tokens_;
  TransferRepository transfers_;
  CounterRepository counters_;
  NameClaimRepository names_;
  ResellerRepository resellers_;
  UserRepository users_;
  LoginStateRepository logins_;
  SecondFactorRepository second_factors_;
  SecretRepository secrets_;
  OrderRepository orders_;
  MailOutboxRepository outbox_;
  OneTimeLinkRepository links_;
  LeaseRepository leases_;
};

class Store {
 public:
  virtual ~Store() = default;

  // Runs fn in one write transaction; commits durably when fn succeeds, rolls back when it fails.
  // When the calling thread runs a job under a lease (store/lease_fence.h), the lease is held in
  // the same transaction after fn, and its loss rolls fn's writes back (lease.lost).
  // Writers are serialised: a backend may run the fns of concurrent Writes in one transaction
  // (group commit), one after the other, each rolled back alone when it fails, on any of the
  // callers' threads. Returns fn's error, or kIo/kUnavailable from the store itself; kInternal
  // when called inside another Write's fn.
  [[nodiscard]] virtual Status Write(const std::function<Status(StoreTxn&)>& fn) = 0;

  // Runs fn over one read-only snapshot: every repository read sees the same committed state;
  // any write inside fails. Runs concurrently with a writer.
  [[nodiscard]] virtual Status Snapshot(const std::function<Status(StoreTxn&)>& fn) = 0;

  // The value fn computes in one snapshot: store.Read([&](StoreTxn& tx) { return
  // tx.tasks().Find(id); }).
  template <typename Fn>
  auto Read(Fn&& fn) -> std::invoke_result_t<Fn, StoreTxn&> {
    std::optional<std::invoke_result_t<Fn, StoreTxn&>> out;
    Status s = Snapshot([&](StoreTxn& tx) -> Status {
      out.emplace(fn(tx));
      return Ok();
    });
    if (!s) return Fail(s.error());
    return std::move(*out);
  }

  // Single reads, each one snapshot: written here once, over the repositories.
  Result<std::optional<Customer>> GetCustomer(const std::string& login);
  Result<std::vector<Customer>> ListCustomers(const Page& page);
  Result<std::optional<Site>> GetSite(const std::string& domain);
  Result<std::vector<Site>> ListSites(std::optional<std::string> customer_login, const Page& page);
  Result<std::vector<Plan>> ListPlans();
  Result<std::optional<Plan>> GetPlan(const std::string& name);
  Result<std::optional<Node>> GetNode(const std::string& name);
  Result<std::vector<Node>> ListNodes();
  Result<std::optional<Resource>> GetResource(const std::string& kind, const std::string& name);
  Result<std::vector<Resource>> ListResources(const ResourceFilter& filter);
  Result<std::optional<TaskRecord>> GetTask(int64_t id);
  Result<std::vector<TaskRecord>> ListTasks(const TaskFilter& filter);
  Result<std::vector<AuditEntry>> ListAudit(const Page& page, std::optional<std::string> object);
  Result<TaskStats> GetTaskStats();

  // The bundle for a node (TaskRepository::Fetch), in one snapshot.
  using Fetched = FetchedTasks;
  Result<Fetched> FetchTasks(const std::string& node, int64_t after, int limit, int64_t now);
  // Nodes that have retry tasks due at or before now (the engine rings their doorbell).
  Result<std::vector<std::string>> NodesWithDueRetries(int64_t now);

  // Token lookup by hash; refreshes last_used_at at most once a minute (a write of its own).
  // nullopt when unknown.
  Result<std::optional<ApiToken>> FindToken(const std::string& token_hash);

 protected:
  // The clock that stamps rows (a ManualClock in tests).
  explicit Store(const Clock& clock) : clock_(clock) {}
  const Clock& clock_;
};

// Opens (creating if needed) the SQLite store at path and applies the numbered migrations.
[[nodiscard]] Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path);

}  // namespace hostplane::controller
