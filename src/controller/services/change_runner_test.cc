// One change, several services: a customer with a site, a mailbox and a zone made in one
// transaction and one change id — all of it, or (when any step fails) nothing at all.

#include "controller/services/change_runner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include "common/bus/bus.h"
#include "common/crypto.h"
#include "common/failpoint.h"
#include "controller/services/hosting.h"
#include "controller/store/temp_store_for_test.h"
#include "protocol/account_spec.h"
#include "protocol/mail_account_spec.h"
#include "protocol/mail_client_spec.h"
#include "protocol/mail_spec.h"
#include "protocol/messages.h"
#include "protocol/zone_spec.h"

namespace hostplane::controller {
namespace {

using namespace std::chrono_literals;

const Actor kAdmin{"token:admin", Role::kAdmin};

class ComposedChangeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(InitCrypto());
    bus_ = NewInProcessBus();
    engine_ = std::make_unique<TaskEngine>(*store_, *bus_, store_.clock(), *SigningKey::Generate());
    hosting_ = std::make_unique<Hosting>(*store_, *engine_, store_.clock());
    for (auto [name, role] : {std::pair{"web1", "web"}, {"mx1", "mail"}, {"ns1", "dns"}}) {
      ASSERT_TRUE(hosting_->nodes().Create(kAdmin, {name, {role}, 100, "192.0.2.1"}));
    }
    ASSERT_TRUE(hosting_->plans().Create(kAdmin, {"nozones", {}, {}, {}, {}, {}, 0, {}, {}}));
    // Every doorbell rung from now on.
    for (const char* node : {"web1", "mx1", "ns1"}) {
      auto sub = bus_->Subscribe(protocol::KeySubject(node), "", [this, node](const BusMessage&) {
        std::lock_guard lock(mu_);
        rung_.push_back(node);
      });
      ASSERT_TRUE(sub.has_value());
      subs_.push_back(std::move(*sub));
    }
  }
  void TearDown() override { failpoint::DisableAll(); }

  // The order: the customer, its site, a mailbox at its domain and its zone, in one change.
  Result<Change<Customer>> Order(const std::string& plan) {
    HP_ASSIGN_OR_RETURN(
        NewCustomer customer,
        CustomerService::Check({"acme", "", "ops@acme.example", std::nullopt, plan}));
    HP_ASSIGN_OR_RETURN(NewSite site, hosting_->sites().CheckNew({"acme.example", "acme", {}}));
    HP_ASSIGN_OR_RETURN(NewMailbox box, MailService::CheckMailbox(
                                            {"info@acme.example", "acme", "s3cret-Passw0rd"}));
    HP_ASSIGN_OR_RETURN(NewZone zone, DnsService::CheckZone({"acme.example", "acme"}));
    return hosting_->runner().Run(kAdmin, "order", [&](ChangeContext& change) -> Result<Customer> {
      HP_ASSIGN_OR_RETURN(Customer c, hosting_->customers().Create(change, customer));
      HP_TRY(hosting_->sites().Create(change, site));
      HP_TRY(hosting_->mail().AddMailbox(change, box));
      HP_TRY(hosting_->dns().AddZone(change, zone));
      return c;
    });
  }

