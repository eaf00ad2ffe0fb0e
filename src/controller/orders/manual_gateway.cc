#include "controller/orders/manual_gateway.h"

namespace hostplane::controller {

Result<GatewayResult> ManualGateway::Authorise(const AuthoriseRequest& request) {
  GatewayResult r;
  r.outcome = GatewayOutcome::kPending;
  r.reference = "manual-" + std::to_string(request.order_id);
  return r;
}

Result<GatewayResult> ManualGateway::Capture(const std::string& reference, const Money&,
                                             const std::string&) {
  return GatewayResult{GatewayOutcome::kCaptured, reference, "", "", "", ""};
}

Result<GatewayResult> ManualGateway::Void(const std::string& reference, const std::string&) {
  return GatewayResult{GatewayOutcome::kVoided, reference, "", "", "", ""};
}

Result<GatewayResult> ManualGateway::Refund(const std::string& reference, const Money&,
                                            const std::string&) {
  return GatewayResult{GatewayOutcome::kRefunded, reference, "", "", "", ""};
}

Result<GatewayResult> ManualGateway::Fetch(const std::string& reference) {
  return GatewayResult{GatewayOutcome::kPending, reference, "", "", "", ""};
}

}  // namespace hostplane::controller
