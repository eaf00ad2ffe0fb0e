#include "controller/services/hosting.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <tuple>

#include "common/bus/bus.h"
#include "common/crypto.h"
#include "controller/engine/task_engine.h"
#include "controller/store/temp_store_for_test.h"
#include "protocol/messages.h"

namespace hostplane::controller {
namespace {

using namespace std::chrono_literals;

const Actor kAdmin{"token:admin", Role::kAdmin};

class HostingServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(InitCrypto());
    bus_ = NewInProcessBus();
    engine_ = std::make_unique<TaskEngine>(*store_, *bus_, store_.clock(), *SigningKey::Generate());
    service_ = std::make_unique<Hosting>(*store_, *engine_, store_.clock());
  }

  void AddNode(const std::string& name, int64_t capacity = 100,
               std::vector<std::string> roles = {"web"}) {
    auto n = service_->nodes().Create(kAdmin, {name, std::move(roles), capacity});
    ASSERT_TRUE(n.has_value()) << n.error().message;
  }
  void AddCustomer(const std::string& login, std::optional<std::string> plan = std::nullopt) {
    auto c = service_->customers().Create(
        kAdmin, {login, "", "ops@" + login + ".example", std::nullopt, std::move(plan)});
    ASSERT_TRUE(c.has_value()) << c.error().message;
  }
  Result<Change<Site>> AddSite(const std::string& domain, const std::string& customer,
                               std::vector<std::string> aliases = {}) {
    return service_->sites().Create(kAdmin, {domain, customer, std::move(aliases), std::nullopt});
  }

  struct Counts {
    size_t customers, sites, tasks, audit, nodes;
    bool operator==(const Counts&) const = default;
  };
  Counts Count() {
    Page all{0, 10'000};
    TaskFilter tasks;
    tasks.page = all;
    return {store_->ListCustomers(all)->size(), store_->ListSites(std::nullopt, all)->size(),
            store_->ListTasks(tasks)->size(), store_->ListAudit(all, std::nullopt)->size(),
            store_->ListNodes()->size()};
  }

  TempStore store_;
  std::unique_ptr<Bus> bus_;
  std::unique_ptr<TaskEngine> engine_;
  std::unique_ptr<Hosting> service_;
};

TEST_F(HostingServiceTest, SitesBecomeTasksWithIncreasingRevisionsOnTheirNode) {
  AddNode("web1");
  AddCustomer("acme");
  std::vector<int64_t> keys;
  std::mutex mu;
  auto sub = bus_->Subscribe(protocol::KeySubject("web1"), "", [&](const BusMessage& m) {
    std::lock_guard lock(mu);
    keys.push_back(protocol::DecodeKey(m.data)->revision);
  });
  ASSERT_TRUE(sub.has_value());

  auto shop = AddSite("Shop.Acme.Example.", "acme", {"www.shop.acme.example", "b.acme.example"});
  ASSERT_TRUE(shop.has_value()) << shop.error().message;
  auto blog = AddSite("blog.acme.example", "acme");
  ASSERT_TRUE(blog.has_value()) << blog.error().message;

  EXPECT_EQ(shop->object.domain, "shop.acme.example");
  EXPECT_EQ(shop->object.docroot, "sites/shop.acme.example/public");
  EXPECT_EQ(shop->object.node_name, "web1");
  EXPECT_EQ(shop->object.aliases,
            (std::vector<std::string>{"b.acme.example", "www.shop.acme.example"}));
  // The customer's first site on a node also creates its account there (Unix user, PHP pool);
  // later sites need nothing new from the account.
  ASSERT_EQ(shop->tasks.size(), 2u);
  ASSERT_EQ(blog->tasks.size(), 1u);
  EXPECT_EQ(shop->tasks[0].kind, "account.ensure");
  EXPECT_EQ(shop->tasks[0].object_key, "account:acme");
  EXPECT_EQ(shop->tasks[0].spec["uid"], service_->options().uid_first);
  EXPECT_LT(shop->tasks[0].revision, shop->tasks[1].revision);
  const TaskRecord& t1 = shop->tasks[1];
  EXPECT_EQ(t1.kind, protocol::kSiteEnsure);
  EXPECT_EQ(t1.object_key, "site:shop.acme.example");
  EXPECT_EQ(t1.node_name, "web1");
  EXPECT_EQ(t1.change_id, shop->change_id);
  EXPECT_LT(t1.revision, blog->tasks[0].revision);
  auto spec = protocol::SiteSpecFromJson(t1.spec);
  ASSERT_TRUE(spec.has_value()) << t1.spec.dump();
  EXPECT_EQ(*spec, (protocol::SiteSpec{"shop.acme.example",
                                       {"b.acme.example", "www.shop.acme.example"},
                                       "acme",
                                       "sites/shop.acme.example/public",
                                       "active"}));

  auto audit = store_->ListAudit({}, "site:shop.acme.example");
  ASSERT_TRUE(audit.has_value());
  ASSERT_EQ(audit->size(), 1u);
  EXPECT_EQ((*audit)[0].id, shop->change_id);
  EXPECT_EQ((*audit)[0].actor, "token:admin");
  EXPECT_EQ((*audit)[0].action, "site.create");
  EXPECT_TRUE((*audit)[0].before.is_null());
  EXPECT_EQ((*audit)[0].after["domain"], "shop.acme.example");

  EXPECT_EQ(store_->GetNode("web1")->value().head_revision, blog->tasks[0].revision);
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < deadline) {
    std::lock_guard lock(mu);
    if (keys.size() >= 2) break;
    std::this_thread::sleep_for(1ms);
  }
  std::lock_guard lock(mu);
  EXPECT_EQ(keys, (std::vector<int64_t>{t1.revision, blog->tasks[0].revision}));
}

