#pragma once

// The configuration of the relay network's nats-server processes (shared/DESIGN.md "relay
// network"): a hub near the controllers and a leaf node per site, leaves possibly chained into a
// tree. RenderNatsConfig is the one encoder of nats-server's configuration format in hostplane:
// every name is validated, every string quoted and escaped, and every client user it writes has
// subject permissions (shared/SECURITY.md rule 9):
//
//   node X        publish   hp.ctl.tasks.X, hp.ctl.report.X, hp.ctl.hello.X (in its own name only)
//                 subscribe hp.node.X.key, _INBOX.X.>        (the replies to its own requests)
//   controllers   publish   hp.node.*.key, and replies to requests it received (allow_responses)
//                 subscribe hp.ctl.> (any queue group), _INBOX.>
//
// Nobody else has a client user, so only a controller can publish a node's key. A node's agent
// makes its requests with the inbox prefix NodeInboxPrefix(X), so only X can read their replies.
//
// A server that sites connect to (the hub, or a site with chained sites below it) does not trust
// its leaf links: every child site's leaf login is the only user of its own account
// ("site-<name>"), and only the subjects of the nodes below that link cross between it and the
// server's own account ("hp", where the controllers or the local nodes and the link to the parent
// are): hp.node.X.key and _INBOX.X.> into the site's account, hp.ctl.{tasks,report,hello}.X out
// of it. Whatever else a compromised site's server forwards stays in its account. (nats-server
// 2.9 does not check what a leaf link publishes against its user's permissions, so permissions
// alone would not do; docs/relay.md.) Leaf logins may only log in as leaf nodes, client users
// only as clients.
//
// Every user has a bcrypt hash (common/passwd/bcrypt.h) in the configuration, never a password;
// only the link to the parent carries this site's own leaf password (in its URL: nats-server
// dials with it). The configuration is written 0600 all the same (docs/relay.md).

#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace hostplane::relay {

// The user name of the controllers on the hub; outside the node grammar, so no node can have it.
inline constexpr const char* kControllerUser = "_controller";

struct Listen {
  std::string host;  // an IPv4/IPv6 literal or a host name
  int port = 0;      // 1-65535
};

// Server certificate and key for the client and leafnode listeners; ca_file (optional) makes the
// server ask for and verify client certificates.
struct TlsFiles {
  std::string cert_file;
  std::string key_file;
  std::string ca_file;
  bool empty() const { return cert_file.empty() && key_file.empty() && ca_file.empty(); }
};

struct NodeUser {
  std::string node;           // protocol::CheckNodeName
  std::string password_hash;  // IsBcryptHash
};

// A child leaf allowed to connect to this server's leafnode port, and the nodes whose subjects
// may cross its link: its own nodes and those of every site chained below it.
struct LeafUser {
  std::string site;  // the node grammar
  std::string password_hash;
  std::vector<std::string> nodes;  // at least one
};

// This server's link to its parent (the hub, or another site's leaf).
struct Remote {
  std::string url;   // nats-leaf://HOST:PORT or tls://HOST:PORT, without credentials
  std::string site;  // this site's name: the user it logs in as
  std::string password;
  std::string tls_ca_file;  // verify the parent's certificate with this CA (turns TLS on)
  // This server's client certificate for the link, when the parent verifies leaf certificates
  // (its TlsFiles::ca_file). Both or neither.
  std::string tls_cert_file;
  std::string tls_key_file;
};

// One nats-server of the tree: the hub has controller_password_hash and leaves; a site has a
// remote, nodes, and (when others chain below it) a leaf listener with leaves.
struct ServerConfig {
  std::string server_name;  // unique in the tree; the node grammar
  Listen client;
  std::optional<Listen> http;  // monitoring endpoint (/healthz, /leafz), when wanted
  std::optional<Listen> leaf_listen;
  std::vector<LeafUser> leaves;  // needs leaf_listen
  std::optional<Remote> remote;
  std::optional<std::string> controller_password_hash;
  std::vector<NodeUser> nodes;
  TlsFiles tls;
};

// The inbox prefix of node X's connection, "_INBOX.X" (X in the node grammar): its requests are
// answered below it, and X's user may subscribe below it only.
std::string NodeInboxPrefix(const std::string& node);

// The account of a server's own users and its link to the parent, and that of a child site.
inline constexpr const char* kOwnAccount = "hp";
std::string SiteAccount(const std::string& site);  // "site-<site>"

// The configuration text. Errors: kInvalid with fields (server_name, client.port, nodes[1].node,
// leaves[0].nodes[2], remote.url, ...) mapped to codes such as node.invalid, relay.port,
// relay.host, relay.url, relay.duplicate (a user or a node named twice anywhere in the
// configuration), relay.password, relay.hash, relay.path, relay.empty, relay.tls.
[[nodiscard]] Result<std::string> RenderNatsConfig(const ServerConfig& config);

// The URL a leaf dials: "nats-leaf://HOST:PORT" with "site:password@" inserted. url and site must
// have been validated (RenderNatsConfig does).
std::string RemoteUrlWithCredentials(const Remote& remote);

}  // namespace hostplane::relay
