// Issue 17, several name servers through the controller (CTest label dns): `hostplane serve` on a
// real nats-server and two servers (tests/support/node_lab.h) with the dns role, each its own
// Knot and its own `hostplane agent`. Every dns node serves every zone with the same serial
// (kdig SOA on both), NS lists both name servers by the names `node set` gave them (adding the
// second node re-sends the zone to both), `node list` says whether a dns node lags, and when one
// server is gone the other keeps serving the changes. Hostile node settings are refused with a
// field code and change nothing.

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "common/net/loopback.h"
#include "common/testing/nats_server.h"
#include "node_lab.h"
#include "test_support.h"

namespace hostplane::testing {
namespace {

using namespace std::chrono_literals;

PosixCommandRunner& Clients() {
  static PosixCommandRunner runner({HOSTPLANE_BIN, "/usr/bin/kdig"});
  return runner;
}

CommandOutput RunClient(std::vector<std::string> argv,
                        std::map<std::string, std::string> env = {}) {
  Command cmd;
  cmd.argv = std::move(argv);
  cmd.env = std::move(env);
  cmd.timeout = 120s;
  auto r = Clients().Run(cmd);
  if (!r) return CommandOutput{-1, "", r.error().message};
  return *r;
}

// `hostplane serve` with no node yet, its data under dir.
class Serve {
 public:
  Status Start(const std::string& dir, const std::string& nats_url) {
    dir_ = dir;
    auto port = FreeLoopbackPort();
    if (!port) return Fail(port.error());
    api_port_ = *port;
    auto child = ChildProcess::Start({HOSTPLANE_BIN, "serve", "--data-dir", dir, "--api-port",
                                      std::to_string(api_port_), "--nats", nats_url},
                                     dir + ".log");
    if (!child) return Fail(child.error());
    serve_.emplace(std::move(*child));
    for (auto deadline = std::chrono::steady_clock::now() + 30s;
         std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(20ms)) {
      if (!serve_->Running()) return Fail(Error::Unavailable("hostplane serve exited:\n" + log()));
      std::string env = ReadFile(dir + "/hostplane.env");
      token_ = EnvValue(env, "HOSTPLANE_TOKEN");
      key_ = EnvValue(env, "HOSTPLANE_CONTROLLER_KEY");
      if (!token_.empty() && !key_.empty() &&
          ApiClient{api_port_, token_}.Call("GET", "/healthz").status == 200) {
        return Ok();
      }
    }
    return Fail(Error::Timeout("hostplane serve did not become ready:\n" + log()));
  }
  CommandOutput Cli(std::vector<std::string> args) {
    args.insert(args.begin(), HOSTPLANE_BIN);
    return RunClient(args, {{"HOSTPLANE_URL", "http://127.0.0.1:" + std::to_string(api_port_)},
                            {"HOSTPLANE_TOKEN", token_}});
  }
  const std::string& key() const { return key_; }
  std::string log() const { return ReadFile(dir_ + ".log"); }

