// The tenancy model in the store and the services: migrations keep existing data, a reseller's
// customers and plans are its own, every list is scoped in its query (a limited user's by its
// grants), a reseller's limits hold under 50 parallel creates, overselling is a setting.

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "common/bus/bus.h"
#include "common/crypto.h"
#include "common/sqlite/database.h"
#include "controller/services/hosting.h"
#include "controller/services/service_support.h"
#include "controller/store/sqlite_schema.h"
#include "controller/store/temp_store_for_test.h"

namespace hostplane::controller {
namespace {

const Actor kAdmin("token:admin", Role::kAdmin);

class Tenancy : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(InitCrypto());
    bus_ = NewInProcessBus();
    engine_ = std::make_unique<TaskEngine>(*store_, *bus_, store_.clock(), *SigningKey::Generate());
    hosting_ = std::make_unique<Hosting>(*store_, *engine_, store_.clock());
    ASSERT_TRUE(hosting_->nodes().Create(kAdmin, {"web1", {"web", "mail"}, 100000}));
    a_ = AddReseller("ra", 7, 5, false);
    b_ = AddReseller("rb", std::nullopt, std::nullopt, true);
  }

  Actor AddReseller(const std::string& login, Limit customers, Limit sites, bool overselling) {
    Reseller r;
    r.login = login;
    r.name = login;
    r.email = login + "@example.net";
    r.max_customers = customers;
    r.max_sites = sites;
    r.overselling = overselling;
    Actor out;
    EXPECT_TRUE(store_->Write([&](StoreTxn& tx) -> Status {
      HP_ASSIGN_OR_RETURN(Reseller stored, tx.resellers().Insert(r));
      User u;
      u.login = login;
      u.name = login;
      u.role = "reseller";
      u.reseller_id = stored.id;
      HP_ASSIGN_OR_RETURN(User su, tx.users().Insert(u));
      out = ActorOf(su);
      return Ok();
    }));
    return out;
  }

  Actor CustomerActor(const std::string& login) {
    auto c = store_->GetCustomer(login);
    EXPECT_TRUE(c && *c);
    Actor a("user:" + login, Role::kCustomer);
    a.customer_id = (*c)->id;
    a.reseller_id = (*c)->reseller_id;
    return a;
  }

  TempStore store_;
  std::unique_ptr<Bus> bus_;
  std::unique_ptr<TaskEngine> engine_;
  std::unique_ptr<Hosting> hosting_;
  Actor a_, b_;
};

TEST_F(Tenancy, AResellersCustomersArePlansAreItsOwnAndListsAreScopedInTheQuery) {
  PlanInput silver;
  silver.name = "a-silver";
  silver.sites = 1;
  ASSERT_TRUE(hosting_->plans().Create(a_, silver));
  PlanInput gold;
  gold.name = "b-gold";
  ASSERT_TRUE(hosting_->plans().Create(b_, gold));
  ASSERT_TRUE(hosting_->customers().Create(a_, {"alpha", "", "a@alpha.example", {}, "a-silver"}));
  ASSERT_TRUE(hosting_->customers().Create(b_, {"beta", "", "b@beta.example", {}, "b-gold"}));
  ASSERT_TRUE(hosting_->customers().Create(kAdmin, {"gamma", "", "g@g.example", {}, {}}));
  // A reseller may not give its customer another's plan, nor the company's default.
  auto foreign = hosting_->customers().Create(a_, {"delta", "", "d@d.example", {}, "b-gold"});
  ASSERT_FALSE(foreign);
  EXPECT_EQ(foreign.error().fields.at("plan"), "plan.unknown");
  auto company = hosting_->customers().Create(a_, {"delta", "", "d@d.example", {}, {}});
  ASSERT_FALSE(company);
  EXPECT_EQ(company.error().fields.at("plan"), "plan.unknown");

  auto listed = hosting_->customers().List(a_, {});
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().login, "alpha");
  EXPECT_EQ(listed->front().reseller_id, a_.reseller_id);
  auto plans = hosting_->plans().List(a_);
  ASSERT_TRUE(plans);
  ASSERT_EQ(plans->size(), 1u);
  EXPECT_EQ(plans->front().name, "a-silver");
  auto all = hosting_->customers().List(kAdmin, {});
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 3u);

  // Not yours = not there: the same error, word for word.
  auto hidden = hosting_->customers().Get(a_, "beta");
  auto missing = hosting_->customers().Get(a_, "nosuch");
  ASSERT_FALSE(hidden);
  ASSERT_FALSE(missing);
  EXPECT_EQ(hidden.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(hidden.error().message, NotFound("customer", "beta").message);
  auto suspend_other = hosting_->customers().Suspend(a_, "beta");
  ASSERT_FALSE(suspend_other);
  EXPECT_EQ(suspend_other.error().code, ErrorCode::kNotFound);

  // A customer lists only its own sites; B's customer sees none of A's.
  ASSERT_TRUE(hosting_->sites().Create(kAdmin, {"alpha.example", "alpha", {}}));
  ASSERT_TRUE(hosting_->sites().Create(kAdmin, {"beta.example", "beta", {}}));
  auto alpha_sites = hosting_->sites().List(CustomerActor("alpha"), std::nullopt, {});
  ASSERT_TRUE(alpha_sites);
  ASSERT_EQ(alpha_sites->size(), 1u);
  EXPECT_EQ(alpha_sites->front().domain, "alpha.example");
  auto beta_reads_alpha = hosting_->sites().Get(CustomerActor("beta"), "alpha.example");
  ASSERT_FALSE(beta_reads_alpha);
  EXPECT_EQ(beta_reads_alpha.error().code, ErrorCode::kNotFound);
  auto suspended = hosting_->customers().Suspend(a_, "alpha");
  ASSERT_TRUE(suspended);
  EXPECT_EQ(suspended->object.status, CustomerStatus::kSuspended);
  auto beta = store_->GetCustomer("beta");
  ASSERT_TRUE(beta && *beta);
  EXPECT_EQ((*beta)->status, CustomerStatus::kActive) << "a refused write changed nothing";
}

