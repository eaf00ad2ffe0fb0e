#include "agent/drivers/mail/sending_policy.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "agent/drivers/mail/mail_config.h"
#include "agent/drivers/mail/sending_policy_service.h"
#include "agent/testing/temp_root.h"
#include "common/clock.h"
#include "common/fs/fd.h"
#include "common/fs/filesystem.h"
#include "protocol/messages.h"

namespace hostplane::agent {
namespace {

using protocol::Json;

// What MailDriver::Assemble writes for: acme (100 an hour) with info@acme.example, a forwarder
// out and one in; shop (2 an hour, app login, suspended later); lists (unlimited, catch-all out).
std::string PolicyJson(const std::string& shop_status = "active") {
  Json j = {
      {"domains",
       {{"acme.example",
         {{"domain", "acme.example"},
          {"account", "acme"},
          {"message_size_mb", 25},
          {"mailboxes", {"info@acme.example", "office@acme.example"}},
          {"forwarders",
           {{"out@acme.example", {"a@outside.example", "b@outside.example", "info@acme.example"}},
            {"in@acme.example", {"office@acme.example"}}}},
          {"catch_all", ""}}},
        {"lists.example",
         {{"domain", "lists.example"},
          {"account", "lists"},
          {"message_size_mb", 50},
          {"mailboxes", Json::array()},
          {"forwarders", Json::object()},
          {"catch_all", "boss@outside.example"}}}}},
      {"accounts",
       {{"acme",
         {{"account", "acme"},
          {"status", "active"},
          {"unlimited", false},
          {"messages_per_hour", 100},
          {"app_login", false}}},
        {"shop",
         {{"account", "shop"},
          {"status", shop_status},
          {"unlimited", false},
          {"messages_per_hour", 2},
          {"app_login", true}}},
        {"lists",
         {{"account", "lists"},
          {"status", "active"},
          {"unlimited", true},
          {"messages_per_hour", 0},
          {"app_login", false}}}}}};
  return j.dump();
}

PolicyRequest Submission(const std::string& login, const std::string& sender,
                         const std::string& state = "DATA", int recipients = 1) {
  return {{"request", "smtpd_access_policy"},
          {"protocol_state", state},
          {"policy_context", "submission"},
          {"sasl_username", login},
          {"sender", sender},
          {"recipient_count", std::to_string(recipients)}};
}

PolicyRequest Inbound(const std::string& recipient, int64_t size = 0) {
  return {{"request", "smtpd_access_policy"}, {"protocol_state", "RCPT"},
          {"policy_context", "inbound"},      {"sender", "someone@elsewhere.example"},
          {"recipient", recipient},           {"size", std::to_string(size)}};
}

class SendingPolicyTest : public ::testing::Test {
 protected:
  std::string Decide(const PolicyRequest& r) {
    auto action = policy_.Decide(r, clock_.NowMillis(), counters_);
    EXPECT_TRUE(action) << action.error().message;
    return action ? *action : "";
  }
  ManualClock clock_;
  SendingCounters counters_ = SendingCounters::Open(":memory:").value();
  SendingPolicy policy_ = SendingPolicy::Parse(PolicyJson()).value();
};

TEST_F(SendingPolicyTest, TheHundredAndFirstMessageOfTheHourIsRefusedAndAnHourLaterAllowed) {
  for (int i = 1; i <= 100; ++i) {
    ASSERT_EQ(Decide(Submission("info@acme.example", "info@acme.example")), "DUNNO") << i;
    if (i % 10 == 0) clock_.Advance(std::chrono::minutes(1));  // spread over the hour
  }
  std::string refused = Decide(Submission("INFO@acme.example", "info@acme.example"));
  EXPECT_EQ(refused.rfind("450 4.7.1 Sending limit reached: account acme may send 100", 0), 0u)
      << refused;
  // The oldest minute leaves the window first: 10 messages become possible again.
  clock_.Advance(std::chrono::minutes(50));
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(Decide(Submission("info@acme.example", "info@acme.example")), "DUNNO") << i;
  }
  EXPECT_NE(Decide(Submission("info@acme.example", "info@acme.example")), "DUNNO");
  EXPECT_EQ(counters_.Count("acme", clock_.NowMillis() / 60'000 - 59).value(), 100);
}

TEST_F(SendingPolicyTest, EveryRecipientCountsAndEveryPathOutChargesTheSameAccount) {
  // 3 recipients of one message, 2 copies of a forwarder out (the third target is local), and
  // Dovecot's own reply for a mailbox: 6 of acme's 100.
  EXPECT_EQ(Decide(Submission("info@acme.example", "info@acme.example", "DATA", 3)), "DUNNO");
  EXPECT_EQ(Decide(Inbound("out@acme.example")), "DUNNO");
  EXPECT_EQ(Decide(Submission(kRelayLogin, "office@acme.example")), "DUNNO");
  EXPECT_EQ(counters_.Count("acme", 0).value(), 6);
  // Mail that stays on the node is not counted.
  EXPECT_EQ(Decide(Inbound("in@acme.example")), "DUNNO");
  EXPECT_EQ(Decide(Inbound("info@acme.example")), "DUNNO");
  EXPECT_EQ(counters_.Count("acme", 0).value(), 6);
  // A catch-all out counts for its account (unlimited: never refused).
  for (int i = 0; i < 200; ++i) ASSERT_EQ(Decide(Inbound("anyone@lists.example")), "DUNNO");
  EXPECT_EQ(counters_.Count("lists", 0).value(), 200);
}

TEST_F(SendingPolicyTest, AppLoginsRelayLoginsAndUnknownLogins) {
  EXPECT_EQ(Decide(Submission("shop", "wordpress@shop.example")), "DUNNO");
  EXPECT_EQ(Decide(Submission("shop", "wordpress@shop.example")), "DUNNO");
  EXPECT_EQ(Decide(Submission("shop", "wordpress@shop.example")).substr(0, 3), "450");
  // An account without an app login in the policy is not a login that may send.
  EXPECT_EQ(Decide(Submission("acme", "info@acme.example")).substr(0, 9), "550 5.7.1");
  // Dovecot's login sends only as a mailbox of this node.
  EXPECT_EQ(Decide(Submission(kRelayLogin, "stranger@elsewhere.example")).substr(0, 9),
            "550 5.7.1");
  EXPECT_EQ(Decide(Submission(kRelayLogin, "")).substr(0, 9), "550 5.7.1");
  // A mailbox the policy does not know (removed since it logged in).
  EXPECT_EQ(Decide(Submission("gone@acme.example", "gone@acme.example")).substr(0, 9), "550 5.7.1");
  // No login: Postfix's own restrictions refuse it; the policy has nothing to add.
  EXPECT_EQ(Decide(Submission("", "info@acme.example")), "DUNNO");
}

TEST_F(SendingPolicyTest, ASuspendedAccountSendsNothing) {
  policy_ = SendingPolicy::Parse(PolicyJson("suspended")).value();
  EXPECT_EQ(Decide(Submission("shop", "wordpress@shop.example")),
            "550 5.7.1 Sending is suspended for account shop");
  EXPECT_EQ(counters_.Count("shop", 0).value(), 0);
}

TEST_F(SendingPolicyTest, SizeLimitsOfTheDomainAtRcpt) {
  constexpr int64_t kMb = 1024 * 1024;
  EXPECT_EQ(Decide(Inbound("info@acme.example", 25 * kMb)), "DUNNO");
  std::string big = Decide(Inbound("info@acme.example", 25 * kMb + 1));
  EXPECT_EQ(big.rfind("552 5.3.4", 0), 0u) << big;
  EXPECT_NE(big.find("25 MB"), std::string::npos);
  // Submission: the sender's domain's limit and a local recipient's.
  PolicyRequest r = Submission("info@acme.example", "info@acme.example", "RCPT");
  r["recipient"] = "boss@outside.example";
  r["size"] = std::to_string(30 * kMb);
  EXPECT_EQ(Decide(r).rfind("552 5.3.4", 0), 0u);
  r["size"] = std::to_string(1 * kMb);
  EXPECT_EQ(Decide(r), "DUNNO");
  // Another node's domain, or no SIZE: nothing to say.
  EXPECT_EQ(Decide(Inbound("x@unknown.example", 900 * kMb)), "DUNNO");
}

TEST(SendingPolicyParseTest, RefusesWhatAssembleNeverWrites) {
  for (const std::string bad :
       {std::string("not json"), std::string("[]"), std::string(R"({"domains":{}})"),
        std::string(R"({"domains":{"a.example":{"account":1}},"accounts":{}})"),
        std::string(R"({"domains":{},"accounts":{"a":{"status":"active"}}})")}) {
    EXPECT_FALSE(SendingPolicy::Parse(bad)) << bad;
  }
  EXPECT_TRUE(SendingPolicy::Parse(R"({"domains":{},"accounts":{}})"));
}

// The service speaks Postfix's policy protocol on its socket: several requests on one
// connection, each answered "action=..." and an empty line, and it follows the policy file.
TEST(SendingPolicyServiceTest, AnswersPostfixRequestsAndFollowsThePolicyFile) {
  testing::TempRoot root;
  PosixFilesystem fs(root.path());
  ASSERT_TRUE(fs.WriteFileAtomic("maps/sending_policy.json", PolicyJson(), 0644));
  ManualClock clock;
  SendingPolicyServiceOptions o;
  o.socket = fs.HostPath("policy/p.sock");
  o.policy_file = fs.HostPath("maps/sending_policy.json");
  o.counters = fs.HostPath("state/counters.db");
  o.socket_group = "root";
  auto service = SendingPolicyService::Start(o, clock);
  ASSERT_TRUE(service) << service.error().message;

  Fd fd(::socket(AF_UNIX, SOCK_STREAM, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::copy(o.socket.begin(), o.socket.end(), addr.sun_path);
  ASSERT_EQ(::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  auto ask = [&](const PolicyRequest& r) {
    std::string text;
    for (const auto& [k, v] : r) text += k + "=" + v + "\n";
    text += "\n";
    EXPECT_TRUE(WriteAll(fd.get(), text, "policy request"));
    std::string answer;
    char c;
    while (answer.size() < 2 || answer.substr(answer.size() - 2) != "\n\n") {
      if (::read(fd.get(), &c, 1) != 1) break;
      answer += c;
    }
    return answer;
  };
  EXPECT_EQ(ask(Submission("shop", "w@shop.example")), "action=DUNNO\n\n");
  EXPECT_EQ(ask(Submission("shop", "w@shop.example")), "action=DUNNO\n\n");
  EXPECT_EQ(ask(Submission("shop", "w@shop.example")).rfind("action=450 4.7.1 Sending limit", 0),
            0u);
  EXPECT_EQ(service->get()->SentLastHour("shop").value(), 2);
  // A new policy file (the account suspended) applies to the next request on the same
  // connection.
  ASSERT_TRUE(fs.WriteFileAtomic("maps/sending_policy.json", PolicyJson("suspended"), 0644));
  EXPECT_EQ(ask(Submission("shop", "w@shop.example")),
            "action=550 5.7.1 Sending is suspended for account shop\n\n");
  EXPECT_EQ(service->get()->answered(), 4);
  // A broken policy file keeps the last good one.
  ASSERT_TRUE(fs.WriteFileAtomic("maps/sending_policy.json", "{broken", 0644));
  EXPECT_EQ(ask(Submission("shop", "w@shop.example")).substr(0, 14), "action=550 5.7");
  service->get()->Stop();
  EXPECT_FALSE(fs.Exists("policy/p.sock"));
}

}  // namespace
}  // namespace hostplane::agent
