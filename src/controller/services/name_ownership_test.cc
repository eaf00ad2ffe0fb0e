#include "controller/services/name_ownership.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "common/bus/bus.h"
#include "common/crypto.h"
#include "controller/engine/task_engine.h"
#include "controller/services/hosting.h"
#include "controller/store/temp_store_for_test.h"

namespace hostplane::controller {
namespace {

const Actor kAdmin{"token:admin", Role::kAdmin};

// Issue 12, item 2: one rule for every name-bearing object, in either order. Customer "bob" holds
// a name first (as a site, a zone or a mail domain); then "eve" tries to take a name at, above or
// below it as every kind of object. Each attempt is refused with its field code and leaves the
// store as it was.
class NameOwnershipTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(InitCrypto());
    bus_ = NewInProcessBus();
    engine_ = std::make_unique<TaskEngine>(*store_, *bus_, store_.clock(), *SigningKey::Generate());
    HostingOptions options;
    options.acme_directory = "https://acme.test/directory";
    options.reserved_names = {"panel.hoster.example"};
    service_ = std::make_unique<Hosting>(*store_, *engine_, store_.clock(), options);
    auto node = service_->nodes().Create(kAdmin, {"n1", {"web", "dns", "mail"}, 1000, "192.0.2.1"});
    ASSERT_TRUE(node) << node.error().message;
    for (const char* login : {"bob", "eve"}) {
      auto c = service_->customers().Create(
          kAdmin, {login, "", std::string("ops@") + login + ".test", std::nullopt, std::nullopt});
      ASSERT_TRUE(c) << c.error().message;
    }
  }

  // eve's zone legacy.example with bob's site shop.legacy.example under it, written straight into
  // the store as a controller from before the ownership rule could have left them.
  void PlantLegacyZone() {
    ASSERT_TRUE(service_->dns().AddZone(kAdmin, {"legacy.example", "eve"}));
    ASSERT_TRUE(store_->Write([&](StoreTxn& tx) -> Status {
      auto bob = tx.customers().FindByLogin("bob");
      if (!bob || !*bob) return Fail(Error::Internal("no bob"));
      Site s;
      s.customer_id = (*bob)->id;
      s.domain = "shop.legacy.example";
      s.docroot = "sites/shop/public";
      s.node_id = 1;
      auto stored = tx.sites().Insert(s);
      if (!stored) return Fail(stored.error());
      return Ok();
    }));
  }

  // Every way of claiming `name` for `customer`, with the field the refusal names.
  struct Claim {
    std::string what;
    std::string field;
    std::function<Status()> attempt;
  };
  std::vector<Claim> ClaimsOf(const std::string& customer, const std::string& name) {
    auto status = [](auto r) -> Status {
      if (!r) return Fail(r.error());
      return Ok();
    };
    return {
        {"site", "domain",
         [=, this] {
           return status(service_->sites().Create(kAdmin, {name, customer, {}, std::nullopt}));
         }},
        {"alias", "aliases[0]",
         [=, this] {
           return status(service_->sites().Create(
               kAdmin, {customer + "-own.test", customer, {name}, std::nullopt}));
         }},
        {"zone", "zone",
         [=, this] {
           return status(service_->dns().AddZone(kAdmin, {name, customer}));
         }},
        {"mail domain", "address",
         [=, this] {
           return status(service_->mail().AddMailbox(
               kAdmin, {"info@" + name, customer, "a-long-passw0rd", std::nullopt}));
         }},
    };
  }

