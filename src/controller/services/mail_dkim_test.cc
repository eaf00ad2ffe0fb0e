// Issue 16 part 2: a DKIM key per mail domain made on the controller, kept in the vault, sent
// sealed to the domain's mail node (the same key after a drain), rotated, and published with SPF
// and DMARC in the customer's zone, or shown to copy.

#include <gtest/gtest.h>

#include <map>

#include "common/sealed_box.h"
#include "controller/secrets/dkim_key_pair.h"
#include "controller/services/fleet_fixture_for_test.h"
#include "protocol/mail_spec.h"

namespace hostplane::controller {
namespace {

class MailDkimTest : public FleetTest {
 protected:
  // The node's agent announced its box key (what a hello does).
  const BoxKey& Announce(const std::string& node) {
    auto key = BoxKey::Generate();
    EXPECT_TRUE(key.has_value());
    keys_.emplace(node, *key);
    EXPECT_TRUE(store_->Write([&](StoreTxn& tx) -> Status {
      auto n = tx.nodes().FindByName(node);
      if (!n || !*n) return Fail(Error::NotFound(node));
      Node u = **n;
      u.box_key = key->public_key().ToString();
      return tx.nodes().Update(u);
    }));
    return keys_.at(node);
  }
  static const TaskRecord* Last(const std::vector<TaskRecord>& tasks, const std::string& kind,
                                const std::string& node = "") {
    const TaskRecord* out = nullptr;
    for (const auto& t : tasks) {
      if (t.kind == kind && (node.empty() || t.node_name == node)) out = &t;
    }
    return out;
  }
  // The PEM in a maildomain.ensure spec, opened with the node's key ("" when absent or closed).
  std::string OpenedKey(const TaskRecord& t) {
    auto spec = protocol::MailDomainSpecFromJson(t.spec);
    EXPECT_TRUE(spec.has_value()) << t.spec.dump();
    if (!spec || !spec->dkim) return "";
    auto opened = keys_.at(t.node_name).Open(spec->dkim->private_key);
    return opened ? *opened : "";
  }
  Json Records(const std::string& zone) {
    auto z = service_->dns().ZoneRecords(kFleetAdmin, zone);
    EXPECT_TRUE(z.has_value()) << (z ? "" : z.error().message);
    return z ? (*z)["records"] : Json::array();
  }
  static std::string Value(const Json& records, const std::string& name, const std::string& type,
                           const std::string& prefix = "") {
    for (const auto& r : records) {
      if (r["name"] == name && r["type"] == type &&
          r["value"].get<std::string>().starts_with(prefix)) {
        return r["value"].get<std::string>();
      }
    }
    return "";
  }
  void Prepare() {
    AddNode("mx1", {"mail"}, 100, "", "", "192.0.2.10");
    AddNode("dns1", {"dns"}, 100, "", "", "192.0.2.53");
    AddCustomer("acme");
    Announce("mx1");
    ASSERT_TRUE(service_->dns().AddZone(kFleetAdmin, {"acme.example", "acme"}).has_value());
  }

