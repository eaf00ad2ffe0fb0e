#pragma once

// The seam to a payment gateway (issue 21): authorise at order, capture once the account is
// active, void when rejected, refund later (recurring billing builds on it). Money is in integer
// minor units. Every call carries an idempotency key that the caller persisted before calling
// (order_payments), so a call repeated after a crash or a timeout has its effect once: the
// gateway answers a repeated key with the first call's result. Card numbers and CVCs never reach
// us: the order form hands the gateway's token, and a result carries the card's brand and last
// four digits only.
//
// Built in: ManualGateway (an administrator marks the order paid) and TestGateway (outcomes by
// token; only when test mode is configured). Stripe is a later slice. Implementations are
// thread-safe.

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace hostplane::controller {

struct Money {
  int64_t minor = 0;
  std::string currency;  // ISO 4217, upper case
};

enum class GatewayOutcome {
  kAuthorised,  // held, to capture later
  kPending,     // waits: for an administrator (manual) or the customer (requires_action)
  kDeclined,    // refused; decline_code says why
  kCaptured,
  kVoided,
  kRefunded,
};

struct GatewayResult {
  GatewayOutcome outcome = GatewayOutcome::kDeclined;
  std::string reference;     // the gateway's id of the payment
  std::string decline_code;  // "card_declined", "insufficient_funds"
  std::string action_url;    // requires_action: where the customer confirms
  std::string card_brand;
  std::string card_last4;
};

struct AuthoriseRequest {
  int64_t order_id = 0;
  Money amount;
  std::string token;  // from the order form; never stored
  std::string idempotency_key;
};

class PaymentGateway {
 public:
  virtual ~PaymentGateway() = default;
  virtual std::string_view name() const = 0;
  // Errors (each retryable with the same key): kUnavailable, kTimeout.
  [[nodiscard]] virtual Result<GatewayResult> Authorise(const AuthoriseRequest& request) = 0;
  // Errors as Authorise; kNotFound for an unknown reference; kConflict when the payment is not
  // in a state that allows it (capturing a voided one).
  [[nodiscard]] virtual Result<GatewayResult> Capture(const std::string& reference,
                                                      const Money& amount,
                                                      const std::string& idempotency_key) = 0;
  [[nodiscard]] virtual Result<GatewayResult> Void(const std::string& reference,
                                                   const std::string& idempotency_key) = 0;
  [[nodiscard]] virtual Result<GatewayResult> Refund(const std::string& reference,
                                                     const Money& amount,
                                                     const std::string& idempotency_key) = 0;
  // The payment's current state as the gateway knows it. Errors: kNotFound.
  [[nodiscard]] virtual Result<GatewayResult> Fetch(const std::string& reference) = 0;
};

}  // namespace hostplane::controller
