// A real knotd in a /tmp prefix on a free 127.0.0.1 port, driven through BatchApplier and asked
// with kdig (shared/service-lab.md section 5). Skipped only when the Knot binaries are absent.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <optional>
#include <sstream>

#include "agent/batch_applier.h"
#include "agent/drivers/dns/knot_driver.h"
#include "agent/drivers/dns/knot_instance.h"
#include "agent/testing/driver_test_support.h"
#include "common/net/loopback.h"
#include "common/testing/source_path.h"

namespace hostplane::agent {
namespace {

using Json = nlohmann::json;
using protocol::TaskOutcome;

DnsLayout TestDnsLayout(int port) {
  DnsLayout l;
  l.conf = "knot/knot.conf";
  l.zone_dir = "knot/zones";
  l.zone_conf_dir = "knot/zones.d";
  l.run_dir = "knot/run";
  l.control_socket = "knot/run/knot.sock";
  l.storage = "knot/db";
  l.log_file = "knot/knot.log";
  l.listen_address = "127.0.0.1";
  l.port = port;
  return l;
}

bool KnotInstalled() {
  DnsLayout l;
  for (const auto& b : {l.knotd, l.knotc, l.kzonecheck, l.kdig}) {
    if (::access(b.c_str(), X_OK) != 0) return false;
  }
  return true;
}

// One kdig answer: the status and the RDATA of each answer record of the asked type.
struct DigAnswer {
  std::string status;
  std::vector<std::string> rdata;
};

// The raw bytes of a TXT/CAA presentation string list: quoted strings concatenated, \X and \DDD
// unescaped.
std::string Unquote(const std::string& text) {
  std::string out;
  bool in = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '"') {
      in = !in;
    } else if (!in) {
      continue;
    } else if (c == '\\' && i + 3 < text.size() && std::isdigit((unsigned char)text[i + 1]) &&
               std::isdigit((unsigned char)text[i + 2]) &&
               std::isdigit((unsigned char)text[i + 3])) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 3)));
      i += 3;
    } else if (c == '\\' && i + 1 < text.size()) {
      out += text[++i];
    } else {
      out += c;
    }
  }
  return out;
}

class KnotFixture {
 public:
  KnotFixture()
      : layout_(TestDnsLayout(FreeLoopbackPort().value())),
        fs_(root_.path()),
        runner_({layout_.knotc, layout_.kzonecheck, layout_.kdig, layout_.keymgr}),
        knot_(layout_, fs_, runner_) {}

  Status Start() { return knot_.Start(); }

  DigAnswer Dig(const std::string& name, const std::string& type) {
    Command cmd;
    cmd.argv = {layout_.kdig, "@127.0.0.1", "-p",         std::to_string(layout_.port),
                "+retry=1",   "+timeout=2", "+norecurse", name,
                type};
    auto out = runner_.Run(cmd);
    DigAnswer a;
    if (!out) return a;
    std::istringstream in(out->out);
    bool answers = false;
    for (std::string line; std::getline(in, line);) {
      if (auto pos = line.find("status: "); pos != std::string::npos && a.status.empty()) {
        a.status = line.substr(pos + 8, line.find(';', pos) - pos - 8);
      }
      if (line.starts_with(";; ANSWER SECTION:")) {
        answers = true;
        continue;
      }
      if (line.empty()) answers = false;
      if (!answers || line.starts_with(";")) continue;
      std::vector<std::string> f;
      std::istringstream fields(line);
      for (std::string t; std::getline(fields, t, '\t');) {
        while (!t.empty() && t.back() == ' ') t.pop_back();
        if (!t.empty()) f.push_back(t);
      }
      if (f.size() >= 5 && f[3] == type) a.rdata.push_back(f[4]);
    }
    return a;
  }

  const DnsLayout& layout() const { return layout_; }
  PosixFilesystem& fs() { return fs_; }
  CommandRunner& runner() { return runner_; }

 private:
  testing::TempRoot root_;
  DnsLayout layout_;
  PosixFilesystem fs_;
  PosixCommandRunner runner_;
  KnotInstance knot_;
};

Json Record(const std::string& name, const std::string& type, const std::string& value,
            int64_t ttl = 300) {
  return Json{{"name", name}, {"type", type}, {"ttl", ttl}, {"value", value}};
}

Json ZoneSpec(const std::string& zone, int64_t serial, Json records) {
  return Json{{"zone", zone},
              {"account", "acme"},
              {"serial", serial},
              {"default_ttl", 300},
              {"soa",
               {{"mname", "ns1." + zone},
                {"rname", "hostmaster." + zone},
                {"refresh", 3600},
                {"retry", 600},
                {"expire", 1209600},
                {"minimum", 60}}},
              {"records", std::move(records)}};
}