TEST_F(Tenancy, ALimitedUserSeesOnlyItsGrantsInTheQuery) {
  ASSERT_TRUE(hosting_->customers().Create(kAdmin, {"acme", "", "o@acme.example", {}, {}}));
  for (const char* d : {"one.example", "two.example", "three.example"}) {
    ASSERT_TRUE(hosting_->sites().Create(kAdmin, {d, "acme", {}}));
  }
  auto acme = store_->GetCustomer("acme");
  User u;
  u.login = "designer";
  u.name = "designer";
  u.role = "customer_user";
  u.customer_id = (*acme)->id;
  u.full_access = false;
  u.grants = {{"site", "two.example"}};
  Actor designer;
  ASSERT_TRUE(store_->Write([&](StoreTxn& tx) -> Status {
    HP_ASSIGN_OR_RETURN(User stored, tx.users().Insert(u));
    designer = ActorOf(stored);
    return Ok();
  }));
  auto sites = hosting_->sites().List(designer, std::nullopt, {});
  ASSERT_TRUE(sites);
  ASSERT_EQ(sites->size(), 1u);
  EXPECT_EQ(sites->front().domain, "two.example");
  EXPECT_TRUE(hosting_->sites().Get(designer, "two.example"));
  auto other = hosting_->sites().Get(designer, "one.example");
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code, ErrorCode::kNotFound);
  auto create = hosting_->sites().Create(designer, {"four.example", "acme", {}});
  ASSERT_FALSE(create);
  EXPECT_EQ(store_->GetSite("four.example")->has_value(), false);
}

