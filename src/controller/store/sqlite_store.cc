#include "controller/store/sqlite_store.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "common/sqlite/database.h"
#include "common/sqlite/group_commit.h"
#include "controller/store/sqlite_queries.h"
#include "controller/store/sqlite_schema.h"

namespace hostplane::controller {
namespace {

using namespace sqlite_rows;  // the statements, row readers and queries of sqlite_queries.h

// last_used_at is refreshed at most this often: a token check must not cost a durable write.
constexpr int64_t kTokenTouchIntervalMs = 60'000;
// Idle read connections kept open.
constexpr size_t kMaxIdleReaders = 8;
// The writer checkpoints the write-ahead log itself only past this many pages (64 MiB): the
// store's checkpoint thread normally keeps it far shorter (SQLite's default is 1,000 pages, in
// the commit that crosses it).
constexpr int kWriterCheckpointPages = 16384;

class SqliteTxn final : public StoreTxn {
 public:
  SqliteTxn(Database& db, const Clock& clock) : db_(db), clock_(clock) {}

  Result<std::optional<Customer>> FindCustomer(const std::string& login) override {
    return Queries::CustomerByLogin(db_, login);
  }
  Result<std::optional<Customer>> FindCustomerById(int64_t id) override {
    return Queries::CustomerById(db_, id);
  }
  Result<std::optional<Site>> FindSite(const std::string& domain) override {
    return Queries::SiteByDomain(db_, domain);
  }
  Result<std::optional<Site>> FindSiteByName(const std::string& name) override {
    return Queries::SiteByName(db_, name);
  }
  Result<std::vector<Site>> SitesOfCustomer(int64_t customer_id) override {
    return Queries::SitesOfCustomer(db_, customer_id);
  }
  Result<int64_t> CountSites(int64_t customer_id) override {
    auto st = db_.Prepare(kCountSites);
    if (!st) return Fail(st.error());
    st->Bind(1, customer_id);
    auto row = st->Step();
    if (!row) return Fail(row.error());
    return st->Int(0);
  }
  Result<std::optional<Plan>> FindPlan(const std::string& name) override {
    return Queries::PlanByName(db_, name);
  }
  Result<std::optional<Plan>> FindPlanById(int64_t id) override {
    return Queries::PlanById(db_, id);
  }
  Result<std::optional<Node>> FindNode(const std::string& name) override {
    return Queries::NodeByName(db_, name);
  }
  Result<std::optional<Node>> FindNodeById(int64_t id) override {
    return Queries::NodeById(db_, id);
  }
  Result<std::vector<Node>> ListNodes() override { return Queries::Nodes(db_); }
  Result<std::optional<TaskRecord>> FindTask(int64_t id) override {
    return Queries::TaskById(db_, id);
  }
  Result<std::vector<int64_t>> NodesWithObject(const std::string& object_key) override {
    auto st = db_.Prepare("SELECT DISTINCT node_id FROM tasks WHERE object_key = ?1 ORDER BY 1");
    if (!st) return Fail(st.error());
    st->Bind(1, object_key);
    std::vector<int64_t> out;
    for (;;) {
      auto row = st->Step();
      if (!row) return Fail(row.error());
      if (!*row) return out;
      out.push_back(st->Int(0));
    }
  }
  Result<std::optional<TaskRecord>> LatestTask(int64_t node_id,
                                               const std::string& object_key) override {
    return One(db_,
               Sql(kTaskSelect,
                   "WHERE t.node_id = ?1 AND t.object_key = ?2 ORDER BY t.revision DESC LIMIT 1"),
               ReadTask, node_id, object_key);
  }
  Result<std::optional<Resource>> FindResource(const std::string& kind,
                                               const std::string& name) override {
    return Queries::ResourceByName(db_, kind, name);
  }
  Result<std::vector<Resource>> ListResources(const ResourceFilter& filter) override {
    return Queries::Resources(db_, filter);
  }
  Result<std::optional<NameClaim>> ForeignClaim(const std::string& name, int64_t customer_id,
                                                bool below) override {
    const std::string low = NameKey(name);
    // Exactly the key, or with below every key that starts with it: up to the key with its last
    // '.' turned into '/', the next character, which no name holds.
    const std::string high = below ? low.substr(0, low.size() - 1) + "/" : low;
    auto read = [](const Statement& st) { return NameClaim{st.Text(0), st.Text(1), st.Int(2)}; };
    for (const char* sql : {kForeignSiteClaim, kForeignResourceClaim}) {
      auto claim = One<NameClaim>(db_, sql, +read, low, high, customer_id);
      if (!claim || *claim) return claim;
    }
    return std::optional<NameClaim>();
  }
  Result<int64_t> CountResources(const std::string& kind, int64_t customer_id) override {
    auto st = db_.Prepare(kCountResources);
    if (!st) return Fail(st.error());
    st->Bind(1, kind);
    st->Bind(2, customer_id);
    auto row = st->Step();
    if (!row) return Fail(row.error());
    return *row ? st->Int(0) : 0;
  }
  Result<std::map<int64_t, int64_t>> ResourceCountByNode(const std::string& kind) override {
    auto st = db_.Prepare(kResourceCountByNode);
    if (!st) return Fail(st.error());
    st->Bind(1, kind);
    std::map<int64_t, int64_t> out;
    for (;;) {
      auto row = st->Step();
      if (!row) return Fail(row.error());
      if (!*row) return out;
      out[st->Int(0)] = st->Int(1);
    }
  }
  Result<int64_t> NextCounter(const std::string& name, int64_t first) override {
    auto st = db_.Prepare(kNextCounter);
    if (!st) return Fail(st.error());
    st->Bind(1, name);
    st->Bind(2, first);
    auto row = st->Step();
    if (!row) return Fail(row.error());
    if (!*row) return Fail(Error::Internal("counter '" + name + "' returned no row"));
    int64_t value = st->Int(0);
    auto done = st->Step();
    if (!done) return Fail(done.error());
    return value;
  }
  Result<std::map<int64_t, int64_t>> SiteCountByNode() override {
    auto st = db_.Prepare(kSiteCountByNode);
    if (!st) return Fail(st.error());
    std::map<int64_t, int64_t> out;
    for (;;) {
      auto row = st->Step();
      if (!row) return Fail(row.error());
      if (!*row) return out;
      out[st->Int(0)] = st->Int(1);
    }
  }

