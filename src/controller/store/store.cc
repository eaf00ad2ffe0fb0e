#include "controller/store/store.h"

namespace hostplane::controller {
namespace {

// last_used_at is refreshed at most this often: a token check must not cost a durable write.
constexpr int64_t kTokenTouchIntervalMs = 60'000;

}  // namespace

StoreTxn::StoreTxn(sql::Connection& db, const Clock& clock)
    : clock_(clock),
      plans_(db, clock),
      customers_(db, clock),
      sites_(db, clock),
      nodes_(db, clock),
      resources_(db, clock),
      tasks_(db, clock),
      audit_(db, clock),
      tokens_(db, clock),
      transfers_(db, clock),
      counters_(db),
      names_(db),
      resellers_(db, clock),
      users_(db, clock),
      logins_(db),
      second_factors_(db, clock),
      secrets_(db, clock),
      orders_(db, clock),
      outbox_(db, clock),
      links_(db),
      leases_(db) {}

Result<std::optional<Customer>> Store::GetCustomer(const std::string& login) {
  return Read([&](StoreTxn& tx) { return tx.customers().FindByLogin(login); });
}

Result<std::vector<Customer>> Store::ListCustomers(const Page& page) {
  return Read([&](StoreTxn& tx) { return tx.customers().List(Scope::All(), page); });
}

Result<std::optional<Site>> Store::GetSite(const std::string& domain) {
  return Read([&](StoreTxn& tx) { return tx.sites().FindByDomain(domain); });
}

Result<std::vector<Site>> Store::ListSites(std::optional<std::string> customer_login,
                                           const Page& page) {
  return Read([&](StoreTxn& tx) { return tx.sites().List(Scope::All(), customer_login, page); });
}

Result<std::vector<Plan>> Store::ListPlans() {
  return Read([&](StoreTxn& tx) { return tx.plans().List(); });
}

Result<std::optional<Plan>> Store::GetPlan(const std::string& name) {
  return Read([&](StoreTxn& tx) { return tx.plans().FindByName(name); });
}

Result<std::optional<Node>> Store::GetNode(const std::string& name) {
  return Read([&](StoreTxn& tx) { return tx.nodes().FindByName(name); });
}

Result<std::vector<Node>> Store::ListNodes() {
  return Read([&](StoreTxn& tx) { return tx.nodes().List(); });
}

Result<std::optional<Resource>> Store::GetResource(const std::string& kind,
                                                   const std::string& name) {
  return Read([&](StoreTxn& tx) { return tx.resources().Find(kind, name); });
}

Result<std::vector<Resource>> Store::ListResources(const ResourceFilter& filter) {
  return Read([&](StoreTxn& tx) { return tx.resources().List(Scope::All(), filter); });
}

Result<std::optional<TaskRecord>> Store::GetTask(int64_t id) {
  return Read([&](StoreTxn& tx) { return tx.tasks().Find(id); });
}

Result<std::vector<TaskRecord>> Store::ListTasks(const TaskFilter& filter) {
  return Read([&](StoreTxn& tx) { return tx.tasks().List(Scope::All(), filter); });
}

Result<std::vector<AuditEntry>> Store::ListAudit(const Page& page,
                                                 std::optional<std::string> object) {
  return Read([&](StoreTxn& tx) { return tx.audit().List(Scope::All(), page, object); });
}

Result<TaskStats> Store::GetTaskStats() {
  return Read([&](StoreTxn& tx) { return tx.tasks().Stats(); });
}

Result<Store::Fetched> Store::FetchTasks(const std::string& node, int64_t after, int limit,
                                         int64_t now) {
  return Read([&](StoreTxn& tx) { return tx.tasks().Fetch(node, after, limit, now); });
}

Result<std::vector<std::string>> Store::NodesWithDueRetries(int64_t now) {
  return Read([&](StoreTxn& tx) { return tx.tasks().NodesWithDueRetries(now); });
}

Result<std::optional<ApiToken>> Store::FindToken(const std::string& token_hash) {
  auto found = Read([&](StoreTxn& tx) { return tx.tokens().FindByHash(token_hash); });
  if (!found || !*found) return found;
  const int64_t now = clock_.NowMillis();
  ApiToken& token = **found;
  if (!token.last_used_at || now - *token.last_used_at >= kTokenTouchIntervalMs) {
    HP_TRY(Write([&](StoreTxn& tx) { return tx.tokens().Touch(token.id, now); }));
    token.last_used_at = now;
  }
  return found;
}

}  // namespace hostplane::controller
