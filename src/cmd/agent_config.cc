#include "cmd/agent_config.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <toml++/toml.h>

#include <cstdint>
#include <fstream>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

#include "cmd/bootstrap.h"
#include "cmd/toml_fields.h"
#include "protocol/validate.h"
#include "relay/relay_config.h"

namespace hostplane::cmd {
namespace {

using toml_fields::Problems;
using toml_fields::Reader;
using toml_fields::Section;
using toml_fields::Writer;

// The field lists: key, kind and range of every field of each layout. Fields that must equal
// another section's (account.home_root = host.home_root, ...) have no key: see DeriveShared.

template <class V, class L>
void NginxFields(V& v, L& n) {
  v.Abs("binary", n.binary);
  v.Rel("conf", n.conf);
  v.Rel("prefix", n.prefix);
  v.Rel("sites_dir", n.sites_dir);
  v.Rel("pid_file", n.pid_file);
  v.Rel("log_dir", n.log_dir);
  v.Rel("marker_file", n.marker_file);
  v.Ip("listen_address", n.listen_address);
  v.Port("http_port", n.http_port);
  v.Port("https_port", n.https_port);
  v.User("user", n.nginx_user, true);
  v.Bool("error_log_per_site", n.error_log_per_site);
  v.Rel("php_socket_dir", n.php_socket_dir);
  v.Rel("certs_dir", n.certs_dir);
  v.Rel("acme_webroot", n.acme_webroot);
  v.Rel("pages_dir", n.pages_dir);
}

template <class V, class L>
void PhpVersionFields(V& v, L& p) {
  v.Abs("binary", p.binary);
  v.Rel("conf", p.conf);
  v.Rel("pool_dir", p.pool_dir);
  v.Rel("pid_file", p.pid_file);
  v.Rel("error_log", p.error_log);
}

const std::regex kUserPrefix("^[a-z0-9]{1,8}$");
const std::regex kPhpVersion(R"(^[0-9]{1,2}\.[0-9]{1,2}$)");

template <class V, class L>
void AccountFields(V& v, L& a) {
  v.Word("user_prefix", a.user_prefix, kUserPrefix, true, "config.invalid_prefix",
         "is not 1-8 lowercase letters and digits");
  v.User("nginx_user", a.nginx_user, true);
  v.User("placeholder_user", a.placeholder_user, false);
  v.User("placeholder_group", a.placeholder_group, false);
  v.Abs("useradd", a.useradd);
  v.Abs("groupadd", a.groupadd);
  v.Abs("userdel", a.userdel);
  v.Abs("groupdel", a.groupdel);
  v.Abs("shell", a.shell);
  v.Millis("reload_timeout_ms", 100, 600'000, a.reload_timeout);
  v.Millis("poll_interval_ms", 1, 10'000, a.poll_interval);
}

const std::regex kHostname(
    R"(^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$)");
const std::regex kInstanceName("^[a-z][a-z0-9-]{0,31}$");
const std::regex kSmarthost(R"(^\[[0-9]{1,3}(\.[0-9]{1,3}){3}\]:[0-9]{1,5}$)");

template <class V, class L>
void MailFields(V& v, L& m) {
  v.Abs("postfix_binary", m.postfix_binary);
  v.Abs("postmap_binary", m.postmap_binary);
  v.Rel("postfix_config_dir", m.postfix_config_dir);
  v.Rel("postfix_queue_dir", m.postfix_queue_dir);
  v.Rel("postfix_data_dir", m.postfix_data_dir);
  v.Rel("postfix_log", m.postfix_log);
  v.User("postfix_user", m.postfix_user, false);
  v.Rel("map_dir", m.map_dir);
  v.Abs("dovecot_binary", m.dovecot_binary);
  v.Abs("doveconf_binary", m.doveconf_binary);
  v.Rel("dovecot_conf", m.dovecot_conf);
  v.Rel("dovecot_base_dir", m.dovecot_base_dir);
  v.Rel("dovecot_state_dir", m.dovecot_state_dir);
  v.Rel("dovecot_log", m.dovecot_log);
  v.Rel("dovecot_users_dir", m.dovecot_users_dir);
  v.Word("dovecot_instance_name", m.dovecot_instance_name, kInstanceName, false,
         "config.invalid_name", "is not a name of [a-z0-9-] starting with a letter");
  v.Rel("vmail_root", m.vmail_root);
  // Never 0 (root) and never -1 (unset): the driver refuses both.
  v.Number("vmail_uid", 1, 4'294'967'294, m.vmail_uid);
  v.Number("vmail_gid", 1, 4'294'967'294, m.vmail_gid);
  v.Ip("listen_address", m.listen_address, /*v4_only=*/true);
  v.Port("smtp_port", m.smtp_port);
  v.Port("imap_port", m.imap_port);
  v.Word("hostname", m.hostname, kHostname, false, "config.invalid_hostname",
         "is not a lowercase host name with at least two labels");
  // Issue 16: the listeners (0 = off), TLS, outbound, limits and the helpers' places.
  for (auto [key, port] :
       {std::pair{"submission_port", &m.submission_port}, std::pair{"smtps_port", &m.smtps_port},
        std::pair{"imaps_port", &m.imaps_port}, std::pair{"pop3_port", &m.pop3_port},
        std::pair{"pop3s_port", &m.pop3s_port}}) {
    v.Number(key, 0, 65535, *port);
  }
  v.Rel("tls_cert", m.tls_cert);
  v.Rel("tls_key", m.tls_key);
  v.OptRel("private_ca_dir", m.private_ca_dir);
  v.Bool("allow_plaintext_auth", m.allow_plaintext_auth);
  v.Word("smarthost", m.smarthost, kSmarthost, true, "config.invalid_smarthost",
         "is not [<IPv4 address>]:<port>");
  v.Number("max_message_size_mb", 1, 4096, m.max_message_size_mb);
  v.OptRel("policy_socket", m.policy_socket);
  v.Rel("policy_counters", m.policy_counters);
  v.Rel("relay_socket_dir", m.relay_socket_dir);
  v.Rel("sieve_dir", m.sieve_dir);
  v.Rel("dkim_dir", m.dkim_dir);
  v.Rel("opendkim_socket_dir", m.opendkim_socket_dir);
  v.Rel("spamd_dir", m.spamd_dir);
}

template <class V, class L>
void FtpFields(V& v, L& f) {
  v.Abs("pure_ftpd", f.pure_ftpd);
  v.Abs("pure_pw", f.pure_pw);
  v.Rel("users_dir", f.users_dir);
  v.Rel("passwd_file", f.passwd_file);
  v.Rel("pdb_file", f.pdb_file);
  v.Rel("pid_file", f.pid_file);
  v.Rel("log_dir", f.log_dir);
  v.Ip("listen_address", f.listen_address);
  v.Port("port", f.port);
  v.Port("passive_port_min", f.passive_port_min);
  v.Port("passive_port_max", f.passive_port_max);
}

template <class V, class L>
void DnsFields(V& v, L& d) {
  v.Abs("knotd", d.knotd);
  v.Abs("knotc", d.knotc);
  v.Abs("kzonecheck", d.kzonecheck);
  v.Abs("kdig", d.kdig);
  v.Rel("conf", d.conf);
  v.Rel("zone_dir", d.zone_dir);
  v.Rel("zone_conf_dir", d.zone_conf_dir);
  v.Rel("run_dir", d.run_dir);
  v.Rel("control_socket", d.control_socket);
  v.Rel("storage", d.storage);
  v.Rel("log_file", d.log_file);
  v.User("os_user", d.os_user, true);
  v.Ip("listen_address", d.listen_address);
  v.Port("port", d.port);
}

// MariaDB host patterns: "localhost", IP literals, host names and '%' wildcards (quoted as
// literals by the driver; no quotes, spaces or backslashes reach it).
const std::regex kDbHost(R"(^[A-Za-z0-9.:%/_-]{1,255}$)");
const std::regex kBufferSize("^[1-9][0-9]{0,9}[KMG]?$");

template <class V, class L>
void MariaDbFields(V& v, L& m) {
  v.Rel("socket", m.socket);
  v.Words("user_hosts", m.user_hosts, kDbHost, "config.invalid_host",
          "is not a MariaDB host pattern");
  v.Abs("server_binary", m.server_binary);
  v.Abs("install_db_binary", m.install_db_binary);
  v.Rel("datadir", m.datadir);
  v.Rel("run_dir", m.run_dir);
  v.Rel("pid_file", m.pid_file);
  v.Rel("log_dir", m.log_dir);
  v.Ip("bind_address", m.bind_address);
  v.Port("port", m.port);
  v.User("os_user", m.os_user, false);
  v.Word("innodb_buffer_pool_size", m.innodb_buffer_pool_size, kBufferSize, false,
         "config.invalid_size", "is not a size such as 64M or 1G");
}

template <class V, class L>
void AcmeFields(V& v, L& a) {
  v.Abs("lego_binary", a.lego_binary);
  v.Rel("state_dir", a.state_dir);
  v.OptRel("ca_bundle", a.ca_bundle);
  v.Millis("lego_timeout_ms", 1000, 3'600'000, a.lego_timeout);
}

// The production defaults of an optional section when its table is present. Mostly the layout's
// own; Knot's are those of Debian's knot package (its knot.conf, control socket and storage).
agent::DnsLayout DebianDnsLayout() {
  agent::DnsLayout d;
  d.conf = "etc/knot/knot.conf";
  d.run_dir = "run/knot";
  d.control_socket = "run/knot/knot.sock";
  d.storage = "var/lib/knot";
  d.zone_dir = "var/lib/knot/hostplane";
  return d;
}

void ReadPhp(Section& s, agent::AccountLayout& a) {
  std::map<std::string, agent::PhpVersionLayout> versions;
  for (const std::string& version : s.Keys()) {
    std::optional<Section> t = s.Table(version);
    if (!t) continue;
    if (!std::regex_match(version, kPhpVersion)) {
      s.problems().Add(s.Path(version), s.Find(version), "config.invalid_version",
                       "'" + version + "' is not a PHP version such as \"8.2\"");
      continue;
    }
    agent::PhpVersionLayout l = agent::DefaultPhpVersionLayout(version);
    Reader r(*t);
    PhpVersionFields(r, l);
    t->RefuseUnknownKeys();
    versions[version] = l;
  }
  if (versions.empty()) {
    s.problems().Add(s.prefix(), nullptr, "config.required",
                     "name at least one PHP version, e.g. [account.php.\"8.2\"]");
  }
  a.php = std::move(versions);
  s.RefuseUnknownKeys();
}

void ReadSections(Section& top, AgentConfig& c) {
  if (auto s = top.Table("host")) {
    Reader r(*s);
    r.Abs("root", c.root);
    r.Rel("home_root", c.layout.home_root);
    r.Rel("state_dir", c.layout.state_dir);
    s->RefuseUnknownKeys();
  }
  if (auto s = top.Table("nginx")) {
    Reader r(*s);
    NginxFields(r, c.layout.nginx);
    s->RefuseUnknownKeys();
  }
  if (auto s = top.Table("account")) {
    agent::AccountLayout a;
    Reader r(*s);
    AccountFields(r, a);
    if (auto php = s->Table("php")) ReadPhp(*php, a);
    s->RefuseUnknownKeys();
    c.layout.account = a;
  }
  if (auto s = top.Table("mail")) {
    agent::MailLayout m;
    Reader r(*s);
    for (const char* key : {"vmail_uid", "vmail_gid"}) {
      if (s->Find(key) == nullptr) {
        s->problems().Add(s->Path(key), nullptr, "config.required",
                          "the owner of every Maildir (the uid and gid of e.g. `vmail`)");
      }
    }
    MailFields(r, m);
    s->RefuseUnknownKeys();
    c.layout.mail = m;
  }
  if (auto s = top.Table("ftp")) {
    agent::FtpLayout f;
    Reader r(*s);
    FtpFields(r, f);
    if (f.passive_port_min > f.passive_port_max) {
      s->problems().Add(s->Path("passive_port_max"), s->Find("passive_port_max"),
                        "config.out_of_range", "must not be below passive_port_min");
    }
    s->RefuseUnknownKeys();
    c.layout.ftp = f;
  }
  if (auto s = top.Table("dns")) {
    agent::DnsLayout d = DebianDnsLayout();
    Reader r(*s);
    DnsFields(r, d);
    s->RefuseUnknownKeys();
    c.layout.dns = d;
  }
  if (auto s = top.Table("mariadb")) {
    agent::MariaDbLayout m;
    Reader r(*s);
    MariaDbFields(r, m);
    s->RefuseUnknownKeys();
    c.layout.mariadb = m;
  }
  if (auto s = top.Table("acme")) {
    agent::AcmeLayout a;
    Reader r(*s);
    AcmeFields(r, a);
    s->RefuseUnknownKeys();
    c.layout.acme = a;
  }
}

// Fields that name the same directory or user as another section's, set from it rather than
// configured twice (two keys that must agree would be a way to get them wrong).
void DeriveShared(agent::HostLayout& l) {
  if (l.account) {
    l.account->home_root = l.home_root;
    l.account->php_socket_dir = l.nginx.php_socket_dir;
  }
  if (l.ftp) l.ftp->home_root = l.home_root;
  if (l.acme) {
    l.acme->certs_dir = l.nginx.certs_dir;
    l.acme->acme_webroot = l.nginx.acme_webroot;
  }
}

void ReadNats(Section& s, AgentConfig& c) {
  const toml::node* servers_node = s.Find("servers");
  s.Strings("servers", &c.nats.servers);
  if (servers_node == nullptr || c.nats.servers.empty()) {
    s.problems().Add(s.Path("servers"), servers_node, "config.required",
                     "name at least one NATS server, e.g. [\"nats://10.0.0.1:4222\"]");
  }
  static const std::regex kUrl(R"(^(nats|tls)://([^\s/@]+@)?[A-Za-z0-9.\-\[\]:]+(:[0-9]{1,5})?$)");
  for (const auto& url : c.nats.servers) {
    if (!std::regex_match(url, kUrl)) {
      s.problems().Add(s.Path("servers"), servers_node, "config.invalid_url",
                       "'" + url + "' is not a nats://HOST:PORT or tls://HOST:PORT URL");
    }
  }
  s.String("name", &c.nats.name);
  s.String("user", &c.nats.user);
  s.String("password_file", &c.nats_password_file);
  s.String("token_file", &c.nats_token_file);
  s.String("creds_file", &c.nats.creds_file);
  s.String("tls_ca_file", &c.nats.tls_ca_file);
  s.String("tls_cert_file", &c.nats.tls_cert_file);
  s.String("tls_key_file", &c.nats.tls_key_file);
  int64_t wait_ms = c.nats.reconnect_wait.count();
  s.Integer("reconnect_wait_ms", 10, 600'000, &wait_ms);
  c.nats.reconnect_wait = std::chrono::milliseconds(wait_ms);
  int64_t buffer = c.nats.reconnect_buffer_bytes;
  s.Integer("reconnect_buffer_bytes", 0, int64_t{1} << 30, &buffer);
  c.nats.reconnect_buffer_bytes = static_cast<int>(buffer);

  int kinds = !c.nats.user.empty() + !c.nats_token_file.empty() + !c.nats.creds_file.empty();
  if (kinds > 1) {
    s.problems().Add(s.Path("user"), nullptr, "config.conflict",
                     "give at most one of user (with password_file), token_file and creds_file");
  }
  if (!c.nats_password_file.empty() && c.nats.user.empty()) {
    s.problems().Add(s.Path("password_file"), nullptr, "config.required",
                     "a password_file needs a user");
  }
  if (c.nats.tls_cert_file.empty() != c.nats.tls_key_file.empty()) {
    s.problems().Add(s.Path("tls_key_file"), nullptr, "config.required",
                     "tls_cert_file and tls_key_file go together");
  }
  s.RefuseUnknownKeys();
}

void ReadTest(Section& s, AgentConfig& c) {
  int64_t delay = c.test_write_delay.count();
  s.Integer("write_delay_ms", 0, 60'000, &delay);
  c.test_write_delay = std::chrono::milliseconds(delay);
  const toml::node* where = s.Find("break_domains");
  std::vector<std::string> domains;
  s.Strings("break_domains", &domains);
  for (const auto& d : domains) {
    auto checked = protocol::CheckDomain(d);
    if (!checked) {
      s.problems().Add(s.Path("break_domains"), where, checked.error().code,
                       checked.error().message);
      continue;
    }
    c.test_break_domains.push_back(*checked);
  }
  s.RefuseUnknownKeys();
}

}  // namespace

Result<AgentConfig> ParseAgentConfig(const std::string& text, const std::string& source,
                                     bool test_hooks_enabled) {
  Problems problems(source);
  toml::table root;
  // toml++ reports syntax errors only by exception (Debian builds it with exceptions): this is
  // where they become values.
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    Error error = Error::Invalid(fmt::format("{}:{}:{}: {}", source, e.source().begin.line,
                                             e.source().begin.column, e.description()));
    error.fields["config"] = "config.syntax";
    return Fail(error);
  }

  AgentConfig c;
  Section top(problems, root, "");
  const toml::node* node_where = top.Find("node");
  top.String("node", &c.node);
  // node and controller_key may be left out when the server joins with a token: they then come
  // from its enrolment (cmd/join.h), and the agent refuses to start without them.
  if (node_where == nullptr) {
  } else if (auto name = protocol::CheckNodeName(c.node); !name) {
    problems.Add("node", node_where, name.error().code, name.error().message);
  } else {
    c.node = *name;
  }
  const toml::node* key_where = top.Find("controller_key");
  std::string key_text;
  top.String("controller_key", &key_text);
  if (key_where == nullptr) {
  } else if (auto key = PublicKey::Parse(key_text); !key) {
    problems.Add("controller_key", key_where, "config.invalid_key", key.error().message);
  } else {
    c.controller_key = *key;
  }
  int64_t resync = c.resync.count();
  top.Integer("resync_seconds", 1, 3600, &resync);
  c.resync = std::chrono::seconds(resync);

  if (auto s = top.Table("nats")) {
    ReadNats(*s, c);
  } else if (top.Find("nats") == nullptr) {
    problems.Add("nats", nullptr, "config.required", "a [nats] table with servers is needed");
  }
  ReadSections(top, c);
  const toml::node* test_where = top.Find("test");
  if (test_where != nullptr && !test_hooks_enabled) {
    problems.Add("test", test_where, "config.test_hooks_disabled",
                 "the [test] table needs --enable-test-hooks");
  } else if (auto s = top.Table("test")) {
    ReadTest(*s, c);
  }
  top.RefuseUnknownKeys();
  if (!problems.empty()) return Fail(problems.ToError());
  DeriveShared(c.layout);
  if (!c.node.empty()) DeriveFromNode(c);
  return c;
}

void DeriveFromNode(AgentConfig& c) {
  if (c.nats.name.empty()) c.nats.name = "hostplane-agent-" + c.node;
  // Not a key of its own: the relay lets node X read replies below this prefix only.
  c.nats.inbox_prefix = relay::NodeInboxPrefix(c.node);
}

Result<AgentConfig> LoadAgentConfig(const std::string& path, bool test_hooks_enabled) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Fail(Error::FromErrno("reading " + path, errno));
  std::stringstream text;
  text << in.rdbuf();
  auto config = ParseAgentConfig(text.str(), path, test_hooks_enabled);
  if (!config) return Fail(config.error());
  if (!config->nats_password_file.empty()) {
    auto pw = ReadSecretFile(config->nats_password_file);
    if (!pw) return Fail(pw.error().Wrap(path + ": nats.password_file"));
    config->nats.password = *pw;
  }
  if (!config->nats_token_file.empty()) {
    auto token = ReadSecretFile(config->nats_token_file);
    if (!token) return Fail(token.error().Wrap(path + ": nats.token_file"));
    config->nats.token = *token;
  }
  return config;
}

namespace {

template <class L, class Fields>
toml::table Table(const L& layout, Fields fields) {
  toml::table t;
  Writer w(t);
  L copy = layout;
  fields(w, copy);
  return t;
}

}  // namespace

std::string RenderAgentConfig(const AgentConfig& c) {
  toml::table root;
  if (!c.node.empty()) root.insert("node", c.node);
  if (c.controller_key) root.insert("controller_key", c.controller_key->ToString());
  root.insert("resync_seconds", static_cast<int64_t>(c.resync.count()));

  toml::table nats;
  toml::array servers;
  for (const auto& s : c.nats.servers) servers.push_back(s);
  nats.insert("servers", std::move(servers));
  // Optional strings only when set: "" is their default, and secrets stay in their files.
  auto optional = [&nats](const char* key, const std::string& value) {
    if (!value.empty()) nats.insert(key, value);
  };
  optional("name", c.nats.name);
  optional("user", c.nats.user);
  optional("password_file", c.nats_password_file);
  optional("token_file", c.nats_token_file);
  optional("creds_file", c.nats.creds_file);
  optional("tls_ca_file", c.nats.tls_ca_file);
  optional("tls_cert_file", c.nats.tls_cert_file);
  optional("tls_key_file", c.nats.tls_key_file);
  nats.insert("reconnect_wait_ms", static_cast<int64_t>(c.nats.reconnect_wait.count()));
  nats.insert("reconnect_buffer_bytes", static_cast<int64_t>(c.nats.reconnect_buffer_bytes));
  root.insert("nats", std::move(nats));

  toml::table host;
  host.insert("root", c.root);
  host.insert("home_root", c.layout.home_root);
  host.insert("state_dir", c.layout.state_dir);
  root.insert("host", std::move(host));

  root.insert("nginx", Table(c.layout.nginx, [](Writer& w, auto& l) { NginxFields(w, l); }));
  if (const auto& a = c.layout.account) {
    toml::table t = Table(*a, [](Writer& w, auto& l) { AccountFields(w, l); });
    toml::table php;
    for (const auto& [version, l] : a->php) {
      php.insert(version, Table(l, [](Writer& w, auto& p) { PhpVersionFields(w, p); }));
    }
    t.insert("php", std::move(php));
    root.insert("account", std::move(t));
  }
  if (const auto& m = c.layout.mail) {
    root.insert("mail", Table(*m, [](Writer& w, auto& l) { MailFields(w, l); }));
  }
  if (const auto& f = c.layout.ftp) {
    root.insert("ftp", Table(*f, [](Writer& w, auto& l) { FtpFields(w, l); }));
  }
  if (const auto& d = c.layout.dns) {
    root.insert("dns", Table(*d, [](Writer& w, auto& l) { DnsFields(w, l); }));
  }
  if (const auto& m = c.layout.mariadb) {
    root.insert("mariadb", Table(*m, [](Writer& w, auto& l) { MariaDbFields(w, l); }));
  }
  if (const auto& a = c.layout.acme) {
    root.insert("acme", Table(*a, [](Writer& w, auto& l) { AcmeFields(w, l); }));
  }
  if (c.test_write_delay.count() > 0 || !c.test_break_domains.empty()) {
    toml::table test;
    test.insert("write_delay_ms", static_cast<int64_t>(c.test_write_delay.count()));
    toml::array domains;
    for (const auto& d : c.test_break_domains) domains.push_back(d);
    test.insert("break_domains", std::move(domains));
    root.insert("test", std::move(test));
  }
  std::ostringstream out;
  out << "# hostplane agent configuration (docs/agent.toml.example explains every key).\n"
      << root << "\n";
  return out.str();
}

}  // namespace hostplane::cmd