  int64_t NowMillis() const override { return clock_.NowMillis(); }
  Result<std::vector<TaskRecord>> LatestTasksOnNode(int64_t node_id) override {
    return Many(db_,
                Sql(kTaskSelect,
                    "WHERE t.node_id = ?1 AND NOT EXISTS (SELECT 1 FROM tasks newer WHERE "
                    "newer.node_id = t.node_id AND newer.object_key = t.object_key AND "
                    "newer.revision > t.revision) ORDER BY t.revision"),
                ReadTask, node_id);
  }
  Result<std::vector<Site>> SitesOnNode(int64_t node_id) override {
    return Queries::SitesOnNode(db_, node_id);
  }
  Result<std::vector<int64_t>> CustomersOnNode(int64_t node_id, bool sites,
                                               const std::vector<std::string>& kinds,
                                               int limit) override {
    auto st = db_.Prepare(kCustomersOnNode);
    if (!st) return Fail(st.error());
    st->Bind(1, node_id);
    st->Bind(2, sites ? 1 : 0);
    st->Bind(3, Json(kinds).dump());
    st->Bind(4, limit);
    std::vector<int64_t> out;
    for (;;) {
      auto row = st->Step();
      if (!row) return Fail(row.error());
      if (!*row) return out;
      out.push_back(st->Int(0));
    }
  }
  Status InsertJoinToken(int64_t node_id, const std::string& token_hash,
                         int64_t expires_at) override {
    HP_TRY(Exec(db_, kRevokeJoinTokens, node_id));
    return Exec(db_, kInsertJoinToken, node_id, token_hash, expires_at, clock_.NowMillis());
  }
  Result<std::optional<JoinToken>> FindJoinToken(const std::string& token_hash) override {
    auto st = db_.Prepare(kFindJoinToken);
    if (!st) return Fail(st.error());
    st->Bind(1, token_hash);
    auto row = st->Step();
    if (!row) return Fail(row.error());
    if (!*row) return std::optional<JoinToken>();
    return std::optional<JoinToken>(JoinToken{st->Int(0), st->Int(1), st->Int(2), st->OptInt(3)});
  }
  Result<bool> UseJoinToken(int64_t id, int64_t now) override {
    HP_TRY(Exec(db_, kUseJoinToken, id, now));
    return db_.Changes() == 1;
  }

