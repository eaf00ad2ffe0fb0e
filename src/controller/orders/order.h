#pragma once

// An order and what the store keeps of it (issue 21): the canonical form of what was submitted,
// where it is in its state machine (order_state.h), the screening's decision with its reasons,
// the payment's gateway reference (never a card number or CVC: brand and last 4 only) and, once
// provisioned, the customer it became. A rejected order keeps only an anonymised row: its state,
// plan, amount, country, score and reasons, for statistics; its events and the audit log stay.
// Plain values; any thread may copy them.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "controller/orders/order_state.h"

namespace hostplane::controller {

// The payment as the order sees it. pending: waits for an administrator (manual gateway) or for
// the customer (requires_action).
enum class PaymentState { kNone, kPending, kAuthorised, kCaptured, kVoided, kDeclined };
std::string_view Name(PaymentState s);
template <>
inline constexpr PaymentState kLastState<PaymentState> = PaymentState::kDeclined;

// The screening's verdict: go on without a person, ask one (review queue), or refuse.
enum class Verdict { kAccept, kReview, kReject };
std::string_view Name(Verdict v);
template <>
inline constexpr Verdict kLastState<Verdict> = Verdict::kReject;

// What the order form asks, in canonical form (OrderInput's Check).
struct OrderRequest {
  std::string plan;
  std::string name;  // contact
  std::string email;
  std::string phone;
  std::string login;  // the desired customer login
  std::string domain;
  std::string billing_name;
  std::string billing_street;
  std::string billing_postcode;
  std::string billing_city;
  std::string billing_country;  // ISO 3166-1 alpha-2, upper case
  std::string tos_version;
  std::string payment_token;  // for the gateway; never stored
};

// One reason of a screening decision: a stable code ("email.disposable") and its weight.
struct ScreeningReason {
  std::string code;
  int score = 0;
  bool operator==(const ScreeningReason&) const = default;
};

struct Order {
  int64_t id = 0;
  OrderState state = OrderState::kSubmitted;
  ProvisionStep step = ProvisionStep::kCustomer;
  OrderRequest request;  // payment_token always empty here
  int64_t plan_id = 0;
  std::optional<int64_t> reseller_id;  // the plan's owner
  int64_t amount_minor = 0;
  std::string currency;
  std::string source;  // the submitting address
  int score = 0;
  Verdict verdict = Verdict::kAccept;
  std::vector<ScreeningReason> reasons;
  std::string gateway;
  PaymentState payment = PaymentState::kNone;
  std::string payment_ref;
  std::string card_brand;
  std::string card_last4;
  std::optional<int64_t> customer_id;
  std::string reject_reason;
  std::string welcome_message_id;
  bool anonymised = false;
  int64_t created_at = 0;
  int64_t updated_at = 0;
};

// One transition, as order_events keeps it.
struct OrderEvent {
  int64_t id = 0;
  int64_t order_id = 0;
  std::optional<OrderState> from;
  OrderState to = OrderState::kSubmitted;
  std::string actor;
  nlohmann::json detail;  // reasons, step, payment outcome
  int64_t at = 0;
};

// A plan that can be ordered, with its price.
struct PlanOffer {
  int64_t plan_id = 0;
  std::string name;
  std::optional<int64_t> reseller_id;
  int64_t price_minor = 0;
  std::string currency;
  bool has_zone = true;  // the plan allows a DNS zone
};

}  // namespace hostplane::controller
