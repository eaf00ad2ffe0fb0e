#include "cmd/agent_config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "common/testing/source_path.h"

namespace hostplane::cmd {
namespace {

constexpr const char* kKey = "ed25519:l68A8uvpP0S/olNVf4JKZrHG5fqfgfub/SsS4FaKTZk=";

std::string Minimal(const std::string& extra = "") {
  return std::string("node = \"web1\"\ncontroller_key = \"") + kKey +
         "\"\n[nats]\nservers = [\"nats://127.0.0.1:4222\"]\n" + extra;
}

// Every field of an AgentConfig as "name=value", listed by hand (not through the parser's field
// lists), so a field the renderer or the parser forgets shows up as a difference.
std::vector<std::string> Flatten(const AgentConfig& c) {
  std::vector<std::string> out;
  auto add = [&out](const std::string& name, const auto& value) {
    std::ostringstream s;
    s << name << "=" << value;
    out.push_back(s.str());
  };
  auto list = [](const std::vector<std::string>& v) {
    std::string joined;
    for (const auto& s : v) joined += s + ",";
    return joined;
  };
  add("node", c.node);
  add("controller_key", c.controller_key ? c.controller_key->ToString() : "-");
  add("resync", c.resync.count());
  add("nats.servers", list(c.nats.servers));
  add("nats.name", c.nats.name);
  add("nats.user", c.nats.user);
  add("nats.password_file", c.nats_password_file);
  add("nats.token_file", c.nats_token_file);
  add("nats.creds_file", c.nats.creds_file);
  add("nats.tls_ca_file", c.nats.tls_ca_file);
  add("nats.tls_cert_file", c.nats.tls_cert_file);
  add("nats.tls_key_file", c.nats.tls_key_file);
  add("nats.reconnect_wait", c.nats.reconnect_wait.count());
  add("nats.reconnect_buffer_bytes", c.nats.reconnect_buffer_bytes);
  add("nats.inbox_prefix", c.nats.inbox_prefix);
  add("root", c.root);
  const agent::HostLayout& l = c.layout;
  add("home_root", l.home_root);
  add("state_dir", l.state_dir);
  const auto& n = l.nginx;
  for (const auto& [k, v] :
       std::vector<std::pair<std::string, std::string>>{{"binary", n.binary},
                                                        {"conf", n.conf},
                                                        {"prefix", n.prefix},
                                                        {"sites_dir", n.sites_dir},
                                                        {"pid_file", n.pid_file},
                                                        {"log_dir", n.log_dir},
                                                        {"listen_address", n.listen_address},
                                                        {"marker_file", n.marker_file},
                                                        {"nginx_user", n.nginx_user},
                                                        {"php_socket_dir", n.php_socket_dir},
                                                        {"certs_dir", n.certs_dir},
                                                        {"acme_webroot", n.acme_webroot},
                                                        {"pages_dir", n.pages_dir}}) {
    add("nginx." + k, v);
  }
  add("nginx.http_port", n.http_port);
  add("nginx.https_port", n.https_port);
  add("nginx.error_log_per_site", n.error_log_per_site);
  add("account", l.account.has_value());
  if (const auto& a = l.account) {
    for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{
             {"user_prefix", a->user_prefix},
             {"home_root", a->home_root},
             {"php_socket_dir", a->php_socket_dir},
             {"nginx_user", a->nginx_user},
             {"placeholder_user", a->placeholder_user},
             {"placeholder_group", a->placeholder_group},
             {"useradd", a->useradd},
             {"groupadd", a->groupadd},
             {"userdel", a->userdel},
             {"groupdel", a->groupdel},
             {"shell", a->shell}}) {
      add("account." + k, v);
    }
    add("account.reload_timeout", a->reload_timeout.count());
    add("account.poll_interval", a->poll_interval.count());
    for (const auto& [version, p] : a->php) {
      add("account.php." + version,
          p.binary + "|" + p.conf + "|" + p.pool_dir + "|" + p.pid_file + "|" + p.error_log);
    }
  }
  add("mail", l.mail.has_value());
  if (const auto& m = l.mail) {
    for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{
             {"postfix_binary", m->postfix_binary},
             {"postmap_binary", m->postmap_binary},
             {"postfix_config_dir", m->postfix_config_dir},
             {"postfix_queue_dir", m->postfix_queue_dir},
             {"postfix_data_dir", m->postfix_data_dir},
             {"postfix_log", m->postfix_log},
             {"postfix_user", m->postfix_user},
             {"map_dir", m->map_dir},
             {"dovecot_binary", m->dovecot_binary},
             {"doveconf_binary", m->doveconf_binary},
             {"dovecot_conf", m->dovecot_conf},
             {"dovecot_base_dir", m->dovecot_base_dir},
             {"dovecot_state_dir", m->dovecot_state_dir},
             {"dovecot_log", m->dovecot_log},
             {"dovecot_users_dir", m->dovecot_users_dir},
             {"dovecot_instance_name", m->dovecot_instance_name},
             {"vmail_root", m->vmail_root},
             {"listen_address", m->listen_address},
             {"hostname", m->hostname}}) {
      add("mail." + k, v);
    }
    add("mail.vmail_uid", m->vmail_uid);
    add("mail.vmail_gid", m->vmail_gid);
    add("mail.smtp_port", m->smtp_port);
    add("mail.imap_port", m->imap_port);
  }
  add("ftp", l.ftp.has_value());
  if (const auto& f = l.ftp) {
    for (const auto& [k, v] :
         std::vector<std::pair<std::string, std::string>>{{"pure_ftpd", f->pure_ftpd},
                                                          {"pure_pw", f->pure_pw},
                                                          {"home_root", f->home_root},
                                                          {"users_dir", f->users_dir},
                                                          {"passwd_file", f->passwd_file},
                                                          {"pdb_file", f->pdb_file},
                                                          {"pid_file", f->pid_file},
                                                          {"log_dir", f->log_dir},
                                                          {"listen_address", f->listen_address}}) {
      add("ftp." + k, v);
    }
    add("ftp.port", f->port);
    add("ftp.passive_port_min", f->passive_port_min);
    add("ftp.passive_port_max", f->passive_port_max);
  }
  add("dns", l.dns.has_value());
  if (const auto& d = l.dns) {
    for (const auto& [k, v] :
         std::vector<std::pair<std::string, std::string>>{{"knotd", d->knotd},
                                                          {"knotc", d->knotc},
                                                          {"kzonecheck", d->kzonecheck},
                                                          {"kdig", d->kdig},
                                                          {"conf", d->conf},
                                                          {"zone_dir", d->zone_dir},
                                                          {"zone_conf_dir", d->zone_conf_dir},
                                                          {"run_dir", d->run_dir},
                                                          {"control_socket", d->control_socket},
                                                          {"storage", d->storage},
                                                          {"log_file", d->log_file},
                                                          {"os_user", d->os_user},
                                                          {"listen_address", d->listen_address}}) {
      add("dns." + k, v);
    }
    add("dns.port", d->port);
  }
  add("mariadb", l.mariadb.has_value());
  if (const auto& m = l.mariadb) {
    for (const auto& [k, v] : std::vector<std::pair<std::string, std::string>>{
             {"socket", m->socket},
             {"user_hosts", list(m->user_hosts)},
             {"server_binary", m->server_binary},
             {"install_db_binary", m->install_db_binary},
             {"datadir", m->datadir},
             {"run_dir", m->run_dir},
             {"pid_file", m->pid_file},
             {"log_dir", m->log_dir},
             {"bind_address", m->bind_address},
             {"os_user", m->os_user},
             {"innodb_buffer_pool_size", m->innodb_buffer_pool_size}}) {
      add("mariadb." + k, v);
    }
    add("mariadb.port", m->port);
  }
  add("acme", l.acme.has_value());
  if (const auto& a = l.acme) {
    add("acme.lego_binary", a->lego_binary);
    add("acme.state_dir", a->state_dir);
    add("acme.certs_dir", a->certs_dir);
    add("acme.acme_webroot", a->acme_webroot);
    add("acme.ca_bundle", a->ca_bundle);
    add("acme.lego_timeout", a->lego_timeout.count());
  }
  add("test.write_delay", c.test_write_delay.count());
  add("test.break_domains", list(c.test_break_domains));
  return out;
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
      {"node = \"Web_1\"\n" + key + nats, "node", "node.invalid"},
      {"node = 7\n" + key + nats, "node", "config.type"},
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
  std::filesystem::path example = hostplane::testing::SourceTree() / "docs/agent.toml.example";
  auto c = LoadAgentConfig(example.string(), false);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->node, "web1");
  EXPECT_EQ(c->layout.nginx.nginx_user, "www-data");
  // Every service table is there, each key at the default the parser gives an empty table.
  auto defaults = ParseAgentConfig(Minimal("[nginx]\nuser = \"www-data\"\n[account]\n"
                                           "[mail]\nvmail_uid = 5000\nvmail_gid = 5000\n"
                                           "[ftp]\n[dns]\n[mariadb]\n[acme]\n"),
                                   "defaults.toml", false);
  ASSERT_TRUE(defaults) << defaults.error().message;
  EXPECT_EQ(Flatten(*c), Flatten(*defaults));
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