protocol::Task Task(int64_t id, const std::string& kind, Json spec) {
  std::string key = "zone:" + spec.value("zone", std::string());
  return testing::MakeTask(id, std::move(key), kind, std::move(spec));
}

const std::string kHostileTxt = "v=1; say \"hi\"; path=C:\\dir; $INCLUDE /etc/passwd; grüße";

Json AcmeRecords(const std::string& www) {
  return Json::array({
      Record("@", "NS", "ns1.acme.example."),
      Record("ns1", "A", "127.0.0.1"),
      Record("@", "A", "192.0.2.10"),
      Record("www", "A", www),
      Record("@", "MX", "10 mail.acme.example."),
      Record("mail", "A", "192.0.2.25"),
      Record("@", "TXT", kHostileTxt),
      Record("_sip._tcp", "SRV", "10 5 5060 sip.acme.example."),
      Record("@", "CAA", "0 issue letsencrypt.org; validationmethods=http-01"),
  });
}

#define SKIP_WITHOUT_KNOT()                                                                  \
  do {                                                                                       \
    if (!KnotInstalled()) GTEST_SKIP() << "knot, knot-dnsutils or knot-dnssecutils missing"; \
  } while (0)

TEST(DnsIntegrationTest, ServesAZoneAndFollowsEveryChange) {
  SKIP_WITHOUT_KNOT();
  KnotFixture f;
  ASSERT_TRUE(f.Start().has_value());
  KnotDriver driver(f.layout(), f.fs(), f.runner(), {});
  BatchApplier applier(f.fs(), "agent");

  auto out = applier.Apply(driver, {Task(1, protocol::kZoneEnsure,
                                         ZoneSpec("acme.example", 1, AcmeRecords("192.0.2.11")))});
  ASSERT_EQ(out.results[0].outcome, TaskOutcome::kApplied) << out.results[0].detail;
  EXPECT_EQ(out.reloads, 1);
  EXPECT_EQ(f.Dig("acme.example", "A").rdata, std::vector<std::string>{"192.0.2.10"});
  EXPECT_EQ(f.Dig("www.acme.example", "A").rdata, std::vector<std::string>{"192.0.2.11"});
  EXPECT_EQ(f.Dig("acme.example", "MX").rdata, std::vector<std::string>{"10 mail.acme.example."});
  auto txt = f.Dig("acme.example", "TXT");
  ASSERT_EQ(txt.rdata.size(), 1u);
  EXPECT_EQ(Unquote(txt.rdata[0]), kHostileTxt);
  EXPECT_EQ(f.Dig("_sip._tcp.acme.example", "SRV").rdata,
            std::vector<std::string>{"10 5 5060 sip.acme.example."});
  auto caa = f.Dig("acme.example", "CAA");
  ASSERT_EQ(caa.rdata.size(), 1u);
  EXPECT_TRUE(caa.rdata[0].starts_with("0 issue ")) << caa.rdata[0];
  EXPECT_EQ(Unquote(caa.rdata[0]), "letsencrypt.org; validationmethods=http-01");

  // The same revision again: nothing written, nothing reloaded (P2).
  out = applier.Apply(driver, {Task(1, protocol::kZoneEnsure,
                                    ZoneSpec("acme.example", 1, AcmeRecords("192.0.2.11")))});
  EXPECT_EQ(out.results[0].outcome, TaskOutcome::kApplied);
  EXPECT_EQ(out.changed_files, 0);
  EXPECT_EQ(out.reloads, 0);

  // A changed record with a higher serial is served once Reload returns.
  out = applier.Apply(driver, {Task(2, protocol::kZoneEnsure,
                                    ZoneSpec("acme.example", 2, AcmeRecords("192.0.2.20")))});
  ASSERT_EQ(out.results[0].outcome, TaskOutcome::kApplied) << out.results[0].detail;
  EXPECT_EQ(f.Dig("www.acme.example", "A").rdata, std::vector<std::string>{"192.0.2.20"});
  auto soa = f.Dig("acme.example", "SOA");
  ASSERT_EQ(soa.rdata.size(), 1u);
  EXPECT_NE(soa.rdata[0].find(" 2 3600 600 1209600 60"), std::string::npos) << soa.rdata[0];

  // Records removed: the name is gone (NXDOMAIN), the apex has no MX any more (NODATA).
  Json fewer = Json::array();
  for (const auto& r : AcmeRecords("192.0.2.20")) {
    if (r["name"] != "www" && r["type"] != "MX") fewer.push_back(r);
  }
  out = applier.Apply(driver, {Task(3, protocol::kZoneEnsure, ZoneSpec("acme.example", 3, fewer))});
  ASSERT_EQ(out.results[0].outcome, TaskOutcome::kApplied) << out.results[0].detail;
  EXPECT_EQ(f.Dig("www.acme.example", "A").status, "NXDOMAIN");
  auto mx = f.Dig("acme.example", "MX");
  EXPECT_EQ(mx.status, "NOERROR");
  EXPECT_TRUE(mx.rdata.empty());

  // The zone removed: both files gone, the server no longer answers for it.
  out = applier.Apply(driver, {Task(4, protocol::kZoneRemove,
                                    Json{{"zone", "acme.example"}, {"account", "acme"}})});
  ASSERT_EQ(out.results[0].outcome, TaskOutcome::kApplied) << out.results[0].detail;
  EXPECT_FALSE(f.fs().Exists(driver.ZoneFilePath("acme.example")));
  EXPECT_FALSE(f.fs().Exists(driver.ZoneConfPath("acme.example")));
  std::string status = f.Dig("acme.example", "SOA").status;
  EXPECT_TRUE(status == "REFUSED" || status == "NOTAUTH") << status;
}

