#include "protocol/zone_spec.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace hostplane::protocol {
namespace {

using Json = nlohmann::json;

constexpr const char* kZone = "acme.example";

struct RecordCase {
  std::string name;
  std::string type;
  std::string value;
  int64_t ttl;
  // Expected: canonical name and value, or the violation code.
  std::string want_name;
  std::string want_value;
  std::string want_code;
};

void PrintTo(const RecordCase& c, std::ostream* os) {
  *os << c.type << " " << c.name << " " << c.value.substr(0, 60);
}

class CheckDnsRecordTest : public ::testing::TestWithParam<RecordCase> {};

TEST_P(CheckDnsRecordTest, CanonicalFormOrCode) {
  const RecordCase& c = GetParam();
  auto r = CheckDnsRecord(kZone, c.name, c.type, c.value, c.ttl);
  if (c.want_code.empty()) {
    ASSERT_TRUE(r.has_value()) << r.error().code << ": " << r.error().message;
    EXPECT_EQ(r->name, c.want_name);
    EXPECT_EQ(r->value, c.want_value);
    EXPECT_EQ(r->ttl, c.ttl);
    // The canonical form is a fixed point.
    auto again = CheckDnsRecord(kZone, r->name, r->type, r->value, r->ttl);
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(*again, *r);
  } else {
    ASSERT_FALSE(r.has_value()) << "accepted as " << r->name << " " << r->value;
    EXPECT_EQ(r.error().code, c.want_code) << r.error().message;
    EXPECT_FALSE(r.error().message.empty());
  }
}

const std::string k600(600, 'x');

INSTANTIATE_TEST_SUITE_P(
    Table, CheckDnsRecordTest,
    ::testing::Values(
        // A / AAAA: inet_pton, canonical inet_ntop form.
        RecordCase{"@", "A", "192.0.2.10", 3600, "@", "192.0.2.10", ""},
        RecordCase{"WWW", "a", "192.0.2.10", 3600, "www", "192.0.2.10", ""},
        RecordCase{"www", "A", "192.0.2.256", 3600, "", "", "record.value_invalid"},
        RecordCase{"www", "A", "192.0.2", 3600, "", "", "record.value_invalid"},
        RecordCase{"www", "A", "2001:db8::1", 3600, "", "", "record.value_invalid"},
        RecordCase{"www", "A", " 192.0.2.1", 3600, "", "", "record.value_invalid"},
        RecordCase{"www", "AAAA", "2001:0DB8:0000::0001", 3600, "www", "2001:db8::1", ""},
        RecordCase{"www", "AAAA", "192.0.2.1", 3600, "", "", "record.value_invalid"},
        RecordCase{"www", "AAAA", "fe80::1%eth0", 3600, "", "", "record.value_invalid"},
        // CNAME: absolute hosts, "@" is the apex, no CNAME at the apex.
        RecordCase{"www", "CNAME", "acme.example.", 3600, "www", "acme.example.", ""},
        RecordCase{"www", "CNAME", "@", 3600, "www", "acme.example.", ""},
        RecordCase{"www", "CNAME", "Shop.Other.Example", 3600, "www", "shop.other.example.", ""},
        RecordCase{"www", "CNAME", "bücher.example", 3600, "www", "xn--bcher-kva.example.", ""},
        RecordCase{"sel._domainkey", "CNAME", "s1._domainkey.mail.example", 300, "sel._domainkey",
                   "s1._domainkey.mail.example.", ""},
        RecordCase{"www", "CNAME", "shop", 3600, "", "", "record.value_invalid"},
        RecordCase{"www", "CNAME", "192.0.2.1", 3600, "", "", "record.value_invalid"},
        RecordCase{"www", "CNAME", "-bad.example", 3600, "", "", "record.value_invalid"},
        RecordCase{"www", "CNAME", "a..example", 3600, "", "", "record.value_invalid"},
        RecordCase{"@", "CNAME", "other.example.", 3600, "", "", "record.cname_conflict"},
        // NS
        RecordCase{"@", "NS", "ns1.hostplane.example", 86400, "@", "ns1.hostplane.example.", ""},
        RecordCase{"sub", "NS", "ns1.sub.acme.example.", 3600, "sub", "ns1.sub.acme.example.", ""},
        RecordCase{"sub", "NS", "ns1;rm", 3600, "", "", "record.value_invalid"},
        // MX: "<pref> <host>", null MX.
        RecordCase{"@", "MX", "10 mail.acme.example", 3600, "@", "10 mail.acme.example.", ""},
        RecordCase{"@", "MX", "10   @", 3600, "@", "10 acme.example.", ""},
        RecordCase{"@", "MX", "0 .", 3600, "@", "0 .", ""},
        RecordCase{"@", "MX", "10 .", 3600, "", "", "record.value_invalid"},
        RecordCase{"@", "MX", "65536 mail.acme.example", 3600, "", "", "record.value_invalid"},
        RecordCase{"@", "MX", "010 mail.acme.example", 3600, "", "", "record.value_invalid"},
        RecordCase{"@", "MX", "-1 mail.acme.example", 3600, "", "", "record.value_invalid"},
        RecordCase{"@", "MX", "mail.acme.example", 3600, "", "", "record.value_invalid"},
        RecordCase{"@", "MX", "10\tmail.acme.example", 3600, "", "", "record.value_invalid"},
        // TXT: raw text, quotes, semicolons and backslashes are plain characters.
        RecordCase{"@", "TXT", "v=spf1 mx -all", 3600, "@", "v=spf1 mx -all", ""},
        RecordCase{"@", "TXT", "say \"hi\"; \\o/ $INCLUDE /etc/passwd", 3600, "@",
                   "say \"hi\"; \\o/ $INCLUDE /etc/passwd", ""},
        RecordCase{"@", "TXT", "grüße", 3600, "@", "grüße", ""},
        RecordCase{"@", "TXT", "", 3600, "@", "", ""},
        RecordCase{"@", "TXT", k600, 3600, "@", k600, ""},
        RecordCase{"@", "TXT", std::string(4000, 'a'), 3600, "@", std::string(4000, 'a'), ""},
        RecordCase{"@", "TXT", std::string(4001, 'a'), 3600, "", "", "record.txt_too_long"},
        RecordCase{"@", "TXT", "a\n$INCLUDE /etc/passwd", 3600, "", "", "record.value_invalid"},
        RecordCase{"@", "TXT", "a\rb", 3600, "", "", "record.value_invalid"},
        RecordCase{"@", "TXT", "a\x7f", 3600, "", "", "record.value_invalid"},
        RecordCase{"@", "TXT", "a\xc2\x85", 3600, "", "", "record.value_invalid"},  // NEL
        RecordCase{"@", "TXT", "\xff\xfe", 3600, "", "", "record.value_invalid"},
        // SRV: name _service._proto[.label].
        RecordCase{"_sip._tcp", "SRV", "10 5 5060 sip.acme.example", 3600, "_sip._tcp",
                   "10 5 5060 sip.acme.example.", ""},
        RecordCase{"_sip._tcp.eu", "SRV", "0 0 0 .", 3600, "_sip._tcp.eu", "0 0 0 .", ""},
        RecordCase{"sip", "SRV", "10 5 5060 sip.acme.example", 3600, "", "", "record.name_invalid"},
        RecordCase{"@", "SRV", "10 5 5060 sip.acme.example", 3600, "", "", "record.name_invalid"},
        RecordCase{"_sip._tcp", "SRV", "10 5 sip.acme.example", 3600, "", "",
                   "record.value_invalid"},
        RecordCase{"_sip._tcp", "SRV", "10 5 70000 sip.acme.example", 3600, "", "",
                   "record.value_invalid"},
        // CAA: "<flags> <tag> <value>".
        RecordCase{"@", "CAA", "0 issue letsencrypt.org", 3600, "@", "0 issue letsencrypt.org", ""},
        RecordCase{"@", "CAA", "0 ISSUE \"letsencrypt.org; validationmethods=dns-01\"", 3600, "@",
                   "0 issue letsencrypt.org; validationmethods=dns-01", ""},
        RecordCase{"@", "CAA", "0 issue ;", 3600, "@", "0 issue ;", ""},
        RecordCase{"@", "CAA", "128 iodef mailto:sec@acme.example", 3600, "@",
                   "128 iodef mailto:sec@acme.example", ""},
        RecordCase{"@", "CAA", "0 iodef sec@acme.example", 3600, "", "", "record.value_invalid"},
        RecordCase{"@", "CAA", "0 tbs letsencrypt.org", 3600, "", "", "record.value_invalid"},
        RecordCase{"@", "CAA", "256 issue letsencrypt.org", 3600, "", "", "record.value_invalid"},
        RecordCase{"@", "CAA", "0 issue le\"org", 3600, "", "", "record.value_invalid"},
        RecordCase{"@", "CAA", "0 issue", 3600, "", "", "record.value_invalid"},
        // Names.
        RecordCase{"*.dev", "A", "192.0.2.1", 3600, "*.dev", "192.0.2.1", ""},
        RecordCase{"*", "A", "192.0.2.1", 3600, "*", "192.0.2.1", ""},
        RecordCase{"www.acme.example.", "A", "192.0.2.1", 3600, "www", "192.0.2.1", ""},
        RecordCase{"acme.example.", "A", "192.0.2.1", 3600, "@", "192.0.2.1", ""},
        RecordCase{"www.other.example.", "A", "192.0.2.1", 3600, "", "", "record.name_invalid"},
        RecordCase{"dev.*", "A", "192.0.2.1", 3600, "", "", "record.name_invalid"},
        RecordCase{"$INCLUDE", "A", "192.0.2.1", 3600, "", "", "record.name_invalid"},
        RecordCase{"www\n$INCLUDE /etc/passwd", "A", "192.0.2.1", 3600, "", "",
                   "record.name_invalid"},
        RecordCase{"a b", "A", "192.0.2.1", 3600, "", "", "record.name_invalid"},
        RecordCase{"a;b", "A", "192.0.2.1", 3600, "", "", "record.name_invalid"},
        RecordCase{"", "A", "192.0.2.1", 3600, "", "", "record.name_invalid"},
        RecordCase{"a..b", "A", "192.0.2.1", 3600, "", "", "record.name_invalid"},
        // Issue 12: no label of an owner name starts or ends with '-'.
        RecordCase{"-bad", "A", "192.0.2.1", 3600, "", "", "record.name_invalid"},
        RecordCase{"bad-", "A", "192.0.2.1", 3600, "", "", "record.name_invalid"},
        RecordCase{"www.-x", "A", "192.0.2.1", 3600, "", "", "record.name_invalid"},
        RecordCase{"*.-x", "A", "192.0.2.1", 3600, "", "", "record.name_invalid"},
        RecordCase{"-", "A", "192.0.2.1", 3600, "", "", "record.name_invalid"},
        RecordCase{"_dmarc", "TXT", "v=DMARC1; p=none", 3600, "_dmarc", "v=DMARC1; p=none", ""},
        RecordCase{"a-b.c_d", "A", "192.0.2.1", 3600, "a-b.c_d", "192.0.2.1", ""},
        RecordCase{std::string(64, 'a'), "A", "192.0.2.1", 3600, "", "", "record.name_invalid"},
        RecordCase{std::string(63, 'a') + "." + std::string(63, 'b') + "." + std::string(63, 'c') +
                       "." + std::string(50, 'd'),
                   "A", "192.0.2.1", 3600, "", "", "record.name_invalid"},
        // Types and TTLs.
        RecordCase{"@", "PTR", "x.example.", 3600, "", "", "record.type_unsupported"},
        RecordCase{"@", "SOA", "x", 3600, "", "", "record.type_unsupported"},
        RecordCase{"@", "A\n", "192.0.2.1", 3600, "", "", "record.type_unsupported"},
        RecordCase{"@", "A", "192.0.2.1", 59, "", "", "record.ttl_range"},
        RecordCase{"@", "A", "192.0.2.1", 60, "@", "192.0.2.1", ""},
        RecordCase{"@", "A", "192.0.2.1", 604800, "@", "192.0.2.1", ""},
        RecordCase{"@", "A", "192.0.2.1", 604801, "", "", "record.ttl_range"}));

std::vector<std::string> Codes(const std::vector<std::pair<size_t, Violation>>& v) {
  std::vector<std::string> out;
  for (const auto& [i, violation] : v) out.push_back(std::to_string(i) + ":" + violation.code);
  return out;
}

TEST(CheckZoneRecordsTest, FindsConflictsAcrossRecords) {
  std::vector<DnsRecord> records = {
      {"www", "CNAME", 3600, "acme.example."},
      {"www", "TXT", 3600, "hello"},  // CNAME and other data
      {"@", "A", 3600, "192.0.2.1"},
      {"@", "A", 3600, "192.0.2.1"},  // duplicate
      {"@", "A", 300, "192.0.2.2"},   // TTL differs within the RRset
      {"ftp", "CNAME", 3600, "a.example."},
      {"ftp", "CNAME", 3600, "b.example."},  // two CNAMEs
      {"mail", "A", 3600, "192.0.2.3"},
      {"mail", "AAAA", 3600, "2001:db8::3"},  // sound
  };
  EXPECT_EQ(Codes(CheckZoneRecords(kZone, records)),
            (std::vector<std::string>{"1:record.cname_conflict", "3:record.duplicate",
                                      "4:record.ttl_mismatch", "6:record.cname_conflict"}));
  EXPECT_TRUE(CheckZoneRecords(kZone, {records[7], records[8], records[2]}).empty());
}

TEST(CheckZoneRecordsTest, NameServersInsideTheirNameNeedGlue) {
  std::vector<DnsRecord> records = {
      {"@", "NS", 3600, "ns1.acme.example."},  // 0: glue below (record 2)
      {"@", "NS", 3600, "ns2.acme.example."},  // 1: no glue
      {"ns1", "A", 3600, "192.0.2.53"},
      {"@", "NS", 3600, "ns.other.example."},       // 3: out of zone, no glue needed
      {"sub", "NS", 3600, "ns.sub.acme.example."},  // 4: delegation, no glue
      {"sub2", "NS", 3600, "ns.sub2.acme.example."},
      {"ns.sub2", "AAAA", 3600, "2001:db8::53"},
      {"sub3", "NS", 3600, "ns1.acme.example."},  // 7: in zone but not below sub3
  };
  EXPECT_EQ(Codes(CheckZoneRecords(kZone, records)),
            (std::vector<std::string>{"1:record.glue_missing", "4:record.glue_missing"}));
}

TEST(CheckZoneRecordsTest, LimitsTheRecordCount) {
  std::vector<DnsRecord> records;
  for (size_t i = 0; i <= kMaxZoneRecords; ++i) {
    records.push_back({"h" + std::to_string(i), "A", 3600, "192.0.2.1"});
  }
  EXPECT_EQ(Codes(CheckZoneRecords(kZone, records)),
            (std::vector<std::string>{std::to_string(kMaxZoneRecords) + ":record.too_many"}));
}

Json GoodZone() {
  return Json::parse(R"({
    "zone": "acme.example", "account": "acme", "serial": 2026112401, "default_ttl": 3600,
    "soa": {"mname": "ns1.hostplane.example", "rname": "hostmaster.acme.example",
            "refresh": 3600, "retry": 600, "expire": 1209600, "minimum": 300},
    "records": [{"name": "@", "type": "A", "ttl": 3600, "value": "192.0.2.10"},
                {"name": "www", "type": "CNAME", "ttl": 3600, "value": "acme.example."},
                {"name": "@", "type": "TXT", "ttl": 3600, "value": "v=spf1 mx -all"}]})");
}

