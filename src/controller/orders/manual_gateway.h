#pragma once

// The manual gateway: nothing is charged by us. Authorise leaves the order pending until an
// administrator marks it paid (the money came by bank transfer, say); capture, void and refund
// are bookkeeping only and always succeed. Stateless; thread-safe.

#include "controller/orders/payment_gateway.h"

namespace hostplane::controller {

class ManualGateway final : public PaymentGateway {
 public:
  std::string_view name() const override { return "manual"; }
  Result<GatewayResult> Authorise(const AuthoriseRequest& request) override;
  Result<GatewayResult> Capture(const std::string& reference, const Money& amount,
                                const std::string& idempotency_key) override;
  Result<GatewayResult> Void(const std::string& reference,
                             const std::string& idempotency_key) override;
  Result<GatewayResult> Refund(const std::string& reference, const Money& amount,
                               const std::string& idempotency_key) override;
  Result<GatewayResult> Fetch(const std::string& reference) override;
};

}  // namespace hostplane::controller
