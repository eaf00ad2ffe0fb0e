// The extended record types through CheckDnsRecord (the one entry the API and the agent use):
// canonical forms, and hostile values of shared/SECURITY.md (newlines, directives, quotes,
// control characters, non-ASCII, oversized fields) refused with a field code.

#include "protocol/record_types.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "protocol/zone_spec.h"

namespace hostplane::protocol {
namespace {

constexpr const char* kZone = "acme.example";

struct Case {
  std::string name;
  std::string type;
  std::string value;
  std::string want;  // the canonical value, or "" when refused
  std::string code;  // the violation's code when refused
  std::string field = "value";
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.type << " " << c.name << " " << c.value.substr(0, 60);
}

class ExtendedRecordTest : public ::testing::TestWithParam<Case> {};

TEST_P(ExtendedRecordTest, CanonicalFormOrFieldCode) {
  const Case& c = GetParam();
  auto r = CheckDnsRecord(kZone, c.name, c.type, c.value, 300);
  if (c.code.empty()) {
    ASSERT_TRUE(r.has_value()) << r.error().code << ": " << r.error().message;
    EXPECT_EQ(r->value, c.want);
    auto again = CheckDnsRecord(kZone, r->name, r->type, r->value, r->ttl);
    ASSERT_TRUE(again.has_value()) << again.error().message;
    EXPECT_EQ(*again, *r);  // a fixed point
  } else {
    ASSERT_FALSE(r.has_value()) << "accepted as " << r->value;
    EXPECT_EQ(r.error().code, c.code) << r.error().message;
    EXPECT_EQ(DnsRecordField(r.error().code), c.field);
    EXPECT_FALSE(r.error().message.empty());
    // A message quotes input escaped: never a raw newline.
    EXPECT_EQ(r.error().message.find('\n'), std::string::npos);
  }
}

const std::string kSha256(64, 'a');
const std::string kSha512(128, 'b');
const std::string kSha384(96, 'c');
const std::string kSha1(40, 'd');

INSTANTIATE_TEST_SUITE_P(
    Tlsa, ExtendedRecordTest,
    ::testing::Values(
        Case{"_443._tcp", "TLSA", "3 1 1 " + std::string(64, 'A'), "3 1 1 " + kSha256, ""},
        Case{"_25._tcp.mail", "tlsa", "2  0 2 " + kSha512, "2 0 2 " + kSha512, ""},
        Case{"_443._udp", "TLSA", "3 1 0 3059301306072a", "3 1 0 3059301306072a", ""},
        Case{"www", "TLSA", "3 1 1 " + kSha256, "", "record.name_invalid", "name"},
        Case{"_https._tcp", "TLSA", "3 1 1 " + kSha256, "", "record.name_invalid", "name"},
        Case{"_443._quic", "TLSA", "3 1 1 " + kSha256, "", "record.name_invalid", "name"},
        Case{"_443._tcp", "TLSA", "4 1 1 " + kSha256, "", "record.tlsa_usage"},
        Case{"_443._tcp", "TLSA", "-1 1 1 " + kSha256, "", "record.tlsa_usage"},
        Case{"_443._tcp", "TLSA", "3 2 1 " + kSha256, "", "record.tlsa_selector"},
        Case{"_443._tcp", "TLSA", "3 1 3 " + kSha256, "", "record.tlsa_matching_type"},
        Case{"_443._tcp", "TLSA", "3 1 01 " + kSha256, "", "record.tlsa_matching_type"},
        Case{"_443._tcp", "TLSA", "3 1 1 " + kSha512, "", "record.tlsa_data"},
        Case{"_443._tcp", "TLSA", "3 1 2 " + kSha256, "", "record.tlsa_data"},
        Case{"_443._tcp", "TLSA", "3 1 1 " + kSha256.substr(1) + "g", "", "record.tlsa_data"},
        Case{"_443._tcp", "TLSA", "3 1 0 abc", "", "record.tlsa_data"},
        Case{"_443._tcp", "TLSA", "3 1 0 " + std::string(8194, 'a'), "", "record.value_invalid"},
        Case{"_443._tcp", "TLSA", "3 1 1 " + kSha256 + "\n$INCLUDE /etc/passwd", "",
             "record.value_invalid"},
        Case{"_443._tcp", "TLSA", "3 1 1 " + kSha256.substr(2) + "\"}", "", "record.tlsa_data"},
        Case{"_443._tcp", "TLSA", "3 1 1", "", "record.value_invalid"}));

INSTANTIATE_TEST_SUITE_P(
    Ds, ExtendedRecordTest,
    ::testing::Values(
        Case{"child", "DS", "12345 13 2 " + std::string(64, 'E'),
             "12345 13 2 " + std::string(64, 'e'), ""},
        Case{"child", "DS", "0 15 4 " + kSha384, "0 15 4 " + kSha384, ""},
        Case{"a.child", "DS", "65535 8 1 " + kSha1, "65535 8 1 " + kSha1, ""},
        Case{"@", "DS", "12345 13 2 " + kSha256, "", "record.name_invalid", "name"},
        Case{"child", "DS", "65536 13 2 " + kSha256, "", "record.ds_key_tag"},
        Case{"child", "DS", "1e3 13 2 " + kSha256, "", "record.ds_key_tag"},
        Case{"child", "DS", "1 3 2 " + kSha256, "", "record.ds_algorithm"},
        Case{"child", "DS", "1 253 2 " + kSha256, "", "record.ds_algorithm"},
        Case{"child", "DS", "1 13 3 " + kSha256, "", "record.ds_digest_type"},
        Case{"child", "DS", "1 13 2 " + kSha1, "", "record.ds_digest"},
        Case{"child", "DS", "1 13 1 " + kSha256, "", "record.ds_digest"},
        Case{"child", "DS", "1 13 2 " + kSha256.substr(1) + ";", "", "record.ds_digest"},
        Case{"child", "DS", "1 13 2 " + kSha256 + " extra", "", "record.value_invalid"},
        Case{"child", "DS", "1\t13 2 " + kSha256, "", "record.value_invalid"}));

INSTANTIATE_TEST_SUITE_P(
    Svcb, ExtendedRecordTest,
    ::testing::Values(
        Case{"@", "HTTPS", "1 . alpn=h2,h3", "1 . alpn=h2,h3", ""},
        Case{"@", "HTTPS", "0 cdn.example.net", "0 cdn.example.net.", ""},
        Case{"@", "HTTPS", "0 .", "0 .", ""},
        Case{"www", "HTTPS",
             "2 svc.acme.example ipv6hint=2001:DB8::1 port=8443 ipv4hint=192.0.2.1,192.0.2.2 "
             "alpn=h3,h2 mandatory=port,alpn",
             "2 svc.acme.example. mandatory=alpn,port alpn=h3,h2 port=8443 "
             "ipv4hint=192.0.2.1,192.0.2.2 ipv6hint=2001:db8::1",
             ""},
        Case{"_dns", "SVCB", "1 dns.acme.example alpn=dot,h2 no-default-alpn port=853",
             "1 dns.acme.example. alpn=dot,h2 no-default-alpn port=853", ""},
        Case{"@", "HTTPS",
             "1 . ech=AEn+DQBFKwAgACABWIHUGj4u+PIggYXcR5JF0gYk3dCRioBW8uJq9H4mKAAIAA"
             "EAAQABAANAEnB1YmxpYy50bHMtZWNoLmRldgAA",
             "1 . ech=AEn+DQBFKwAgACABWIHUGj4u+PIggYXcR5JF0gYk3dCRioBW8uJq9H4mKAAIAAEAAQABAANAEnB1"
             "YmxpYy50bHMtZWNoLmRldgAA",
             ""},
        Case{"@", "HTTPS", "65536 . alpn=h2", "", "record.svcb_priority"},
        Case{"@", "HTTPS", "x . alpn=h2", "", "record.svcb_priority"},
        Case{"@", "HTTPS", "1 shop", "", "record.svcb_target"},
        Case{"@", "HTTPS", "1 192.0.2.1", "", "record.svcb_target"},
        Case{"@", "HTTPS", "0 cdn.example.net alpn=h2", "", "record.svcb_alias_params"},
        Case{"@", "HTTPS", "1 . key65000=x", "", "record.svcb_param_unknown"},
        Case{"@", "HTTPS", "1 . dohpath=/q{?dns}", "", "record.svcb_param_unknown"},
        Case{"@", "HTTPS", "1 . port=443 port=8443", "", "record.svcb_param_duplicate"},
        Case{"@", "HTTPS", "1 . port=65536", "", "record.svcb_param_value"},
        Case{"@", "HTTPS", "1 . port=", "", "record.svcb_param_value"},
        Case{"@", "HTTPS", "1 . alpn=h2,,h3", "", "record.svcb_param_value"},
        Case{"@", "HTTPS", "1 . alpn=\"h2\"", "", "record.svcb_param_value"},
        Case{"@", "HTTPS", "1 . alpn=h2\\,h3", "", "record.svcb_param_value"},
        Case{"@", "HTTPS", "1 . alpn=h2;$INCLUDE", "", "record.svcb_param_value"},
        Case{"@", "HTTPS", "1 . alpn=" + std::string(256, 'h'), "", "record.svcb_param_value"},
        Case{"@", "HTTPS", "1 . alpn=h\xc3\xa9", "", "record.svcb_param_value"},
        Case{"@", "HTTPS", "1 . ipv4hint=2001:db8::1", "", "record.svcb_param_value"},
        Case{"@", "HTTPS", "1 . ipv6hint=192.0.2.1", "", "record.svcb_param_value"},
        Case{"@", "HTTPS",
             "1 . ipv4hint=1.1.1.1,2.2.2.2,3.3.3.3,4.4.4.4,5.5.5.5,6.6.6.6,7.7.7.7,"
             "8.8.8.8,9.9.9.9",
             "", "record.svcb_param_value"},
        Case{"@", "HTTPS", "1 . ech=not-base64!", "", "record.svcb_param_value"},
        Case{"@", "HTTPS", "1 . ech=QUJD", "1 . ech=QUJD", ""},
        Case{"@", "HTTPS", "1 . ech=QUJ", "", "record.svcb_param_value"},
        Case{"@", "HTTPS", "1 . no-default-alpn=1 alpn=h2", "", "record.svcb_param_value"},
        Case{"@", "HTTPS", "1 . no-default-alpn", "", "record.svcb_no_default_alpn"},
        Case{"@", "HTTPS", "1 . mandatory=port", "", "record.svcb_mandatory"},
        Case{"@", "HTTPS", "1 . mandatory=mandatory port=1", "", "record.svcb_mandatory"},
        Case{"@", "HTTPS", "1 . mandatory=port,port port=1", "", "record.svcb_mandatory"},
        Case{"@", "HTTPS", "1 . alpn=h2\n$TTL 1", "", "record.svcb_param_value"},
        Case{"@", "HTTPS", "1", "", "record.value_invalid"}));

INSTANTIATE_TEST_SUITE_P(
    ReadOnly, ExtendedRecordTest,
    ::testing::Values(Case{"@", "CDS", "0 0 0 00", "", "record.type_read_only", "type"},
                      Case{"@", "cdnskey", "0 3 0 AA==", "", "record.type_read_only", "type"},
                      Case{"@", "DNSKEY", "257 3 13 AAAA", "", "record.type_read_only", "type"},
                      Case{"@", "RRSIG", "A 13 2 300 ...", "", "record.type_read_only", "type"},
                      Case{"@", "NSEC3PARAM", "1 0 0 -", "", "record.type_read_only", "type"},
                      Case{"@", "TYPE65534", "\\# 0", "", "record.type_unsupported", "type"}));

TEST(ReadOnlyValuesTest, CdsAndCdnskeyAsKnotWritesThem) {
  EXPECT_EQ(CheckDsValue("0 0 0 00", true).value(), "0 0 0 00");
  EXPECT_FALSE(CheckDsValue("0 0 0 00").has_value());
  EXPECT_EQ(CheckDsValue("26887 15 2 " + std::string(64, 'F'), true).value(),
            "26887 15 2 " + std::string(64, 'f'));
  EXPECT_EQ(CheckDnskeyValue("0 3 0 AA==", true).value(), "0 3 0 AA==");
  EXPECT_FALSE(CheckDnskeyValue("0 3 0 AA==").has_value());
  EXPECT_EQ(CheckDnskeyValue("257 3 15 l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4=").value(),
            "257 3 15 l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4=");
  EXPECT_EQ(CheckDnskeyValue("257 2 15 AA==").error().code, "record.dnskey_invalid");
  EXPECT_EQ(CheckDnskeyValue("257 3 15 A A==").error().code, "record.dnskey_invalid");
}

DnsRecord R(std::string name, std::string type, std::string value) {
  return DnsRecord{std::move(name), std::move(type), 300, std::move(value)};
}

TEST(ExtendedZoneRulesTest, DsNeedsADelegationAndModesDoNotMix) {
  std::vector<DnsRecord> records = {
      R("child", "NS", "ns1.other.example."), R("child", "DS", "1 13 2 " + kSha256),
      R("orphan", "DS", "1 13 2 " + kSha256), R("@", "HTTPS", "1 . alpn=h2"),
      R("@", "HTTPS", "0 cdn.example.net."),  R("www", "HTTPS", "0 cdn.example.net."),
      R("www", "SVCB", "1 . alpn=h2"),  // another type: no conflict
  };
  auto v = CheckZoneRecords(kZone, records);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].first, 2u);
  EXPECT_EQ(v[0].second.code, "record.ds_without_delegation");
  EXPECT_EQ(v[1].first, 4u);
  EXPECT_EQ(v[1].second.code, "record.svcb_mode_mixed");
}