// 50 creates at once against a reseller allowed 7 customers: exactly 7 exist, 43 were refused
// with the limit's code.
TEST_F(Tenancy, FiftyParallelCreatesAtAResellersLimitLeaveExactlyTheLimit) {
  PlanInput small;
  small.name = "a-small";
  small.sites = 0;
  ASSERT_TRUE(hosting_->plans().Create(a_, small));
  std::atomic<int> ok{0}, limited{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 50; ++i) {
    threads.emplace_back([&, i] {
      const std::string login = "cust" + std::to_string(i);
      auto r = hosting_->customers().Create(a_, {login, "", login + "@x.example", {}, "a-small"});
      if (r) {
        ++ok;
      } else if (r.error().code == ErrorCode::kLimit && r.error().fields.count("login") &&
                 r.error().fields.at("login") == "reseller.customers_limit") {
        ++limited;
      } else {
        ++other;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 7);
  EXPECT_EQ(limited.load(), 43);
  EXPECT_EQ(other.load(), 0);
  auto listed = hosting_->customers().List(a_, {0, 1000});
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->size(), 7u);
}

TEST_F(Tenancy, WithoutOversellingThePlansMayNotPromiseMoreSitesThanTheReseller) {
  // Reseller A: 5 sites, no overselling. Plans of 2 sites: two customers fit, a third does not;
  // an unlimited plan never does.
  PlanInput two;
  two.name = "a-two";
  two.sites = 2;
  ASSERT_TRUE(hosting_->plans().Create(a_, two));
  PlanInput unlimited;
  unlimited.name = "a-unlimited";
  ASSERT_TRUE(hosting_->plans().Create(a_, unlimited));
  ASSERT_TRUE(hosting_->customers().Create(a_, {"cc1", "", "c1@x.example", {}, "a-two"}));
  ASSERT_TRUE(hosting_->customers().Create(a_, {"cc2", "", "c2@x.example", {}, "a-two"}));
  auto third = hosting_->customers().Create(a_, {"cc3", "", "c3@x.example", {}, "a-two"});
  ASSERT_FALSE(third);
  EXPECT_EQ(third.error().code, ErrorCode::kLimit);
  EXPECT_EQ(third.error().fields.at("plan"), "reseller.oversold");
  auto unl = hosting_->customers().Create(a_, {"cc4", "", "c4@x.example", {}, "a-unlimited"});
  ASSERT_FALSE(unl);
  EXPECT_EQ(unl.error().fields.at("plan"), "reseller.oversold");
  // Reseller B oversells: an unlimited plan is fine; only what exists counts.
  PlanInput b_unl;
  b_unl.name = "b-unlimited";
  ASSERT_TRUE(hosting_->plans().Create(b_, b_unl));
  EXPECT_TRUE(hosting_->customers().Create(b_, {"dd1", "", "d1@x.example", {}, "b-unlimited"}));
}

TEST_F(Tenancy, AResellersSitesLimitHoldsAcrossItsCustomers) {
  ASSERT_TRUE(store_->Write([&](StoreTxn& tx) -> Status {
    auto r = tx.resellers().FindById(*a_.reseller_id);
    Reseller changed = **r;
    changed.max_sites = 2;
    changed.overselling = true;
    return tx.resellers().Update(changed);
  }));
  PlanInput any;
  any.name = "a-any";
  ASSERT_TRUE(hosting_->plans().Create(a_, any));
  ASSERT_TRUE(hosting_->customers().Create(a_, {"ss1", "", "s1@x.example", {}, "a-any"}));
  ASSERT_TRUE(hosting_->customers().Create(a_, {"ss2", "", "s2@x.example", {}, "a-any"}));
  ASSERT_TRUE(hosting_->sites().Create(a_, {"s1.example", "ss1", {}}));
  ASSERT_TRUE(hosting_->sites().Create(a_, {"s2.example", "ss2", {}}));
  auto third = hosting_->sites().Create(a_, {"s3.example", "ss1", {}});
  ASSERT_FALSE(third);
  EXPECT_EQ(third.error().code, ErrorCode::kLimit);
  EXPECT_EQ(third.error().fields.at("domain"), "reseller.sites_limit");
  EXPECT_FALSE(store_->GetSite("s3.example")->has_value());
}

// A store written before people and permissions opens with its customers the company's, and a
// customer that had a panel password has its login.
TEST(TenancyMigration, ExistingCustomersBelongToTheCompanyAndKeepTheirLogin) {
  TempStore fresh;
  const std::string path = fresh.dir() + "/old.db";
  {
    auto db = sqlite::Database::Open(path);
    ASSERT_TRUE(db);
    std::vector<sqlite::Migration> old;
    for (const auto& m : StoreMigrations()) {
      if (m.version <= 7) old.push_back(m);
    }
    ASSERT_TRUE(sqlite::Migrate(*db, old));
    ASSERT_TRUE(db->Exec(
        "INSERT INTO customers (login, name, email, password_hash, status, plan_id, created_at, "
        "updated_at, uid) VALUES ('old', 'Old', 'o@old.example', '$argon2id$x', 'active', 1, 1, "
        "1, 20001), ('nopw', 'No', 'n@old.example', '', 'active', 1, 1, 1, 20002)"));
    ASSERT_TRUE(db->Exec(
        "INSERT INTO api_tokens (name, token_hash, role, created_at) VALUES ('t', 'h', 'admin', "
        "1)"));
  }
  auto store = OpenSqliteStore(path);
  ASSERT_TRUE(store) << store.error().message;
  auto old = (*store)->GetCustomer("old");
  ASSERT_TRUE(old && *old);
  EXPECT_FALSE((*old)->reseller_id.has_value());
  auto login = (*store)->Read([&](StoreTxn& tx) { return tx.users().FindByLogin("old"); });
  ASSERT_TRUE(login && *login);
  EXPECT_EQ((*login)->role, "customer");
  EXPECT_EQ((*login)->customer_id, (*old)->id);
  EXPECT_EQ((*login)->password_hash, "$argon2id$x");
  auto by_mail =
      (*store)->Read([&](StoreTxn& tx) { return tx.users().FindByLoginOrEmail("o@old.example"); });
  ASSERT_TRUE(by_mail && *by_mail);
  EXPECT_EQ((*by_mail)->login, "old");
  auto none = (*store)->Read([&](StoreTxn& tx) { return tx.users().FindByLogin("nopw"); });
  ASSERT_TRUE(none);
  EXPECT_FALSE(none->has_value()) << "no password, no login";
  auto token = (*store)->FindToken("h");
  ASSERT_TRUE(token && *token);
  EXPECT_FALSE((*token)->user_id.has_value());
  EXPECT_EQ((*token)->scopes, std::vector<std::string>{"admin"});
}

}  // namespace
}  // namespace hostplane::controller
