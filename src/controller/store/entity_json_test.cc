#include "controller/store/entity_json.h"

#include <gtest/gtest.h>

namespace hostplane::controller {
namespace {

constexpr int64_t kT = 1'700'000'000'123;  // 2023-11-14T22:13:20.123Z

TEST(EntityJson, CustomerNeverShowsItsPasswordHash) {
  Customer c;
  c.id = 7;
  c.login = "acme";
  c.name = "Acme";
  c.email = "ops@acme.example";
  c.password_hash = "$argon2id$v=19$secret";
  c.created_at = c.updated_at = kT;
  Json j = ToJson(c);
  EXPECT_EQ(j.dump().find("argon2id"), std::string::npos) << j.dump();
  EXPECT_FALSE(j.contains("password_hash"));
  EXPECT_EQ(j["panel_login"], true);
  EXPECT_EQ(j.dump().find("password"), std::string::npos);
  EXPECT_EQ(j["login"], "acme");
  EXPECT_EQ(j["created_at"], "2023-11-14T22:13:20.123Z");
}

TEST(EntityJson, LimitsAreUnlimitedFlagsOrNumbers) {
  Plan p;
  p.name = "small";
  p.max_sites = 3;
  p.created_at = kT;
  Json j = ToJson(p);
  EXPECT_EQ(j["limits"]["sites"], 3);
  EXPECT_EQ(j["limits"]["disk_mb"], (Json{{"unlimited", true}}));
}

TEST(EntityJson, AbsentOptionalsAreNullAndTimesAreIso) {
  Node n;
  n.name = "web1";
  n.roles = {"web"};
  n.created_at = kT;
  Json j = ToJson(n);
  EXPECT_TRUE(j["last_seen"].is_null());
  n.last_seen = kT;
  EXPECT_EQ(ToJson(n)["last_seen"], "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(j["roles"], (Json{"web"}));

  TaskRecord t;
  t.id = 3;
  t.node_name = "web1";
  t.revision = 9;
  t.object_key = "site:a.example";
  t.kind = "site.ensure";
  t.spec = Json{{"domain", "a.example"}, {"aliases", Json::array()}};
  t.created_at = t.updated_at = kT;
  t.change_id = 4;
  Json tj = ToJson(t);
  EXPECT_EQ(tj["spec"]["domain"], "a.example") << "the spec is JSON, not a string";
  EXPECT_TRUE(tj["applied_at"].is_null());
  EXPECT_TRUE(tj["duration_ms"].is_null());
  EXPECT_EQ(tj["change_id"], 4);
  EXPECT_EQ(tj["node"], "web1");
  EXPECT_EQ(tj["state"], "pending");
}

TEST(EntityJson, SiteAuditAndToken) {
  Site s;
  s.domain = "a.example";
  s.aliases = {"www.a.example"};
  s.customer_login = "acme";
  s.node_name = "web1";
  s.docroot = "sites/a.example/public";
  Json sj = ToJson(s);
  EXPECT_EQ(sj["customer"], "acme");
  EXPECT_EQ(sj["node"], "web1");
  EXPECT_EQ(sj["aliases"], (Json{"www.a.example"}));

  AuditEntry a;
  a.after = sj;
  a.at = kT;
  Json aj = ToJson(a);
  EXPECT_TRUE(aj["before"].is_null());
  EXPECT_EQ(aj["after"]["domain"], "a.example");

  ApiToken t;
  t.name = "admin";
  Json tj = ToJson(t);
  EXPECT_TRUE(tj["last_used_at"].is_null());
  EXPECT_FALSE(tj.contains("token_hash"));
}

}  // namespace
}  // namespace hostplane::controller
