#include "controller/orders/order_service.h"

#include "common/crypto.h"
#include "common/failpoint.h"
#include "common/mail/mail_message.h"
#include "controller/auth/source_address.h"
#include "controller/orders/order_input.h"
#include "controller/services/service_support.h"
#include "protocol/validate.h"

namespace hostplane::controller {
namespace {

const std::string kFormActor = "order-form";

nlohmann::json ReasonsJson(const std::vector<ScreeningReason>& reasons) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : reasons) out.push_back({{"code", r.code}, {"score", r.score}});
  return out;
}

// Who provisions an order: the company, or the reseller whose plan was ordered (its customer).
Actor ProvisioningActor(const Order& o) {
  Actor a("order:" + std::to_string(o.id), o.reseller_id ? Role::kReseller : Role::kAdmin);
  a.reseller_id = o.reseller_id;
  return a;
}

std::string FormatMoney(int64_t minor, const std::string& currency) {
  const std::string cents = std::to_string(minor % 100 + 100).substr(1);
  return std::to_string(minor / 100) + "." + cents + " " + currency;
}

Error Conflict(const std::string& field, const std::string& code, const std::string& message) {
  return FieldError(ErrorCode::kConflict, {{field, code}}, message);
}

}  // namespace

OrderService::OrderService(Store& store, Hosting& hosting, PaymentGateway& gateway,
                           auth::OneTimeLinks& links, const Clock& clock, OrderOptions options,
                           std::function<void()> mail_wake)
    : store_(store),
      hosting_(hosting),
      gateway_(gateway),
      links_(links),
      clock_(clock),
      options_(std::move(options)),
      mail_wake_(std::move(mail_wake)),
      per_source_(clock, options_.per_source),
      per_email_(clock, options_.per_email),
      mail_domain_(options_.mail_from.substr(options_.mail_from.rfind('@') + 1)) {}

std::string OrderService::WelcomeMessageId(int64_t order_id) const {
  return "order-" + std::to_string(order_id) + "-welcome@" + mail_domain_;
}

std::string OrderService::RejectionMessageId(int64_t order_id) const {
  return "order-" + std::to_string(order_id) + "-rejected@" + mail_domain_;
}

Result<Order> OrderService::Transition(StoreTxn& tx, Order order, OrderState to,
                                       const std::string& actor, nlohmann::json detail) {
  if (order.state != to && !CanTransition(order.state, to)) {
    return Fail(Conflict("state", "order.bad_transition",
                         "order " + std::to_string(order.id) + " cannot go from " +
                             std::string(Name(order.state)) + " to " + std::string(Name(to))));
  }
  OrderEvent e;
  e.order_id = order.id;
  e.from = order.state;
  e.to = to;
  e.actor = actor;
  e.detail = std::move(detail);
  order.state = to;
  HP_TRY(tx.orders().Update(order));
  HP_TRY(tx.orders().AppendEvent(e));
  return order;
}

