// Drains and lost nodes, in steps, with the copies of their content.

#include <gtest/gtest.h>

#include "common/failpoint.h"
#include "controller/services/fleet_fixture_for_test.h"
#include "protocol/messages.h"

namespace hostplane::controller {
namespace {

using namespace std::chrono_literals;

const Actor& kAdmin = kFleetAdmin;

TEST_F(FleetTest, DrainMovesEveryCustomerThenSendsTheNodeItsRemovals) {
  AddNode("web1", {"web"}, 100, "", "", "192.0.2.1");
  // An address for ns1.<zone>: a zone whose name server has no glue is refused (zone_validity.h).
  AddNode("dns1", {"dns"}, 100, "", "", "192.0.2.53");
  AddCustomer("acme");
  AddCustomer("beta");
  for (auto [d, c] : {std::pair{"acme.example", "acme"}, std::pair{"www2.acme.example", "acme"},
                      std::pair{"beta.example", "beta"}}) {
    ASSERT_TRUE(service_->sites().Create(kAdmin, {d, c, {}, std::nullopt}).has_value());
  }
  ASSERT_TRUE(service_->dns().AddZone(kAdmin, {"acme.example", "acme"}).has_value());
  // web2 arrives after the sites: everything is on web1.
  AddNode("web2", {"web"}, 100, "", "", "192.0.2.2");

  auto step = service_->drains().Drain(kAdmin, "web1", 1, false);
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
  auto placed = service_->sites().Create(kAdmin, {"gamma.example", "gamma", {}, std::nullopt});
  ASSERT_TRUE(placed.has_value());
  EXPECT_EQ(placed->object.node_name, "web2");

  step = service_->drains().Drain(kAdmin, "web1", 50, false);
  ASSERT_TRUE(step.has_value()) << step.error().message;
  EXPECT_EQ(step->moved, std::vector<std::string>{"beta"});
  EXPECT_EQ(step->remaining_customers, 0);
  EXPECT_FALSE(step->emptied);
  const TaskRecord beta_export = *Find(step->tasks, "content.export");

  // Nothing left to move, but beta's home is still being copied: the node is not emptied yet,
  // and the step hands back the copy's task to wait on.
  step = service_->drains().Drain(kAdmin, "web1", 50, false);
  ASSERT_TRUE(step.has_value()) << step.error().message;
  EXPECT_FALSE(step->emptied);
  EXPECT_EQ(step->copies.open, 1);
  EXPECT_EQ(step->copies.done, 1);
  ASSERT_EQ(step->tasks.size(), 1u);
  EXPECT_EQ(step->tasks[0].id, beta_export.id);

  // The copy fails: the drain goes on, and says what was not copied.
  Report(beta_export, "failed", "tar: ./private: Cannot open: Permission denied");

  step = service_->drains().Drain(kAdmin, "web1", 50, false);
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
  ASSERT_TRUE(
      service_->mail().AddMailbox(kAdmin, {"info@acme.example", "acme", "s3cret-Passw0rd"}));
  ASSERT_TRUE(service_->dns().AddZone(kAdmin, {"acme.example", "acme"}).has_value());
  AddNode("mx2", {"mail"}, 100, "", "", "192.0.2.11");

  auto step = service_->drains().Drain(kAdmin, "mx1", 10, false);
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
  // The mail client set-up (autoconfig, autodiscover) is served where the domain now is.
  int client_on_mx2 = 0;
  for (const auto* tasks : {&step->tasks, &sent}) {
    for (const auto& t : *tasks) {
      client_on_mx2 += t.kind == "mailclient.ensure" && t.node_name == "mx2" ? 1 : 0;
    }
  }
  EXPECT_EQ(client_on_mx2, 1);

  // Emptied: mx1 keeps deferring the domain (a cached MX record must not bounce mail), while
  // what else it held of the customer is removed, its mail client set-up included.
  step = service_->drains().Drain(kAdmin, "mx1", 10, false);
  ASSERT_TRUE(step.has_value()) << step.error().message;
  EXPECT_TRUE(step->emptied);
  int client_off_mx1 = 0;
  for (const auto& t : step->tasks) {
    EXPECT_NE(t.kind, "maildomain.remove") << "a moved domain's mail would bounce at mx1";
    client_off_mx1 += t.kind == "mailclient.remove" && t.node_name == "mx1" ? 1 : 0;
  }
  EXPECT_EQ(client_off_mx1, 1);
}

TEST_F(FleetTest, DatabasesMovedOffADrainedNodeTakeTheirContents) {
  AddNode("db1", {"db"}, 100, "", "", "192.0.2.20");
  // An address for ns1.<zone>: a zone whose name server has no glue is refused (zone_validity.h).
  AddNode("dns1", {"dns"}, 100, "", "", "192.0.2.53");
  AddCustomer("acme");
  ASSERT_TRUE(service_->databases().Add(kAdmin, {"acme_shop", "acme", "s3cret-Passw0rd"}));
  ASSERT_TRUE(service_->dns().AddZone(kAdmin, {"acme.example", "acme"}).has_value());
  AddNode("db2", {"db"}, 100, "", "", "192.0.2.21");
  auto step = service_->drains().Drain(kAdmin, "db1", 10, false);
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
  step = service_->drains().Drain(kAdmin, "db1", 10, false);
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
  ASSERT_TRUE(service_->dns().AddZone(kAdmin, {"acme.example", "acme"}).has_value());
  auto first = service_->databases().Add(kAdmin, {"acme_shop", "acme", "s3cret-Passw0rd"});
  ASSERT_TRUE(first.has_value()) << first.error().message;
  const TaskRecord* zone = Find(first->tasks, "zone.ensure");
  ASSERT_NE(zone, nullptr) << "adding a database did not update the zone";
  EXPECT_NE(zone->spec.dump().find("192.0.2.30"), std::string::npos) << zone->spec.dump();

  AddNode("db2", {"db"}, 100, "", "", "192.0.2.31");  // emptier from now on
  auto second = service_->databases().Add(kAdmin, {"acme_blog", "acme", "s3cret-Passw0rd"});
  ASSERT_TRUE(second.has_value()) << second.error().message;
  EXPECT_EQ(second->object.node_name, "db1") << "with the customer's other database";
  auto other = service_->databases().Add(kAdmin, {"beta_shop", "beta", "s3cret-Passw0rd"});
  ASSERT_TRUE(other.has_value()) << other.error().message;
  EXPECT_EQ(other->object.node_name, "db2") << "another customer's goes to the emptiest";

  // The last database gone: so is db.acme.example.
  ASSERT_TRUE(service_->databases().Remove(kAdmin, "acme_blog").has_value());
  auto last = service_->databases().Remove(kAdmin, "acme_shop");
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
  auto lost = service_->drains().Drain(kAdmin, "web1", 10, true);
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
  auto lost = service_->drains().Drain(kAdmin, "web2", 10, true);
  ASSERT_TRUE(lost.has_value()) << lost.error().message;
  EXPECT_EQ(SiteNode("acme.example"), "web3");

  step = service_->drains().Drain(kAdmin, "web1", 10, false);
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
  ASSERT_TRUE(service_->sites().Create(kAdmin, {"acme.example", "acme", {}, std::nullopt}));
  ASSERT_TRUE(service_->databases().Add(kAdmin, {"acme_shop", "acme", "s3cret-Passw0rd"}));
  AddNode("web2", {"web"});
  AddNode("db2", {"db"});

  auto web = service_->drains().Drain(kAdmin, "web1", 10, true);
  ASSERT_TRUE(web.has_value()) << web.error().message;
  EXPECT_FALSE(web->emptied) << "the step that finds nothing left says so";
  auto done = service_->drains().Drain(kAdmin, "web1", 10, true);
  ASSERT_TRUE(done.has_value()) << done.error().message;
  EXPECT_TRUE(done->emptied);
  EXPECT_TRUE(done->tasks.empty());
  EXPECT_EQ(web->node.status, "lost");
  EXPECT_EQ(web->unrecoverable, std::vector<std::string>{"site files of acme.example"});
  EXPECT_EQ(SiteNode("acme.example"), "web2");
  EXPECT_TRUE(Kinds(web->tasks, "web1").empty()) << "nothing is sent to a lost node";

  auto db = service_->drains().Drain(kAdmin, "db1", 10, true);
  ASSERT_TRUE(db.has_value()) << db.error().message;
  EXPECT_EQ(db->unrecoverable, std::vector<std::string>{"contents of database acme_shop"});
  EXPECT_EQ(Kinds(db->tasks, "db2"),
            std::vector<std::string>{"database.ensure database:acme_shop"});

  // A lost node cannot be drained, nor get a join token.
  auto drain = service_->drains().Drain(kAdmin, "web1", 10, false);
  ASSERT_FALSE(drain.has_value());
  EXPECT_EQ(drain.error().code, ErrorCode::kConflict);
  EXPECT_FALSE(service_->nodes().IssueJoinToken(kAdmin, "web1").has_value());
}

TEST_F(FleetTest, DrainingOneRoleMovesOnlyItsObjectsAndTheNodeKeepsTheOthers) {
  AddNode("a1", {"web", "mail"});
  AddCustomer("acme");
  ASSERT_TRUE(service_->sites().Create(kAdmin, {"acme.example", "acme", {}, std::nullopt}));
  ASSERT_TRUE(
      service_->mail().AddMailbox(kAdmin, {"info@acme.example", "acme", "s3cret-Passw0rd"}));
  ASSERT_TRUE(service_->ftp().Add(kAdmin, {"acme_web", "acme", "s3cret-Passw0rd", ""}));
  AddNode("b1", {"web"});

  auto step = service_->drains().Drain(kAdmin, "a1", 10, false, "web");
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

  step = service_->drains().Drain(kAdmin, "a1", 10, false, "web");
  ASSERT_TRUE(step.has_value()) << step.error().message;
  EXPECT_TRUE(step->emptied);
  EXPECT_EQ(Kinds(step->tasks, "a1"), (std::vector<std::string>{"account.remove account:acme",
                                                                "ftpuser.remove ftpuser:acme_web",
                                                                "site.remove site:acme.example"}))
      << "mail stays";
  auto bad = service_->drains().Drain(kAdmin, "a1", 10, false, "smtp");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().fields.at("role"), "role.unknown");
}

// A step that fails after moving some of its customers keeps none of them: the step is one
// change. The same step run again moves them all.
TEST_F(FleetTest, ADrainStepFailingMidwayKeepsNothingAndRunsAgain) {
  AddNode("web1", {"web"});
  AddCustomer("acme");
  AddCustomer("beta");
  for (auto [d, c] : {std::pair{"acme.example", "acme"}, std::pair{"beta.example", "beta"}}) {
    ASSERT_TRUE(service_->sites().Create(kAdmin, {d, c, {}, std::nullopt}).has_value());
  }
  AddNode("web2", {"web"});
  Page all{0, 10'000};
  TaskFilter tasks;
  tasks.page = all;
  const size_t before_tasks = store_->ListTasks(tasks)->size();
  const size_t before_audit = store_->ListAudit(all, std::nullopt)->size();

  failpoint::Enable("node.drain.after_customer", failpoint::Action::kError);
  auto step = service_->drains().Drain(kAdmin, "web1", 10, false);
  EXPECT_EQ(failpoint::Hits("node.drain.after_customer"), 1);
  failpoint::DisableAll();
  ASSERT_FALSE(step.has_value());
  EXPECT_EQ(step.error().message, "failpoint node.drain.after_customer");
  EXPECT_EQ(SiteNode("acme.example"), "web1");
  EXPECT_EQ(SiteNode("beta.example"), "web1");
  EXPECT_EQ((*store_->GetNode("web1"))->status, "active");
  EXPECT_EQ(store_->ListTasks(tasks)->size(), before_tasks);
  EXPECT_EQ(store_->ListAudit(all, std::nullopt)->size(), before_audit);

  step = service_->drains().Drain(kAdmin, "web1", 10, false);
  ASSERT_TRUE(step.has_value()) << step.error().message;
  EXPECT_EQ(step->moved, (std::vector<std::string>{"acme", "beta"}));
  EXPECT_EQ(SiteNode("acme.example"), "web2");
  EXPECT_EQ(SiteNode("beta.example"), "web2");
}

TEST_F(FleetTest, DrainWithNowhereToGoChangesNothing) {
  AddNode("web1", {"web"});
  AddCustomer("acme");
  ASSERT_TRUE(service_->sites().Create(kAdmin, {"acme.example", "acme", {}, std::nullopt}));
  Page all{0, 10'000};
  TaskFilter tasks;
  tasks.page = all;
  const size_t before_tasks = store_->ListTasks(tasks)->size();

  auto step = service_->drains().Drain(kAdmin, "web1", 10, false);
  ASSERT_FALSE(step.has_value());
  EXPECT_EQ(step.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(step.error().fields.begin()->second, "node.none_available");
  EXPECT_EQ(store_->ListTasks(tasks)->size(), before_tasks);
  EXPECT_EQ((*store_->GetNode("web1"))->status, "active") << "the whole step rolled back";
  EXPECT_EQ(SiteNode("acme.example"), "web1");

  auto bad = service_->drains().Drain(kAdmin, "web1", 0, false);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().fields.at("batch"), "number.out_of_range");
}

}  // namespace
}  // namespace hostplane::controller
