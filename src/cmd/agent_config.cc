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
#include "protocol/validate.h"
#include "relay/relay_config.h"

namespace hostplane::cmd {
namespace {

// Collects one error per bad key, each with its line.
class Problems {
 public:
  explicit Problems(std::string source) : source_(std::move(source)) {}

  void Add(const std::string& key, const toml::node* where, const std::string& code,
           const std::string& message) {
    if (fields_.count(key) != 0) return;  // the first problem of a key is the one to fix
    fields_[key] = code;
    std::string at = source_;
    if (where != nullptr && where->source().begin.line > 0) {
      at += ":" + std::to_string(where->source().begin.line);
    }
    lines_.push_back(fmt::format("{}: {}: {}", at, key, message));
  }
  bool empty() const { return lines_.empty(); }
  Error ToError() const {
    std::string message;
    for (const auto& line : lines_) message += (message.empty() ? "" : "\n") + line;
    return Error{ErrorCode::kInvalid, message, fields_};
  }
  const std::string& source() const { return source_; }

 private:
  std::string source_;
  std::vector<std::string> lines_;
  std::map<std::string, std::string> fields_;
};

// One TOML table: typed reads that remember which keys are known, then a check for the others.
// A key that is absent leaves the output (the default) alone.
class Section {
 public:
  Section(Problems& problems, const toml::table& table, std::string prefix)
      : problems_(problems), table_(table), prefix_(std::move(prefix)) {}

  std::string Path(std::string_view key) const {
    return prefix_.empty() ? std::string(key) : prefix_ + "." + std::string(key);
  }
  const toml::node* Get(const std::string& key) {
    known_.insert(key);
    return table_.get(key);
  }
  // The node of key when present; nullptr otherwise.
  const toml::node* Find(const std::string& key) { return Get(key); }

  void String(const std::string& key, std::string* out) {
    const toml::node* n = Get(key);
    if (n == nullptr) return;
    if (const auto* s = n->as_string()) {
      *out = s->get();
    } else {
      problems_.Add(Path(key), n, "config.type", "must be a string");
    }
  }
  void Integer(const std::string& key, int64_t min, int64_t max, int64_t* out) {
    const toml::node* n = Get(key);
    if (n == nullptr) return;
    const auto* i = n->as_integer();
    if (i == nullptr) {
      problems_.Add(Path(key), n, "config.type", "must be an integer");
    } else if (i->get() < min || i->get() > max) {
      problems_.Add(Path(key), n, "config.out_of_range",
                    fmt::format("must be between {} and {}, not {}", min, max, i->get()));
    } else {
      *out = i->get();
    }
  }
  void Bool(const std::string& key, bool* out) {
    const toml::node* n = Get(key);
    if (n == nullptr) return;
    if (const auto* b = n->as_boolean()) {
      *out = b->get();
    } else {
      problems_.Add(Path(key), n, "config.type", "must be true or false");
    }
  }
  void Strings(const std::string& key, std::vector<std::string>* out) {
    const toml::node* n = Get(key);
    if (n == nullptr) return;
    const auto* array = n->as_array();
    if (array == nullptr) {
      problems_.Add(Path(key), n, "config.type", "must be an array of strings");
      return;
    }
    std::vector<std::string> values;
    for (size_t i = 0; i < array->size(); ++i) {
      const auto* s = array->get(i)->as_string();
      if (s == nullptr) {
        problems_.Add(Path(key), array->get(i), "config.type",
                      fmt::format("element {} must be a string", i));
        return;
      }
      values.push_back(s->get());
    }
    *out = std::move(values);
  }
  // A sub-table; nullopt when absent or not a table (reported).
  std::optional<Section> Table(const std::string& key) {
    const toml::node* n = Get(key);
    if (n == nullptr) return std::nullopt;
    const auto* t = n->as_table();
    if (t == nullptr) {
      problems_.Add(Path(key), n, "config.type", "must be a table ([" + Path(key) + "])");
      return std::nullopt;
    }
    return Section(problems_, *t, Path(key));
  }
  void RefuseUnknownKeys() {
    for (auto&& [key, node] : table_) {
      std::string name(key.str());
      if (known_.count(name) == 0) {
        problems_.Add(Path(name), &node, "config.unknown_key", "unknown key");
      }
    }
  }
  Problems& problems() { return problems_; }