TEST_F(HostingServiceTest, InvalidInputIsRefusedWithEveryFieldAndWritesNothing) {
  AddNode("web1");
  AddCustomer("acme");
  const Counts before = Count();
  struct Case {
    const char* name;
    std::function<Status()> call;
    std::map<std::string, std::string> fields;
  };
  auto site = [&](SiteInput in) -> std::function<Status()> {
    return [this, in]() -> Status {
      HP_TRY(service_->sites().Create(kAdmin, in));
      return Ok();
    };
  };
  auto customer = [&](CustomerInput in) -> std::function<Status()> {
    return [this, in]() -> Status {
      HP_TRY(service_->customers().Create(kAdmin, in));
      return Ok();
    };
  };
  auto node = [&](NodeInput in) -> std::function<Status()> {
    return [this, in]() -> Status {
      HP_TRY(service_->nodes().Create(kAdmin, in));
      return Ok();
    };
  };
  const std::vector<Case> cases = {
      {"bad domain",
       site({"evil.example;", "acme", {}, std::nullopt}),
       {{"domain", "domain.invalid_character"}}},
      {"every field at once",
       site({"a..example", "0day", {"ok.example", "bad;.example"}, "../../etc"}),
       {{"domain", "domain.label_empty"},
        {"customer", "login.starts_with_digit"},
        {"aliases[1]", "domain.invalid_character"},
        {"docroot", "path.dot_dot"}}},
      {"alias repeats the domain",
       site({"x.example", "acme", {"x.example"}, std::nullopt}),
       {{"aliases[0]", "domain.duplicate"}}},
      {"absolute docroot", site({"y.example", "acme", {}, "/etc"}), {{"docroot", "path.absolute"}}},
      {"customer fields",
       customer({"root", "bad\nname", "not-an-email", std::string("short"), std::nullopt}),
       {{"login", "login.reserved"},
        {"name", "name.control_character"},
        {"email", "email.invalid"},
        {"password", "password.too_short"}}},
      {"unknown plan",
       customer({"fresh", "", "a@b.example", std::nullopt, "gold"}),
       {{"plan", "plan.unknown"}}},
      {"node fields",
       node({"Web_1", {"web", "gopher"}, 0}),
       {{"name", "node.invalid"},
        {"roles[1]", "role.unknown"},
        {"capacity", "number.out_of_range"}}},
      {"node without roles", node({"web9", {}, 10}), {{"roles", "roles.empty"}}},
  };
  for (const auto& c : cases) {
    auto s = c.call();
    ASSERT_FALSE(s.has_value()) << c.name;
    EXPECT_EQ(s.error().code, ErrorCode::kInvalid) << c.name << ": " << s.error().message;
    EXPECT_EQ(s.error().fields, c.fields) << c.name << ": " << s.error().message;
    EXPECT_FALSE(s.error().message.empty()) << c.name;
  }
  EXPECT_TRUE(Count() == before) << "a refused request wrote something";
  EXPECT_EQ(store_->GetNode("web1")->value().head_revision, 0);
}