Result<SubmitOutcome> OrderService::Submit(const nlohmann::json& body, const std::string& source) {
  HP_ASSIGN_OR_RETURN(const std::string prefix, auth::SourcePrefix(source));
  if (!per_source_.Take(prefix).allowed) {
    return Fail(FieldError(ErrorCode::kLimit, {{"source", "rate.limited"}},
                           "too many orders from this address; try again later"));
  }
  HP_ASSIGN_OR_RETURN(CheckedOrder checked, CheckOrderRequest(body, options_.tos_version));
  const OrderRequest& r = checked.request;
  if (!per_email_.Take(r.email).allowed) {
    return Fail(FieldError(ErrorCode::kLimit, {{"contact.email", "rate.limited"}},
                           "too many orders for this e-mail address; try again later"));
  }
  std::optional<Order> stored;
  HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
    stored.reset();
    HP_ASSIGN_OR_RETURN(auto offer, tx.orders().FindOffer(r.plan));
    if (!offer) {
      return Fail(Error::InvalidField(
          "plan", "plan.not_orderable",
          "the plan " + protocol::QuoteForMessage(r.plan) + " cannot be ordered"));
    }
    HP_ASSIGN_OR_RETURN(auto user, tx.users().FindByLogin(r.login));
    HP_ASSIGN_OR_RETURN(auto customer, tx.customers().FindByLogin(r.login));
    HP_ASSIGN_OR_RETURN(bool ordered, tx.orders().OpenOrderWithLogin(r.login, 0));
    if (user || customer || ordered) {
      return Fail(Conflict("login", "login.taken", "the login '" + r.login + "' is taken"));
    }
    ScreeningFacts facts;
    facts.source = source;
    facts.honeypot_filled = checked.honeypot_filled;
    HP_ASSIGN_OR_RETURN(bool email_customer, tx.orders().KnownEmail(r.email));
    HP_ASSIGN_OR_RETURN(bool email_ordered, tx.orders().OpenOrderWithEmail(r.email, 0));
    facts.email_known = email_customer || email_ordered;
    HP_ASSIGN_OR_RETURN(auto claim, tx.names().ForeignClaim(r.domain, 0, true));
    HP_ASSIGN_OR_RETURN(bool domain_ordered, tx.orders().OpenOrderWithDomain(r.domain, 0));
    facts.domain_known = claim.has_value() || domain_ordered;
    const Decision d = Screen(options_.rules, r, facts);

    Order o;
    o.request = r;
    o.request.payment_token.clear();
    o.plan_id = offer->plan_id;
    o.reseller_id = offer->reseller_id;
    o.amount_minor = offer->price_minor;
    o.currency = offer->currency;
    o.source = source;
    o.score = d.score;
    o.verdict = d.verdict;
    o.reasons = d.reasons;
    o.gateway = std::string(gateway_.name());
    HP_ASSIGN_OR_RETURN(o, tx.orders().Insert(o));
    HP_TRY(tx.orders().AppendEvent({0,
                                    o.id,
                                    std::nullopt,
                                    OrderState::kSubmitted,
                                    kFormActor,
                                    {{"tos_version", r.tos_version}},
                                    0}));
    const nlohmann::json decision = {
        {"verdict", Name(d.verdict)}, {"score", d.score}, {"reasons", ReasonsJson(d.reasons)}};
    HP_ASSIGN_OR_RETURN(o, Transition(tx, o, OrderState::kScreening, "screening", decision));
    if (d.verdict == Verdict::kReject) {
      HP_ASSIGN_OR_RETURN(o, Transition(tx, o, OrderState::kRejected, "screening", decision));
      HP_TRY(tx.orders().Anonymise(o.id));
      HP_ASSIGN_OR_RETURN(o, sql::ReadBack(tx.orders().Find(o.id), "order"));
    } else {
      HP_ASSIGN_OR_RETURN(o, Transition(tx, o, OrderState::kAwaitingPayment, "screening", {}));
      HP_TRY(tx.orders().BeginAttempt(
          {o.id, "authorise", "hp-order-" + std::to_string(o.id) + "-authorise-" + RandomHex(8),
           "started", ""}));
    }
    stored = o;
    return Ok();
  }));
  if (stored->state == OrderState::kRejected) return SubmitOutcome{*stored, "", ""};
  return Authorise(*stored, r.payment_token);
}

