// Issue 17 on the node side (CTest label dns): real knotd instances on free 127.0.0.1 ports, each
// driven by its own KnotDriver (its own node name and box key) through BatchApplier with zone
// specs, as the agent applies them; checked with kdig, a third Knot as an external secondary,
// and ldns-verify-zone with a trust anchor made from the test's own KSK.

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "agent/batch_applier.h"
#include "agent/drivers/dns/knot_driver.h"
#include "agent/drivers/dns/knot_instance.h"
#include "agent/drivers/dns/knot_user.h"
#include "agent/testing/driver_test_support.h"
#include "common/net/loopback.h"
#include "common/sealed_box.h"

namespace hostplane::agent {
namespace {

using Json = nlohmann::json;
using protocol::TaskOutcome;

constexpr const char* kZone = "acme.example";
constexpr const char* kLdnsVerify = "/usr/bin/ldns-verify-zone";

DnsLayout NodeLayout(int port) {
  DnsLayout l;
  l.conf = "knot/knot.conf";
  l.zone_dir = "knot/zones";
  l.zone_conf_dir = "knot/zones.d";
  l.shared_conf_dir = "knot/shared.d";
  l.tsig_dir = "knot/tsig";
  l.key_import_dir = "knot/import";
  l.run_dir = "knot/run";
  l.control_socket = "knot/run/knot.sock";
  l.storage = "knot/db";
  l.log_file = "knot/knot.log";
  l.listen_address = "127.0.0.1";
  l.port = port;
  return l;
}

std::string Base64(const std::string& bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);
  return out;
}

// A new Ed25519 DNSSEC key: its PEM and the base64 of its public key (the DNSKEY's key field).
struct TestKey {
  std::string pem;
  std::string public_b64;
};

TestKey NewEd25519Key() {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"), EVP_PKEY_free);
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  unsigned char raw[32];
  size_t raw_len = sizeof raw;
  EVP_PKEY_get_raw_public_key(key.get(), raw, &raw_len);
  return {std::string(data, static_cast<size_t>(len)),
          Base64(std::string(reinterpret_cast<char*>(raw), raw_len))};
}

std::string RandomSecret() {
  std::string bytes(32, '\0');
  randombytes_buf(bytes.data(), bytes.size());
  return Base64(bytes);
}

int64_t Now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Polls `done` every 50 ms for up to `limit`.
bool WaitFor(const std::function<bool()>& done,
             std::chrono::milliseconds limit = std::chrono::seconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

// One dns node: its own prefix, knotd, box key and driver.
class Node {
 public:
  explicit Node(std::string name)
      : name_(std::move(name)),
        layout_(NodeLayout(FreeLoopbackPort().value())),
        fs_(root_.path()),
        runner_({layout_.knotc, layout_.kzonecheck, layout_.kdig, layout_.keymgr}),
        knot_(layout_, fs_, runner_),
        box_(BoxKey::Generate().value()) {
    KnotDriverOptions options;
    options.node = name_;
    options.box_key = box_;
    driver_ = std::make_unique<KnotDriver>(layout_, fs_, runner_, std::move(options));
  }

  Status Start() { return knot_.Start(); }
  int Stop() { return knot_.Stop(); }

  protocol::TaskResult Apply(int64_t revision, const Json& spec) {
    BatchApplier applier(fs_, "agent");
    auto out = applier.Apply(*driver_, {testing::MakeTask(revision, std::string("zone:") + kZone,
                                                          protocol::kZoneEnsure, spec)});
    return out.results.at(0);
  }

  std::string Seal(const std::string& plaintext) const {
    return box_.public_key().Seal(plaintext).value();
  }

  // kdig's output; extra arguments before the name.
  std::string Dig(const std::vector<std::string>& args) {
    Command cmd;
    cmd.argv = {layout_.kdig, "@127.0.0.1", "-p", std::to_string(layout_.port),
                "+retry=1",   "+timeout=2"};
    cmd.argv.insert(cmd.argv.end(), args.begin(), args.end());
    auto out = runner_.Run(cmd);
    return out ? out->out + out->err : std::string();
  }

  // The served SOA serial, or -1.
  int64_t Serial() {
    std::string out = Dig({"+short", "+norecurse", kZone, "SOA"});
    std::istringstream in(out);
    std::vector<std::string> f;
    for (std::string t; in >> t;) f.push_back(t);
    return f.size() >= 3 && std::all_of(f[2].begin(), f[2].end(), ::isdigit) ? std::stoll(f[2])
                                                                             : -1;
  }

  std::string Short(const std::string& name, const std::string& type) {
    return Dig({"+short", "+norecurse", name, type});
  }

  const std::string& name() const { return name_; }
  int port() const { return layout_.port; }
  int pid() const { return knot_.pid(); }
  const DnsLayout& layout() const { return layout_; }
  KnotDriver& driver() { return *driver_; }
  PosixFilesystem& fs() { return fs_; }
  CommandRunner& runner() { return runner_; }

 private:
  std::string name_;
  testing::TempRoot root_;
  DnsLayout layout_;
  PosixFilesystem fs_;
  PosixCommandRunner runner_;
  KnotInstance knot_;
  BoxKey box_;
  std::unique_ptr<KnotDriver> driver_;
};

Json Rec(const std::string& name, const std::string& type, const std::string& value) {
  return Json{{"name", name}, {"type", type}, {"ttl", 60}, {"value", value}};
}

Json BaseSpec(int64_t serial, const std::string& www) {
  return Json{{"zone", kZone},
              {"account", "acme"},
              {"serial", serial},
              {"default_ttl", 60},
              {"soa",
               {{"mname", "ns1.acme.example"},
                {"rname", "hostmaster.acme.example"},
                {"refresh", 60},
                {"retry", 60},
                {"expire", 3600},
                {"minimum", 60}}},
              {"records", Json::array({Rec("www", "A", www), Rec("@", "A", "192.0.2.10")})}};
}

Json NameServers(const std::vector<Node*>& nodes) {
  Json list = Json::array();
  int i = 1;
  for (Node* n : nodes) {
    list.push_back({{"node", n->name()},
                    {"host", "ns" + std::to_string(i++) + "." + std::string(kZone) + "."},
                    {"addresses", {"127.0.0.1"}},
                    {"port", n->port()}});
  }
  return list;
}

TEST(DnsServersTest, TwoServersServeTheSameSerialAndOneKeepsServingWithoutTheOther) {
  Node a("dns1"), b("dns2");
  ASSERT_TRUE(a.Start().has_value());
  ASSERT_TRUE(b.Start().has_value());
  for (int64_t serial : {2026120701, 2026120702}) {
    std::string www = serial == 2026120701 ? "192.0.2.11" : "192.0.2.12";
    Json spec = BaseSpec(serial, www);
    spec["name_servers"] = NameServers({&a, &b});
    for (Node* n : {&a, &b}) {
      auto r = n->Apply(serial - 2026120700, spec);
      ASSERT_EQ(r.outcome, TaskOutcome::kApplied) << n->name() << ": " << r.detail;
    }
    // Applied means served: no waiting.
    EXPECT_EQ(a.Serial(), serial);
    EXPECT_EQ(b.Serial(), serial);
    EXPECT_EQ(a.Short("www.acme.example", "A"), www + "\n");
    EXPECT_EQ(b.Short("www.acme.example", "A"), www + "\n");
    EXPECT_EQ(a.Short(kZone, "NS"), "ns1.acme.example.\nns2.acme.example.\n");
    EXPECT_EQ(b.Short("ns2.acme.example", "A"), "127.0.0.1\n");  // glue from name_servers
    auto served = b.driver().ServedSerials();
    ASSERT_TRUE(served.has_value()) << served.error().message;
    EXPECT_EQ(served->at(kZone).serial, serial);
  }
  EXPECT_GE(a.Stop(), 0);
  EXPECT_EQ(a.Serial(), -1);  // really down
  EXPECT_EQ(b.Serial(), 2026120702);
  EXPECT_EQ(b.Short("www.acme.example", "A"), "192.0.2.12\n");
}

// A third Knot, configured by hand as a customer's secondary would be: TSIG key, our node as
// its primary, NOTIFY accepted from it.
class ExternalSecondary {
 public:
  ExternalSecondary(int primary_port, const std::string& key_name, const std::string& secret)
      : port_(FreeLoopbackPort().value()), fs_(root_.path()), runner_({"/usr/sbin/knotd"}) {
    std::string dir = root_.path();
    std::string conf =
        "server:\n    rundir: \"" + dir + "\"\n    listen: \"127.0.0.1@" + std::to_string(port_) +
        "\"\ncontrol:\n    listen: \"" + dir + "/knot.sock\"\nlog:\n  - target: \"" + dir +
        "/knot.log\"\n    any: info\ndatabase:\n    storage: \"" + dir +
        "/db\"\nkey:\n  - id: " + key_name + "\n    algorithm: hmac-sha256\n    secret: \"" +
        secret + "\"\nremote:\n  - id: primary\n    address: \"127.0.0.1@" +
        std::to_string(primary_port) + "\"\n    key: " + key_name +
        "\nacl:\n  - id: from-primary\n    remote: primary\n    action: notify\n"
        "zone:\n  - domain: acme.example.\n    storage: \"" +
        dir + "\"\n    master: primary\n    acl: from-primary\n";
    EXPECT_TRUE(fs_.WriteFileAtomic("secondary.conf", conf, 0600).has_value());
    auto child =
        ChildProcess::Start({"/usr/sbin/knotd", "-c", dir + "/secondary.conf"}, dir + "/out.log");
    EXPECT_TRUE(child.has_value());
    if (child) knotd_ = std::move(*child);
  }
  ~ExternalSecondary() {
    if (knotd_.pid() > 0) knotd_.Stop(SIGTERM, std::chrono::seconds(5));
  }
  int port() const { return port_; }

 private:
  testing::TempRoot root_;
  int port_;
  PosixFilesystem fs_;
  PosixCommandRunner runner_;
  ChildProcess knotd_;
};

// The real uid of a process (/proc/<pid>/status "Uid:"), or -1.
int64_t ProcessUid(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("Uid:", 0) == 0) return std::stoll(line.substr(4));
  }
  return -1;
}