TEST(ZoneSpecTest, DecodesTheContractExampleAndRoundTrips) {
  auto z = ZoneSpecFromJson(GoodZone());
  ASSERT_TRUE(z.has_value()) << z.error().message;
  EXPECT_EQ(z->zone, "acme.example");
  EXPECT_EQ(z->account, "acme");
  EXPECT_EQ(z->serial, 2026112401);
  EXPECT_EQ(z->default_ttl, 3600);
  EXPECT_EQ(z->soa.mname, "ns1.hostplane.example");
  EXPECT_EQ(z->soa.expire, 1209600);
  ASSERT_EQ(z->records.size(), 3u);
  EXPECT_EQ(z->records[1], (DnsRecord{"www", "CNAME", 3600, "acme.example."}));
  auto again = ZoneSpecFromJson(ToJson(*z));
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, *z);
}

struct SpecCase {
  std::string what;
  std::string pointer;  // JSON pointer to change
  Json value;           // new value; null = remove the member
  std::string field;
  std::string code;
};

void PrintTo(const SpecCase& c, std::ostream* os) { *os << c.what; }

class ZoneSpecRefusalTest : public ::testing::TestWithParam<SpecCase> {};

TEST_P(ZoneSpecRefusalTest, NamesTheFieldAndCode) {
  const SpecCase& c = GetParam();
  Json j = GoodZone();
  Json::json_pointer ptr(c.pointer);
  if (c.value.is_null()) {
    j[ptr.parent_pointer()].erase(ptr.back());
  } else {
    j[ptr] = c.value;
  }
  auto z = ZoneSpecFromJson(j);
  ASSERT_FALSE(z.has_value()) << c.what;
  EXPECT_EQ(z.error().code, ErrorCode::kInvalid);
  ASSERT_EQ(z.error().fields.count(c.field), 1u) << c.what << ": " << z.error().message;
  EXPECT_EQ(z.error().fields.at(c.field), c.code) << c.what;
}

