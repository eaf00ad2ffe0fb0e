// The Knot config fragment of a zone per role (knot_zone_conf.h).

#include "agent/drivers/dns/knot_zone_conf.h"

#include <gtest/gtest.h>

#include <string>

namespace hostplane::agent {
namespace {

using protocol::DnssecState;

protocol::ZoneSpec SignedZone() {
  protocol::ZoneSpec z;
  z.zone = "acme.example";
  z.default_ttl = 300;
  z.records = {{"www", "A", 900, "192.0.2.1"}, {"@", "A", 60, "192.0.2.2"}};
  z.servers.name_servers = {{"dns1", "ns1.acme.example.", {"192.0.2.53"}, 53},
                            {"dns2", "ns2.acme.example.", {"192.0.2.54"}, 5353}};
  z.servers.transfer_key = "hostco-xfr.";
  z.dnssec.state = DnssecState::kSigning;
  z.dnssec.signer = "dns1";
  z.dnssec.algorithm = "ed25519";
  z.dnssec.dnskey_ttl = 120;
  z.dnssec.rrsig_lifetime = 86400;
  z.dnssec.rrsig_refresh = 7200;
  z.dnssec.propagation_delay = 30;
  return z;
}

TEST(KnotZoneConfTest, TheSignerTellsKnotTheLargestTtlAndThePropagationDelay) {
  auto conf = RenderKnotZoneConf(SignedZone(), "dns1", "/z/acme.example.zone", "digest");
  ASSERT_TRUE(conf.has_value()) << conf.error().message;
  EXPECT_EQ(FragmentRole(*conf), KnotZoneRole::kSigner);
  // Without these Knot 3.2 refuses to sign ("rrsig-refresh too low ...") and serves nothing.
  EXPECT_NE(conf->find("    zone-max-ttl: 900\n"), std::string::npos) << *conf;
  EXPECT_NE(conf->find("    propagation-delay: 30\n"), std::string::npos) << *conf;
  EXPECT_NE(conf->find("    rrsig-refresh: 7200\n"), std::string::npos) << *conf;
  EXPECT_NE(conf->find("    manual: on\n"), std::string::npos);
  EXPECT_NE(conf->find("    dnssec-policy: \"acme.example\"\n"), std::string::npos);
  EXPECT_NE(conf->find("    notify: [ \"acme.example/ns/dns2\" ]\n"), std::string::npos) << *conf;
  EXPECT_NE(conf->find("    cds-cdnskey-publish: always\n"), std::string::npos);
}

TEST(KnotZoneConfTest, TheOtherNodeIsASecondaryOfTheSignerWithoutPolicy) {
  auto conf = RenderKnotZoneConf(SignedZone(), "dns2", "/z/acme.example.zone", "digest");
  ASSERT_TRUE(conf.has_value()) << conf.error().message;
  EXPECT_EQ(FragmentRole(*conf), KnotZoneRole::kSecondary);
  EXPECT_EQ(conf->find("policy:"), std::string::npos);
  EXPECT_NE(conf->find("    master: \"acme.example/ns/dns1\"\n"), std::string::npos) << *conf;
  EXPECT_NE(conf->find("    zonefile-load: none\n"), std::string::npos);
  EXPECT_NE(conf->find("address: [ \"192.0.2.53@53\" ]\n    key: hostco-xfr.\n"), std::string::npos)
      << *conf;
}

TEST(KnotZoneConfTest, UnsigningPublishesTheDeleteCds) {
  auto z = SignedZone();
  z.dnssec.state = DnssecState::kUnsigning;
  auto conf = RenderKnotZoneConf(z, "dns1", "/z/acme.example.zone", "digest");
  ASSERT_TRUE(conf.has_value());
  EXPECT_NE(conf->find("    cds-cdnskey-publish: delete-dnssec\n"), std::string::npos);
}

}  // namespace
}  // namespace hostplane::agent
