#include "controller/store/people_json.h"

#include "common/clock.h"
#include "controller/store/json_object.h"

namespace hostplane::controller {
namespace {

Json IdJson(const std::optional<int64_t>& id) {
  if (!id) return nullptr;
  return *id;
}

Json LimitJson(const Limit& l) {
  if (!l) return JsonObject().Add("unlimited", true).Take();
  return *l;
}

}  // namespace

Json ToJson(const Reseller& r) {
  return JsonObject()
      .Add("id", r.id)
      .Add("login", r.login)
      .Add("name", r.name)
      .Add("email", r.email)
      .Add("status", Name(r.status))
      .Add("limits", JsonObject()
                         .Add("customers", LimitJson(r.max_customers))
                         .Add("sites", LimitJson(r.max_sites))
                         .Take())
      .Add("overselling", r.overselling)
      .Add("created_at", FormatTimestamp(r.created_at))
      .Add("updated_at", FormatTimestamp(r.updated_at))
      .Take();
}

Json ToJson(const User& u) {
  Json sites = Json::array();
  Json mail_domains = Json::array();
  for (const UserGrant& g : u.grants) {
    if (g.kind == "site") sites.push_back(g.name);
    if (g.kind == "maildomain") mail_domains.push_back(g.name);
  }
  return JsonObject()
      .Add("id", u.id)
      .Add("login", u.login)
      .Add("name", u.name)
      .Add("email", u.email)
      .Add("role", u.role)
      .Add("customer_id", IdJson(u.customer_id))
      .Add("reseller_id", IdJson(u.reseller_id))
      .Add("full_access", u.full_access)
      .Add("sites", std::move(sites))
      .Add("mail_domains", std::move(mail_domains))
      .Add("second_factor", !u.totp_secret.empty())
      .Add("created_at", FormatTimestamp(u.created_at))
      .Add("updated_at", FormatTimestamp(u.updated_at))
      .Take();
}

}  // namespace hostplane::controller
