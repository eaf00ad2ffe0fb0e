// The fleet side of HostingService: join tokens, placement across nodes, drain and loss.

#include <gtest/gtest.h>

#include <algorithm>

#include "common/bus/bus.h"
#include "common/crypto.h"
#include "common/passwd/bcrypt.h"
#include "controller/engine/hosting_service.h"
#include "controller/engine/hosting_support.h"
#include "controller/engine/task_engine.h"
#include "controller/store/temp_store_for_test.h"
#include "protocol/messages.h"

namespace hostplane::controller {
namespace {

using namespace std::chrono_literals;

const Actor kAdmin{"token:admin", "admin"};

class FleetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(InitCrypto());
    auto key = SigningKey::Generate();
    ASSERT_TRUE(key.has_value());
    key_text_ = key->public_key().ToString();
    bus_ = NewInProcessBus();
    engine_ = std::make_unique<TaskEngine>(*store_, *bus_, store_.clock(), *key);
    HostingOptions options;
    options.controller_key = key_text_;
    service_ = std::make_unique<HostingService>(*store_, *engine_, store_.clock(), options);
  }

  Node AddNode(const std::string& name, std::vector<std::string> roles, int64_t capacity = 100,
               const std::string& site = "", const std::string& group = "",
               const std::string& ipv4 = "") {
    NodeInput in{name, std::move(roles), capacity, ipv4, "", site, group};
    auto n = service_->CreateNode(kAdmin, in);
    EXPECT_TRUE(n.has_value()) << n.error().message;
    return n ? n->object : Node{};
  }
  void AddCustomer(const std::string& login, std::optional<std::string> plan = std::nullopt) {
    auto c = service_->CreateCustomer(
        kAdmin, {login, "", "ops@" + login + ".example", std::nullopt, std::move(plan)});
    ASSERT_TRUE(c.has_value()) << c.error().message;
  }
  std::string SiteNode(const std::string& domain) {
    auto s = store_->GetSite(domain);
    return s && *s ? (*s)->node_name : "";
  }
  // Marks a node as heard from at `at` with these drivers (what a hello does).
  void Heard(const std::string& name, int64_t at, std::vector<std::string> drivers) {
    ASSERT_TRUE(store_->Write([&](StoreTxn& tx) -> Status {
      auto n = tx.nodes().FindByName(name);
      if (!n || !*n) return Fail(Error::NotFound(name));
      Node u = **n;
      u.last_seen = at;
      u.drivers = std::move(drivers);
      return tx.nodes().Update(u);
    }));
  }
  static std::vector<std::string> Kinds(const std::vector<TaskRecord>& tasks,
                                        const std::string& node) {
    std::vector<std::string> out;
    for (const auto& t : tasks) {
      if (t.node_name == node) out.push_back(t.kind + " " + t.object_key);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  // What the engine does with an agent's result: records it and runs the result hook in the
  // same transaction. Returns the tasks the hook appended.
  std::vector<TaskRecord> Report(const TaskRecord& task, const std::string& state,
                                 const std::string& error = "") {
    std::vector<TaskRecord> appended;
    EXPECT_TRUE(store_->Write([&](StoreTxn& tx) -> Status {
      appended.clear();
      const TaskState result = Parse<TaskState>(state).value_or(TaskState::kPending);
      auto r = tx.tasks().RecordResult(task.node_name, task.id, {result, error, 5, std::nullopt});
      if (!r) return Fail(r.error());
      return service_->OnTaskResult(tx, task, result, error, appended);
    }));
    return appended;
  }
  // What the content spool records when the source seals its archive.
  void Seal(int64_t transfer) {
    ASSERT_TRUE(store_->Write([&](StoreTxn& tx) -> Status {
      auto t = tx.transfers().Find(transfer);
      if (!t || !*t) return Fail(Error::NotFound("transfer"));
      Transfer u = **t;
      u.chunks = 1;
      u.bytes = 10240;
      u.digest = Blake2bHex("archive");
      return tx.transfers().Update(u);
    }));
  }
  static const TaskRecord* Find(const std::vector<TaskRecord>& tasks, const std::string& kind) {
    for (const auto& t : tasks) {
      if (t.kind == kind) return &t;
    }
    return nullptr;
  }
  // web1 holds acme's site; web2 is added; the first drain step of web1 starts copying the home.
  Result<DrainStep> DrainWeb1WithAHomeToCopy() {
    AddNode("web1", {"web"});
    AddCustomer("acme");
    auto site = service_->CreateSite(kAdmin, {"acme.example", "acme", {}, std::nullopt});
    if (!site) return Fail(site.error());
    AddNode("web2", {"web"});
    return service_->DrainNode(kAdmin, "web1", 10, false);
  }
  // Exports, then imports, the copy whose export is among tasks; returns what the hook sent.
  std::vector<TaskRecord> CompleteCopy(const std::vector<TaskRecord>& tasks) {
    const TaskRecord* exported = Find(tasks, "content.export");
    EXPECT_NE(exported, nullptr);
    if (exported == nullptr) return {};
    Seal(exported->spec["transfer"].get<int64_t>());
    auto import = Report(*exported, "applied");
    const TaskRecord* imported = Find(import, "content.import");
    EXPECT_NE(imported, nullptr);
    if (imported == nullptr) return {};
    return Report(*imported, "applied");
  }

  TempStore store_;
  std::string key_text_;
  std::unique_ptr<Bus> bus_;
  std::unique_ptr<TaskEngine> engine_;
  std::unique_ptr<HostingService> service_;
};

TEST_F(FleetTest, AJoinTokenWorksOnceAndCarriesTheKeyFingerprint) {
  std::string token;
  auto node = service_->CreateNode(kAdmin, {"web1", {"web"}, 100, "", "", "lon", ""}, &token);
  ASSERT_TRUE(node.has_value()) << node.error().message;
  ASSERT_EQ(token.rfind("hpjoin.", 0), 0u) << token;
  EXPECT_EQ(token.substr(token.rfind('.') + 1), KeyFingerprint(key_text_));

  auto grant = service_->Join(token);
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
    auto again = service_->Join(bad);
    ASSERT_FALSE(again.has_value()) << bad;
    EXPECT_EQ(again.error().code, ErrorCode::kUnauthorized);
    EXPECT_EQ(again.error().fields.at("token"), "token.invalid");
  }
  EXPECT_EQ((*store_->GetNode("web1"))->nats_password_hash, (*stored)->nats_password_hash);

  // The relay's users of site lon: the joined node with its hash; another site has none.
  auto users = service_->RelayUsers(kAdmin, "lon");
  ASSERT_TRUE(users.has_value());
  ASSERT_EQ((*users)["nodes"].size(), 1u);
  EXPECT_EQ((*users)["nodes"][0]["node"], "web1");
  EXPECT_EQ((*users)["nodes"][0]["password_hash"], (*stored)->nats_password_hash);
  EXPECT_TRUE((*service_->RelayUsers(kAdmin, "ams"))["nodes"].empty());
  EXPECT_FALSE(service_->RelayUsers(kAdmin, "Bad Site").has_value());
}

TEST_F(FleetTest, JoinTokensExpireAndANewOneRevokesTheUnusedOne) {
  AddNode("web1", {"web"});
  auto first = service_->IssueJoinToken(kAdmin, "web1");
  ASSERT_TRUE(first.has_value());
  auto second = service_->IssueJoinToken(kAdmin, "web1");
  ASSERT_TRUE(second.has_value());
  EXPECT_NE(*first, *second);
  EXPECT_FALSE(service_->Join(*first).has_value()) << "revoked by the second";

  store_.clock().Advance(std::chrono::milliseconds(service_->options().join_token_ttl_ms) + 1ms);
  auto late = service_->Join(*second);
  ASSERT_FALSE(late.has_value());
  EXPECT_EQ(late.error().code, ErrorCode::kUnauthorized);
  EXPECT_FALSE(service_->IssueJoinToken(kAdmin, "nosuch").has_value());
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
    hosting::PlaceOptions options;
    std::vector<std::string> b1_drivers;
    int64_t b1_seen_ago_ms;
    std::map<int64_t, int64_t> counts;  // by node id (1 a1, 2 a2, 3 b1)
    std::string want;                   // "" = none available
  };
  hosting::PlaceOptions live;
  live.down_after_ms = 60'000;
  hosting::PlaceOptions lon = live;
  lon.site = "lon";
  hosting::PlaceOptions gold = live;
  gold.group = "gold";
  hosting::PlaceOptions not_a2 = live;
  not_a2.exclude = {2};
  hosting::PlaceOptions nowhere = live;
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
      auto n = hosting::PlaceOnRole(tx, "web", row.counts, "domain", row.options);
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
  hosting::PlaceOptions live;
  live.down_after_ms = 60'000;
  for (const auto& [counts, want] : std::vector<std::pair<std::map<int64_t, int64_t>, std::string>>{
           {{{1, 9}}, "a1"},   // 9/10 used on a1, c1 empty: a1 still
           {{{1, 10}}, "c1"},  // a1 full: the new node rather than nothing
       }) {
    std::string got;
    ASSERT_TRUE(store_->Write([&](StoreTxn& tx) -> Status {
      auto n = hosting::PlaceOnRole(tx, "web", counts, "domain", live);
      if (!n) return Fail(n.error());
      got = n->name;
      return Ok();
    }));
    EXPECT_EQ(got, want);
  }
  Heard("c1", now, {"nginx", "account"});  // joined: now the emptiest wins
  std::string got;
  ASSERT_TRUE(store_->Write([&](StoreTxn& tx) -> Status {
    auto n = hosting::PlaceOnRole(tx, "web", {{1, 1}}, "domain", live);
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
  ASSERT_TRUE(service_->CreatePlan(kAdmin, plan).has_value());
  AddCustomer("acme", "ams-only");
  for (const char* d : {"one.acme.example", "two.acme.example"}) {
    auto s = service_->CreateSite(kAdmin, {d, "acme", {}, std::nullopt});
    ASSERT_TRUE(s.has_value()) << s.error().message;
    EXPECT_EQ(s->object.node_name, "b1");
  }
  PlanInput bad;
  bad.name = "bad";
  bad.pin_group = "Not A Group";
  auto refused = service_->CreatePlan(kAdmin, bad);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().fields.at("placement.group"), "placement.invalid");
}

TEST_F(FleetTest, DrainMovesEveryCustomerThenSendsTheNodeItsRemovals) {
  AddNode("web1", {"web"}, 100, "", "", "192.0.2.1");
  // An address for ns1.<zone>: a zone whose name server has no glue is refused (zone_validity.h).
  AddNode("dns1", {"dns"}, 100, "", "", "192.0.2.53");
  AddCustomer("acme");
  AddCustomer("beta");
  for (auto [d, c] : {std::pair{"acme.example", "acme"}, std::pair{"www2.acme.example", "acme"},
                      std::pair{"beta.example", "beta"}}) {
    ASSERT_TRUE(service_->CreateSite(kAdmin, {d, c, {}, std::nullopt}).has_value());
  }
  ASSERT_TRUE(service_->AddZone(kAdmin, {"acme.example", "acme"}).has_value());
  // web2 arrives after the sites: everything is on web1.
  AddNode("web2", {"web"}, 100, "", "", "192.0.2.2");

  auto step = service_->DrainNode(kAdmin, "web1", 1, false);
  ASSERT_TRUE(step.has_value()) << step.error().message;
  EXPECT_EQ(step->moved, std::vector<std::string>{"acme"});
  EXPECT_EQ(step->remaining_customers, 1);
  EXPECT_FALSE(step->emptied);
  EXPECT_EQ(step->node.status, "draining");
  EXPECT_EQ(SiteNode("acme.example"), "web2");
  EXPECT_EQ(SiteNode("www2.acme.example"), "web2");
  EXPECT_EQ(SiteNode("beta.example"), "web1");
  EXPECT_EQ(
      Kinds(step->tasks, "web2"),
      (std::vector<std::string>{"account.ensure account:acme", "site.ensure site:acme.example",
                                "site.ensure site:www2.acme.example"}));
  // web1 serves its copy until it is emptied; it is asked only to pack acme's home.
  EXPECT_EQ(Kinds(step->tasks, "web1"), std::vector<std::string>{"content.export transfer:1"});
  EXPECT_EQ(Find(step->tasks, "content.export")->spec,
            (Json{{"transfer", 1}, {"what", "home"}, {"object", "acme"}}));
  EXPECT_EQ(Find(step->tasks, "zone.ensure"), nullptr) << "the DNS waits for the content";
  EXPECT_EQ(step->copies.open, 1);

  // The export applied: web2 is sent the import, with the sealed archive's size and digest.
  const TaskRecord exported = *Find(step->tasks, "content.export");
  Seal(1);
  auto after_export = Report(exported, "applied");
  ASSERT_EQ(after_export.size(), 1u);
  EXPECT_EQ(after_export[0].node_name, "web2");
  EXPECT_EQ(after_export[0].kind, "content.import");
  EXPECT_EQ(after_export[0].spec["digest"], Blake2bHex("archive"));
  EXPECT_EQ(after_export[0].spec["chunks"], 1);
  // The import applied: the zone follows, its A records now pointing at web2.
  auto after_import = Report(after_export[0], "applied");
  const TaskRecord* zone = Find(after_import, "zone.ensure");
  ASSERT_NE(zone, nullptr);
  EXPECT_NE(zone->spec.dump().find("192.0.2.2"), std::string::npos) << zone->spec.dump();
  EXPECT_EQ(zone->spec.dump().find("192.0.2.1"), std::string::npos) << zone->spec.dump();
  // A result reported again (the agent resent its report) changes nothing.
  EXPECT_TRUE(Report(after_export[0], "applied").empty());

  // While draining, nothing new goes to web1.
  AddCustomer("gamma");
  auto placed = service_->CreateSite(kAdmin, {"gamma.example", "gamma", {}, std::nullopt});
  ASSERT_TRUE(placed.has_value());
  EXPECT_EQ(placed->object.node_name, "web2");

  step = service_->DrainNode(kAdmin, "web1", 50, false);
  ASSERT_TRUE(step.has_value()) << step.error().message;
  EXPECT_EQ(step->moved, std::vector<std::string>{"beta"});
  EXPECT_EQ(step->remaining_customers, 0);
  EXPECT_FALSE(step->emptied);
  const TaskRecord beta_export = *Find(step->tasks, "content.export");

  // Nothing left to move, but beta's home is still being copied: the node is not emptied yet,
  // and the step hands back the copy's task to wait on.
  step = service_->DrainNode(kAdmin, "web1", 50, false);
  ASSERT_TRUE(step.has_value()) << step.error().message;
  EXPECT_FALSE(step->emptied);
  EXPECT_EQ(step->copies.open, 1);
  EXPECT_EQ(step->copies.done, 1);
  ASSERT_EQ(step->tasks.size(), 1u);
  EXPECT_EQ(step->tasks[0].id, beta_export.id);

  // The copy fails: the drain goes on, and says what was not copied.
  Report(beta_export, "failed", "tar: ./private: Cannot open: Permission denied");

  step = service_->DrainNode(kAdmin, "web1", 50, false);
  ASSERT_TRUE(step.has_value()) << step.error().message;
  EXPECT_TRUE(step->moved.empty());
  EXPECT_TRUE(step->emptied);
  EXPECT_EQ(step->node.status, "drained");
  EXPECT_EQ(step->copies.done, 1);
  EXPECT_EQ(step->copies.bytes, 10240);
  EXPECT_EQ(step->copies.open, 0);
  EXPECT_EQ(step->copies.failed,
            std::vector<std::string>{"the home of beta: packing the home of beta on web1 failed: "
                                     "tar: ./private: Cannot open: Permission denied"});
  EXPECT_EQ(
      Kinds(step->tasks, "web1"),
      (std::vector<std::string>{"account.remove account:acme", "account.remove account:beta",
                                "site.remove site:acme.example", "site.remove site:beta.example",
                                "site.remove site:www2.acme.example"}));
  // Only the configuration goes: the files stay on the server for the operator.
  for (const auto& t : step->tasks) {
    const char* flag = t.kind == "account.remove" ? "remove_home" : "remove_content";
    EXPECT_EQ(t.spec.value(flag, true), false) << t.kind;
  }
}

TEST_F(FleetTest, MailDomainsMovedOffADrainedNodeTakeTheirMaildirs) {
  AddNode("mx1", {"mail"}, 100, "", "", "192.0.2.10");
  // An address for ns1.<zone>: a zone whose name server has no glue is refused (zone_validity.h).
  AddNode("dns1", {"dns"}, 100, "", "", "192.0.2.53");
  AddCustomer("acme");
  ASSERT_TRUE(service_->AddMailbox(kAdmin, {"info@acme.example", "acme", "s3cret-Passw0rd"}));
  ASSERT_TRUE(service_->AddZone(kAdmin, {"acme.example", "acme"}).has_value());
  AddNode("mx2", {"mail"}, 100, "", "", "192.0.2.11");

  auto step = service_->DrainNode(kAdmin, "mx1", 10, false);
  ASSERT_TRUE(step.has_value()) << step.error().message;
  const TaskRecord* exported = Find(step->tasks, "content.export");
  ASSERT_NE(exported, nullptr);
  EXPECT_EQ(exported->node_name, "mx1");
  EXPECT_EQ(exported->spec["what"], "mail");
  EXPECT_EQ(exported->spec["object"], "acme.example");
  // Before the Maildirs are packed, mx1 stops taking the domain's mail (4xx: senders retry).
  const TaskRecord* moving = nullptr;
  for (const auto& t : step->tasks) {
    if (t.kind == "maildomain.ensure" && t.node_name == "mx1") moving = &t;
  }
  ASSERT_NE(moving, nullptr) << "the old server was not told the domain is moving";
  EXPECT_EQ(moving->spec["status"], "moving");
  EXPECT_EQ(moving->spec["mailboxes"].size(), 1u);
  EXPECT_LT(moving->revision, exported->revision) << "marked moving after the export";
  auto sent = CompleteCopy(step->tasks);
  const TaskRecord* zone = Find(sent, "zone.ensure");
  ASSERT_NE(zone, nullptr);
  EXPECT_NE(zone->spec.dump().find("192.0.2.11"), std::string::npos) << zone->spec.dump();

  // Emptied: mx1 keeps deferring the domain (a cached MX record must not bounce mail), while
  // what else it held of the customer is removed.
  step = service_->DrainNode(kAdmin, "mx1", 10, false);
  ASSERT_TRUE(step.has_value()) << step.error().message;
  EXPECT_TRUE(step->emptied);
  for (const auto& t : step->tasks) {
    EXPECT_NE(t.kind, "maildomain.remove") << "a moved domain's mail would bounce at mx1";
  }
}

TEST_F(FleetTest, DatabasesMovedOffADrainedNodeTakeTheirContents) {
  AddNode("db1", {"db"}, 100, "", "", "192.0.2.20");
  // An address for ns1.<zone>: a zone whose name server has no glue is refused (zone_validity.h).
  AddNode("dns1", {"dns"}, 100, "", "", "192.0.2.53");
  AddCustomer("acme");
  ASSERT_TRUE(service_->AddDatabase(kAdmin, {"acme_shop", "acme", "s3cret-Passw0rd"}));
  ASSERT_TRUE(service_->AddZone(kAdmin, {"acme.example", "acme"}).has_value());
  AddNode("db2", {"db"}, 100, "", "", "192.0.2.21");
  auto step = service_->DrainNode(kAdmin, "db1", 10, false);
  ASSERT_TRUE(step.has_value()) << step.error().message;
  EXPECT_EQ(Kinds(step->tasks, "db2"),
            std::vector<std::string>{"database.ensure database:acme_shop"});
  const TaskRecord* exported = Find(step->tasks, "content.export");
  ASSERT_NE(exported, nullptr);
  EXPECT_EQ(exported->node_name, "db1");
  EXPECT_EQ(exported->spec["what"], "database");
  EXPECT_EQ(exported->spec["object"], "acme_shop");
  // db.acme.example follows the database once its rows are there.
  auto sent = CompleteCopy(step->tasks);
  const TaskRecord* zone = Find(sent, "zone.ensure");
  ASSERT_NE(zone, nullptr);
  EXPECT_NE(zone->spec.dump().find(R"({"name":"db","ttl":)"), std::string::npos)
      << zone->spec.dump();
  EXPECT_NE(zone->spec.dump().find("192.0.2.21"), std::string::npos) << zone->spec.dump();
  EXPECT_EQ(zone->spec.dump().find("192.0.2.20"), std::string::npos) << zone->spec.dump();
  step = service_->DrainNode(kAdmin, "db1", 10, false);
  ASSERT_TRUE(step.has_value()) << step.error().message;
  EXPECT_TRUE(step->emptied);
  EXPECT_EQ(step->copies.done, 1);
}

// A customer's databases share one node while it has room, and db.<zone> names it: an
// application configured with db.acme.example reaches every one of them.
TEST_F(FleetTest, ACustomersDatabasesShareANodeThatDbDotZoneNames) {
  AddNode("db1", {"db"}, 100, "", "", "192.0.2.30");
  // An address for ns1.<zone>: a zone whose name server has no glue is refused (zone_validity.h).
  AddNode("dns1", {"dns"}, 100, "", "", "192.0.2.53");
  AddCustomer("acme");
  AddCustomer("beta");
  ASSERT_TRUE(service_->AddZone(kAdmin, {"acme.example", "acme"}).has_value());
  auto first = service_->AddDatabase(kAdmin, {"acme_shop", "acme", "s3cret-Passw0rd"});
  ASSERT_TRUE(first.has_value()) << first.error().message;
  const TaskRecord* zone = Find(first->tasks, "zone.ensure");
  ASSERT_NE(zone, nullptr) << "adding a database did not update the zone";
  EXPECT_NE(zone->spec.dump().find("192.0.2.30"), std::string::npos) << zone->spec.dump();

  AddNode("db2", {"db"}, 100, "", "", "192.0.2.31");  // emptier from now on
  auto second = service_->AddDatabase(kAdmin, {"acme_blog", "acme", "s3cret-Passw0rd"});
  ASSERT_TRUE(second.has_value()) << second.error().message;
  EXPECT_EQ(second->object.node_name, "db1") << "with the customer's other database";
  auto other = service_->AddDatabase(kAdmin, {"beta_shop", "beta", "s3cret-Passw0rd"});
  ASSERT_TRUE(other.has_value()) << other.error().message;
  EXPECT_EQ(other->object.node_name, "db2") << "another customer's goes to the emptiest";

  // The last database gone: so is db.acme.example.
  ASSERT_TRUE(service_->RemoveDatabase(kAdmin, "acme_blog").has_value());
  auto last = service_->RemoveDatabase(kAdmin, "acme_shop");
  ASSERT_TRUE(last.has_value()) << last.error().message;
  zone = Find(last->tasks, "zone.ensure");
  ASSERT_NE(zone, nullptr);
  EXPECT_EQ(zone->spec.dump().find("192.0.2.30"), std::string::npos) << zone->spec.dump();
}

TEST_F(FleetTest, CopiesFromANodeDeclaredLostFailAndTheRebuildFinishes) {
  auto step = DrainWeb1WithAHomeToCopy();
  ASSERT_TRUE(step.has_value()) << step.error().message;
  EXPECT_EQ(step->copies.open, 1);
  // web1 dies before its export ran.
  auto lost = service_->DrainNode(kAdmin, "web1", 10, true);
  ASSERT_TRUE(lost.has_value()) << lost.error().message;
  EXPECT_TRUE(lost->emptied);
  EXPECT_EQ(lost->copies.open, 0);
  ASSERT_EQ(lost->copies.failed.size(), 1u);
  EXPECT_NE(lost->copies.failed[0].find("declared lost"), std::string::npos);
  // The agent cannot finish it afterwards either.
  auto t = store_->Snapshot([](StoreTxn& tx) -> Status {
    auto found = tx.transfers().Find(1);
    if (!found || !*found) return Fail(Error::NotFound("transfer"));
    return (*found)->state == "failed" ? Ok()
                                       : Fail(Error::Internal(std::string(Name((*found)->state))));
  });
  EXPECT_TRUE(t) << t.error().message;
}

// The copy's target dies: the source's drain must not wait for it for ever. It fails, saying
// the content is still on the source, and the source's drain finishes and lists it.
TEST_F(FleetTest, CopiesToANodeDeclaredLostFailAndTheSourcesDrainFinishes) {
  auto step = DrainWeb1WithAHomeToCopy();
  ASSERT_TRUE(step.has_value()) << step.error().message;
  ASSERT_EQ(step->copies.open, 1);
  AddNode("web3", {"web"});
  auto lost = service_->DrainNode(kAdmin, "web2", 10, true);
  ASSERT_TRUE(lost.has_value()) << lost.error().message;
  EXPECT_EQ(SiteNode("acme.example"), "web3");

  step = service_->DrainNode(kAdmin, "web1", 10, false);
  ASSERT_TRUE(step.has_value()) << step.error().message;
  EXPECT_EQ(step->copies.open, 0);
  ASSERT_EQ(step->copies.failed.size(), 1u);
  EXPECT_NE(step->copies.failed[0].find("web2, where the home of acme was being copied, was "
                                        "declared lost; it is still on web1"),
            std::string::npos)
      << step->copies.failed[0];
  EXPECT_TRUE(step->emptied) << "the drain waited for a copy to a lost node";
}

TEST_F(FleetTest, ALostNodeIsRebuiltElsewhereAndSaysWhatIsGone) {
  AddNode("web1", {"web"});
  AddNode("db1", {"db"});
  AddCustomer("acme");
  ASSERT_TRUE(service_->CreateSite(kAdmin, {"acme.example", "acme", {}, std::nullopt}));
  ASSERT_TRUE(service_->AddDatabase(kAdmin, {"acme_shop", "acme", "s3cret-Passw0rd"}));
  AddNode("web2", {"web"});
  AddNode("db2", {"db"});

  auto web = service_->DrainNode(kAdmin, "web1", 10, true);
  ASSERT_TRUE(web.has_value()) << web.error().message;
  EXPECT_FALSE(web->emptied) << "the step that finds nothing left says so";
  auto done = service_->DrainNode(kAdmin, "web1", 10, true);
  ASSERT_TRUE(done.has_value()) << done.error().message;
  EXPECT_TRUE(done->emptied);
  EXPECT_TRUE(done->tasks.empty());
  EXPECT_EQ(web->node.status, "lost");
  EXPECT_EQ(web->unrecoverable, std::vector<std::string>{"site files of acme.example"});
  EXPECT_EQ(SiteNode("acme.example"), "web2");
  EXPECT_TRUE(Kinds(web->tasks, "web1").empty()) << "nothing is sent to a lost node";

  auto db = service_->DrainNode(kAdmin, "db1", 10, true);
  ASSERT_TRUE(db.has_value()) << db.error().message;
  EXPECT_EQ(db->unrecoverable, std::vector<std::string>{"contents of database acme_shop"});
  EXPECT_EQ(Kinds(db->tasks, "db2"),
            std::vector<std::string>{"database.ensure database:acme_shop"});

  // A lost node cannot be drained, nor get a join token.
  auto drain = service_->DrainNode(kAdmin, "web1", 10, false);
  ASSERT_FALSE(drain.has_value());
  EXPECT_EQ(drain.error().code, ErrorCode::kConflict);
  EXPECT_FALSE(service_->IssueJoinToken(kAdmin, "web1").has_value());
}

TEST_F(FleetTest, DrainingOneRoleMovesOnlyItsObjectsAndTheNodeKeepsTheOthers) {
  AddNode("a1", {"web", "mail"});
  AddCustomer("acme");
  ASSERT_TRUE(service_->CreateSite(kAdmin, {"acme.example", "acme", {}, std::nullopt}));
  ASSERT_TRUE(service_->AddMailbox(kAdmin, {"info@acme.example", "acme", "s3cret-Passw0rd"}));
  ASSERT_TRUE(service_->AddFtpUser(kAdmin, {"acme_web", "acme", "s3cret-Passw0rd", ""}));
  AddNode("b1", {"web"});

  auto step = service_->DrainNode(kAdmin, "a1", 10, false, "web");
  ASSERT_TRUE(step.has_value()) << step.error().message;
  EXPECT_EQ(step->moved, std::vector<std::string>{"acme"});
  EXPECT_EQ(step->node.roles, std::vector<std::string>{"mail"});
  EXPECT_EQ(step->node.status, "active");
  EXPECT_EQ(SiteNode("acme.example"), "b1");
  EXPECT_EQ((*store_->GetResource("maildomain", "acme.example"))->node_name, "a1");
  const TaskRecord* exported = Find(step->tasks, "content.export");
  ASSERT_NE(exported, nullptr);
  EXPECT_EQ(exported->spec["what"], "home") << "the mail stays, so only the home is copied";
  // a1 refuses the FTP login before the home is packed: an upload there would miss the copy.
  const TaskRecord* ftp_off = nullptr;
  for (const auto& t : step->tasks) {
    if (t.kind == "ftpuser.ensure" && t.node_name == "a1") ftp_off = &t;
  }
  ASSERT_NE(ftp_off, nullptr);
  EXPECT_EQ(ftp_off->spec["status"], "suspended");
  EXPECT_LT(ftp_off->revision, exported->revision);
  EXPECT_EQ((*store_->GetResource("ftpuser", "acme_web"))->node_name, "b1");
  for (const auto& t : step->tasks) {
    EXPECT_FALSE(t.kind == "maildomain.ensure" && t.spec.value("status", "") == "moving")
        << "mail that stays is not deferred";
  }
  CompleteCopy(step->tasks);

  step = service_->DrainNode(kAdmin, "a1", 10, false, "web");
  ASSERT_TRUE(step.has_value()) << step.error().message;
  EXPECT_TRUE(step->emptied);
  EXPECT_EQ(Kinds(step->tasks, "a1"), (std::vector<std::string>{"account.remove account:acme",
                                                                "ftpuser.remove ftpuser:acme_web",
                                                                "site.remove site:acme.example"}))
      << "mail stays";
  auto bad = service_->DrainNode(kAdmin, "a1", 10, false, "smtp");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().fields.at("role"), "role.unknown");
}

TEST_F(FleetTest, DrainWithNowhereToGoChangesNothing) {
  AddNode("web1", {"web"});
  AddCustomer("acme");
  ASSERT_TRUE(service_->CreateSite(kAdmin, {"acme.example", "acme", {}, std::nullopt}));
  Page all{0, 10'000};
  TaskFilter tasks;
  tasks.page = all;
  const size_t before_tasks = store_->ListTasks(tasks)->size();

  auto step = service_->DrainNode(kAdmin, "web1", 10, false);
  ASSERT_FALSE(step.has_value());
  EXPECT_EQ(step.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(step.error().fields.begin()->second, "node.none_available");
  EXPECT_EQ(store_->ListTasks(tasks)->size(), before_tasks);
  EXPECT_EQ((*store_->GetNode("web1"))->status, "active") << "the whole step rolled back";
  EXPECT_EQ(SiteNode("acme.example"), "web1");

  auto bad = service_->DrainNode(kAdmin, "web1", 0, false);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().fields.at("batch"), "number.out_of_range");
}

}  // namespace
}  // namespace hostplane::controller
