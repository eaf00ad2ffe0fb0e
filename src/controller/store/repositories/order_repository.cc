#include "controller/store/repositories/order_repository.h"

namespace hostplane::controller {
namespace {

constexpr const char* kOrderColumns =
    "id, state, step, plan_id, plan, reseller_id, amount_minor, currency, contact_name, email, "
    "phone, login, domain, billing_name, billing_street, billing_postcode, billing_city, "
    "billing_country, tos_version, source, score, verdict, reasons, gateway, payment, "
    "payment_ref, card_brand, card_last4, customer_id, reject_reason, welcome_message_id, "
    "anonymised, created_at, updated_at";

constexpr const char* kOpenStates =
    "('submitted', 'screening', 'awaiting_domain_proof', 'awaiting_payment', 'in_review', "
    "'accepted', 'provisioning', 'provisioning_failed')";

template <typename E>
Result<E> ParseColumn(const sql::Row& row, std::string_view column) {
  const std::string text = row.Text(column);
  auto v = Parse<E>(text);
  if (!v)
    return Fail(Error::Internal("orders: unknown " + std::string(column) + " '" + text + "'"));
  return *v;
}

Result<Order> OrderFromRow(const sql::Row& row) {
  Order o;
  o.id = row.Int("id");
  HP_ASSIGN_OR_RETURN(o.state, ParseColumn<OrderState>(row, "state"));
  HP_ASSIGN_OR_RETURN(o.step, ParseColumn<ProvisionStep>(row, "step"));
  HP_ASSIGN_OR_RETURN(o.verdict, ParseColumn<Verdict>(row, "verdict"));
  HP_ASSIGN_OR_RETURN(o.payment, ParseColumn<PaymentState>(row, "payment"));
  o.plan_id = row.Int("plan_id");
  o.request.plan = row.Text("plan");
  o.reseller_id = row.OptInt("reseller_id");
  o.amount_minor = row.Int("amount_minor");
  o.currency = row.Text("currency");
  o.request.name = row.Text("contact_name");
  o.request.email = row.Text("email");
  o.request.phone = row.Text("phone");
  o.request.login = row.Text("login");
  o.request.domain = row.Text("domain");
  o.request.billing_name = row.Text("billing_name");
  o.request.billing_street = row.Text("billing_street");
  o.request.billing_postcode = row.Text("billing_postcode");
  o.request.billing_city = row.Text("billing_city");
  o.request.billing_country = row.Text("billing_country");
  o.request.tos_version = row.Text("tos_version");
  o.source = row.Text("source");
  o.score = static_cast<int>(row.Int("score"));
  const auto reasons = nlohmann::json::parse(row.Text("reasons"), nullptr, false);
  if (reasons.is_array()) {
    for (const auto& r : reasons) {
      if (r.is_object()) {
        o.reasons.push_back({r.value("code", ""), r.value("score", 0)});
      }
    }
  }
  o.gateway = row.Text("gateway");
  o.payment_ref = row.Text("payment_ref");
  o.card_brand = row.Text("card_brand");
  o.card_last4 = row.Text("card_last4");
  o.customer_id = row.OptInt("customer_id");
  o.reject_reason = row.Text("reject_reason");
  o.welcome_message_id = row.Text("welcome_message_id");
  o.anonymised = row.Int("anonymised") != 0;
  o.created_at = row.Int("created_at");
  o.updated_at = row.Int("updated_at");
  return o;
}

std::string ReasonsJson(const std::vector<ScreeningReason>& reasons) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : reasons) out.push_back({{"code", r.code}, {"score", r.score}});
  return out.dump();
}

