#include "agent/drivers/dns/knot_driver.h"

#include <gtest/gtest.h>

#include <sstream>

#include "agent/drivers/dns/knot_instance.h"
#include "agent/testing/driver_test_support.h"

namespace hostplane::agent {
namespace {

using Json = nlohmann::json;
using testing::ExpectGolden;

std::string Digits600() {
  std::string s;
  while (s.size() < 600) s += "0123456789";
  return s;
}

Json Record(const std::string& name, const std::string& type, const std::string& value,
            int64_t ttl = 3600) {
  return Json{{"name", name}, {"type", type}, {"ttl", ttl}, {"value", value}};
}

Json HostileZone() {
  Json records = Json::array({
      Record("www", "A", "192.0.2.10"),
      Record("@", "TXT", "quote \" semi ; back \\ dollar $INCLUDE /etc/passwd (paren)"),
      Record("long", "TXT", Digits600()),
      Record("@", "MX", "10 mail.hostile.example."),
      Record("@", "A", "192.0.2.1"),
      Record("intl", "TXT", "grüße ✓"),
      Record("_sip._tcp", "SRV", "10 5 5060 sip.hostile.example."),
      Record("@", "CAA", "0 issue letsencrypt.org; validationmethods=http-01"),
      Record("*.dev", "AAAA", "2001:db8::1", 300),
      Record("sub", "NS", "ns1.other.example."),
      Record("@", "TXT", "v=spf1 mx -all"),
  });
  return Json{{"zone", "hostile.example"},
              {"account", "acme"},
              {"serial", 2026112401},
              {"default_ttl", 3600},
              {"soa",
               {{"mname", "ns1.hostplane.example"},
                {"rname", "hostmaster.hostile.example"},
                {"refresh", 3600},
                {"retry", 600},
                {"expire", 1209600},
                {"minimum", 300}}},
              {"records", records}};
}

protocol::Task ZoneTask(const std::string& kind, Json spec) {
  std::string key = "zone:" + spec.value("zone", std::string());
  return testing::MakeTask(1, std::move(key), kind, std::move(spec));
}

// Every line that starts a directive must be one the encoder writes.
void ExpectOnlyEncoderDirectives(const std::string& zone_file) {
  std::istringstream in(zone_file);
  int origin = 0, ttl = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line.front() != '$') continue;
    if (line.starts_with("$ORIGIN ")) {
      ++origin;
    } else if (line.starts_with("$TTL ")) {
      ++ttl;
    } else {
      ADD_FAILURE() << "unexpected directive line: " << line;
    }
  }
  EXPECT_EQ(origin, 1);
  EXPECT_EQ(ttl, 1);
}

TEST(KnotRenderTest, GoldenZoneWithHostileValues) {
  auto zone = protocol::ZoneSpecFromJson(HostileZone());
  ASSERT_TRUE(zone.has_value()) << zone.error().message;
  std::string rendered = RenderZoneFile(*zone);
  ExpectGolden("hostile.example.zone", rendered);
  ExpectOnlyEncoderDirectives(rendered);
  // Records come out sorted: the same zone in another order renders the same bytes.
  protocol::ZoneSpec reversed = *zone;
  std::reverse(reversed.records.begin(), reversed.records.end());
  EXPECT_EQ(RenderZoneFile(reversed), rendered);
}

TEST(KnotRenderTest, GoldenZoneConfAndTestBreak) {
  ExpectGolden("hostile.example.conf", RenderZoneConf("hostile.example",
                                                      "/var/lib/hostplane/knot/zones/"
                                                      "hostile.example.zone"));
  auto zone = protocol::ZoneSpecFromJson(HostileZone());
  ASSERT_TRUE(zone.has_value());
  std::string broken = RenderZoneFile(*zone, /*test_break=*/true);
  EXPECT_NE(broken.find("hostplane-test-conflict 3600 IN CNAME hostile.example."),
            std::string::npos);
}

TEST(KnotRenderTest, AddsAnApexNsOnlyWhenTheRecordsHaveNone) {
  auto zone = protocol::ZoneSpecFromJson(HostileZone());
  ASSERT_TRUE(zone.has_value());
  EXPECT_NE(RenderZoneFile(*zone).find("\n@ 3600 IN NS ns1.hostplane.example.\n"),
            std::string::npos);
  zone->records.push_back({"@", "NS", 86400, "ns9.example."});
  std::string with_ns = RenderZoneFile(*zone);
  EXPECT_EQ(with_ns.find("IN NS ns1.hostplane.example."), std::string::npos);
  EXPECT_NE(with_ns.find("\n@ 86400 IN NS ns9.example.\n"), std::string::npos);
}

TEST(KnotRenderTest, EncodeTxtQuotesEscapesAndSplits) {
  struct Case {
    std::string raw;
    std::string encoded;
  };
  for (const auto& c : std::vector<Case>{
           {"", "\"\""},
           {"v=spf1 -all", "\"v=spf1 -all\""},
           {"a\"b\\c;d", "\"a\\\"b\\\\c;d\""},
           {"é", "\"\\195\\169\""},
           {"a\nb\x7f", "\"a\\010b\\127\""},  // never reaches it (grammar), never raw if it did
           {std::string(255, 'x'), "\"" + std::string(255, 'x') + "\""},
           {std::string(256, 'x'), "\"" + std::string(255, 'x') + "\" \"x\""},
       }) {
    EXPECT_EQ(EncodeTxt(c.raw), c.encoded) << c.raw.substr(0, 20);
  }
  // 600 bytes: three strings of 255, 255 and 90 bytes.
  std::string digits = Digits600();
  std::string expected = "\"" + digits.substr(0, 255) + "\" \"" + digits.substr(255, 255) +
                         "\" \"" + digits.substr(510) + "\"";
  EXPECT_EQ(EncodeTxt(digits), expected);
  // Splitting counts raw bytes, so an escape at a boundary stays whole.
  std::string quotes(256, '"');
  std::string enc = EncodeTxt(quotes);
  EXPECT_EQ(enc.size(), 2 + 255 * 2 + 1 + 2 + 2u);
  EXPECT_TRUE(enc.ends_with("\" \"\\\"\""));
}