  Result<Customer> InsertCustomer(const Customer& c) override {
    if (auto s = Exec(db_, kInsertCustomer, c.login, c.name, c.email, c.password_hash, c.status,
                      c.plan_id, clock_.NowMillis(), c.uid);
        !s) {
      return Fail(s.error().Wrap("customer '" + c.login + "'"));
    }
    return Stored(Queries::CustomerById(db_, db_.LastInsertId()), "customer");
  }
  Status UpdateCustomer(const Customer& c) override {
    HP_TRY(Exec(db_, kUpdateCustomer, c.id, c.name, c.email, c.password_hash, c.status, c.plan_id,
                clock_.NowMillis()));
    return Changed("customer " + std::to_string(c.id));
  }
  Status DeleteCustomer(int64_t id) override {
    HP_TRY(Exec(db_, kDeleteCustomer, id));
    return Changed("customer " + std::to_string(id));
  }
  Result<Plan> InsertPlan(const Plan& p) override {
    if (auto s = Exec(db_, kInsertPlan, p.name, p.max_sites, p.max_mailboxes, p.mailbox_quota_mb,
                      p.max_forwarders, p.max_ftp_users, p.max_dns_zones, p.max_databases,
                      p.disk_mb, clock_.NowMillis(), p.pin_site, p.pin_group);
        !s) {
      return Fail(s.error().Wrap("plan '" + p.name + "'"));
    }
    return Stored(Queries::PlanById(db_, db_.LastInsertId()), "plan");
  }
  Result<Site> InsertSite(const Site& s) override {
    if (auto r = Exec(db_, kInsertSite, s.customer_id, s.domain, ListText(s.aliases), s.docroot,
                      s.status, s.node_id, clock_.NowMillis(), s.php,
                      static_cast<int64_t>(s.https ? 1 : 0));
        !r) {
      return Fail(r.error().Wrap("site '" + s.domain + "'"));
    }
    int64_t id = db_.LastInsertId();
    HP_TRY(ClaimNames(id, s));
    return Stored(Queries::SiteById(db_, id), "site");
  }
  Status UpdateSite(const Site& s) override {
    HP_TRY(Exec(db_, kUpdateSite, s.id, ListText(s.aliases), s.docroot, s.status, s.node_id,
                clock_.NowMillis(), s.php, static_cast<int64_t>(s.https ? 1 : 0)));
    HP_TRY(Changed("site '" + s.domain + "'"));
    HP_TRY(ReleaseNames(s.id));
    return ClaimNames(s.id, s);
  }
  Status DeleteSite(int64_t id) override {
    HP_TRY(ReleaseNames(id));
    HP_TRY(Exec(db_, kDeleteSite, id));
    return Changed("site " + std::to_string(id));
  }
  Result<Node> InsertNode(const Node& n) override {
    if (auto s = Exec(db_, kInsertNode, n.name, ListText(n.roles), n.capacity, n.status,
                      n.applied_revision, n.last_seen, n.version, ListText(n.drivers),
                      ListText(n.drift), clock_.NowMillis(), n.ipv4, n.ipv6, n.site, n.group,
                      n.load, n.nats_password_hash, n.enrolled_at);
        !s) {
      return Fail(s.error().Wrap("node '" + n.name + "'"));
    }
    return Stored(Queries::NodeById(db_, db_.LastInsertId()), "node");
  }
  Status UpdateNode(const Node& n) override {
    HP_TRY(Exec(db_, kUpdateNode, n.id, ListText(n.roles), n.capacity, n.status, n.applied_revision,
                n.last_seen, n.version, ListText(n.drivers), ListText(n.drift), n.ipv4, n.ipv6,
                n.site, n.group, n.load, n.nats_password_hash, n.enrolled_at));
    return Changed("node '" + n.name + "'");
  }

  Result<Resource> InsertResource(const Resource& r) override {
    std::optional<std::string> key;
    if (IsNameClaimKind(r.kind)) key = NameKey(r.name);
    if (auto s = Exec(db_, kInsertResource, r.customer_id, r.kind, r.name, r.parent, r.node_id,
                      r.data.dump(), r.status, clock_.NowMillis(), key);
        !s) {
      return Fail(s.error().Wrap(r.kind + " '" + r.name + "'"));
    }
    return Stored(Queries::ResourceById(db_, db_.LastInsertId()), "resource");
  }
  Status UpdateResource(const Resource& r) override {
    HP_TRY(Exec(db_, kUpdateResource, r.id, r.parent, r.node_id, r.data.dump(), r.status,
                clock_.NowMillis()));
    return Changed(r.kind + " '" + r.name + "'");
  }
  Status DeleteResource(int64_t id) override {
    HP_TRY(Exec(db_, kDeleteResource, id));
    return Changed("resource " + std::to_string(id));
  }