Result<SubmitOutcome> OrderService::Authorise(Order order, const std::string& token) {
  HP_ASSIGN_OR_RETURN(auto attempt, store_.Read([&](StoreTxn& tx) {
    return tx.orders().FindAttempt(order.id, "authorise");
  }));
  if (!attempt) return Fail(Error::Internal("order " + std::to_string(order.id) + ": no key"));
  AuthoriseRequest request{
      order.id, {order.amount_minor, order.currency}, token, attempt->idempotency_key};
  // A timeout or an unreachable gateway: the same key again, so it happens once at most.
  Result<GatewayResult> answer = gateway_.Authorise(request);
  for (int i = 0; i < 2 && !answer && answer.error().retryable(); ++i) {
    answer = gateway_.Authorise(request);
  }
  if (!answer) return Fail(answer.error());
  const GatewayResult g = *answer;
  SubmitOutcome out;
  HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
    HP_ASSIGN_OR_RETURN(auto current, tx.orders().Find(order.id));
    if (!current) return Fail(Error::NotFound("order " + std::to_string(order.id)));
    Order o = *current;
    o.payment_ref = g.reference;
    o.card_brand = g.card_brand;
    o.card_last4 = g.card_last4;
    nlohmann::json detail = {{"gateway", o.gateway}, {"reference", g.reference}};
    switch (g.outcome) {
      case GatewayOutcome::kDeclined: {
        HP_TRY(tx.orders().FinishAttempt(o.id, "authorise", "failed", g.decline_code));
        o.payment = PaymentState::kDeclined;
        detail["decline_code"] = g.decline_code;
        HP_ASSIGN_OR_RETURN(o, Transition(tx, o, OrderState::kRejected, "payment", detail));
        HP_TRY(tx.orders().Anonymise(o.id));
        HP_ASSIGN_OR_RETURN(o, sql::ReadBack(tx.orders().Find(o.id), "order"));
        out.decline_code = g.decline_code;
        break;
      }
      case GatewayOutcome::kPending:
        HP_TRY(tx.orders().FinishAttempt(o.id, "authorise", "done", "pending"));
        o.payment = PaymentState::kPending;
        HP_TRY(tx.orders().Update(o));
        out.action_url = g.action_url;
        break;
      case GatewayOutcome::kAuthorised: {
        HP_TRY(tx.orders().FinishAttempt(o.id, "authorise", "done", "authorised"));
        o.payment = PaymentState::kAuthorised;
        const OrderState next =
            o.verdict == Verdict::kReview ? OrderState::kInReview : OrderState::kAccepted;
        HP_ASSIGN_OR_RETURN(o, Transition(tx, o, next, "payment", detail));
        break;
      }
      default:
        return Fail(Error::Internal("payment gateway: unexpected answer to an authorisation"));
    }
    out.order = o;
    return Ok();
  }));
  if (out.order.state == OrderState::kAccepted) {
    // Provisioning starts now; a step that fails is retried by AdvanceAll.
    if (auto advanced = Advance(out.order.id)) out.order = *advanced;
  }
  return out;
}

Result<Order> OrderService::Load(const Actor& actor, int64_t id, Action action) {
  HP_ASSIGN_OR_RETURN(auto o, store_.Read([&](StoreTxn& tx) { return tx.orders().Find(id); }));
  const Error missing = Error::NotFound("order " + std::to_string(id));
  if (!o) return Fail(missing);
  HP_TRY(hosting_.runner().authorizer().Allow(
      actor, action, {"order", std::to_string(id), {std::nullopt, o->reseller_id}}, missing));
  return *o;
}

Result<std::vector<Order>> OrderService::List(const Actor& actor, OrderFilter filter) {
  HP_ASSIGN_OR_RETURN(Scope scope,
                      hosting_.runner().authorizer().ScopeOf(actor, Action::kOrderList, "orders"));
  filter.reseller_id = scope.reseller();
  if (scope.customer()) return Fail(Error::Forbidden("customers have no order list"));
  return store_.Read([&](StoreTxn& tx) { return tx.orders().List(filter); });
}

Result<OrderDetail> OrderService::Get(const Actor& actor, int64_t id) {
  HP_ASSIGN_OR_RETURN(Order o, Load(actor, id, Action::kOrderRead));
  HP_ASSIGN_OR_RETURN(auto events,
                      store_.Read([&](StoreTxn& tx) { return tx.orders().Events(id); }));
  return OrderDetail{std::move(o), std::move(events)};
}

