#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>

#include "controller/orders/manual_gateway.h"
#include "controller/orders/test_gateway.h"

namespace hostplane::controller {
namespace {

AuthoriseRequest Request(const std::string& token, const std::string& key) {
  return {7, {1999, "EUR"}, token, key};
}

TEST(TestGatewayTest, TokensDecideTheOutcome) {
  TestGateway g;
  auto approve = g.Authorise(Request("tok_approve", "k1"));
  ASSERT_TRUE(approve.has_value());
  EXPECT_EQ(approve->outcome, GatewayOutcome::kAuthorised);
  EXPECT_EQ(approve->card_last4, "4242");
  auto decline = g.Authorise(Request("tok_decline", "k2"));
  ASSERT_TRUE(decline.has_value());
  EXPECT_EQ(decline->outcome, GatewayOutcome::kDeclined);
  EXPECT_EQ(decline->decline_code, "card_declined");
  auto poor = g.Authorise(Request("tok_insufficient_funds", "k3"));
  ASSERT_TRUE(poor.has_value());
  EXPECT_EQ(poor->decline_code, "insufficient_funds");
  auto action = g.Authorise(Request("tok_requires_action", "k4"));
  ASSERT_TRUE(action.has_value());
  EXPECT_EQ(action->outcome, GatewayOutcome::kPending);
  EXPECT_FALSE(action->action_url.empty());
  auto unknown = g.Authorise(Request("4111111111111111", "k5"));
  ASSERT_TRUE(unknown.has_value());
  EXPECT_EQ(unknown->outcome, GatewayOutcome::kDeclined);
}

TEST(TestGatewayTest, ATimeoutAfterSuccessIsTheSamePaymentOnRetry) {
  TestGateway g;
  auto first = g.Authorise(Request("tok_timeout_after_success", "key"));
  ASSERT_FALSE(first.has_value());
  EXPECT_EQ(first.error().code, ErrorCode::kTimeout);
  auto retry = g.Authorise(Request("tok_timeout_after_success", "key"));
  ASSERT_TRUE(retry.has_value());
  EXPECT_EQ(retry->outcome, GatewayOutcome::kAuthorised);
  auto fetched = g.Fetch(retry->reference);
  ASSERT_TRUE(fetched.has_value());
  EXPECT_EQ(fetched->outcome, GatewayOutcome::kAuthorised);
}

TEST(TestGatewayTest, ARepeatedKeyHasItsEffectOnce) {
  TestGateway g;
  auto a = g.Authorise(Request("tok_approve", "auth"));
  ASSERT_TRUE(a.has_value());
  auto again = g.Authorise(Request("tok_approve", "auth"));
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->reference, a->reference);
  ASSERT_TRUE(g.Capture(a->reference, {1999, "EUR"}, "cap").has_value());
  auto twice = g.Capture(a->reference, {1999, "EUR"}, "cap");
  ASSERT_TRUE(twice.has_value());
  EXPECT_EQ(twice->outcome, GatewayOutcome::kCaptured);
  EXPECT_EQ(g.captures(), 1);
  // Another key is another capture: refused, the payment is captured already.
  auto other = g.Capture(a->reference, {1999, "EUR"}, "cap2");
  ASSERT_FALSE(other.has_value());
  EXPECT_EQ(other.error().code, ErrorCode::kConflict);
  auto voided = g.Void(a->reference, "void");
  ASSERT_FALSE(voided.has_value());
  EXPECT_EQ(g.voids(), 0);
  EXPECT_EQ(g.Capture("test_pay_999", {1, "EUR"}, "x").error().code, ErrorCode::kNotFound);
}

TEST(TestGatewayTest, VoidReleasesAnAuthorisationOrAPendingPayment) {
  TestGateway g;
  auto a = g.Authorise(Request("tok_approve", "a"));
  auto p = g.Authorise(Request("tok_requires_action", "p"));
  ASSERT_TRUE(a && p);
  EXPECT_EQ(g.Void(a->reference, "va")->outcome, GatewayOutcome::kVoided);
  EXPECT_EQ(g.Void(p->reference, "vp")->outcome, GatewayOutcome::kVoided);
  EXPECT_EQ(g.voids(), 2);
  EXPECT_FALSE(g.Capture(a->reference, {1999, "EUR"}, "c").has_value());
}

TEST(ManualGatewayTest, AuthorisationWaitsForAPerson) {
  ManualGateway g;
  auto a = g.Authorise(Request("anything", "k"));
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->outcome, GatewayOutcome::kPending);
  EXPECT_EQ(a->reference, "manual-7");
  EXPECT_EQ(g.Capture(a->reference, {1999, "EUR"}, "c")->outcome, GatewayOutcome::kCaptured);
  EXPECT_EQ(g.Void(a->reference, "v")->outcome, GatewayOutcome::kVoided);
}

}  // namespace
}  // namespace hostplane::controller

namespace hostplane::controller {
namespace {

TEST(TestGatewayTest, WithAStateFileItOutlivesTheController) {
  const std::string path =
      ::testing::TempDir() + "/hp-test-gateway-" + std::to_string(::getpid()) + ".json";
  std::remove(path.c_str());
  std::string reference;
  {
    TestGateway g(path);
    auto a = g.Authorise({7, {1999, "EUR"}, "tok_approve", "auth"});
    ASSERT_TRUE(a.has_value());
    reference = a->reference;
    ASSERT_TRUE(g.Capture(reference, {1999, "EUR"}, "cap").has_value());
  }
  TestGateway again(path);
  EXPECT_EQ(again.captures(), 1);
  auto repeat = again.Capture(reference, {1999, "EUR"}, "cap");
  ASSERT_TRUE(repeat.has_value());
  EXPECT_EQ(repeat->outcome, GatewayOutcome::kCaptured);
  EXPECT_EQ(again.captures(), 1);
  auto next = again.Authorise({8, {1999, "EUR"}, "tok_approve", "auth8"});
  ASSERT_TRUE(next.has_value());
  EXPECT_NE(next->reference, reference);
  std::remove(path.c_str());
}

}  // namespace
}  // namespace hostplane::controller
