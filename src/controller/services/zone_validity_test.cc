#include "controller/services/zone_validity.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "common/bus/bus.h"
#include "common/crypto.h"
#include "controller/engine/task_engine.h"
#include "controller/services/hosting.h"
#include "controller/store/states_for_test.h"
#include "controller/store/temp_store_for_test.h"
#include "protocol/zone_spec.h"

namespace hostplane::controller {
namespace {

const Actor kAdmin{"token:admin", Role::kAdmin};
using Fields = std::map<std::string, std::string>;

// Issue 12, item 11: a change that would make a zone invalid is refused at the API with the zone
// checker's code on the request field, and writes nothing; a zone task that fails on its DNS
// node is recorded where the customer looks.
class ZoneValidityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(InitCrypto());
    bus_ = NewInProcessBus();
    engine_ = std::make_unique<TaskEngine>(*store_, *bus_, store_.clock(), *SigningKey::Generate());
    service_ = std::make_unique<Hosting>(*store_, *engine_, store_.clock());
    ASSERT_TRUE(
        service_->nodes().Create(kAdmin, {"n1", {"web", "dns", "mail", "db"}, 100, "192.0.2.1"}));
    ASSERT_TRUE(service_->customers().Create(
        kAdmin, {"acme", "", "ops@acme.test", std::nullopt, std::nullopt}));
    ASSERT_TRUE(service_->dns().AddZone(kAdmin, {"acme.example", "acme"}));
  }
  Result<Change<Resource>> Record(const std::string& name, const std::string& type,
                                  const std::string& value) {
    return service_->dns().AddRecord(kAdmin, {"acme.example", name, type, value, std::nullopt});
  }
  size_t Rows() {
    Page all{0, 10'000};
    ResourceFilter f;
    f.kind = "record";
    TaskFilter tasks;
    tasks.page = all;
    return store_->ListSites(std::nullopt, all)->size() + store_->ListResources(f)->size() +
           store_->ListTasks(tasks)->size();
  }

  TempStore store_;
  std::unique_ptr<Bus> bus_;
  std::unique_ptr<TaskEngine> engine_;
  std::unique_ptr<Hosting> service_;
};

TEST_F(ZoneValidityTest, AnAliasWhereTheZoneHasACnameIsRefusedInEitherOrder) {
  ASSERT_TRUE(Record("www", "CNAME", "elsewhere.example.net"));
  ASSERT_TRUE(service_->sites().Create(kAdmin, {"acme.example", "acme", {}, std::nullopt}));
  const size_t before = Rows();

  // The case: an alias "www" beside "www CNAME ...".
  SitePatch patch;
  patch.aliases = std::vector<std::string>{"www.acme.example"};
  auto add = service_->sites().Update(kAdmin, "acme.example", patch);
  ASSERT_FALSE(add);
  EXPECT_EQ(add.error().code, ErrorCode::kInvalid);
  EXPECT_EQ(add.error().fields, (Fields{{"aliases[0]", "record.cname_conflict"}}));
  EXPECT_NE(add.error().message.find("acme.example"), std::string::npos) << add.error().message;
  auto create = service_->sites().Create(
      kAdmin, {"shop.example", "acme", {"www.acme.example"}, std::nullopt});
  ASSERT_FALSE(create);
  EXPECT_EQ(create.error().fields, (Fields{{"aliases[0]", "record.cname_conflict"}}));
  auto site = service_->sites().Create(kAdmin, {"www.acme.example", "acme", {}, std::nullopt});
  ASSERT_FALSE(site);
  EXPECT_EQ(site.error().fields, (Fields{{"domain", "record.cname_conflict"}}));
  EXPECT_EQ(Rows(), before) << "a refused change wrote something";
  EXPECT_EQ(store_->GetSite("acme.example")->value().aliases.size(), 0u);

  // The other order: the site's name first, then a CNAME there.
  ASSERT_TRUE(service_->sites().Create(kAdmin, {"blog.acme.example", "acme", {}, std::nullopt}));
  auto cname = Record("blog", "CNAME", "elsewhere.example.net");
  ASSERT_FALSE(cname);
  EXPECT_EQ(cname.error().fields, (Fields{{"value", "record.cname_conflict"}}));
  // And a record that conflicts with nothing is fine.
  EXPECT_TRUE(Record("ftp", "A", "192.0.2.7"));
}

TEST_F(ZoneValidityTest, MailAndDatabasesMayNotBreakTheZoneEither) {
  ASSERT_TRUE(Record("mail", "CNAME", "mx.example.net"));
  ASSERT_TRUE(Record("db", "CNAME", "db.example.net"));
  auto mailbox = service_->mail().AddMailbox(
      kAdmin, {"info@acme.example", "acme", "a-long-passw0rd", std::nullopt});
  ASSERT_FALSE(mailbox);
  EXPECT_EQ(mailbox.error().fields, (Fields{{"address", "record.cname_conflict"}}));
  auto db = service_->databases().Add(kAdmin, {"acme_shop", "acme", "a-long-passw0rd"});
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().fields, (Fields{{"name", "record.cname_conflict"}}));
  ResourceFilter f;
  f.kind = "maildomain";
  EXPECT_TRUE(store_->ListResources(f)->empty());
}