Result<Order> OrderService::Accept(const Actor& actor, int64_t id) {
  HP_TRY(Load(actor, id, Action::kOrderAccept));
  HP_TRY(
      hosting_.runner().Run(actor, "order.accept", [&](ChangeContext& change) -> Result<int64_t> {
        StoreTxn& tx = change.tx();
        HP_ASSIGN_OR_RETURN(Order o, sql::ReadBack(tx.orders().Find(id), "order"));
        OrderState to;
        if (o.state == OrderState::kInReview) {
          if (o.payment != PaymentState::kAuthorised && o.payment != PaymentState::kCaptured) {
            return Fail(Conflict("payment", "order.unpaid",
                                 "order " + std::to_string(id) + " is not paid"));
          }
          to = OrderState::kAccepted;
        } else if (o.state == OrderState::kProvisioningFailed) {
          to = OrderState::kProvisioning;
        } else {
          return Fail(Conflict("state", "order.not_reviewable",
                               "order " + std::to_string(id) + " is " + std::string(Name(o.state)) +
                                   ", not waiting for a review"));
        }
        HP_ASSIGN_OR_RETURN(o, Transition(tx, o, to, actor.name, {}));
        HP_TRY(change.Audit("order.accept", "order:" + std::to_string(id), nullptr,
                            {{"state", Name(o.state)}}, std::nullopt));
        return id;
      }));
  return Advance(id);
}

Result<Order> OrderService::MarkPaid(const Actor& actor, int64_t id) {
  HP_TRY(Load(actor, id, Action::kOrderMarkPaid));
  HP_TRY(hosting_.runner().Run(
      actor, "order.mark_paid", [&](ChangeContext& change) -> Result<int64_t> {
        StoreTxn& tx = change.tx();
        HP_ASSIGN_OR_RETURN(Order o, sql::ReadBack(tx.orders().Find(id), "order"));
        if (o.state != OrderState::kAwaitingPayment || o.payment != PaymentState::kPending ||
            o.gateway != "manual") {
          return Fail(
              Conflict("payment", "order.not_awaiting_payment",
                       "order " + std::to_string(id) + " is not waiting for a manual payment"));
        }
        o.payment = PaymentState::kCaptured;
        const OrderState next =
            o.verdict == Verdict::kReview ? OrderState::kInReview : OrderState::kAccepted;
        HP_ASSIGN_OR_RETURN(o, Transition(tx, o, next, actor.name, {{"payment", "marked_paid"}}));
        HP_TRY(change.Audit("order.mark_paid", "order:" + std::to_string(id), nullptr,
                            {{"state", Name(o.state)}}, std::nullopt));
        return id;
      }));
  HP_ASSIGN_OR_RETURN(auto o, store_.Read([&](StoreTxn& tx) { return tx.orders().Find(id); }));
  if (o && o->state == OrderState::kAccepted) return Advance(id);
  return sql::ReadBack(Result<std::optional<Order>>(o), "order");
}

