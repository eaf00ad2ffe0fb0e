#include "relay/relay_config.h"

#include <regex>
#include <set>
#include <sstream>

#include "common/passwd/bcrypt.h"
#include "protocol/content.h"
#include "protocol/messages.h"
#include "protocol/validate.h"

namespace hostplane::relay {
namespace {

using protocol::FieldErrors;
using protocol::Violation;

// A string of nats-server's configuration format: always double-quoted (an unquoted word starting
// with '$' would be a variable reference), '"' and '\' escaped. Control characters are refused
// by the validation before anything is rendered.
std::string Quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string QuoteList(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + Quote(items[i]);
  return out + "]";
}

void CheckName(FieldErrors& errors, const std::string& field, const std::string& name) {
  if (auto v = protocol::CheckNodeName(name); !v) errors.Add(field, v.error());
}

void CheckListen(FieldErrors& errors, const std::string& field, const Listen& l) {
  static const std::regex kHost(R"(^([A-Za-z0-9.\-]{1,253}|[0-9A-Fa-f:.]{2,45})$)");
  if (!std::regex_match(l.host, kHost)) {
    errors.Add(field + ".host", {"relay.host", protocol::QuoteForMessage(l.host) +
                                                   " is not an IP address or a host name"});
  }
  if (l.port < 1 || l.port > 65535) {
    errors.Add(field + ".port", {"relay.port", "a port is 1-65535"});
  }
}

void CheckPassword(FieldErrors& errors, const std::string& field, const std::string& pw) {
  // Generated passwords are hex; anything else could break the leaf URL or the quoting.
  static const std::regex kPassword("^[0-9a-f]{32,128}$");
  if (!std::regex_match(pw, kPassword)) {
    errors.Add(field, {"relay.password", "a password is 32-128 lowercase hex digits"});
  }
}

void CheckHash(FieldErrors& errors, const std::string& field, const std::string& hash) {
  if (!IsBcryptHash(hash)) {
    errors.Add(field, {"relay.hash",
                       "a password hash is bcrypt: $2a$, $2b$ or $2y$, a cost 04-31, "
                       "then 53 characters of [./A-Za-z0-9]"});
  }
}

void CheckPath(FieldErrors& errors, const std::string& field, const std::string& path) {
  bool ok = !path.empty() && path.front() == '/' && path.size() <= 4096;
  for (unsigned char c : path) ok = ok && c >= 0x20 && c != 0x7f;
  if (!ok) {
    errors.Add(field, {"relay.path", protocol::QuoteForMessage(path) +
                                         " is not an absolute path without control characters"});
  }
}

void CheckTls(FieldErrors& errors, const TlsFiles& tls) {
  if (tls.empty()) return;
  if (tls.cert_file.empty() || tls.key_file.empty()) {
    errors.Add("tls", {"relay.tls", "TLS needs both a certificate and its key"});
  }
  if (!tls.cert_file.empty()) CheckPath(errors, "tls.cert_file", tls.cert_file);
  if (!tls.key_file.empty()) CheckPath(errors, "tls.key_file", tls.key_file);
  if (!tls.ca_file.empty()) CheckPath(errors, "tls.ca_file", tls.ca_file);
}

void CheckRemote(FieldErrors& errors, const Remote& r) {
  static const std::regex kUrl(
      R"(^(nats-leaf|tls)://([A-Za-z0-9.\-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\]):[0-9]{1,5}$)");
  if (!std::regex_match(r.url, kUrl)) {
    errors.Add("remote.url", {"relay.url", protocol::QuoteForMessage(r.url) +
                                               " is not nats-leaf://HOST:PORT or tls://HOST:PORT"});
  }
  CheckName(errors, "remote.site", r.site);
  CheckPassword(errors, "remote.password", r.password);
  if (!r.tls_ca_file.empty()) CheckPath(errors, "remote.tls_ca_file", r.tls_ca_file);
  if (r.tls_cert_file.empty() != r.tls_key_file.empty()) {
    errors.Add("remote.tls", {"relay.tls",
                              "a client certificate needs its key, and a key its "
                              "certificate"});
  }
  if (!r.tls_cert_file.empty()) CheckPath(errors, "remote.tls_cert_file", r.tls_cert_file);
  if (!r.tls_key_file.empty()) CheckPath(errors, "remote.tls_key_file", r.tls_key_file);
}

Status Validate(const ServerConfig& c) {
  FieldErrors errors;
  CheckName(errors, "server_name", c.server_name);
  CheckListen(errors, "client", c.client);
  if (c.http) CheckListen(errors, "http", *c.http);
  if (c.leaf_listen) CheckListen(errors, "leaf_listen", *c.leaf_listen);
  if (!c.leaves.empty() && !c.leaf_listen) {
    errors.Add("leaves", {"relay.empty", "leaf users need a leafnode listener"});
  }
  // Users live in several accounts, but nats-server wants every user name once per server; and a
  // node's subjects may cross one link only (or be local).
  std::set<std::string> users = {kControllerUser};
  std::set<std::string> nodes;
  auto add_node = [&](const std::string& field, const std::string& node) {
    CheckName(errors, field, node);
    if (!nodes.insert(node).second) {
      errors.Add(field, {"relay.duplicate", "node " + node + " is listed twice"});
    }
  };
  for (size_t i = 0; i < c.nodes.size(); ++i) {
    std::string field = "nodes[" + std::to_string(i) + "]";
    add_node(field + ".node", c.nodes[i].node);
    CheckHash(errors, field + ".password_hash", c.nodes[i].password_hash);
    users.insert(c.nodes[i].node);
  }
  for (size_t i = 0; i < c.leaves.size(); ++i) {
    std::string field = "leaves[" + std::to_string(i) + "]";
    const LeafUser& l = c.leaves[i];
    CheckName(errors, field + ".site", l.site);
    CheckHash(errors, field + ".password_hash", l.password_hash);
    if (!users.insert(l.site).second) {
      errors.Add(field + ".site",
                 {"relay.duplicate", "site " + l.site + " is listed twice or is also a node"});
    }
    if (l.nodes.empty()) {
      errors.Add(field + ".nodes",
                 {"relay.empty", "site " + l.site + " needs the nodes behind its link"});
    }
    for (size_t j = 0; j < l.nodes.size(); ++j) {
      add_node(field + ".nodes[" + std::to_string(j) + "]", l.nodes[j]);
    }
  }
  if (c.controller_password_hash) {
    CheckHash(errors, "controller_password_hash", *c.controller_password_hash);
  }
  if (c.remote) CheckRemote(errors, *c.remote);
  CheckTls(errors, c.tls);
  if (!c.controller_password_hash && c.nodes.empty()) {
    // nats-server would take an empty user list as "no authorization": anyone could connect.
    errors.Add("nodes", {"relay.empty", "a relay server needs the controllers or a node"});
  }
  if (!errors.empty()) return Fail(errors.ToError());
  return Ok();
}

void WriteTls(std::ostringstream& out, const TlsFiles& tls, const char* indent) {
  out << indent << "tls {\n";
  out << indent << "  cert_file: " << Quote(tls.cert_file) << "\n";
  out << indent << "  key_file: " << Quote(tls.key_file) << "\n";
  if (!tls.ca_file.empty()) {
    out << indent << "  ca_file: " << Quote(tls.ca_file) << "\n";
    out << indent << "  verify: true\n";
  }
  out << indent << "}\n";
}

void WriteUser(std::ostringstream& out, const std::string& user, const std::string& password_hash,
               const std::vector<std::string>& publish, const std::vector<std::string>& subscribe,
               bool allow_responses) {
  out << "      {\n";
  out << "        user: " << Quote(user) << "\n";
  out << "        password: " << Quote(password_hash) << "\n";
  out << "        allowed_connection_types: [\"STANDARD\"]\n";
  out << "        permissions: {\n";
  out << "          publish: { allow: " << QuoteList(publish) << " }\n";
  out << "          subscribe: { allow: " << QuoteList(subscribe) << " }\n";
  if (allow_responses) out << "          allow_responses: true\n";
  out << "        }\n";
  out << "      }\n";
}

// What a node's messages travel on, by direction.
std::vector<std::string> ToNode(const std::string& node) {
  return {protocol::KeySubject(node), NodeInboxPrefix(node) + ".>"};
}
std::vector<std::string> FromNode(const std::string& node) {
  return {protocol::TasksSubject(node), protocol::ReportSubject(node), protocol::HelloSubject(node),
          protocol::ContentSubject(node)};
}

void WriteExports(std::ostringstream& out, const std::vector<std::string>& subjects,
                  const std::string& to_account) {
  for (const auto& subject : subjects) {
    out << "      { stream: " << Quote(subject) << ", accounts: [" << Quote(to_account) << "] }\n";
  }
}

void WriteImports(std::ostringstream& out, const std::vector<std::string>& subjects,
                  const std::string& from_account) {
  for (const auto& subject : subjects) {
    out << "      { stream: { account: " << Quote(from_account) << ", subject: " << Quote(subject)
        << " } }\n";
  }
}

// The server's own account: its client users, and the subjects it trades with each child site.
void WriteOwnAccount(std::ostringstream& out, const ServerConfig& c) {
  out << "  " << Quote(kOwnAccount) << ": {\n    users: [\n";
  if (c.controller_password_hash) {
    WriteUser(out, kControllerUser, *c.controller_password_hash, {"hp.node.*.key"},
              {"hp.ctl.>", "_INBOX.>"}, /*allow_responses=*/true);
  }
  for (const auto& n : c.nodes) {
    WriteUser(out, n.node, n.password_hash, FromNode(n.node), ToNode(n.node),
              /*allow_responses=*/false);
  }
  out << "    ]\n";
  if (!c.leaves.empty()) {
    out << "    exports: [\n";
    for (const auto& l : c.leaves) {
      for (const auto& node : l.nodes) WriteExports(out, ToNode(node), SiteAccount(l.site));
    }
    out << "    ]\n    imports: [\n";
    for (const auto& l : c.leaves) {
      for (const auto& node : l.nodes) WriteImports(out, FromNode(node), SiteAccount(l.site));
    }
    out << "    ]\n";
  }
  out << "  }\n";
}

// A child site's account: its leaf login, and nothing but its nodes' subjects in and out.
void WriteSiteAccount(std::ostringstream& out, const LeafUser& l) {
  out << "  " << Quote(SiteAccount(l.site)) << ": {\n    users: [\n";
  out << "      {\n";
  out << "        user: " << Quote(l.site) << "\n";
  out << "        password: " << Quote(l.password_hash) << "\n";
  out << "        allowed_connection_types: [\"LEAFNODE\"]\n";
  out << "      }\n    ]\n";
  out << "    exports: [\n";
  for (const auto& node : l.nodes) WriteExports(out, FromNode(node), kOwnAccount);
  out << "    ]\n    imports: [\n";
  for (const auto& node : l.nodes) WriteImports(out, ToNode(node), kOwnAccount);
  out << "    ]\n  }\n";
}

}  // namespace

std::string NodeInboxPrefix(const std::string& node) { return "_INBOX." + node; }

std::string SiteAccount(const std::string& site) { return "site-" + site; }

std::string RemoteUrlWithCredentials(const Remote& remote) {
  auto scheme_end = remote.url.find("://");
  if (scheme_end == std::string::npos) return remote.url;
  return remote.url.substr(0, scheme_end + 3) + remote.site + ":" + remote.password + "@" +
         remote.url.substr(scheme_end + 3);
}

Result<std::string> RenderNatsConfig(const ServerConfig& c) {
  HP_TRY(Validate(c));
  std::ostringstream out;
  out << "# Written by `hostplane relay config`; regenerate rather than edit (docs/relay.md).\n";
  out << "server_name: " << Quote(c.server_name) << "\n";
  out << "host: " << Quote(c.client.host) << "\n";
  out << "port: " << c.client.port << "\n";
  if (c.http) out << "http: " << Quote(c.http->host + ":" + std::to_string(c.http->port)) << "\n";
  if (!c.tls.empty()) WriteTls(out, c.tls, "");

  out << "accounts {\n";
  WriteOwnAccount(out, c);
  for (const auto& l : c.leaves) WriteSiteAccount(out, l);
  out << "}\n";

  if (c.leaf_listen || c.remote) {
    out << "leafnodes {\n";
    if (c.leaf_listen) {
      out << "  host: " << Quote(c.leaf_listen->host) << "\n";
      out << "  port: " << c.leaf_listen->port << "\n";
      if (!c.tls.empty()) WriteTls(out, c.tls, "  ");
      // No authorization block here: leaf logins are the users of the site accounts above.
    }
    if (c.remote) {
      out << "  remotes: [\n    {\n";
      out << "      url: " << Quote(RemoteUrlWithCredentials(*c.remote)) << "\n";
      out << "      account: " << Quote(kOwnAccount) << "\n";
      const Remote& r = *c.remote;
      if (!r.tls_ca_file.empty() || !r.tls_cert_file.empty()) {
        out << "      tls: {\n";
        if (!r.tls_ca_file.empty()) out << "        ca_file: " << Quote(r.tls_ca_file) << "\n";
        if (!r.tls_cert_file.empty()) {
          out << "        cert_file: " << Quote(r.tls_cert_file) << "\n";
          out << "        key_file: " << Quote(r.tls_key_file) << "\n";
        }
        out << "      }\n";
      }
      out << "    }\n  ]\n";
    }
    out << "}\n";
  }
  return out.str();
}

}  // namespace hostplane::relay
