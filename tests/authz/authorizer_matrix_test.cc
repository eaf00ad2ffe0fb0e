// The authorisation matrix at the Authorizer: admin, support staff, reseller A, reseller B, a
// customer of A, a customer of B, a full-access and a limited user of A's customer, a token of
// A's customer scoped to sites:read, and anonymous, against every action, on an object of A's
// customer, on one of B's customer, on the company's, and on collections. The expected answers
// are written out by hand (one list per actor), so a rule changed in authorizer.cc without the
// table here fails; a new action without an entry fails too.

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "controller/services/authorizer.h"

namespace hostplane::controller {
namespace {

constexpr int64_t kResellerA = 1, kResellerB = 2, kCustomerA = 10, kCustomerB = 20;

std::vector<Action> AllActions() {
  std::vector<Action> out;
  for (int i = 0; i <= static_cast<int>(kLastState<Action>); ++i) {
    out.push_back(static_cast<Action>(i));
  }
  return out;
}

bool IsList(std::string_view name) { return name.ends_with(".list"); }

// Actions checked on a collection by the services (lists, and creates at the top level).
bool OnCollection(std::string_view name) {
  static const std::set<std::string_view> kTop = {"customer.create", "node.create", "plan.create",
                                                  "reseller.create", "user.create", "token.create"};
  return IsList(name) || kTop.count(name) > 0;
}

// The object an action is judged on, as the services load it: creates below a customer on the
// customer, certificates on their site, company objects without an owner.
AuthTarget ObjectOf(Action action, Owner owner, const std::string& domain) {
  const std::string name(Name(action));
  const std::string prefix = name.substr(0, name.find('.'));
  if (prefix == "node" || prefix == "relay" || prefix == "metrics") return {"node", "web1", {}};
  if (prefix == "plan") return {"plan", "silver", {std::nullopt, owner.reseller_id}};
  // An order belongs to the plan's owner (a customer comes only with provisioning).
  if (prefix == "order") return {"order", "7", {std::nullopt, owner.reseller_id}};
  if (prefix == "reseller") return {"reseller", "r", {std::nullopt, owner.reseller_id}};
  if (name == "cert.create") return {"site", domain, owner};
  if (name.ends_with(".create") || prefix == "customer") return {"customer", "c", owner};
  // The file manager asks on the customer whose home it is.
  if (prefix == "file") return {"customer", "c", owner};
  if (prefix == "site") return {"site", domain, owner};
  if (prefix == "maildomain") return {"maildomain", domain, owner};
  if (prefix == "mailbox" || prefix == "forwarder") return {"mailbox", "info@" + domain, owner};
  return {"thing", "x", owner};  // kind: the action's own; no grant covers it
}

struct Case {
  Actor actor;
  std::set<std::string> on_own;         // on A's customer's object (lists left out)
  std::set<std::string> on_collection;  // lists and top-level creates
};

Actor Make(std::string name, Role role, std::optional<int64_t> reseller,
           std::optional<int64_t> customer) {
  Actor a(std::move(name), role);
  a.reseller_id = reseller;
  a.customer_id = customer;
  return a;
}

const std::set<std::string> kOwnedWrites = {
    "site.create",    "site.read",      "site.update",      "site.remove",
    "mailbox.create", "mailbox.remove", "forwarder.create", "forwarder.remove",
    "ftpuser.create", "ftpuser.remove", "database.create",  "database.remove",
    "zone.create",    "zone.read",      "zone.remove",      "record.create",
    "record.remove",  "cert.create",    "maildomain.read",  "maildomain.update",
    "file.read",      "file.write",     "mailbox.update",   "ftpuser.update"};
const std::set<std::string> kOwnedLists = {"site.list",      "maildomain.list", "mailbox.list",
                                           "forwarder.list", "ftpuser.list",    "database.list",
                                           "zone.list",      "record.list",     "cert.list"};

std::set<std::string> Union(std::initializer_list<std::set<std::string>> sets) {
  std::set<std::string> out;
  for (const auto& s : sets) out.insert(s.begin(), s.end());
  return out;
}

std::set<std::string> AllNames(bool lists) {
  std::set<std::string> out;
  for (Action a : AllActions()) {
    std::string n(Name(a));
    if (lists == OnCollection(n)) out.insert(n);
  }
  return out;
}

std::set<std::string> Minus(std::set<std::string> s, const std::set<std::string>& out) {
  for (const auto& n : out) s.erase(n);
  return s;
}

std::vector<Case> Cases() {
  std::vector<Case> cases;
  cases.push_back({Actor("token:admin", Role::kAdmin), AllNames(false), AllNames(true)});
  cases.push_back(
      {Actor("user:sam", Role::kSupport),
       Minus(AllNames(false), {"node.token", "node.update", "node.drain", "node.lost", "relay.read",
                               "reseller.update", "reseller.delete", "customer.move",
                               "order.accept", "order.reject", "order.mark_paid", "plan.update"}),
       Minus(AllNames(true), {"node.create", "plan.create", "reseller.create"})});
  const std::set<std::string> reseller_own =
      Union({kOwnedWrites,
             {"customer.read",   "customer.update", "customer.delete", "customer.suspend",
              "customer.resume", "plan.read",       "task.read",       "reseller.read",
              "user.read",       "user.update",     "user.delete",     "user.reset_second_factor",
              "token.revoke",    "customer.act_as", "order.read",      "order.accept",
              "order.reject",    "order.mark_paid", "task.retry",      "plan.update"}});
  const std::set<std::string> reseller_collection = Union(
      {kOwnedLists,
       {"customer.create", "customer.list", "plan.create", "plan.list", "task.list", "audit.list",
        "user.create", "user.list", "token.create", "token.list", "order.list"}});
  cases.push_back({Make("user:ra", Role::kReseller, kResellerA, std::nullopt), reseller_own,
                   reseller_collection});
  const std::set<std::string> customer_own =
      Union({kOwnedWrites,
             {"customer.read", "task.read", "task.retry", "user.read", "user.update", "user.delete",
              "user.reset_second_factor", "token.revoke"}});
  const std::set<std::string> customer_collection =
      Union({kOwnedLists,
             {"customer.list", "task.list", "audit.list", "user.create", "user.list",
              "token.create", "token.list"}});
  cases.push_back({Make("user:acme", Role::kCustomer, kResellerA, kCustomerA), customer_own,
                   customer_collection});
  cases.push_back(
      {Make("user:designer", Role::kCustomerUser, kResellerA, kCustomerA),
       Minus(customer_own, {"user.read", "user.update", "user.delete", "user.reset_second_factor"}),
       Minus(customer_collection, {"user.create", "user.list"})});
  Actor limited = Make("user:intern", Role::kCustomerUser, kResellerA, kCustomerA);
  limited.user_id = 5;
  limited.full_access = false;
  limited.grants = {{"site", "a.example"}, {"maildomain", "a.example"}};
  cases.push_back(
      {limited,
       {"site.read", "site.update", "site.remove", "mailbox.remove", "mailbox.update",
        "forwarder.remove", "cert.create", "token.revoke", "maildomain.read", "maildomain.update"},
       {"site.list", "maildomain.list", "mailbox.list", "forwarder.list", "token.create",
        "token.list"}});
  Actor scoped = Make("user:acme", Role::kCustomer, kResellerA, kCustomerA);
  scoped.scopes = std::vector<std::string>{"sites:read"};
  cases.push_back({scoped, {"site.read"}, {"site.list"}});
  // "Log in as": reseller A acting for A's customer has the customer's rights (all of them the
  // reseller's too); acting never adds to the person's: a customer of A acted for by reseller B
  // (a session that should not exist) reaches nothing of A's customer.
  Actor acted = Make("user:acme", Role::kCustomer, kResellerA, kCustomerA);
  acted.acting_for = "user:ra";
  acted.acting_person =
      std::make_shared<const Actor>(Make("user:ra", Role::kReseller, kResellerA, std::nullopt));
  cases.push_back({acted, customer_own, customer_collection});
  Actor wrongly = Make("user:acme", Role::kCustomer, kResellerA, kCustomerA);
  wrongly.acting_for = "user:rb";
  wrongly.acting_person =
      std::make_shared<const Actor>(Make("user:rb", Role::kReseller, kResellerB, std::nullopt));
  cases.push_back({wrongly, {}, customer_collection});
  cases.push_back({Actor("anonymous", Role::kNone), {}, {}});
  // A reseller or customer without its owner chain (a malformed actor) gets nothing.
  cases.push_back({Actor("user:broken", Role::kReseller), {}, {}});
  cases.push_back({Actor("user:broken", Role::kCustomer), {}, {}});
  return cases;
}

TEST(AuthzMatrix, EveryActorEveryActionOnOwnObjectsAndCollections) {
  Authorizer authz;
  const Owner own{kCustomerA, kResellerA};
  for (const Case& c : Cases()) {
    for (Action a : AllActions()) {
      const std::string n(Name(a));
      if (OnCollection(n)) {
        EXPECT_EQ(authz.Can(c.actor, a, AuthTarget{"collection", "", {}}),
                  c.on_collection.count(n) > 0)
            << c.actor.name << " (" << Name(c.actor.role) << ") " << n << " on the collection";
      } else {
        EXPECT_EQ(authz.Can(c.actor, a, ObjectOf(a, own, "a.example")), c.on_own.count(n) > 0)
            << c.actor.name << " (" << Name(c.actor.role) << ") " << n << " on A's object";
      }
    }
  }
}

// Nobody but staff reaches an object of reseller B's customer, whatever the action: reseller A,
// A's customer and its users and tokens are refused (and the services answer "not found").
TEST(AuthzMatrix, NothingOfTheOtherResellersCustomerIsReachable) {
  Authorizer authz;
  const Owner other{kCustomerB, kResellerB};
  for (const Case& c : Cases()) {
    const bool staff = c.actor.role == Role::kAdmin || c.actor.role == Role::kSupport;
    for (Action a : AllActions()) {
      const std::string n(Name(a));
      if (OnCollection(n) || staff) continue;
      const AuthTarget t = ObjectOf(a, other, "b.example");
      if (!t.owner.customer_id && !t.owner.reseller_id) continue;  // the company's: above
      EXPECT_FALSE(authz.Can(c.actor, a, t)) << c.actor.name << " " << n << " on B's object";
    }
  }
  // And B's own see their objects, not A's.
  Actor b = Make("user:rb", Role::kReseller, kResellerB, std::nullopt);
  EXPECT_TRUE(authz.Can(b, Action::kCustomerSuspend, {"customer", "bc", other}));
  EXPECT_FALSE(
      authz.Can(b, Action::kCustomerSuspend, {"customer", "ac", {kCustomerA, kResellerA}}));
  Actor bc = Make("user:bc", Role::kCustomer, kResellerB, kCustomerB);
  EXPECT_TRUE(authz.Can(bc, Action::kSiteRead, {"site", "b.example", other}));
  EXPECT_FALSE(authz.Can(bc, Action::kSiteRead, {"site", "a.example", {kCustomerA, kResellerA}}));
}

// A company customer (no reseller) is no reseller's: reseller A cannot reach it.
TEST(AuthzMatrix, CompanyCustomersBelongToNoReseller) {
  Authorizer authz;
  Actor a = Make("user:ra", Role::kReseller, kResellerA, std::nullopt);
  EXPECT_FALSE(authz.Can(a, Action::kCustomerRead, {"customer", "co", {30, std::nullopt}}));
  EXPECT_TRUE(authz.Can(Actor("user:sam", Role::kSupport), Action::kCustomerSuspend,
                        {"customer", "co", {30, std::nullopt}}));
}

TEST(AuthzMatrix, ListsAreScopedToTheActorsOwnerChain) {
  Authorizer authz;
  auto all = authz.ScopeOf(Actor("user:sam", Role::kSupport), Action::kSiteList, "sites");
  ASSERT_TRUE(all);
  EXPECT_EQ(all->kind, Scope::Kind::kAll);
  auto reseller = authz.ScopeOf(Make("user:ra", Role::kReseller, kResellerA, std::nullopt),
                                Action::kSiteList, "sites");
  ASSERT_TRUE(reseller);
  EXPECT_EQ(reseller->reseller(), kResellerA);
  auto customer = authz.ScopeOf(Make("user:acme", Role::kCustomer, kResellerA, kCustomerA),
                                Action::kSiteList, "sites");
  ASSERT_TRUE(customer);
  EXPECT_EQ(customer->customer(), kCustomerA);
  EXPECT_FALSE(customer->user.has_value());
  Actor limited = Make("user:intern", Role::kCustomerUser, kResellerA, kCustomerA);
  limited.full_access = false;
  limited.user_id = 5;
  auto narrow = authz.ScopeOf(limited, Action::kSiteList, "sites");
  ASSERT_TRUE(narrow);
  EXPECT_EQ(narrow->customer(), kCustomerA);
  EXPECT_EQ(narrow->user, 5);
  auto refused = authz.ScopeOf(limited, Action::kFtpUserList, "ftp-users");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, ErrorCode::kForbidden);
  auto broken = authz.ScopeOf(Actor("user:broken", Role::kReseller), Action::kSiteList, "sites");
  EXPECT_FALSE(broken);
}

TEST(AuthzMatrix, EveryActionHasAScopeArea) {
  for (Action a : AllActions()) {
    ScopeNeed need = ScopeNeeded(a);
    EXPECT_FALSE(need.area.empty()) << Name(a);
    EXPECT_NE(need.area, "admin") << Name(a) << " has no traits";
  }
}

}  // namespace
}  // namespace hostplane::controller