  Result<TaskRecord> AppendTask(int64_t node_id, const std::string& object_key,
                                const std::string& kind, const Json& spec,
                                std::optional<int64_t> change_id) override {
    HP_TRY(Exec(db_, kBumpHead, node_id));
    HP_TRY(Changed("node " + std::to_string(node_id)));
    auto head = db_.Prepare(kNodeHeadById);
    if (!head) return Fail(head.error());
    head->Bind(1, node_id);
    auto row = head->Step();
    if (!row) return Fail(row.error());
    int64_t revision = head->Int(0);
    int64_t now = clock_.NowMillis();

    HP_TRY(
        Exec(db_, kInsertTask, node_id, revision, object_key, kind, spec.dump(), now, change_id));
    int64_t id = db_.LastInsertId();

    HP_TRY(Exec(db_, kSupersede, node_id, object_key, revision, now));
    return Stored(Queries::TaskById(db_, id), "task");
  }

  Result<bool> RecordResult(const std::string& node, int64_t task_id, const std::string& state,
                            const std::string& error, std::optional<int64_t> duration_ms,
                            std::optional<int64_t> next_attempt_at) override {
    if (state != "applied" && state != "failed" && state != "retry" && state != "running") {
      return Fail(Error::Invalid("task state '" + state + "' is not a result"));
    }
    auto task = Queries::TaskById(db_, task_id);
    if (!task) return Fail(task.error());
    if (!*task || (*task)->node_name != node) return false;
    const std::string& current = (*task)->state;
    if (current == "applied" || current == "failed" || current == "superseded") return false;

    const bool running = state == "running";  // not an attempt; the outcome comes later
    HP_TRY(Exec(db_, kRecordResult, task_id, state,
                state == "applied" || running ? std::string() : error,
                running ? std::nullopt : duration_ms,
                state == "retry" ? next_attempt_at : std::nullopt, clock_.NowMillis()));
    return true;
  }

  Result<int64_t> Audit(const std::string& actor, const std::string& action,
                        const std::string& object, const Json& before, const Json& after) override {
    auto st = db_.Prepare(kInsertAudit);
    if (!st) return Fail(st.error());
    st->Bind(1, actor)
        .Bind(2, action)
        .Bind(3, object)
        .Bind(4, before.dump())
        .Bind(5, after.dump())
        .Bind(6, clock_.NowMillis());
    HP_TRY(st->Run());
    return db_.LastInsertId();
  }

  Result<ApiToken> InsertToken(const std::string& name, const std::string& token_hash,
                               const std::string& role) override {
    auto st = db_.Prepare(kInsertToken);
    if (!st) return Fail(st.error());
    st->Bind(1, name).Bind(2, token_hash).Bind(3, role).Bind(4, clock_.NowMillis());
    if (auto s = st->Run(); !s) return Fail(s.error().Wrap("token '" + name + "'"));
    auto read = db_.Prepare(Sql(kTokenSelect, "WHERE id = ?1"));
    if (!read) return Fail(read.error());
    read->Bind(1, db_.LastInsertId());
    return Stored(First(*read, ReadToken), "token");
  }

  Result<Transfer> InsertTransfer(const Transfer& t) override {
    HP_TRY(Exec(db_, kInsertTransfer, t.customer_id, t.what, t.object, t.source_node_id,
                t.target_node_id, t.state, t.change_id, clock_.NowMillis()));
    return Stored(FindTransfer(db_.LastInsertId()), "transfer");
  }
  Result<std::optional<Transfer>> FindTransfer(int64_t id) override {
    return One(db_, Sql(kTransferSelect, "WHERE id = ?1"), ReadTransfer, id);
  }
  Status UpdateTransfer(const Transfer& t) override {
    HP_TRY(Exec(db_, kUpdateTransfer, t.id, t.state, t.chunks, t.bytes, t.digest, t.error,
                clock_.NowMillis()));
    return Changed("transfer " + std::to_string(t.id));
  }
  Result<std::vector<Transfer>> ListTransfers(const TransferFilter& f) override {
    const int64_t any = -1;
    return Many(db_,
                Sql(kTransferSelect,
                    "WHERE (?1 = -1 OR source_node_id = ?1) AND (?2 = -1 OR customer_id = ?2) "
                    "AND (?3 = 0 OR state IN ('exporting', 'importing')) "
                    "AND (?4 = -1 OR target_node_id = ?4) ORDER BY id"),
                ReadTransfer, f.source_node_id.value_or(any), f.customer_id.value_or(any),
                int64_t{f.open_only ? 1 : 0}, f.target_node_id.value_or(any));
  }