TEST(KnotRenderTest, RendersBothFilesAndRemovesBoth) {
  DnsLayout layout;
  PosixFilesystem fs("/");
  PosixCommandRunner runner({});
  KnotDriver driver(layout, fs, runner, {});
  auto files = driver.Render(ZoneTask(protocol::kZoneEnsure, HostileZone()));
  ASSERT_TRUE(files.has_value()) << files.error().message;
  ASSERT_EQ(files->size(), 3u);
  EXPECT_EQ((*files)[0].path, "var/lib/hostplane/knot/zones/hostile.example.zone");
  // No TSIG keys: no source file of them.
  EXPECT_EQ((*files)[1].path, "etc/knot/hostplane/tsig/hostile.example.json");
  EXPECT_FALSE((*files)[1].content.has_value());
  EXPECT_EQ((*files)[2].path, "etc/knot/hostplane/zones/hostile.example.conf");
  EXPECT_EQ(
      (*files)[2].content,
      RenderZoneConf("hostile.example", "/var/lib/hostplane/knot/zones/hostile.example.zone"));
  auto removed = driver.Render(
      ZoneTask(protocol::kZoneRemove, Json{{"zone", "hostile.example"}, {"account", "acme"}}));
  ASSERT_TRUE(removed.has_value());
  ASSERT_EQ(removed->size(), 3u);
  for (const auto& f : *removed) EXPECT_FALSE(f.content.has_value()) << f.path;
  EXPECT_EQ(driver.Kinds(), (std::vector<std::string>{"zone.ensure", "zone.remove"}));
  EXPECT_EQ(driver.Name(), "dns");
}

TEST(KnotRenderTest, RefusesInjectionBeforeRendering) {
  DnsLayout layout;
  PosixFilesystem fs("/");
  PosixCommandRunner runner({});
  KnotDriver driver(layout, fs, runner, {});
  struct Case {
    std::string what;
    std::string pointer;
    Json value;
    std::string field;
  };
  for (const auto& c : std::vector<Case>{
           {"newline in a name", "/records/0/name", "www\n$INCLUDE /etc/passwd", "records[0].name"},
           {"directive as a name", "/records/0/name", "$INCLUDE", "records[0].name"},
           {"newline in TXT", "/records/1/value", "x\n$INCLUDE /etc/shadow", "records[1].value"},
           {"newline in a host", "/records/3/value", "10 mail.example.\n$GENERATE 1-9 a A 1.2.3.4",
            "records[3].value"},
           {"directive as a zone", "/zone", "$ORIGIN", "zone"},
           {"newline in the SOA", "/soa/rname", "a.example\n$TTL 1", "soa.rname"},
       }) {
    Json spec = HostileZone();
    spec[Json::json_pointer(c.pointer)] = c.value;
    auto files = driver.Render(ZoneTask(protocol::kZoneEnsure, spec));
    ASSERT_FALSE(files.has_value()) << c.what;
    EXPECT_EQ(files.error().code, ErrorCode::kInvalid) << c.what;
    EXPECT_EQ(files.error().fields.count(c.field), 1u) << c.what << ": " << files.error().message;
  }
  auto other = driver.Render(ZoneTask("site.ensure", HostileZone()));
  EXPECT_FALSE(other.has_value());
}

TEST(KnotParseTest, BlamedFileAndSerial) {
  EXPECT_EQ(KnotBlamedFile("error: config, file '/p/zones.d/a.example.conf', line 3, item "
                           "'bogus' (invalid item)"),
            "/p/zones.d/a.example.conf");
  EXPECT_EQ(KnotBlamedFile("error: failed to load configuration"), std::nullopt);
  auto zone = protocol::ZoneSpecFromJson(HostileZone());
  ASSERT_TRUE(zone.has_value());
  EXPECT_EQ(ZoneFileSerial(RenderZoneFile(*zone)), 2026112401);
  EXPECT_EQ(ZoneFileSerial("$ORIGIN a.\n"), std::nullopt);
}

TEST(KnotInstanceTest, RendersTheMainConfig) {
  DnsLayout layout;
  layout.listen_address = "127.0.0.1";
  layout.port = 15353;
  PosixFilesystem fs("/tmp/hpt.root");
  auto conf = RenderKnotConf(layout, fs);
  ASSERT_TRUE(conf.has_value()) << conf.error().message;
  ExpectGolden("knot.conf", *conf);
  layout.listen_address = "localhost";
  EXPECT_FALSE(RenderKnotConf(layout, fs).has_value());
  layout.listen_address = "127.0.0.1";
  layout.zone_conf_dir = "etc/knot/\"x";
  EXPECT_FALSE(RenderKnotConf(layout, fs).has_value());
  layout = DnsLayout{};
  layout.control_socket = std::string(120, 'a');
  EXPECT_FALSE(RenderKnotConf(layout, fs).has_value());
}

}  // namespace
}  // namespace hostplane::agent
