// Every list takes a scope — everyone's, one reseller's customers', one customer's — applied in
// the query's WHERE clause: what is out of scope never leaves the store.

#include <gtest/gtest.h>

#include <set>

#include "controller/store/store.h"
#include "controller/store/temp_store_for_test.h"

namespace hostplane::controller {
namespace {

class ScopeTest : public ::testing::Test {
 protected:
  // Customers a1, a2 of reseller 1, b1 of reseller 2, c1 of the company; each with a site, a
  // mailbox, a task and an audit entry.
  void SetUp() override {
    ASSERT_TRUE(store_->Write([&](StoreTxn& tx) -> Status {
      Node n;
      n.name = "web1";
      n.roles = {"web"};
      n.capacity = 100;
      HP_ASSIGN_OR_RETURN(Node node, tx.nodes().Insert(n));
      HP_ASSIGN_OR_RETURN(auto plan, tx.plans().FindByName("default"));
      const std::pair<const char*, std::optional<int64_t>> kOwners[] = {
          {"a1", 1}, {"a2", 1}, {"b1", 2}, {"c1", std::nullopt}};
      for (const auto& [login, reseller] : kOwners) {
        Customer c;
        c.login = login;
        c.name = login;
        c.email = std::string(login) + "@x.example";
        c.plan_id = plan->id;
        c.reseller_id = reseller;
        HP_ASSIGN_OR_RETURN(Customer stored, tx.customers().Insert(c));
        ids_[login] = stored.id;
        Site s;
        s.customer_id = stored.id;
        s.domain = std::string(login) + ".example";
        s.docroot = "sites/" + s.domain;
        s.node_id = node.id;
        HP_TRY(tx.sites().Insert(s));
        Resource box;
        box.customer_id = stored.id;
        box.kind = "mailbox";
        box.name = "info@" + s.domain;
        HP_TRY(tx.resources().Insert(box));
        HP_ASSIGN_OR_RETURN(int64_t audit,
                            tx.audit().Append({"test", "site.create", "site:" + s.domain, nullptr,
                                               nullptr, stored.id}));
        HP_TRY(tx.tasks().Append(
            {node.id, "site:" + s.domain, "site.ensure", Json::object(), audit, stored.id}));
      }
      return Ok();
    }));
  }

  // The logins each list returns in scope.
  std::set<std::string> Customers(const Scope& scope) {
    std::set<std::string> out;
    auto list = store_->Read([&](StoreTxn& tx) { return tx.customers().List(scope, {}); });
    EXPECT_TRUE(list.has_value());
    for (const auto& c : *list) out.insert(c.login);
    return out;
  }
  std::set<std::string> Sites(const Scope& scope) {
    std::set<std::string> out;
    auto list =
        store_->Read([&](StoreTxn& tx) { return tx.sites().List(scope, std::nullopt, {}); });
    EXPECT_TRUE(list.has_value());
    for (const auto& s : *list) out.insert(s.customer_login);
    return out;
  }
  std::set<std::string> Mailboxes(const Scope& scope) {
    std::set<std::string> out;
    auto list = store_->Read(
        [&](StoreTxn& tx) { return tx.resources().List(scope, ResourceFilter{"mailbox"}); });
    EXPECT_TRUE(list.has_value());
    for (const auto& r : *list) out.insert(r.customer_login);
    return out;
  }
  std::set<std::string> Tasks(const Scope& scope) {
    std::set<std::string> out;
    auto list = store_->Read([&](StoreTxn& tx) { return tx.tasks().List(scope, TaskFilter{}); });
    EXPECT_TRUE(list.has_value());
    for (const auto& t : *list) out.insert(t.object_key.substr(5, 2));  // "site:a1.example"
    return out;
  }
  std::set<std::string> Audit(const Scope& scope) {
    std::set<std::string> out;
    auto list =
        store_->Read([&](StoreTxn& tx) { return tx.audit().List(scope, {}, std::nullopt); });
    EXPECT_TRUE(list.has_value());
    for (const auto& a : *list) out.insert(a.object.substr(5, 2));
    return out;
  }

  TempStore store_;
  std::map<std::string, int64_t> ids_;
};

TEST_F(ScopeTest, EveryListReturnsOnlyWhatIsInScope) {
  using Set = std::set<std::string>;
  struct Case {
    const char* name;
    Scope scope;
    Set expected;
  };
  const std::vector<Case> cases = {
      {"everyone", Scope::All(), {"a1", "a2", "b1", "c1"}},
      {"reseller 1", Scope::Reseller(1), {"a1", "a2"}},
      {"reseller 2", Scope::Reseller(2), {"b1"}},
      {"a reseller with no customers", Scope::Reseller(9), {}},
      {"customer a2", Scope::Customer(ids_["a2"]), {"a2"}},
      {"customer c1", Scope::Customer(ids_["c1"]), {"c1"}},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(Customers(c.scope), c.expected) << "customers, " << c.name;
    EXPECT_EQ(Sites(c.scope), c.expected) << "sites, " << c.name;
    EXPECT_EQ(Mailboxes(c.scope), c.expected) << "mailboxes, " << c.name;
    EXPECT_EQ(Tasks(c.scope), c.expected) << "tasks, " << c.name;
    EXPECT_EQ(Audit(c.scope), c.expected) << "audit, " << c.name;
  }
}

TEST_F(ScopeTest, RowsCarryTheirOwnerChain) {
  auto site = store_->GetSite("a1.example");
  ASSERT_TRUE(site.has_value() && site->has_value());
  EXPECT_EQ((*site)->reseller_id, 1);
  auto box = store_->GetResource("mailbox", "info@c1.example");
  ASSERT_TRUE(box.has_value() && box->has_value());
  EXPECT_FALSE((*box)->reseller_id.has_value()) << "the company's own customer";
  auto customer = store_->GetCustomer("b1");
  ASSERT_TRUE(customer.has_value() && customer->has_value());
  EXPECT_EQ((*customer)->reseller_id, 2);
}

}  // namespace
}  // namespace hostplane::controller