 private:
  // The row just written, read back with its joins; its absence is a bug.
  template <typename T>
  static Result<T> Stored(Result<std::optional<T>> r, const char* what) {
    if (!r) return Fail(r.error());
    if (!*r) return Fail(Error::Internal(std::string("the ") + what + " just written is gone"));
    return std::move(**r);
  }

  // kNotFound when the last UPDATE/DELETE touched no row.
  Status Changed(const std::string& what) {
    if (db_.Changes() == 0) return Fail(Error::NotFound(what + " not found"));
    return Ok();
  }

  Status ClaimNames(int64_t site_id, const Site& s) {
    std::vector<std::string> names = s.aliases;
    names.insert(names.begin(), s.domain);
    for (const auto& name : names) {
      auto st = db_.Prepare(kInsertSiteName);
      if (!st) return Fail(st.error());
      st->Bind(1, name).Bind(2, site_id).Bind(3, NameKey(name));
      if (auto r = st->Run(); !r) {
        if (r.error().code == ErrorCode::kConflict) {
          return Fail(Error::Conflict("the name '" + name + "' belongs to another site"));
        }
        return r;
      }
    }
    return Ok();
  }

  Status ReleaseNames(int64_t site_id) {
    auto st = db_.Prepare(kDeleteSiteNames);
    if (!st) return Fail(st.error());
    st->Bind(1, site_id);
    return st->Run();
  }

  Database& db_;
  const Clock& clock_;
};

class ReaderPool {
 public:
  explicit ReaderPool(std::string path) : path_(std::move(path)) {}

  // A read-only connection for the caller's exclusive use; back to the pool when destroyed.
  class Lease {
   public:
    Lease(ReaderPool* pool, std::unique_ptr<Database> db) : pool_(pool), db_(std::move(db)) {}
    Lease(Lease&& o) noexcept : pool_(o.pool_), db_(std::move(o.db_)) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (db_) pool_->Release(std::move(db_));
    }
    Database& db() { return *db_; }

   private:
    ReaderPool* pool_;
    std::unique_ptr<Database> db_;
  };

  Result<Lease> Acquire() {
    {
      std::lock_guard lock(mu_);
      if (!idle_.empty()) {
        auto db = std::move(idle_.back());
        idle_.pop_back();
        return Lease(this, std::move(db));
      }
    }
    auto db = Database::Open(path_, /*durable=*/false);
    if (!db) return Fail(db.error());
    HP_TRY(db->Exec("PRAGMA query_only = ON"));
    return Lease(this, std::make_unique<Database>(std::move(*db)));
  }

 private:
  void Release(std::unique_ptr<Database> db) {
    std::lock_guard lock(mu_);
    if (idle_.size() < kMaxIdleReaders) idle_.push_back(std::move(db));
  }

  std::string path_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Database>> idle_;
};

// Runs fn inside one read transaction, so that several queries see the same snapshot.
template <typename T>
Result<T> InSnapshot(Database& db, const std::function<Result<T>()>& fn) {
  HP_TRY(db.Exec("BEGIN"));
  Result<T> r = fn();
  (void)db.Exec("COMMIT");
  return r;
}

class SqliteStore final : public Store {
 public:
  // checkpointer: a second durable connection, which copies the write-ahead log into the
  // database on its own thread (the writer's own checkpoints are only a safety net).
  SqliteStore(Database writer, Database checkpointer, std::string path, const Clock& clock)
      : writer_(std::move(writer), std::move(checkpointer)),
        readers_(std::move(path)),
        clock_(clock) {}

