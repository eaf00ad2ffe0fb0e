// The OrderService against a real store, task engine and the business services (FleetTest):
// the agents' results are played with Report, the mails are read from the store's outbox (the
// spool the mail sender delivers from), and "restart" is a new OrderService over the same store
// after a failpoint made a step fail before or after its commit.

#include "controller/orders/order_service.h"

#include <gtest/gtest.h>

#include "common/failpoint.h"
#include "common/sqlite/database.h"
#include "controller/auth/base_url.h"
#include "controller/orders/manual_gateway.h"
#include "controller/orders/test_gateway.h"
#include "controller/services/fleet_fixture_for_test.h"
#include "controller/store/store_one_time_tokens.h"
#include "order_body.h"

namespace hostplane::controller {
namespace {

using nlohmann::json;
using hostplane::testing::OrderBody;

class OrderServiceTest : public FleetTest {
 protected:
  void SetUp() override {
    FleetTest::SetUp();
    AddNode("web1", {"web", "dns", "mail"}, 100, "", "", "192.0.2.10");
    ASSERT_TRUE(store_->Write(
        [](StoreTxn& tx) { return tx.orders().SetOffer("default", true, 1999, "EUR"); }));
    auto base = auth::BaseUrl::Parse("https://panel.hosting.example/");
    ASSERT_TRUE(base.has_value());
    base_ = std::make_unique<auth::BaseUrl>(*base);
    tokens_ = std::make_unique<StoreOneTimeTokens>(*store_);
    links_ = std::make_unique<auth::OneTimeLinks>(*tokens_, store_.clock(), *base_);
    options_.tos_version = "2026-12";
    options_.per_source = {1000, 1};
    options_.per_email = {1000, 1};
    options_.rules.disposable_email_domains = {"mailinator.com"};
    options_.mail_from = "orders@hosting.example";
    Restart();
  }
  void TearDown() override { failpoint::DisableAll(); }

  // A new service over the same store: what a restarted controller has.
  void Restart(PaymentGateway* gateway = nullptr) {
    orders_ = std::make_unique<OrderService>(*store_, *service_, gateway ? *gateway : gateway_,
                                             *links_, store_.clock(), options_);
  }

