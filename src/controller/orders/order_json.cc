#include "controller/orders/order_json.h"

namespace hostplane::controller {

nlohmann::json ToJson(const Order& o) {
  const OrderRequest& r = o.request;
  nlohmann::json reasons = nlohmann::json::array();
  for (const auto& reason : o.reasons) {
    reasons.push_back({{"code", reason.code}, {"score", reason.score}});
  }
  return {{"id", o.id},
          {"state", Name(o.state)},
          {"step", Name(o.step)},
          {"plan", r.plan},
          {"amount_minor", o.amount_minor},
          {"currency", o.currency},
          {"contact", {{"name", r.name}, {"email", r.email}, {"phone", r.phone}}},
          {"login", r.login},
          {"domain", r.domain},
          {"billing",
           {{"name", r.billing_name},
            {"street", r.billing_street},
            {"postcode", r.billing_postcode},
            {"city", r.billing_city},
            {"country", r.billing_country}}},
          {"tos_version", r.tos_version},
          {"source", o.source},
          {"screening", {{"verdict", Name(o.verdict)}, {"score", o.score}, {"reasons", reasons}}},
          {"payment",
           {{"gateway", o.gateway},
            {"state", Name(o.payment)},
            {"reference", o.payment_ref},
            {"card_brand", o.card_brand},
            {"card_last4", o.card_last4}}},
          {"customer_id", o.customer_id ? nlohmann::json(*o.customer_id) : nlohmann::json()},
          {"welcome_message_id", o.welcome_message_id},
          {"anonymised", o.anonymised},
          {"created_at", o.created_at},
          {"updated_at", o.updated_at}};
}

nlohmann::json ToJson(const OrderEvent& e) {
  return {{"from", e.from ? nlohmann::json(Name(*e.from)) : nlohmann::json()},
          {"to", Name(e.to)},
          {"actor", e.actor},
          {"detail", e.detail},
          {"at", e.at}};
}

nlohmann::json PublicJson(const Order& o) {
  return {{"id", o.id}, {"state", Name(o.state)}, {"payment", Name(o.payment)}};
}

}  // namespace hostplane::controller