int64_t SerialAt(Node& asker, int port) {
  std::string out = asker.Dig({"-p", std::to_string(port), "+short", "+norecurse", kZone, "SOA"});
  std::istringstream in(out);
  std::vector<std::string> f;
  for (std::string t; in >> t;) f.push_back(t);
  return f.size() >= 3 && std::all_of(f[2].begin(), f[2].end(), ::isdigit) ? std::stoll(f[2]) : -1;
}

TEST(DnsServersTest, AnExternalSecondaryTransfersWithItsKeyAfterNotifyAndNobodyElseCan) {
  Node a("dns1");
  ASSERT_TRUE(a.Start().has_value());
  const std::string key = "xfr1.acme.example.";
  const std::string secret = RandomSecret();
  ExternalSecondary ext(a.port(), key, secret);
  auto spec_for = [&](int64_t serial, const std::string& www) {
    Json spec = BaseSpec(serial, www);
    spec["name_servers"] = NameServers({&a});
    spec["tsig_keys"] =
        Json::array({{{"name", key}, {"algorithm", "hmac-sha256"}, {"secret", a.Seal(secret)}}});
    spec["secondaries"] = Json::array({{{"name", "customer"},
                                        {"addresses", {"127.0.0.1"}},
                                        {"port", ext.port()},
                                        {"key", key},
                                        {"notify", true}}});
    return spec;
  };
  auto r = a.Apply(1, spec_for(10, "192.0.2.11"));
  ASSERT_EQ(r.outcome, TaskOutcome::kApplied) << r.detail;
  EXPECT_TRUE(WaitFor([&] { return SerialAt(a, ext.port()) == 10; }))
      << "the secondary serves " << SerialAt(a, ext.port());
  // A change: NOTIFY, then IXFR/AXFR with the key.
  r = a.Apply(2, spec_for(11, "192.0.2.12"));
  ASSERT_EQ(r.outcome, TaskOutcome::kApplied) << r.detail;
  auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(WaitFor([&] { return SerialAt(a, ext.port()) == 11; }));
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  EXPECT_LT(took.count(), 3000) << "NOTIFY, not the refresh timer, brought the change";
  EXPECT_EQ(a.Dig({"-p", std::to_string(ext.port()), "+short", "www.acme.example", "A"}),
            "192.0.2.12\n");

  // knotd runs as its own user (when the test is root: Debian's knot) and loaded the TSIG key
  // from a file only root may write and only its group may read (knot_user.h).
  auto daemon = KnotDaemonUser(a.layout());
  ASSERT_TRUE(daemon.has_value()) << daemon.error().message;
  struct stat st {};
  const std::string tsig_conf = a.fs().HostPath(a.layout().shared_conf_dir + "/tsig.conf");
  ASSERT_EQ(::stat(tsig_conf.c_str(), &st), 0) << tsig_conf;
  if (*daemon) {
    EXPECT_EQ(ProcessUid(a.pid()), static_cast<int64_t>((*daemon)->uid));
    EXPECT_EQ(st.st_mode & 07777, 0640u);
    EXPECT_EQ(st.st_uid, ::geteuid());
    EXPECT_EQ(st.st_gid, (*daemon)->gid);
    struct stat dir {};
    ASSERT_EQ(::stat(a.fs().HostPath(a.layout().shared_conf_dir).c_str(), &dir), 0);
    EXPECT_EQ(dir.st_mode & 07777, 02750u);
    EXPECT_EQ(dir.st_gid, (*daemon)->gid);
  } else {
    EXPECT_EQ(st.st_mode & 07777, 0600u);
  }

  // A transfer without the key, or with another one, is refused.
  std::string refused = a.Dig({"+norecurse", "AXFR", kZone});
  EXPECT_TRUE(refused.find("NOTAUTH") != std::string::npos ||
              refused.find("REFUSED") != std::string::npos)
      << refused;
  EXPECT_EQ(refused.find("192.0.2.12"), std::string::npos);
  std::string wrong =
      a.Dig({"-y", "hmac-sha256:" + key + ":" + RandomSecret(), "+norecurse", "AXFR", kZone});
  EXPECT_EQ(wrong.find("192.0.2.12"), std::string::npos) << wrong;
  // With the key it is allowed (what the secondary did).
  std::string allowed = a.Dig({"-y", "hmac-sha256:" + key + ":" + secret, "AXFR", kZone});
  EXPECT_NE(allowed.find("192.0.2.12"), std::string::npos) << allowed;
}