sql::Params OrderParams(const Order& o, int64_t now) {
  const OrderRequest& r = o.request;
  return {{"id", o.id},
          {"state", Name(o.state)},
          {"step", Name(o.step)},
          {"plan_id", o.plan_id},
          {"plan", r.plan},
          {"reseller_id", o.reseller_id},
          {"amount_minor", o.amount_minor},
          {"currency", o.currency},
          {"contact_name", r.name},
          {"email", r.email},
          {"phone", r.phone},
          {"login", r.login},
          {"domain", r.domain},
          {"billing_name", r.billing_name},
          {"billing_street", r.billing_street},
          {"billing_postcode", r.billing_postcode},
          {"billing_city", r.billing_city},
          {"billing_country", r.billing_country},
          {"tos_version", r.tos_version},
          {"source", o.source},
          {"score", static_cast<int64_t>(o.score)},
          {"verdict", Name(o.verdict)},
          {"reasons", ReasonsJson(o.reasons)},
          {"gateway", o.gateway},
          {"payment", Name(o.payment)},
          {"payment_ref", o.payment_ref},
          {"card_brand", o.card_brand},
          {"card_last4", o.card_last4},
          {"customer_id", o.customer_id},
          {"reject_reason", o.reject_reason},
          {"welcome_message_id", o.welcome_message_id},
          {"now", now}};
}

Result<OrderEvent> EventFromRow(const sql::Row& row) {
  OrderEvent e;
  e.id = row.Int("id");
  e.order_id = row.Int("order_id");
  if (!row.IsNull("from_state")) {
    HP_ASSIGN_OR_RETURN(e.from, ParseColumn<OrderState>(row, "from_state"));
  }
  HP_ASSIGN_OR_RETURN(e.to, ParseColumn<OrderState>(row, "to_state"));
  e.actor = row.Text("actor");
  e.detail = nlohmann::json::parse(row.Text("detail"), nullptr, false);
  e.at = row.Int("at");
  return e;
}

Result<PlanOffer> OfferFromRow(const sql::Row& row) {
  PlanOffer p;
  p.plan_id = row.Int("id");
  p.name = row.Text("name");
  p.reseller_id = row.OptInt("reseller_id");
  p.price_minor = row.Int("price_minor");
  p.currency = row.Text("currency");
  const auto zones = row.OptInt("max_dns_zones");
  p.has_zone = !zones || *zones > 0;
  return p;
}

Result<PaymentAttempt> AttemptFromRow(const sql::Row& row) {
  return PaymentAttempt{row.Int("order_id"), row.Text("operation"), row.Text("idempotency_key"),
                        row.Text("state"), row.Text("outcome")};
}

}  // namespace

Result<Order> OrderRepository::Insert(const Order& order) {
  const int64_t now = clock_.NowMillis();
  sql::Params params = OrderParams(order, now);
  params.erase(params.begin());  // id
  HP_ASSIGN_OR_RETURN(
      int64_t id,
      sql::InsertReturningId(
          db_,
          "INSERT INTO orders (state, step, plan_id, plan, reseller_id, amount_minor, currency, "
          "contact_name, email, phone, login, domain, billing_name, billing_street, "
          "billing_postcode, billing_city, billing_country, tos_version, source, score, verdict, "
          "reasons, gateway, payment, payment_ref, card_brand, card_last4, customer_id, "
          "reject_reason, welcome_message_id, created_at, updated_at) VALUES (:state, :step, "
          ":plan_id, :plan, :reseller_id, :amount_minor, :currency, :contact_name, :email, "
          ":phone, :login, :domain, :billing_name, :billing_street, :billing_postcode, "
          ":billing_city, :billing_country, :tos_version, :source, :score, :verdict, :reasons, "
          ":gateway, :payment, :payment_ref, :card_brand, :card_last4, :customer_id, "
          ":reject_reason, :welcome_message_id, :now, :now)",
          params, "order"));
  return sql::ReadBack(Find(id), "order");
}

Result<std::optional<Order>> OrderRepository::Find(int64_t id) {
  return sql::One<Order>(db_,
                         std::string("SELECT ") + kOrderColumns + " FROM orders WHERE id = :id",
                         {{"id", id}}, &OrderFromRow);
}

