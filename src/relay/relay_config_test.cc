#include "relay/relay_config.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>

namespace hostplane::relay {
namespace {

const std::string kPw(48, 'a');
const std::string kHash = "$2b$11$Izpcr6Dg3esIOVtfWnJzEOGo5aZLD/dEGttbJB58ZgmzxJBYdhdI2";

ServerConfig Site() {
  ServerConfig c;
  c.server_name = "lon";
  c.client = {"127.0.0.1", 4222};
  c.remote = Remote{"nats-leaf://hub.example:7422", "lon", kPw, "", "", ""};
  c.nodes = {{"web1", kHash}, {"web2", kHash}};
  return c;
}

ServerConfig Hub() {
  ServerConfig c;
  c.server_name = "hub";
  c.client = {"0.0.0.0", 4222};
  c.leaf_listen = Listen{"0.0.0.0", 7422};
  c.leaves = {{"lon", kHash, {"web1", "web2"}}, {"ams", kHash, {"db1", "web3"}}};
  c.controller_password_hash = kHash;
  return c;
}

// The text between the first line equal to `open` and the next line equal to `close`.
std::string Block(const std::string& text, const std::string& open, const std::string& close) {
  auto start = text.find("\n" + open + "\n");
  if (start == std::string::npos) return "";
  auto end = text.find("\n" + close + "\n", start + open.size() + 1);
  return text.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

TEST(RenderNatsConfigTest, RefusesBadInputNamingTheField) {
  struct Case {
    const char* name;
    std::function<void(ServerConfig&)> change;
    std::string field;
    std::string code;
  };
  const Case cases[] = {
      {"bad node name", [](ServerConfig& c) { c.nodes[1].node = "Web\"2"; }, "nodes[1].node",
       "node.invalid"},
      {"duplicate node", [](ServerConfig& c) { c.nodes[1].node = "web1"; }, "nodes[1].node",
       "relay.duplicate"},
      {"bad server name", [](ServerConfig& c) { c.server_name = "a b"; }, "server_name",
       "node.invalid"},
      {"bad site in remote", [](ServerConfig& c) { c.remote->site = "../x"; }, "remote.site",
       "node.invalid"},
      {"url with credentials", [](ServerConfig& c) { c.remote->url = "nats-leaf://u:p@h:1"; },
       "remote.url", "relay.url"},
      {"url of another scheme", [](ServerConfig& c) { c.remote->url = "http://h:1"; }, "remote.url",
       "relay.url"},
      {"port 0", [](ServerConfig& c) { c.client.port = 0; }, "client.port", "relay.port"},
      {"port too big", [](ServerConfig& c) { c.client.port = 65536; }, "client.port", "relay.port"},
      {"host with a quote", [](ServerConfig& c) { c.client.host = "a\"b"; }, "client.host",
       "relay.host"},
      {"short leaf password", [](ServerConfig& c) { c.remote->password = "abc"; },
       "remote.password", "relay.password"},
      {"leaf password that is not hex", [](ServerConfig& c) { c.remote->password = kPw + "@x"; },
       "remote.password", "relay.password"},
      {"plain password as a hash", [](ServerConfig& c) { c.nodes[0].password_hash = kPw; },
       "nodes[0].password_hash", "relay.hash"},
      {"hash with a quote",
       [](ServerConfig& c) { c.nodes[0].password_hash = kHash.substr(0, 59) + "\""; },
       "nodes[0].password_hash", "relay.hash"},
      {"yescrypt hash", [](ServerConfig& c) { c.nodes[0].password_hash = "$y$j9T$abc$def"; },
       "nodes[0].password_hash", "relay.hash"},
      {"relative TLS path",
       [](ServerConfig& c) {
         c.tls = {"cert.pem", "/k", ""};
       },
       "tls.cert_file", "relay.path"},
      {"TLS path with a newline",
       [](ServerConfig& c) {
         c.tls = {"/c\n", "/k", ""};
       },
       "tls.cert_file", "relay.path"},
      {"TLS key missing",
       [](ServerConfig& c) {
         c.tls = {"/c", "", ""};
       },
       "tls", "relay.tls"},
      {"remote certificate without its key",
       [](ServerConfig& c) { c.remote->tls_cert_file = "/etc/nats/leaf.pem"; }, "remote.tls",
       "relay.tls"},
      {"relative remote key",
       [](ServerConfig& c) {
         c.remote->tls_cert_file = "/c";
         c.remote->tls_key_file = "k";
       },
       "remote.tls_key_file", "relay.path"},
      {"leaves without listener",
       [](ServerConfig& c) {
         c.leaves = {{"par", kHash, {"web9"}}};
       },
       "leaves", "relay.empty"},
      {"leaf without nodes",
       [](ServerConfig& c) {
         c.leaf_listen = Listen{"127.0.0.1", 7422};
         c.leaves = {{"par", kHash, {}}};
       },
       "leaves[0].nodes", "relay.empty"},
      {"leaf with a bad node",
       [](ServerConfig& c) {
         c.leaf_listen = Listen{"127.0.0.1", 7422};
         c.leaves = {{"par", kHash, {"web9", "a.b"}}};
       },
       "leaves[0].nodes[1]", "node.invalid"},
      {"a local node also behind a leaf",
       [](ServerConfig& c) {
         c.leaf_listen = Listen{"127.0.0.1", 7422};
         c.leaves = {{"par", kHash, {"web2"}}};
       },
       "leaves[0].nodes[0]", "relay.duplicate"},
      {"a node behind two leaves",
       [](ServerConfig& c) {
         c.leaf_listen = Listen{"127.0.0.1", 7422};
         c.leaves = {{"par", kHash, {"web9"}}, {"fra", kHash, {"web9"}}};
       },
       "leaves[1].nodes[0]", "relay.duplicate"},
      {"a site named like a node",
       [](ServerConfig& c) {
         c.leaf_listen = Listen{"127.0.0.1", 7422};
         c.leaves = {{"web1", kHash, {"web9"}}};
       },
       "leaves[0].site", "relay.duplicate"},
      {"bad leaf hash",
       [](ServerConfig& c) {
         c.leaf_listen = Listen{"127.0.0.1", 7422};
         c.leaves = {{"par", kPw, {"web9"}}};
       },
       "leaves[0].password_hash", "relay.hash"},
      {"no users at all", [](ServerConfig& c) { c.nodes.clear(); }, "nodes", "relay.empty"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    ServerConfig config = Site();
    c.change(config);
    auto text = RenderNatsConfig(config);
    ASSERT_FALSE(text);
    EXPECT_EQ(text.error().code, ErrorCode::kInvalid);
    ASSERT_TRUE(text.error().fields.count(c.field)) << text.error().message;
    EXPECT_EQ(text.error().fields.at(c.field), c.code);
  }
}

TEST(RenderNatsConfigTest, EachNodeMayOnlyReadItsOwnKeyAndReplies) {
  auto text = RenderNatsConfig(Site());
  ASSERT_TRUE(text) << text.error().message;
  EXPECT_NE(text->find("user: \"web1\"\n"), std::string::npos);
  // Its own key, and the replies to its own requests only (made with NodeInboxPrefix).
  EXPECT_NE(text->find("subscribe: { allow: [\"hp.node.web1.key\", \"_INBOX.web1.>\"] }"),
            std::string::npos);
  EXPECT_NE(text->find("subscribe: { allow: [\"hp.node.web2.key\", \"_INBOX.web2.>\"] }"),
            std::string::npos);
  EXPECT_EQ(NodeInboxPrefix("web1"), "_INBOX.web1");
  // No node may read every reply.
  EXPECT_EQ(text->find("\"_INBOX.>\""), std::string::npos);
  EXPECT_NE(text->find("publish: { allow: [\"hp.ctl.tasks.web1\", \"hp.ctl.report.web1\", "
                       "\"hp.ctl.hello.web1\", \"hp.ctl.content.web1\"] }"),
            std::string::npos);
  EXPECT_NE(text->find("publish: { allow: [\"hp.ctl.tasks.web2\", \"hp.ctl.report.web2\", "
                       "\"hp.ctl.hello.web2\", \"hp.ctl.content.web2\"] }"),
            std::string::npos);
  // No node may publish a request in every node's name.
  EXPECT_EQ(text->find("\"hp.ctl.tasks\""), std::string::npos);
  EXPECT_EQ(text->find("hp.ctl.report.*"), std::string::npos);
  // No node may publish a key, and no user is without permissions.
  EXPECT_EQ(text->find("publish: { allow: [\"hp.node"), std::string::npos);
  EXPECT_EQ(text->find("allow_responses"), std::string::npos);
  EXPECT_NE(text->find("url: \"nats-leaf://lon:" + kPw + "@hub.example:7422\""), std::string::npos);
  // The link to the parent carries the leaf password; every user has only a hash.
  EXPECT_EQ(text->find(kPw, text->find("accounts {")), text->find(kPw));
  EXPECT_NE(text->find("password: \"" + kHash + "\""), std::string::npos);
  EXPECT_NE(text->find("allowed_connection_types: [\"STANDARD\"]"), std::string::npos);
  EXPECT_NE(text->find("account: \"hp\""), std::string::npos);
}

TEST(RenderNatsConfigTest, HubHasTheControllerAndOneLeafLoginPerSite) {
  auto text = RenderNatsConfig(Hub());
  ASSERT_TRUE(text) << text.error().message;
  EXPECT_NE(text->find("user: \"_controller\""), std::string::npos);
  EXPECT_NE(text->find("password: \"" + kHash + "\""), std::string::npos);
  EXPECT_NE(text->find("publish: { allow: [\"hp.node.*.key\"] }"), std::string::npos);
  EXPECT_NE(text->find("subscribe: { allow: [\"hp.ctl.>\", \"_INBOX.>\"] }"), std::string::npos);
  EXPECT_NE(text->find("allow_responses: true"), std::string::npos);
  EXPECT_EQ(text->find("remotes"), std::string::npos);
  // Leaf logins are not in the leafnodes block (where nats-server 2.9 takes no permissions).
  EXPECT_EQ(text->find("authorization"), std::string::npos);
}

// Each site's leaf login is alone in its account, and exactly its nodes' subjects cross.
TEST(RenderNatsConfigTest, EachSiteTradesOnlyItsNodesSubjects) {
  auto text = RenderNatsConfig(Hub());
  ASSERT_TRUE(text) << text.error().message;
  std::string lon = Block(*text, "  \"site-lon\": {", "  }");
  ASSERT_FALSE(lon.empty()) << *text;
  EXPECT_NE(lon.find("user: \"lon\""), std::string::npos);
  EXPECT_NE(lon.find("allowed_connection_types: [\"LEAFNODE\"]"), std::string::npos);
  EXPECT_EQ(lon.find("permissions"), std::string::npos);
  for (const char* s :
       {"hp.ctl.tasks.web1", "hp.ctl.report.web1", "hp.ctl.hello.web1", "hp.ctl.content.web1",
        "hp.ctl.tasks.web2", "hp.ctl.report.web2", "hp.ctl.hello.web2", "hp.ctl.content.web2"}) {
    EXPECT_NE(lon.find("{ stream: \"" + std::string(s) + "\", accounts: [\"hp\"] }"),
              std::string::npos)
        << s;
  }
  for (const char* s : {"hp.node.web1.key", "_INBOX.web1.>", "hp.node.web2.key", "_INBOX.web2.>"}) {
    EXPECT_NE(lon.find("{ stream: { account: \"hp\", subject: \"" + std::string(s) + "\" } }"),
              std::string::npos)
        << s;
  }
  // Nothing of ams's nodes, no wildcard beyond a node's own inbox.
  EXPECT_EQ(lon.find("db1"), std::string::npos);
  EXPECT_EQ(lon.find("web3"), std::string::npos);
  EXPECT_EQ(lon.find("\"hp.ctl.>\""), std::string::npos);
  EXPECT_EQ(lon.find("\"_INBOX.>\""), std::string::npos);
  EXPECT_EQ(lon.find("*"), std::string::npos);

  std::string own = Block(*text, "  \"hp\": {", "  }");
  ASSERT_FALSE(own.empty()) << *text;
  EXPECT_NE(own.find("{ stream: \"hp.node.db1.key\", accounts: [\"site-ams\"] }"),
            std::string::npos);
  EXPECT_NE(own.find("{ stream: \"_INBOX.web3.>\", accounts: [\"site-ams\"] }"), std::string::npos);
  EXPECT_NE(own.find("{ stream: { account: \"site-lon\", subject: \"hp.ctl.tasks.web2\" } }"),
            std::string::npos);
  EXPECT_EQ(own.find("{ stream: \"hp.node.db1.key\", accounts: [\"site-lon\"] }"),
            std::string::npos);
  EXPECT_EQ(SiteAccount("lon"), "site-lon");
}

TEST(RenderNatsConfigTest, PathsAreQuotedAndEscaped) {
  ServerConfig c = Hub();
  c.tls = {"/etc/nats/a \"b\"\\c.pem", "/etc/nats/$KEY.pem", ""};
  auto text = RenderNatsConfig(c);
  ASSERT_TRUE(text) << text.error().message;
  EXPECT_NE(text->find("cert_file: \"/etc/nats/a \\\"b\\\"\\\\c.pem\""), std::string::npos);
  EXPECT_NE(text->find("key_file: \"/etc/nats/$KEY.pem\""), std::string::npos);
}

TEST(RenderNatsConfigTest, TheLinkToTheParentCanCarryAClientCertificate) {
  ServerConfig c = Site();
  c.remote->url = "tls://hub.example:7422";
  c.remote->tls_ca_file = "/etc/nats/ca.pem";
  c.remote->tls_cert_file = "/etc/nats/lon.pem";
  c.remote->tls_key_file = "/etc/nats/lon.key";
  auto text = RenderNatsConfig(c);
  ASSERT_TRUE(text) << text.error().message;
  EXPECT_NE(text->find("      tls: {\n        ca_file: \"/etc/nats/ca.pem\"\n        cert_file: "
                       "\"/etc/nats/lon.pem\"\n        key_file: \"/etc/nats/lon.key\"\n      }\n"),
            std::string::npos)
      << *text;
}

TEST(RemoteUrlWithCredentialsTest, InsertsTheSiteLogin) {
  EXPECT_EQ(RemoteUrlWithCredentials({"tls://10.0.0.1:7422", "fra", "00ff", "", "", ""}),
            "tls://fra:00ff@10.0.0.1:7422");
}

}  // namespace
}  // namespace hostplane::relay