  size_t Rows() {
    Page all{0, 10'000};
    size_t n = store_->ListSites(std::nullopt, all)->size();
    for (const char* kind : {"zone", "maildomain", "mailbox", "record", "cert"}) {
      ResourceFilter f;
      f.kind = kind;
      n += store_->ListResources(f)->size();
    }
    return n;
  }

  TempStore store_;
  std::unique_ptr<Bus> bus_;
  std::unique_ptr<TaskEngine> engine_;
  std::unique_ptr<Hosting> service_;
};

TEST_F(NameOwnershipTest, NoKindMayClaimAtAboveOrBelowAnotherCustomersName) {
  // Bob's names, one of each kind.
  ASSERT_TRUE(service_->sites().Create(kAdmin, {"shop.parent.example", "bob", {}, std::nullopt}));
  auto bz = service_->dns().AddZone(kAdmin, {"bzone.example", "bob"});
  ASSERT_TRUE(bz) << bz.error().message;
  ASSERT_TRUE(service_->mail().AddMailbox(
      kAdmin, {"info@bmail.example", "bob", "a-long-passw0rd", std::nullopt}));
  const size_t before = Rows();

  const std::vector<std::string> taken = {
      "parent.example",         // above bob's site (the takeover of issue 12)
      "x.shop.parent.example",  // below it
      "bzone.example",          // at bob's zone
      "www.bzone.example",      // below it
      "bmail.example",          // at bob's mail domain
      "lists.bmail.example",    // below it
  };
  for (const auto& name : taken) {
    for (const auto& claim : ClaimsOf("eve", name)) {
      SCOPED_TRACE(claim.what + " " + name);
      Status s = claim.attempt();
      ASSERT_FALSE(s) << "accepted";
      // A mail domain at bob's exact mail domain is refused by the mail domain's own owner check
      // with the same code.
      EXPECT_EQ(s.error().code, ErrorCode::kConflict) << s.error().message;
      EXPECT_EQ(s.error().fields.count(claim.field), 1u) << s.error().message;
      if (s.error().fields.count(claim.field)) {
        const std::string& code = s.error().fields.at(claim.field);
        EXPECT_TRUE(code == "domain.owned_by_other_customer" || code == "domain.taken" ||
                    code == "zone.taken")
            << code;
      }
      EXPECT_EQ(s.error().message.find("bob"), std::string::npos) << "names the other customer";
    }
  }
  EXPECT_EQ(Rows(), before) << "a refused claim wrote something";

  // Bob's own names under his names stay allowed, and eve's unrelated names too.
  EXPECT_TRUE(service_->dns().AddZone(kAdmin, {"parent.example", "bob"}));
  EXPECT_TRUE(service_->sites().Create(kAdmin, {"www.bzone.example", "bob", {}, std::nullopt}));
  EXPECT_TRUE(service_->sites().Create(kAdmin, {"eve.example", "eve", {}, std::nullopt}));
}

TEST_F(NameOwnershipTest, RecordsInAZoneMayNotReachAnotherCustomersName) {
  // A zone that predates the rule, with bob's site under it (written straight into the store, as
  // an older controller could have): eve's records must still not take bob's name over.
  ASSERT_NO_FATAL_FAILURE(PlantLegacyZone());
  struct Case {
    std::string name, type, value;
    bool refused;
  };
  const std::vector<Case> cases = {
      {"shop", "A", "203.0.113.6", true},            // bob's name itself
      {"x.shop", "A", "203.0.113.6", true},          // under bob's name
      {"*.shop", "A", "203.0.113.6", true},          // a wildcard for names under it
      {"shop", "NS", "ns.evil.test", true},          // a delegation of bob's name
      {"*", "TXT", "everything", true},              // a wildcard over the whole zone
      {"www", "A", "203.0.113.7", false},            // eve's own name
      {"@", "MX", "10 mail.legacy.example", false},  // the apex answers for itself only
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name + " " + c.type);
    auto r = service_->dns().AddRecord(kAdmin,
                                       {"legacy.example", c.name, c.type, c.value, std::nullopt});
    if (!c.refused) {
      EXPECT_TRUE(r) << r.error().message;
      continue;
    }
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code, ErrorCode::kConflict);
    EXPECT_EQ(r.error().fields,
              (std::map<std::string, std::string>{{"name", "domain.owned_by_other_customer"}}));
  }
}

TEST_F(NameOwnershipTest, CertificatesAreCheckedLikeEveryOtherClaim) {
  ASSERT_NO_FATAL_FAILURE(PlantLegacyZone());
  auto cert = service_->certificates().Issue(kAdmin, "shop.legacy.example");
  ASSERT_FALSE(cert);
  EXPECT_EQ(cert.error().fields,
            (std::map<std::string, std::string>{{"domain", "domain.owned_by_other_customer"}}));
  ASSERT_TRUE(service_->sites().Create(kAdmin, {"b-own.example", "bob", {}, std::nullopt}));
  EXPECT_TRUE(service_->certificates().Issue(kAdmin, "b-own.example"));
}

TEST_F(NameOwnershipTest, TheOperatorsReservedNamesAreNobodysAtAboveOrBelow) {
  const size_t before = Rows();
  for (const std::string name :
       {"panel.hoster.example", "x.panel.hoster.example", "hoster.example"}) {
    for (const auto& claim : ClaimsOf("eve", name)) {
      SCOPED_TRACE(claim.what + " " + name);
      Status s = claim.attempt();
      ASSERT_FALSE(s) << "accepted";
      EXPECT_EQ(s.error().code, ErrorCode::kInvalid);
      EXPECT_EQ(s.error().fields,
                (std::map<std::string, std::string>{{claim.field, "domain.reserved"}}));
    }
  }
  EXPECT_EQ(Rows(), before);
  EXPECT_TRUE(
      service_->sites().Create(kAdmin, {"shop.hoster-other.example", "eve", {}, std::nullopt}));
}

TEST_F(NameOwnershipTest, ClaimsBelowUseTheReversedNameIndexOnly) {
  // Names that share a suffix without being under it are not claims below: "xparent.example" is
  // not under "parent.example", "parent.example-x" ... are separate names.
  ASSERT_TRUE(service_->sites().Create(kAdmin, {"xparent.example", "bob", {}, std::nullopt}));
  ASSERT_TRUE(service_->sites().Create(kAdmin, {"a.parent-x.example", "bob", {}, std::nullopt}));
  ASSERT_TRUE(service_->sites().Create(kAdmin, {"a.parent0.example", "bob", {}, std::nullopt}));
  EXPECT_TRUE(service_->dns().AddZone(kAdmin, {"parent.example", "eve"}));
  EXPECT_TRUE(service_->dns().AddZone(kAdmin, {"example.net", "eve"}));
}

}  // namespace
}  // namespace hostplane::controller