// The served zone through AXFR (with `key`), checked by ldns-verify-zone against a trust anchor
// made from the KSK's public key. Returns "" when it validates, else the tool's words.
std::string VerifyZone(Node& node, const std::string& key, const std::string& ksk_b64,
                       const std::string& dir) {
  std::string axfr = node.Dig({"-y", key, "+nocomments", "+nostats", "AXFR", kZone});
  // One SOA: AXFR ends with the SOA again.
  std::istringstream in(axfr);
  std::string zone_text;
  bool soa_seen = false;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == ';') continue;
    // The transfer's own TSIG signature (kdig prints it as a record) is not zone data.
    if (line.find("\tTSIG\t") != std::string::npos) continue;
    if (line.find("\tSOA\t") != std::string::npos) {
      if (soa_seen) continue;
      soa_seen = true;
    }
    zone_text += line + "\n";
  }
  if (!soa_seen) return "no zone transferred: " + axfr;
  {
    std::ofstream(dir + "/zone.txt") << zone_text;
    std::ofstream(dir + "/anchor.key") << kZone << ". 60 IN DNSKEY 257 3 15 " << ksk_b64 << "\n";
  }
  Command cmd;
  cmd.argv = {kLdnsVerify, "-k", dir + "/anchor.key", dir + "/zone.txt"};
  PosixCommandRunner runner({kLdnsVerify});
  auto out = runner.Run(cmd);
  if (!out) return out.error().message;
  if (out->exit_code == 0) return "";
  // The line ldns names, if any, to say which record it could not take.
  std::smatch m;
  std::string words = out->out + out->err;
  if (std::regex_search(words, m, std::regex(R"(at line (\d+))"))) {
    std::istringstream lines(zone_text);
    std::string line;
    for (int i = std::stoi(m[1]); i > 0 && std::getline(lines, line); --i) {
    }
    words += " [" + line + "]";
  }
  return words;
}

