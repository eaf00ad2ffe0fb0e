#include "controller/store/entity_json.h"

#include "common/clock.h"

namespace hostplane::controller {
namespace {

Json LimitJson(const Limit& l) {
  if (!l) return Json{{"unlimited", true}};
  return *l;
}

Json TimeJson(const std::optional<int64_t>& millis) {
  if (!millis) return nullptr;
  return FormatTimestamp(*millis);
}

Json IntJson(const std::optional<int64_t>& v) {
  if (!v) return nullptr;
  return *v;
}

}  // namespace

Json ToJson(const Plan& p) {
  return Json{
      {"id", p.id},
      {"name", p.name},
      // The same names and forms as POST /api/v1/plans takes.
      {"limits", Json{{"sites", LimitJson(p.max_sites)},
                      {"mailboxes", LimitJson(p.max_mailboxes)},
                      {"mailbox_quota_mb", LimitJson(p.mailbox_quota_mb)},
                      {"forwarders", LimitJson(p.max_forwarders)},
                      {"ftp_users", LimitJson(p.max_ftp_users)},
                      {"dns_zones", LimitJson(p.max_dns_zones)},
                      {"databases", LimitJson(p.max_databases)},
                      {"disk_mb", LimitJson(p.disk_mb)}}},
      {"placement", Json{{"site", p.pin_site}, {"group", p.pin_group}}},
      {"created_at", FormatTimestamp(p.created_at)},
  };
}

Json ToJson(const Customer& c) {
  return Json{
      {"id", c.id},
      {"login", c.login},
      {"name", c.name},
      {"email", c.email},
      {"panel_login", !c.password_hash.empty()},
      {"status", Name(c.status)},
      {"plan_id", c.plan_id},
      {"uid", c.uid},
      {"created_at", FormatTimestamp(c.created_at)},
      {"updated_at", FormatTimestamp(c.updated_at)},
  };
}

Json ToJson(const Site& s) {
  return Json{
      {"id", s.id},
      {"domain", s.domain},
      {"aliases", s.aliases},
      {"docroot", s.docroot},
      {"status", Name(s.status)},
      {"php", s.php},
      {"https", s.https},
      {"customer", s.customer_login},
      {"customer_id", s.customer_id},
      {"node", s.node_name},
      {"node_id", s.node_id},
      {"created_at", FormatTimestamp(s.created_at)},
      {"updated_at", FormatTimestamp(s.updated_at)},
  };
}

Json ToJson(const Node& n) {
  return Json{
      {"id", n.id},
      {"name", n.name},
      {"roles", n.roles},
      {"capacity", n.capacity},
      {"status", Name(n.status)},
      {"ipv4", n.ipv4},
      {"ipv6", n.ipv6},
      {"head_revision", n.head_revision},
      {"applied_revision", n.applied_revision},
      {"last_seen", TimeJson(n.last_seen)},
      {"version", n.version},
      {"drivers", n.drivers},
      {"drift", n.drift},
      {"created_at", FormatTimestamp(n.created_at)},
      {"site", n.site},
      {"group", n.group},
      {"load", n.load},
      {"enrolled_at", TimeJson(n.enrolled_at)},
      {"health", n.health},
  };
}

Json ToJson(const Resource& r) {
  Json j{
      {"id", r.id},
      {"kind", r.kind},
      {"name", r.name},
      {"customer", r.customer_login},
      {"status", Name(r.status)},
      {"created_at", FormatTimestamp(r.created_at)},
      {"updated_at", FormatTimestamp(r.updated_at)},
  };
  if (!r.parent.empty()) j["parent"] = r.parent;
  if (r.node_id != 0) j["node"] = r.node_name;
  // Kind-specific members, never a secret (hashes stay in the store and the signed tasks).
  for (const auto& [key, value] : r.data.items()) {
    if (key == "password_hash") continue;
    j[key] = value;
  }
  return j;
}

Json ToJson(const TaskRecord& t) {
  return Json{
      {"id", t.id},
      {"node", t.node_name},
      {"node_id", t.node_id},
      {"revision", t.revision},
      {"object_key", t.object_key},
      {"kind", t.kind},
      {"spec", t.spec},
      {"state", Name(t.state)},
      {"error", t.error},
      {"attempts", t.attempts},
      {"next_attempt_at", TimeJson(t.next_attempt_at)},
      {"created_at", FormatTimestamp(t.created_at)},
      {"updated_at", FormatTimestamp(t.updated_at)},
      {"applied_at", TimeJson(t.applied_at)},
      {"duration_ms", IntJson(t.duration_ms)},
      {"change_id", IntJson(t.change_id)},
  };
}

Json ToJson(const AuditEntry& a) {
  return Json{
      {"id", a.id},         {"actor", a.actor}, {"action", a.action},          {"object", a.object},
      {"before", a.before}, {"after", a.after}, {"at", FormatTimestamp(a.at)},
  };
}

Json ToJson(const ApiToken& t) {
  return Json{
      {"id", t.id},
      {"name", t.name},
      {"role", t.role},
      {"created_at", FormatTimestamp(t.created_at)},
      {"last_used_at", TimeJson(t.last_used_at)},
  };
}

}  // namespace hostplane::controller
