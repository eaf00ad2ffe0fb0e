#pragma once

// The SQL of the SQLite store, and the reads shared by its write transaction and its snapshot
// readers: named statements, row readers (one per entity) and the queries built from them. Used
// only by sqlite_store.cc; split out so each file reads in one sitting.

#include <optional>
#include <string>
#include <vector>

#include "common/sqlite/database.h"
#include "controller/store/store.h"

namespace hostplane::controller::sqlite_rows {

using sqlite::Database;
using sqlite::Statement;

inline constexpr const char* kPlanSelect =
    "SELECT id, name, max_sites, max_mailboxes, mailbox_quota_mb, max_forwarders, max_ftp_users, "
    "max_dns_zones, max_databases, disk_mb, created_at, pin_site, pin_group FROM plans";
inline constexpr const char* kInsertPlan =
    "INSERT INTO plans (name, max_sites, max_mailboxes, mailbox_quota_mb, max_forwarders, "
    "max_ftp_users, max_dns_zones, max_databases, disk_mb, created_at, pin_site, pin_group) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";

inline constexpr const char* kCustomerSelect =
    "SELECT id, login, name, email, password_hash, status, plan_id, created_at, updated_at, uid "
    "FROM customers";
inline constexpr const char* kInsertCustomer =
    "INSERT INTO customers (login, name, email, password_hash, status, plan_id, created_at, "
    "updated_at, uid) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8)";
inline constexpr const char* kUpdateCustomer =
    "UPDATE customers SET name = ?2, email = ?3, password_hash = ?4, status = ?5, plan_id = ?6, "
    "updated_at = ?7 WHERE id = ?1";
inline constexpr const char* kDeleteCustomer = "DELETE FROM customers WHERE id = ?1";

inline constexpr const char* kSiteSelect =
    "SELECT s.id, s.customer_id, c.login, s.domain, s.aliases, s.docroot, s.status, s.node_id, "
    "n.name, s.created_at, s.updated_at, s.php, s.https FROM sites s "
    "JOIN customers c ON c.id = s.customer_id JOIN nodes n ON n.id = s.node_id";
inline constexpr const char* kInsertSite =
    "INSERT INTO sites (customer_id, domain, aliases, docroot, status, node_id, created_at, "
    "updated_at, php, https) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8, ?9)";
inline constexpr const char* kUpdateSite =
    "UPDATE sites SET aliases = ?2, docroot = ?3, status = ?4, node_id = ?5, updated_at = ?6, "
    "php = ?7, https = ?8 WHERE id = ?1";
inline constexpr const char* kDeleteSite = "DELETE FROM sites WHERE id = ?1";
inline constexpr const char* kInsertSiteName =
    "INSERT INTO site_names (name, site_id, name_key) VALUES (?1, ?2, ?3)";
inline constexpr const char* kDeleteSiteNames = "DELETE FROM site_names WHERE site_id = ?1";
inline constexpr const char* kCountSites = "SELECT COUNT(*) FROM sites WHERE customer_id = ?1";
inline constexpr const char* kSiteCountByNode =
    "SELECT node_id, COUNT(*) FROM sites GROUP BY node_id";

inline constexpr const char* kNodeSelect =
    "SELECT id, name, roles, capacity, status, head_revision, applied_revision, last_seen, "
    "version, drivers, drift, created_at, ipv4, ipv6, site, node_group, load, "
    "nats_password_hash, enrolled_at FROM nodes";
inline constexpr const char* kInsertNode =
    "INSERT INTO nodes (name, roles, capacity, status, applied_revision, last_seen, version, "
    "drivers, drift, created_at, ipv4, ipv6, site, node_group, load, nats_password_hash, "
    "enrolled_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)";
inline constexpr const char* kUpdateNode =
    "UPDATE nodes SET roles = ?2, capacity = ?3, status = ?4, applied_revision = ?5, "
    "last_seen = ?6, version = ?7, drivers = ?8, drift = ?9, ipv4 = ?10, ipv6 = ?11, site = ?12, "
    "node_group = ?13, load = ?14, nats_password_hash = ?15, enrolled_at = ?16 "
    "WHERE id = ?1";
inline constexpr const char* kInsertJoinToken =
    "INSERT INTO join_tokens (node_id, token_hash, expires_at, created_at) VALUES (?1, ?2, ?3, ?4)";
// A new token replaces every unused one of the node.
inline constexpr const char* kRevokeJoinTokens =
    "DELETE FROM join_tokens WHERE node_id = ?1 AND used_at IS NULL";
inline constexpr const char* kFindJoinToken =
    "SELECT id, node_id, expires_at, used_at FROM join_tokens WHERE token_hash = ?1";
inline constexpr const char* kUseJoinToken =
    "UPDATE join_tokens SET used_at = ?2 WHERE id = ?1 AND used_at IS NULL";
// The customers with a site (when ?2 is 1) or a resource of the kinds in the JSON array ?3 on
// node ?1, lowest id first, at most ?4.
inline constexpr const char* kCustomersOnNode =
    "SELECT customer_id FROM sites WHERE node_id = ?1 AND ?2 = 1 UNION "
    "SELECT customer_id FROM resources WHERE node_id = ?1 AND kind IN "
    "(SELECT value FROM json_each(?3)) ORDER BY 1 LIMIT ?4";
inline constexpr const char* kBumpHead =
    "UPDATE nodes SET head_revision = head_revision + 1 WHERE id = ?1";
inline constexpr const char* kNodeHead = "SELECT id, head_revision FROM nodes WHERE name = ?1";
inline constexpr const char* kNodeHeadById = "SELECT head_revision FROM nodes WHERE id = ?1";

inline constexpr const char* kResourceSelect =
    "SELECT r.id, r.customer_id, c.login, r.kind, r.name, r.parent, r.node_id, "
    "COALESCE(n.name, ''), r.data, r.status, r.created_at, r.updated_at FROM resources r "
    "JOIN customers c ON c.id = r.customer_id LEFT JOIN nodes n ON n.id = r.node_id";
inline constexpr const char* kInsertResource =
    "INSERT INTO resources (customer_id, kind, name, parent, node_id, data, status, created_at, "
    "updated_at, name_key) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9)";

// Name claims (StoreTxn::ForeignClaim): ?1 <= name_key <= ?2, held by a customer other than ?3.
inline constexpr const char* kForeignSiteClaim =
    "SELECT sn.name, 'site', s.customer_id FROM site_names sn JOIN sites s ON s.id = sn.site_id "
    "WHERE sn.name_key >= ?1 AND sn.name_key <= ?2 AND s.customer_id != ?3 ORDER BY sn.name_key "
    "LIMIT 1";
inline constexpr const char* kForeignResourceClaim =
    "SELECT name, kind, customer_id FROM resources "
    "WHERE name_key >= ?1 AND name_key <= ?2 AND customer_id != ?3 ORDER BY name_key LIMIT 1";

// The kinds of resources whose name is a domain a customer holds (store.h, NameClaim).
inline bool IsNameClaimKind(const std::string& kind) {
  return kind == "zone" || kind == "maildomain";
}

// A name's key in the name_key columns: its labels in reverse order, each followed by a dot
// ("shop.acme.example" -> "example.acme.shop."), as migration 6 computes it for older rows.
inline std::string NameKey(const std::string& name) {
  std::string key;
  size_t end = name.size();
  for (;;) {
    size_t dot = end == 0 ? std::string::npos : name.rfind('.', end - 1);
    size_t start = dot == std::string::npos ? 0 : dot + 1;
    key.append(name, start, end - start);
    key += '.';
    if (dot == std::string::npos) return key;
    end = dot;
  }
}

inline constexpr const char* kUpdateResource =
    "UPDATE resources SET parent = ?2, node_id = ?3, data = ?4, status = ?5, updated_at = ?6 "
    "WHERE id = ?1";
inline constexpr const char* kDeleteResource = "DELETE FROM resources WHERE id = ?1";
inline constexpr const char* kCountResources =
    "SELECT COUNT(*) FROM resources WHERE kind = ?1 AND customer_id = ?2";
inline constexpr const char* kResourceCountByNode =
    "SELECT node_id, COUNT(*) FROM resources WHERE kind = ?1 GROUP BY node_id";
inline constexpr const char* kNextCounter =
    "INSERT INTO counters (name, value) VALUES (?1, ?2) "
    "ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value";

inline constexpr const char* kTaskSelect =
    "SELECT t.id, t.node_id, n.name, t.revision, t.object_key, t.kind, t.spec, t.state, t.error, "
    "t.attempts, t.next_attempt_at, t.created_at, t.updated_at, t.applied_at, t.duration_ms, "
    "t.change_id FROM tasks t JOIN nodes n ON n.id = t.node_id";
inline constexpr const char* kInsertTask =
    "INSERT INTO tasks (node_id, revision, object_key, kind, spec, state, created_at, updated_at, "
    "change_id) VALUES (?1, ?2, ?3, ?4, ?5, 'pending', ?6, ?6, ?7)";
inline constexpr const char* kSupersede =
    "UPDATE tasks SET state = 'superseded', updated_at = ?4 "
    "WHERE node_id = ?1 AND object_key = ?2 AND revision < ?3 AND state IN ('pending', 'retry')";
inline constexpr const char* kRecordResult =
    "UPDATE tasks SET state = ?2, error = ?3, duration_ms = COALESCE(?4, duration_ms), "
    "next_attempt_at = ?5, attempts = attempts + (?2 <> 'running'), updated_at = ?6, "
    "applied_at = CASE WHEN ?2 = 'applied' THEN ?6 ELSE applied_at END WHERE id = ?1";
inline constexpr const char* kTaskStats = "SELECT state, COUNT(*) FROM tasks GROUP BY state";
inline constexpr const char* kNodesWithDueRetries =
    "SELECT DISTINCT n.name FROM tasks t JOIN nodes n ON n.id = t.node_id "
    "WHERE t.state = 'retry' AND t.next_attempt_at <= ?1 ORDER BY n.name";

inline constexpr const char* kInsertAudit =
    "INSERT INTO audit (actor, action, object, before, after, at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
inline constexpr const char* kListAudit =
    "SELECT id, actor, action, object, before, after, at FROM audit "
    "WHERE id > ?1 AND (?2 IS NULL OR object = ?2) ORDER BY id LIMIT ?3";

inline constexpr const char* kTokenSelect =
    "SELECT id, name, role, created_at, last_used_at FROM api_tokens";
inline constexpr const char* kInsertToken =
    "INSERT INTO api_tokens (name, token_hash, role, created_at) VALUES (?1, ?2, ?3, ?4)";
inline constexpr const char* kTouchToken = "UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1";

std::string Sql(const char* select, const char* rest);
Json ParseJson(const std::string& text);
std::vector<std::string> StringList(const std::string& text);
std::string ListText(const std::vector<std::string>& v);
int ClampLimit(int limit);

Plan ReadPlan(const Statement& st);
Customer ReadCustomer(const Statement& st);
Site ReadSite(const Statement& st);
Node ReadNode(const Statement& st);
TaskRecord ReadTask(const Statement& st);
AuditEntry ReadAudit(const Statement& st);
ApiToken ReadToken(const Statement& st);
Resource ReadResource(const Statement& st);
Transfer ReadTransfer(const Statement& st);

inline constexpr const char* kTransferSelect =
    "SELECT id, customer_id, what, object, source_node_id, target_node_id, state, chunks, bytes, "
    "digest, error, change_id, created_at, updated_at FROM "
    "transfers ";
inline constexpr const char* kInsertTransfer =
    "INSERT INTO transfers (customer_id, what, object, source_node_id, target_node_id, state, "
    "change_id, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)";
inline constexpr const char* kUpdateTransfer =
    "UPDATE transfers SET state = ?2, chunks = ?3, bytes = ?4, digest = ?5, error = ?6, "
    "updated_at = ?7 WHERE id = ?1";

template <typename T>
Result<std::optional<T>> First(Statement& st, T (*read)(const Statement&)) {
  auto row = st.Step();
  if (!row) return Fail(row.error());
  if (!*row) return std::optional<T>();
  return std::optional<T>(read(st));
}

template <typename T>
Result<std::vector<T>> All(Statement& st, T (*read)(const Statement&)) {
  std::vector<T> out;
  for (;;) {
    auto row = st.Step();
    if (!row) return Fail(row.error());
    if (!*row) return out;
    out.push_back(read(st));
  }
}

// Prepares sql, binds args to ?1, ?2, ... and reads the first row, or every row, with read.
template <typename T, typename... Args>
Result<std::optional<T>> One(Database& db, const std::string& sql, T (*read)(const Statement&),
                             const Args&... args) {
  auto st = db.Prepare(sql);
  if (!st) return Fail(st.error());
  int i = 1;
  (st->Bind(i++, args), ...);
  return First(*st, read);
}
template <typename T, typename... Args>
Result<std::vector<T>> Many(Database& db, const std::string& sql, T (*read)(const Statement&),
                            const Args&... args) {
  auto st = db.Prepare(sql);
  if (!st) return Fail(st.error());
  int i = 1;
  (st->Bind(i++, args), ...);
  return All(*st, read);
}

// Prepares sql, binds args to ?1, ?2, ... and runs it to completion (no rows).
template <typename... Args>
Status Exec(Database& db, const char* sql, const Args&... args) {
  auto st = db.Prepare(sql);
  if (!st) return Fail(st.error());
  int i = 1;
  (st->Bind(i++, args), ...);
  return st->Run();
}

// Each takes the connection to run on: the writer inside a transaction, or a leased reader.
struct Queries {
  static Result<std::optional<Customer>> CustomerByLogin(Database& db, const std::string& login);
  static Result<std::optional<Customer>> CustomerById(Database& db, int64_t id);
  static Result<std::vector<Customer>> Customers(Database& db, const Page& page);
  static Result<std::optional<Site>> SiteByDomain(Database& db, const std::string& domain);
  static Result<std::optional<Site>> SiteById(Database& db, int64_t id);
  static Result<std::optional<Site>> SiteByName(Database& db, const std::string& name);
  static Result<std::vector<Site>> SitesOfCustomer(Database& db, int64_t customer_id);
  static Result<std::vector<Site>> SitesOnNode(Database& db, int64_t node_id);
  static Result<std::vector<Site>> Sites(Database& db, const std::optional<std::string>& login,
                                         const Page& page);
  static Result<std::optional<Plan>> PlanByName(Database& db, const std::string& name);
  static Result<std::optional<Plan>> PlanById(Database& db, int64_t id);
  static Result<std::vector<Plan>> Plans(Database& db);
  static Result<std::optional<Node>> NodeByName(Database& db, const std::string& name);
  static Result<std::optional<Node>> NodeById(Database& db, int64_t id);
  static Result<std::vector<Node>> Nodes(Database& db);
  static Result<std::optional<TaskRecord>> TaskById(Database& db, int64_t id);
  static Result<std::optional<Resource>> ResourceByName(Database& db, const std::string& kind,
                                                        const std::string& name);
  static Result<std::optional<Resource>> ResourceById(Database& db, int64_t id);
  static Result<std::vector<Resource>> Resources(Database& db, const ResourceFilter& filter);
};

}  // namespace hostplane::controller::sqlite_rows