  // Group-committed (sqlite::GroupCommitWriter): fn shares a transaction with the writes queued
  // with it, inside its own savepoint; Ok still means on disk (P8).
  Status Write(const std::function<Status(StoreTxn&)>& fn) override {
    return writer_.Write([&](Database& db) {
      SqliteTxn txn(db, clock_);
      return fn(txn);
    });
  }

  Status Snapshot(const std::function<Status(StoreTxn&)>& fn) override {
    return Read<void>([&](Database& db) {
      return InSnapshot<void>(db, [&]() -> Status {
        SqliteTxn txn(db, clock_);  // the reader is query_only: writes fail
        return fn(txn);
      });
    });
  }

  Result<std::optional<Customer>> GetCustomer(const std::string& login) override {
    return Read<std::optional<Customer>>(
        [&](Database& db) { return Queries::CustomerByLogin(db, login); });
  }
  Result<std::vector<Customer>> ListCustomers(const Page& page) override {
    return Read<std::vector<Customer>>([&](Database& db) { return Queries::Customers(db, page); });
  }
  Result<std::optional<Site>> GetSite(const std::string& domain) override {
    return Read<std::optional<Site>>(
        [&](Database& db) { return Queries::SiteByDomain(db, domain); });
  }
  Result<std::vector<Site>> ListSites(std::optional<std::string> customer_login,
                                      const Page& page) override {
    return Read<std::vector<Site>>(
        [&](Database& db) { return Queries::Sites(db, customer_login, page); });
  }
  Result<std::vector<Plan>> ListPlans() override {
    return Read<std::vector<Plan>>([&](Database& db) { return Queries::Plans(db); });
  }
  Result<std::optional<Plan>> GetPlan(const std::string& name) override {
    return Read<std::optional<Plan>>([&](Database& db) { return Queries::PlanByName(db, name); });
  }
  Result<std::optional<Node>> GetNode(const std::string& name) override {
    return Read<std::optional<Node>>([&](Database& db) { return Queries::NodeByName(db, name); });
  }
  Result<std::vector<Node>> ListNodes() override {
    return Read<std::vector<Node>>([&](Database& db) { return Queries::Nodes(db); });
  }
  Result<std::optional<Resource>> GetResource(const std::string& kind,
                                              const std::string& name) override {
    return Read<std::optional<Resource>>(
        [&](Database& db) { return Queries::ResourceByName(db, kind, name); });
  }
  Result<std::vector<Resource>> ListResources(const ResourceFilter& filter) override {
    return Read<std::vector<Resource>>(
        [&](Database& db) { return Queries::Resources(db, filter); });
  }
  Result<std::optional<TaskRecord>> GetTask(int64_t id) override {
    return Read<std::optional<TaskRecord>>([&](Database& db) { return Queries::TaskById(db, id); });
  }

  Result<std::vector<TaskRecord>> ListTasks(const TaskFilter& f) override {
    return Read<std::vector<TaskRecord>>([&](Database& db) -> Result<std::vector<TaskRecord>> {
      // Only fixed fragments are concatenated; every value is bound.
      std::string where = "WHERE t.id > ?1";
      if (f.node) where += " AND n.name = ?2";
      if (f.state) where += " AND t.state = ?3";
      if (f.object_key) where += " AND t.object_key = ?4";
      if (f.change_id) where += " AND t.change_id = ?5";
      where += " ORDER BY t.id LIMIT ?6";
      auto st = db.Prepare(Sql(kTaskSelect, where.c_str()));
      if (!st) return Fail(st.error());
      st->Bind(1, f.page.after_id);
      if (f.node) st->Bind(2, *f.node);
      if (f.state) st->Bind(3, *f.state);
      if (f.object_key) st->Bind(4, *f.object_key);
      if (f.change_id) st->Bind(5, *f.change_id);
      st->Bind(6, ClampLimit(f.page.limit));
      return All(*st, ReadTask);
    });
  }

  Result<std::vector<AuditEntry>> ListAudit(const Page& page,
                                            std::optional<std::string> object) override {
    return Read<std::vector<AuditEntry>>([&](Database& db) -> Result<std::vector<AuditEntry>> {
      auto st = db.Prepare(kListAudit);
      if (!st) return Fail(st.error());
      st->Bind(1, page.after_id).Bind(2, object).Bind(3, ClampLimit(page.limit));
      return All(*st, ReadAudit);
    });
  }

