#include "controller/services/authorizer.h"

#include <gtest/gtest.h>

#include <set>

#include "common/bus/bus.h"
#include "common/crypto.h"
#include "controller/services/hosting.h"
#include "controller/store/temp_store_for_test.h"

namespace hostplane::controller {
namespace {

const Actor kAdmin{"token:admin", Role::kAdmin};
const Actor kCustomer{"customer:acme", Role::kCustomer};
const Actor kReseller{"reseller:r1", Role::kReseller};
const Actor kNobody{"anonymous", Role::kNone};

std::vector<Action> AllActions() {
  std::vector<Action> out;
  for (int i = 0; i <= static_cast<int>(kLastState<Action>); ++i) {
    out.push_back(static_cast<Action>(i));
  }
  return out;
}

TEST(Authorizer, EveryActionRoundTripsThroughItsName) {
  std::set<std::string> names;
  for (Action a : AllActions()) {
    const std::string name(Name(a));
    EXPECT_NE(name.find('.'), std::string::npos) << "action " << static_cast<int>(a);
    EXPECT_TRUE(names.insert(name).second) << name << " twice";
    EXPECT_EQ(Parse<Action>(name), a) << name;
  }
  EXPECT_FALSE(Parse<Action>("site.explode").has_value());
  for (Role r : {Role::kNone, Role::kAdmin, Role::kReseller, Role::kCustomer}) {
    EXPECT_EQ(RoleFromName(Name(r)), r);
  }
  EXPECT_EQ(RoleFromName("root"), Role::kNone) << "unknown roles have no rights";
}

TEST(Authorizer, AdminsMayDoEverythingAndActorsWithoutAnOwnerChainNothing) {
  Authorizer authz;
  const AuthTarget site{"site", "a.example", {7, std::nullopt}};
  for (Action a : AllActions()) {
    EXPECT_TRUE(authz.Can(kAdmin, a, site)) << Name(a);
    for (const Actor& other : {kCustomer, kReseller, kNobody}) {
      EXPECT_FALSE(authz.Can(other, a, site)) << other.name << " " << Name(a);
    }
  }
}

TEST(Authorizer, AnObjectNotYoursGetsTheAnswerOfAMissingOne) {
  Authorizer authz;
  const Error missing = Error::NotFound("site 'a.example' not found");
  EXPECT_TRUE(authz.Allow(kAdmin, Action::kSiteRead, {"site", "a.example", {}}, missing));
  auto refused = authz.Allow(kCustomer, Action::kSiteRead, {"site", "a.example", {}}, missing);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, missing.code);
  EXPECT_EQ(refused.error().message, missing.message);
  // A collection cannot be hidden: it is refused as such.
  auto list = authz.ScopeOf(kCustomer, Action::kSiteList, "sites");
  ASSERT_FALSE(list.has_value());
  EXPECT_EQ(list.error().code, ErrorCode::kForbidden);
  auto all = authz.ScopeOf(kAdmin, Action::kSiteList, "sites");
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(all->kind, Scope::Kind::kAll);
}

// Through a service: the loaded object is judged, and what a customer may not see is not found,
// in the very words a missing one gets.
TEST(Authorizer, ServicesJudgeTheLoadedObject) {
  ASSERT_TRUE(InitCrypto());
  TempStore store;
  auto bus = NewInProcessBus();
  TaskEngine engine(*store, *bus, store.clock(), *SigningKey::Generate());
  Hosting hosting(*store, engine, store.clock());
  ASSERT_TRUE(hosting.nodes().Create(kAdmin, {"web1", {"web"}, 100}));
  ASSERT_TRUE(hosting.customers().Create(kAdmin, {"acme", "", "ops@acme.example", {}, {}}));
  ASSERT_TRUE(hosting.sites().Create(kAdmin, {"a.example", "acme", {}}));

  auto hidden = hosting.sites().Get(kCustomer, "a.example");
  auto hidden_change = hosting.sites().Remove(kCustomer, "a.example", false);
  ASSERT_TRUE(hosting.sites().Remove(kAdmin, "a.example", false));
  auto missing = hosting.sites().Get(kAdmin, "a.example");
  auto missing_change = hosting.sites().Remove(kAdmin, "a.example", false);
  ASSERT_FALSE(hidden.has_value());
  ASSERT_FALSE(hidden_change.has_value());
  ASSERT_FALSE(missing.has_value());
  ASSERT_FALSE(missing_change.has_value());
  for (const auto& [seen, absent] : {std::pair{hidden.error(), missing.error()},
                                     {hidden_change.error(), missing_change.error()}}) {
    EXPECT_EQ(seen.code, ErrorCode::kNotFound);
    EXPECT_EQ(seen.code, absent.code);
    EXPECT_EQ(seen.message, absent.message);
    EXPECT_EQ(seen.fields, absent.fields);
  }
}

}  // namespace
}  // namespace hostplane::controller
