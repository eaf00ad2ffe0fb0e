#pragma once

// The persisted state machine of an order (issue 21). Every transition is a row of order_events,
// written in the same transaction as its effects (OrderRepository::Transition), so the order row
// always says where the order is and a controller killed at any point resumes from there.
//
//   submitted -> screening -> awaiting_payment -> in_review -> accepted -> provisioning -> active
//                                               \-> accepted (auto-accept: nothing to review)
//   rejected, expired: from any state before provisioning; provisioning_failed: from provisioning
//   (an admin may accept again, which resumes provisioning where it stopped).
// awaiting_domain_proof is reserved for the next slice (domain proof by TXT record).
// Pure functions; any thread.

#include <string_view>

#include "controller/store/states.h"

namespace hostplane::controller {

enum class OrderState {
  kSubmitted,
  kScreening,
  kAwaitingDomainProof,
  kAwaitingPayment,
  kInReview,
  kAccepted,
  kProvisioning,
  kActive,
  kRejected,
  kExpired,
  kProvisioningFailed,
};

// The provisioning steps of an accepted order, in order; the order row holds the next one.
// Each step is idempotent: its effect and the move to the next step commit together.
enum class ProvisionStep { kCustomer, kSite, kZone, kWaitTasks, kCapture, kWelcome, kDone };

std::string_view Name(OrderState s);
std::string_view Name(ProvisionStep s);

template <>
inline constexpr OrderState kLastState<OrderState> = OrderState::kProvisioningFailed;
template <>
inline constexpr ProvisionStep kLastState<ProvisionStep> = ProvisionStep::kDone;

// Whether the machine allows from -> to.
bool CanTransition(OrderState from, OrderState to);

// Active, rejected and expired orders never change again.
bool IsFinal(OrderState s);

}  // namespace hostplane::controller
