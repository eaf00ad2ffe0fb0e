#include "controller/store/row_mapping.h"

#include <algorithm>

namespace hostplane::controller::rows {
namespace {

template <typename E>
Result<E> State(const sql::Row& row, std::string_view column, const char* what) {
  const std::string text = row.Text(column);
  auto state = Parse<E>(text);
  if (!state) {
    return Fail(Error::Internal("the store holds a " + std::string(what) + " " +
                                std::string(column) + " '" + text +
                                "' this version does not know"));
  }
  return *state;
}

}  // namespace

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

std::string ScopeCondition(std::string_view customer_column, std::string_view reseller_column) {
  return "(CAST(:scope_customer AS BIGINT) IS NULL OR " + std::string(customer_column) +
         " = :scope_customer) AND (CAST(:scope_reseller AS BIGINT) IS NULL OR " +
         std::string(reseller_column) + " = :scope_reseller)";
}

std::string ScopeConditionByCustomer(std::string_view customer_column) {
  return std::string(customer_column) + " IN (SELECT c.id FROM customers c WHERE " +
         ScopeCondition("c.id", "c.reseller_id") + ")";
}

std::string ScopeConditionOf(const Scope& scope, std::string_view customer_column,
                             std::string_view reseller_column) {
  switch (scope.kind) {
    case Scope::Kind::kCustomer:
      return std::string(customer_column) + " = :scope_customer";
    case Scope::Kind::kReseller:
      return std::string(reseller_column) + " = :scope_reseller";
    case Scope::Kind::kAll:
      break;
  }
  return "1 = 1";
}

void AddScopeOf(sql::Params& params, const Scope& scope) {
  if (scope.kind == Scope::Kind::kCustomer) params.push_back({"scope_customer", scope.id});
  if (scope.kind == Scope::Kind::kReseller) params.push_back({"scope_reseller", scope.id});
}

void AddScope(sql::Params& params, const Scope& scope) {
  params.push_back({"scope_customer", scope.customer()});
  params.push_back({"scope_reseller", scope.reseller()});
}

std::string GrantCondition(std::string_view domain_expr, std::string_view grant_kind) {
  return "(CAST(:scope_user AS BIGINT) IS NULL OR " + std::string(domain_expr) +
         " IN (SELECT g.name FROM user_grants g WHERE g.user_id = :scope_user AND g.kind = '" +
         std::string(grant_kind) + "'))";
}

void AddGrantScope(sql::Params& params, const Scope& scope) {
  params.push_back({"scope_user", scope.user});
}

int ClampLimit(int limit) { return std::clamp(limit, 1, 10'000); }

std::string SearchCondition(std::string_view name_column) {
  return "(CAST(:search AS TEXT) IS NULL OR " + std::string(name_column) +
         " LIKE :search ESCAPE '\\')";
}

void AddSearch(sql::Params& params, const Page& page) {
  if (page.search.empty()) {
    params.push_back({"search", std::optional<std::string>()});
    return;
  }
  std::string pattern = "%";
  for (char c : page.search) {
    if (c == '%' || c == '_' || c == '\\') pattern += '\\';
    pattern += c;
  }
  pattern += '%';
  params.push_back({"search", pattern});
}

Result<Plan> ReadPlan(const sql::Row& row) {
  Plan p;
  p.id = row.Int("id");
  p.name = row.Text("name");
  p.max_sites = row.OptInt("max_sites");
  p.max_mailboxes = row.OptInt("max_mailboxes");
  p.mailbox_quota_mb = row.OptInt("mailbox_quota_mb");
  p.max_forwarders = row.OptInt("max_forwarders");
  p.max_ftp_users = row.OptInt("max_ftp_users");
  p.max_dns_zones = row.OptInt("max_dns_zones");
  p.max_databases = row.OptInt("max_databases");
  p.disk_mb = row.OptInt("disk_mb");
  p.max_messages_per_hour = row.OptInt("max_messages_per_hour");
  p.created_at = row.Int("created_at");
  p.pin_site = row.Text("pin_site");
  p.pin_group = row.Text("pin_group");
  p.reseller_id = row.OptInt("reseller_id");
  return p;
}

Result<Customer> ReadCustomer(const sql::Row& row) {
  Customer c;
  c.id = row.Int("id");
  c.login = row.Text("login");
  c.name = row.Text("name");
  c.email = row.Text("email");
  c.password_hash = row.Text("password_hash");
  HP_ASSIGN_OR_RETURN(c.status, State<CustomerStatus>(row, "status", "customer"));
  c.plan_id = row.Int("plan_id");
  c.created_at = row.Int("created_at");
  c.updated_at = row.Int("updated_at");
  c.uid = row.Int("uid");
  c.reseller_id = row.OptInt("reseller_id");
  return c;
}

Result<Site> ReadSite(const sql::Row& row) {
  Site s;
  s.id = row.Int("id");
  s.customer_id = row.Int("customer_id");
  s.customer_login = row.Text("customer_login");
  s.reseller_id = row.OptInt("reseller_id");
  s.domain = row.Text("domain");
  s.aliases = StringList(row.Text("aliases"));
  s.docroot = row.Text("docroot");
  HP_ASSIGN_OR_RETURN(s.status, State<SiteStatus>(row, "status", "site"));
  s.node_id = row.Int("node_id");
  s.node_name = row.Text("node_name");
  s.created_at = row.Int("created_at");
  s.updated_at = row.Int("updated_at");
  s.php = row.Text("php");
  s.https = row.Int("https") != 0;
  auto settings = Json::parse(row.Text("settings"), nullptr, false);
  auto checked = protocol::SiteSettingsFromJson(settings);
  if (!checked) {
    return Fail(Error::Internal(
        "site '" + s.domain + "' has settings the store cannot read: " + checked.error().message));
  }
  s.settings = std::move(*checked);
  return s;
}

Result<Node> ReadNode(const sql::Row& row) {
  Node n;
  n.id = row.Int("id");
  n.name = row.Text("name");
  n.roles = StringList(row.Text("roles"));
  n.capacity = row.Int("capacity");
  HP_ASSIGN_OR_RETURN(n.status, State<NodeStatus>(row, "status", "node"));
  n.head_revision = row.Int("head_revision");
  n.applied_revision = row.Int("applied_revision");
  n.last_seen = row.OptInt("last_seen");
  n.version = row.Text("version");
  n.drivers = StringList(row.Text("drivers"));
  n.drift = StringList(row.Text("drift"));
  n.created_at = row.Int("created_at");
  n.ipv4 = row.Text("ipv4");
  n.ipv6 = row.Text("ipv6");
  n.site = row.Text("site");
  n.group = row.Text("node_group");
  n.load = row.Double("load");
  n.nats_password_hash = row.Text("nats_password_hash");
  n.enrolled_at = row.OptInt("enrolled_at");
  n.box_key = row.Text("box_key");
  n.ns_name = row.Text("ns_name");
  n.mail_submission = row.Text("mail_submission");
  return n;
}

Result<JoinToken> ReadJoinToken(const sql::Row& row) {
  return JoinToken{row.Int("id"), row.Int("node_id"), row.Int("expires_at"), row.OptInt("used_at")};
}

Result<Resource> ReadResource(const sql::Row& row) {
  Resource r;
  r.id = row.Int("id");
  r.customer_id = row.Int("customer_id");
  r.customer_login = row.Text("customer_login");
  r.reseller_id = row.OptInt("reseller_id");
  r.kind = row.Text("kind");
  r.name = row.Text("name");
  r.parent = row.Text("parent");
  r.node_id = row.Int("node_id");
  r.node_name = row.Text("node_name");
  r.data = ParseJson(row.Text("data"));
  if (!r.data.is_object()) r.data = Json::object();
  HP_ASSIGN_OR_RETURN(r.status, State<ResourceStatus>(row, "status", r.kind.c_str()));
  r.created_at = row.Int("created_at");
  r.updated_at = row.Int("updated_at");
  return r;
}

Result<TaskRecord> ReadTask(const sql::Row& row) {
  TaskRecord t;
  t.id = row.Int("id");
  t.node_id = row.Int("node_id");
  t.node_name = row.Text("node_name");
  t.revision = row.Int("revision");
  t.object_key = row.Text("object_key");
  t.kind = row.Text("kind");
  t.spec = ParseJson(row.Text("spec"));
  HP_ASSIGN_OR_RETURN(t.state, State<TaskState>(row, "state", "task"));
  t.error = row.Text("error");
  t.attempts = static_cast<int>(row.Int("attempts"));
  t.next_attempt_at = row.OptInt("next_attempt_at");
  t.created_at = row.Int("created_at");
  t.updated_at = row.Int("updated_at");
  t.applied_at = row.OptInt("applied_at");
  t.duration_ms = row.OptInt("duration_ms");
  t.change_id = row.OptInt("change_id");
  t.customer_id = row.OptInt("customer_id");
  return t;
}

Result<Transfer> ReadTransfer(const sql::Row& row) {
  Transfer t;
  t.id = row.Int("id");
  t.customer_id = row.Int("customer_id");
  t.what = row.Text("what");
  t.object = row.Text("object");
  t.source_node_id = row.Int("source_node_id");
  t.target_node_id = row.Int("target_node_id");
  HP_ASSIGN_OR_RETURN(t.state, State<TransferState>(row, "state", "transfer"));
  t.chunks = row.Int("chunks");
  t.bytes = row.Int("bytes");
  t.digest = row.Text("digest");
  t.error = row.Text("error");
  t.change_id = row.OptInt("change_id");
  t.created_at = row.Int("created_at");
  t.updated_at = row.Int("updated_at");
  return t;
}

Result<AuditEntry> ReadAudit(const sql::Row& row) {
  AuditEntry a;
  a.id = row.Int("id");
  a.actor = row.Text("actor");
  a.action = row.Text("action");
  a.object = row.Text("object");
  a.before = ParseJson(row.Text("before"));
  a.after = ParseJson(row.Text("after"));
  a.at = row.Int("at");
  a.customer_id = row.OptInt("customer_id");
  return a;
}

Result<ApiToken> ReadToken(const sql::Row& row) {
  ApiToken t;
  t.id = row.Int("id");
  t.name = row.Text("name");
  t.role = row.Text("role");
  t.created_at = row.Int("created_at");
  t.last_used_at = row.OptInt("last_used_at");
  t.user_id = row.OptInt("user_id");
  t.scopes.clear();
  Json scopes = ParseJson(row.Text("scopes"));
  if (scopes.is_array()) {
    for (const Json& s : scopes) {
      if (s.is_string()) t.scopes.push_back(s.get<std::string>());
    }
  }
  t.expires_at = row.OptInt("expires_at");
  return t;
}

Result<Reseller> ReadReseller(const sql::Row& row) {
  Reseller r;
  r.id = row.Int("id");
  r.login = row.Text("login");
  r.name = row.Text("name");
  r.email = row.Text("email");
  HP_ASSIGN_OR_RETURN(r.status, State<CustomerStatus>(row, "status", "reseller"));
  r.max_customers = row.OptInt("max_customers");
  r.max_sites = row.OptInt("max_sites");
  r.overselling = row.Int("overselling") != 0;
  r.created_at = row.Int("created_at");
  r.updated_at = row.Int("updated_at");
  return r;
}

Result<User> ReadUser(const sql::Row& row) {
  User u;
  u.id = row.Int("id");
  u.login = row.Text("login");
  u.email = row.Text("email");
  u.name = row.Text("name");
  u.password_hash = row.Text("password_hash");
  u.role = row.Text("role");
  u.reseller_id = row.OptInt("reseller_id");
  u.customer_id = row.OptInt("customer_id");
  u.full_access = row.Int("full_access") != 0;
  u.totp_secret = row.Text("totp_secret");
  u.created_at = row.Int("created_at");
  u.updated_at = row.Int("updated_at");
  return u;
}

}  // namespace hostplane::controller::rows