// Key tags of the RRSIGs over the zone's A records, as served.
std::set<std::string> SigningTags(Node& node) {
  std::string out = node.Dig({"+dnssec", "+norecurse", "www.acme.example", "A"});
  std::set<std::string> tags;
  std::regex rrsig(R"(RRSIG\s+A\s+15\s+\d+\s+\d+\s+\d+\s+\d+\s+(\d+)\s)");
  for (std::sregex_iterator it(out.begin(), out.end(), rrsig), end; it != end; ++it) {
    tags.insert((*it)[1]);
  }
  return tags;
}

size_t DnskeyCount(Node& node) {
  std::string out = node.Short(kZone, "DNSKEY");
  return static_cast<size_t>(std::count(out.begin(), out.end(), '\n'));
}

TEST(DnsServersTest, ASignedZoneValidatesFromBothServersBeforeAndAfterAZskRollover) {
  ASSERT_EQ(::access(kLdnsVerify, X_OK), 0) << "ldnsutils is missing: scripts/install-deps";
  Node a("dns1"), b("dns2");
  ASSERT_TRUE(a.Start().has_value());
  ASSERT_TRUE(b.Start().has_value());
  const std::string xfr = RandomSecret(), audit = RandomSecret();
  const TestKey ksk = NewEd25519Key(), zsk1 = NewEd25519Key(), zsk2 = NewEd25519Key();
  const int64_t t0 = Now() - 60;

  auto spec_for = [&](Node& n, int64_t serial, const Json& keys) {
    Json spec = BaseSpec(serial, "192.0.2.11");
    spec["records"].push_back(Rec("@", "HTTPS", "1 . alpn=h2,h3"));
    spec["records"].push_back(Rec("_443._tcp.www", "TLSA", "3 1 1 " + std::string(64, 'a')));
    spec["records"].push_back(Rec("child", "NS", "ns1.other.example."));
    spec["records"].push_back(Rec("child", "DS", "12345 13 2 " + std::string(64, 'b')));
    spec["name_servers"] = NameServers({&a, &b});
    spec["tsig_keys"] = Json::array(
        {{{"name", "hostco-xfr."}, {"algorithm", "hmac-sha256"}, {"secret", n.Seal(xfr)}},
         {{"name", "audit."}, {"algorithm", "hmac-sha256"}, {"secret", n.Seal(audit)}}});
    spec["transfer_key"] = "hostco-xfr.";
    // An "external secondary" that is the test itself: both servers let it transfer.
    spec["secondaries"] = Json::array({{{"name", "audit"},
                                        {"addresses", {"127.0.0.1"}},
                                        {"port", 9},
                                        {"key", "audit."},
                                        {"notify", false}}});
    Json sealed = keys;
    for (auto& k : sealed) k["private_key"] = n.Seal(k["private_key"].get<std::string>());
    spec["dnssec"] = {{"state", "signing"}, {"signer", "dns1"},       {"algorithm", "ed25519"},
                      {"dnskey_ttl", 5},    {"rrsig_lifetime", 3600}, {"rrsig_refresh", 600},
                      {"keys", sealed}};
    return spec;
  };
  auto key_json = [](const std::string& role, const TestKey& k, int64_t publish, int64_t active,
                     int64_t retire, int64_t remove) {
    return Json{{"role", role},       {"private_key", k.pem},
                {"publish", publish}, {"ready", role == "ksk" ? active : 0},
                {"active", active},   {"retire", retire},
                {"remove", remove}};
  };
  Json keys =
      Json::array({key_json("ksk", ksk, t0, t0, 0, 0), key_json("zsk", zsk1, t0, t0, 0, 0)});
  for (Node* n : {&a, &b}) {
    auto r = n->Apply(1, spec_for(*n, 1, keys));
    ASSERT_EQ(r.outcome, TaskOutcome::kApplied) << n->name() << ": " << r.detail;
  }
  const std::string audit_key = "hmac-sha256:audit.:" + audit;
  testing::TempRoot scratch;
  auto both_valid = [&](const std::string& stage) {
    ASSERT_TRUE(WaitFor([&] { return a.Serial() > 0 && a.Serial() == b.Serial(); }))
        << stage << ": signer " << a.Serial() << ", secondary " << b.Serial();
    for (Node* n : {&a, &b}) {
      EXPECT_EQ(VerifyZone(*n, audit_key, ksk.public_b64, scratch.path()), "")
          << stage << " on " << n->name();
    }
  };
  both_valid("signed");
  auto tags = SigningTags(b);
  ASSERT_EQ(tags.size(), 1u);
  const std::string tag1 = *tags.begin();
  EXPECT_EQ(DnskeyCount(b), 2u);
  // The customer's parent needs a DS: Knot publishes CDS and CDNSKEY for it (RFC 7344).
  EXPECT_FALSE(a.Short(kZone, "CDS").empty());
  EXPECT_FALSE(b.Short(kZone, "CDNSKEY").empty());
  EXPECT_NE(b.Short(kZone, "HTTPS").find("alpn=h2,h3"), std::string::npos);

  // The ZSK rollover (pre-publish): zsk2 published now, the signatures switch to it 8 s later,
  // zsk1 gone 8 s after that; every server valid at every stage. (8 s: two AXFRs and two
  // ldns-verify-zone runs on a loaded 2-core machine fit in it.)
  const int64_t now = Now();
  keys = Json::array({key_json("ksk", ksk, t0, t0, 0, 0),
                      key_json("zsk", zsk1, t0, t0, now + 8, now + 16),
                      key_json("zsk", zsk2, now, now + 8, 0, 0)});
  for (Node* n : {&a, &b}) {
    auto r = n->Apply(2, spec_for(*n, 2, keys));
    ASSERT_EQ(r.outcome, TaskOutcome::kApplied) << n->name() << ": " << r.detail;
  }
  EXPECT_TRUE(WaitFor([&] { return DnskeyCount(b) == 3; })) << DnskeyCount(b);
  EXPECT_EQ(SigningTags(b), std::set<std::string>{tag1})
      << "zsk2 signs already, " << Now() - now << " s after it was published";
  both_valid("zsk2 published");
  EXPECT_TRUE(WaitFor([&] { return SigningTags(b).count(tag1) == 0; }, std::chrono::seconds(20)));
  EXPECT_GE(Now(), now + 8) << "zsk2 signed before its active time";
  both_valid("zsk2 active");
  EXPECT_TRUE(WaitFor([&] { return DnskeyCount(a) == 2 && DnskeyCount(b) == 2; },
                      std::chrono::seconds(20)));
  both_valid("zsk1 removed");
  EXPECT_EQ(SigningTags(a), SigningTags(b));
}

