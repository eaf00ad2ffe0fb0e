#pragma once

// The fleet's nodes: adding them, their health from heartbeats, one-time join tokens and the
// join itself (a server enrolling as a node and getting its NATS login), and the NATS users of a
// site's relay. Emptying a node is DrainService's.
//
// Thread-safe; each ChangeContext is used by one thread.

#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "controller/services/change_runner.h"
#include "controller/services/dns_service.h"
#include "controller/services/hosting_options.h"

namespace hostplane::controller {

struct NodeInput {
  std::string name;
  std::vector<std::string> roles;
  int64_t capacity = 10000;
  std::string ipv4 = "";  // the address DNS records point at ("" = none)
  std::string ipv6 = "";
  std::string site = "";   // where it stands (node grammar; "" = unspecified)
  std::string group = "";  // a node group plans may pin to (node grammar; "" = none)
};

// What a server gets when it joins with a token (POST /api/v1/join): who it is, the key it pins,
// and its NATS login (the password is shown this once; the store keeps its bcrypt hash).
struct JoinGrant {
  std::string node;
  std::vector<std::string> roles;
  std::string site;
  std::string controller_key;
  std::vector<std::string> nats_servers;
  std::string nats_user;
  std::string nats_password;
};

// A node's settings (`hostplane node set NODE key=value ...`, PATCH /api/v1/nodes/{name}); each
// given one is changed, the others stay.
struct NodeSettings {
  // The name-server name the node is listed under in every zone's NS when it has the dns role: a
  // domain of at least two labels (the domain.* codes), unique among the nodes (ns_name.taken);
  // "" = ns<k>.<zone>, glued to its address.
  std::optional<std::string> ns_name;
  // Its public address, IPv4 or IPv6 (address.invalid): sets ipv4 or ipv6 by its family. The
  // glue of its name-server name and the A/AAAA of what it serves.
  std::optional<std::string> address;
};

// The roles a node may have: web, mail, dns, ftp, db.
const std::vector<std::string>& AllRoles();

class NodeService {
 public:
  // dns re-sends every zone when the name servers change (a dns node added or set).
  NodeService(Store& store, ChangeRunner& runner, const Clock& clock, const DnsService& dns,
              const HostingOptions& options)
      : store_(store), runner_(runner), clock_(clock), dns_(dns), options_(options) {}

  // With join_token, also issues the node's first join token in the same transaction (when this
  // controller has a bundle key; else it stays ""). Errors: kInvalid with a code per field;
  // kConflict {"name": "node.taken"}; kForbidden.
  Result<Change<Node>> Create(const Actor& actor, const NodeInput& in,
                              std::string* join_token = nullptr);
  // With each dns node's serving state (Node::dns).
  Result<std::vector<Node>> List(const Actor& actor);
  Result<Node> Get(const Actor& actor, const std::string& name);
  // Changes a node's settings; when it serves the zones (dns role), every zone is re-sent with
  // the new NS and glue. Errors: kInvalid with a code per field; kNotFound; kConflict
  // {"ns_name": "ns_name.taken"}; kForbidden.
  Result<Change<Node>> Set(const Actor& actor, const std::string& name, const NodeSettings& in);
  // "up", "down" or "new", by the node's last heartbeat.
  std::string Health(const Node& n) const;

  // A join token for a node: "hpjoin.<secret>.<key fingerprint>", returned once, valid
  // join_token_ttl_ms, one use; a new one revokes the node's unused ones. The fingerprint lets
  // the joining agent check the key it is given (it pins it). Errors: kNotFound; kConflict
  // {"name": "node.retired"}; kUnavailable when this controller has no bundle key.
  Result<std::string> IssueJoinToken(const Actor& actor, const std::string& node);
  // The server's side of a join: checks the token (kUnauthorized when unknown, used or expired:
  // one message for all), makes the node's NATS password and stores its bcrypt hash, marks the
  // token used. One transaction.
  Result<JoinGrant> Join(const std::string& token);
  // The NATS users of a site's relay: {"site", "nodes": [{"node", "password_hash"}]}, for
  // `hostplane relay config site --users-file`. Joined nodes only.
  Result<Json> RelayUsers(const Actor& actor, const std::string& site);

  // Steps, inside a change (the caller commits).
  static Result<Node> Check(const NodeInput& in);
  // The settings in canonical form (ns_name lowercase without the trailing dot, the address in
  // inet_ntop form).
  static Result<NodeSettings> Check(const NodeSettings& in);
  Result<Node> Create(ChangeContext& change, const Node& node, std::string* join_token) const;
  Result<std::string> IssueJoinToken(ChangeContext& change, const Node& node) const;

 private:
  Store& store_;
  ChangeRunner& runner_;
  const Clock& clock_;
  const DnsService& dns_;
  const HostingOptions options_;
};

}  // namespace hostplane::controller
