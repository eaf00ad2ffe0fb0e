#include "relay/relay_config.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>

namespace hostplane::relay {
namespace {

const std::string kPw(48, 'a');

ServerConfig Site() {
  ServerConfig c;
  c.server_name = "lon";
  c.client = {"127.0.0.1", 4222};
  c.remote = Remote{"nats-leaf://hub.example:7422", "lon", kPw, ""};
  c.nodes = {{"web1", kPw}, {"web2", kPw}};
  return c;
}

ServerConfig Hub() {
  ServerConfig c;
  c.server_name = "hub";
  c.client = {"0.0.0.0", 4222};
  c.leaf_listen = Listen{"0.0.0.0", 7422};
  c.leaves = {{"lon", kPw}};
  c.controller_password = kPw;
  return c;
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
      {"short password", [](ServerConfig& c) { c.nodes[0].password = "abc"; }, "nodes[0].password",
       "relay.password"},
      {"password that is not hex", [](ServerConfig& c) { c.nodes[0].password = kPw + "@x"; },
       "nodes[0].password", "relay.password"},
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
      {"leaves without listener",
       [](ServerConfig& c) {
         c.leaves = {{"par", kPw}};
       },
       "leaves", "relay.empty"},
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
                       "\"hp.ctl.hello.web1\"] }"),
            std::string::npos);
  EXPECT_NE(text->find("publish: { allow: [\"hp.ctl.tasks.web2\", \"hp.ctl.report.web2\", "
                       "\"hp.ctl.hello.web2\"] }"),
            std::string::npos);
  // No node may publish a request in every node's name.
  EXPECT_EQ(text->find("\"hp.ctl.tasks\""), std::string::npos);
  EXPECT_EQ(text->find("hp.ctl.report.*"), std::string::npos);
  // No node may publish a key, and no user is without permissions.
  EXPECT_EQ(text->find("publish: { allow: [\"hp.node"), std::string::npos);
  EXPECT_EQ(text->find("allow_responses"), std::string::npos);
  EXPECT_NE(text->find("url: \"nats-leaf://lon:" + kPw + "@hub.example:7422\""), std::string::npos);
}

TEST(RenderNatsConfigTest, HubHasTheControllerAndOneLeafLoginPerSite) {
  auto text = RenderNatsConfig(Hub());
  ASSERT_TRUE(text) << text.error().message;
  EXPECT_NE(text->find("user: \"_controller\""), std::string::npos);
  EXPECT_NE(text->find("publish: { allow: [\"hp.node.*.key\"] }"), std::string::npos);
  EXPECT_NE(text->find("subscribe: { allow: [\"hp.ctl.>\", \"_INBOX.>\"] }"), std::string::npos);
  EXPECT_NE(text->find("allow_responses: true"), std::string::npos);
  EXPECT_NE(text->find("{ user: \"lon\", password: \"" + kPw + "\" }"), std::string::npos);
  EXPECT_EQ(text->find("remotes"), std::string::npos);
}

TEST(RenderNatsConfigTest, PathsAreQuotedAndEscaped) {
  ServerConfig c = Hub();
  c.tls = {"/etc/nats/a \"b\"\\c.pem", "/etc/nats/$KEY.pem", ""};
  auto text = RenderNatsConfig(c);
  ASSERT_TRUE(text) << text.error().message;
  EXPECT_NE(text->find("cert_file: \"/etc/nats/a \\\"b\\\"\\\\c.pem\""), std::string::npos);
  EXPECT_NE(text->find("key_file: \"/etc/nats/$KEY.pem\""), std::string::npos);
}

TEST(RemoteUrlWithCredentialsTest, InsertsTheSiteLogin) {
  EXPECT_EQ(RemoteUrlWithCredentials({"tls://10.0.0.1:7422", "fra", "00ff", ""}),
            "tls://fra:00ff@10.0.0.1:7422");
}

}  // namespace
}  // namespace hostplane::relay
