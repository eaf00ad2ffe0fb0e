#include "controller/services/node_service.h"

#include <arpa/inet.h>

#include <algorithm>
#include <optional>
#include <utility>

#include "common/crypto.h"
#include "common/passwd/bcrypt.h"
#include "controller/services/dns_serving.h"
#include "controller/services/placement.h"
#include "controller/services/service_support.h"
#include "controller/services/zone_builder.h"
#include "controller/store/entity_json.h"
#include "protocol/validate.h"

namespace hostplane::controller {
namespace {

constexpr const char* kJoinPrefix = "hpjoin.";
constexpr int64_t kMaxNodeCapacity = 1'000'000;

// An IP address in its canonical text form (inet_pton then inet_ntop), or nullopt.
std::optional<std::string> CheckAddress(int family, const std::string& text) {
  unsigned char buf[sizeof(struct in6_addr)];
  if (text.size() > 45 || inet_pton(family, text.c_str(), buf) != 1) return std::nullopt;
  char out[INET6_ADDRSTRLEN];
  if (inet_ntop(family, buf, out, sizeof out) == nullptr) return std::nullopt;
  return std::string(out);
}

}  // namespace

const std::vector<std::string>& AllRoles() {
  static const std::vector<std::string> kRoles = {"web", "mail", "dns", "ftp", "db"};
  return kRoles;
}

Result<Node> NodeService::Check(const NodeInput& in) {
  protocol::FieldErrors errors;
  auto name = protocol::CheckNodeName(in.name);
  if (!name) errors.Add("name", name.error());
  std::vector<std::string> roles;
  if (in.roles.empty()) errors.Add("roles", {"roles.empty", "A node needs at least one role."});
  const auto& all = AllRoles();
  for (size_t i = 0; i < in.roles.size(); ++i) {
    if (std::find(all.begin(), all.end(), in.roles[i]) == all.end()) {
      errors.Add("roles[" + std::to_string(i) + "]",
                 {"role.unknown", "Roles are web, mail, dns, ftp and db."});
    } else if (std::find(roles.begin(), roles.end(), in.roles[i]) == roles.end()) {
      roles.push_back(in.roles[i]);
    }
  }
  std::string ipv4, ipv6;
  if (!in.ipv4.empty()) {
    if (auto a = CheckAddress(AF_INET, in.ipv4)) {
      ipv4 = *a;
    } else {
      errors.Add("ipv4", {"address.invalid", "ipv4 must be an IPv4 address like 192.0.2.10."});
    }
  }
  if (!in.ipv6.empty()) {
    if (auto a = CheckAddress(AF_INET6, in.ipv6)) {
      ipv6 = *a;
    } else {
      errors.Add("ipv6", {"address.invalid", "ipv6 must be an IPv6 address like 2001:db8::10."});
    }
  }
  for (const auto& [field, value] : {std::pair{"site", &in.site}, std::pair{"group", &in.group}}) {
    if (value->empty()) continue;
    if (auto v = protocol::CheckNodeName(*value); !v) {
      errors.Add(field, {std::string(field) + ".invalid",
                         std::string("A ") + field +
                             " name is lowercase letters, digits and '-' (at most 63), "
                             "starting with a letter."});
    }
  }
  if (in.capacity < 1 || in.capacity > kMaxNodeCapacity) {
    errors.Add("capacity", {"number.out_of_range", "The capacity must be between 1 and " +
                                                       std::to_string(kMaxNodeCapacity) + "."});
  }
  if (!errors.empty()) return Fail(errors.ToError());
  Node node;
  node.name = *name;
  node.roles = roles;
  node.capacity = in.capacity;
  node.ipv4 = ipv4;
  node.ipv6 = ipv6;
  node.site = in.site;
  node.group = in.group;
  return node;
}

Result<NodeSettings> NodeService::Check(const NodeSettings& in) {
  protocol::FieldErrors errors;
  NodeSettings out;
  if (in.ns_name) {
    if (in.ns_name->empty()) {
      out.ns_name = "";
    } else if (auto d = protocol::CheckDomain(*in.ns_name)) {
      out.ns_name = *d;
    } else {
      errors.Add("ns_name", d.error());
    }
  }
  if (in.address) {
    if (auto a = CheckAddress(AF_INET, *in.address)) {
      out.address = *a;
    } else if (auto a6 = CheckAddress(AF_INET6, *in.address)) {
      out.address = *a6;
    } else {
      errors.Add("address",
                 {"address.invalid", "address must be an IPv4 or IPv6 address like 192.0.2.10."});
    }
  }
  if (!errors.empty()) return Fail(errors.ToError());
  return out;
}

Result<Change<Node>> NodeService::Set(const Actor& actor, const std::string& name,
                                      const NodeSettings& in) {
  HP_ASSIGN_OR_RETURN(const NodeSettings settings, Check(in));
  return runner_.Run(actor, "node.update", [&](ChangeContext& change) -> Result<Node> {
    StoreTxn& tx = change.tx();
    const Error missing = NotFound("node", name);
    HP_ASSIGN_OR_RETURN(auto found, tx.nodes().FindByName(name));
    if (!found) return Fail(missing);
    HP_TRY(change.Allow(Action::kNodeUpdate, {"node", name, {}}, missing));
    Node node = *found;
    if (settings.ns_name) {
      if (!settings.ns_name->empty()) {
        HP_ASSIGN_OR_RETURN(const std::vector<Node> all, tx.nodes().List());
        for (const auto& other : all) {
          if (other.id != node.id && other.ns_name == *settings.ns_name) {
            return Fail(FieldError(ErrorCode::kConflict, {{"ns_name", "ns_name.taken"}},
                                   "node '" + other.name + "' is the name server '" +
                                       *settings.ns_name + "' already"));
          }
        }
      }
      node.ns_name = *settings.ns_name;
    }
    if (settings.address) {
      (settings.address->find(':') == std::string::npos ? node.ipv4 : node.ipv6) =
          *settings.address;
    }
    HP_TRY(tx.nodes().Update(node));
    HP_TRY(
        change.Audit("node.update", NodeObject(name), ToJson(*found), ToJson(node), std::nullopt));
    // Its name server, in every zone's NS and glue.
    HP_ASSIGN_OR_RETURN(const std::vector<Node> servers, DnsServers(tx));
    const bool serves =
        std::any_of(servers.begin(), servers.end(), [&](const Node& n) { return n.id == node.id; });
    if (serves) HP_TRY(dns_.SyncAllZones(change));
    return node;
  });
}

Result<Change<Node>> NodeService::Create(const Actor& actor, const NodeInput& in,
                                         std::string* join_token) {
  HP_ASSIGN_OR_RETURN(Node node, Check(in));
  return runner_.Run(actor, "node.create",
                     [&](ChangeContext& change) { return Create(change, node, join_token); });
}

Result<Node> NodeService::Create(ChangeContext& change, const Node& node,
                                 std::string* join_token) const {
  StoreTxn& tx = change.tx();
  HP_TRY(change.AllowCollection(Action::kNodeCreate, "nodes"));
  HP_ASSIGN_OR_RETURN(auto existing, tx.nodes().FindByName(node.name));
  if (existing) {
    return Fail(FieldError(ErrorCode::kConflict, {{"name", "node.taken"}},
                           "a node named '" + node.name + "' exists"));
  }
  HP_ASSIGN_OR_RETURN(Node stored, tx.nodes().Insert(node));
  HP_TRY(
      change.Audit("node.create", NodeObject(stored.name), nullptr, ToJson(stored), std::nullopt));
  if (join_token && !options_.controller_key.empty()) {
    HP_ASSIGN_OR_RETURN(*join_token, IssueJoinToken(change, stored));
  }
  // A new dns node serves every zone from now on, and is one of their name servers.
  if (std::find(stored.roles.begin(), stored.roles.end(), "dns") != stored.roles.end()) {
    HP_TRY(dns_.SyncAllZones(change));
  }
  return stored;
}

Result<std::vector<Node>> NodeService::List(const Actor& actor) {
  HP_TRY(runner_.authorizer().AllowCollection(actor, Action::kNodeList, "nodes"));
  std::vector<Node> nodes;
  HP_TRY(store_.Snapshot([&](StoreTxn& tx) -> Status {
    HP_ASSIGN_OR_RETURN(nodes, tx.nodes().List());
    HP_ASSIGN_OR_RETURN(const auto serving, DnsServingByNode(tx));
    for (auto& n : nodes) {
      if (auto it = serving.find(n.name); it != serving.end()) n.dns = it->second;
    }
    return Ok();
  }));
  return nodes;
}

Result<Node> NodeService::Get(const Actor& actor, const std::string& name) {
  const Error missing = NotFound("node", name);
  std::optional<Node> node;
  HP_TRY(store_.Snapshot([&](StoreTxn& tx) -> Status {
    HP_ASSIGN_OR_RETURN(node, tx.nodes().FindByName(name));
    if (!node) return Ok();
    HP_ASSIGN_OR_RETURN(const auto serving, DnsServingByNode(tx));
    if (auto it = serving.find(node->name); it != serving.end()) node->dns = it->second;
    return Ok();
  }));
  if (!node) return Fail(missing);
  HP_TRY(runner_.authorizer().Allow(actor, Action::kNodeRead, {"node", name, {}}, missing));
  return std::move(*node);
}

std::string NodeService::Health(const Node& n) const {
  return NodeHealth(n, clock_.NowMillis(), options_.node_down_after_ms);
}

Result<std::string> NodeService::IssueJoinToken(const Actor& actor, const std::string& name) {
  if (options_.controller_key.empty()) {
    return Fail(Error::Unavailable(
        "this controller has no bundle key to hand out (join needs `hostplane serve` or `up`)"));
  }
  auto issued = runner_.Run(actor, "node.token", [&](ChangeContext& change) -> Result<std::string> {
    const Error missing = NotFound("node", name);
    HP_ASSIGN_OR_RETURN(auto node, change.tx().nodes().FindByName(name));
    if (!node) return Fail(missing);
    HP_TRY(change.Allow(Action::kNodeToken, {"node", name, {}}, missing));
    HP_ASSIGN_OR_RETURN(std::string token, IssueJoinToken(change, *node));
    HP_TRY(change.Audit("node.token", NodeObject(name), nullptr,
                        Json{{"expires_in_ms", options_.join_token_ttl_ms}}, std::nullopt));
    return token;
  });
  if (!issued) return Fail(issued.error());
  return std::move(issued->object);
}

Result<std::string> NodeService::IssueJoinToken(ChangeContext& change, const Node& node) const {
  if (node.status == NodeStatus::kLost || node.status == NodeStatus::kDrained) {
    return Fail(FieldError(ErrorCode::kConflict, {{"name", "node.retired"}},
                           "node '" + node.name + "' is " + std::string(Name(node.status)) +
                               "; add the server again under a new name"));
  }
  std::string token =
      kJoinPrefix + RandomBase64Url(32) + "." + KeyFingerprint(options_.controller_key);
  HP_TRY(change.tx().nodes().InsertJoinToken(node.id, HashApiToken(token),
                                             change.NowMillis() + options_.join_token_ttl_ms));
  return token;
}

Result<JoinGrant> NodeService::Join(const std::string& token) {
  // One answer for every bad token: a caller learns nothing about which tokens exist.
  const Error refused = FieldError(ErrorCode::kUnauthorized, {{"token", "token.invalid"}},
                                   "the join token is unknown, used or expired; ask for a new "
                                   "one with `hostplane node token NAME`");
  if (token.rfind(kJoinPrefix, 0) != 0 || token.size() > 200) return Fail(refused);
  const std::string password = RandomBase64Url(24);
  HP_ASSIGN_OR_RETURN(const std::string hash, BcryptHash(password));

  JoinGrant grant;
  HP_TRY(store_.Write([&](StoreTxn& tx) -> Status {
    HP_ASSIGN_OR_RETURN(auto found, tx.nodes().FindJoinToken(HashApiToken(token)));
    const int64_t now = tx.NowMillis();
    if (!found || found->used_at || found->expires_at < now) return Fail(refused);
    HP_ASSIGN_OR_RETURN(bool used, tx.nodes().UseJoinToken(found->id, now));
    if (!used) return Fail(refused);  // another join won the race
    HP_ASSIGN_OR_RETURN(auto node, tx.nodes().FindById(found->node_id));
    if (!node) return Fail(refused);
    const Node before = *node;
    Node after = before;
    after.nats_password_hash = hash;
    after.enrolled_at = now;
    HP_TRY(tx.nodes().Update(after));
    // The change is the node's own: it is who the token says it is.
    const Actor joining{"node:" + after.name, Role::kNone};
    ChangeContext change(tx, joining, runner_.authorizer());
    HP_TRY(change.Audit("node.join", NodeObject(after.name), ToJson(before), ToJson(after),
                        std::nullopt));
    grant.node = after.name;
    grant.roles = after.roles;
    grant.site = after.site;
    return Ok();
  }));
  grant.controller_key = options_.controller_key;
  grant.nats_servers = options_.nats_servers;
  grant.nats_user = grant.node;
  grant.nats_password = password;
  return grant;
}

Result<Json> NodeService::RelayUsers(const Actor& actor, const std::string& site) {
  HP_TRY(runner_.authorizer().AllowCollection(actor, Action::kRelayRead, "relay:" + site));
  if (!protocol::CheckNodeName(site)) {
    return Fail(FieldError(ErrorCode::kInvalid, {{"site", "site.invalid"}},
                           "a site name is lowercase letters, digits and '-', starting with a "
                           "letter"));
  }
  HP_ASSIGN_OR_RETURN(const std::vector<Node> nodes, store_.ListNodes());
  Json users = Json::array();
  for (const auto& n : nodes) {
    if (n.site != site || n.nats_password_hash.empty() || n.status == NodeStatus::kLost) continue;
    users.push_back({{"node", n.name}, {"password_hash", n.nats_password_hash}});
  }
  return Json{{"site", site}, {"nodes", users}};
}

}  // namespace hostplane::controller
