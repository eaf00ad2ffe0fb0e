// DNS through the real Knot of `hostplane up`, asked with kdig (issue 12, items 2, 6 and 11):
// a zone above another customer's site is refused, so the name server never answers for that
// site; an owner name "-bad" is refused and never reaches a zone file; a site alias where the
// zone has a CNAME is refused, and the zone keeps being served at its last serial, which
// `dns record list` says is the served one.

#include <gtest/gtest.h>

#include <set>
#include <sstream>
#include <thread>

#include "test_support.h"

namespace hostplane::testing {
namespace {

using namespace std::chrono_literals;

std::string Kdig(const UpInstance& up, const std::string& name, const std::string& type) {
  PosixCommandRunner runner({"/usr/bin/kdig"});
  Command cmd;
  cmd.argv = {
      "/usr/bin/kdig", "@127.0.0.1", "-p", std::to_string(up.ports().dns), "+short", "+timeout=2",
      "+retry=1",      name,         type};
  auto r = runner.Run(cmd);
  return r ? r->out : "";
}

uint64_t Serial(const std::string& soa) {
  std::istringstream in(soa);
  std::string mname, rname;
  uint64_t serial = 0;
  in >> mname >> rname >> serial;
  return serial;
}

void CreateCustomer(UpInstance& up, const std::string& login) {
  auto r = up.Api("POST", "/api/v1/customers",
                  {{"login", login}, {"email", "ops@" + login + ".example"}});
  ASSERT_EQ(r.status, 201) << r.body;
}

void Applied(UpInstance& up, const HttpResult& r) {
  ASSERT_GE(r.status, 200) << r.body;
  ASSERT_LT(r.status, 300) << r.body;
  for (const auto& t : WaitOrFail(up, UpInstance::TaskIds(r.json()))) {
    ASSERT_EQ(t["state"], "applied") << t.dump();
  }
}

TEST(DnsNames, NoTakeoverNoBadOwnerNamesAndNoChangeThatBreaksAZone) {
  UpOptions options;
  options.all_services = true;
  UpInstance up(options);
  ASSERT_OK(up.Start());
  CreateCustomer(up, "acme");
  CreateCustomer(up, "bob");

  // Item 2: bob's site first; acme's zone above it is refused, in the other order too.
  Applied(up, up.Api("POST", "/api/v1/sites",
                     {{"domain", "shop.parent.example"}, {"customer", "bob"}}));
  auto zone = up.Api("POST", "/api/v1/zones", {{"zone", "parent.example"}, {"customer", "acme"}});
  EXPECT_EQ(zone.status, 409) << zone.body;
  EXPECT_EQ(zone.json()["error"]["fields"].value("zone", ""), "domain.owned_by_other_customer");
  EXPECT_EQ(Kdig(up, "parent.example", "SOA"), "");
  EXPECT_EQ(Kdig(up, "shop.parent.example", "A"), "");
  Applied(up, up.Api("POST", "/api/v1/zones", {{"zone", "acme.example"}, {"customer", "acme"}}));
  auto under = up.Api("POST", "/api/v1/sites", {{"domain", "x.acme.example"}, {"customer", "bob"}});
  EXPECT_EQ(under.status, 409) << under.body;

  // Item 6: an owner name starting with '-' never reaches the zone file.
  const uint64_t serial = Serial(Kdig(up, "acme.example", "SOA"));
  ASSERT_GT(serial, 0u);
  auto bad = up.Api("POST", "/api/v1/zones/acme.example/records",
                    {{"name", "-bad"}, {"type", "A"}, {"value", "192.0.2.66"}});
  EXPECT_EQ(bad.status, 422) << bad.body;
  EXPECT_EQ(bad.json()["error"]["fields"].value("name", ""), "record.name_invalid");

  // Item 11: "www CNAME" first; a site alias www is then refused, and the zone stays served.
  Applied(up, up.Api("POST", "/api/v1/zones/acme.example/records",
                     {{"name", "www"}, {"type", "CNAME"}, {"value", "elsewhere.example.net"}}));
  Applied(up, up.Api("POST", "/api/v1/sites", {{"domain", "acme.example"}, {"customer", "acme"}}));
  const uint64_t served = Serial(Kdig(up, "acme.example", "SOA"));
  auto alias = up.Api("PATCH", "/api/v1/sites/acme.example", {{"aliases", {"www.acme.example"}}});
  EXPECT_EQ(alias.status, 422) << alias.body;
  EXPECT_EQ(alias.json()["error"]["fields"].value("aliases[0]", ""), "record.cname_conflict");
  EXPECT_EQ(Kdig(up, "www.acme.example", "CNAME"), "elsewhere.example.net.\n");
  EXPECT_EQ(Kdig(up, "-bad.acme.example", "A"), "");
  // Nothing was sent: the name server serves the same serial, and the zone says it is served.
  EXPECT_EQ(Serial(Kdig(up, "acme.example", "SOA")), served);
  auto view = up.Api("GET", "/api/v1/zones/acme.example").json()["zone"];
  EXPECT_EQ(view["status"], "active") << view.dump();
  EXPECT_EQ(view["served_serial"], view["serial"]) << view.dump();
  EXPECT_EQ(view.value("served_serial", uint64_t{0}), served);
  auto cli = CliOrFail(up, {"dns", "record", "list", "acme.example"});
  EXPECT_NE(cli.out.find("serial " + std::to_string(served) + "\n"), std::string::npos) << cli.out;
}

}  // namespace
}  // namespace hostplane::testing