// A config with every section, every field away from its default.
AgentConfig EverythingChanged() {
  AgentConfig c;
  c.node = "mx2";
  c.controller_key = *PublicKey::Parse(kKey);
  c.resync = std::chrono::seconds(7);
  c.nats.servers = {"nats://10.0.0.1:4222", "tls://nats.example:4443"};
  c.nats.name = "edge-mx2";
  c.nats.user = "mx2";
  c.nats_password_file = "/etc/hostplane/pw";
  c.nats.tls_ca_file = "/etc/hostplane/ca.pem";
  c.nats.tls_cert_file = "/etc/hostplane/mx2.pem";
  c.nats.tls_key_file = "/etc/hostplane/mx2.key";
  c.nats.reconnect_wait = std::chrono::milliseconds(333);
  c.nats.reconnect_buffer_bytes = 4096;
  c.nats.inbox_prefix = "_INBOX.mx2";
  c.root = "/tmp/hpx";
  auto& l = c.layout;
  l.home_root = "h";
  l.state_dir = "st";
  auto& n = l.nginx;
  n.binary = "/opt/nginx";
  n.conf = "n/n.conf";
  n.prefix = "n";
  n.sites_dir = "n/s";
  n.pid_file = "n/pid";
  n.log_dir = "n/logs";
  n.listen_address = "::1";
  n.http_port = 8081;
  n.https_port = 8443;
  n.marker_file = "n/s/_gen.conf";
  n.nginx_user = "web";
  n.error_log_per_site = false;
  n.php_socket_dir = "r/php";
  n.certs_dir = "c/certs";
  n.acme_webroot = "c/webroot";
  n.pages_dir = "n/pages";
  agent::AccountLayout a;
  a.user_prefix = "t1abc";
  a.home_root = l.home_root;  // derived, no keys of their own
  a.php_socket_dir = n.php_socket_dir;
  a.nginx_user = "nginx";
  a.php = {{"8.1", {"/opt/fpm81", "p/81.conf", "p/81", "p/81.pid", "p/81.log"}},
           {"8.3", agent::DefaultPhpVersionLayout("8.3")}};
  a.placeholder_user = "ph";
  a.placeholder_group = "phg";
  a.useradd = "/opt/useradd";
  a.groupadd = "/opt/groupadd";
  a.userdel = "/opt/userdel";
  a.groupdel = "/opt/groupdel";
  a.shell = "/bin/false";
  a.reload_timeout = std::chrono::milliseconds(2500);
  a.poll_interval = std::chrono::milliseconds(9);
  l.account = a;
  agent::MailLayout m;
  m.postfix_binary = "/opt/postfix";
  m.postmap_binary = "/opt/postmap";
  m.postfix_config_dir = "pf";
  m.postfix_queue_dir = "pf/q";
  m.postfix_data_dir = "pf/d";
  m.postfix_log = "pf/log";
  m.postfix_user = "pfuser";
  m.map_dir = "pf/maps";
  m.dovecot_binary = "/opt/dovecot";
  m.doveconf_binary = "/opt/doveconf";
  m.dovecot_conf = "dc/d.conf";
  m.dovecot_base_dir = "dc/run";
  m.dovecot_state_dir = "dc/state";
  m.dovecot_log = "dc/log";
  m.dovecot_users_dir = "dc/users";
  m.dovecot_instance_name = "hp2";
  m.vmail_root = "vm";
  m.vmail_uid = 5000;
  m.vmail_gid = 5001;
  m.listen_address = "10.1.2.3";
  m.smtp_port = 2525;
  m.imap_port = 1143;
  m.hostname = "mx2.example.net";
  l.mail = m;
  agent::FtpLayout f;
  f.pure_ftpd = "/opt/pure-ftpd";
  f.pure_pw = "/opt/pure-pw";
  f.home_root = l.home_root;
  f.users_dir = "ftp/u";
  f.passwd_file = "ftp/p";
  f.pdb_file = "ftp/pdb";
  f.pid_file = "ftp/pid";
  f.log_dir = "ftp/log";
  f.listen_address = "10.1.2.4";
  f.port = 2121;
  f.passive_port_min = 40000;
  f.passive_port_max = 40010;
  l.ftp = f;
  agent::DnsLayout d;
  d.knotd = "/opt/knotd";
  d.knotc = "/opt/knotc";
  d.kzonecheck = "/opt/kzonecheck";
  d.kdig = "/opt/kdig";
  d.conf = "k/k.conf";
  d.zone_dir = "k/z";
  d.zone_conf_dir = "k/zc";
  d.run_dir = "k/run";
  d.control_socket = "k/run/s";
  d.storage = "k/db";
  d.log_file = "k/log";
  d.os_user = "knotd";
  d.listen_address = "10.1.2.5";
  d.port = 5353;
  l.dns = d;
  agent::MariaDbLayout db;
  db.socket = "my/s";
  db.user_hosts = {"localhost", "10.0.0.%"};
  db.server_binary = "/opt/mariadbd";
  db.install_db_binary = "/opt/install-db";
  db.datadir = "my/data";
  db.run_dir = "my/run";
  db.pid_file = "my/run/pid";
  db.log_dir = "my/log";
  db.bind_address = "10.1.2.6";
  db.port = 3307;
  db.os_user = "mysql2";
  db.innodb_buffer_pool_size = "1G";
  l.mariadb = db;
  agent::AcmeLayout acme;
  acme.lego_binary = "/opt/lego";
  acme.state_dir = "st/lego";
  acme.certs_dir = n.certs_dir;
  acme.acme_webroot = n.acme_webroot;
  acme.ca_bundle = "c/ca.pem";
  acme.lego_timeout = std::chrono::milliseconds(60'000);
  l.acme = acme;
  c.test_write_delay = std::chrono::milliseconds(12);
  c.test_break_domains = {"bad.example.com"};
  return c;
}

TEST(AgentConfig, RenderedConfigParsesBackToTheSameConfig) {
  AgentConfig want = EverythingChanged();
  // The test config differs from the defaults in every field but those with no key (derived).
  AgentConfig defaults;
  defaults.layout.account.emplace();
  defaults.layout.mail.emplace();
  defaults.layout.ftp.emplace();
  defaults.layout.dns.emplace();
  defaults.layout.mariadb.emplace();
  defaults.layout.acme.emplace();
  auto want_fields = Flatten(want);
  std::map<std::string, std::string> changed;
  for (const auto& f : want_fields) changed[f.substr(0, f.find('='))] = f;
  for (const auto& f : Flatten(defaults)) {
    std::string name = f.substr(0, f.find('='));
    // 8.2 is replaced by 8.1 and 8.3; the presence of each section is the same on purpose.
    // One kind of NATS credentials at a time: token and creds files are the loop below.
    static const std::set<std::string> kSame = {"nats.token_file",
                                                "nats.creds_file",
                                                "account.php.8.2",
                                                "account",
                                                "mail",
                                                "ftp",
                                                "dns",
                                                "mariadb",
                                                "acme"};
    if (kSame.count(name) != 0) continue;
    ASSERT_EQ(changed.count(name), 1u) << name;
    EXPECT_NE(changed[name], f) << "the test config leaves " << name << " at its default";
  }
  std::string text = RenderAgentConfig(want);
  auto got = ParseAgentConfig(text, "rendered.toml", true);
  ASSERT_TRUE(got) << got.error().message << "\n" << text;
  EXPECT_EQ(Flatten(*got), want_fields) << text;
  for (bool token : {true, false}) {
    AgentConfig other = EverythingChanged();
    other.nats.user.clear();
    other.nats_password_file.clear();
    (token ? other.nats_token_file : other.nats.creds_file) = "/etc/hostplane/secret";
    auto back = ParseAgentConfig(RenderAgentConfig(other), "rendered.toml", true);
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(Flatten(*back), Flatten(other));
  }
  // Secrets never reach the rendered file.
  want.nats.password = "pw-never-written";
  EXPECT_EQ(RenderAgentConfig(want).find("pw-never-written"), std::string::npos);
}

TEST(AgentConfig, EachServiceTableTurnsItsDriverOnWithProductionDefaults) {
  auto c = ParseAgentConfig(Minimal("[account]\n[mail]\nvmail_uid = 5000\nvmail_gid = 5000\n"
                                    "[ftp]\n[dns]\n[mariadb]\n[acme]\n"),
                            "agent.toml", false);
  ASSERT_TRUE(c) << c.error().message;
  const auto& l = c->layout;
  ASSERT_TRUE(l.account && l.mail && l.ftp && l.dns && l.mariadb && l.acme);
  EXPECT_EQ(l.account->php.count("8.2"), 1u);
  EXPECT_EQ(l.account->home_root, l.home_root);
  EXPECT_EQ(l.mail->postfix_config_dir, "etc/postfix");
  EXPECT_EQ(l.mail->vmail_uid, 5000u);
  EXPECT_EQ(l.dns->control_socket, "run/knot/knot.sock");  // Debian's knot
  EXPECT_EQ(l.mariadb->socket, "run/mysqld/mysqld.sock");
  EXPECT_EQ(l.acme->certs_dir, l.nginx.certs_dir);
  EXPECT_EQ(l.ftp->home_root, l.home_root);

  auto none = ParseAgentConfig(Minimal(), "agent.toml", false);
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_FALSE(none->layout.account || none->layout.mail || none->layout.ftp || none->layout.dns ||
               none->layout.mariadb || none->layout.acme);
}

TEST(AgentConfig, EachBadServiceKeyIsNamedWithItsCode) {
  struct Case {
    std::string extra;
    std::string field;
    std::string code;
  };
  const std::string mail = "[mail]\nvmail_uid = 5000\nvmail_gid = 5000\n";
  const Case cases[] = {
      {"[account]\nuser_prefix = \"T-1\"\n", "account.user_prefix", "config.invalid_prefix"},
      {"[account]\nhome_root = \"h\"\n", "account.home_root", "config.unknown_key"},
      {"[account]\nshell = \"nologin\"\n", "account.shell", "path.absolute_required"},
      {"[account]\nreload_timeout_ms = 0\n", "account.reload_timeout_ms", "config.out_of_range"},
      {"[account]\nnginx_user = \"www data\"\n", "account.nginx_user", "config.invalid_user"},
      {"[account.php.\"eight\"]\n", "account.php.eight", "config.invalid_version"},
      {"[account.php.\"8.2\"]\nconf = \"../x\"\n", "account.php.8.2.conf", "path.dot_dot"},
      {"[account.php.\"8.2\"]\nbinry = \"/x\"\n", "account.php.8.2.binry", "config.unknown_key"},
      {"[account]\nphp = {}\n", "account.php", "config.required"},
      {"[mail]\nvmail_gid = 5000\n", "mail.vmail_uid", "config.required"},
      {"[mail]\nvmail_uid = 0\nvmail_gid = 5000\n", "mail.vmail_uid", "config.out_of_range"},
      {mail + "listen_address = \"::1\"\n", "mail.listen_address", "config.invalid_address"},
      {mail + "smtp_port = 0\n", "mail.smtp_port", "config.out_of_range"},
      {mail + "hostname = \"mx\\nx\"\n", "mail.hostname", "config.invalid_hostname"},
      {mail + "map_dir = \"/etc/postfix\"\n", "mail.map_dir", "path.absolute"},
      {mail + "dovecot_instance_name = \"a b\"\n", "mail.dovecot_instance_name",
       "config.invalid_name"},
      {"[ftp]\npassive_port_min = 40010\npassive_port_max = 40000\n", "ftp.passive_port_max",
       "config.out_of_range"},
      {"[ftp]\nport = \"21\"\n", "ftp.port", "config.type"},
      {"[dns]\nkdig = \"kdig\"\n", "dns.kdig", "path.absolute_required"},
      {"[dns]\nlisten_address = \"any\"\n", "dns.listen_address", "config.invalid_address"},
      {"[mariadb]\nuser_hosts = [\"a'b\"]\n", "mariadb.user_hosts", "config.invalid_host"},
      {"[mariadb]\nuser_hosts = []\n", "mariadb.user_hosts", "config.required"},
      {"[mariadb]\ninnodb_buffer_pool_size = \"64 M\"\n", "mariadb.innodb_buffer_pool_size",
       "config.invalid_size"},
      {"[mariadb]\nadmin_password = \"x\"\n", "mariadb.admin_password", "config.unknown_key"},
      {"[acme]\nlego_timeout_ms = 10\n", "acme.lego_timeout_ms", "config.out_of_range"},
      {"[acme]\ncerts_dir = \"c\"\n", "acme.certs_dir", "config.unknown_key"},
      {"[nginx]\nhttps_port = 0\n", "nginx.https_port", "config.out_of_range"},
      {"[nginx]\npages_dir = \"/p\"\n", "nginx.pages_dir", "path.absolute"},
      {"dns = 1\n", "dns", "config.type"},
  };
  for (const auto& c : cases) {
    std::string text = c.extra.rfind("dns = ", 0) == 0
                           ? c.extra + "node = \"web1\"\ncontroller_key = \"" + kKey +
                                 "\"\n[nats]\nservers = [\"nats://127.0.0.1:4222\"]\n"
                           : Minimal(c.extra);
    auto parsed = ParseAgentConfig(text, "agent.toml", false);
    ASSERT_FALSE(parsed) << text;
    auto it = parsed.error().fields.find(c.field);
    ASSERT_NE(it, parsed.error().fields.end()) << "expected a problem with " << c.field << " in:\n"
                                               << text << "\ngot: " << parsed.error().message;
    EXPECT_EQ(it->second, c.code) << text << "\n" << parsed.error().message;
    EXPECT_NE(parsed.error().message.find("agent.toml:"), std::string::npos);
  }
}

// A server that joins with a token may leave node and controller_key out: they come from its
// enrolment (cmd/join.h), and the agent refuses to start without them.
TEST(AgentConfig, NodeAndKeyMayComeFromTheEnrolment) {
  auto c = ParseAgentConfig("[nats]\nservers = [\"nats://127.0.0.1:4222\"]\n", "agent.toml", false);
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->node, "");
  EXPECT_FALSE(c->controller_key.has_value());
  EXPECT_EQ(c->nats.inbox_prefix, "") << "derived only once the node is known";
  c->node = "web9";
  DeriveFromNode(*c);
  EXPECT_EQ(c->nats.inbox_prefix, "_INBOX.web9");
  EXPECT_EQ(c->nats.name, "hostplane-agent-web9");
}

}  // namespace
}  // namespace hostplane::cmd
