#include "controller/store/sqlite_queries.h"

#include <algorithm>

namespace hostplane::controller::sqlite_rows {

std::string Sql(const char* select, const char* rest) { return std::string(select) + " " + rest; }

Json ParseJson(const std::string& text) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  return j.is_discarded() ? Json() : j;
}

std::vector<std::string> StringList(const std::string& text) {
  std::vector<std::string> out;
  Json j = ParseJson(text);
  if (!j.is_array()) return out;
  for (const auto& v : j) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

std::string ListText(const std::vector<std::string>& v) { return Json(v).dump(); }

Plan ReadPlan(const Statement& st) {
  Plan p;
  p.id = st.Int(0);
  p.name = st.Text(1);
  p.max_sites = st.OptInt(2);
  p.max_mailboxes = st.OptInt(3);
  p.mailbox_quota_mb = st.OptInt(4);
  p.max_forwarders = st.OptInt(5);
  p.max_ftp_users = st.OptInt(6);
  p.max_dns_zones = st.OptInt(7);
  p.max_databases = st.OptInt(8);
  p.disk_mb = st.OptInt(9);
  p.created_at = st.Int(10);
  p.pin_site = st.Text(11);
  p.pin_group = st.Text(12);
  return p;
}

Customer ReadCustomer(const Statement& st) {
  Customer c;
  c.id = st.Int(0);
  c.login = st.Text(1);
  c.name = st.Text(2);
  c.email = st.Text(3);
  c.password_hash = st.Text(4);
  c.status = st.Text(5);
  c.plan_id = st.Int(6);
  c.created_at = st.Int(7);
  c.updated_at = st.Int(8);
  c.uid = st.Int(9);
  return c;
}

Site ReadSite(const Statement& st) {
  Site s;
  s.id = st.Int(0);
  s.customer_id = st.Int(1);
  s.customer_login = st.Text(2);
  s.domain = st.Text(3);
  s.aliases = StringList(st.Text(4));
  s.docroot = st.Text(5);
  s.status = st.Text(6);
  s.node_id = st.Int(7);
  s.node_name = st.Text(8);
  s.created_at = st.Int(9);
  s.updated_at = st.Int(10);
  s.php = st.Text(11);
  s.https = st.Int(12) != 0;
  return s;
}

Node ReadNode(const Statement& st) {
  Node n;
  n.id = st.Int(0);
  n.name = st.Text(1);
  n.roles = StringList(st.Text(2));
  n.capacity = st.Int(3);
  n.status = st.Text(4);
  n.head_revision = st.Int(5);
  n.applied_revision = st.Int(6);
  n.last_seen = st.OptInt(7);
  n.version = st.Text(8);
  n.drivers = StringList(st.Text(9));
  n.drift = StringList(st.Text(10));
  n.created_at = st.Int(11);
  n.ipv4 = st.Text(12);
  n.ipv6 = st.Text(13);
  n.site = st.Text(14);
  n.group = st.Text(15);
  n.load = st.Double(16);
  n.nats_password_hash = st.Text(17);
  n.enrolled_at = st.OptInt(18);
  return n;
}

TaskRecord ReadTask(const Statement& st) {
  TaskRecord t;
  t.id = st.Int(0);
  t.node_id = st.Int(1);
  t.node_name = st.Text(2);
  t.revision = st.Int(3);
  t.object_key = st.Text(4);
  t.kind = st.Text(5);
  t.spec = ParseJson(st.Text(6));
  t.state = st.Text(7);
  t.error = st.Text(8);
  t.attempts = static_cast<int>(st.Int(9));
  t.next_attempt_at = st.OptInt(10);
  t.created_at = st.Int(11);
  t.updated_at = st.Int(12);
  t.applied_at = st.OptInt(13);
  t.duration_ms = st.OptInt(14);
  t.change_id = st.OptInt(15);
  return t;
}

Transfer ReadTransfer(const Statement& st) {
  Transfer t;
  t.id = st.Int(0);
  t.customer_id = st.Int(1);
  t.what = st.Text(2);
  t.object = st.Text(3);
  t.source_node_id = st.Int(4);
  t.target_node_id = st.Int(5);
  t.state = st.Text(6);
  t.chunks = st.Int(7);
  t.bytes = st.Int(8);
  t.digest = st.Text(9);
  t.error = st.Text(10);
  t.change_id = st.OptInt(11);
  t.created_at = st.Int(12);
  t.updated_at = st.Int(13);
  return t;
}

AuditEntry ReadAudit(const Statement& st) {
  AuditEntry a;
  a.id = st.Int(0);
  a.actor = st.Text(1);
  a.action = st.Text(2);
  a.object = st.Text(3);
  a.before = ParseJson(st.Text(4));
  a.after = ParseJson(st.Text(5));
  a.at = st.Int(6);
  return a;
}

ApiToken ReadToken(const Statement& st) {
  ApiToken t;
  t.id = st.Int(0);
  t.name = st.Text(1);
  t.role = st.Text(2);
  t.created_at = st.Int(3);
  t.last_used_at = st.OptInt(4);
  return t;
}

Resource ReadResource(const Statement& st) {
  Resource r;
  r.id = st.Int(0);
  r.customer_id = st.Int(1);
  r.customer_login = st.Text(2);
  r.kind = st.Text(3);
  r.name = st.Text(4);
  r.parent = st.Text(5);
  r.node_id = st.Int(6);
  r.node_name = st.Text(7);
  r.data = ParseJson(st.Text(8));
  if (!r.data.is_object()) r.data = Json::object();
  r.status = st.Text(9);
  r.created_at = st.Int(10);
  r.updated_at = st.Int(11);
  return r;
}

int ClampLimit(int limit) { return std::clamp(limit, 1, 10'000); }

Result<std::optional<Customer>> Queries::CustomerByLogin(Database& db, const std::string& login) {
  return One(db, Sql(kCustomerSelect, "WHERE login = ?1"), ReadCustomer, login);
}
Result<std::optional<Customer>> Queries::CustomerById(Database& db, int64_t id) {
  return One(db, Sql(kCustomerSelect, "WHERE id = ?1"), ReadCustomer, id);
}
Result<std::vector<Customer>> Queries::Customers(Database& db, const Page& page) {
  return Many(db, Sql(kCustomerSelect, "WHERE id > ?1 ORDER BY id LIMIT ?2"), ReadCustomer,
              page.after_id, ClampLimit(page.limit));
}
Result<std::optional<Site>> Queries::SiteByDomain(Database& db, const std::string& domain) {
  return One(db, Sql(kSiteSelect, "WHERE s.domain = ?1"), ReadSite, domain);
}
Result<std::optional<Site>> Queries::SiteById(Database& db, int64_t id) {
  return One(db, Sql(kSiteSelect, "WHERE s.id = ?1"), ReadSite, id);
}
Result<std::optional<Site>> Queries::SiteByName(Database& db, const std::string& name) {
  return One(db, Sql(kSiteSelect, "JOIN site_names sn ON sn.site_id = s.id WHERE sn.name = ?1"),
             ReadSite, name);
}
Result<std::vector<Site>> Queries::SitesOfCustomer(Database& db, int64_t customer_id) {
  return Many(db, Sql(kSiteSelect, "WHERE s.customer_id = ?1 ORDER BY s.id"), ReadSite,
              customer_id);
}
Result<std::vector<Site>> Queries::SitesOnNode(Database& db, int64_t node_id) {
  return Many(db, Sql(kSiteSelect, "WHERE s.node_id = ?1 ORDER BY s.id"), ReadSite, node_id);
}
Result<std::vector<Site>> Queries::Sites(Database& db, const std::optional<std::string>& login,
                                         const Page& page) {
  return Many(
      db,
      Sql(kSiteSelect, "WHERE (?1 IS NULL OR c.login = ?1) AND s.id > ?2 ORDER BY s.id LIMIT ?3"),
      ReadSite, login, page.after_id, ClampLimit(page.limit));
}
Result<std::optional<Plan>> Queries::PlanByName(Database& db, const std::string& name) {
  return One(db, Sql(kPlanSelect, "WHERE name = ?1"), ReadPlan, name);
}
Result<std::optional<Plan>> Queries::PlanById(Database& db, int64_t id) {
  return One(db, Sql(kPlanSelect, "WHERE id = ?1"), ReadPlan, id);
}
Result<std::vector<Plan>> Queries::Plans(Database& db) {
  return Many(db, Sql(kPlanSelect, "ORDER BY id"), ReadPlan);
}
Result<std::optional<Node>> Queries::NodeByName(Database& db, const std::string& name) {
  return One(db, Sql(kNodeSelect, "WHERE name = ?1"), ReadNode, name);
}
Result<std::optional<Node>> Queries::NodeById(Database& db, int64_t id) {
  return One(db, Sql(kNodeSelect, "WHERE id = ?1"), ReadNode, id);
}
Result<std::vector<Node>> Queries::Nodes(Database& db) {
  return Many(db, Sql(kNodeSelect, "ORDER BY id"), ReadNode);
}
Result<std::optional<TaskRecord>> Queries::TaskById(Database& db, int64_t id) {
  return One(db, Sql(kTaskSelect, "WHERE t.id = ?1"), ReadTask, id);
}

Result<std::optional<Resource>> Queries::ResourceByName(Database& db, const std::string& kind,
                                                        const std::string& name) {
  return One(db, Sql(kResourceSelect, "WHERE r.kind = ?1 AND r.name = ?2"), ReadResource, kind,
             name);
}
Result<std::optional<Resource>> Queries::ResourceById(Database& db, int64_t id) {
  return One(db, Sql(kResourceSelect, "WHERE r.id = ?1"), ReadResource, id);
}
Result<std::vector<Resource>> Queries::Resources(Database& db, const ResourceFilter& f) {
  return Many(db,
              Sql(kResourceSelect,
                  "WHERE r.kind = ?1 AND (?2 IS NULL OR r.customer_id = ?2) "
                  "AND (?3 IS NULL OR r.parent = ?3) AND (?4 IS NULL OR r.node_id = ?4) "
                  "ORDER BY r.id"),
              ReadResource, f.kind, f.customer_id, f.parent, f.node_id);
}

}  // namespace hostplane::controller::sqlite_rows