TEST_F(ZoneValidityTest, AZoneBrokenBeforeTheCheckDoesNotBlockUnrelatedChanges) {
  ASSERT_TRUE(service_->sites().Create(
      kAdmin, {"acme.example", "acme", {"www.acme.example"}, std::nullopt}));
  // What an older controller accepted: "www CNAME" beside the alias (written to the store here).
  ASSERT_TRUE(store_->Write([&](StoreTxn& tx) -> Status {
    Resource r;
    r.customer_id = 1;
    r.kind = "record";
    r.name = "acme.example www CNAME x.example.net.";
    r.parent = "acme.example";
    r.data = Json{{"name", "www"}, {"type", "CNAME"}, {"ttl", 3600}, {"value", "x.example.net."}};
    auto stored = tx.resources().Insert(r);
    if (!stored) return Fail(stored.error());
    return Ok();
  }));
  // Unrelated changes go through; a new problem is still refused.
  EXPECT_TRUE(service_->sites().Create(kAdmin, {"shop.acme.example", "acme", {}, std::nullopt}));
  EXPECT_TRUE(Record("ftp", "A", "192.0.2.7"));
  auto again = Record("shop", "CNAME", "x.example.net");
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().fields, (Fields{{"value", "record.cname_conflict"}}));
}

// BeforeOne checks one zone: what a change does to another zone of the customer's is not its
// business (a record is in its own zone's spec alone), and its cost does not grow with the
// number of zones. Before checks them all.
TEST_F(ZoneValidityTest, BeforeOneChecksOnlyItsZone) {
  ASSERT_TRUE(service_->dns().AddZone(kAdmin, {"other.example", "acme"}));
  ASSERT_TRUE(service_->sites().Create(
      kAdmin, {"other.example", "acme", {"www.other.example"}, std::nullopt}));
  auto owner = store_->GetCustomer("acme");
  ASSERT_TRUE(owner && *owner);
  HostingOptions options;
  // A CNAME beside the alias www.other.example: a new problem in other.example.
  auto break_other = [&](StoreTxn& tx) -> Status {
    Resource r;
    r.customer_id = (*owner)->id;
    r.kind = "record";
    r.name = "other.example www CNAME x.example.net.";
    r.parent = "other.example";
    r.data = Json{{"name", "www"}, {"type", "CNAME"}, {"ttl", 3600}, {"value", "x.example.net."}};
    auto stored = tx.resources().Insert(r);
    if (!stored) return Fail(stored.error());
    return Ok();
  };
  auto one = store_->Write([&](StoreTxn& tx) -> Status {
    HP_ASSIGN_OR_RETURN(auto zones, ZoneValidity::BeforeOne(tx, **owner, options, "acme.example"));
    HP_TRY(break_other(tx));
    HP_TRY(zones.After(tx, {}, "value"));
    return Fail(Error::Conflict("roll back"));
  });
  ASSERT_FALSE(one);
  EXPECT_EQ(one.error().message, "roll back") << "BeforeOne looked beyond acme.example";
  auto all = store_->Write([&](StoreTxn& tx) -> Status {
    HP_ASSIGN_OR_RETURN(auto zones, ZoneValidity::Before(tx, **owner, options));
    HP_TRY(break_other(tx));
    return zones.After(tx, {}, "value");
  });
  ASSERT_FALSE(all);
  EXPECT_EQ(all.error().fields, (Fields{{"value", "record.cname_conflict"}}));
  // The same through the API: a record in other.example is checked in other.example.
  auto cname = service_->dns().AddRecord(
      kAdmin, {"other.example", "www", "CNAME", "x.example.net", std::nullopt});
  ASSERT_FALSE(cname);
  EXPECT_EQ(cname.error().fields, (Fields{{"value", "record.cname_conflict"}}));
}

TEST_F(ZoneValidityTest, AFailedZoneTaskIsRecordedOnTheZone) {
  auto change = Record("ftp", "A", "192.0.2.7");
  ASSERT_TRUE(change);
  ASSERT_EQ(change->tasks.size(), 1u);
  const TaskRecord task = change->tasks[0];
  ASSERT_EQ(task.kind, protocol::kZoneEnsure);
  const int64_t serial = task.spec["serial"];
  auto report = [&](const TaskRecord& t, const std::string& state, const std::string& error) {
    ASSERT_TRUE(store_->Write([&](StoreTxn& tx) -> Status {
      std::vector<TaskRecord> appended;
      return service_->result_hook()(tx, t, Parse<TaskState>(state).value_or(TaskState::kPending),
                                     error, appended);
    }));
  };
  auto zone = [&] { return *service_->dns().ZoneRecords(kAdmin, "acme.example"); };
  EXPECT_FALSE(zone().contains("served_serial"));  // nothing served yet

  report(task, "failed", "kzonecheck: the zone is broken");
  Json failed = zone();
  EXPECT_EQ(failed["status"], "failed");
  EXPECT_EQ(failed["error"], "kzonecheck: the zone is broken");
  EXPECT_EQ(failed["failed_serial"], serial);
  auto listed = service_->resources().List(kAdmin, "zone", std::nullopt, std::nullopt, Page{});
  ASSERT_TRUE(listed);
  EXPECT_EQ((*listed)[0].status, "failed");

  // The next change is served: the zone says so, and the error is gone.
  auto next = Record("www", "A", "192.0.2.8");
  ASSERT_TRUE(next);
  report(next->tasks[0], "applied", "");
  Json served = zone();
  EXPECT_EQ(served["status"], "active");
  EXPECT_EQ(served["served_serial"], next->tasks[0].spec["serial"]);
  EXPECT_FALSE(served.contains("error"));
  // A late result of the older task changes nothing.
  report(task, "failed", "late");
  EXPECT_EQ(zone()["status"], "active");
}

}  // namespace
}  // namespace hostplane::controller
