#include "cmd/agent_config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace hostplane::cmd {
namespace {

constexpr const char* kKey = "ed25519:l68A8uvpP0S/olNVf4JKZrHG5fqfgfub/SsS4FaKTZk=";

std::string Minimal(const std::string& extra = "") {
  return std::string("node = \"web1\"\ncontroller_key = \"") + kKey +
         "\"\n[nats]\nservers = [\"nats://127.0.0.1:4222\"]\n" + extra;
}

TEST(AgentConfig, MinimalConfigGetsTheProductionLayout) {
  auto c = ParseAgentConfig(Minimal(), "agent.toml", false);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->node, "web1");
  ASSERT_TRUE(c->controller_key.has_value());
  EXPECT_EQ(c->controller_key->ToString(), kKey);
  EXPECT_EQ(c->resync, std::chrono::seconds(30));
  EXPECT_EQ(c->nats.servers, std::vector<std::string>{"nats://127.0.0.1:4222"});
  EXPECT_EQ(c->nats.name, "hostplane-agent-web1");
  EXPECT_EQ(c->nats.inbox_prefix, "_INBOX.web1");
  EXPECT_EQ(c->root, "/");
  agent::HostLayout defaults;
  EXPECT_EQ(c->layout.home_root, defaults.home_root);
  EXPECT_EQ(c->layout.state_dir, defaults.state_dir);
  EXPECT_EQ(c->layout.nginx.sites_dir, defaults.nginx.sites_dir);
  EXPECT_EQ(c->layout.nginx.http_port, 80);
  EXPECT_EQ(c->test_write_delay.count(), 0);
}

TEST(AgentConfig, EveryKeyIsRead) {
  std::string text = Minimal(R"(name = "edge"
user = "web1"
password_file = "/etc/hostplane/pw"
reconnect_wait_ms = 250
reconnect_buffer_bytes = 1024
[host]
root = "/tmp/prefix"
home_root = "home"
state_dir = "agent"
[nginx]
binary = "/usr/sbin/nginx"
conf = "nginx/nginx.conf"
prefix = "nginx"
sites_dir = "nginx/sites"
pid_file = "nginx/nginx.pid"
log_dir = "nginx/logs"
marker_file = "nginx/sites/_hostplane-gen.conf"
listen_address = "::1"
http_port = 18080
user = "www-data"
error_log_per_site = false
[test]
write_delay_ms = 40
break_domains = ["Bad.Example.COM"]
)");
  auto c = ParseAgentConfig(text, "agent.toml", true);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->nats.name, "edge");
  EXPECT_EQ(c->nats.user, "web1");
  EXPECT_EQ(c->nats_password_file, "/etc/hostplane/pw");
  EXPECT_EQ(c->nats.reconnect_wait.count(), 250);
  EXPECT_EQ(c->nats.reconnect_buffer_bytes, 1024);
  EXPECT_EQ(c->root, "/tmp/prefix");
  EXPECT_EQ(c->layout.home_root, "home");
  EXPECT_EQ(c->layout.state_dir, "agent");
  const auto& n = c->layout.nginx;
  EXPECT_EQ(n.conf, "nginx/nginx.conf");
  EXPECT_EQ(n.prefix, "nginx");
  EXPECT_EQ(n.sites_dir, "nginx/sites");
  EXPECT_EQ(n.pid_file, "nginx/nginx.pid");
  EXPECT_EQ(n.log_dir, "nginx/logs");
  EXPECT_EQ(n.marker_file, "nginx/sites/_hostplane-gen.conf");
  EXPECT_EQ(n.listen_address, "::1");
  EXPECT_EQ(n.http_port, 18080);
  EXPECT_EQ(n.nginx_user, "www-data");
  EXPECT_FALSE(n.error_log_per_site);
  EXPECT_EQ(c->test_write_delay.count(), 40);
  EXPECT_EQ(c->test_break_domains, std::vector<std::string>{"bad.example.com"});
}

