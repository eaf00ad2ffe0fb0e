// The REST handlers of the fleet: nodes (with their health from heartbeats, and for dns nodes how
// many zones they lag on), their settings (name-server name, address), join tokens and the join
// itself, drain and loss, and the NATS users of a site's relay.

#include <algorithm>

#include "controller/api/api_call.h"
#include "controller/api/api_server.h"
#include "controller/api/request_body.h"

namespace hostplane::controller {

using api::ChangeJson;
using api::QueryReader;
using api::Reply;

json ApiServer::NodeJson(const Node& n) const {
  json j = ToJson(n);
  j["health"] = hosting_.nodes().Health(n);
  return j;
}

Result<ApiReply> ApiServer::ListNodes(const ApiCall& call) {
  QueryReader q(call.req, {});
  HP_TRY(q.Finish());
  HP_ASSIGN_OR_RETURN(auto list, hosting_.nodes().List(call.actor));
  json nodes = json::array();
  for (const auto& n : list) nodes.push_back(NodeJson(n));
  return Reply(200, {{"nodes", std::move(nodes)}});
}

Result<ApiReply> ApiServer::GetNode(const ApiCall& call) {
  QueryReader q(call.req, {});
  HP_TRY(q.Finish());
  HP_ASSIGN_OR_RETURN(auto n, hosting_.nodes().Get(call.actor, call.path.at("name")));
  return Reply(200, {{"node", NodeJson(n)}});
}

Result<ApiReply> ApiServer::CreateNode(const ApiCall& call) {
  HP_ASSIGN_OR_RETURN(auto body, ParseJsonObject(call.req.body));
  BodyReader r(body);
  auto name = r.String("name", Presence::kRequired);
  auto roles = r.StringArray("roles", Presence::kRequired);
  auto capacity = r.Integer("capacity", Presence::kOptional);
  auto ipv4 = r.String("ipv4", Presence::kOptional);
  auto ipv6 = r.String("ipv6", Presence::kOptional);
  auto site = r.String("site", Presence::kOptional);
  auto group = r.String("group", Presence::kOptional);
  HP_TRY(r.Finish());
  NodeInput in;
  in.name = *name;
  in.roles = *roles;
  if (capacity) in.capacity = *capacity;
  in.ipv4 = ipv4.value_or("");
  in.ipv6 = ipv6.value_or("");
  in.site = site.value_or("");
  in.group = group.value_or("");
  std::string token;
  HP_ASSIGN_OR_RETURN(auto change, hosting_.nodes().Create(call.actor, in, &token));
  json out = ChangeJson("node", change);
  out["node"]["health"] = hosting_.nodes().Health(change.object);
  out["join_token"] = token.empty() ? json(nullptr) : json(token);
  return Reply(201, std::move(out));
}

Result<ApiReply> ApiServer::SetNode(const ApiCall& call) {
  HP_ASSIGN_OR_RETURN(auto body, ParseJsonObject(call.req.body));
  BodyReader r(body);
  NodeSettings in;
  in.ns_name = r.String("ns_name", Presence::kOptional);
  in.address = r.String("address", Presence::kOptional);
  HP_TRY(r.Finish());
  HP_ASSIGN_OR_RETURN(auto change, hosting_.nodes().Set(call.actor, call.path.at("name"), in));
  json out = ChangeJson("node", change);
  out["node"]["health"] = hosting_.nodes().Health(change.object);
  return Reply(200, std::move(out));
}

Result<ApiReply> ApiServer::IssueJoinToken(const ApiCall& call) {
  QueryReader q(call.req, {});
  HP_TRY(q.Finish());
  HP_ASSIGN_OR_RETURN(auto token,
                      hosting_.nodes().IssueJoinToken(call.actor, call.path.at("name")));
  return Reply(201, {{"node", call.path.at("name")}, {"join_token", token}});
}

Result<ApiReply> ApiServer::Join(const ApiCall& call) {
  HP_ASSIGN_OR_RETURN(auto body, ParseJsonObject(call.req.body));
  BodyReader r(body);
  auto token = r.String("token", Presence::kRequired);
  HP_TRY(r.Finish());
  HP_ASSIGN_OR_RETURN(auto grant, hosting_.nodes().Join(*token));
  return Reply(200, {{"node", grant.node},
                     {"roles", grant.roles},
                     {"site", grant.site},
                     {"controller_key", grant.controller_key},
                     {"nats",
                      {{"servers", grant.nats_servers},
                       {"user", grant.nats_user},
                       {"password", grant.nats_password}}}});
}

Result<ApiReply> ApiServer::Drain(const ApiCall& call, bool lost) {
  int64_t batch = 50;
  std::string role;
  if (!call.req.body.empty()) {
    HP_ASSIGN_OR_RETURN(auto body, ParseJsonObject(call.req.body));
    BodyReader r(body);
    auto b = r.Integer("batch", Presence::kOptional);
    auto ro = r.String("role", Presence::kOptional);
    HP_TRY(r.Finish());
    if (b) batch = *b;
    role = ro.value_or("");
  }
  // DrainNode checks the range; anything beyond an int is out of it too.
  const int checked = static_cast<int>(std::clamp<int64_t>(batch, -1, 1'000'000));
  HP_ASSIGN_OR_RETURN(
      auto step, hosting_.drains().Drain(call.actor, call.path.at("name"), checked, lost, role));
  json tasks = json::array();
  for (const auto& t : step.tasks) tasks.push_back(ToJson(t));
  return Reply(202, {{"node", NodeJson(step.node)},
                     {"moved", step.moved},
                     {"remaining_customers", step.remaining_customers},
                     {"emptied", step.emptied},
                     {"unrecoverable", step.unrecoverable},
                     {"copies",
                      {{"done", step.copies.done},
                       {"bytes", step.copies.bytes},
                       {"in_progress", step.copies.open},
                       {"failed", step.copies.failed}}},
                     {"tasks", std::move(tasks)},
                     {"change_id", step.change_id}});
}

Result<ApiReply> ApiServer::DrainNode(const ApiCall& call) { return Drain(call, false); }
Result<ApiReply> ApiServer::LoseNode(const ApiCall& call) { return Drain(call, true); }

Result<ApiReply> ApiServer::RelayUsers(const ApiCall& call) {
  QueryReader q(call.req, {});
  HP_TRY(q.Finish());
  HP_ASSIGN_OR_RETURN(auto users, hosting_.nodes().RelayUsers(call.actor, call.path.at("site")));
  return Reply(200, users);
}

}  // namespace hostplane::controller
