// Sending mail from a hosted mailbox, as a customer's mail client does (label mail): submission on
// 587 (STARTTLS before AUTH) and 465 (implicit TLS), certificates verified against the node's CA;
// mail leaves through the node's smarthost to "the internet" (a second Postfix on loopback),
// DKIM-signed with the domain's key, which verifies against the key a real Knot serves; the key
// is the controller's (issue 16 part 2): made and kept in its vault when the mailbox was added,
// sealed to this node's box key in the maildomain.ensure task, and published in the zone the
// controller builds, which the lab's Knot serves as the controller's zone.ensure task says; a
// mailbox may send only as its own addresses; no relaying without AUTH; a bounce reaches the
// sender's INBOX.

#include <gtest/gtest.h>

#include "common/bus/bus.h"
#include "common/crypto.h"
#include "common/passwd/service_password.h"
#include "common/signing_key.h"
#include "controller/engine/task_engine.h"
#include "controller/services/hosting.h"
#include "controller/store/temp_store_for_test.h"
#include "mail/mail_lab.h"

namespace hostplane::testing {
namespace {

using protocol::Json;

constexpr const char* kInfoPassword = "CorrectHorseBatteryStaple9";
constexpr const char* kBobPassword = "OutsideBobPassword42";

class MailSubmissionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* bin : {"/usr/sbin/postfix", "/usr/sbin/dovecot", "/usr/sbin/opendkim",
                            "/usr/bin/msmtp", "/usr/sbin/knotd"}) {
      ASSERT_EQ(::access(bin, X_OK), 0) << bin << " is not installed (scripts/install-deps)";
    }
    ASSERT_EQ(::geteuid(), 0u) << "Postfix needs root";
    auto started = lab_.Start();
    ASSERT_TRUE(started) << started.error().message << lab_.Logs();
    // The internet: bob@outside.example.
    protocol::MailDomainSpec outside;
    outside.domain = "outside.example";
    outside.account = "outside";
    outside.mailboxes.push_back({"bob", HashServicePassword(kBobPassword).value(), 100});
    ASSERT_TRUE(lab_.ApplyOutside(lab_.DomainTask(outside)));
  }

  protocol::MailDomainSpec Acme(const std::string& sealed_key) {
    protocol::MailDomainSpec s;
    s.domain = "acme.example";
    s.account = "acme";
    protocol::MailboxSpec info{"info", info_hash_, 100};
    info.send_as = {"sales@acme.example"};
    s.mailboxes.push_back(info);
    s.mailboxes.push_back({"office", info_hash_, 100});
    s.forwarders.push_back({"sales", {"info@acme.example"}});
    if (!sealed_key.empty()) s.dkim = protocol::DkimSpec{"hp1", sealed_key};
    return s;
  }

  Json Submit(int port, const std::string& mode, const std::string& from, const std::string& to,
              const std::string& subject, const std::string& user = "info@acme.example",
              const std::string& password = kInfoPassword) {
    return lab_.Probe(lab_.SendRequest(port, mode, user, password, from, {to}, subject));
  }

  MailLab lab_{MailLabOptions{.knot = true}};
  std::string info_hash_ = HashServicePassword(kInfoPassword).value();
};

// The controller's side, in-process: its store, engine and services, one node that is the mail
// and the DNS server and announced the lab node's box key in its hello.
struct Controller {
  explicit Controller(const std::string& box_key) {
    EXPECT_TRUE(InitCrypto());
    bus = NewInProcessBus();
    engine = std::make_unique<controller::TaskEngine>(*store, *bus, store.clock(),
                                                      *SigningKey::Generate());
    hosting = std::make_unique<controller::Hosting>(*store, *engine, store.clock());
    auto node = hosting->nodes().Create(admin, {"mx1", {"mail", "dns"}, 100, "127.0.0.1"});
    EXPECT_TRUE(node) << node.error().message;
    EXPECT_TRUE(store->Write([&](controller::StoreTxn& tx) -> Status {
      auto n = tx.nodes().FindByName("mx1");
      if (!n || !*n) return Fail(Error::NotFound("mx1"));
      controller::Node u = **n;
      u.box_key = box_key;
      return tx.nodes().Update(u);
    }));
    EXPECT_TRUE(hosting->customers().Create(
        admin, {"acme", "", "ops@acme.example", std::nullopt, std::nullopt}));
    EXPECT_TRUE(hosting->dns().AddZone(admin, {"acme.example", "acme"}));
  }
  // The spec of the newest task of this kind.
  Json Newest(const std::string& kind) {
    controller::TaskFilter filter;
    filter.page = {0, 1000};
    auto tasks = store->ListTasks(filter);
    EXPECT_TRUE(tasks);
    Json out;
    int64_t revision = -1;
    for (const auto& t : tasks.value_or(std::vector<controller::TaskRecord>{})) {
      if (t.kind == kind && t.revision > revision) {
        revision = t.revision;
        out = t.spec;
      }
    }
    return out;
  }

  const controller::Actor admin{"token:admin", controller::Role::kAdmin};
  controller::TempStore store;
  std::unique_ptr<Bus> bus;
  std::unique_ptr<controller::TaskEngine> engine;
  std::unique_ptr<controller::Hosting> hosting;
};