INSTANTIATE_TEST_SUITE_P(
    Table, ZoneSpecRefusalTest,
    ::testing::Values(
        SpecCase{"zone missing", "/zone", nullptr, "zone", "field.missing"},
        SpecCase{"zone not canonical", "/zone", "Acme.Example", "zone", "domain.not_canonical"},
        SpecCase{"zone invalid", "/zone", "acme", "zone", "domain.single_label"},
        SpecCase{"account", "/account", "Acme", "account", "login.invalid_character"},
        SpecCase{"account type", "/account", 5, "account", "field.type"},
        SpecCase{"serial 0", "/serial", 0, "serial", "zone.serial_range"},
        SpecCase{"serial 2^32", "/serial", 4294967296LL, "serial", "zone.serial_range"},
        SpecCase{"serial string", "/serial", "1", "serial", "field.type"},
        SpecCase{"default ttl", "/default_ttl", 10, "default_ttl", "record.ttl_range"},
        SpecCase{"soa missing", "/soa", nullptr, "soa", "field.missing"},
        SpecCase{"mname", "/soa/mname", "ns1", "soa.mname", "soa.host_invalid"},
        SpecCase{"mname dot", "/soa/mname", "ns1.hostplane.example.", "soa.mname",
                 "soa.not_canonical"},
        SpecCase{"mname in zone without glue", "/soa/mname", "ns1.acme.example", "soa.mname",
                 "soa.glue_missing"},
        SpecCase{"rname newline", "/soa/rname", "a\n$INCLUDE x", "soa.rname", "soa.host_invalid"},
        SpecCase{"retry", "/soa/retry", 1, "soa.retry", "soa.range"},
        SpecCase{"expire", "/soa/expire", 99999999, "soa.expire", "soa.range"},
        SpecCase{"minimum type", "/soa/minimum", 1.5, "soa.minimum", "field.type"},
        SpecCase{"records type", "/records", "x", "records", "field.type"},
        SpecCase{"record type", "/records/0", "x", "records[0]", "field.type"},
        SpecCase{"record name", "/records/0/name", "a b", "records[0].name", "record.name_invalid"},
        SpecCase{"record name hyphen", "/records/0/name", "-bad", "records[0].name",
                 "record.name_invalid"},
        SpecCase{"record not canonical name", "/records/0/name", "WWW", "records[0].name",
                 "record.not_canonical"},
        SpecCase{"record not canonical value", "/records/1/value", "acme.example",
                 "records[1].value", "record.not_canonical"},
        SpecCase{"record value", "/records/0/value", "1.2.3", "records[0].value",
                 "record.value_invalid"},
        SpecCase{"record type unsupported", "/records/0/type", "HINFO", "records[0].type",
                 "record.type_unsupported"},
        SpecCase{"record ttl", "/records/0/ttl", 1, "records[0].ttl", "record.ttl_range"},
        SpecCase{"record ttl type", "/records/0/ttl", "3600", "records[0].ttl", "field.type"},
        SpecCase{"record txt", "/records/2/value", std::string(4001, 'x'), "records[2].value",
                 "record.txt_too_long"},
        SpecCase{"record newline", "/records/2/value", "x\n$INCLUDE /etc/shadow",
                 "records[2].value", "record.value_invalid"},
        SpecCase{"record missing value", "/records/2/value", nullptr, "records[2].value",
                 "field.missing"},
        SpecCase{"cname conflict", "/records/2/name", "www", "records[2]",
                 "record.cname_conflict"}));

