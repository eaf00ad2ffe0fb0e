#pragma once

// The order pipeline (issue 21, first slice): an order submitted through the API is checked
// field by field, rate-limited per source address and per e-mail address, screened (score with
// thresholds: auto-accept, review, reject; every reason kept), its payment authorised through the
// PaymentGateway, reviewed by an administrator (or the plan's reseller) when the screening asks
// for it, then provisioned through the same service steps as the API (customer and its login,
// site, zone as the plan gives) and, once every task is applied, captured and welcomed by mail.
//
// Every transition is an order_events row committed with its effects. Provisioning runs in the
// order's own steps (order_state.h ProvisionStep), each one change: the step's effect and the
// move to the next step commit together, so a controller killed anywhere resumes with Advance and
// no step has its effect twice. Gateway calls are keyed by an idempotency key persisted before
// the call (order_payments). Failpoints: "order.<step>.before_commit" / ".after_commit" for the
// steps customer, site, zone, capture, welcome (ChangeRunner), plus "order.capture.after_call"
// (the gateway captured, nothing recorded yet).
//
// Thread-safe; Advance of one order should run on one thread at a time (the worker and a
// request may race harmlessly: each step re-reads the order in its transaction).

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/mail/outbox_store.h"
#include "controller/auth/one_time_links.h"
#include "controller/auth/rate_limiter.h"
#include "controller/orders/order.h"
#include "controller/orders/payment_gateway.h"
#include "controller/orders/screening.h"
#include "controller/services/hosting.h"

namespace hostplane::controller {

struct OrderOptions {
  std::string tos_version = "1";
  ScreeningRules rules;
  auth::BucketPolicy per_source{5, 5.0 / 3600};  // orders per source prefix: 5 an hour
  auth::BucketPolicy per_email{3, 3.0 / 86400};  // per e-mail address: 3 a day
  std::string mail_from = "orders@hostplane.example";
  std::string company = "hostplane";
  std::string panel_url = "https://panel.hostplane.example/";  // named in the welcome mail
  std::string password_path = "/set-password";                 // the one-time link's page
  std::chrono::seconds password_link_ttl{72 * 3600};
};

// The answer to a submission: the order as stored, and what the customer must be told.
struct SubmitOutcome {
  Order order;
  std::string decline_code;  // the gateway declined the card: "card_declined", ...
  std::string action_url;    // the gateway wants the customer to confirm (requires_action)
};

struct OrderDetail {
  Order order;
  std::vector<OrderEvent> events;
};

class OrderService {
 public:
  // Everything must outlive the service. mail_wake is called after a mail was enqueued
  // (MailSender::Wake); may be empty.
  OrderService(Store& store, Hosting& hosting, PaymentGateway& gateway, auth::OneTimeLinks& links,
               const Clock& clock, OrderOptions options, std::function<void()> mail_wake = {});

  // A new order from the public form. Errors, nothing stored: kInvalid with every field's code
  // (order_input.h; "plan": "plan.not_orderable"); kConflict {"login": "login.taken"}; kLimit
  // {"source": "rate.limited"} or {"contact.email": "rate.limited"}. A screening rejection or a
  // declined card is not an error: the order comes back rejected with its reasons (and its
  // personal data already gone), or with decline_code.
  Result<SubmitOutcome> Submit(const nlohmann::json& body, const std::string& source);

  Result<std::vector<Order>> List(const Actor& actor, OrderFilter filter);
  Result<OrderDetail> Get(const Actor& actor, int64_t id);
  // in_review (paid or authorised) -> accepted, or provisioning_failed -> provisioning; then
  // provisions. Errors: kNotFound; kConflict {"state": "order.not_reviewable"} /
  // {"payment": "order.unpaid"}.
  Result<Order> Accept(const Actor& actor, int64_t id);
  // -> rejected: the authorisation voided, the reason mailed, the personal data deleted (the
  // anonymised row, its events and the audit entry stay). Errors: kNotFound; kInvalid
  // {"reason": "reason.*"}; kConflict {"state": "order.not_rejectable"}.
  Result<Order> Reject(const Actor& actor, int64_t id, const std::string& reason);
  // The manual gateway's payment arrived: payment captured; the order goes on (review or
  // provisioning). Errors: kNotFound; kConflict {"payment": "order.not_awaiting_payment"}.
  Result<Order> MarkPaid(const Actor& actor, int64_t id);

  // Runs the next provisioning steps of an accepted or provisioning order until it waits for
  // its tasks or is active. Returns the order as it then is. Errors: a step's (the order stays
  // where it was and is tried again), kNotFound.
  Result<Order> Advance(int64_t id);
  // Advance for every accepted or provisioning order (after a start, and periodically).
  [[nodiscard]] Status AdvanceAll();

  // The fixed Message-ID of an order's welcome mail.
  std::string WelcomeMessageId(int64_t order_id) const;
  std::string RejectionMessageId(int64_t order_id) const;

 private:
  Result<Order> Transition(StoreTxn& tx, Order order, OrderState to, const std::string& actor,
                           nlohmann::json detail);
  Result<Order> Load(const Actor& actor, int64_t id, Action action);
  Result<SubmitOutcome> Authorise(Order order, const std::string& token);
  Result<Order> Step(const Order& order);
  Result<Order> StepInChange(const Order& order, std::string_view operation,
                             const std::function<Status(ChangeContext&, Order&)>& effect);
  Result<Order> Capture(const Order& order);
  Result<Order> Welcome(const Order& order);
  Result<mail::OutboxEntry> RenderMail(const std::string& to, const std::string& subject,
                                       const std::string& body,
                                       const std::string& message_id) const;

  Store& store_;
  Hosting& hosting_;
  PaymentGateway& gateway_;
  auth::OneTimeLinks& links_;
  const Clock& clock_;
  const OrderOptions options_;
  std::function<void()> mail_wake_;
  auth::RateLimiter per_source_;
  auth::RateLimiter per_email_;
  std::string mail_domain_;
};

}  // namespace hostplane::controller
