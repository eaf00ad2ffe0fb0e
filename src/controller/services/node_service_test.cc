// Nodes: join tokens, and placement across them.

#include <gtest/gtest.h>

#include "common/passwd/bcrypt.h"
#include "controller/services/fleet_fixture_for_test.h"
#include "controller/services/placement.h"
#include "protocol/messages.h"

namespace hostplane::controller {
namespace {

using namespace std::chrono_literals;

const Actor& kAdmin = kFleetAdmin;

TEST_F(FleetTest, AJoinTokenWorksOnceAndCarriesTheKeyFingerprint) {
  std::string token;
  auto node = service_->nodes().Create(kAdmin, {"web1", {"web"}, 100, "", "", "lon", ""}, &token);
  ASSERT_TRUE(node.has_value()) << node.error().message;
  ASSERT_EQ(token.rfind("hpjoin.", 0), 0u) << token;
  EXPECT_EQ(token.substr(token.rfind('.') + 1), KeyFingerprint(key_text_));

  auto grant = service_->nodes().Join(token);
  ASSERT_TRUE(grant.has_value()) << grant.error().message;
  EXPECT_EQ(grant->node, "web1");
  EXPECT_EQ(grant->site, "lon");
  EXPECT_EQ(grant->controller_key, key_text_);
  EXPECT_EQ(grant->nats_user, "web1");
  auto stored = store_->GetNode("web1");
  ASSERT_TRUE(stored && *stored);
  EXPECT_TRUE((*stored)->enrolled_at.has_value());
  EXPECT_TRUE(BcryptVerify(grant->nats_password, (*stored)->nats_password_hash));
  EXPECT_FALSE(BcryptVerify(grant->nats_password + "x", (*stored)->nats_password_hash));

  // Spent, unknown, malformed: one refusal for all, and the stored password stays.
  for (const std::string& bad : {token, std::string("hpjoin.nope.") + KeyFingerprint(key_text_),
                                 std::string("not-a-token")}) {
    auto again = service_->nodes().Join(bad);
    ASSERT_FALSE(again.has_value()) << bad;
    EXPECT_EQ(again.error().code, ErrorCode::kUnauthorized);
    EXPECT_EQ(again.error().fields.at("token"), "token.invalid");
  }
  EXPECT_EQ((*store_->GetNode("web1"))->nats_password_hash, (*stored)->nats_password_hash);

  // The relay's users of site lon: the joined node with its hash; another site has none.
  auto users = service_->nodes().RelayUsers(kAdmin, "lon");
  ASSERT_TRUE(users.has_value());
  ASSERT_EQ((*users)["nodes"].size(), 1u);
  EXPECT_EQ((*users)["nodes"][0]["node"], "web1");
  EXPECT_EQ((*users)["nodes"][0]["password_hash"], (*stored)->nats_password_hash);
  EXPECT_TRUE((*service_->nodes().RelayUsers(kAdmin, "ams"))["nodes"].empty());
  EXPECT_FALSE(service_->nodes().RelayUsers(kAdmin, "Bad Site").has_value());
}

TEST_F(FleetTest, JoinTokensExpireAndANewOneRevokesTheUnusedOne) {
  AddNode("web1", {"web"});
  auto first = service_->nodes().IssueJoinToken(kAdmin, "web1");
  ASSERT_TRUE(first.has_value());
  auto second = service_->nodes().IssueJoinToken(kAdmin, "web1");
  ASSERT_TRUE(second.has_value());
  EXPECT_NE(*first, *second);
  EXPECT_FALSE(service_->nodes().Join(*first).has_value()) << "revoked by the second";

  store_.clock().Advance(std::chrono::milliseconds(service_->options().join_token_ttl_ms) + 1ms);
  auto late = service_->nodes().Join(*second);
  ASSERT_FALSE(late.has_value());
  EXPECT_EQ(late.error().code, ErrorCode::kUnauthorized);
  EXPECT_FALSE(service_->nodes().IssueJoinToken(kAdmin, "nosuch").has_value());
}

// PlaceOnRole's rules one at a time: each row makes one node the only right answer.
TEST_F(FleetTest, PlacementTakesTheLeastLoadedNodeThatIsUpHasRoomAndMatchesThePins) {
  const int64_t now = store_.clock().NowMillis();
  AddNode("a1", {"web"}, 10, "lon", "");         // 4/10 in use
  AddNode("a2", {"web"}, 100, "lon", "gold");    // 10/100 in use
  AddNode("b1", {"web", "db"}, 100, "ams", "");  // 0/100, but see each row
  Heard("a1", now, {"nginx", "account"});
  Heard("a2", now, {"nginx", "account"});
  struct Row {
    const char* name;
    PlaceOptions options;
    std::vector<std::string> b1_drivers;
    int64_t b1_seen_ago_ms;
    std::map<int64_t, int64_t> counts;  // by node id (1 a1, 2 a2, 3 b1)
    std::string want;                   // "" = none available
  };
  PlaceOptions live;
  live.down_after_ms = 60'000;
  PlaceOptions lon = live;
  lon.site = "lon";
  PlaceOptions gold = live;
  gold.group = "gold";
  PlaceOptions not_a2 = live;
  not_a2.exclude = {2};
  PlaceOptions nowhere = live;
  nowhere.site = "par";
  const std::vector<Row> rows = {
      {"emptiest", live, {"nginx"}, 0, {{1, 4}, {2, 10}}, "b1"},
      {"share of capacity, not count", live, {"nginx"}, 0, {{1, 4}, {2, 10}, {3, 50}}, "a2"},
      {"down is skipped", live, {"nginx"}, 120'000, {{1, 4}, {2, 10}}, "a2"},
      {"no driver for the role", live, {"mail"}, 0, {{1, 4}, {2, 10}}, "a2"},
      {"full is skipped", live, {"nginx"}, 0, {{1, 4}, {2, 100}, {3, 100}}, "a1"},
      {"site pin", lon, {"nginx"}, 0, {{1, 4}, {2, 10}}, "a2"},
      {"group pin", gold, {"nginx"}, 0, {{1, 0}, {2, 90}}, "a2"},
      {"excluded", not_a2, {"nginx"}, 0, {{1, 4}, {2, 0}, {3, 100}}, "a1"},
      {"nothing fits", nowhere, {"nginx"}, 0, {}, ""},
  };
  for (const Row& row : rows) {
    Heard("b1", now - row.b1_seen_ago_ms, row.b1_drivers);
    std::string got;
    Error error;
    ASSERT_TRUE(store_->Write([&](StoreTxn& tx) -> Status {
      auto n = PlaceOnRole(tx, "web", row.counts, "domain", row.options);
      if (n)
        got = n->name;
      else
        error = n.error();
      return Ok();
    }));
    EXPECT_EQ(got, row.want) << row.name << ": " << error.message;
    if (row.want.empty()) {
      EXPECT_EQ(error.code, ErrorCode::kUnavailable);
      EXPECT_EQ(error.fields["domain"], "node.none_available");
    }
  }
}

// A node just added (its agent has not joined) is empty, so least-loaded would send it every new
// customer, whose services would then wait for the join. It is used only when no node that is up
// has room.
TEST_F(FleetTest, ANodeNeverHeardFromWaitsBehindNodesThatAreUp) {
  const int64_t now = store_.clock().NowMillis();
  AddNode("a1", {"web"}, 10);
  AddNode("c1", {"web"}, 100);  // added, never heard from
  Heard("a1", now, {"nginx", "account"});
  PlaceOptions live;
  live.down_after_ms = 60'000;
  for (const auto& [counts, want] : std::vector<std::pair<std::map<int64_t, int64_t>, std::string>>{
           {{{1, 9}}, "a1"},   // 9/10 used on a1, c1 empty: a1 still
           {{{1, 10}}, "c1"},  // a1 full: the new node rather than nothing
       }) {
    std::string got;
    ASSERT_TRUE(store_->Write([&](StoreTxn& tx) -> Status {
      auto n = PlaceOnRole(tx, "web", counts, "domain", live);
      if (!n) return Fail(n.error());
      got = n->name;
      return Ok();
    }));
    EXPECT_EQ(got, want);
  }
  Heard("c1", now, {"nginx", "account"});  // joined: now the emptiest wins
  std::string got;
  ASSERT_TRUE(store_->Write([&](StoreTxn& tx) -> Status {
    auto n = PlaceOnRole(tx, "web", {{1, 1}}, "domain", live);
    if (!n) return Fail(n.error());
    got = n->name;
    return Ok();
  }));
  EXPECT_EQ(got, "c1");
}

TEST_F(FleetTest, APlanPinnedToASitePlacesItsCustomersSitesThere) {
  AddNode("a1", {"web"}, 100, "lon");
  AddNode("b1", {"web"}, 100, "ams");
  PlanInput plan;
  plan.name = "ams-only";
  plan.pin_site = "ams";
  ASSERT_TRUE(service_->plans().Create(kAdmin, plan).has_value());
  AddCustomer("acme", "ams-only");
  for (const char* d : {"one.acme.example", "two.acme.example"}) {
    auto s = service_->sites().Create(kAdmin, {d, "acme", {}, std::nullopt});
    ASSERT_TRUE(s.has_value()) << s.error().message;
    EXPECT_EQ(s->object.node_name, "b1");
  }
  PlanInput bad;
  bad.name = "bad";
  bad.pin_group = "Not A Group";
  auto refused = service_->plans().Create(kAdmin, bad);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().fields.at("placement.group"), "placement.invalid");
}

}  // namespace
}  // namespace hostplane::controller
