#include "controller/orders/order_state.h"

namespace hostplane::controller {

std::string_view Name(OrderState s) {
  switch (s) {
    case OrderState::kSubmitted:
      return "submitted";
    case OrderState::kScreening:
      return "screening";
    case OrderState::kAwaitingDomainProof:
      return "awaiting_domain_proof";
    case OrderState::kAwaitingPayment:
      return "awaiting_payment";
    case OrderState::kInReview:
      return "in_review";
    case OrderState::kAccepted:
      return "accepted";
    case OrderState::kProvisioning:
      return "provisioning";
    case OrderState::kActive:
      return "active";
    case OrderState::kRejected:
      return "rejected";
    case OrderState::kExpired:
      return "expired";
    case OrderState::kProvisioningFailed:
      return "provisioning_failed";
  }
  return "";
}

std::string_view Name(ProvisionStep s) {
  switch (s) {
    case ProvisionStep::kCustomer:
      return "customer";
    case ProvisionStep::kSite:
      return "site";
    case ProvisionStep::kZone:
      return "zone";
    case ProvisionStep::kWaitTasks:
      return "wait_tasks";
    case ProvisionStep::kCapture:
      return "capture";
    case ProvisionStep::kWelcome:
      return "welcome";
    case ProvisionStep::kDone:
      return "done";
  }
  return "";
}

bool IsFinal(OrderState s) {
  return s == OrderState::kActive || s == OrderState::kRejected || s == OrderState::kExpired;
}

bool CanTransition(OrderState from, OrderState to) {
  using S = OrderState;
  if (IsFinal(from)) return false;
  if (to == S::kRejected || to == S::kExpired) {
    return from != S::kProvisioning && from != S::kAccepted;
  }
  switch (from) {
    case S::kSubmitted:
      return to == S::kScreening;
    case S::kScreening:
      return to == S::kAwaitingPayment || to == S::kAwaitingDomainProof;
    case S::kAwaitingDomainProof:
      return to == S::kAwaitingPayment;
    case S::kAwaitingPayment:
      return to == S::kInReview || to == S::kAccepted;
    case S::kInReview:
      return to == S::kAccepted;
    case S::kAccepted:
      return to == S::kProvisioning;
    case S::kProvisioning:
      return to == S::kActive || to == S::kProvisioningFailed;
    case S::kProvisioningFailed:
      return to == S::kProvisioning;
    case S::kActive:
    case S::kRejected:
    case S::kExpired:
      return false;
  }
  return false;
}

}  // namespace hostplane::controller
