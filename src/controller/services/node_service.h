#pragma once

// The fleet's nodes: adding them, their health from heartbeats, one-time join tokens and the
// join itself (a server enrolling as a node and getting its NATS login), and the NATS users of a
// site's relay. Emptying a node is DrainService's.
//
// Thread-safe; each ChangeContext is used by one thread.

#include <string>
#include <vector>

#include "common/clock.h"
#include "controller/services/change_runner.h"
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

// The roles a node may have: web, mail, dns, ftp, db.
const std::vector<std::string>& AllRoles();

class NodeService {
 public:
  NodeService(Store& store, ChangeRunner& runner, const Clock& clock, const HostingOptions& options)
      : store_(store), runner_(runner), clock_(clock), options_(options) {}

  // With join_token, also issues the node's first join token in the same transaction (when this
  // controller has a bundle key; else it stays ""). Errors: kInvalid with a code per field;
  // kConflict {"name": "node.taken"}; kForbidden.
  Result<Change<Node>> Create(const Actor& actor, const NodeInput& in,
                              std::string* join_token = nullptr);
  Result<std::vector<Node>> List(const Actor& actor);
  Result<Node> Get(const Actor& actor, const std::string& name);
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
  Result<Node> Create(ChangeContext& change, const Node& node, std::string* join_token) const;
  Result<std::string> IssueJoinToken(ChangeContext& change, const Node& node) const;

 private:
  Store& store_;
  ChangeRunner& runner_;
  const Clock& clock_;
  const HostingOptions options_;
};

}  // namespace hostplane::controller