  struct Counts {
    size_t customers, sites, resources, tasks, audit;
    int64_t heads;
    bool operator==(const Counts&) const = default;
  };
  Counts Count() {
    Page all{0, 10'000};
    TaskFilter tasks;
    tasks.page = all;
    size_t resources = 0;
    for (const char* kind : {"maildomain", "mailbox", "zone"}) {
      resources += store_->ListResources({kind})->size();
    }
    int64_t heads = 0;
    auto nodes = store_->ListNodes();
    for (const auto& n : *nodes) heads += n.head_revision;
    return {
        store_->ListCustomers(all)->size(), store_->ListSites(std::nullopt, all)->size(), resources,
        store_->ListTasks(tasks)->size(),   store_->ListAudit(all, std::nullopt)->size(), heads};
  }
  // The doorbells rung so far, once `expected` have rung or 5 s have passed (the in-process bus
  // delivers on its own thread); with expected 0, after 50 ms.
  std::vector<std::string> Rung(size_t expected = 0) {
    auto deadline = std::chrono::steady_clock::now() + (expected == 0 ? 50ms : 5s);
    while (std::chrono::steady_clock::now() < deadline) {
      {
        std::lock_guard lock(mu_);
        if (expected > 0 && rung_.size() >= expected) break;
      }
      std::this_thread::sleep_for(1ms);
    }
    std::lock_guard lock(mu_);
    return rung_;
  }

  TempStore store_;
  std::unique_ptr<Bus> bus_;
  std::unique_ptr<TaskEngine> engine_;
  std::unique_ptr<Hosting> hosting_;
  std::vector<std::unique_ptr<Subscription>> subs_;
  std::mutex mu_;
  std::vector<std::string> rung_;
};

TEST_F(ComposedChangeTest, ACustomerWithASiteAMailboxAndAZoneIsOneChange) {
  const Counts before = Count();
  auto order = Order("default");
  ASSERT_TRUE(order.has_value()) << order.error().message;
  const int64_t id = order->change_id;
  ASSERT_GT(id, 0);

  // Every task of every step carries the one change id, that of the first audit entry.
  std::set<std::string> kinds;
  for (const auto& t : order->tasks) {
    EXPECT_EQ(t.change_id, id) << t.object_key;
    EXPECT_EQ(t.customer_id, order->object.id) << t.object_key;
    kinds.insert(t.kind);
  }
  // The mail domain brings the account's mail settings on its mail node (mailaccount.ensure)
  // and the mail clients' set-up there (mailclient.ensure).
  EXPECT_EQ(kinds, (std::set<std::string>{protocol::kAccountEnsure, protocol::kSiteEnsure,
                                          protocol::kMailDomainEnsure, protocol::kMailAccountEnsure,
                                          protocol::kMailClientEnsure, protocol::kZoneEnsure}));
  TaskFilter of_change;
  of_change.change_id = id;
  EXPECT_EQ(store_->ListTasks(of_change)->size(), order->tasks.size());

  // Each step still has its own audit entry, the first of them the change.
  auto audit = store_->ListAudit({}, std::nullopt);
  ASSERT_TRUE(audit.has_value());
  std::vector<std::string> actions;
  for (const auto& a : *audit) {
    if (a.id >= id) actions.push_back(a.action);
  }
  EXPECT_EQ(actions, (std::vector<std::string>{"customer.create", "site.create", "mailbox.create",
                                               "zone.create"}));
  EXPECT_EQ(audit->back().customer_id, order->object.id);

  const Counts after = Count();
  EXPECT_EQ(after.customers, before.customers + 1);
  EXPECT_EQ(after.sites, before.sites + 1);
  EXPECT_EQ(after.resources, before.resources + 3);  // the mail domain, the mailbox, the zone
  EXPECT_EQ(after.tasks, before.tasks + order->tasks.size());
  // Rung once the change had committed: each node that got tasks.
  auto rung = Rung(3);
  std::sort(rung.begin(), rung.end());
  EXPECT_EQ(rung, (std::vector<std::string>{"mx1", "ns1", "web1"}));
}

TEST_F(ComposedChangeTest, AFailureInTheLastStepLeavesNothing) {
  const Counts before = Count();
  // The plan allows no zone: the last step is refused after the first three have written.
  auto order = Order("nozones");
  ASSERT_FALSE(order.has_value());
  EXPECT_EQ(order.error().code, ErrorCode::kLimit);
  EXPECT_EQ(order.error().fields.at("zone"), "plan.dns_zones_limit");
  EXPECT_TRUE(Count() == before) << "a step of a failed change was kept";
  EXPECT_FALSE(store_->GetCustomer("acme")->has_value());
  EXPECT_FALSE(store_->GetResource("mailbox", "info@acme.example")->has_value());
  EXPECT_TRUE(Rung().empty()) << "a doorbell rang for tasks that do not exist";

  // The uid counter went back too: the next customer gets the first uid.
  auto c = hosting_->customers().Create(kAdmin, {"beta", "", "ops@beta.example", {}, {}});
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->object.uid, hosting_->options().uid_first);
}

TEST_F(ComposedChangeTest, AFailpointBeforeTheCommitUndoesEverythingAfterItLeavesItAll) {
  const Counts before = Count();
  failpoint::Enable("order.before_commit", failpoint::Action::kError);
  auto order = Order("default");
  ASSERT_FALSE(order.has_value());
  EXPECT_EQ(order.error().message, "failpoint order.before_commit");
  EXPECT_TRUE(Count() == before);
  failpoint::DisableAll();

  // After the commit: the change is there (the caller hears of the failure), its doorbells did
  // not ring; the agents find its tasks when they fetch (P9).
  failpoint::Enable("order.after_commit", failpoint::Action::kError);
  order = Order("default");
  ASSERT_FALSE(order.has_value());
  EXPECT_TRUE(store_->GetCustomer("acme")->has_value());
  EXPECT_TRUE(Rung().empty());
  auto fetched = store_->FetchTasks("web1", 0, 100, store_.clock().NowMillis());
  ASSERT_TRUE(fetched.has_value());
  EXPECT_EQ(fetched->tasks.size(), 2u);  // the account and the site
}

}  // namespace
}  // namespace hostplane::controller
