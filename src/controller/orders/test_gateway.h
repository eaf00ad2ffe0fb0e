#pragma once

// The test gateway: outcomes chosen by the token the order form sends, for tests and for trying
// the order flow without money. Created only when payments.test_mode is configured
// (docs/orders.md lists the tokens):
//   tok_approve                authorised (Visa ending 4242)
//   tok_decline                declined, card_declined
//   tok_insufficient_funds     declined, insufficient_funds
//   tok_requires_action        pending, with an action_url for the customer
//   tok_timeout_after_success  authorised at the gateway, but the first answer is a kTimeout;
//                              a retry with the same idempotency key returns the authorisation
// Every call is remembered by idempotency key (a repeat returns the first result and does
// nothing), and the calls' effects are counted, so tests can show "one capture". Like a real
// gateway it outlives the controller when given a state file (rewritten after every change, a
// rename over the old one): a restarted controller finds the payments it authorised. Without
// one it is in memory. Thread-safe.

#include <map>
#include <mutex>
#include <set>
#include <string>

#include "controller/orders/payment_gateway.h"

namespace hostplane::controller {

class TestGateway final : public PaymentGateway {
 public:
  // state_path: the file its payments live in ("" = memory only); read if it exists.
  explicit TestGateway(std::string state_path = "");
  std::string_view name() const override { return "test"; }
  Result<GatewayResult> Authorise(const AuthoriseRequest& request) override;
  Result<GatewayResult> Capture(const std::string& reference, const Money& amount,
                                const std::string& idempotency_key) override;
  Result<GatewayResult> Void(const std::string& reference,
                             const std::string& idempotency_key) override;
  Result<GatewayResult> Refund(const std::string& reference, const Money& amount,
                               const std::string& idempotency_key) override;
  Result<GatewayResult> Fetch(const std::string& reference) override;

  // Effects so far (repeats by key not counted).
  int captures() const;
  int voids() const;

 private:
  Result<GatewayResult> Change(const std::string& reference, const std::string& key,
                               GatewayOutcome from, GatewayOutcome to, int& counter);

  void Load();
  void Save() const;  // with mu_ held

  std::string state_path_;
  mutable std::mutex mu_;
  std::map<std::string, GatewayResult> by_key_;
  std::map<std::string, GatewayResult> payments_;  // by reference
  std::set<std::string> timed_out_once_;
  int next_ = 1;
  int captures_ = 0;
  int voids_ = 0;
  int refunds_ = 0;
};

}  // namespace hostplane::controller