// The agent's decoder runs the same grammar: a hostile value in a spec is refused with its path.
TEST(ExtendedRecordSpecTest, TheAgentRefusesWhatTheApiRefuses) {
  nlohmann::json spec = {
      {"zone", kZone},
      {"account", "acme"},
      {"serial", 1},
      {"default_ttl", 300},
      {"soa",
       {{"mname", "ns1.hostplane.example"},
        {"rname", "hostmaster.acme.example"},
        {"refresh", 3600},
        {"retry", 600},
        {"expire", 1209600},
        {"minimum", 300}}},
      {"records",
       {{{"name", "_443._tcp"}, {"type", "TLSA"}, {"ttl", 300}, {"value", "3 1 1 " + kSha256}},
        {{"name", "@"}, {"type", "HTTPS"}, {"ttl", 300}, {"value", "1 . alpn=h2\n$INCLUDE x"}},
        {{"name", "@"}, {"type", "CDS"}, {"ttl", 300}, {"value", "0 0 0 00"}}}}};
  auto z = ZoneSpecFromJson(spec);
  ASSERT_FALSE(z.has_value());
  const auto& fields = z.error().fields;
  EXPECT_EQ(fields.size(), 2u);
  EXPECT_EQ(fields.count("records[0].value"), 0u);
  ASSERT_EQ(fields.count("records[1].value"), 1u) << z.error().message;
  EXPECT_EQ(fields.at("records[1].value"), "record.svcb_param_value");
  ASSERT_EQ(fields.count("records[2].type"), 1u) << z.error().message;
  EXPECT_EQ(fields.at("records[2].type"), "record.type_read_only");
}

}  // namespace
}  // namespace hostplane::protocol