Result<Order> OrderService::Reject(const Actor& actor, int64_t id, const std::string& reason) {
  auto checked = protocol::CheckText(reason, 2000, true, "reason");
  if (!checked) {
    protocol::FieldErrors errors;
    errors.Add("reason", checked.error());
    return Fail(errors.ToError());
  }
  HP_ASSIGN_OR_RETURN(Order loaded, Load(actor, id, Action::kOrderReject));
  if (IsFinal(loaded.state) || !CanTransition(loaded.state, OrderState::kRejected)) {
    return Fail(Conflict("state", "order.not_rejectable",
                         "order " + std::to_string(id) + " is " + std::string(Name(loaded.state)) +
                             " and cannot be rejected"));
  }
  // The hold on the card goes first; its key is persisted before the call.
  bool voided = false;
  if ((loaded.payment == PaymentState::kAuthorised || loaded.payment == PaymentState::kPending) &&
      !loaded.payment_ref.empty()) {
    HP_TRY(store_.Write([&](StoreTxn& tx) {
      return tx.orders().BeginAttempt(
          {id, "void", "hp-order-" + std::to_string(id) + "-void-" + RandomHex(8), "started", ""});
    }));
    HP_ASSIGN_OR_RETURN(auto attempt, store_.Read([&](StoreTxn& tx) {
      return tx.orders().FindAttempt(id, "void");
    }));
    HP_ASSIGN_OR_RETURN(GatewayResult g,
                        gateway_.Void(loaded.payment_ref, attempt->idempotency_key));
    (void)g;
    voided = true;
  }
  const std::string text = "Hello " + loaded.request.name + ",\n\nyour order " +
                           std::to_string(id) + " (plan " + loaded.request.plan + ", " +
                           loaded.request.domain + ") was not accepted.\n\nReason:\n" + *checked +
                           "\n\n" + (voided ? "The hold on your card has been released.\n\n" : "") +
                           options_.company + "\n";
  HP_ASSIGN_OR_RETURN(
      mail::OutboxEntry mail,
      RenderMail(loaded.request.email, "Your order " + std::to_string(id) + " was not accepted",
                 text, RejectionMessageId(id)));
  std::optional<Order> out;
  HP_TRY(
      hosting_.runner().Run(actor, "order.reject", [&](ChangeContext& change) -> Result<int64_t> {
        StoreTxn& tx = change.tx();
        HP_ASSIGN_OR_RETURN(Order o, sql::ReadBack(tx.orders().Find(id), "order"));
        if (voided) {
          HP_TRY(tx.orders().FinishAttempt(id, "void", "done", "voided"));
          o.payment = PaymentState::kVoided;
        }
        HP_ASSIGN_OR_RETURN(o, Transition(tx, o, OrderState::kRejected, actor.name,
                                          {{"by", "review"}, {"voided", voided}}));
        HP_TRY(tx.outbox().Enqueue(mail));
        HP_TRY(tx.orders().Anonymise(id));
        // The audit keeps that it happened and why, not who the customer was.
        HP_TRY(change.Audit("order.reject", "order:" + std::to_string(id), nullptr,
                            {{"state", "rejected"}, {"voided", voided}}, std::nullopt));
        HP_ASSIGN_OR_RETURN(o, sql::ReadBack(tx.orders().Find(id), "order"));
        out = o;
        return id;
      }));
  if (mail_wake_) mail_wake_();
  return *out;
}

Result<mail::OutboxEntry> OrderService::RenderMail(const std::string& to,
                                                   const std::string& subject,
                                                   const std::string& body,
                                                   const std::string& message_id) const {
  mail::MailMessage m;
  m.from = {options_.company, options_.mail_from};
  m.to = {{"", to}};
  m.subject = subject;
  m.text_body = body;
  m.message_id = message_id;
  m.date_ms = clock_.NowMillis();
  HP_ASSIGN_OR_RETURN(std::string bytes, mail::RenderMessage(m));
  mail::OutboxEntry e;
  e.message_id = message_id;
  e.envelope = {options_.mail_from, {to}};
  e.bytes = std::move(bytes);
  e.next_attempt_ms = clock_.NowMillis();
  return e;
}

Status OrderService::AdvanceAll() {
  // One order that cannot go on does not hold up the others; the first error is returned.
  std::optional<Error> first;
  for (OrderState s : {OrderState::kAccepted, OrderState::kProvisioning}) {
    HP_ASSIGN_OR_RETURN(auto ids, store_.Read([&](StoreTxn& tx) { return tx.orders().IdsIn(s); }));
    for (int64_t id : ids) {
      auto advanced = Advance(id);
      if (!advanced && !first) first = advanced.error().Wrap("order " + std::to_string(id));
    }
  }
  if (first) return Fail(*first);
  return Ok();
}

Result<Order> OrderService::Advance(int64_t id) {
  for (int guard = 0; guard < 16; ++guard) {
    HP_ASSIGN_OR_RETURN(auto current,
                        store_.Read([&](StoreTxn& tx) { return tx.orders().Find(id); }));
    if (!current) return Fail(Error::NotFound("order " + std::to_string(id)));
    const Order before = *current;
    if (before.state != OrderState::kAccepted && before.state != OrderState::kProvisioning) {
      return before;
    }
    HP_ASSIGN_OR_RETURN(Order after, Step(before));
    if (after.state == before.state && after.step == before.step) return after;  // waits
  }
  return Fail(Error::Internal("order " + std::to_string(id) + ": provisioning does not settle"));
}

