// The order pipeline end to end through the real `hostplane up` (controller, agent, nginx in a
// temporary prefix) with the test gateway: an approved order becomes a live customer whose site
// nginx serves and whose welcome mail waits in the outbox with its fixed Message-ID (read from
// the store's outbox, the mail sender's spool: `--no-send-mail`, no mailbox in this lab); a
// declined card provisions nothing; a reviewed order rejected with the CLI is mailed and its
// personal data is gone (checked by SQL); and `up` killed by SIGKILL at each provisioning step
// restarts and completes the order exactly once in effect (one customer, one capture in the test
// gateway's ledger, one welcome mail).

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/sqlite/database.h"
#include "order_body.h"
#include "up_process.h"

namespace hostplane::testing {
namespace {

using namespace std::chrono_literals;

class OrderFlow : public ::testing::Test {
 protected:
  void SetUp() override {
    // The account driver makes Unix users: an order's customer needs root to go live.
    ASSERT_EQ(::geteuid(), 0u) << "these tests make Unix users and need root";
    up_.AddArgs({"--orders", "test", "--payments-test-mode", "--no-send-mail", "--orderable-plan",
                 "default", "--order-price-minor", "1999", "--tos-version", "2026-12",
                 "--disposable-email-domain", "mailinator.com", "--mail-from",
                 "orders@hosting.example"});
  }

  HttpResult Submit(const Json& body) { return up_.Api("POST", "/api/v1/orders", body, false); }

  // Deletes an order's customer with its Unix user and group, as an operator would: an account
  // left behind keeps its uid and gid on the machine, where a later instance would meet them.
  void RemoveCustomer(const std::string& login) {
    auto removed = up_.Cli({"customer", "delete", login, "--remove-content", "--wait"});
    ASSERT_TRUE(removed.has_value());
    EXPECT_EQ(removed->exit_code, 0) << removed->out << removed->err;
  }

  // Polls the order until it is in state; its JSON (null when the deadline passed).
  Json WaitState(int64_t id, const std::string& state, std::chrono::seconds timeout = 60s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    Json last;
    while (std::chrono::steady_clock::now() < deadline) {
      auto r = up_.Api("GET", "/api/v1/orders/" + std::to_string(id));
      if (r.status == 200) {
        last = r.json();
        if (last["order"]["state"] == state) return last;
      }
      std::this_thread::sleep_for(100ms);
    }
    ADD_FAILURE() << "order " << id << " not " << state << ": " << last.dump() << "\n" << up_.log();
    return nullptr;
  }

  // One integer from a query over the store's file (outside the controller's code).
  int64_t Sql(const std::string& sql) {
    auto db = sqlite::Database::Open(up_.real_data_dir() + "/store.db", false);
    EXPECT_TRUE(db.has_value());
    if (!db) return -1;
    auto st = db->Prepare(sql);
    EXPECT_TRUE(st.has_value()) << sql;
    if (!st) return -1;
    auto row = st->Step();
    EXPECT_TRUE(row.has_value() && *row) << sql;
    return st->Int(0);
  }
  std::string SqlText(const std::string& sql) {
    auto db = sqlite::Database::Open(up_.real_data_dir() + "/store.db", false);
    if (!db) return "";
    auto st = db->Prepare(sql);
    if (!st) return "";
    auto row = st->Step();
    if (!row || !*row) return "";
    return st->Text(0);
  }
  // The test gateway's ledger (its state file in the data directory).
  int Captures() {
    std::ifstream in(up_.real_data_dir() + "/test-gateway.json");
    std::stringstream text;
    text << in.rdbuf();
    auto j = Json::parse(text.str(), nullptr, false);
    return j.is_object() ? j.value("captures", 0) : 0;
  }

