#include "controller/store/entity_json.h"

#include "common/clock.h"
#include "controller/store/json_object.h"

namespace hostplane::controller {
namespace {

Json LimitJson(const Limit& l) {
  if (!l) return JsonObject().Add("unlimited", true).Take();
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
  // The same names and forms as POST /api/v1/plans takes.
  Json limits = JsonObject()
                    .Add("sites", LimitJson(p.max_sites))
                    .Add("mailboxes", LimitJson(p.max_mailboxes))
                    .Add("mailbox_quota_mb", LimitJson(p.mailbox_quota_mb))
                    .Add("forwarders", LimitJson(p.max_forwarders))
                    .Add("ftp_users", LimitJson(p.max_ftp_users))
                    .Add("dns_zones", LimitJson(p.max_dns_zones))
                    .Add("databases", LimitJson(p.max_databases))
                    .Add("disk_mb", LimitJson(p.disk_mb))
                    .Add("messages_per_hour", LimitJson(p.max_messages_per_hour))
                    .Take();
  return JsonObject()
      .Add("id", p.id)
      .Add("name", p.name)
      .Add("limits", std::move(limits))
      .Add("placement", JsonObject().Add("site", p.pin_site).Add("group", p.pin_group).Take())
      .Add("created_at", FormatTimestamp(p.created_at))
      .Take();
}

Json ToJson(const Customer& c) {
  return JsonObject()
      .Add("id", c.id)
      .Add("login", c.login)
      .Add("name", c.name)
      .Add("email", c.email)
      .Add("panel_login", !c.password_hash.empty())
      .Add("status", Name(c.status))
      .Add("plan_id", c.plan_id)
      .Add("uid", c.uid)
      .Add("created_at", FormatTimestamp(c.created_at))
      .Add("updated_at", FormatTimestamp(c.updated_at))
      .Take();
}

Json ToJson(const Site& s) {
  return JsonObject()
      .Add("id", s.id)
      .Add("domain", s.domain)
      .Add("aliases", s.aliases)
      .Add("docroot", s.docroot)
      .Add("status", Name(s.status))
      .Add("php", s.php)
      .Add("https", s.https)
      .Add("settings", protocol::ToJson(s.settings))
      .Add("customer", s.customer_login)
      .Add("customer_id", s.customer_id)
      .Add("node", s.node_name)
      .Add("node_id", s.node_id)
      .Add("created_at", FormatTimestamp(s.created_at))
      .Add("updated_at", FormatTimestamp(s.updated_at))
      .Take();
}

Json ToJson(const Node& n) {
  return JsonObject()
      .Add("id", n.id)
      .Add("name", n.name)
      .Add("roles", n.roles)
      .Add("capacity", n.capacity)
      .Add("status", Name(n.status))
      .Add("ipv4", n.ipv4)
      .Add("ipv6", n.ipv6)
      .Add("ns_name", n.ns_name)
      .Add("head_revision", n.head_revision)
      .Add("applied_revision", n.applied_revision)
      .Add("last_seen", TimeJson(n.last_seen))
      .Add("version", n.version)
      .Add("drivers", n.drivers)
      .Add("drift", n.drift)
      .Add("created_at", FormatTimestamp(n.created_at))
      .Add("site", n.site)
      .Add("group", n.group)
      .Add("load", n.load)
      .Add("enrolled_at", TimeJson(n.enrolled_at))
      .Add("health", n.health)
      .Add("dns", n.dns ? Json{{"zones", n.dns->zones},
                               {"lagging", n.dns->lagging},
                               {"lags", n.dns->lagging > 0}}
                        : Json(nullptr))
      .Take();
}

Json ToJson(const Resource& r) {
  JsonObject j;
  j.Add("id", r.id)
      .Add("kind", r.kind)
      .Add("name", r.name)
      .Add("customer", r.customer_login)
      .Add("status", Name(r.status))
      .Add("created_at", FormatTimestamp(r.created_at))
      .Add("updated_at", FormatTimestamp(r.updated_at));
  if (!r.parent.empty()) j.Set("parent", r.parent);
  if (r.node_id != 0) j.Set("node", r.node_name);
  // Kind-specific members, never a secret (hashes stay in the store and the signed tasks).
  for (const auto& [key, value] : r.data.items()) {
    if (key == "password_hash") continue;
    j.Set(key, value);
  }
  return j.Take();
}

Json ToJson(const TaskRecord& t) {
  return JsonObject()
      .Add("id", t.id)
      .Add("node", t.node_name)
      .Add("node_id", t.node_id)
      .Add("revision", t.revision)
      .Add("object_key", t.object_key)
      .Add("kind", t.kind)
      .Add("spec", t.spec)
      .Add("state", Name(t.state))
      .Add("error", t.error)
      .Add("attempts", t.attempts)
      .Add("next_attempt_at", TimeJson(t.next_attempt_at))
      .Add("created_at", FormatTimestamp(t.created_at))
      .Add("updated_at", FormatTimestamp(t.updated_at))
      .Add("applied_at", TimeJson(t.applied_at))
      .Add("duration_ms", IntJson(t.duration_ms))
      .Add("change_id", IntJson(t.change_id))
      .Take();
}

Json ToJson(const AuditEntry& a) {
  return JsonObject()
      .Add("id", a.id)
      .Add("actor", a.actor)
      .Add("action", a.action)
      .Add("object", a.object)
      .Add("before", a.before)
      .Add("after", a.after)
      .Add("at", FormatTimestamp(a.at))
      .Take();
}

Json ToJson(const ApiToken& t) {
  return JsonObject()
      .Add("id", t.id)
      .Add("name", t.name)
      .Add("role", t.role)
      .Add("scopes", t.scopes)
      .Add("created_at", FormatTimestamp(t.created_at))
      .Add("expires_at", TimeJson(t.expires_at))
      .Add("last_used_at", TimeJson(t.last_used_at))
      .Take();
}

}  // namespace hostplane::controller