TEST_F(HostingServiceTest, NamesAreUniqueAcrossDomainsAndAliasesOfAllSites) {
  AddNode("web1");
  AddCustomer("acme");
  AddCustomer("other");
  ASSERT_TRUE(AddSite("a.example", "acme", {"www.a.example"}).has_value());
  const Counts before = Count();
  struct Case {
    const char* name;
    std::string domain, customer;
    std::vector<std::string> aliases;
    std::map<std::string, std::string> fields;
  };
  const std::vector<Case> cases = {
      {"same domain", "a.example", "acme", {}, {{"domain", "domain.taken"}}},
      {"domain is another site's alias", "www.a.example", "acme", {}, {{"domain", "domain.taken"}}},
      {"alias is another site's alias",
       "b.example",
       "acme",
       {"ok.b.example", "www.a.example"},
       {{"aliases[1]", "domain.taken"}}},
      {"alias is another site's domain",
       "c.example",
       "acme",
       {"a.example"},
       {{"aliases[0]", "domain.taken"}}},
      {"taken by another customer", "a.example", "other", {}, {{"domain", "domain.taken"}}},
  };
  for (const auto& c : cases) {
    auto r = AddSite(c.domain, c.customer, c.aliases);
    ASSERT_FALSE(r.has_value()) << c.name;
    EXPECT_EQ(r.error().code, ErrorCode::kConflict) << c.name;
    EXPECT_EQ(r.error().fields, c.fields) << c.name << ": " << r.error().message;
  }
  EXPECT_TRUE(Count() == before);
  // Removing a site frees its names.
  ASSERT_TRUE(service_->sites().Remove(kAdmin, "a.example", false).has_value());
  EXPECT_TRUE(AddSite("www.a.example", "other").has_value());
}

TEST_F(HostingServiceTest, ParentDomainsOfAnotherCustomerAreRefused) {
  AddNode("web1");
  AddCustomer("acme");
  AddCustomer("other");
  ASSERT_TRUE(AddSite("acme.example", "acme").has_value());
  auto theirs = AddSite("shop.acme.example", "other");
  ASSERT_FALSE(theirs.has_value());
  EXPECT_EQ(theirs.error().code, ErrorCode::kConflict);
  EXPECT_EQ(theirs.error().fields,
            (std::map<std::string, std::string>{{"domain", "domain.owned_by_other_customer"}}));
  auto deep = AddSite("other.example", "other", {"x.y.acme.example"});
  ASSERT_FALSE(deep.has_value());
  EXPECT_EQ(deep.error().fields,
            (std::map<std::string, std::string>{{"aliases[0]", "domain.owned_by_other_customer"}}));
  EXPECT_TRUE(AddSite("shop.acme.example", "acme").has_value()) << "its own subdomain is fine";
}