Result<Order> OrderService::StepInChange(
    const Order& order, std::string_view operation,
    const std::function<Status(ChangeContext&, Order&)>& effect) {
  std::optional<Order> out;
  const Actor actor = ProvisioningActor(order);
  HP_TRY(hosting_.runner().Run(actor, operation, [&](ChangeContext& change) -> Result<int64_t> {
    StoreTxn& tx = change.tx();
    HP_ASSIGN_OR_RETURN(Order o, sql::ReadBack(tx.orders().Find(order.id), "order"));
    // Another thread did this step already: nothing to do twice.
    if (o.state != order.state || o.step != order.step) {
      out = o;
      return o.id;
    }
    const ProvisionStep step = o.step;
    HP_TRY(effect(change, o));
    HP_TRY(tx.orders().Update(o));
    if (o.state == order.state) {
      HP_TRY(tx.orders().AppendEvent({0,
                                      o.id,
                                      o.state,
                                      o.state,
                                      actor.name,
                                      {{"step", Name(step)}, {"next", Name(o.step)}},
                                      0}));
    }
    out = o;
    return o.id;
  }));
  return *out;
}

Result<Order> OrderService::Step(const Order& order) {
  if (order.state == OrderState::kAccepted) {
    return StepInChange(order, "order.start", [&](ChangeContext& change, Order& o) -> Status {
      HP_ASSIGN_OR_RETURN(
          o, Transition(change.tx(), o, OrderState::kProvisioning, ProvisioningActor(o).name, {}));
      return Ok();
    });
  }
  const OrderRequest& r = order.request;
  switch (order.step) {
    case ProvisionStep::kCustomer:
      return StepInChange(order, "order.customer", [&](ChangeContext& change, Order& o) -> Status {
        NewCustomer in;
        in.customer.login = r.login;
        in.customer.name = r.name;
        in.customer.email = r.email;
        in.plan = r.plan;
        HP_ASSIGN_OR_RETURN(Customer c, hosting_.customers().Create(change, in));
        // Its login, without a password: the welcome mail's one-time link sets it.
        User login;
        login.login = c.login;
        login.email = c.email;
        login.name = c.name;
        login.role = "customer";
        login.customer_id = c.id;
        HP_TRY(change.tx().users().Insert(login));
        o.customer_id = c.id;
        o.step = ProvisionStep::kSite;
        return Ok();
      });
    case ProvisionStep::kSite:
      return StepInChange(order, "order.site", [&](ChangeContext& change, Order& o) -> Status {
        HP_ASSIGN_OR_RETURN(NewSite site,
                            hosting_.sites().CheckNew({r.domain, r.login, {}, std::nullopt}));
        HP_TRY(hosting_.sites().Create(change, site));
        o.step = ProvisionStep::kZone;
        return Ok();
      });
    case ProvisionStep::kZone: {
      HP_ASSIGN_OR_RETURN(auto offer, store_.Read([&](StoreTxn& tx) {
        return tx.orders().FindOffer(order.request.plan);
      }));
      HP_ASSIGN_OR_RETURN(auto nodes, store_.ListNodes());
      bool dns_node = false;
      for (const Node& n : nodes) {
        for (const auto& role : n.roles) dns_node = dns_node || role == "dns";
      }
      const bool zone = dns_node && (!offer || offer->has_zone);
      return StepInChange(order, "order.zone", [&](ChangeContext& change, Order& o) -> Status {
        if (zone) {
          HP_ASSIGN_OR_RETURN(NewZone z, DnsService::CheckZone({r.domain, r.login}));
          HP_TRY(hosting_.dns().AddZone(change, z));
        }
        o.step = ProvisionStep::kWaitTasks;
        return Ok();
      });
    }
    case ProvisionStep::kWaitTasks: {
      if (!order.customer_id) return Fail(Error::Internal("order without its customer"));
      HP_ASSIGN_OR_RETURN(auto tasks, store_.Read([&](StoreTxn& tx) {
        TaskFilter f;
        f.page = {0, 10'000};
        return tx.tasks().List(Scope::Customer(*order.customer_id), f);
      }));
      bool failed = false;
      for (const TaskRecord& t : tasks) {
        if (!IsFinal(t.state)) return order;  // waits for the agents
        failed = failed || t.state == TaskState::kFailed;
      }
      return StepInChange(order, "order.tasks", [&](ChangeContext& change, Order& o) -> Status {
        if (failed) {
          HP_ASSIGN_OR_RETURN(o, Transition(change.tx(), o, OrderState::kProvisioningFailed,
                                            ProvisioningActor(o).name,
                                            {{"step", "wait_tasks"}, {"error", "a task failed"}}));
          return Ok();
        }
        o.step = ProvisionStep::kCapture;
        return Ok();
      });
    }
    case ProvisionStep::kCapture:
      return Capture(order);
    case ProvisionStep::kWelcome:
      return Welcome(order);
    case ProvisionStep::kDone:
      return order;
  }
  return order;
}

Result<Order> OrderService::Capture(const Order& order) {
  const bool call = order.payment == PaymentState::kAuthorised;
  if (call) {
    HP_TRY(store_.Write([&](StoreTxn& tx) {
      return tx.orders().BeginAttempt(
          {order.id, "capture", "hp-order-" + std::to_string(order.id) + "-capture-" + RandomHex(8),
           "started", ""});
    }));
    HP_ASSIGN_OR_RETURN(auto attempt, store_.Read([&](StoreTxn& tx) {
      return tx.orders().FindAttempt(order.id, "capture");
    }));
    Result<GatewayResult> g = gateway_.Capture(
        order.payment_ref, {order.amount_minor, order.currency}, attempt->idempotency_key);
    if (!g) return Fail(g.error().Wrap("capturing order " + std::to_string(order.id)));
    if (failpoint::AnyEnabled()) HP_TRY(failpoint::Hit("order.capture.after_call"));
  }
  return StepInChange(order, "order.capture", [&](ChangeContext& change, Order& o) -> Status {
    if (call) {
      HP_TRY(change.tx().orders().FinishAttempt(o.id, "capture", "done", "captured"));
      o.payment = PaymentState::kCaptured;
    }
    o.step = ProvisionStep::kWelcome;
    return Ok();
  });
}

Result<Order> OrderService::Welcome(const Order& order) {
  HP_ASSIGN_OR_RETURN(auto login, store_.Read([&](StoreTxn& tx) {
    return tx.users().FindCustomerLogin(order.customer_id.value_or(0));
  }));
  if (!login) return Fail(Error::Internal("order " + std::to_string(order.id) + ": no login"));
  // A new link each time this step runs (an earlier one stops working); the mail itself is
  // enqueued once, by its Message-ID, with the order going active.
  HP_ASSIGN_OR_RETURN(auth::IssuedLink link,
                      links_.Issue(auth::LinkPurpose::kPasswordReset, std::to_string(login->id),
                                   options_.password_path, options_.password_link_ttl));
  const OrderRequest& r = order.request;
  const std::string text =
      "Hello " + r.name + ",\n\nyour hosting account is ready.\n\n" + "Login: " + r.login +
      "\nPanel: " + options_.panel_url + "\nPlan: " + r.plan + " (" +
      FormatMoney(order.amount_minor, order.currency) + ")\nWebsite: " + r.domain +
      "\n\nSet your password here (the link works once and expires in " +
      std::to_string(options_.password_link_ttl.count() / 3600) + " hours):\n" + link.url + "\n\n" +
      options_.company + "\n";
  HP_ASSIGN_OR_RETURN(mail::OutboxEntry mail,
                      RenderMail(r.email, "Your hosting account " + r.login + " is ready", text,
                                 WelcomeMessageId(order.id)));
  HP_ASSIGN_OR_RETURN(
      Order out,
      StepInChange(order, "order.welcome", [&](ChangeContext& change, Order& o) -> Status {
        HP_TRY(change.tx().outbox().Enqueue(mail));
        o.welcome_message_id = mail.message_id;
        o.step = ProvisionStep::kDone;
        HP_ASSIGN_OR_RETURN(
            o, Transition(change.tx(), o, OrderState::kActive, ProvisioningActor(o).name,
                          {{"welcome", mail.message_id}}));
        return Ok();
      }));
  if (mail_wake_) mail_wake_();
  return out;
}

}  // namespace hostplane::controller
