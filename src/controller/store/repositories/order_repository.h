#pragma once

// Orders (issue 21): the order rows, their events (one per transition, written by the caller in
// the same transaction as the transition's effects), the idempotency keys of the payment
// gateway calls, and the orderable plans with their prices. Lives inside one StoreTxn; not
// thread-safe.

#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "controller/orders/order.h"
#include "controller/store/entities.h"
#include "controller/store/sql.h"

namespace hostplane::controller {

// One call to a payment gateway, keyed before it is made. started: made (or about to be) with no
// answer recorded; done/failed: the answer (outcome, the gateway's result as JSON).
struct PaymentAttempt {
  int64_t order_id = 0;
  std::string operation;  // "authorise", "capture", "void"
  std::string idempotency_key;
  std::string state;  // "started", "done", "failed"
  std::string outcome;
};

struct OrderFilter {
  std::optional<int64_t> reseller_id;  // a reseller's own orders
  std::optional<OrderState> state;
  Page page;
};

class OrderRepository {
 public:
  OrderRepository(sql::Connection& db, const Clock& clock) : db_(db), clock_(clock) {}

  // A new order (its id set, created_at/updated_at now). Errors: the backend's.
  Result<Order> Insert(const Order& order);
  Result<std::optional<Order>> Find(int64_t id);
  // Oldest first. Errors: the backend's.
  Result<std::vector<Order>> List(const OrderFilter& filter);
  // Ids of orders in state (the resume after a restart), oldest first.
  Result<std::vector<int64_t>> IdsIn(OrderState state);
  // Writes every mutable column of order (state, step, payment, customer, ...); updated_at now.
  // Errors: kNotFound when it is gone.
  [[nodiscard]] Status Update(const Order& order);
  // Clears the personal data of the order (contact, login, domain, billing, source), keeping
  // plan, amount, country, state, score and reasons. Errors: kNotFound.
  [[nodiscard]] Status Anonymise(int64_t id);

  [[nodiscard]] Status AppendEvent(const OrderEvent& event);
  Result<std::vector<OrderEvent>> Events(int64_t order_id);

  // Whether an open order (not final) other than except_id has this e-mail address / domain.
  Result<bool> OpenOrderWithEmail(const std::string& email, int64_t except_id);
  Result<bool> OpenOrderWithDomain(const std::string& domain, int64_t except_id);
  Result<bool> OpenOrderWithLogin(const std::string& login, int64_t except_id);
  // Whether a customer or a login has this e-mail address.
  Result<bool> KnownEmail(const std::string& email);

  // The orderable plan called name; nullopt when there is none or it is not orderable.
  Result<std::optional<PlanOffer>> FindOffer(const std::string& name);
  Result<std::vector<PlanOffer>> ListOffers();
  // Makes a plan orderable (or not) at a price. Errors: kNotFound for an unknown plan.
  [[nodiscard]] Status SetOffer(const std::string& plan, bool orderable, int64_t price_minor,
                                const std::string& currency);

  Result<std::optional<PaymentAttempt>> FindAttempt(int64_t order_id, const std::string& operation);
  // Persists the key of a call about to be made; a second Begin for the same order and
  // operation keeps the first (the retry reuses its key).
  [[nodiscard]] Status BeginAttempt(const PaymentAttempt& attempt);
  [[nodiscard]] Status FinishAttempt(int64_t order_id, const std::string& operation,
                                     const std::string& state, const std::string& outcome);

 private:
  sql::Connection& db_;
  const Clock& clock_;
};

}  // namespace hostplane::controller