  UpInstance up_;
};

TEST_F(OrderFlow, AnApprovedOrderGoesLiveAndIsWelcomed) {
  ASSERT_TRUE(up_.Start()) << up_.log();
  const auto started = std::chrono::steady_clock::now();
  auto r = Submit(OrderBody("olive"));
  ASSERT_EQ(r.status, 201) << r.body;
  const int64_t id = r.json()["order"]["id"].get<int64_t>();
  Json live = WaitState(id, "active");
  ASSERT_FALSE(live.is_null());
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
  RecordProperty("order_to_active_ms", std::to_string(ms));
  std::cout << "order " << id << " submitted -> active in " << ms << " ms\n";
  EXPECT_EQ(live["order"]["payment"]["state"], "captured");
  EXPECT_EQ(up_.Api("GET", "/api/v1/customers/olive").status, 200);
  EXPECT_TRUE(up_.WaitServing("olive.example", 30s)) << up_.log();
  const std::string message_id = "order-" + std::to_string(id) + "-welcome@hosting.example";
  EXPECT_EQ(live["order"]["welcome_message_id"], message_id);
  const std::string mail =
      SqlText("SELECT bytes FROM mail_outbox WHERE message_id = '" + message_id + "'");
  EXPECT_NE(mail.find("Login: olive"), std::string::npos) << mail;
  EXPECT_NE(mail.find("set-password?token=3D"), std::string::npos) << mail;
  EXPECT_EQ(Captures(), 1);
  // The timeline, as the CLI shows it.
  auto shown = up_.Cli({"order", "show", std::to_string(id)});
  ASSERT_TRUE(shown.has_value());
  EXPECT_EQ(shown->exit_code, 0) << shown->err;
  EXPECT_NE(shown->out.find("provisioning"), std::string::npos) << shown->out;
  RemoveCustomer("olive");
}

TEST_F(OrderFlow, ADeclinedCardIsToldAndNothingIsProvisioned) {
  ASSERT_TRUE(up_.Start()) << up_.log();
  auto r = Submit(OrderBody("dexter", "tok_decline"));
  ASSERT_EQ(r.status, 402) << r.body;
  EXPECT_EQ(r.json()["error"]["fields"]["payment.token"], "payment.card_declined");
  EXPECT_EQ(r.json()["order"]["state"], "rejected");
  EXPECT_EQ(up_.Api("GET", "/api/v1/customers/dexter").status, 404);
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM customers"), 0);
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM orders WHERE login != '' OR email != ''"), 0);
  // Bad input: every field at once, nothing stored.
  Json bad = OrderBody("0day");
  bad["domain"] = "evil.example\nserver {";
  auto refused = Submit(bad);
  ASSERT_EQ(refused.status, 422) << refused.body;
  EXPECT_EQ(refused.json()["error"]["fields"]["login"], "login.starts_with_digit");
  EXPECT_EQ(refused.json()["error"]["fields"]["domain"], "domain.invalid_character");
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM orders"), 1);
}

TEST_F(OrderFlow, AReviewedOrderRejectedIsMailedAndForgotten) {
  ASSERT_TRUE(up_.Start()) << up_.log();
  auto r = Submit(OrderBody("rita", "tok_approve", "rita@mailinator.com"));
  ASSERT_EQ(r.status, 201) << r.body;
  const int64_t id = r.json()["order"]["id"].get<int64_t>();
  EXPECT_EQ(r.json()["order"]["state"], "in_review");
  auto queue = up_.Cli({"order", "list", "--state", "in_review"});
  ASSERT_TRUE(queue.has_value());
  EXPECT_NE(queue->out.find("email.disposable"), std::string::npos) << queue->out;
  auto rejected = up_.Cli(
      {"order", "reject", std::to_string(id), "--reason", "We could not confirm your identity."});
  ASSERT_TRUE(rejected.has_value());
  EXPECT_EQ(rejected->exit_code, 0) << rejected->err;
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM orders WHERE contact_name || email || login || domain || "
                "billing_name || billing_street || billing_city || source LIKE '%rita%'"),
            0);
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM orders WHERE id = " + std::to_string(id) +
                " AND state = 'rejected' AND anonymised = 1 AND source = ''"),
            1);
  const std::string mail = SqlText("SELECT bytes FROM mail_outbox WHERE message_id = 'order-" +
                                   std::to_string(id) + "-rejected@hosting.example'");
  EXPECT_NE(mail.find("We could not confirm your identity."), std::string::npos) << mail;
  EXPECT_EQ(Sql("SELECT COUNT(*) FROM customers"), 0);
}

// SIGKILL at each provisioning step, then a restart: the order completes once in effect.
TEST_F(OrderFlow, KilledAtEveryStepTheOrderCompletesExactlyOnce) {
  const std::vector<std::string> points = {
      "order.customer.after_commit", "order.site.before_commit",   "order.tasks.after_commit",
      "order.capture.after_call",    "order.capture.after_commit", "order.welcome.before_commit",
      "order.welcome.after_commit"};
  int n = 0;
  for (const auto& point : points) {
    SCOPED_TRACE(point);
    const std::string login = "kill" + std::to_string(n++);
    up_.SetEnv("HOSTPLANE_FAILPOINTS", point + "=crash");
    ASSERT_TRUE(up_.Start()) << up_.log();
    const int captures_before = Captures();
    auto r = Submit(OrderBody(login));  // may not be answered: up may die while provisioning
    auto deadline = std::chrono::steady_clock::now() + 60s;
    while (up_.Running() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(20ms);
    }
    ASSERT_FALSE(up_.Running()) << "up did not stop at " << point << "\n" << r.body << up_.log();
    up_.Kill9();
    up_.SetEnv("HOSTPLANE_FAILPOINTS", "");
    ASSERT_TRUE(up_.Start()) << up_.log();
    const int64_t id = Sql("SELECT id FROM orders WHERE login = '" + login + "'");
    ASSERT_GT(id, 0);
    ASSERT_FALSE(WaitState(id, "active").is_null());
    EXPECT_EQ(Sql("SELECT COUNT(*) FROM customers WHERE login = '" + login + "'"), 1);
    EXPECT_EQ(Captures(), captures_before + 1);
    EXPECT_EQ(Sql("SELECT COUNT(*) FROM mail_outbox WHERE message_id = 'order-" +
                  std::to_string(id) + "-welcome@hosting.example'"),
              1);
    RemoveCustomer(login);
    up_.Kill9();
  }
}

}  // namespace
}  // namespace hostplane::testing
