// Several name servers (issue 17): every dns node gets every zone with one spec and one serial,
// NS and glue list them all, their results say which node lags, node settings are checked, and
// a drained dns node leaves every zone's NS.

#include <gtest/gtest.h>

#include "controller/services/fleet_fixture_for_test.h"
#include "protocol/zone_spec.h"

namespace hostplane::controller {
namespace {

const Actor& kAdmin = kFleetAdmin;

std::vector<TaskRecord> ZoneTasks(const std::vector<TaskRecord>& tasks, const std::string& kind) {
  std::vector<TaskRecord> out;
  for (const auto& t : tasks) {
    if (t.kind == kind) out.push_back(t);
  }
  return out;
}

class DnsNodesTest : public FleetTest {
 protected:
  std::map<std::string, Node> Nodes() {
    std::map<std::string, Node> out;
    auto list = service_->nodes().List(kAdmin);
    EXPECT_TRUE(list.has_value());
    if (list) {
      for (const auto& n : *list) out[n.name] = n;
    }
    return out;
  }
  std::vector<TaskRecord> AddZone() {
    auto z = service_->dns().AddZone(kAdmin, {"acme.example", "acme"});
    EXPECT_TRUE(z.has_value()) << z.error().message;
    return z ? z->tasks : std::vector<TaskRecord>{};
  }
};

TEST_F(DnsNodesTest, EveryDnsNodeGetsTheSameZoneAndNsListsThemAll) {
  AddNode("dns1", {"dns"}, 100, "", "", "192.0.2.1");
  AddNode("dns2", {"dns"}, 100, "", "", "192.0.2.2");
  AddNode("web1", {"web"}, 100, "", "", "192.0.2.9");
  auto set = service_->nodes().Set(kAdmin, "dns1", {"NS1.Hostco.Example.", std::nullopt});
  ASSERT_TRUE(set.has_value()) << set.error().message;
  EXPECT_EQ(set->object.ns_name, "ns1.hostco.example");
  AddCustomer("acme");

  const auto tasks = ZoneTasks(AddZone(), "zone.ensure");
  ASSERT_EQ(tasks.size(), 2u);
  EXPECT_EQ(tasks[0].node_name, "dns1");
  EXPECT_EQ(tasks[1].node_name, "dns2");
  EXPECT_EQ(tasks[0].spec, tasks[1].spec);
  auto spec = protocol::ZoneSpecFromJson(tasks[0].spec);
  ASSERT_TRUE(spec.has_value()) << spec.error().message << tasks[0].spec.dump();
  ASSERT_EQ(spec->servers.name_servers.size(), 2u);
  EXPECT_EQ(spec->servers.name_servers[0].host, "ns1.hostco.example.");
  EXPECT_EQ(spec->servers.name_servers[0].addresses, std::vector<std::string>{"192.0.2.1"});
  EXPECT_EQ(spec->servers.name_servers[1].host, "ns2.acme.example.");
  EXPECT_EQ(spec->servers.name_servers[1].addresses, std::vector<std::string>{"192.0.2.2"});
  EXPECT_EQ(spec->soa.mname, "ns1.hostco.example");
  for (const auto& r : spec->records) EXPECT_NE(r.type, "NS") << r.name;

  // Both lag until they report; dns1's result leaves dns2 lagging; the web node has no "dns".
  auto nodes = Nodes();
  EXPECT_FALSE(nodes["web1"].dns.has_value());
  ASSERT_TRUE(nodes["dns2"].dns.has_value());
  EXPECT_EQ(nodes["dns2"].dns->zones, 1);
  EXPECT_EQ(nodes["dns2"].dns->lagging, 1);
  Report(tasks[0], "applied");
  nodes = Nodes();
  EXPECT_EQ(nodes["dns1"].dns->lagging, 0);
  EXPECT_EQ(nodes["dns2"].dns->lagging, 1);
  Report(tasks[1], "failed", "knotc said no");
  auto view = service_->dns().ZoneRecords(kAdmin, "acme.example");
  ASSERT_TRUE(view.has_value());
  EXPECT_EQ((*view)["status"], "failed") << view->dump();
  EXPECT_EQ((*view)["error"], "knotc said no") << view->dump();
  Report(tasks[1], "applied");
  view = service_->dns().ZoneRecords(kAdmin, "acme.example");
  EXPECT_EQ((*view)["status"], "active") << view->dump();
  EXPECT_EQ((*view)["served_serial"], tasks[0].spec["serial"]) << view->dump();
  EXPECT_EQ(Nodes()["dns2"].dns->lagging, 0);
}

TEST_F(DnsNodesTest, ANewOrChangedOrDrainedDnsNodeResendsEveryZone) {
  AddNode("dns1", {"dns"}, 100, "", "", "192.0.2.1");
  AddCustomer("acme");
  ASSERT_EQ(ZoneTasks(AddZone(), "zone.ensure").size(), 1u);

  // Added: both get the zone, with both name servers.
  auto added = service_->nodes().Create(kAdmin, {"dns2", {"dns"}, 100, "192.0.2.2", "", "", ""});
  ASSERT_TRUE(added.has_value()) << added.error().message;
  auto tasks = ZoneTasks(added->tasks, "zone.ensure");
  ASSERT_EQ(tasks.size(), 2u);
  EXPECT_EQ(tasks[1].spec["name_servers"].size(), 2u) << tasks[1].spec.dump();
  const int64_t serial = tasks[0].spec["serial"];

  // Its address set: re-sent with the new glue and a higher serial.
  auto set = service_->nodes().Set(kAdmin, "dns2", {std::nullopt, "2001:DB8::2"});
  ASSERT_TRUE(set.has_value()) << set.error().message;
  EXPECT_EQ(set->object.ipv6, "2001:db8::2");
  tasks = ZoneTasks(set->tasks, "zone.ensure");
  ASSERT_EQ(tasks.size(), 2u);
  EXPECT_GT(tasks[0].spec["serial"].get<int64_t>(), serial);
  EXPECT_EQ(tasks[0].spec["name_servers"][1]["addresses"],
            Json::array({"192.0.2.2", "2001:db8::2"}));

  // Drained: the zone is re-sent to dns1 alone, naming only it, and removed from dns2.
  auto step = service_->drains().Drain(kAdmin, "dns2", 10, false);
  ASSERT_TRUE(step.has_value()) << step.error().message;
  EXPECT_EQ(Kinds(step->tasks, "dns1"), std::vector<std::string>{"zone.ensure zone:acme.example"});
  EXPECT_EQ(Kinds(step->tasks, "dns2"), std::vector<std::string>{"zone.remove zone:acme.example"});
  for (const auto& t : ZoneTasks(step->tasks, "zone.ensure")) {
    EXPECT_EQ(t.spec["name_servers"].size(), 1u) << t.spec.dump();
  }
  // Removing the zone reaches every dns node (here dns1 only).
  auto removed = service_->dns().RemoveZone(kAdmin, "acme.example");
  ASSERT_TRUE(removed.has_value());
  EXPECT_EQ(Kinds(removed->tasks, "dns1"),
            std::vector<std::string>{"zone.remove zone:acme.example"});
}

TEST_F(DnsNodesTest, HostileSettingsAreRefusedWithAFieldCode) {
  AddNode("dns1", {"dns"}, 100, "", "", "192.0.2.1");
  AddNode("dns2", {"dns"}, 100, "", "", "192.0.2.2");
  ASSERT_TRUE(service_->nodes().Set(kAdmin, "dns1", {"ns1.hostco.example", std::nullopt}));
  struct Case {
    NodeSettings in;
    std::string field, code;
  };
  for (const Case& c : std::vector<Case>{
           {{"ns1.hostco.example\nevil. NS x.", std::nullopt}, "ns_name", "domain."},
           {{"ns1", std::nullopt}, "ns_name", "domain.single_label"},
           {{"192.0.2.1", std::nullopt}, "ns_name", "domain.ip_literal"},
           {{"ns1.localhost", std::nullopt}, "ns_name", "domain.reserved"},
           {{std::nullopt, "300.1.2.3"}, "address", "address.invalid"},
           {{std::nullopt, "192.0.2.1 ; x"}, "address", "address.invalid"},
           {{std::nullopt, ""}, "address", "address.invalid"},
       }) {
    auto r = service_->nodes().Set(kAdmin, "dns2", c.in);
    ASSERT_FALSE(r.has_value()) << c.field;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalid);
    ASSERT_EQ(r.error().fields.count(c.field), 1u) << r.error().message;
    EXPECT_EQ(r.error().fields.at(c.field).rfind(c.code, 0), 0u) << r.error().fields.at(c.field);
  }
  auto taken = service_->nodes().Set(kAdmin, "dns2", {"NS1.hostco.example", std::nullopt});
  ASSERT_FALSE(taken.has_value());
  EXPECT_EQ(taken.error().code, ErrorCode::kConflict);
  EXPECT_EQ(taken.error().fields.at("ns_name"), "ns_name.taken");
  auto missing = service_->nodes().Set(kAdmin, "nope", {"ns9.hostco.example", std::nullopt});
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  auto dns2 = store_->GetNode("dns2");
  ASSERT_TRUE(dns2 && *dns2);
  EXPECT_EQ((*dns2)->ns_name, "");
  EXPECT_EQ((*dns2)->ipv4, "192.0.2.2");
}

}  // namespace
}  // namespace hostplane::controller
