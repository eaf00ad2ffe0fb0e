// zone.ensure's optional members of issue 17: name servers, TSIG keys, external secondaries and
// DNSSEC (zone_servers.h, zone_dnssec.h), decoded by ZoneSpecFromJson.

#include "protocol/zone_servers.h"

#include <gtest/gtest.h>

#include <string>

#include "common/sealed_box.h"
#include "protocol/zone_spec.h"

namespace hostplane::protocol {
namespace {

using Json = nlohmann::json;

std::string Sealed(const std::string& plaintext) {
  static BoxKey key = BoxKey::Generate().value();
  return key.public_key().Seal(plaintext).value();
}

Json OldSpec() {
  return Json{
      {"zone", "acme.example"},
      {"account", "acme"},
      {"serial", 7},
      {"default_ttl", 300},
      {"soa",
       {{"mname", "ns1.hostco.example"},
        {"rname", "hostmaster.acme.example"},
        {"refresh", 3600},
        {"retry", 600},
        {"expire", 1209600},
        {"minimum", 300}}},
      {"records",
       Json::array(
           {{{"name", "www"}, {"type", "A"}, {"ttl", 300}, {"value", "192.0.2.1"}},
            {{"name", "@"}, {"type", "NS"}, {"ttl", 300}, {"value", "ns1.hostco.example."}}})}};
}

Json MakeFullSpec() {
  Json j = OldSpec();
  j["records"] =
      Json::array({{{"name", "www"}, {"type", "A"}, {"ttl", 300}, {"value", "192.0.2.1"}}});
  j["name_servers"] = Json::array({{{"node", "dns1"},
                                    {"host", "ns1.hostco.example."},
                                    {"addresses", {"192.0.2.53"}},
                                    {"port", 53}},
                                   {{"node", "dns2"},
                                    {"host", "ns2.acme.example."},
                                    {"addresses", {"198.51.100.53", "2001:db8::53"}},
                                    {"port", 5353}}});
  j["tsig_keys"] = Json::array(
      {{{"name", "hostco-xfr."}, {"algorithm", "hmac-sha256"}, {"secret", Sealed("c2VjcmV0")}},
       {{"name", "xfr1.acme.example."},
        {"algorithm", "hmac-sha512"},
        {"secret", Sealed("b3RoZXI=")}}});
  j["transfer_key"] = "hostco-xfr.";
  j["secondaries"] = Json::array({{{"name", "customer"},
                                   {"addresses", {"203.0.113.7"}},
                                   {"port", 53},
                                   {"key", "xfr1.acme.example."},
                                   {"notify", true}}});
  j["dnssec"] = {{"state", "signing"},
                 {"signer", "dns1"},
                 {"algorithm", "ed25519"},
                 {"dnskey_ttl", 60},
                 {"rrsig_lifetime", 86400},
                 {"rrsig_refresh", 3600},
                 {"propagation_delay", 300},
                 {"nsec3", false},
                 {"keys", Json::array({{{"role", "ksk"},
                                        {"private_key", Sealed("pem")},
                                        {"publish", 100},
                                        {"ready", 100},
                                        {"active", 100},
                                        {"retire", 0},
                                        {"remove", 0}},
                                       {{"role", "zsk"},
                                        {"private_key", Sealed("pem2")},
                                        {"publish", 100},
                                        {"ready", 0},
                                        {"active", 200},
                                        {"retire", 300},
                                        {"remove", 400}}})}};
  return j;
}

// Sealing is randomised: one spec for the whole test binary.
Json FullSpec() {
  static const Json spec = MakeFullSpec();
  return spec;
}

TEST(ZoneServersTest, ASpecOfBeforeDecodesAndEncodesAsBefore) {
  auto z = ZoneSpecFromJson(OldSpec());
  ASSERT_TRUE(z.has_value()) << z.error().message;
  EXPECT_TRUE(z->servers.name_servers.empty());
  EXPECT_EQ(z->dnssec.state, DnssecState::kOff);
  EXPECT_EQ(ToJson(*z), OldSpec());  // nothing added: its signature and hash stay the same
}

TEST(ZoneServersTest, TheFullSpecRoundTrips) {
  auto z = ZoneSpecFromJson(FullSpec());
  ASSERT_TRUE(z.has_value()) << z.error().message;
  ASSERT_EQ(z->servers.name_servers.size(), 2u);
  EXPECT_EQ(z->servers.name_servers[1].port, 5353);
  EXPECT_EQ(z->servers.secondaries[0].key, "xfr1.acme.example.");
  EXPECT_EQ(z->dnssec.state, DnssecState::kSigning);
  ASSERT_EQ(z->dnssec.keys.size(), 2u);
  EXPECT_EQ(z->dnssec.keys[1].remove, 400);
  EXPECT_EQ(ToJson(*z), FullSpec());
  auto again = ZoneSpecFromJson(ToJson(*z));
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, *z);
}

struct Refusal {
  std::string label;
  std::string pointer;  // JSON pointer into FullSpec()
  Json value;           // null: remove the member
  std::string path;
  std::string code;
};

void PrintTo(const Refusal& c, std::ostream* os) { *os << c.label; }

class ZoneServersRefusalTest : public ::testing::TestWithParam<Refusal> {};

TEST_P(ZoneServersRefusalTest, NamesTheFieldAndCode) {
  const Refusal& c = GetParam();
  Json j = FullSpec();
  Json::json_pointer p(c.pointer);
  if (c.value.is_null()) {
    j.at(p.parent_pointer()).erase(p.back());
  } else {
    j[p] = c.value;
  }
  auto z = ZoneSpecFromJson(j);
  ASSERT_FALSE(z.has_value()) << c.label;
  ASSERT_EQ(z.error().fields.count(c.path), 1u) << z.error().message;
  EXPECT_EQ(z.error().fields.at(c.path), c.code) << z.error().message;
}

const std::string kNewline = "ns1.hostco.example.\n$INCLUDE /etc/passwd";

INSTANTIATE_TEST_SUITE_P(
    Table, ZoneServersRefusalTest,
    ::testing::Values(
        Refusal{"ns node", "/name_servers/0/node", "Dns1", "name_servers[0].node", "node.invalid"},
        Refusal{"ns node hostile", "/name_servers/0/node", "dns1;rm", "name_servers[0].node",
                "node.invalid"},
        Refusal{"ns host newline", "/name_servers/0/host", kNewline, "name_servers[0].host",
                "record.value_invalid"},
        Refusal{"ns host no dot", "/name_servers/0/host", "ns1.hostco.example",
                "name_servers[0].host", "record.not_canonical"},
        Refusal{"ns host quote", "/name_servers/0/host", "ns1\".hostco.example.",
                "name_servers[0].host", "record.value_invalid"},
        Refusal{"ns address", "/name_servers/0/addresses/0", "192.0.2.256",
                "name_servers[0].addresses[0]", "name_server.address_invalid"},
        Refusal{"ns address not canonical", "/name_servers/1/addresses/1", "2001:DB8::53",
                "name_servers[1].addresses[1]", "name_server.address_invalid"},
        Refusal{"ns address with port", "/name_servers/0/addresses/0", "192.0.2.53@53",
                "name_servers[0].addresses[0]", "name_server.address_invalid"},
        Refusal{"ns no address", "/name_servers/0/addresses", Json::array(),
                "name_servers[0].addresses", "name_server.address_invalid"},
        Refusal{"ns port", "/name_servers/0/port", 0, "name_servers[0].port", "field.range"},
        Refusal{"ns twice", "/name_servers/1/node", "dns1", "name_servers[1]",
                "name_server.duplicate"},
        Refusal{"apex NS with name servers", "/records/1",
                Json{{"name", "@"}, {"type", "NS"}, {"ttl", 300}, {"value", "ns9.other.example."}},
                "records[1]", "record.ns_managed"},
        Refusal{"glue as a record", "/records/1",
                Json{{"name", "ns2"}, {"type", "A"}, {"ttl", 300}, {"value", "192.0.2.9"}},
                "records[1]", "record.glue_managed"},
        Refusal{"tsig name", "/tsig_keys/0/name", "hostco xfr.", "tsig_keys[0].name",
                "tsig.name_invalid"},
        Refusal{"tsig name newline", "/tsig_keys/0/name", "a.\nkey:", "tsig_keys[0].name",
                "tsig.name_invalid"},
        Refusal{"tsig name no dot", "/tsig_keys/0/name", "hostco-xfr", "tsig_keys[0].name",
                "tsig.name_invalid"},
        Refusal{"tsig algorithm", "/tsig_keys/0/algorithm", "hmac-md5", "tsig_keys[0].algorithm",
                "tsig.algorithm"},
        Refusal{"tsig secret in clear", "/tsig_keys/0/secret", "c2VjcmV0", "tsig_keys[0].secret",
                "tsig.not_sealed"},
        Refusal{"tsig twice", "/tsig_keys/1/name", "hostco-xfr.", "tsig_keys[1]", "tsig.duplicate"},
        Refusal{"transfer key unknown", "/transfer_key", "nope.", "transfer_key",
                "tsig.unknown_key"},
        Refusal{"secondary key unknown", "/secondaries/0/key", "nope.", "secondaries[0].key",
                "tsig.unknown_key"},
        Refusal{"secondary name", "/secondaries/0/name", "Cust\"omer", "secondaries[0].name",
                "secondary.name_invalid"},
        Refusal{"secondary address", "/secondaries/0/addresses/0", "any",
                "secondaries[0].addresses[0]", "secondary.address_invalid"},
        Refusal{"secondary notify", "/secondaries/0/notify", "yes", "secondaries[0].notify",
                "field.type"},
        Refusal{"dnssec state", "/dnssec/state", "maybe", "dnssec.state", "dnssec.state"},
        Refusal{"dnssec algorithm", "/dnssec/algorithm", "rsasha1", "dnssec.algorithm",
                "dnssec.algorithm"},
        Refusal{"dnssec signer unknown", "/dnssec/signer", "dns9", "dnssec.signer",
                "dnssec.signer_unknown"},
        Refusal{"dnssec signer missing", "/dnssec/signer", "", "dnssec.signer",
                "dnssec.signer_missing"},
        Refusal{"dnssec no transfer key", "/transfer_key", nullptr, "transfer_key",
                "dnssec.transfer_key_missing"},
        Refusal{"dnssec ttl", "/dnssec/dnskey_ttl", 0, "dnssec.dnskey_ttl", "dnssec.range"},
        Refusal{"dnssec refresh", "/dnssec/rrsig_refresh", 86400, "dnssec.rrsig_refresh",
                "dnssec.range"},
        Refusal{"dnssec refresh below ttl and delay", "/dnssec/rrsig_refresh", 599,
                "dnssec.rrsig_refresh", "dnssec.refresh_too_low"},
        Refusal{"dnssec refresh below a record's ttl", "/records/0/ttl", 86400,
                "dnssec.rrsig_refresh", "dnssec.refresh_too_low"},
        Refusal{"dnssec refresh below the dnskey ttl", "/dnssec/dnskey_ttl", 3500,
                "dnssec.rrsig_refresh", "dnssec.refresh_too_low"},
        Refusal{"dnssec propagation", "/dnssec/propagation_delay", 86401,
                "dnssec.propagation_delay", "dnssec.range"},
        Refusal{"dnssec key role", "/dnssec/keys/0/role", "csk", "dnssec.keys[0].role",
                "dnssec.key_role"},
        Refusal{"dnssec key in clear", "/dnssec/keys/0/private_key", "-----BEGIN PRIVATE KEY-----",
                "dnssec.keys[0].private_key", "dnssec.key_not_sealed"},
        Refusal{"dnssec key timers", "/dnssec/keys/1/retire", 150, "dnssec.keys[1].retire",
                "dnssec.key_timers"},
        Refusal{"dnssec key no active", "/dnssec/keys/1/active", 0, "dnssec.keys[1].active",
                "dnssec.key_timers"},
        Refusal{"dnssec key negative", "/dnssec/keys/1/remove", -1, "dnssec.keys[1].remove",
                "dnssec.range"},
        Refusal{"dnssec no ksk", "/dnssec/keys/0/role", "zsk", "dnssec.keys",
                "dnssec.keys_missing"},
        Refusal{"dnssec off with keys", "/dnssec/state", "off", "dnssec.keys",
                "dnssec.keys_unexpected"}));

}  // namespace
}  // namespace hostplane::protocol