 private:
  Problems& problems_;
  const toml::table& table_;
  std::string prefix_;
  std::set<std::string> known_;
};

// A path relative to the agent's root, normalised ("etc/nginx/sites").
void RelativePath(Section& s, const std::string& key, std::string* out) {
  const toml::node* where = s.Find(key);
  std::string value = *out;
  s.String(key, &value);
  auto checked = protocol::CheckRelativePath(value);
  if (!checked) {
    s.problems().Add(s.Path(key), where, checked.error().code,
                     checked.error().message + " (paths here are relative to host.root)");
    return;
  }
  *out = *checked;
}

// An absolute path without ".." components.
void AbsolutePath(Section& s, const std::string& key, std::string* out) {
  const toml::node* where = s.Find(key);
  std::string value = *out;
  s.String(key, &value);
  bool ok = !value.empty() && value[0] == '/' && value.find('\0') == std::string::npos;
  std::istringstream parts(value);
  for (std::string part; ok && std::getline(parts, part, '/');) ok = part != "..";
  if (!ok) {
    s.problems().Add(s.Path(key), where, "path.absolute_required",
                     "must be an absolute path without '..' components");
    return;
  }
  *out = value;
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

void ReadHost(Section& s, AgentConfig& c) {
  AbsolutePath(s, "root", &c.root);
  RelativePath(s, "home_root", &c.layout.home_root);
  RelativePath(s, "state_dir", &c.layout.state_dir);
  s.RefuseUnknownKeys();
}

void ReadNginx(Section& s, AgentConfig& c) {
  agent::NginxLayout& n = c.layout.nginx;
  AbsolutePath(s, "binary", &n.binary);
  RelativePath(s, "conf", &n.conf);
  RelativePath(s, "prefix", &n.prefix);
  RelativePath(s, "sites_dir", &n.sites_dir);
  RelativePath(s, "pid_file", &n.pid_file);
  RelativePath(s, "log_dir", &n.log_dir);
  RelativePath(s, "marker_file", &n.marker_file);
  const toml::node* where = s.Find("listen_address");
  s.String("listen_address", &n.listen_address);
  unsigned char addr[16];
  if (::inet_pton(AF_INET, n.listen_address.c_str(), addr) != 1 &&
      ::inet_pton(AF_INET6, n.listen_address.c_str(), addr) != 1) {
    s.problems().Add(s.Path("listen_address"), where, "config.invalid_address",
                     "'" + n.listen_address + "' is not an IPv4 or IPv6 address");
  }
  int64_t port = n.http_port;
  s.Integer("http_port", 1, 65535, &port);
  n.http_port = static_cast<int>(port);
  where = s.Find("user");
  s.String("user", &n.nginx_user);
  static const std::regex kUser("^[a-z_][a-z0-9_-]{0,31}$");
  if (!n.nginx_user.empty() && !std::regex_match(n.nginx_user, kUser)) {
    s.problems().Add(s.Path("user"), where, "config.invalid_user",
                     "'" + n.nginx_user + "' is not a system user name");
  }
  s.Bool("error_log_per_site", &n.error_log_per_site);
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
  if (node_where == nullptr) {
    problems.Add("node", nullptr, "config.required",
                 "name this server's node, e.g. node = \"web1\"");
  } else if (auto name = protocol::CheckNodeName(c.node); !name) {
    problems.Add("node", node_where, name.error().code, name.error().message);
  } else {
    c.node = *name;
  }
  const toml::node* key_where = top.Find("controller_key");
  std::string key_text;
  top.String("controller_key", &key_text);
  if (key_where == nullptr) {
    problems.Add("controller_key", nullptr, "config.required",
                 "pin the controller's bundle key, e.g. controller_key = \"ed25519:...\" (printed "
                 "by `hostplane serve`)");
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
  if (auto s = top.Table("host")) ReadHost(*s, c);
  if (auto s = top.Table("nginx")) ReadNginx(*s, c);
  const toml::node* test_where = top.Find("test");
  if (test_where != nullptr && !test_hooks_enabled) {
    problems.Add("test", test_where, "config.test_hooks_disabled",
                 "the [test] table needs --enable-test-hooks");
  } else if (auto s = top.Table("test")) {
    ReadTest(*s, c);
  }
  top.RefuseUnknownKeys();
  if (!problems.empty()) return Fail(problems.ToError());
  if (c.nats.name.empty()) c.nats.name = "hostplane-agent-" + c.node;
  // Not a key of its own: the relay lets node X read replies below this prefix only.
  c.nats.inbox_prefix = relay::NodeInboxPrefix(c.node);
  return c;
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

}  // namespace hostplane::cmd