  std::map<std::string, BoxKey> keys_;
};

TEST_F(MailDkimTest, ANewMailDomainGetsAKeySealedToItsNodeAndPublishedWithSpfAndDmarc) {
  Prepare();
  auto box =
      service_->mail().AddMailbox(kFleetAdmin, {"info@acme.example", "acme", "s3cret-Passw0rd"});
  ASSERT_TRUE(box.has_value()) << box.error().message;
  const TaskRecord* ensure = Last(box->tasks, "maildomain.ensure", "mx1");
  ASSERT_NE(ensure, nullptr);
  EXPECT_EQ(ensure->spec["dkim"]["selector"], "hp1");
  // Only sealed in the spec (and so in the task list the API shows): no PEM in clear.
  EXPECT_EQ(ensure->spec.dump().find("PRIVATE KEY"), std::string::npos);
  const std::string pem = OpenedKey(*ensure);
  EXPECT_TRUE(pem.starts_with("-----BEGIN PRIVATE KEY-----")) << pem.size();

  auto domain = store_->GetResource("maildomain", "acme.example");
  ASSERT_TRUE(domain && *domain);
  const std::string public_key = (*domain)->data.value("dkim_public_key", "");
  ASSERT_FALSE(public_key.empty());
  const Json records = Records("acme.example");
  EXPECT_EQ(Value(records, "hp1._domainkey", "TXT"), DkimRecordValue(public_key)) << records.dump();
  EXPECT_EQ(Value(records, "@", "TXT", "v=spf1"), "v=spf1 mx ip4:192.0.2.10 ~all");
  EXPECT_EQ(Value(records, "_dmarc", "TXT"), "v=DMARC1; p=none");
  EXPECT_EQ(Value(records, "@", "MX"), "10 mail.acme.example.");
  // A mail client finds its servers from the address (RFC 6186/8314).
  EXPECT_EQ(Value(records, "_submissions._tcp", "SRV"), "0 1 465 mail.acme.example.");
  EXPECT_EQ(Value(records, "_submission._tcp", "SRV"), "0 1 587 mail.acme.example.");
  EXPECT_EQ(Value(records, "_imaps._tcp", "SRV"), "0 1 993 mail.acme.example.");
  EXPECT_EQ(Value(records, "_pop3s._tcp", "SRV"), "0 1 995 mail.acme.example.");
  EXPECT_EQ(Value(records, "_imap._tcp", "SRV"), "0 0 0 .");
  // Mail clients' set-up documents, served by the mail node (mailclient.ensure).
  EXPECT_EQ(Value(records, "autoconfig", "A"), "192.0.2.10");
  EXPECT_EQ(Value(records, "autodiscover", "A"), "192.0.2.10");
  // The zone change went out with the mailbox.
  const TaskRecord* zone = Last(box->tasks, "zone.ensure");
  ASSERT_NE(zone, nullptr);
  EXPECT_NE(zone->spec.dump().find(public_key), std::string::npos);
}

TEST_F(MailDkimTest, RotationMakesTheNextSelectorAndForgetsTheOldKey) {
  Prepare();
  auto box =
      service_->mail().AddMailbox(kFleetAdmin, {"info@acme.example", "acme", "s3cret-Passw0rd"});
  ASSERT_TRUE(box.has_value());
  const std::string first = OpenedKey(*Last(box->tasks, "maildomain.ensure"));
  auto rotated = service_->mail().RotateDkim(kFleetAdmin, "ACME.example");
  ASSERT_TRUE(rotated.has_value()) << rotated.error().message;
  EXPECT_EQ(rotated->object.data["dkim_selector"], "hp2");
  const TaskRecord* ensure = Last(rotated->tasks, "maildomain.ensure", "mx1");
  ASSERT_NE(ensure, nullptr);
  EXPECT_EQ(ensure->spec["dkim"]["selector"], "hp2");
  const std::string second = OpenedKey(*ensure);
  EXPECT_FALSE(second.empty());
  EXPECT_NE(second, first);
  ASSERT_NE(Last(rotated->tasks, "zone.ensure"), nullptr);
  const Json records = Records("acme.example");
  EXPECT_EQ(Value(records, "hp1._domainkey", "TXT"), "");
  EXPECT_EQ(Value(records, "hp2._domainkey", "TXT"),
            DkimRecordValue(rotated->object.data["dkim_public_key"].get<std::string>()));
  auto kept = store_->Read([&](StoreTxn& tx) -> Result<std::vector<bool>> {
    HP_ASSIGN_OR_RETURN(bool old, service_->vault().Has(tx, "dkim/acme.example/hp1"));
    HP_ASSIGN_OR_RETURN(bool now, service_->vault().Has(tx, "dkim/acme.example/hp2"));
    return std::vector<bool>{old, now};
  });
  ASSERT_TRUE(kept);
  EXPECT_EQ(*kept, (std::vector<bool>{false, true}));
  // The audit log says who rotated it.
  auto audit = store_->ListAudit({0, 100}, std::nullopt);
  ASSERT_TRUE(audit);
  bool seen = false;
  for (const auto& a : *audit) seen = seen || a.action == "maildomain.dkim_rotate";
  EXPECT_TRUE(seen);

  // Unknown and hostile names: not found, nothing changes.
  for (const char* name : {"nope.example", "", "../etc", "acme.example\n", "a b"}) {
    auto bad = service_->mail().RotateDkim(kFleetAdmin, name);
    ASSERT_FALSE(bad.has_value()) << name;
    EXPECT_EQ(bad.error().code, ErrorCode::kNotFound) << name;
    auto dns = service_->mail().DnsRecords(kFleetAdmin, name);
    ASSERT_FALSE(dns.has_value()) << name;
    EXPECT_EQ(dns.error().code, ErrorCode::kNotFound) << name;
  }
  // Another customer's domain is not found for that customer's users.
  AddCustomer("bob");
  auto bob_row = store_->GetCustomer("bob");
  ASSERT_TRUE(bob_row && *bob_row);
  Actor bob{"user:bob", Role::kCustomer};
  bob.customer_id = (*bob_row)->id;
  auto theirs = service_->mail().RotateDkim(bob, "acme.example");
  ASSERT_FALSE(theirs.has_value());
  EXPECT_EQ(theirs.error().code, ErrorCode::kNotFound);
  auto shown = service_->mail().DnsRecords(bob, "acme.example");
  ASSERT_FALSE(shown.has_value());
  EXPECT_EQ(shown.error().code, ErrorCode::kNotFound);
}

TEST_F(MailDkimTest, ADrainedDomainSignsWithTheSameKeySealedToItsNewNode) {
  Prepare();
  ASSERT_TRUE(
      service_->mail().AddMailbox(kFleetAdmin, {"info@acme.example", "acme", "s3cret-Passw0rd"}));
  TaskFilter every;
  every.page = {0, 1000};
  auto before = store_->ListTasks(every);
  ASSERT_TRUE(before);
  const std::string pem = OpenedKey(*Last(*before, "maildomain.ensure", "mx1"));
  ASSERT_FALSE(pem.empty());
  AddNode("mx2", {"mail"}, 100, "", "", "192.0.2.11");
  Announce("mx2");
  auto step = service_->drains().Drain(kFleetAdmin, "mx1", 10, false);
  ASSERT_TRUE(step.has_value()) << step.error().message;
  CompleteCopy(step->tasks);
  TaskFilter filter;
  filter.page = {0, 1000};
  auto all = store_->ListTasks(filter);
  ASSERT_TRUE(all);
  const TaskRecord* moved = Last(*all, "maildomain.ensure", "mx2");
  ASSERT_NE(moved, nullptr);
  EXPECT_EQ(moved->spec["dkim"]["selector"], "hp1");
  EXPECT_EQ(OpenedKey(*moved), pem);
  // mx1's key does not open what was sealed to mx2.
  auto spec = protocol::MailDomainSpecFromJson(moved->spec);
  ASSERT_TRUE(spec && spec->dkim);
  EXPECT_FALSE(keys_.at("mx1").Open(spec->dkim->private_key).has_value());
  const Json records = Records("acme.example");
  EXPECT_EQ(Value(records, "@", "TXT", "v=spf1"), "v=spf1 mx ip4:192.0.2.11 ~all");
}

TEST_F(MailDkimTest, ANodeWithoutABoxKeyGetsTheDomainUnsignedUntilItsHello) {
  AddNode("mx1", {"mail"}, 100, "", "", "192.0.2.10");
  AddCustomer("acme");
  auto box =
      service_->mail().AddMailbox(kFleetAdmin, {"info@acme.example", "acme", "s3cret-Passw0rd"});
  ASSERT_TRUE(box.has_value()) << box.error().message;
  const TaskRecord* ensure = Last(box->tasks, "maildomain.ensure", "mx1");
  ASSERT_NE(ensure, nullptr);
  EXPECT_FALSE(ensure->spec.contains("dkim")) << ensure->spec.dump();
  // The hello that brings the key re-sends the domain, sealed to it.
  auto key = BoxKey::Generate();
  ASSERT_TRUE(key);
  keys_.emplace("mx1", *key);
  std::vector<TaskRecord> appended;
  Status hello = store_->Write([&](StoreTxn& tx) -> Status {
    auto n = tx.nodes().FindByName("mx1");
    if (!n || !*n) return Fail(Error::NotFound("mx1"));
    Node u = **n;
    u.box_key = key->public_key().ToString();
    HP_TRY(tx.nodes().Update(u));
    return service_->node_key_hook()(tx, u, appended);
  });
  ASSERT_TRUE(hello) << hello.error().message;
  const TaskRecord* resealed = Last(appended, "maildomain.ensure", "mx1");
  ASSERT_NE(resealed, nullptr);
  EXPECT_TRUE(OpenedKey(*resealed).starts_with("-----BEGIN PRIVATE KEY-----"));
}

// The mail client set-up (autoconfig, autodiscover) is served by the domain's mail node: sent
// there once with the domain, not again at the next mailbox, and taken away with the domain.
TEST_F(MailDkimTest, TheMailClientSetUpGoesToTheMailNodeOnceAndLeavesWithTheDomain) {
  Prepare();
  auto first =
      service_->mail().AddMailbox(kFleetAdmin, {"info@acme.example", "acme", "s3cret-Passw0rd"});
  ASSERT_TRUE(first.has_value()) << first.error().message;
  const TaskRecord* client = Last(first->tasks, "mailclient.ensure", "mx1");
  ASSERT_NE(client, nullptr);
  EXPECT_EQ(client->object_key, "mailclient:acme.example");
  EXPECT_EQ(client->spec, (Json{{"domain", "acme.example"}, {"account", "acme"}}));
  auto second =
      service_->mail().AddMailbox(kFleetAdmin, {"sales@acme.example", "acme", "s3cret-Passw0rd"});
  ASSERT_TRUE(second.has_value()) << second.error().message;
  EXPECT_NE(Last(second->tasks, "maildomain.ensure", "mx1"), nullptr);
  EXPECT_EQ(Last(second->tasks, "mailclient.ensure"), nullptr);
  ASSERT_TRUE(service_->mail().RemoveMailbox(kFleetAdmin, "sales@acme.example").has_value());
  auto last = service_->mail().RemoveMailbox(kFleetAdmin, "info@acme.example");
  ASSERT_TRUE(last.has_value()) << last.error().message;
  const TaskRecord* removal = Last(last->tasks, "mailclient.remove", "mx1");
  ASSERT_NE(removal, nullptr);
  EXPECT_EQ(removal->spec, (Json{{"domain", "acme.example"}, {"account", "acme"}}));
  EXPECT_EQ(Value(Records("acme.example"), "autoconfig", "A"), "");
}

TEST_F(MailDkimTest, TheCustomersOwnSpfOrDmarcReplacesTheDefault) {
  Prepare();
  ASSERT_TRUE(
      service_->mail().AddMailbox(kFleetAdmin, {"info@acme.example", "acme", "s3cret-Passw0rd"}));
  auto added = service_->dns().AddRecord(
      kFleetAdmin, {"acme.example", "_dmarc", "TXT", "v=DMARC1; p=reject", std::nullopt});
  ASSERT_TRUE(added.has_value()) << added.error().message;
  const Json records = Records("acme.example");
  int dmarc = 0;
  for (const auto& r : records) dmarc += r["name"] == "_dmarc" ? 1 : 0;
  EXPECT_EQ(dmarc, 1) << records.dump();
  EXPECT_EQ(Value(records, "_dmarc", "TXT"), "v=DMARC1; p=reject");
  EXPECT_EQ(Value(records, "@", "TXT", "v=spf1"), "v=spf1 mx ip4:192.0.2.10 ~all");
}

TEST_F(MailDkimTest, TheRecordsToCopyWhenTheZoneIsNotHere) {
  AddNode("mx1", {"mail"}, 100, "", "", "192.0.2.10");
  AddCustomer("acme");
  Announce("mx1");
  ASSERT_TRUE(
      service_->mail().AddMailbox(kFleetAdmin, {"info@acme.example", "acme", "s3cret-Passw0rd"}));
  auto dns = service_->mail().DnsRecords(kFleetAdmin, "acme.example");
  ASSERT_TRUE(dns.has_value()) << dns.error().message;
  EXPECT_TRUE((*dns)["zone"].is_null());
  const Json& records = (*dns)["records"];
  EXPECT_EQ(Value(records, "acme.example", "MX"), "10 mail.acme.example.");
  EXPECT_EQ(Value(records, "mail.acme.example", "A"), "192.0.2.10");
  EXPECT_EQ(Value(records, "acme.example", "TXT", "v=spf1"), "v=spf1 mx ip4:192.0.2.10 ~all");
  EXPECT_EQ(Value(records, "_dmarc.acme.example", "TXT"), "v=DMARC1; p=none");
  EXPECT_EQ(Value(records, "_imaps._tcp.acme.example", "SRV"), "0 1 993 mail.acme.example.");
  EXPECT_EQ(Value(records, "autoconfig.acme.example", "A"), "192.0.2.10");
  EXPECT_EQ(Value(records, "autodiscover.acme.example", "A"), "192.0.2.10");
  EXPECT_TRUE(
      Value(records, "hp1._domainkey.acme.example", "TXT").starts_with("v=DKIM1; k=rsa; p="));
}

}  // namespace
}  // namespace hostplane::controller
