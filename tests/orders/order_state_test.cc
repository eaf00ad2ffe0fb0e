#include "controller/orders/order_state.h"

#include <gtest/gtest.h>

#include <set>
#include <utility>

namespace hostplane::controller {
namespace {

using S = OrderState;

std::vector<S> AllStates() {
  std::vector<S> out;
  for (int i = 0; i <= static_cast<int>(kLastState<S>); ++i) out.push_back(static_cast<S>(i));
  return out;
}

TEST(OrderStateTest, TheMachineAllowsExactlyItsEdges) {
  const std::set<std::pair<S, S>> kAllowed = {
      {S::kSubmitted, S::kScreening},
      {S::kScreening, S::kAwaitingPayment},
      {S::kScreening, S::kAwaitingDomainProof},
      {S::kAwaitingDomainProof, S::kAwaitingPayment},
      {S::kAwaitingPayment, S::kInReview},
      {S::kAwaitingPayment, S::kAccepted},
      {S::kInReview, S::kAccepted},
      {S::kAccepted, S::kProvisioning},
      {S::kProvisioning, S::kActive},
      {S::kProvisioning, S::kProvisioningFailed},
      {S::kProvisioningFailed, S::kProvisioning},
  };
  for (S from : AllStates()) {
    for (S to : AllStates()) {
      bool expected = kAllowed.count({from, to}) > 0;
      // Rejected and expired: from every open state that has not started provisioning.
      if ((to == S::kRejected || to == S::kExpired) && !IsFinal(from) && from != S::kAccepted &&
          from != S::kProvisioning) {
        expected = true;
      }
      EXPECT_EQ(CanTransition(from, to), expected) << Name(from) << " -> " << Name(to);
    }
  }
}

TEST(OrderStateTest, FinalStatesNeverChange) {
  for (S final_state : {S::kActive, S::kRejected, S::kExpired}) {
    EXPECT_TRUE(IsFinal(final_state));
    for (S to : AllStates()) EXPECT_FALSE(CanTransition(final_state, to)) << Name(to);
  }
  EXPECT_FALSE(IsFinal(S::kProvisioningFailed));
}

TEST(OrderStateTest, NamesRoundTrip) {
  for (S s : AllStates()) EXPECT_EQ(Parse<S>(Name(s)), s);
  for (int i = 0; i <= static_cast<int>(kLastState<ProvisionStep>); ++i) {
    auto step = static_cast<ProvisionStep>(i);
    EXPECT_EQ(Parse<ProvisionStep>(Name(step)), step);
  }
  EXPECT_EQ(Parse<S>("paid"), std::nullopt);
}

}  // namespace
}  // namespace hostplane::controller