TEST_F(HostingServiceTest, PlanLimitHoldsExactlyUnderParallelCreates) {
  AddNode("web1");
  PlanInput three;
  three.name = "three";
  three.sites = 3;
  ASSERT_TRUE(service_->plans().Create(kAdmin, three));
  AddCustomer("acme", "three");
  std::atomic<int> created{0}, limited{0}, other{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      auto r = AddSite("s" + std::to_string(i) + ".acme.example", "acme");
      if (r) {
        ++created;
      } else if (r.error().code == ErrorCode::kLimit &&
                 r.error().fields.at("domain") == "plan.sites_limit") {
        ++limited;
      } else {
        ++other;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(created.load(), 3);
  EXPECT_EQ(limited.load(), 5);
  EXPECT_EQ(other.load(), 0);
  EXPECT_EQ(store_->ListSites("acme", {})->size(), 3u);
  // Three sites and the account they share.
  EXPECT_EQ(store_->GetNode("web1")->value().head_revision, 4);
}

// Four controllers on one store (on PostgreSQL each its own connections, so their writes really
// run at once): 50 creates at a plan limit of 5 sites, and at a reseller's limit of 3 customers,
// end with exactly the limit, every other create refused with the limit's code.
TEST_F(HostingServiceTest, LimitsHoldExactlyWhenFourControllersCreateAtOnce) {
  AddNode("web1", 1000);
  PlanInput five;
  five.name = "five";
  five.sites = 5;
  ASSERT_TRUE(service_->plans().Create(kAdmin, five));
  AddCustomer("acme", "five");
  ResellerInput rs;
  rs.login = "rsl";
  rs.email = "ops@rsl.example";
  rs.max_customers = 3;
  auto reseller = service_->resellers().Create(kAdmin, rs);
  ASSERT_TRUE(reseller.has_value()) << reseller.error().message;
  Actor as_reseller("user:rsl", Role::kReseller);
  as_reseller.reseller_id = reseller->object.id;
  PlanInput basic;
  basic.name = "rs-basic";
  ASSERT_TRUE(service_->plans().Create(as_reseller, basic));

  struct Controller {
    std::unique_ptr<Store> store;
    std::unique_ptr<TaskEngine> engine;
    std::unique_ptr<Hosting> hosting;
  };
  std::vector<Controller> others(3);
  std::vector<Hosting*> controllers = {service_.get()};
  for (auto& c : others) {
    c.store = store_.OpenAnother();
    ASSERT_NE(c.store, nullptr);
    c.engine =
        std::make_unique<TaskEngine>(*c.store, *bus_, store_.clock(), *SigningKey::Generate());
    c.hosting = std::make_unique<Hosting>(*c.store, *c.engine, store_.clock());
    controllers.push_back(c.hosting.get());
  }
  std::atomic<int> sites{0}, sites_refused{0}, customers{0}, customers_refused{0}, other{0};
  std::string unexpected;
  std::mutex mu;
  std::vector<std::thread> threads;
  for (int i = 0; i < 50; ++i) {
    threads.emplace_back([&, i] {
      Hosting& h = *controllers[i % controllers.size()];
      auto site =
          h.sites().Create(kAdmin, {"s" + std::to_string(i) + ".acme.example", "acme", {}, {}});
      if (site) {
        ++sites;
      } else if (site.error().fields.count("domain") &&
                 site.error().fields.at("domain") == "plan.sites_limit") {
        ++sites_refused;
      } else {
        ++other;
        std::lock_guard lock(mu);
        unexpected += site.error().message + "\n";
      }
      auto customer = h.customers().Create(
          as_reseller, {"cust" + std::to_string(i), "", "ops@c" + std::to_string(i) + ".example",
                        std::nullopt, std::string("rs-basic")});
      if (customer) {
        ++customers;
      } else if (customer.error().fields.count("login") &&
                 customer.error().fields.at("login") == "reseller.customers_limit") {
        ++customers_refused;
      } else {
        ++other;
        std::lock_guard lock(mu);
        unexpected += customer.error().message + "\n";
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(other.load(), 0) << unexpected;
  EXPECT_EQ(sites.load(), 5);
  EXPECT_EQ(sites_refused.load(), 45);
  EXPECT_EQ(store_->ListSites("acme", {0, 1000})->size(), 5u);
  EXPECT_EQ(customers.load(), 3);
  EXPECT_EQ(customers_refused.load(), 47);
}

// A plan with every limit unlimited but the ones set.
PlanInput PlanNamed(const std::string& name, Limit sites = std::nullopt) {
  PlanInput in;
  in.name = name;
  in.sites = sites;
  return in;
}

TEST_F(HostingServiceTest, PlanNamesAndLimitsAreCheckedAndRefusalsWriteNothing) {
  const size_t plans_before = store_->ListPlans()->size();
  const Counts before = Count();
  struct Case {
    const char* name;
    PlanInput in;
    std::map<std::string, std::string> fields;
  };
  auto with = [](PlanInput in, auto member, int64_t value) {
    in.*member = value;
    return in;
  };
  const PlanInput base = PlanNamed("gold");
  const std::vector<Case> cases = {
      {"too short", PlanNamed("g"), {{"name", "plan.invalid_name"}}},
      {"too long", PlanNamed("g" + std::string(32, 'x')), {{"name", "plan.invalid_name"}}},
      {"upper case", PlanNamed("Gold"), {{"name", "plan.invalid_name"}}},
      {"starts with a digit", PlanNamed("1gold"), {{"name", "plan.invalid_name"}}},
      {"underscore", PlanNamed("gold_1"), {{"name", "plan.invalid_name"}}},
      {"empty", PlanNamed(""), {{"name", "plan.invalid_name"}}},
      {"minus one is not unlimited",
       with(base, &PlanInput::sites, -1),
       {{"limits.sites", "number.out_of_range"}}},
      {"sites above the range",
       with(base, &PlanInput::sites, 1'000'001),
       {{"limits.sites", "number.out_of_range"}}},
      {"zero quota",
       with(base, &PlanInput::mailbox_quota_mb, 0),
       {{"limits.mailbox_quota_mb", "number.out_of_range"}}},
      {"quota above the range",
       with(base, &PlanInput::mailbox_quota_mb, 10'485'761),
       {{"limits.mailbox_quota_mb", "number.out_of_range"}}},
      {"zero disk",
       with(base, &PlanInput::disk_mb, 0),
       {{"limits.disk_mb", "number.out_of_range"}}},
      {"disk above the range",
       with(base, &PlanInput::disk_mb, 104'857'601),
       {{"limits.disk_mb", "number.out_of_range"}}},
      {"every field at once",
       with(with(with(with(with(PlanNamed("-x"), &PlanInput::mailboxes, -5), &PlanInput::forwarders,
                           1'000'001),
                      &PlanInput::ftp_users, INT64_MIN),
                 &PlanInput::dns_zones, INT64_MAX),
            &PlanInput::databases, -1),
       {{"name", "plan.invalid_name"},
        {"limits.mailboxes", "number.out_of_range"},
        {"limits.forwarders", "number.out_of_range"},
        {"limits.ftp_users", "number.out_of_range"},
        {"limits.dns_zones", "number.out_of_range"},
        {"limits.databases", "number.out_of_range"}}},
  };
  for (const auto& c : cases) {
    auto r = service_->plans().Create(kAdmin, c.in);
    ASSERT_FALSE(r.has_value()) << c.name;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalid) << c.name << ": " << r.error().message;
    EXPECT_EQ(r.error().fields, c.fields) << c.name << ": " << r.error().message;
  }
  EXPECT_EQ(store_->ListPlans()->size(), plans_before) << "a refused plan was stored";
  EXPECT_TRUE(Count() == before) << "a refused plan wrote something";
}

TEST_F(HostingServiceTest, PlansStoreNumbersAndTheUnlimitedFlagAtTheEdgesOfTheirRanges) {
  PlanInput in;
  in.name = "edge-1";
  in.sites = 0;
  in.mailboxes = 1'000'000;
  in.mailbox_quota_mb = 1;
  in.forwarders = std::nullopt;
  in.ftp_users = 0;
  in.dns_zones = 1'000'000;
  in.databases = 7;
  in.disk_mb = 104'857'600;
  auto change = service_->plans().Create(kAdmin, in);
  ASSERT_TRUE(change) << change.error().message;
  EXPECT_GT(change->change_id, 0);
  EXPECT_TRUE(change->tasks.empty());

  auto plan = service_->plans().Get(kAdmin, "edge-1");
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(plan->max_sites, Limit(0));
  EXPECT_EQ(plan->max_mailboxes, Limit(1'000'000));
  EXPECT_EQ(plan->mailbox_quota_mb, Limit(1));
  EXPECT_EQ(plan->max_forwarders, std::nullopt);
  EXPECT_EQ(plan->max_ftp_users, Limit(0));
  EXPECT_EQ(plan->max_dns_zones, Limit(1'000'000));
  EXPECT_EQ(plan->max_databases, Limit(7));
  EXPECT_EQ(plan->disk_mb, Limit(104'857'600));

  auto audit = store_->ListAudit({0, 100}, "plan:edge-1");
  ASSERT_TRUE(audit);
  ASSERT_EQ(audit->size(), 1u);
  EXPECT_EQ((*audit)[0].action, "plan.create");
  EXPECT_EQ((*audit)[0].after["limits"]["forwarders"], Json({{"unlimited", true}}));
  EXPECT_EQ((*audit)[0].after["limits"]["sites"], 0);

  auto dup = service_->plans().Create(kAdmin, PlanNamed("edge-1", 5));
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code, ErrorCode::kConflict);
  EXPECT_EQ(dup.error().fields, (std::map<std::string, std::string>{{"name", "plan.taken"}}));
  EXPECT_EQ(service_->plans().Get(kAdmin, "edge-1")->max_sites, Limit(0)) << "the duplicate wrote";
  EXPECT_EQ(service_->plans().Get(kAdmin, "nope").error().code, ErrorCode::kNotFound);
  // A plan of zero sites is a real limit, not "unlimited".
  AddNode("web1");
  AddCustomer("zero", "edge-1");
  auto site = AddSite("z.zero.example", "zero");
  ASSERT_FALSE(site);
  EXPECT_EQ(site.error().code, ErrorCode::kLimit);
}

TEST_F(HostingServiceTest, ChangingAPlanIsRefusedBelowCurrentUsage) {
  AddNode("web1");
  ASSERT_TRUE(service_->plans().Create(kAdmin, PlanNamed("one", 1)));
  ASSERT_TRUE(service_->plans().Create(kAdmin, PlanNamed("two", 2)));
  AddCustomer("acme", "two");
  const int64_t two_id = store_->GetCustomer("acme")->value().plan_id;
  ASSERT_TRUE(AddSite("a.acme.example", "acme"));
  ASSERT_TRUE(AddSite("b.acme.example", "acme"));
  const Counts before = Count();

  auto below = service_->customers().Update(kAdmin, "acme", {"one"});
  ASSERT_FALSE(below);
  EXPECT_EQ(below.error().code, ErrorCode::kLimit);
  EXPECT_EQ(below.error().fields,
            (std::map<std::string, std::string>{{"plan", "plan.below_usage"}}));
  auto unknown = service_->customers().Update(kAdmin, "acme", {"gold"});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().fields, (std::map<std::string, std::string>{{"plan", "plan.unknown"}}));
  EXPECT_EQ(service_->customers().Update(kAdmin, "nobody", {"one"}).error().code,
            ErrorCode::kNotFound);
  EXPECT_EQ(store_->GetCustomer("acme")->value().plan_id, two_id);
  EXPECT_TRUE(Count() == before) << "a refused plan change wrote something";

  // Same plan: nothing to do. Unlimited default: fine. Exactly at the limit: fine.
  auto same = service_->customers().Update(kAdmin, "acme", {"two"});
  ASSERT_TRUE(same);
  EXPECT_EQ(same->change_id, 0);
  ASSERT_TRUE(service_->customers().Update(kAdmin, "acme", {"default"}));
  auto back = service_->customers().Update(kAdmin, "acme", {"two"});
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_GT(back->change_id, 0);
  EXPECT_EQ(back->object.plan_id, two_id);
  auto audit = store_->ListAudit({0, 100}, "customer:acme");
  ASSERT_TRUE(audit);
  EXPECT_EQ(audit->back().action, "customer.update");
  // The new limit holds for the next site.
  auto third = AddSite("c.acme.example", "acme");
  ASSERT_FALSE(third);
  EXPECT_EQ(third.error().fields.at("domain"), "plan.sites_limit");
}

TEST_F(HostingServiceTest, PlacementPicksTheEmptiestActiveWebNodeWithRoom) {
  AddCustomer("acme");
  auto none = AddSite("a.example", "acme");
  ASSERT_FALSE(none.has_value());
  EXPECT_EQ(none.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(none.error().fields.at("domain"), "node.none_available");
  EXPECT_EQ(Count().audit, 1u) << "only the customer's audit entry";

  AddNode("mail1", 100, {"mail"});
  AddNode("web1", 1);
  AddNode("web2", 2);
  std::vector<std::string> placed;
  for (const char* d : {"a.example", "b.example", "c.example"}) {
    auto r = AddSite(d, "acme");
    ASSERT_TRUE(r.has_value()) << r.error().message;
    placed.push_back(r->object.node_name);
  }
  EXPECT_EQ(placed, (std::vector<std::string>{"web1", "web2", "web2"}));
  auto full = AddSite("d.example", "acme");
  ASSERT_FALSE(full.has_value());
  EXPECT_EQ(full.error().code, ErrorCode::kUnavailable);
}

TEST_F(HostingServiceTest, UpdateSupersedesThePendingTaskAndRemoveQueuesARemoval) {
  AddNode("web1");
  AddCustomer("acme");
  auto created = AddSite("a.example", "acme");
  ASSERT_TRUE(created.has_value());
  SitePatch patch;
  patch.aliases = std::vector<std::string>{"www.a.example"};
  patch.docroot = "web/a";
  auto updated = service_->sites().Update(kAdmin, "a.example", patch);
  ASSERT_TRUE(updated.has_value()) << updated.error().message;
  ASSERT_EQ(updated->tasks.size(), 1u);
  EXPECT_EQ(store_->GetTask(created->tasks.back().id)->value().state, "superseded");
  EXPECT_EQ(updated->tasks[0].spec["docroot"], "web/a");
  EXPECT_EQ(updated->tasks[0].spec["aliases"], (Json{"www.a.example"}));
  EXPECT_EQ(updated->object.aliases, std::vector<std::string>{"www.a.example"});

  // The same patch again changes nothing and queues nothing.
  auto again = service_->sites().Update(kAdmin, "a.example", patch);
  ASSERT_TRUE(again.has_value());
  EXPECT_TRUE(again->tasks.empty());

  auto removed = service_->sites().Remove(kAdmin, "a.example", true);
  ASSERT_TRUE(removed.has_value()) << removed.error().message;
  ASSERT_EQ(removed->tasks.size(), 1u);
  EXPECT_EQ(removed->tasks[0].kind, protocol::kSiteRemove);
  EXPECT_EQ(store_->GetTask(updated->tasks[0].id)->value().state, "superseded");
  auto removal = protocol::SiteRemovalFromJson(removed->tasks[0].spec);
  ASSERT_TRUE(removal.has_value());
  EXPECT_EQ(*removal, (protocol::SiteRemoval{"a.example", "acme", "web/a", true}));
  auto gone = service_->sites().Get(kAdmin, "a.example");
  ASSERT_FALSE(gone.has_value());
  EXPECT_EQ(gone.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(gone.error().message, "site 'a.example' not found");
}

TEST_F(HostingServiceTest, SiteSettingsAreStoredSentAndCheckedAgainstTheSite) {
  AddNode("web1");
  AddCustomer("acme");
  ASSERT_TRUE(AddSite("a.example", "acme").has_value());
  const Counts before = Count();
  // Each bad value before the transaction; the php profile against the stored site (no PHP).
  for (const auto& [settings, field, code] :
       std::vector<std::tuple<Json, std::string, std::string>>{
           {{{"upload_max_mb", 0}}, "settings.upload_max_mb", "upload_max_mb.range"},
           {{{"fallback", "/x;"}}, "settings.fallback", "fallback.invalid"},
           {{{"profile", "custom"}}, "settings.fallback", "fallback.missing"},
           {{{"profile", "php"}}, "settings.profile", "profile.needs_php"},
           {{{"open_basedir", "/"}}, "settings.open_basedir", "field.unknown"}}) {
    SitePatch patch;
    patch.settings = settings;
    auto r = service_->sites().Update(kAdmin, "a.example", patch);
    ASSERT_FALSE(r.has_value()) << settings.dump();
    EXPECT_EQ(r.error().code, ErrorCode::kInvalid) << settings.dump();
    EXPECT_EQ(r.error().fields.at(field), code) << settings.dump();
  }
  EXPECT_TRUE(Count() == before) << "a refused setting wrote something";

  SitePatch patch;
  patch.php = "8.2";
  patch.settings = Json{{"profile", "php"}, {"upload_max_mb", 64}};
  auto updated = service_->sites().Update(kAdmin, "a.example", patch);
  ASSERT_TRUE(updated.has_value()) << updated.error().message;
  EXPECT_EQ(updated->object.settings.profile, protocol::AppProfile::kPhp);
  auto spec = protocol::SiteSettingsOfSpec(updated->tasks.back().spec);
  ASSERT_TRUE(spec.has_value()) << spec.error().message;
  EXPECT_EQ(spec->upload_max_mb, 64);
  EXPECT_EQ(spec->profile, protocol::AppProfile::kPhp);
  auto stored = service_->sites().Get(kAdmin, "a.example");
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(stored->settings, updated->object.settings);
  // Only the members given change; PHP cannot be turned off under the php profile.
  SitePatch hsts;
  hsts.settings = Json{{"hsts", true}};
  auto again = service_->sites().Update(kAdmin, "a.example", hsts);
  ASSERT_TRUE(again.has_value()) << again.error().message;
  EXPECT_EQ(again->object.settings.upload_max_mb, 64);
  EXPECT_TRUE(again->object.settings.hsts);
  SitePatch off;
  off.php = "";
  auto refused = service_->sites().Update(kAdmin, "a.example", off);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().fields.at("php"), "profile.needs_php");
}

TEST_F(HostingServiceTest, DeletingACustomerRemovesEverySiteInOneChange) {
  AddNode("web1");
  AddNode("web2");
  AddCustomer("acme");
  ASSERT_TRUE(AddSite("a.example", "acme").has_value());
  ASSERT_TRUE(AddSite("b.example", "acme").has_value());
  const size_t audit_before = Count().audit;
  auto deleted = service_->customers().Delete(kAdmin, "acme", false);
  ASSERT_TRUE(deleted.has_value()) << deleted.error().message;
  // Both sites, then the account on each of the two nodes, last.
  ASSERT_EQ(deleted->tasks.size(), 4u);
  EXPECT_EQ(deleted->tasks[2].kind, "account.remove");
  EXPECT_EQ(deleted->tasks[3].kind, "account.remove");
  EXPECT_EQ(deleted->tasks[2].spec["remove_home"], false);
  deleted->tasks.resize(2);
  std::set<std::string> nodes;
  for (const auto& t : deleted->tasks) {
    EXPECT_EQ(t.kind, protocol::kSiteRemove);
    EXPECT_EQ(t.change_id, deleted->change_id);
    EXPECT_EQ(t.spec["remove_content"], false);
    nodes.insert(t.node_name);
  }
  EXPECT_EQ(nodes, (std::set<std::string>{"web1", "web2"}));
  EXPECT_EQ(Count().audit, audit_before + 1);
  EXPECT_EQ(Count().sites, 0u);
  auto gone = service_->customers().Get(kAdmin, "acme");
  ASSERT_FALSE(gone.has_value());
  EXPECT_EQ(gone.error().message, "customer 'acme' not found");
  EXPECT_EQ(service_->customers().Delete(kAdmin, "acme", false).error().code, ErrorCode::kNotFound);
}

TEST_F(HostingServiceTest, DuplicatesAreConflictsAndPasswordsAreHashed) {
  AddNode("web1");
  auto c = service_->customers().Create(
      kAdmin,
      {"acme", "Acme Ltd", "ops@ACME.example", std::string("correct horse battery"), std::nullopt});
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->object.name, "Acme Ltd");
  EXPECT_NE(c->object.password_hash, "correct horse battery");
  EXPECT_TRUE(VerifyPassword(c->object.password_hash, "correct horse battery"));
  auto again = service_->customers().Create(kAdmin, {"acme", "", "x@y.example", std::nullopt, {}});
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
  EXPECT_EQ(again.error().fields.at("login"), "login.taken");
  auto node = service_->nodes().Create(kAdmin, {"web1", {"web"}, 10});
  ASSERT_FALSE(node.has_value());
  EXPECT_EQ(node.error().fields.at("name"), "node.taken");
  auto unknown = AddSite("z.example", "zzqcustomer");
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(unknown.error().fields.at("customer"), "customer.not_found");
}

TEST_F(HostingServiceTest, OnlyAdminsMayActAndUnknownActionsAreDenied) {
  AddNode("web1");
  const Counts before = Count();
  const Actor customer{"customer:acme", Role::kCustomer};
  const Actor reseller{"reseller:r1", Role::kReseller};
  for (const Actor& a : {customer, reseller}) {
    auto c = service_->customers().Create(a, {"sneaky", "", "a@b.example", std::nullopt, {}});
    ASSERT_FALSE(c.has_value());
    EXPECT_EQ(c.error().code, ErrorCode::kForbidden);
    EXPECT_EQ(service_->nodes().List(a).error().code, ErrorCode::kForbidden);
    EXPECT_EQ(service_->tasks().List(a, {}).error().code, ErrorCode::kForbidden);
  }
  EXPECT_TRUE(Count() == before);
  EXPECT_TRUE(Can(kAdmin, "site.create", "site:a.example"));
  EXPECT_FALSE(Can(kAdmin, "site.explode", "site:a.example"));
  EXPECT_FALSE(Can(customer, "site.read", "site:a.example"));
}

TEST_F(HostingServiceTest, WaitTaskReturnsWhenTheAgentReports) {
  ASSERT_TRUE(engine_->Start());
  AddNode("web1");
  AddCustomer("acme");
  auto site = AddSite("a.example", "acme");
  ASSERT_TRUE(site.has_value());
  const TaskRecord& t = site->tasks[0];
  std::thread agent([&] {
    protocol::Report report;
    report.node = "web1";
    report.results.push_back({t.id, t.revision, protocol::TaskOutcome::kApplied, "", 3});
    report.applied_revision = t.revision;
    (void)bus_->Request(protocol::ReportSubject("web1"), protocol::Encode(report), 5s);
  });
  auto done = service_->tasks().Wait(kAdmin, t.id, 10s);
  agent.join();
  ASSERT_TRUE(done.has_value()) << done.error().message;
  EXPECT_EQ(done->state, "applied");
}

}  // namespace
}  // namespace hostplane::controller

namespace hostplane::controller {
namespace {

// The account's Unix user outlives its last site on a node; deleting the customer must still
// remove it there.
TEST_F(HostingServiceTest, DeletingACustomerRemovesTheAccountWhereItsLastSiteIsGone) {
  AddNode("web1");
  AddCustomer("acme");
  ASSERT_TRUE(AddSite("a.example", "acme").has_value());
  ASSERT_TRUE(service_->sites().Remove(kAdmin, "a.example", true).has_value());
  auto deleted = service_->customers().Delete(kAdmin, "acme", true);
  ASSERT_TRUE(deleted.has_value()) << deleted.error().message;
  ASSERT_EQ(deleted->tasks.size(), 1u);
  EXPECT_EQ(deleted->tasks[0].kind, "account.remove");
  EXPECT_EQ(deleted->tasks[0].node_name, "web1");
  EXPECT_EQ(deleted->tasks[0].spec["remove_home"], true);
}

}  // namespace
}  // namespace hostplane::controller
