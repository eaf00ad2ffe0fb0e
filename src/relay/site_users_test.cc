#include "relay/site_users.h"

#include <gtest/gtest.h>

#include <string>

namespace hostplane::relay {
namespace {

const std::string kHash = "$2b$11$Izpcr6Dg3esIOVtfWnJzEOGo5aZLD/dEGttbJB58ZgmzxJBYdhdI2";

TEST(ParseSiteUsersTest, ReadsTheNodesAndTheirHashes) {
  auto users = ParseSiteUsers(R"({"site":"lon","nodes":[{"node":"web1","password_hash":")" + kHash +
                              R"("},{"node":"web2","password_hash":")" + kHash + R"("}]})");
  ASSERT_TRUE(users) << users.error().message;
  EXPECT_EQ(users->site, "lon");
  ASSERT_EQ(users->nodes.size(), 2u);
  EXPECT_EQ(users->nodes[0].node, "web1");
  EXPECT_EQ(users->nodes[1].node, "web2");
  EXPECT_EQ(users->nodes[1].password_hash, kHash);
  auto none = ParseSiteUsers(R"({"site":"lon","nodes":[]})");
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_TRUE(none->nodes.empty());
}

TEST(ParseSiteUsersTest, RefusesBadInputNamingTheField) {
  const std::string h = kHash;
  struct Case {
    const char* name;
    std::string text;
    std::string field;
    std::string code;
  };
  const Case cases[] = {
      {"not JSON", "{", "file", "relay.json"},
      {"not an object", "[]", "file", "relay.json"},
      {"unknown top-level key", R"({"site":"lon","nodes":[],"admin":true})", "admin",
       "field.unknown"},
      {"site missing", R"({"nodes":[]})", "site", "field.required"},
      {"site not a string", R"({"site":1,"nodes":[]})", "site", "relay.type"},
      {"bad site", R"({"site":"Lon\n","nodes":[]})", "site", "node.invalid"},
      {"nodes missing", R"({"site":"lon"})", "nodes", "field.required"},
      {"nodes not a list", R"({"site":"lon","nodes":{}})", "nodes", "relay.type"},
      {"node not an object", R"({"site":"lon","nodes":["web1"]})", "nodes[0]", "relay.type"},
      {"bad node", R"({"site":"lon","nodes":[{"node":"web 1","password_hash":")" + h + "\"}]}",
       "nodes[0].node", "node.invalid"},
      {"node missing", R"({"site":"lon","nodes":[{"password_hash":")" + h + "\"}]}",
       "nodes[0].node", "field.required"},
      {"hash missing", R"({"site":"lon","nodes":[{"node":"web1"}]})", "nodes[0].password_hash",
       "field.required"},
      {"plain password", R"({"site":"lon","nodes":[{"node":"web1","password_hash":"secret"}]})",
       "nodes[0].password_hash", "relay.hash"},
      {"hash with a quote",
       R"({"site":"lon","nodes":[{"node":"web1","password_hash":")" + h.substr(0, 59) + R"(\""}]})",
       "nodes[0].password_hash", "relay.hash"},
      {"hash with a newline",
       R"({"site":"lon","nodes":[{"node":"web1","password_hash":")" + h + R"(\n"}]})",
       "nodes[0].password_hash", "relay.hash"},
      {"unknown key in a node",
       R"({"site":"lon","nodes":[{"node":"web1","password_hash":")" + h + R"(","password":"x"}]})",
       "nodes[0].password", "field.unknown"},
      {"node twice",
       R"({"site":"lon","nodes":[{"node":"web1","password_hash":")" + h +
           R"("},{"node":"web1","password_hash":")" + h + "\"}]}",
       "nodes[1].node", "relay.duplicate"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto users = ParseSiteUsers(c.text);
    ASSERT_FALSE(users);
    EXPECT_EQ(users.error().code, ErrorCode::kInvalid);
    ASSERT_TRUE(users.error().fields.count(c.field)) << users.error().message;
    EXPECT_EQ(users.error().fields.at(c.field), c.code);
  }
}

}  // namespace
}  // namespace hostplane::relay