TEST(DnsServersTest, HostileValuesOfTheNewTypesNeverReachKnot) {
  Node a("dns1");
  ASSERT_TRUE(a.Start().has_value());
  for (const auto& [type, value] : std::vector<std::pair<std::string, std::string>>{
           {"HTTPS", "1 . alpn=h2\n$INCLUDE /etc/passwd"},
           {"SVCB", "1 . alpn=\"h2\" port=1"},
           {"TLSA", "3 1 1 " + std::string(63, 'a') + "\""},
           {"DS", "1 13 2 " + std::string(64, 'a') + "\n@ A 1.2.3.4"},
           {"CDS", "0 0 0 00"}}) {
    Json spec = BaseSpec(5, "192.0.2.11");
    spec["name_servers"] = NameServers({&a});
    spec["records"].push_back(Rec(type == "TLSA" ? "_443._tcp" : "svc", type, value));
    auto r = a.Apply(1, spec);
    EXPECT_EQ(r.outcome, TaskOutcome::kFailed) << type;
    EXPECT_FALSE(r.detail.empty());  // the field codes themselves: record_types_test.cc
    EXPECT_FALSE(a.fs().Exists(a.driver().ZoneFilePath(kZone))) << type;
  }
  EXPECT_EQ(a.Serial(), -1);
}

}  // namespace
}  // namespace hostplane::agent