TEST(ZoneSpecTest, ReportsEveryViolationAtOnce) {
  Json j = GoodZone();
  j["serial"] = 0;
  j["soa"]["retry"] = 1;
  j["records"][0]["value"] = "nope";
  j["records"][2]["ttl"] = 1;
  auto z = ZoneSpecFromJson(j);
  ASSERT_FALSE(z.has_value());
  EXPECT_EQ(z.error().fields,
            (std::map<std::string, std::string>{{"serial", "zone.serial_range"},
                                                {"soa.retry", "soa.range"},
                                                {"records[0].value", "record.value_invalid"},
                                                {"records[2].ttl", "record.ttl_range"}}));
}

TEST(ZoneSpecTest, RefusesTooManyRecords) {
  Json j = GoodZone();
  j["records"] = Json::array();
  for (size_t i = 0; i <= kMaxZoneRecords; ++i) {
    j["records"].push_back(
        {{"name", "h" + std::to_string(i)}, {"type", "A"}, {"ttl", 3600}, {"value", "192.0.2.1"}});
  }
  auto z = ZoneSpecFromJson(j);
  ASSERT_FALSE(z.has_value());
  EXPECT_EQ(z.error().fields.at("records"), "record.too_many");
}

TEST(ZoneRemovalTest, DecodesAndRefuses) {
  auto ok = ZoneRemovalFromJson(Json{{"zone", "acme.example"}, {"account", "acme"}});
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(*ok, (ZoneRemoval{"acme.example", "acme"}));
  EXPECT_EQ(ToJson(*ok), (Json{{"zone", "acme.example"}, {"account", "acme"}}));
  auto bad = ZoneRemovalFromJson(Json{{"zone", "../etc"}, {"account", 1}});
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().fields.count("zone"), 1u);
  EXPECT_EQ(bad.error().fields.at("account"), "field.type");
  EXPECT_FALSE(ZoneRemovalFromJson(Json::array()).has_value());
}

TEST(DnsRecordFieldTest, MapsCodesToMembers) {
  EXPECT_STREQ(DnsRecordField("record.name_invalid"), "name");
  EXPECT_STREQ(DnsRecordField("record.type_unsupported"), "type");
  EXPECT_STREQ(DnsRecordField("record.ttl_range"), "ttl");
  EXPECT_STREQ(DnsRecordField("record.value_invalid"), "value");
  EXPECT_STREQ(DnsRecordField("record.txt_too_long"), "value");
  EXPECT_STREQ(DnsRecordField("record.cname_conflict"), "");
}

}  // namespace
}  // namespace hostplane::protocol