  // Plays every pending task as applied (the agents), as often as new ones appear.
  void ApplyAll() {
    for (int round = 0; round < 5; ++round) {
      TaskFilter f;
      f.state = TaskState::kPending;
      f.page = {0, 10'000};
      auto pending = store_->ListTasks(f);
      ASSERT_TRUE(pending.has_value());
      if (pending->empty()) return;
      for (const auto& t : *pending) Report(t, "applied");
    }
  }

  Order Reload(int64_t id) {
    auto o = store_->Read([&](StoreTxn& tx) { return tx.orders().Find(id); });
    EXPECT_TRUE(o.has_value() && o->has_value());
    return o && *o ? **o : Order{};
  }

  std::vector<mail::OutboxEntry> MailsTo(const std::string& address) {
    auto m = store_->Read([&](StoreTxn& tx) { return tx.outbox().ListTo(address); });
    EXPECT_TRUE(m.has_value());
    return m ? *m : std::vector<mail::OutboxEntry>{};
  }

  std::vector<std::string> States(int64_t id) {
    auto events = store_->Read([&](StoreTxn& tx) { return tx.orders().Events(id); });
    std::vector<std::string> out;
    if (!events) return out;
    for (const auto& e : *events) {
      std::string s(Name(e.to));
      if (out.empty() || out.back() != s) out.push_back(s);
    }
    return out;
  }

  // A raw SQL count over the store's file, outside the store's code.
  int64_t Count(const std::string& sql) {
    auto db = sqlite::Database::Open(store_.path(), false);
    EXPECT_TRUE(db.has_value());
    if (!db) return -1;
    auto st = db->Prepare(sql);
    EXPECT_TRUE(st.has_value()) << sql;
    if (!st) return -1;
    auto row = st->Step();
    EXPECT_TRUE(row.has_value() && *row);
    return st->Int(0);
  }

  TestGateway gateway_;
  std::unique_ptr<auth::BaseUrl> base_;
  std::unique_ptr<StoreOneTimeTokens> tokens_;
  std::unique_ptr<auth::OneTimeLinks> links_;
  OrderOptions options_;
  std::unique_ptr<OrderService> orders_;
};

TEST_F(OrderServiceTest, AnApprovedOrderGoesLiveAndIsWelcomedOnce) {
  auto submitted = orders_->Submit(OrderBody("ann"), "192.0.2.7");
  ASSERT_TRUE(submitted.has_value()) << submitted.error().message;
  const int64_t id = submitted->order.id;
  // Provisioned up to its tasks: the customer, its login, the site and the zone exist.
  EXPECT_EQ(submitted->order.state, OrderState::kProvisioning);
  EXPECT_EQ(submitted->order.step, ProvisionStep::kWaitTasks);
  EXPECT_EQ(submitted->order.payment, PaymentState::kAuthorised);
  auto customer = store_->GetCustomer("ann");
  ASSERT_TRUE(customer.has_value() && customer->has_value());
  EXPECT_EQ((*customer)->email, "ann@mail.example");
  EXPECT_EQ(store_->GetSite("ann.example")->value().customer_id, (*customer)->id);
  EXPECT_TRUE(store_->GetResource("zone", "ann.example")->has_value());
  EXPECT_EQ(gateway_.captures(), 0);  // nothing captured before the account is live

  ApplyAll();
  auto live = orders_->Advance(id);
  ASSERT_TRUE(live.has_value()) << live.error().message;
  EXPECT_EQ(live->state, OrderState::kActive);
  EXPECT_EQ(live->payment, PaymentState::kCaptured);
  EXPECT_EQ(live->card_last4, "4242");
  EXPECT_EQ(gateway_.captures(), 1);
  EXPECT_EQ(States(id), (std::vector<std::string>{"submitted", "screening", "awaiting_payment",
                                                  "accepted", "provisioning", "active"}));

  auto mails = MailsTo("ann@mail.example");
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].message_id, orders_->WelcomeMessageId(id));
  EXPECT_EQ(live->welcome_message_id, mails[0].message_id);
  const std::string& bytes = mails[0].bytes;
  EXPECT_NE(bytes.find("Message-Id: <" + mails[0].message_id + ">"), std::string::npos) << bytes;
  EXPECT_NE(bytes.find("Login: ann"), std::string::npos) << bytes;
  EXPECT_NE(bytes.find("https://panel.hosting.example/set-password?token=3D"), std::string::npos)
      << bytes;                                           // quoted-printable "=" of the query
  EXPECT_EQ(bytes.find("assword: "), std::string::npos);  // no password in clear
  // The link is a one-time link for the customer's login, stored only as its hash.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM one_time_links WHERE purpose = 'password_reset'"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM users WHERE login = 'ann' AND password_hash = ''"), 1);
  // No card data columns at all.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM pragma_table_info('orders') WHERE name LIKE '%card_number%'"
                  " OR name LIKE '%cvc%' OR name LIKE '%pan%'"),
            0);
}

TEST_F(OrderServiceTest, ADeclinedCardIsToldAndNothingIsProvisioned) {
  for (const std::string token : {"tok_decline", "tok_insufficient_funds"}) {
    const std::string login = token == "tok_decline" ? "bob" : "carl";
    auto r = orders_->Submit(OrderBody(login, token), "192.0.2.7");
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(r->order.state, OrderState::kRejected);
    EXPECT_EQ(r->order.payment, PaymentState::kDeclined);
    EXPECT_EQ(r->decline_code, token == "tok_decline" ? "card_declined" : "insufficient_funds");
    EXPECT_FALSE(store_->GetCustomer(login)->has_value());
    EXPECT_TRUE(r->order.anonymised);
    EXPECT_EQ(r->order.request.email, "");
  }
  EXPECT_EQ(Count("SELECT COUNT(*) FROM customers"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM tasks"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM orders WHERE email != '' OR login != ''"), 0);
}