  Result<TaskStats> GetTaskStats() override {
    return Read<TaskStats>([&](Database& db) -> Result<TaskStats> {
      auto st = db.Prepare(kTaskStats);
      if (!st) return Fail(st.error());
      TaskStats stats;
      for (;;) {
        auto row = st->Step();
        if (!row) return Fail(row.error());
        if (!*row) return stats;
        stats.by_state[st->Text(0)] = st->Int(1);
      }
    });
  }

  Result<Fetched> FetchTasks(const std::string& node, int64_t after, int limit,
                             int64_t now) override {
    return Read<Fetched>([&](Database& db) {
      return InSnapshot<Fetched>(db, [&]() -> Result<Fetched> {
        auto head = db.Prepare(kNodeHead);
        if (!head) return Fail(head.error());
        head->Bind(1, node);
        auto found = head->Step();
        if (!found) return Fail(found.error());
        if (!*found) return Fail(Error::NotFound("node '" + node + "' not found"));
        int64_t node_id = head->Int(0);
        Fetched out;
        out.head = head->Int(1);

        int want = ClampLimit(limit);
        auto st = db.Prepare(kFetchTasksSql);
        if (!st) return Fail(st.error());
        st->Bind(1, node_id).Bind(2, after).Bind(3, now).Bind(4, want + 1).Bind(5, node);
        auto tasks = All(*st, ReadTask);
        if (!tasks) return Fail(tasks.error());
        out.tasks = std::move(*tasks);
        if (out.tasks.size() > static_cast<size_t>(want)) {
          out.tasks.resize(static_cast<size_t>(want));
          out.more = true;
        }
        return out;
      });
    });
  }

  Result<std::vector<std::string>> NodesWithDueRetries(int64_t now) override {
    return Read<std::vector<std::string>>([&](Database& db) -> Result<std::vector<std::string>> {
      auto st = db.Prepare(kNodesWithDueRetries);
      if (!st) return Fail(st.error());
      st->Bind(1, now);
      std::vector<std::string> out;
      for (;;) {
        auto row = st->Step();
        if (!row) return Fail(row.error());
        if (!*row) return out;
        out.push_back(st->Text(0));
      }
    });
  }

  Result<std::optional<ApiToken>> FindToken(const std::string& token_hash) override {
    auto found = Read<std::optional<ApiToken>>([&](Database& db) {
      auto st = db.Prepare(Sql(kTokenSelect, "WHERE token_hash = ?1"));
      if (!st) return Result<std::optional<ApiToken>>(Fail(st.error()));
      st->Bind(1, token_hash);
      return First(*st, ReadToken);
    });
    if (!found || !*found) return found;
    int64_t now = clock_.NowMillis();
    ApiToken& token = **found;
    if (!token.last_used_at || now - *token.last_used_at >= kTokenTouchIntervalMs) {
      HP_TRY(writer_.Write([&](Database& db) { return Exec(db, kTouchToken, token.id, now); }));
      token.last_used_at = now;
    }
    return found;
  }

 private:
  template <typename T>
  Result<T> Read(const std::function<Result<T>(Database&)>& fn) {
    auto lease = readers_.Acquire();
    if (!lease) return Fail(lease.error());
    return fn(lease->db());
  }

  sqlite::GroupCommitWriter writer_;
  ReaderPool readers_;
  const Clock& clock_;
};

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, const Clock& clock) {
  auto writer = Database::Open(path, /*durable=*/true);
  if (!writer) return Fail(writer.error().Wrap("opening the store"));
  if (auto s = sqlite::Migrate(*writer, StoreMigrations()); !s) {
    return Fail(s.error().Wrap("migrating the store " + path));
  }
  // The checkpoint thread copies the log into the database; the writer checkpoints only when
  // the log has grown this far (pages) regardless, so it stays bounded if that thread lags.
  if (auto s = writer->Exec("PRAGMA wal_autocheckpoint=" + std::to_string(kWriterCheckpointPages));
      !s) {
    return Fail(s.error().Wrap("configuring the store"));
  }
  auto checkpointer = Database::Open(path, /*durable=*/true);
  if (!checkpointer) return Fail(checkpointer.error().Wrap("opening the store"));
  return std::unique_ptr<Store>(
      new SqliteStore(std::move(*writer), std::move(*checkpointer), path, clock));
}

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path) {
  static const SystemClock kSystemClock;
  return OpenSqliteStore(path, kSystemClock);
}

}  // namespace hostplane::controller
