#include "controller/auth/one_time_links.h"

#include <gtest/gtest.h>

#include "controller/auth/secret_token.h"
#include "controller/auth/testing/memory_one_time_store.h"

namespace hostplane::auth {
namespace {

using namespace std::chrono_literals;

class OneTimeLinksTest : public ::testing::Test {
 protected:
  ManualClock clock_;
  testing::MemoryOneTimeStore store_;
  BaseUrl base_ = BaseUrl::Parse("https://panel.example.com/hosting/").value();
  OneTimeLinks links_{store_, clock_, base_};
};

TEST_F(OneTimeLinksTest, ALinkIsBuiltFromTheBaseUrlAndStoredAsAHash) {
  auto link = links_.Issue(LinkPurpose::kPasswordReset, "u-alice", "/reset", 1h);
  ASSERT_TRUE(link);
  EXPECT_EQ(link->url, "https://panel.example.com/hosting/reset?token=" + link->token);
  EXPECT_EQ(link->token.rfind("hpr_", 0), 0u);
  EXPECT_EQ(link->expires_at_ms, clock_.NowMillis() + 3'600'000);
  auto rows = store_.All();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].hash, HashSecret(link->token));
  EXPECT_EQ(rows[0].subject, "u-alice");
}

TEST_F(OneTimeLinksTest, ALinkWorksOnce) {
  auto link = links_.Issue(LinkPurpose::kEmailConfirmation, "alice@example.com", "/confirm", 1h);
  ASSERT_TRUE(link);
  ASSERT_TRUE(links_.Peek(link->token, LinkPurpose::kEmailConfirmation)) << "peek keeps it";
  auto used = links_.Redeem(link->token, LinkPurpose::kEmailConfirmation);
  ASSERT_TRUE(used);
  EXPECT_EQ(used->subject, "alice@example.com");
  for (int i = 0; i < 2; ++i) {
    auto again = links_.Redeem(link->token, LinkPurpose::kEmailConfirmation);
    ASSERT_FALSE(again);
    EXPECT_EQ(again.error().code, ErrorCode::kNotFound);
    EXPECT_EQ(again.error().fields.at("token"), "link.invalid");
  }
}

TEST_F(OneTimeLinksTest, AnExpiredLinkIsRefusedAndGone) {
  auto link = links_.Issue(LinkPurpose::kPasswordReset, "u-alice", "/reset", 30min);
  ASSERT_TRUE(link);
  clock_.Advance(30min);
  auto peek = links_.Peek(link->token, LinkPurpose::kPasswordReset);
  ASSERT_FALSE(peek);
  EXPECT_EQ(peek.error().fields.at("token"), "link.expired");
  auto r = links_.Redeem(link->token, LinkPurpose::kPasswordReset);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().fields.at("token"), "link.expired");
  EXPECT_EQ(store_.size(), 0u);
}

TEST_F(OneTimeLinksTest, ANewLinkVoidsTheOlderOnesOfTheSameSubjectAndPurpose) {
  auto first = links_.Issue(LinkPurpose::kPasswordReset, "u-alice", "/reset", 1h).value();
  auto other = links_.Issue(LinkPurpose::kPasswordReset, "u-bob", "/reset", 1h).value();
  auto confirm = links_.Issue(LinkPurpose::kEmailConfirmation, "u-alice", "/confirm", 1h).value();
  auto second = links_.Issue(LinkPurpose::kPasswordReset, "u-alice", "/reset", 1h).value();
  EXPECT_FALSE(links_.Redeem(first.token, LinkPurpose::kPasswordReset));
  EXPECT_TRUE(links_.Redeem(second.token, LinkPurpose::kPasswordReset));
  EXPECT_TRUE(links_.Redeem(other.token, LinkPurpose::kPasswordReset));
  EXPECT_TRUE(links_.Redeem(confirm.token, LinkPurpose::kEmailConfirmation));
}

TEST_F(OneTimeLinksTest, AnotherPurposeOrAMalformedTokenIsTheSameRefusal) {
  auto link = links_.Issue(LinkPurpose::kOrder, "order-42", "/orders/continue", 1h).value();
  EXPECT_EQ(link.token.rfind("hpo_", 0), 0u);
  for (const auto& [token, purpose] : std::vector<std::pair<std::string, LinkPurpose>>{
           {link.token, LinkPurpose::kPasswordReset},
           {"hpr_" + link.token.substr(4), LinkPurpose::kPasswordReset},
           {"garbage", LinkPurpose::kOrder},
           {"", LinkPurpose::kOrder}}) {
    auto r = links_.Redeem(token, purpose);
    ASSERT_FALSE(r) << token;
    EXPECT_EQ(r.error().fields.at("token"), "link.invalid");
  }
  EXPECT_TRUE(links_.Redeem(link.token, LinkPurpose::kOrder)) << "the refusals did not use it";
}

TEST_F(OneTimeLinksTest, BadIssueArguments) {
  EXPECT_FALSE(links_.Issue(LinkPurpose::kPasswordReset, "u", "/reset", 0s));
  EXPECT_FALSE(links_.Issue(LinkPurpose::kPasswordReset, "", "/reset", 1h));
  EXPECT_FALSE(links_.Issue(LinkPurpose::kPasswordReset, "u", "reset", 1h));
  EXPECT_FALSE(links_.Issue(LinkPurpose::kPasswordReset, "u", "//evil.example/x", 1h));
  EXPECT_EQ(store_.size(), 0u);
}

}  // namespace
}  // namespace hostplane::auth