TEST_F(OrderServiceTest, AReviewedOrderRejectedIsMailedVoidedAndForgotten) {
  auto r = orders_->Submit(OrderBody("dora", "tok_approve", "dora@mailinator.com"), "192.0.2.7");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  const int64_t id = r->order.id;
  ASSERT_EQ(r->order.state, OrderState::kInReview);
  EXPECT_EQ(r->order.reasons, (std::vector<ScreeningReason>{{"email.disposable", 40}}));

  const Actor admin("user:root", Role::kAdmin);
  auto queue = orders_->List(admin, {std::nullopt, OrderState::kInReview, {0, 100}});
  ASSERT_TRUE(queue.has_value());
  ASSERT_EQ(queue->size(), 1u);
  // A reseller sees neither the order nor the queue's entries (a company plan's order).
  Actor reseller("user:ra", Role::kReseller);
  reseller.reseller_id = 1;
  EXPECT_EQ(orders_->Reject(reseller, id, "no").error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(orders_->List(reseller, {})->empty());
  // A customer may not list orders at all.
  Actor customer("user:x", Role::kCustomer);
  customer.customer_id = 99;
  EXPECT_EQ(orders_->List(customer, {}).error().code, ErrorCode::kForbidden);

  EXPECT_EQ(orders_->Reject(admin, id, "").error().fields.at("reason"), "reason.empty");
  auto rejected = orders_->Reject(admin, id, "We could not verify who you are.");
  ASSERT_TRUE(rejected.has_value()) << rejected.error().message;
  EXPECT_EQ(rejected->state, OrderState::kRejected);
  EXPECT_EQ(rejected->payment, PaymentState::kVoided);
  EXPECT_EQ(gateway_.voids(), 1);
  auto mails = MailsTo("dora@mailinator.com");
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_EQ(mails[0].message_id, orders_->RejectionMessageId(id));
  EXPECT_NE(mails[0].bytes.find("We could not verify who you are."), std::string::npos);

  // The personal data is gone from the store; the anonymised row, its events and the audit stay.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM orders WHERE contact_name || email || phone || login || "
                  "domain || billing_name || billing_street || billing_postcode || "
                  "billing_city || source LIKE '%dora%' OR source != ''"),
            0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM orders WHERE anonymised = 1 AND plan = 'default' AND "
                  "billing_country = 'DE' AND state = 'rejected'"),
            1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit WHERE action = 'order.reject' AND "
                  "after NOT LIKE '%dora%'"),
            1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM customers"), 0);
  EXPECT_EQ(States(id), (std::vector<std::string>{"submitted", "screening", "awaiting_payment",
                                                  "in_review", "rejected"}));
  EXPECT_EQ(orders_->Accept(admin, id).error().code, ErrorCode::kConflict);
}

TEST_F(OrderServiceTest, AReviewedOrderAcceptedIsProvisioned) {
  auto r = orders_->Submit(OrderBody("erin", "tok_approve", "erin@mailinator.com"), "192.0.2.7");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  ASSERT_EQ(r->order.state, OrderState::kInReview);
  auto accepted = orders_->Accept(Actor("user:root", Role::kAdmin), r->order.id);
  ASSERT_TRUE(accepted.has_value()) << accepted.error().message;
  EXPECT_EQ(accepted->state, OrderState::kProvisioning);
  ApplyAll();
  EXPECT_EQ(orders_->Advance(r->order.id)->state, OrderState::kActive);
}

TEST_F(OrderServiceTest, ScreeningRejectionsKeepOnlyTheAnonymisedDecision) {
  json body = OrderBody("fred");
  body["website"] = "http://spam.example";
  auto r = orders_->Submit(body, "192.0.2.7");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->order.state, OrderState::kRejected);
  EXPECT_EQ(r->order.reasons, (std::vector<ScreeningReason>{{"bot.honeypot", 100}}));
  EXPECT_TRUE(r->order.anonymised);
  EXPECT_EQ(gateway_.captures() + gateway_.voids(), 0);
  // The gateway was never asked.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM order_payments"), 0);
}

TEST_F(OrderServiceTest, BadInputStoresNothingAndNamesEveryField) {
  json body = OrderBody("0day");
  body["domain"] = "intranet";
  body["plan"] = "gold";
  auto r = orders_->Submit(body, "192.0.2.7");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().fields,
            (std::map<std::string, std::string>{{"login", "login.starts_with_digit"},
                                                {"domain", "domain.single_label"}}));
  // A plan that is not orderable, and a login that is taken, come after the form passes.
  body = OrderBody("gina");
  body["plan"] = "gold";
  EXPECT_EQ(orders_->Submit(body, "192.0.2.7").error().fields.at("plan"), "plan.not_orderable");
  ASSERT_TRUE(orders_->Submit(OrderBody("gina"), "192.0.2.7").has_value());
  auto again = orders_->Submit(OrderBody("gina"), "192.0.2.8");
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  EXPECT_EQ(again.error().fields.at("login"), "login.taken");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM orders"), 1);
}