Result<std::vector<Order>> OrderRepository::List(const OrderFilter& f) {
  std::string q = std::string("SELECT ") + kOrderColumns + " FROM orders WHERE id > :after";
  sql::Params params{{"after", f.page.after_id}, {"limit", static_cast<int64_t>(f.page.limit)}};
  if (f.reseller_id) {
    q += " AND reseller_id = :reseller";
    params.push_back({"reseller", *f.reseller_id});
  }
  if (f.state) {
    q += " AND state = :state";
    params.push_back({"state", Name(*f.state)});
  }
  q += " ORDER BY id LIMIT :limit";
  return sql::Many<Order>(db_, q, params, &OrderFromRow);
}

Result<std::vector<int64_t>> OrderRepository::IdsIn(OrderState state) {
  return sql::Many<int64_t>(
      db_, "SELECT id FROM orders WHERE state = :state ORDER BY id", {{"state", Name(state)}},
      +[](const sql::Row& row) -> Result<int64_t> { return row.Int("id"); });
}

Status OrderRepository::Update(const Order& order) {
  sql::Params params = OrderParams(order, clock_.NowMillis());
  return sql::ExecOne(
      db_,
      "UPDATE orders SET state = :state, step = :step, plan_id = :plan_id, plan = :plan, "
      "reseller_id = :reseller_id, amount_minor = :amount_minor, currency = :currency, "
      "contact_name = :contact_name, email = :email, phone = :phone, login = :login, "
      "domain = :domain, billing_name = :billing_name, billing_street = :billing_street, "
      "billing_postcode = :billing_postcode, billing_city = :billing_city, "
      "billing_country = :billing_country, tos_version = :tos_version, source = :source, "
      "score = :score, verdict = :verdict, reasons = :reasons, gateway = :gateway, "
      "payment = :payment, payment_ref = :payment_ref, card_brand = :card_brand, "
      "card_last4 = :card_last4, customer_id = :customer_id, reject_reason = :reject_reason, "
      "welcome_message_id = :welcome_message_id, updated_at = :now WHERE id = :id",
      params, Error::NotFound("order " + std::to_string(order.id)));
}

Status OrderRepository::Anonymise(int64_t id) {
  return sql::ExecOne(
      db_,
      "UPDATE orders SET contact_name = '', email = '', phone = '', login = '', domain = '', "
      "billing_name = '', billing_street = '', billing_postcode = '', billing_city = '', "
      "source = '', reject_reason = '', anonymised = 1, updated_at = :now WHERE id = :id",
      {{"id", id}, {"now", clock_.NowMillis()}}, Error::NotFound("order " + std::to_string(id)));
}

Status OrderRepository::AppendEvent(const OrderEvent& e) {
  return sql::Exec(db_,
                   "INSERT INTO order_events (order_id, from_state, to_state, actor, detail, at) "
                   "VALUES (:order, :from, :to, :actor, :detail, :at)",
                   {{"order", e.order_id},
                    {"from", e.from ? sql::Value(Name(*e.from)) : sql::Value()},
                    {"to", Name(e.to)},
                    {"actor", e.actor},
                    {"detail", e.detail.is_null() ? std::string("{}") : e.detail.dump()},
                    {"at", clock_.NowMillis()}});
}

Result<std::vector<OrderEvent>> OrderRepository::Events(int64_t order_id) {
  return sql::Many<OrderEvent>(db_,
                               "SELECT id, order_id, from_state, to_state, actor, detail, at "
                               "FROM order_events WHERE order_id = :order ORDER BY id",
                               {{"order", order_id}}, &EventFromRow);
}

Result<bool> OrderRepository::OpenOrderWithEmail(const std::string& email, int64_t except_id) {
  HP_ASSIGN_OR_RETURN(
      int64_t n, sql::Scalar(db_,
                             std::string("SELECT COUNT(*) AS n FROM orders WHERE email = :email "
                                         "AND id != :other AND state IN ") +
                                 kOpenStates,
                             {{"email", email}, {"other", except_id}}, "n"));
  return n > 0;
}

