#include "controller/orders/screening.h"

#include <gtest/gtest.h>

namespace hostplane::controller {
namespace {

OrderRequest Request(const std::string& email, const std::string& country = "DE") {
  OrderRequest r;
  r.email = email;
  r.billing_country = country;
  return r;
}

std::vector<std::string> Codes(const Decision& d) {
  std::vector<std::string> out;
  for (const auto& r : d.reasons) out.push_back(r.code);
  return out;
}

ScreeningRules Rules() {
  ScreeningRules rules;
  rules.disposable_email_domains = {"mailinator.com"};
  rules.review_countries = {"XK"};
  rules.blocked_countries = {"KP"};
  rules.blocked_networks = {"203.0.113.0/24", "2001:db8:bad::/48"};
  return rules;
}

TEST(ScreeningTest, ACleanOrderIsAcceptedWithNoReasons) {
  Decision d = Screen(Rules(), Request("ann@acme.example"), {false, false, false, "192.0.2.7"});
  EXPECT_EQ(d.verdict, Verdict::kAccept);
  EXPECT_EQ(d.score, 0);
  EXPECT_TRUE(d.reasons.empty());
}

TEST(ScreeningTest, EachRuleAddsItsReasonAndTheScoreDecides) {
  struct Case {
    OrderRequest request;
    ScreeningFacts facts;
    Verdict verdict;
    std::vector<std::string> codes;
  };
  const std::vector<Case> cases = {
      {Request("x@mailinator.com"),
       {false, false, false, "192.0.2.7"},
       Verdict::kReview,
       {"email.disposable"}},
      {Request("x@eu.mailinator.com"),
       {false, false, false, "192.0.2.7"},
       Verdict::kReview,
       {"email.disposable"}},
      {Request("x@notmailinator.com"), {false, false, false, "192.0.2.7"}, Verdict::kAccept, {}},
      {Request("x@acme.example"),
       {true, false, false, "192.0.2.7"},
       Verdict::kReview,
       {"email.duplicate"}},
      {Request("x@acme.example"),
       {false, true, false, "192.0.2.7"},
       Verdict::kReview,
       {"domain.duplicate"}},
      {Request("x@acme.example"),
       {true, true, false, "192.0.2.7"},
       Verdict::kReview,
       {"email.duplicate", "domain.duplicate"}},  // 90: below 100
      {Request("x@mailinator.com"),
       {true, true, false, "192.0.2.7"},
       Verdict::kReject,
       {"email.disposable", "email.duplicate", "domain.duplicate"}},
      {Request("x@acme.example", "XK"),
       {false, false, false, "192.0.2.7"},
       Verdict::kReview,
       {"country.review"}},
      {Request("x@acme.example", "KP"),
       {false, false, false, "192.0.2.7"},
       Verdict::kReject,
       {"country.blocked"}},
      {Request("x@acme.example"),
       {false, false, false, "203.0.113.99"},
       Verdict::kReject,
       {"source.blocked"}},
      {Request("x@acme.example"),
       {false, false, false, "2001:db8:bad:1::5"},
       Verdict::kReject,
       {"source.blocked"}},
      {Request("x@acme.example"), {false, false, false, "2001:db8:bae::5"}, Verdict::kAccept, {}},
      {Request("x@acme.example"),
       {false, false, true, "192.0.2.7"},
       Verdict::kReject,
       {"bot.honeypot"}},
  };
  for (const auto& c : cases) {
    Decision d = Screen(Rules(), c.request, c.facts);
    EXPECT_EQ(d.verdict, c.verdict) << c.request.email << " " << c.facts.source;
    EXPECT_EQ(Codes(d), c.codes) << c.request.email << " " << c.facts.source;
  }
}

TEST(ScreeningTest, NetworksMatchByPrefixOnly) {
  EXPECT_TRUE(InNetwork("10.1.2.3", "10.0.0.0/8"));
  EXPECT_FALSE(InNetwork("11.1.2.3", "10.0.0.0/8"));
  EXPECT_TRUE(InNetwork("10.1.2.3", "0.0.0.0/0"));
  EXPECT_FALSE(InNetwork("10.1.2.3", "::/0"));  // families never mix
  EXPECT_FALSE(InNetwork("10.1.2.3", "10.0.0.0/33"));
  EXPECT_FALSE(InNetwork("10.1.2.3", "10.0.0.0"));
  EXPECT_FALSE(InNetwork("not an address", "10.0.0.0/8"));
}

}  // namespace
}  // namespace hostplane::controller