TEST(DnsIntegrationTest, AZoneKzonecheckRefusesFailsOnlyItsOwnTask) {
  SKIP_WITHOUT_KNOT();
  KnotFixture f;
  ASSERT_TRUE(f.Start().has_value());
  KnotDriverOptions options;
  options.break_zones = {"bad.example"};
  KnotDriver driver(f.layout(), f.fs(), f.runner(), options);
  BatchApplier applier(f.fs(), "agent");
  Json records = Json::array({Record("@", "A", "192.0.2.1"), Record("ns1", "A", "127.0.0.1")});
  auto out =
      applier.Apply(driver, {Task(1, protocol::kZoneEnsure, ZoneSpec("bad.example", 1, records)),
                             Task(2, protocol::kZoneEnsure, ZoneSpec("good.example", 1, records))});
  ASSERT_EQ(out.results.size(), 2u);
  EXPECT_EQ(out.results[0].outcome, TaskOutcome::kFailed);
  EXPECT_NE(out.results[0].detail.find("CNAME"), std::string::npos) << out.results[0].detail;
  EXPECT_NE(out.results[0].detail.find("bad.example"), std::string::npos);
  EXPECT_EQ(out.results[1].outcome, TaskOutcome::kApplied) << out.results[1].detail;
  EXPECT_EQ(f.Dig("good.example", "A").rdata, std::vector<std::string>{"192.0.2.1"});
  EXPECT_EQ(f.Dig("bad.example", "A").status, "REFUSED");
  // The refused zone's files were taken out again.
  EXPECT_FALSE(f.fs().Exists(driver.ZoneFilePath("bad.example")));
  EXPECT_FALSE(f.fs().Exists(driver.ZoneConfPath("bad.example")));
  EXPECT_TRUE(f.fs().Exists(driver.ZoneConfPath("good.example")));
}

TEST(DnsIntegrationTest, GoldenZoneFilesPassKzonecheck) {
  SKIP_WITHOUT_KNOT();
  KnotFixture f;
  auto dir = hostplane::testing::CompiledFile(__FILE__).parent_path() / "testdata";
  Command cmd;
  cmd.argv = {f.layout().kzonecheck, "-o", "hostile.example.", "--",
              (dir / "hostile.example.zone").string()};
  auto out = f.runner().Run(cmd);
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->exit_code, 0) << out->out << out->err;
}

TEST(DnsIntegrationTest, ConfigRefusalNamesTheFragment) {
  SKIP_WITHOUT_KNOT();
  KnotFixture f;
  ASSERT_TRUE(f.Start().has_value());
  KnotDriver driver(f.layout(), f.fs(), f.runner(), {});
  ASSERT_TRUE(
      f.fs()
          .WriteFileAtomic(driver.ZoneConfPath("odd.example"), "zone:\n  - bogus: 1\n", 0644)
          .has_value());
  auto v = driver.Validate();
  ASSERT_TRUE(v.has_value()) << v.error().message;
  EXPECT_FALSE(v->ok);
  EXPECT_EQ(v->file, driver.ZoneConfPath("odd.example")) << v->message;
}

}  // namespace
}  // namespace hostplane::agent