 private:
  std::string dir_;
  int api_port_ = 0;
  std::string token_;
  std::string key_;
  std::optional<ChildProcess> serve_;
};

std::string Dig(const NodeLab& lab, const std::string& name, const std::string& type) {
  return RunClient({"/usr/bin/kdig", "@127.0.0.1", "-p", std::to_string(lab.ports().dns), "+short",
                    "+timeout=2", "+retry=1", name, type})
      .out;
}

uint64_t Serial(const NodeLab& lab) {
  std::istringstream in(Dig(lab, "acme.example", "SOA"));
  std::string mname, rname;
  uint64_t serial = 0;
  in >> mname >> rname >> serial;
  return serial;
}

std::set<std::string> Lines(const std::string& text) {
  std::set<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.insert(line);
  }
  return out;
}

// `node list -o json`: node name -> its "dns" object (null for nodes that serve no zones).
std::map<std::string, Json> DnsOfNodes(Serve& ctl) {
  std::map<std::string, Json> out;
  auto r = ctl.Cli({"node", "list", "-o", "json"});
  Json j = Json::parse(r.out, nullptr, false);
  if (j.is_discarded()) return out;
  for (const auto& n : j.value("nodes", Json::array())) out[n.value("name", "")] = n["dns"];
  return out;
}

// Polls fn until it is true or 30 s have passed.
template <typename Fn>
bool Eventually(Fn fn) {
  for (auto deadline = std::chrono::steady_clock::now() + 30s;
       std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(50ms)) {
    if (fn()) return true;
  }
  return fn();
}

NodeLabOptions DnsNode(const std::string& name, const std::string& nats) {
  NodeLabOptions o;
  o.node = name;
  o.roles = {"dns"};
  o.nats_servers = {nats};
  o.unix_accounts = false;  // two servers on one machine: no Unix user per account
  o.start_agent = false;    // the controller's key is known once serve runs
  return o;
}

TEST(DnsNodes, TwoNameServersServeOneSerialAndOneKeepsServingWithoutTheOther) {
  NatsServer nats;
  ASSERT_OK(nats.Start());
  NodeLab a(DnsNode("dns-a", nats.url()));
  NodeLab b(DnsNode("dns-b", nats.url()));
  ASSERT_OK(a.Start());
  ASSERT_OK(b.Start());
  for (NodeLab* lab : {&a, &b}) {
    auto roles = lab->roles();
    ASSERT_NE(std::find(roles.begin(), roles.end(), "dns"), roles.end())
        << "no dns role (Knot not installed?):\n"
        << lab->Logs();
  }
  Serve ctl;
  ASSERT_OK(ctl.Start(a.prefix() + "/ctl", nats.url()));
  auto ok = [&](const std::vector<std::string>& args) {
    auto r = ctl.Cli(args);
    EXPECT_EQ(r.exit_code, 0) << ::testing::PrintToString(args) << "\n"
                              << r.out << r.err << "\n"
                              << a.Logs() << b.Logs();
    return r.exit_code == 0;
  };

  // The first name server, named by the operator.
  ASSERT_TRUE(ok({"node", "add", "dns-a", "--roles", "dns"}));
  ASSERT_TRUE(ok({"node", "set", "dns-a", "ns-name=NS1.Hostco.Example.", "address=127.0.0.1"}));
  a.SetControllerKey(ctl.key());
  ASSERT_OK(a.StartAgent());

  // Hostile settings: refused with a field code, nothing changed.
  struct Hostile {
    std::string setting;
    int exit_code;
    std::string field_line;  // in the CLI's error output
  };
  for (const Hostile& h : std::vector<Hostile>{
           {"ns-name=ns1.hostco.example;rm -rf", 4, "ns_name: domain."},
           {"ns-name=ns1", 4, "ns_name: domain.single_label"},
           {"ns-name=ns1.hostco.example\nexample. NS evil.example.", 4, "ns_name: domain."},
           {"ns-name=" + std::string(300, 'a') + ".example", 4, "ns_name: domain."},
           {"address=300.1.2.3", 4, "address: address.invalid"},
           {"address=127.0.0.1; evil", 4, "address: address.invalid"},
           {"address=", 4, "address: address.invalid"},
           {"owner=root", 2, ""},
       }) {
    auto r = ctl.Cli({"node", "set", "dns-a", h.setting});
    EXPECT_EQ(r.exit_code, h.exit_code) << h.setting << "\n" << r.out << r.err;
    if (!h.field_line.empty()) {
      EXPECT_NE(r.err.find(h.field_line), std::string::npos) << h.setting << "\n" << r.err;
    }
  }
  auto shown = Json::parse(ctl.Cli({"node", "show", "dns-a", "-o", "json"}).out, nullptr, false);
  shown = shown.is_object() ? shown.value("node", Json()) : Json();
  EXPECT_EQ(shown.value("ns_name", ""), "ns1.hostco.example") << shown.dump();
  EXPECT_EQ(shown.value("ipv4", ""), "127.0.0.1") << shown.dump();

  ASSERT_TRUE(ok({"customer", "create", "acme", "--email", "ops@acme.example"}));
  ASSERT_TRUE(ok({"dns", "zone", "add", "acme.example", "--customer", "acme", "--wait"}));
  const uint64_t first = Serial(a);
  ASSERT_GT(first, 0u) << a.Logs();
  EXPECT_EQ(Lines(Dig(a, "acme.example", "NS")), std::set<std::string>{"ns1.hostco.example."});

  // A second dns node: the zone is re-sent to both, and NS lists both. A name server name
  // another node has is refused.
  ASSERT_TRUE(ok({"node", "add", "dns-b", "--roles", "dns", "--ipv4", "127.0.0.2"}));
  auto taken = ctl.Cli({"node", "set", "dns-b", "ns-name=ns1.hostco.example"});
  EXPECT_EQ(taken.exit_code, 5) << taken.out << taken.err;
  EXPECT_NE(taken.err.find("ns_name: ns_name.taken"), std::string::npos) << taken.err;
  b.SetControllerKey(ctl.key());
  ASSERT_OK(b.StartAgent());
  ASSERT_TRUE(ok({"node", "set", "dns-b", "ns-name=ns2.hostco.example", "--wait"}));
  const std::set<std::string> both = {"ns1.hostco.example.", "ns2.hostco.example."};
  EXPECT_EQ(Lines(Dig(a, "acme.example", "NS")), both);
  EXPECT_EQ(Lines(Dig(b, "acme.example", "NS")), both);
  const uint64_t second = Serial(a);
  EXPECT_GT(second, first);
  EXPECT_EQ(Serial(b), second) << b.Logs();

  // A change: the same new serial on both, and neither lags.
  ASSERT_TRUE(ok({"dns", "record", "add", "acme.example", "www", "A", "192.0.2.7", "--wait"}));
  const uint64_t third = Serial(a);
  EXPECT_GT(third, second);
  EXPECT_EQ(Serial(b), third) << b.Logs();
  EXPECT_EQ(Dig(a, "www.acme.example", "A"), "192.0.2.7\n");
  EXPECT_EQ(Dig(b, "www.acme.example", "A"), "192.0.2.7\n");
  auto dns = DnsOfNodes(ctl);
  EXPECT_EQ(dns["dns-a"].value("lags", true), false) << dns["dns-a"].dump();
  EXPECT_EQ(dns["dns-b"].value("lags", true), false) << dns["dns-b"].dump();
  EXPECT_EQ(dns["dns-b"].value("zones", 0), 1) << dns["dns-b"].dump();
  auto table = ctl.Cli({"node", "list"});
  EXPECT_NE(table.out.find("in sync"), std::string::npos) << table.out;

  // dns-b is gone (agent and Knot): dns-a serves the next change, dns-b lags on the zone.
  b.Stop();
  EXPECT_EQ(Serial(b), 0u);
  ASSERT_TRUE(ok({"dns", "record", "add", "acme.example", "shop", "A", "192.0.2.8"}));
  EXPECT_TRUE(Eventually([&] { return Dig(a, "shop.acme.example", "A") == "192.0.2.8\n"; }))
      << a.Logs();
  EXPECT_GT(Serial(a), third);
  EXPECT_EQ(Dig(a, "www.acme.example", "A"), "192.0.2.7\n");
  EXPECT_TRUE(Eventually([&] {
    dns = DnsOfNodes(ctl);
    return dns["dns-a"].value("lags", true) == false && dns["dns-b"].value("lags", false) == true;
  })) << dns["dns-a"].dump()
      << dns["dns-b"].dump();
  EXPECT_EQ(dns["dns-b"].value("lagging", 0), 1) << dns["dns-b"].dump();
  table = ctl.Cli({"node", "list"});
  EXPECT_NE(table.out.find("lags 1/1"), std::string::npos) << table.out;
}

}  // namespace
}  // namespace hostplane::testing
