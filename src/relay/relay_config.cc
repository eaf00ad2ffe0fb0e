#include "relay/relay_config.h"

#include <regex>
#include <set>
#include <sstream>

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
  std::set<std::string> seen;
  for (size_t i = 0; i < c.leaves.size(); ++i) {
    std::string field = "leaves[" + std::to_string(i) + "]";
    CheckName(errors, field + ".site", c.leaves[i].site);
    CheckPassword(errors, field + ".password", c.leaves[i].password);
    if (!seen.insert(c.leaves[i].site).second) {
      errors.Add(field + ".site",
                 {"relay.duplicate", "site " + c.leaves[i].site + " is listed twice"});
    }
  }
  seen.clear();
  for (size_t i = 0; i < c.nodes.size(); ++i) {
    std::string field = "nodes[" + std::to_string(i) + "]";
    CheckName(errors, field + ".node", c.nodes[i].node);
    CheckPassword(errors, field + ".password", c.nodes[i].password);
    if (!seen.insert(c.nodes[i].node).second) {
      errors.Add(field + ".node",
                 {"relay.duplicate", "node " + c.nodes[i].node + " is listed twice"});
    }
  }
  if (c.controller_password) CheckPassword(errors, "controller_password", *c.controller_password);
  if (c.remote) CheckRemote(errors, *c.remote);
  CheckTls(errors, c.tls);
  if (!c.controller_password && c.nodes.empty()) {
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

void WriteUser(std::ostringstream& out, const std::string& user, const std::string& password,
               const std::vector<std::string>& publish, const std::vector<std::string>& subscribe,
               bool allow_responses) {
  out << "    {\n";
  out << "      user: " << Quote(user) << "\n";
  out << "      password: " << Quote(password) << "\n";
  out << "      permissions: {\n";
  out << "        publish: { allow: " << QuoteList(publish) << " }\n";
  out << "        subscribe: { allow: " << QuoteList(subscribe) << " }\n";
  if (allow_responses) out << "        allow_responses: true\n";
  out << "      }\n";
  out << "    }\n";
}

}  // namespace

std::string NodeInboxPrefix(const std::string& node) { return "_INBOX." + node; }

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

  out << "authorization {\n  users: [\n";
  if (c.controller_password) {
    WriteUser(out, kControllerUser, *c.controller_password, {"hp.node.*.key"},
              {"hp.ctl.>", "_INBOX.>"}, /*allow_responses=*/true);
  }
  for (const auto& n : c.nodes) {
    WriteUser(out, n.node, n.password,
              {protocol::TasksSubject(n.node), protocol::ReportSubject(n.node),
               protocol::HelloSubject(n.node)},
              {protocol::KeySubject(n.node), NodeInboxPrefix(n.node) + ".>"},
              /*allow_responses=*/false);
  }
  out << "  ]\n}\n";

  if (c.leaf_listen || c.remote) {
    out << "leafnodes {\n";
    if (c.leaf_listen) {
      out << "  host: " << Quote(c.leaf_listen->host) << "\n";
      out << "  port: " << c.leaf_listen->port << "\n";
      if (!c.tls.empty()) WriteTls(out, c.tls, "  ");
      out << "  authorization {\n    users: [\n";
      for (const auto& l : c.leaves) {
        out << "      { user: " << Quote(l.site) << ", password: " << Quote(l.password) << " }\n";
      }
      out << "    ]\n  }\n";
    }
    if (c.remote) {
      out << "  remotes: [\n    {\n";
      out << "      url: " << Quote(RemoteUrlWithCredentials(*c.remote)) << "\n";
      if (!c.remote->tls_ca_file.empty()) {
        out << "      tls: { ca_file: " << Quote(c.remote->tls_ca_file) << " }\n";
      }
      out << "    }\n  ]\n";
    }
    out << "}\n";
  }
  return out.str();
}

}  // namespace hostplane::relay