TEST(AgentConfig, EachBadKeyIsNamedWithItsCode) {
  struct Case {
    std::string text;
    std::string field;
    std::string code;
  };
  std::string key = std::string("controller_key = \"") + kKey + "\"\n";
  std::string nats = "[nats]\nservers = [\"nats://127.0.0.1:4222\"]\n";
  const Case cases[] = {
      {key + nats, "node", "config.required"},
      {"node = \"Web_1\"\n" + key + nats, "node", "node.invalid"},
      {"node = 7\n" + key + nats, "node", "config.type"},
      {"node = \"web1\"\n" + nats, "controller_key", "config.required"},
      {"node = \"web1\"\ncontroller_key = \"ssh-rsa AAAA\"\n" + nats, "controller_key",
       "config.invalid_key"},
      {"node = \"web1\"\n" + key, "nats", "config.required"},
      {"node = \"web1\"\n" + key + "[nats]\nservers = []\n", "nats.servers", "config.required"},
      {"node = \"web1\"\n" + key + "[nats]\nservers = [\"http://x:80\"]\n", "nats.servers",
       "config.invalid_url"},
      {"node = \"web1\"\n" + key + "[nats]\nservers = \"nats://x:4222\"\n", "nats.servers",
       "config.type"},
      {Minimal("token_file = \"/t\"\ncreds_file = \"/c\"\n"), "nats.user", "config.conflict"},
      {Minimal("password_file = \"/p\"\n"), "nats.password_file", "config.required"},
      {Minimal("tls_cert_file = \"/c.pem\"\n"), "nats.tls_key_file", "config.required"},
      {Minimal("reconnect_wait_ms = 0\n"), "nats.reconnect_wait_ms", "config.out_of_range"},
      {Minimal("serverz = []\n"), "nats.serverz", "config.unknown_key"},
      // Derived from node, never set: another prefix would get no replies through the relay.
      {Minimal("inbox_prefix = \"_INBOX.web2\"\n"), "nats.inbox_prefix", "config.unknown_key"},
      {Minimal("[host]\nroot = \"relative\"\n"), "host.root", "path.absolute_required"},
      {Minimal("[host]\nroot = \"/srv/../etc\"\n"), "host.root", "path.absolute_required"},
      {Minimal("[host]\nstate_dir = \"/var/lib/x\"\n"), "host.state_dir", "path.absolute"},
      {Minimal("[host]\nhome_root = \"../home\"\n"), "host.home_root", "path.dot_dot"},
      {Minimal("[nginx]\nsites_dir = \"\"\n"), "nginx.sites_dir", "path.empty"},
      {Minimal("[nginx]\nbinary = \"nginx\"\n"), "nginx.binary", "path.absolute_required"},
      {Minimal("[nginx]\nhttp_port = 0\n"), "nginx.http_port", "config.out_of_range"},
      {Minimal("[nginx]\nhttp_port = 70000\n"), "nginx.http_port", "config.out_of_range"},
      {Minimal("[nginx]\nhttp_port = \"80\"\n"), "nginx.http_port", "config.type"},
      {Minimal("[nginx]\nlisten_address = \"localhost\"\n"), "nginx.listen_address",
       "config.invalid_address"},
      {Minimal("[nginx]\nuser = \"www data\"\n"), "nginx.user", "config.invalid_user"},
      {Minimal("[nginx]\nerror_log_per_site = 1\n"), "nginx.error_log_per_site", "config.type"},
      {Minimal("[nginx]\nlisten_port = 80\n"), "nginx.listen_port", "config.unknown_key"},
      {Minimal("[test]\nwrite_delay_ms = 40\n"), "test", "config.test_hooks_disabled"},
      {Minimal() + "resync_seconds = 0\n", "nats.resync_seconds", "config.unknown_key"},
      {"resync_seconds = 0\nnode = \"web1\"\n" + key + nats, "resync_seconds",
       "config.out_of_range"},
      {"nodes = \"web1\"\nnode = \"web1\"\n" + key + nats, "nodes", "config.unknown_key"},
      {"nats = 1\nnode = \"web1\"\n" + key, "nats", "config.type"},
      {"node = \"web1\n", "config", "config.syntax"},
  };
  for (const auto& c : cases) {
    auto parsed = ParseAgentConfig(c.text, "agent.toml", false);
    ASSERT_FALSE(parsed) << c.text;
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalid);
    auto it = parsed.error().fields.find(c.field);
    ASSERT_NE(it, parsed.error().fields.end()) << "expected a problem with " << c.field << " in:\n"
                                               << c.text << "\ngot: " << parsed.error().message;
    EXPECT_EQ(it->second, c.code) << c.text;
    EXPECT_EQ(parsed.error().message.rfind("agent.toml:", 0), 0u) << parsed.error().message;
  }
}

TEST(AgentConfig, BreakDomainsAreValidatedWhenTestHooksAreOn) {
  auto c =
      ParseAgentConfig(Minimal("[test]\nbreak_domains = [\"not a domain\"]\n"), "a.toml", true);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().fields.count("test.break_domains"), 1u) << c.error().message;
}

TEST(AgentConfig, TheDocumentedExampleIsValid) {
  std::filesystem::path example =
      std::filesystem::path(__FILE__).parent_path() / "../../docs/agent.toml.example";
  auto c = LoadAgentConfig(example.string(), false);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->node, "web1");
  EXPECT_EQ(c->layout.nginx.nginx_user, "www-data");
}

TEST(AgentConfig, SecretsComeFromTheirFiles) {
  char dir_template[] = "/tmp/hpcfg.XXXXXX";
  ASSERT_NE(::mkdtemp(dir_template), nullptr);
  std::string dir = dir_template;
  std::ofstream(dir + "/pw") << "s3cret-password\n";
  std::ofstream(dir + "/agent.toml")
      << Minimal("user = \"web1\"\npassword_file = \"" + dir + "/pw\"\n");
  auto c = LoadAgentConfig(dir + "/agent.toml", false);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->nats.password, "s3cret-password");

  std::ofstream(dir + "/agent.toml", std::ios::trunc)
      << Minimal("token_file = \"" + dir + "/missing\"\n");
  auto missing = LoadAgentConfig(dir + "/agent.toml", false);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kIo) << missing.error().message;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace hostplane::cmd