Result<bool> OrderRepository::OpenOrderWithDomain(const std::string& domain, int64_t except_id) {
  HP_ASSIGN_OR_RETURN(
      int64_t n, sql::Scalar(db_,
                             std::string("SELECT COUNT(*) AS n FROM orders WHERE domain = :domain "
                                         "AND id != :other AND state IN ") +
                                 kOpenStates,
                             {{"domain", domain}, {"other", except_id}}, "n"));
  return n > 0;
}

Result<bool> OrderRepository::OpenOrderWithLogin(const std::string& login, int64_t except_id) {
  HP_ASSIGN_OR_RETURN(
      int64_t n, sql::Scalar(db_,
                             std::string("SELECT COUNT(*) AS n FROM orders WHERE login = :login "
                                         "AND id != :other AND state IN ") +
                                 kOpenStates,
                             {{"login", login}, {"other", except_id}}, "n"));
  return n > 0;
}

Result<bool> OrderRepository::KnownEmail(const std::string& email) {
  HP_ASSIGN_OR_RETURN(int64_t n,
                      sql::Scalar(db_,
                                  "SELECT (SELECT COUNT(*) FROM customers WHERE email = :email) + "
                                  "(SELECT COUNT(*) FROM users WHERE email = :email) AS n",
                                  {{"email", email}}, "n"));
  return n > 0;
}

Result<std::optional<PlanOffer>> OrderRepository::FindOffer(const std::string& name) {
  return sql::One<PlanOffer>(db_,
                             "SELECT id, name, reseller_id, price_minor, currency, max_dns_zones "
                             "FROM plans WHERE name = :name AND orderable = 1",
                             {{"name", name}}, &OfferFromRow);
}

Result<std::vector<PlanOffer>> OrderRepository::ListOffers() {
  return sql::Many<PlanOffer>(db_,
                              "SELECT id, name, reseller_id, price_minor, currency, max_dns_zones "
                              "FROM plans WHERE orderable = 1 ORDER BY id",
                              {}, &OfferFromRow);
}

Status OrderRepository::SetOffer(const std::string& plan, bool orderable, int64_t price_minor,
                                 const std::string& currency) {
  return sql::ExecOne(
      db_,
      "UPDATE plans SET orderable = :orderable, price_minor = :price, "
      "currency = :currency WHERE name = :name",
      {{"orderable", orderable}, {"price", price_minor}, {"currency", currency}, {"name", plan}},
      Error::NotFound("plan '" + plan + "'"));
}

Result<std::optional<PaymentAttempt>> OrderRepository::FindAttempt(int64_t order_id,
                                                                   const std::string& operation) {
  return sql::One<PaymentAttempt>(
      db_,
      "SELECT order_id, operation, idempotency_key, state, outcome FROM order_payments "
      "WHERE order_id = :order AND operation = :op",
      {{"order", order_id}, {"op", operation}}, &AttemptFromRow);
}

Status OrderRepository::BeginAttempt(const PaymentAttempt& a) {
  return sql::Exec(db_,
                   "INSERT INTO order_payments (order_id, operation, idempotency_key, state, "
                   "created_at, updated_at) VALUES (:order, :op, :key, 'started', :now, :now) "
                   "ON CONFLICT (order_id, operation) DO NOTHING",
                   {{"order", a.order_id},
                    {"op", a.operation},
                    {"key", a.idempotency_key},
                    {"now", clock_.NowMillis()}});
}

Status OrderRepository::FinishAttempt(int64_t order_id, const std::string& operation,
                                      const std::string& state, const std::string& outcome) {
  return sql::ExecOne(db_,
                      "UPDATE order_payments SET state = :state, outcome = :outcome, "
                      "updated_at = :now WHERE order_id = :order AND operation = :op",
                      {{"state", state},
                       {"outcome", outcome},
                       {"now", clock_.NowMillis()},
                       {"order", order_id},
                       {"op", operation}},
                      Error::NotFound("payment attempt " + operation));
}

}  // namespace hostplane::controller
