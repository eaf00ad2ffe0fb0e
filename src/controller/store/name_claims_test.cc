// NameClaimRepository::ForeignClaim: the names customers hold (site names, zones, mail domains),
// found at a name or below it through the reversed-name keys of migration 6 — for rows written by
// this version and for rows an older version wrote before the migration existed.

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "common/sqlite/database.h"
#include "controller/store/repositories/name_claim_repository.h"
#include "controller/store/sqlite_schema.h"
#include "controller/store/temp_store_for_test.h"

namespace hostplane::controller {
namespace {

std::optional<NameClaim> Claim(Store& store, const std::string& name, int64_t customer,
                               bool below) {
  std::optional<NameClaim> out;
  EXPECT_TRUE(store.Write([&](StoreTxn& tx) -> Status {
    auto c = tx.names().ForeignClaim(name, customer, below);
    if (!c) return Fail(c.error());
    out = *c;
    return Ok();
  }));
  return out;
}

TEST(NameKeyTest, ReversesTheLabels) {
  EXPECT_EQ(NameKey("shop.acme.example"), "example.acme.shop.");
  EXPECT_EQ(NameKey("acme.example"), "example.acme.");
  EXPECT_EQ(NameKey("example"), "example.");
}

// Rows as a controller before issue 12 wrote them: migrations 1-5 only, no keys.
void WriteOldRows(const std::string& path) {
  auto db = sqlite::Database::Open(path, /*durable=*/true);
  ASSERT_TRUE(db) << db.error().message;
  std::vector<sqlite::Migration> old;
  for (const auto& m : StoreMigrations()) {
    if (m.version <= 5) old.push_back(m);
  }
  ASSERT_TRUE(sqlite::Migrate(*db, old));
  for (const char* sql : {
           "INSERT INTO customers (id, login, name, email, plan_id, created_at, updated_at) "
           "VALUES (1, 'bob', 'bob', 'b@b.test', 1, 0, 0), (2, 'eve', 'eve', 'e@e.test', 1, 0, 0)",
           "INSERT INTO nodes (id, name, capacity, created_at) VALUES (1, 'n1', 10, 0)",
           "INSERT INTO sites (id, customer_id, domain, docroot, node_id, created_at, updated_at) "
           "VALUES (1, 1, 'shop.parent.example', 'x', 1, 0, 0)",
           "INSERT INTO site_names (name, site_id) VALUES ('shop.parent.example', 1), "
           "('www.shop.parent.example', 1)",
           "INSERT INTO resources (customer_id, kind, name, created_at, updated_at) VALUES "
           "(1, 'zone', 'bzone.example', 0, 0), (1, 'maildomain', 'bmail.example', 0, 0), "
           "(1, 'database', 'bob_db', 0, 0)",
       }) {
    ASSERT_TRUE(db->Exec(sql)) << sql;
  }
}

TEST(ForeignClaimTest, FindsOlderRowsAfterTheMigrationAndNewRowsAlike) {
  TempStore store;
  // Start again from a store an older controller wrote.
  std::filesystem::remove(store.path());
  WriteOldRows(store.path());
  store.Reopen();

  struct Case {
    std::string name;
    bool below;
    int64_t asker;
    std::optional<std::string> want;  // the claim's name
  };
  const std::vector<Case> cases = {
      {"shop.parent.example", false, 2, "shop.parent.example"},
      {"parent.example", true, 2, "shop.parent.example"},
      {"parent.example", false, 2, std::nullopt},  // nothing AT parent.example
      {"parent.example", true, 1, std::nullopt},   // bob's own names are no conflict for bob
      {"www.shop.parent.example", false, 2, "www.shop.parent.example"},
      {"example", true, 2, "shop.parent.example"},  // sites are looked at first
      {"bzone.example", false, 2, "bzone.example"},
      {"a.bzone.example", true, 2, std::nullopt},
      {"bmail.example", true, 2, "bmail.example"},
      {"bob_db", false, 2, std::nullopt},  // databases hold no domain
      {"xparent.example", true, 2, std::nullopt},
      {"arent.example", true, 2, std::nullopt},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name + (c.below ? " and below" : ""));
    auto got = Claim(*store, c.name, c.asker, c.below);
    ASSERT_EQ(got.has_value(), c.want.has_value()) << (got ? got->name : "");
    if (got) {
      EXPECT_EQ(got->name, *c.want);
      EXPECT_EQ(got->customer_id, 1);
    }
  }

  // New rows get their keys when written.
  ASSERT_TRUE(store->Write([&](StoreTxn& tx) -> Status {
    Resource r;
    r.customer_id = 1;
    r.kind = "zone";
    r.name = "new.example";
    auto z = tx.resources().Insert(r);
    if (!z) return Fail(z.error());
    Site s;
    s.customer_id = 1;
    s.domain = "site.other.example";
    s.aliases = {"alias.more.example"};
    s.docroot = "x";
    s.node_id = 1;
    auto site = tx.sites().Insert(s);
    if (!site) return Fail(site.error());
    return Ok();
  }));
  EXPECT_EQ(Claim(*store, "a.new.example", 2, false), std::nullopt);
  EXPECT_EQ(Claim(*store, "new.example", 2, false)->kind, "zone");
  EXPECT_EQ(Claim(*store, "other.example", 2, true)->name, "site.other.example");
  EXPECT_EQ(Claim(*store, "more.example", 2, true)->kind, "site");
}

}  // namespace
}  // namespace hostplane::controller