TEST_F(MailSubmissionTest, SendsOutSignedOverStartTlsAndImplicitTlsAndEnforcesWhoSends) {
  // The controller makes the domain's DKIM key with its first mailbox and sends it sealed to
  // this node; the zone it builds publishes the public half (and SPF, DMARC), served by Knot.
  Controller ctl(lab_.box_key().public_key().ToString());
  auto added =
      ctl.hosting->mail().AddMailbox(ctl.admin, {"info@acme.example", "acme", kInfoPassword});
  ASSERT_TRUE(added) << added.error().message;
  const Json ensure = ctl.Newest("maildomain.ensure");
  ASSERT_TRUE(ensure.contains("dkim")) << ensure.dump();
  EXPECT_EQ(ensure["dkim"]["selector"], "hp1");
  const std::string sealed = ensure["dkim"]["private_key"].get<std::string>();
  ASSERT_TRUE(lab_.ApplyNode(lab_.DomainTask(Acme(sealed)))) << lab_.Logs();
  Json zone = ctl.Newest("zone.ensure");
  ASSERT_NE(zone.dump().find("hp1._domainkey"), std::string::npos) << zone.dump();
  ASSERT_NE(zone.dump().find("v=DMARC1; p=none"), std::string::npos) << zone.dump();
  auto published = lab_.PublishZone(zone);
  ASSERT_TRUE(published) << published.error().message << lab_.Logs();

  const auto& n = lab_.node();
  // 587: STARTTLS, then AUTH, then out to the internet.
  Json sent =
      Submit(n.submission_port, "starttls", "info@acme.example", "bob@outside.example", "via-587");
  ASSERT_TRUE(sent.value("ok", false)) << sent.dump() << lab_.Logs();
  Json got = lab_.WaitForMessage("bob@outside.example", kBobPassword, "via-587", "INBOX",
                                 /*outside=*/true);
  ASSERT_EQ(got.value("matches", 0), 1) << got.dump() << lab_.Logs();

  // 465: implicit TLS; sending as an allowed alias.
  sent = Submit(n.smtps_port, "implicit", "sales@acme.example", "bob@outside.example", "via-465");
  ASSERT_TRUE(sent.value("ok", false)) << sent.dump() << lab_.Logs();
  got = lab_.WaitForMessage("bob@outside.example", kBobPassword, "via-465", "INBOX", true);
  ASSERT_EQ(got.value("matches", 0), 1) << got.dump() << lab_.Logs();

  // The message as the outside server stored it carries a DKIM signature of acme.example that
  // verifies against the key in Knot.
  auto files = lab_.OutsideMaildir("outside.example", "bob");
  ASSERT_EQ(files.size(), 2u);
  for (const auto& f : files) {
    Json v = lab_.Probe(
        {{"op", "dkim"}, {"file", lab_.fs().HostPath(f)}, {"dns_port", lab_.dns_port()}});
    EXPECT_TRUE(v.value("ok", false)) << v.dump();
    EXPECT_NE(v.value("signature", "").find("d=acme.example"), std::string::npos) << v.dump();
    EXPECT_NE(v.value("signature", "").find("s=hp1"), std::string::npos) << v.dump();
  }

  // AUTH is not offered before STARTTLS on 587: a client that tries gets no further.
  Json plain =
      Submit(n.submission_port, "plain", "info@acme.example", "bob@outside.example", "no-tls");
  EXPECT_FALSE(plain.value("ok", false)) << plain.dump();
  EXPECT_EQ(plain.value("stage", ""), "auth") << plain.dump();

  // Without AUTH nothing is relayed: not on 587, not on the MX port.
  Json anonymous =
      lab_.Probe(lab_.SendRequest(n.submission_port, "starttls", "", "", "info@acme.example",
                                  {"bob@outside.example"}, "anonymous"));
  EXPECT_FALSE(anonymous.value("ok", false)) << anonymous.dump();
  EXPECT_EQ(anonymous.value("code", 0) / 100, 5) << anonymous.dump();
  Json relay = lab_.Probe(lab_.SendRequest(n.smtp_port, "starttls", "", "", "info@acme.example",
                                           {"bob@outside.example"}, "relay"));
  EXPECT_FALSE(relay.value("ok", false)) << relay.dump();
  EXPECT_EQ(relay.value("stage", ""), "rcpt") << relay.dump();
  EXPECT_EQ(relay.value("code", 0), 554) << relay.dump();

  // A mailbox may not send as another mailbox, nor as someone else's address.
  for (const std::string from : {"office@acme.example", "ceo@other.example"}) {
    Json forged = Submit(n.submission_port, "starttls", from, "bob@outside.example", "forged");
    EXPECT_FALSE(forged.value("ok", false)) << from << forged.dump();
    EXPECT_EQ(forged.value("code", 0), 553) << from << forged.dump();
    EXPECT_NE(forged.value("reply", "").find("not owned"), std::string::npos) << forged.dump();
  }

  // A message the internet refuses (no such user) comes back to the sender's INBOX.
  sent = Submit(n.submission_port, "starttls", "info@acme.example", "nobody@outside.example",
                "will-bounce");
  ASSERT_TRUE(sent.value("ok", false)) << sent.dump();
  Json bounce = lab_.WaitForMessage("info@acme.example", kInfoPassword,
                                    "Undelivered Mail Returned to Sender");
  ASSERT_EQ(bounce.value("matches", 0), 1) << bounce.dump() << lab_.Logs();
  EXPECT_NE(bounce["messages"][0].get<std::string>().find("nobody@outside.example"),
            std::string::npos);

  // Nothing the outside server got was unsigned, and nothing forged reached it.
  EXPECT_EQ(lab_.OutsideMaildir("outside.example", "bob").size(), 2u);
}

}  // namespace
}  // namespace hostplane::testing