TEST_F(OrderServiceTest, RateLimitsPerSourceAndPerEmail) {
  options_.per_source = {2, 0.0001};
  options_.per_email = {1, 0.0001};
  Restart();
  ASSERT_TRUE(orders_->Submit(OrderBody("hana"), "198.51.100.1").has_value());
  auto same_mail =
      orders_->Submit(OrderBody("hank", "tok_approve", "hana@mail.example"), "198.51.100.1");
  ASSERT_FALSE(same_mail.has_value());
  EXPECT_EQ(same_mail.error().fields.at("contact.email"), "rate.limited");
  auto third = orders_->Submit(OrderBody("hugo"), "198.51.100.1");
  ASSERT_FALSE(third.has_value());
  EXPECT_EQ(third.error().code, ErrorCode::kLimit);
  EXPECT_EQ(third.error().fields.at("source"), "rate.limited");
  EXPECT_TRUE(orders_->Submit(OrderBody("hugo"), "198.51.100.2").has_value());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM orders"), 2);
}

TEST_F(OrderServiceTest, TheManualGatewayWaitsUntilAnAdminMarksItPaid) {
  ManualGateway manual;
  Restart(&manual);
  auto r = orders_->Submit(OrderBody("ivan"), "192.0.2.7");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->order.state, OrderState::kAwaitingPayment);
  EXPECT_EQ(r->order.payment, PaymentState::kPending);
  EXPECT_FALSE(store_->GetCustomer("ivan")->has_value());
  Actor support("user:sam", Role::kSupport);
  EXPECT_EQ(orders_->MarkPaid(support, r->order.id).error().code, ErrorCode::kNotFound);
  auto paid = orders_->MarkPaid(Actor("user:root", Role::kAdmin), r->order.id);
  ASSERT_TRUE(paid.has_value()) << paid.error().message;
  EXPECT_EQ(paid->state, OrderState::kProvisioning);
  EXPECT_EQ(paid->payment, PaymentState::kCaptured);
  ApplyAll();
  EXPECT_EQ(orders_->Advance(r->order.id)->state, OrderState::kActive);
  EXPECT_EQ(orders_->MarkPaid(Actor("user:root", Role::kAdmin), r->order.id).error().code,
            ErrorCode::kConflict);
}

TEST_F(OrderServiceTest, ATimeoutAfterSuccessAuthorisesOnce) {
  auto r = orders_->Submit(OrderBody("jack", "tok_timeout_after_success"), "192.0.2.7");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->order.payment, PaymentState::kAuthorised);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM order_payments WHERE operation = 'authorise'"), 1);
}

// A failure at every provisioning step, before and after its commit (what kill -9 there leaves
// behind), then a restarted service: the order completes with one customer, one capture and one
// welcome mail with its fixed Message-ID.
TEST_F(OrderServiceTest, AFailureAtEveryStepResumesAndCompletesExactlyOnce) {
  const std::vector<std::string> points = {
      "order.start.before_commit",   "order.start.after_commit",    "order.customer.before_commit",
      "order.customer.after_commit", "order.site.before_commit",    "order.site.after_commit",
      "order.zone.before_commit",    "order.zone.after_commit",     "order.tasks.before_commit",
      "order.tasks.after_commit",    "order.capture.after_call",    "order.capture.before_commit",
      "order.capture.after_commit",  "order.welcome.before_commit", "order.welcome.after_commit"};
  int n = 0;
  for (const auto& point : points) {
    SCOPED_TRACE(point);
    const std::string login = "user" + std::to_string(n++);
    const int captures_before = gateway_.captures();
    // On until it fires once (Hits counts while a point is on), then off: the restarted
    // service runs without it.
    failpoint::Enable(point, failpoint::Setting{});
    bool fired = false;
    auto check = [&] {
      if (!fired && failpoint::Hits(point) > 0) {
        fired = true;
        failpoint::Disable(point);
      }
    };
    Restart();
    auto r = orders_->Submit(OrderBody(login), "192.0.2.7");
    check();
    ASSERT_TRUE(r.has_value()) << r.error().message;
    const int64_t id = r->order.id;
    for (int round = 0; round < 4; ++round) {
      ApplyAll();
      (void)orders_->Advance(id);  // may hit the point
      check();
      Restart();  // the controller comes back
      (void)orders_->AdvanceAll();
      check();
    }
    EXPECT_TRUE(fired);
    failpoint::Disable(point);
    Order o = Reload(id);
    EXPECT_EQ(o.state, OrderState::kActive);
    EXPECT_EQ(gateway_.captures(), captures_before + 1);
    EXPECT_EQ(Count("SELECT COUNT(*) FROM customers WHERE login = '" + login + "'"), 1);
    auto mails = MailsTo(login + "@mail.example");
    ASSERT_EQ(mails.size(), 1u);
    EXPECT_EQ(mails[0].message_id, orders_->WelcomeMessageId(id));
  }
}

}  // namespace
}  // namespace hostplane::controller
